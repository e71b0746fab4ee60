"""The symmetriser in Kronecker forms (SPEC section 7): a symmetric X moves X[i,j] and X[j,i]
together (SPEC 2), so d vec(X) = N d vec(X) with N = (I + K) / 2 (Magnus & Neudecker's N_n), and
every Jacobian of vec(Y) by vec(X) ends in N. Pieces that pair as c P + c P K print as ``P (I +
commutation(n, n)) / 2`` (the P's summed when several pair), not as two halves each. The printed
right side is read back and compared with the Jacobian from finite differences of plain numpy
along symmetric directions (tests/fd.py), and with the textbook matrix built by numpy.kron, in
every layout; ``check`` finds the printed form right.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import einderiv as ed
from tests.fd import assert_close, hessian_fd, jacobian_fd, to_layout
from tests.test_kronecker_form import K, call, right_side, vec

n = 3
RNG = np.random.default_rng(31)
_S = RNG.normal(size=(n, n))
VALUES = {
    "X": (_S + _S.T) / 4 + 2 * np.eye(n),  # symmetric, well away from singular
    "A": RNG.normal(size=(n, n)),
    "B": RNG.normal(size=(n, n)),
    "x": RNG.normal(size=n),
    "a": 0.7,
}
WHERE = "X: symmetric(n); x: vector(n); a: scalar"  # A and B: any size that fits
I = np.eye(n)
N = (np.eye(n * n) + K(n, n)) / 2  # the symmetriser
inv = np.linalg.inv


def dvec(m):
    return np.diag(vec(m))


# (expression, numpy function, the textbook Jacobian d vec(Y) / d vec(X)' for symmetric X)
CASES = [
    # d vec(A X B) = (B' kron A) N d vec(X)
    ("A X B", lambda X, A, B: A @ X @ B, lambda X, A, B: np.kron(B.T, A) @ N),
    # d vec(X A X) = (I kron X A + X A' kron I) N d vec(X)
    ("X A X", lambda X, A: X @ A @ X, lambda X, A: (np.kron(I, X @ A) + np.kron(X @ A.T, I)) @ N),
    # d vec(X^-1) = -(X^-1 kron X^-1) N d vec(X)
    ("inv(X)", lambda X: inv(X), lambda X: -np.kron(inv(X), inv(X)) @ N),
    # d vec(A X - X B) = (I kron A - B' kron I) N d vec(X): a difference of pairs
    (
        "A X - X B",
        lambda X, A, B: A @ X - X @ B,
        lambda X, A, B: (np.kron(I, A) - np.kron(B.T, I)) @ N,
    ),
    # d vec(X .* X) = 2 diag(vec(X)) N = (I + K) diag(vec(X)): K first, and no / 2
    ("X .* X", lambda X: X * X, lambda X: 2 * dvec(X) @ N),
    # d vec(tr(X) X) = vec(X) vec(I)' + tr(X) N: an unpaired piece beside the pair
    ("tr(X) X", lambda X: np.trace(X) * X, lambda X: np.outer(vec(X), vec(I)) + np.trace(X) * N),
    # d vec(X / a) = N / a, d vec(X / 3) = N / 3: divisors and other denominators than 2
    ("X / a", lambda X, a: X / a, lambda X, a: N / a),
    ("X / 3", lambda X: X / 3, lambda X: N / 3),
    # d vec(exp(X)) = diag(vec(exp(X))) N = (I + K) diag(vec(exp(X))) / 2: the half out of vec
    # (it printed (I + K) diag(vec(0.5 exp(X)))), and with other numbers and signs
    ("exp(X)", lambda X: np.exp(X), lambda X: dvec(np.exp(X)) @ N),
    ("-exp(X) / 3", lambda X: -np.exp(X) / 3, lambda X: -dvec(np.exp(X)) @ N / 3),
    ("X + sin(X) / 2", lambda X: X + np.sin(X) / 2, lambda X: N + dvec(np.cos(X)) @ N / 2),
    # d vec(exp(X) / a) = diag(vec(exp(X))) N / a = (I + K) diag(vec(exp(X))) / (2 a): the half
    # and the divisor out of vec (it printed (I + K) diag(vec(0.5 exp(X) / a)))
    ("exp(X) / a", lambda X, a: np.exp(X) / a, lambda X, a: dvec(np.exp(X)) @ N / a),
    (
        "-exp(X) / (3 a)",
        lambda X, a: -np.exp(X) / (3 * a),
        lambda X, a: -dvec(np.exp(X)) @ N / (3 * a),
    ),
    ("exp(X) ./ a^2", lambda X, a: np.exp(X) / a**2, lambda X, a: dvec(np.exp(X)) @ N / a**2),
    ("X + sin(X) / a", lambda X, a: X + np.sin(X) / a, lambda X, a: N + dvec(np.cos(X)) @ N / a),
    # the chain rule: diag(vec(tanh'(E B))) (B' kron I) diag(vec(E)) (A' kron I) N, E = exp(X A)
    (
        "tanh(exp(X A) B)",
        lambda X, A, B: np.tanh(np.exp(X @ A) @ B),
        lambda X, A, B: (
            dvec(1 - np.tanh(np.exp(X @ A) @ B) ** 2)
            @ np.kron(B.T, I)
            @ dvec(np.exp(X @ A))
            @ np.kron(A.T, I)
            @ N
        ),
    ),
]


def _args(fn):
    return {k: VALUES[k] for k in fn.__code__.co_varnames[: fn.__code__.co_argcount]}


@pytest.mark.parametrize(("text", "plain", "textbook"), CASES, ids=[c[0] for c in CASES])
def test_pairs_print_with_the_symmetriser(text, plain, textbook):
    args = _args(plain)
    y = np.asarray(plain(**args))
    jac = jacobian_fd(lambda **v: np.asarray(plain(**v)), args, "X", sym=True)  # dY[a,b]/dX[i,j]
    expected = jac.reshape(y.size, -1, order="F")  # J[(a,b),(i,j)], each pair column-major
    assert_close(textbook(**args), expected, rtol=1e-5, atol=1e-6, what="textbook")
    g = ed.diff(text, "X", where=WHERE)
    form = g.kronecker()
    assert "I + commutation(n, n)" in form and " 0.5 " not in form, form  # no halves
    assert not re.search(r"vec\(-?[0-9.]+ [a-z]", form), form  # nor a factor inside vec(...)
    got = call(ed.parse(right_side(form), where=WHERE), g, VALUES, expected)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=form)
    for layout in ("numerator", "denominator", "jacobian"):
        h = ed.diff(text, "X", where=WHERE, layout=layout)
        assert h.kronecker() == form  # the numerator-layout Jacobian, whatever the layout
        truth = to_layout(jac, y.ndim, 2, layout)
        assert_close(call(ed.parse(str(h), where=WHERE), h, VALUES, truth), truth, rtol=1e-5,
                     atol=1e-6, what=str(h))  # fmt: skip
        assert ed.check(text, "X", claim=form, where=WHERE, layout=layout).verdict == "right"


def test_the_symmetriser_without_its_half_is_wrong():
    # (B' kron A)(I + K) is twice the derivative of A X B by a symmetric X: wrong, not right
    claim = "d vec(Y) / d vec(X)' = kron(B', A) (I + commutation(n, n))"
    args = {k: VALUES[k] for k in "XAB"}
    jac = jacobian_fd(lambda **v: vec(v["A"] @ v["X"] @ v["B"]), args, "X", sym=True)
    expected = jac.reshape(n * n, -1, order="F")
    twice = np.kron(args["B"].T, args["A"]) @ (np.eye(n * n) + K(n, n))
    assert not np.allclose(twice, expected)
    assert ed.check("A X B", "X", claim=claim, where=WHERE).verdict == "wrong"


def test_a_hessian_by_a_symmetric_x_ends_in_the_symmetriser():
    # d2 log det(X) = -tr(X^-1 dX X^-1 dX): H = -(X^-1 kron X^-1) N
    g = ed.hessian("logdet(X)", "X", where=WHERE)
    form = g.kronecker()
    hes = hessian_fd(lambda X: np.linalg.slogdet(X)[1], {"X": VALUES["X"]}, "X", sym=True)
    expected = hes.reshape(n * n, -1, order="F")
    Xi = inv(VALUES["X"])
    assert_close(-np.kron(Xi, Xi) @ N, expected, rtol=1e-4, atol=1e-6, what="textbook")
    assert "(I + commutation(n, n)) / 2" in form, form
    got = call(ed.parse(right_side(form), where=WHERE), g, VALUES, expected)
    assert_close(got, expected, rtol=1e-4, atol=1e-6, what=form)


@pytest.mark.parametrize(
    ("text", "where", "plain"),
    [
        # pieces that do not pair print as before: x' X by a symmetric X is (kron(I, x') +
        # kron(x', I)) / 2, two different products, no K
        ("x' X", WHERE, lambda X, x: x @ X),
        # X' X by a plain 3-by-2 X: kron(I, X') + kron(X', I) K, one K, unpaired
        ("X' X", "X: matrix(3, 2)", lambda X: X.T @ X),
    ],
)
def test_pieces_that_do_not_pair_are_left_as_they_are(text, where, plain):
    sym = "symmetric" in where
    args = _args(plain) | ({} if sym else {"X": RNG.normal(size=(3, 2))})
    jac = jacobian_fd(lambda **v: vec(plain(**v)), args, "X", sym=sym)
    expected = jac.reshape(jac.shape[0], -1, order="F")
    g = ed.diff(text, "X", where=where)
    form = g.kronecker()
    assert "I + commutation" not in form, form
    got = call(ed.parse(right_side(form), where=where), g, VALUES | args, expected)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=form)


def test_a_plain_x_pairs_too():
    # d vec(A (X + X') B) = (B' kron A)(I + K) for any square X: one piece, as exact
    A, B, X = (RNG.normal(size=(n, n)) for _ in range(3))
    g = ed.diff("A (X + X') B", "X")
    form = g.kronecker()
    jac = jacobian_fd(lambda X, A, B: vec(A @ (X + X.T) @ B), {"X": X, "A": A, "B": B}, "X")
    expected = jac.reshape(n * n, -1, order="F")
    assert_close(np.kron(B.T, A) @ (np.eye(n * n) + K(n, n)), expected, what="textbook")
    assert form.count("kron") == 1, form
    got = call(ed.parse(right_side(form)), g, {"X": X, "A": A, "B": B}, expected)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=form)


def test_a_commutation_between_two_factors_takes_the_symmetriser_there():
    # c L K R + c L R = c L (I + K) R: d vec(C vec(exp(X))) with X symmetric is C N
    # diag(vec(exp(X))) (it printed 0.5 C K diag(..) + 0.5 C diag(..)); C vec(X .* X') by a
    # plain X is C (I + K) diag(vec(X')), no halves
    C = RNG.normal(size=(2, n * n))
    g = ed.diff("C vec(exp(X))", "X", where=WHERE)
    form = right_side(g.kronecker())
    assert form.strip() == "C (I + commutation(n, n)) diag(vec(exp(X))) / 2"
    jac = jacobian_fd(lambda C, X: C @ vec(np.exp(X)), {"C": C, "X": VALUES["X"]}, "X", sym=True)
    want = jac.reshape(2, -1, order="F")
    assert_close(ed.parse(form, where=WHERE)(C=C, X=VALUES["X"], n=n), want)
    assert_close(want, C @ N @ dvec(np.exp(VALUES["X"])))
    Y = RNG.normal(size=(n, n))
    form = right_side(ed.diff("C vec(Y .* Y')", "Y").kronecker())
    assert form.strip() == "C (I + commutation(m, m)) diag(vec(Y'))"
    jac = jacobian_fd(lambda C, Y: C @ vec(Y * Y.T), {"C": C, "Y": Y}, "Y")
    assert_close(ed.parse(form)(C=C, Y=Y, m=n), jac.reshape(2, -1, order="F"))


def test_a_symmetric_kronecker_factor_prints_a_form_that_reads_back():
    # d vec(x' kron(S, W)) = (I_6 kron x') (I_2 kron K_{3,2} kron I_3) (I_4 kron vec W) N for S
    # symmetric 2-by-2: its two halves each read alone, but the sum (the half through S'
    # first) paired the unsized I of the first so that the second no longer paired ('3*2*3
    # vs 6'); every I is now written with its size, and str, latex and the Kronecker form read
    # back to central differences along symmetric directions
    where = "W: matrix(3, 3); x: vector(6); S: symmetric(2)"
    half = RNG.normal(size=(2, 2))
    values = {"S": half + half.T, "W": RNG.normal(size=(3, 3)), "x": RNG.normal(size=6)}
    g = ed.diff("x' kron(S, W)", "S", where=where)
    jac = jacobian_fd(lambda S, W, x: x @ np.kron(S, W), values, "S", sym=True)
    texts = {"str": str(g), "latex": g.latex()}
    for kind, text in texts.items():
        back = ed.parse(text, where=where)
        assert_close(back(**values), to_layout(jac, 1, 2, "numerator"), what=kind)
    back = ed.parse(right_side(g.kronecker()), where=where)
    assert_close(back(**values), jac.reshape(6, -1, order="F"), what="kronecker")
