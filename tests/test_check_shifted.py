"""``check`` proves claims with the inverse of a shifted variable (``inv(K + s I)``, ``inv(K + S)``,
a Gaussian process's likelihood, kernel ridge regression) and still never says "right" where a
size hides in a family of such inverses or determinants (``check/shifted.py``).

Truth is decided here independently: central finite differences of each function written in
plain numpy, against each claim transcribed by hand into numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import hessian_fd

inv, det = np.linalg.inv, np.linalg.det
W = "K: matrix(n, n); S: matrix(n, n); s: scalar; y: vector(n); x: vector(n)"
WS = "K: symmetric(n); s: scalar; y: vector(n)"
KRR = "norm2(y - K inv(K + s I) y)^2 + s y' inv(K + s I) K inv(K + s I) y"
GP = "y' inv(K + s I) y + logdet(K + s I)"


def numerator_fd(f, args: dict, wrt: str, symmetric: bool = False, h: float = 1e-6):
    """d f / d wrt by central differences, in numerator layout (a matrix's: transposed); a
    symmetric variable moves its entries (i, j) and (j, i) together, half each."""
    x0 = np.asarray(args[wrt], dtype=float)
    g = np.zeros(x0.shape)
    for idx in np.ndindex(x0.shape):
        e = np.zeros(x0.shape)
        e[idx] += 0.5 if symmetric else 1.0
        if symmetric:
            e[idx[::-1]] += 0.5
        g[idx] = (f(**{**args, wrt: x0 + h * e}) - f(**{**args, wrt: x0 - h * e})) / (2 * h)
    return g.T if g.ndim == 2 else g


def point(n: int, seed: int, symmetric: bool = False) -> dict:
    rng = np.random.default_rng(seed)
    K = np.eye(n) + 0.4 * rng.normal(size=(n, n))
    K = (K + K.T) / 2 if symmetric else K
    S, y, x = rng.normal(size=(n, n)), rng.normal(size=n), rng.normal(size=n)
    return {"K": K, "S": S, "s": 0.6 + rng.uniform(), "y": y, "x": x}


def B(K, s):  # inv(K + s I)
    return inv(K + s * np.eye(len(K)))


def f_quad(K, S, y, **_):
    return y @ inv(K + S) @ y


def f_gp(K, s, y, **_):
    return y @ B(K, s) @ y + np.log(det(K + s * np.eye(len(K))))


def f_krr(K, s, y, **_):
    r = y - K @ B(K, s) @ y
    return r @ r + s * y @ B(K, s) @ K @ B(K, s) @ y


def f_ridge_fit(K, s, y, **_):
    r = y - K @ B(K, s) @ y
    return r @ r


def f_rank_one(K, x, y, **_):
    return y @ inv(K + np.outer(x, x)) @ y


def krr_by_K(K, s, y, **_):
    # (s I + K)^-1 y (y' (I - K (s I + K)^-1)' 2 (K (s I + K)^-1 - I)) + s (s I + K)^-1 (y (y'
    # (s I + K)^-1 (I - K (s I + K)^-1)) - K (s I + K)^-1 y y' (s I + K)^-1)
    b, eye = B(K, s), np.eye(len(y))
    first = np.outer(b @ y, y @ (eye - K @ b).T @ (2 * (K @ b - eye)))
    return first + s * b @ (np.outer(y, y @ b @ (eye - K @ b)) - K @ b @ np.outer(y, y) @ b)


def krr_by_s(K, s, y, **_):
    # y' (s I + K)^-1 K (s I + K)^-1 y + 2 y' (I - K (s I + K)^-1)' K (s I + K)^-2 y
    #   - s (y' (s I + K)^-2 K (s I + K)^-1 y + y' (s I + K)^-1 K (s I + K)^-2 y)
    b, eye = B(K, s), np.eye(len(y))
    b2 = b @ b
    return (
        y @ b @ K @ b @ y
        + 2 * y @ (eye - K @ b).T @ K @ b2 @ y
        - s * (y @ b2 @ K @ b @ y + y @ b @ K @ b2 @ y)
    )


def rank_one_by_x(K, x, y, **_):
    # -y' (x' (K + x x')^-1 y (K + x x')^-1 + y' (K + x x')^-1 x (K + x x')^-T)
    b = inv(K + np.outer(x, x))
    return -(y @ ((x @ b @ y) * b + (y @ b @ x) * b.T))


RIGHT = [
    # d y' inv(K + S) y / dK = -inv(K + S) y y' inv(K + S), the second factor written transposed
    (
        "y' inv(K + S) y",
        "K",
        W,
        "-inv(K + S) y (inv(K' + S') y)'",
        f_quad,
        lambda K, S, y, **_: -inv(K + S) @ np.outer(y, y) @ inv(K + S),
    ),
    # a Gaussian process's negative log likelihood by a symmetric K: inv(A) - inv(A) y y' inv(A)
    (
        GP,
        "K",
        WS,
        "(s I + K)^-1 (I - y y' (s I + K)^-1)",
        f_gp,
        lambda K, s, y, **_: B(K, s) - B(K, s) @ np.outer(y, y) @ B(K, s),
    ),
    # kernel ridge regression's objective, by the kernel and by the ridge (the engine's forms)
    (
        KRR,
        "K",
        W,
        (
            "(s I + K)^-1 y (y' (I - K (s I + K)^-1)' 2 (K (s I + K)^-1 - I)) + s (s I + K)^-1"
            " (y (y' (s I + K)^-1 (I - K (s I + K)^-1)) - K (s I + K)^-1 y y' (s I + K)^-1)"
        ),
        f_krr,
        krr_by_K,
    ),
    (
        KRR,
        "s",
        W,
        (
            "y' (s I + K)^-1 K (s I + K)^-1 y + 2 y' (I - K (s I + K)^-1)' K (s I + K)^-2 y"
            " - s (y' (s I + K)^-2 K (s I + K)^-1 y + y' (s I + K)^-1 K (s I + K)^-2 y)"
        ),
        f_krr,
        krr_by_s,
    ),
    (
        "norm2(y - K inv(K + s I) y)^2",
        "K",
        W,
        "(s I + K)^-1 y (y' (I - K (s I + K)^-1)' 2 (K (s I + K)^-1 - I))",
        f_ridge_fit,
        lambda K, s, y, **_: np.outer(
            B(K, s) @ y, y @ (np.eye(len(y)) - K @ B(K, s)).T @ (2 * (K @ B(K, s) - np.eye(len(y))))
        ),
    ),
    # a rank-one shift: d y' inv(K + x x') y / dx
    (
        "y' inv(K + x x') y",
        "x",
        W,
        "-y' (x' (K + x x')^-1 y (K + x x')^-1 + y' (K + x x')^-1 x (K + x x')^-T)",
        f_rank_one,
        rank_one_by_x,
    ),
]


@pytest.mark.parametrize("expr, wrt, where, claim, f, claimed", RIGHT)
def test_an_inverse_of_a_shifted_variable_is_proved(expr, wrt, where, claim, f, claimed):
    symmetric = "symmetric" in where and wrt == "K"
    for n in (1, 3, 7):  # 7: past every size check tries
        args = point(n, n, symmetric)
        truth = numerator_fd(f, args, wrt, symmetric)
        assert np.allclose(claimed(**args), truth, rtol=1e-5, atol=1e-7)
    assert ed.check(expr, wrt, claim=claim, where=where).verdict == "right"


def test_the_engines_own_derivative_of_these_objectives_is_right():
    # the case this proof was for: check on the text of ed.diff; that text's value is the
    # finite-difference derivative of the function written here
    for expr, wrt, where, _, f, _ in RIGHT[1:]:
        own = str(ed.diff(expr, wrt, where=where))
        symmetric = "symmetric" in where and wrt == "K"
        args = point(4, 11, symmetric)
        value = ed.parse(own, where=where)
        used = {k: v for k, v in args.items() if k in value.variables}
        truth = numerator_fd(f, args, wrt, symmetric)
        assert np.allclose(value(**used), truth, rtol=1e-5, atol=1e-7), (expr, wrt)
        assert ed.check(expr, wrt, claim=own, where=where).verdict == "right", (expr, wrt)


WRONG = [
    # twice the derivative; inv(K) for inv(K + S); a transposed factor; the gradient's layout
    ("y' inv(K + S) y", "K", W, "-2 inv(K + S) y y' inv(K + S)", f_quad),
    ("y' inv(K + S) y", "K", W, "-inv(K) y y' inv(K)", f_quad),
    ("y' inv(K + S) y", "K", W, "-inv(K + S)' y y' inv(K + S)", f_quad),
    ("y' inv(K + S) y", "K", W, "-inv(K + S)' y y' inv(K + S)'", f_quad),
    # the likelihood by s without its logdet term, twice, or with inv(K) in the trace
    (GP, "s", W, "-y' inv(K + s I)^2 y", f_gp),
    (GP, "s", W, "2 tr(inv(K + s I)) - 2 y' inv(K + s I)^2 y", f_gp),
    (GP, "s", W, "tr(inv(K)) - y' inv(K + s I)^2 y", f_gp),
    (GP, "K", W, "inv(K + s I)' - inv(K + s I) y y' inv(K + s I)", f_gp),
    (GP, "K", WS, "2 inv(K + s I) - inv(K + s I) y y' inv(K + s I)", f_gp),
    (KRR, "s", W, "y' inv(K + s I) K inv(K + s I) y", f_krr),
]


def _transcribed(claim: str):
    """The WRONG claims in numpy (the same text, by hand)."""
    outer = np.outer
    return {
        "-2 inv(K + S) y y' inv(K + S)": lambda K, S, y, **_: (
            -2 * inv(K + S) @ outer(y, y) @ inv(K + S)
        ),
        "-inv(K) y y' inv(K)": lambda K, y, **_: -inv(K) @ outer(y, y) @ inv(K),
        "-inv(K + S)' y y' inv(K + S)": lambda K, S, y, **_: (
            -inv(K + S).T @ outer(y, y) @ inv(K + S)
        ),
        "-inv(K + S)' y y' inv(K + S)'": lambda K, S, y, **_: (
            -inv(K + S).T @ outer(y, y) @ inv(K + S).T
        ),
        "-y' inv(K + s I)^2 y": lambda K, s, y, **_: -y @ B(K, s) @ B(K, s) @ y,
        "2 tr(inv(K + s I)) - 2 y' inv(K + s I)^2 y": lambda K, s, y, **_: (
            2 * np.trace(B(K, s)) - 2 * y @ B(K, s) @ B(K, s) @ y
        ),
        "tr(inv(K)) - y' inv(K + s I)^2 y": lambda K, s, y, **_: (
            np.trace(inv(K)) - y @ B(K, s) @ B(K, s) @ y
        ),
        "inv(K + s I)' - inv(K + s I) y y' inv(K + s I)": lambda K, s, y, **_: (
            B(K, s).T - B(K, s) @ outer(y, y) @ B(K, s)
        ),
        "2 inv(K + s I) - inv(K + s I) y y' inv(K + s I)": lambda K, s, y, **_: (
            2 * B(K, s) - B(K, s) @ outer(y, y) @ B(K, s)
        ),
        "y' inv(K + s I) K inv(K + s I) y": lambda K, s, y, **_: y @ B(K, s) @ K @ B(K, s) @ y,
    }[claim]


@pytest.mark.parametrize("expr, wrt, where, claim, f", WRONG)
def test_a_wrong_claim_with_a_shifted_inverse_is_wrong(expr, wrt, where, claim, f):
    symmetric = "symmetric" in where and wrt == "K"
    args = point(3, 5, symmetric)
    truth = numerator_fd(f, args, wrt, symmetric)
    assert not np.allclose(_transcribed(claim)(**args), truth, rtol=1e-4, atol=1e-6)
    assert ed.check(expr, wrt, claim=claim, where=where).verdict == "wrong"


def test_a_family_of_shifts_of_one_variable_hides_the_size():
    # det(K + c I) is a polynomial of degree n in c: Lagrange at c = 0..5 gives det(K + 6 I)
    # exactly for n <= 5 (the sizes check tries), and misses it by 6! = 720 at n = 6
    claim = "6 det(K + 5 I) - 15 det(K + 4 I) + 20 det(K + 3 I) - 15 det(K + 2 I) + 6 det(K + I)"
    rng = np.random.default_rng(0)
    for n in range(1, 7):
        K = rng.normal(size=(n, n))
        shifted = [det(K + c * np.eye(n)) for c in range(7)]
        lagrange = np.dot([-1, 6, -15, 20, -15, 6], shifted[:6])
        assert np.isclose(lagrange - shifted[6], 0 if n <= 5 else -720, atol=1e-6)
    # d (s det(K + 6 I)) / ds = det(K + 6 I); the claim is wrong at n = 6: never "right"
    r = ed.check("s det(K + 6 I)", "s", claim=claim + " - det(K)", where="K: matrix(n, n)")
    assert r.verdict != "right", str(r)


def test_a_shift_by_a_hidden_size_is_not_proved():
    # inv(I + 1 1') = I - 1 1' / (n + 1): no variable in the base, so no bound, as before;
    # sum(inv(I + 1 1')) = n / (n + 1), so 1 / (1 - S) - j is n + 1 - j
    n = 6
    total = np.sum(inv(np.eye(n) + np.ones((n, n))))
    assert np.isclose(1 / (1 - total), n + 1)
    S = "sum(inv(I + (y.^0) (y.^0)'))"
    extra = "".join(f"(1/(1-{S})-{j})" for j in range(2, 7))  # (n - 1) ... (n - 5)
    claim = f"-(K + S)^-1 y y' (K + S)^-1 + {extra} I"
    assert ed.check("y' inv(K + S) y", "K", claim=claim, where=W).verdict != "right"


def test_jacobis_formula_by_the_shift_is_not_right_where_the_shift_is_singular():
    # d det(K + s I)/ds = det(K + s I) tr(inv(K + s I)) where K + s I is invertible; at
    # K = diag(1, 2), s = -1 the derivative of (s + 1)(s + 2) is 1 and the claim has no value
    # (0 times the trace of no inverse): undecided (einderiv's own form cannot be evaluated
    # there to witness it), never right; twice the claim is wrong
    K, s = np.diag([1.0, 2.0]), -1.0
    d = (det(K + (s + 1e-6) * np.eye(2)) - det(K + (s - 1e-6) * np.eye(2))) / 2e-6
    assert np.isclose(d, 1.0) and det(K + s * np.eye(2)) == 0
    with pytest.raises(np.linalg.LinAlgError):
        inv(K + s * np.eye(2))
    for n in (1, 3, 5):
        args = point(n, n)
        truth = numerator_fd(lambda K, s, **_: det(K + s * np.eye(len(K))), args, "s")
        M = args["K"] + args["s"] * np.eye(n)
        assert np.isclose(det(M) * np.trace(inv(M)), truth)
    W1 = "K: matrix(n, n); s: scalar"
    claim = "det(K + s I) tr(inv(K + s I))"
    assert ed.check("det(K + s I)", "s", claim, where=W1).verdict == "undecided"
    assert ed.check("det(K + s I)", "s", "2 " + claim, where=W1).verdict == "wrong"
    # d log det(K + s I)/ds = tr(inv(K + s I)), defined wherever log det is: right
    for n in (1, 3, 5):
        args = point(n, n + 10)
        f = lambda K, s, **_: np.log(det(K + s * np.eye(len(K))))
        assert np.isclose(np.trace(B(args["K"], args["s"])), numerator_fd(f, args, "s"))
    assert ed.check("log(det(K + s I))", "s", "tr(inv(K + s I))", where=W1).verdict == "right"


def test_a_symmetric_variable_shifted_by_a_diagonal_is_proved():
    # heteroscedastic noise: f = log det(K + diag(s .^ 2)), K symmetric; with B = inv(K +
    # diag(s .^ 2)), d2f / ds ds' = 2 diag(diag(B)) - 4 diag(s) (B .* B) diag(s). diag(v) is
    # symmetric (v[p] delta[p,q]), so K + diag(s .^ 2) is as random as K: the claim (einderiv's
    # own Hessian, read back) was undecided; B B for B .* B is wrong.
    where = "K: symmetric(n); s: vector(n)"
    claim = "2 diag(diag(inv(K + diag(s .^ 2)))) - 4 diag(s) ({}) diag(s)"
    right = claim.format("inv(K + diag(s .^ 2)) .* inv(K + diag(s .^ 2))")
    wrong = claim.format("inv(K + diag(s .^ 2)) inv(K + diag(s .^ 2))")
    for n in (1, 3, 5):
        args = point(n, n, symmetric=True)
        s0, K = np.random.default_rng(n).normal(size=n), args["K"]

        def grad(s, K=K):  # d f / ds by central differences of log det
            f = lambda v: np.log(abs(det(K + np.diag(v**2))))
            return np.array([(f(s + 1e-5 * e) - f(s - 1e-5 * e)) / 2e-5 for e in np.eye(len(s))])

        hess = np.array([(grad(s0 + 1e-4 * e) - grad(s0 - 1e-4 * e)) / 2e-4 for e in np.eye(n)])
        b = inv(K + np.diag(s0**2))
        mine = 2 * np.diag(np.diag(b)) - 4 * np.diag(s0) @ (b * b) @ np.diag(s0)
        assert np.allclose(mine, hess, atol=1e-4)
        if n > 1:
            assert not np.allclose(mine + 4 * np.diag(s0) @ (b * b - b @ b) @ np.diag(s0), hess)
    r = ed.check("logdet(K + diag(s .^ 2))", "s", claim=right, where=where, order=2)
    assert r.verdict == "right", str(r)
    r = ed.check("logdet(K + diag(s .^ 2))", "s", claim=wrong, where=where, order=2)
    assert r.verdict == "wrong", str(r)


def test_the_hessian_of_a_shifted_symmetric_log_det_merges_its_terms():
    # d2 logdet(K + s I) / dK dK with K symmetric: (K + s I)^-1 is symmetric too, so its terms
    # equal up to the order of its indices merge: -kron(W, W) (I + commutation(n, n)) / 2 with
    # W = (K + s I)^-1, one Kronecker product times the symmetriser, as for logdet(K) (it printed
    # four at -0.25, in two equal pairs; then two at -0.5)
    where = "K: symmetric(n); s: scalar"
    h = ed.hessian("logdet(K + s I)", "K", where=where)
    assert str(h).count("kron(") == 1, str(h)
    rng = np.random.default_rng(6)
    B = rng.normal(size=(3, 3))
    K, s = B @ B.T + np.eye(3), 0.7

    def plain(K, s):
        return np.linalg.slogdet(K + s * np.eye(3))[1]

    truth = hessian_fd(plain, {"K": K, "s": s}, "K", sym=True)
    for f in (h, ed.parse(str(h), where=where)):
        np.testing.assert_allclose(f(K=K, s=s), truth, atol=1e-5)
