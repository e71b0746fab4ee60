"""The Kronecker form of matrix-by-matrix derivatives (SPEC section 7): ``g.kronecker()``,
``--format kronecker`` and the default text of such results. The right side of
``d vec(Y) / d vec(X)' = ...`` is parsed back and compared with the Jacobian of vec(Y) by
vec(X) from finite differences of plain numpy, and with numpy.kron of the arrays it names.

commutation(m, n) is the mn-by-mn matrix K with K vec(X) = vec(X') for X m-by-n.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import einderiv as ed
from einderiv.backend.binding import dim_names
from tests.fd import assert_close, hessian_fd, jacobian_fd

RNG = np.random.default_rng(14)


def vec(X):
    return np.reshape(X, -1, order="F")


def kron_truth(text, plain, values, order, where):
    """einderiv's derivative (order 1) or Hessian (order 2) of ``text`` by X, and its truth as
    a matrix: finite differences of vec(plain) by vec(X) (X moved symmetrically when ``where``
    declares it symmetric)."""
    sym = where is not None
    if order == 2:
        g = ed.hessian(text, "X", where=where)
        hes = hessian_fd(plain, values, "X", sym=sym)  # H[i,j,k,l] = d2 f / dX[i,j] dX[k,l]
        return g, hes.reshape(values["X"].size, -1, order="F")
    g = ed.diff(text, "X", where=where)
    jac = jacobian_fd(lambda **v: vec(plain(**v)), values, "X", sym=sym)
    return g, jac.reshape(jac.shape[0], -1, order="F")


def vec_jacobian(plain, values, wrt):
    """J[(a,b),(i,j)] = dY[a,b] / dX[i,j] with both pairs column-major (vec's order)."""
    jac = jacobian_fd(lambda **v: vec(np.asarray(plain(**v))), values, wrt)
    return jac.reshape(jac.shape[0], -1, order="F")


def call(f, g, values, expected):
    """``f`` (read back from ``g``'s text) on ``values``. Sizes no array fixes (a bare ``I``,
    ``commutation(m, n)``) are found from the expected shape, or else by ``g``'s names."""
    fixed = {}
    for name, info in f.variables.items():
        for dim, size in zip(info.dims, np.shape(values[name])):
            fixed[dim] = size
    sizes = {}
    for dim, size in zip(f.shape, np.shape(expected)):
        names = [d for d in str(dim).split("*") if not d.isdigit()]
        unknown = [d for d in names if d not in fixed]
        if len(unknown) == 1:
            known = np.prod([fixed[d] for d in names if d != unknown[0]])
            sizes[unknown[0]] = int(size // known)
    for name, info in g.variables.items():  # commutation(m, n) prints g's names of sizes
        for dim, size in zip(info.dims, np.shape(values.get(name, ()))):
            if dim in dim_names(f) and dim not in fixed:
                sizes.setdefault(dim, size)
    return f(**{k: v for k, v in values.items() if k in f.variables}, **sizes)


def right_side(text):
    left, _, right = text.partition("=")
    assert left.replace(" ", "").startswith("dvec(Y)/dvec("), text
    return right


def K(m, n):
    """The commutation matrix, by its definition K vec(X) = vec(X')."""
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[j + n * i, i + m * j] = 1
    return k


# (expression, variable, numpy function, shapes of the arrays)
CASES = [
    # d vec(A X B) = (B' kron A) d vec(X)
    ("A X B", "X", lambda A, X, B: A @ X @ B, {"A": (2, 3), "X": (3, 4), "B": (4, 5)}),
    ("vec(A X B)", "X", lambda A, X, B: vec(A @ X @ B), {"A": (2, 3), "X": (3, 4), "B": (4, 5)}),
    # d vec(X') = K d vec(X)
    ("X'", "X", lambda X: X.T, {"X": (3, 4)}),
    # d vec(X' A X) = (I kron X'A) d vec(X) + (X'A' kron I) K d vec(X)
    ("X' A X", "X", lambda X, A: X.T @ A @ X, {"X": (3, 2), "A": (3, 3)}),
    ("A X' B", "X", lambda A, X, B: A @ X.T @ B, {"A": (2, 4), "X": (3, 4), "B": (3, 2)}),
    ("inv(X)", "X", lambda X: np.linalg.inv(X), {"X": (3, 3)}),
    ("tanh(W x)", "W", lambda W, x: np.tanh(W @ x), {"W": (3, 4), "x": (4,)}),
    ("X .* X", "X", lambda X: X * X, {"X": (2, 3)}),
    ("x' X", "X", lambda x, X: x @ X, {"x": (3,), "X": (3, 2)}),
    ("X x", "X", lambda X, x: X @ x, {"X": (2, 3), "x": (3,)}),
    ("X A X", "X", lambda X, A: X @ A @ X, {"X": (3, 3), "A": (3, 3)}),
    # a factor in common: kron(I, A) + kron(I, A') = kron(I, A + A') (bilinear)
    ("A X + A' X", "X", lambda A, X: A @ X + A.T @ X, {"A": (3, 3), "X": (3, 2)}),
    (
        "A X B + A X C + D X C",
        "X",
        lambda A, X, B, C, D: A @ X @ B + A @ X @ C + D @ X @ C,
        {"A": (2, 3), "X": (3, 4), "B": (4, 2), "C": (4, 2), "D": (2, 3)},
    ),
    # signs are signs: d vec(X - 2 X') = (I - 2 K) d vec(X), not -2 K + I; -kron(..), not -1 (..)
    ("X - 2 X'", "X", lambda X: X - 2 * X.T, {"X": (3, 3)}),
    ("-A X B - X'", "X", lambda A, X, B: -A @ X @ B - X.T, {"A": (3, 3), "X": (3, 3), "B": (3, 3)}),
    # a term F[a,b] G[i,j] is vec(F) vec(G)': d vec(tr(X' X) X) = (tr(X' X) I + 2 vec(X)
    # vec(X)') d vec(X) (these were index notation, "no Kronecker form")
    ("tr(X' X) X", "X", lambda X: np.trace(X.T @ X) * X, {"X": (3, 2)}),
    ("X / norm2(X)", "X", lambda X: X / np.linalg.norm(X), {"X": (2, 3)}),
    ("det(X) X", "X", lambda X: np.linalg.det(X) * X, {"X": (3, 3)}),
    ("X x / norm2(X)", "X", lambda X, x: X @ x / np.linalg.norm(X), {"X": (3, 2), "x": (2,)}),
    ("X (x' x)", "x", lambda X, x: X * (x @ x), {"X": (3, 2), "x": (4,)}),
    # a closed scalar stands in front of K: d vec((y' y) X') = (y' y) K d vec(X) (was index
    # notation: y' y, over no axis of Y or X, was made a diagonal over X's)
    ("(y' y) X'", "X", lambda y, X: (y @ y) * X.T, {"y": (3,), "X": (2, 3)}),
    ("tr(X' X) X'", "X", lambda X: np.trace(X.T @ X) * X.T, {"X": (2, 3)}),
    # an elementwise factor between two Kronecker products (these were index notation):
    # d vec(exp(X) A) = (A' kron I) diag(vec(exp(X))) d vec(X)
    ("exp(X) A", "X", lambda X, A: np.exp(X) @ A, {"X": (3, 2), "A": (2, 4)}),
    # d vec(A tanh(X) B) = (B' kron A) diag(vec(1 - tanh(X).^2)) d vec(X)
    (
        "A tanh(X) B",
        "X",
        lambda A, X, B: A @ np.tanh(X) @ B,
        {"A": (2, 3), "X": (3, 4), "B": (4, 2)},
    ),
    # d vec(tanh(X A)) = diag(vec(1 - tanh(X A).^2)) (A' kron I) d vec(X)
    ("tanh(X A)", "X", lambda X, A: np.tanh(X @ A), {"X": (2, 3), "A": (3, 4)}),
    # d vec(sigmoid(A X) B) = (B' kron I) diag(vec(sigmoid'(A X))) (I kron A) d vec(X)
    (
        "sigmoid(A X) B",
        "X",
        lambda A, X, B: (1 / (1 + np.exp(-A @ X))) @ B,
        {"A": (2, 3), "X": (3, 4), "B": (4, 2)},
    ),
    ("A (X .* B)", "X", lambda A, X, B: A @ (X * B), {"A": (2, 3), "X": (3, 4), "B": (3, 4)}),
    # d vec(exp(X) x x') = (x x' kron I) diag(vec(exp(X))) d vec(X): x' beside x in one factor
    ("exp(X) x x'", "X", lambda X, x: np.exp(X) @ np.outer(x, x), {"X": (3, 3), "x": (3,)}),
    ("tanh(X) diag(x)", "X", lambda X, x: np.tanh(X) @ np.diag(x), {"X": (2, 3), "x": (3,)}),
    ("exp(A X B)", "X", lambda A, X, B: np.exp(A @ X @ B), {"A": (2, 3), "X": (3, 4), "B": (4, 2)}),
    (
        "A exp(X) B + X",
        "X",
        lambda A, X, B: A @ np.exp(X) @ B + X,
        {"A": (3, 3), "X": (3, 3), "B": (3, 3)},
    ),
    # the elementwise factor over two ends of one kind (F[a,i], F[b,j]; these were index
    # notation, "no Kronecker form"): d vec(tanh(A X') B) = (B' kron I) diag(vec(tanh'(A X')))
    # (I kron A) K d vec(X), F over Y's rows and X's rows
    (
        "tanh(A X') B",
        "X",
        lambda A, X, B: np.tanh(A @ X.T) @ B,
        {"A": (4, 3), "X": (2, 3), "B": (2, 5)},
    ),
    (
        "B exp(X' A)",
        "X",
        lambda B, X, A: B @ np.exp(X.T @ A),
        {"B": (5, 3), "X": (2, 3), "A": (2, 4)},
    ),
    ("(exp(X) A)'", "X", lambda X, A: (np.exp(X) @ A).T, {"X": (2, 3), "A": (3, 4)}),
    ("tanh(X) x", "X", lambda X, x: np.tanh(X) @ x, {"X": (2, 3), "x": (3,)}),
    ("exp(X) tanh(X)'", "X", lambda X: np.exp(X) @ np.tanh(X).T, {"X": (2, 3)}),
    # the elementwise factor over a summed index (F[a,k], k summed against a constant on the
    # other side; these were index notation, "no Kronecker form"): d vec(exp(X' A) B) =
    # (B' kron I) diag(vec(exp(X' A))) (A' kron I) K d vec(X)
    (
        "exp(X' A) B",
        "X",
        lambda X, A, B: np.exp(X.T @ A) @ B,
        {"X": (2, 3), "A": (2, 4), "B": (4, 5)},
    ),
    # d vec(A exp(X B) C) = (C' kron A) diag(vec(exp(X B))) (B' kron I) d vec(X)
    (
        "A exp(X B) C",
        "X",
        lambda A, X, B, C: A @ np.exp(X @ B) @ C,
        {"A": (4, 2), "X": (2, 3), "B": (3, 5), "C": (5, 6)},
    ),
    (
        "tanh(x a') B",
        "x",
        lambda x, a, B: np.tanh(np.outer(x, a)) @ B,
        {"x": (3,), "a": (4,), "B": (4, 5)},
    ),
    (
        "B exp(a x')",
        "x",
        lambda B, a, x: B @ np.exp(np.outer(a, x)),
        {"B": (5, 4), "a": (4,), "x": (3,)},
    ),
    # both middle indices summed: (D' kron A) diag(vec(exp(B X C))) (C' kron B)
    (
        "A exp(B X C) D",
        "X",
        lambda A, B, X, C, D: A @ np.exp(B @ X @ C) @ D,
        {"A": (6, 4), "B": (4, 2), "X": (2, 3), "C": (3, 5), "D": (5, 7)},
    ),
    (
        "A' sin(X' B) C'",
        "X",
        lambda A, X, B, C: A.T @ np.sin(X.T @ B) @ C.T,
        {"A": (3, 4), "X": (2, 3), "B": (2, 5), "C": (6, 5)},
    ),
    (
        "(A exp(X B) C)'",
        "X",
        lambda A, X, B, C: (A @ np.exp(X @ B) @ C).T,
        {"A": (4, 2), "X": (2, 3), "B": (3, 5), "C": (5, 6)},
    ),
    (
        "exp(2 X' A) B - A' X",
        "X",
        lambda X, A, B: np.exp(2 * X.T @ A) @ B - A.T @ X,
        {"X": (3, 3), "A": (3, 3), "B": (3, 3)},
    ),
    (
        "exp(X A) B exp(X C)",
        "X",
        lambda X, A, B, C: np.exp(X @ A) @ B @ np.exp(X @ C),
        {"X": (2, 3), "A": (3, 4), "B": (4, 2), "C": (3, 5)},
    ),
]


def _values(shapes):
    values = {k: RNG.standard_normal(s) for k, s in shapes.items()}
    if "X" in values and values["X"].ndim == 2 and values["X"].shape[0] == values["X"].shape[1]:
        values["X"] = values["X"] + 3 * np.eye(values["X"].shape[0])  # invertible
    return values


@pytest.mark.parametrize(("text", "wrt", "plain", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_kronecker_form_reads_back_to_the_vec_jacobian(text, wrt, plain, shapes):
    values = _values(shapes)
    g = ed.diff(text, wrt)
    form = g.kronecker()
    expected = vec_jacobian(plain, values, wrt)
    got = call(ed.parse(right_side(form)), g, values, expected)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=form)
    for layout in ("numerator", "denominator", "jacobian"):
        h = ed.diff(text, wrt, layout=layout)
        assert h.kronecker() == form  # the numerator-layout Jacobian, whatever the layout
        # the default text: the Jacobian indexed by compound indices, the same function as h
        assert "[" in str(h) and right_side(form).strip() in str(h)
        own = {k: v for k, v in values.items() if k in h.variables}
        assert_close(call(ed.parse(str(h)), h, values, h(**own)), h(**own), what=str(h))


def test_the_textbook_forms_against_numpy_kron():
    # d vec(A X B) / d vec(X)' = B' kron A;  d vec(X') / d vec(X)' = K(m, n)
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 5))
    form = right_side(ed.diff("A X B", "X").kronecker())
    assert_close(ed.parse(form)(A=A, B=B), np.kron(B.T, A))
    form = right_side(ed.diff("X'", "X", where="X: matrix(m, n)").kronecker())
    assert_close(ed.parse(form, where="X: matrix(m, n)")(m=3, n=4), K(3, 4))


def test_commutation_matrix_in_the_language():
    # commutation(m, n) vec(X) = vec(X')
    X = RNG.standard_normal((3, 4))
    assert_close(ed.parse("commutation(3, 4)")(), K(3, 4))
    f = ed.parse("commutation(m, n) vec(X)", where="X: matrix(m, n)")
    assert_close(f(X=X), vec(X.T))
    assert ed.parse("commutation(m, n)", where="X: matrix(m, n)").latex() == "K_{m,n}"


def test_no_kronecker_form_falls_back_to_index_notation():
    # d kron(A, X .* X) / dX has no Kronecker form of the Jacobian: index notation, read back
    # (d kron(A, X) / dX has one since the twenty-seventh session: tests/test_kronecker_nested)
    A, X = RNG.standard_normal((2, 2)), RNG.standard_normal((3, 3))
    g = ed.diff("kron(A, X .* X)", "X")
    with pytest.raises(ed.EinderivError, match="no Kronecker form"):
        g.kronecker()
    jac = jacobian_fd(lambda A, X: np.kron(A, X * X), {"A": A, "X": X}, "X")
    expected = np.swapaxes(jac, 2, 3)  # numerator layout: X's axes reversed
    assert_close(call(ed.parse(str(g)), g, {"A": A, "X": X}, expected), expected)
    with pytest.raises(ed.EinderivError, match="no Kronecker form"):
        ed.diff("x' A x", "x").kronecker()  # a scalar: its form is the matrix one


def test_command_line_kronecker_format():
    out = subprocess.run(
        [sys.executable, "-m", "einderiv", "diff", "A X B", "--wrt", "X", "--format", "kronecker"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 5))
    assert_close(ed.parse(right_side(out))(A=A, B=B), np.kron(B.T, A))


def test_latex_of_the_kronecker_form():
    # (B' kron A)_{(i,j),(l,k)}: the Kronecker product parenthesised, read back as LaTeX
    g = ed.diff("A X B", "X")
    assert r"B^{\top} \otimes A" in g.latex()
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 5))
    text = ed.parse(right_side(g.kronecker())).latex()
    assert_close(ed.parse(text)(A=A, B=B), np.kron(B.T, A), what=text)


def test_numbers_and_scalars_stand_in_front_of_the_kronecker_product():
    # d vec(s X') = s K d vec(X): s commutation(m, n), not kron(..., s I); d vec(x x' + x x')/dx
    # = 2 (kron(I, x) + kron(x, I)): the 2 in front of each product, not inside it
    g = ed.diff("s X'", "X", where="s: scalar; X: matrix(2, 3)")
    text = right_side(g.kronecker())
    assert "kron" not in text and text.strip().startswith("s"), text
    values = {"s": 1.7, "X": RNG.standard_normal((2, 3))}
    expected = vec_jacobian(lambda s, X: s * X.T, values, "X")
    assert_close(call(ed.parse(text, where="s: scalar; X: matrix(2, 3)"), g, values, expected),
                 expected)  # fmt: skip
    assert_close(expected, 1.7 * K(2, 3))
    h = ed.diff("x x' + x x'", "x", where="x: vector(3)")
    assert "kron(I, 2" not in str(h) and "kron(x, 2" not in str(h), str(h)
    x = RNG.standard_normal(3)
    jac = jacobian_fd(lambda x: 2 * np.outer(x, x), {"x": x}, "x")
    np.testing.assert_allclose(h(x=x), jac, atol=1e-6)


def test_a_negative_kronecker_term_is_written_with_a_sign():
    # d^2 log|X| / dX^2: d vec(X^-T) = -(X^-1 kron X^-T) K d vec(X)
    g = ed.hessian("logdet(X)", "X")
    form = g.kronecker()
    assert "-1 " not in form and "-1 " not in str(g), (form, str(g))
    values = _values({"X": (3, 3)})
    expected = vec_jacobian(lambda X: np.linalg.inv(X).T, values, "X")
    assert_close(call(ed.parse(right_side(form)), g, values, expected), expected, what=form)
    assert_close(expected, -np.kron(np.linalg.inv(values["X"]), np.linalg.inv(values["X"]).T)
                 @ K(3, 3), atol=1e-6)  # fmt: skip
    assert_close(call(ed.parse(str(g)), g, values, g(**values)), g(**values), what=str(g))


KRONECKER_CLAIMS = [
    # (expression, variable, claim's right side, numpy function, shapes)
    (
        "A X B",
        "X",
        "kron(B', A)",
        lambda A, X, B: A @ X @ B,
        {"A": (2, 3), "X": (3, 4), "B": (4, 5)},
    ),
    (
        "A X B",
        "X",
        "kron(A, B')",
        lambda A, X, B: A @ X @ B,
        {"A": (3, 3), "X": (3, 3), "B": (3, 3)},
    ),
    ("inv(X)", "X", "-kron(X^-T, X^-1)", lambda X: np.linalg.inv(X), {"X": (3, 3)}),
    ("inv(X)", "X", "-kron(X^-1, X^-T)", lambda X: np.linalg.inv(X), {"X": (3, 3)}),
    ("X'", "X", "commutation(2, 3)", lambda X: X.T, {"X": (2, 3)}),
    (
        "tanh(W x)",
        "W",
        "kron(x', diag(1 - tanh(W x) .^ 2))",
        lambda W, x: np.tanh(W @ x),
        {"W": (3, 4), "x": (4,)},
    ),
    # an outer product of vecs, as g.kronecker() now writes such a term; and its transpose
    (
        "tr(X' X) X",
        "X",
        "tr(X' X) I + 2 vec(X) vec(X)'",
        lambda X: np.trace(X.T @ X) * X,
        {"X": (3, 2)},
    ),
    (
        "tr(X' X) X'",
        "X",
        "tr(X' X) commutation(3, 2) + 2 vec(X') vec(X)'",
        lambda X: np.trace(X.T @ X) * X.T,
        {"X": (3, 2)},
    ),
]


@pytest.mark.parametrize(("text", "wrt", "right", "plain", "shapes"), KRONECKER_CLAIMS)
def test_a_claim_in_kronecker_form_is_judged_as_its_jacobian(text, wrt, right, plain, shapes):
    # d vec(Y) / d vec(X)' = R is right exactly when R is the Jacobian of vec(Y) by vec(X):
    # numpy's finite differences decide which claims are right, the verdict must agree
    values = _values(shapes)
    where = "; ".join(
        f"{k}: {'vector' if len(s) == 1 else 'matrix'}({', '.join(map(str, s))})"
        for k, s in shapes.items()
    )
    expected = vec_jacobian(plain, values, wrt)
    rhs = ed.parse(right, where=where)
    truth = np.allclose(rhs(**{k: v for k, v in values.items() if k in rhs.variables}),
                        expected, atol=1e-5)  # fmt: skip
    claim = f"d vec(Y) / d vec({wrt})' = {right}"
    for layout in ("numerator", "denominator", "jacobian"):
        r = ed.check(text, wrt, claim=claim, where=where, layout=layout)
        assert r.verdict == ("right" if truth else "wrong"), str(r)
    identity = ed.check_identity(f"d vec({text}) / d vec({wrt})' = {right}", where=where)
    assert identity.verdict == ("right" if truth else "wrong"), str(identity)


def test_kronecker_claims_that_cannot_be_read_are_clear_errors():
    with pytest.raises(ed.EinderivError, match=r"vec\(A\)'"):
        ed.check("A X B", "X", claim="d vec(Y) / d vec(A)' = kron(B', A)")
    with pytest.raises(ed.EinderivError, match="Hessian of a scalar"):  # by a scalar: no vec
        ed.check("a^3", "a", claim="d vec(Y) / d vec(a)' = 6 a", where="a: scalar", order=2)
    with pytest.raises(ed.EinderivError, match="of a vector or matrix"):  # f is a scalar
        ed.check("tr(X' A X)", "X", claim="d vec(Y) / d vec(X)' = X")
    # a right side of the wrong shape is a wrong claim, not an error
    r = ed.check("A X B", "X", claim="d vec(Y) / d vec(X)' = kron(B', A) + I + A")
    assert r.verdict == "wrong", str(r)
    code = subprocess.run(
        [sys.executable, "-m", "einderiv", "check", "--identity",
         "d vec(A X B) / d vec(X)' = kron(B', A)"],
        capture_output=True, text=True, check=False,
    ).returncode  # fmt: skip
    assert code == 0


@pytest.mark.parametrize(
    "text, claim, numpy_claim",
    [
        # d vec(A X B) / d vec(X)' = B' kron A: written without its left side, the claim has
        # the wrong shape (a matrix, not the order-4 derivative): undecided when the Kronecker
        # reading is right (the textbook answer, never called wrong), and the hint says so;
        # wrong when no reading is right
        ("A X B", "kron(B', A)", lambda A, B, u: np.kron(B.T, A)),
        ("A X B", "kron(B, A')", lambda A, B, u: np.kron(B, A.T)),  # wrong either way
        ("X u", "kron(u', I)", lambda A, B, u: np.kron(u[None, :], np.eye(3))),
        ("X u", "kron(I, u')", lambda A, B, u: np.kron(np.eye(3), u[None, :])),
    ],
)
def test_a_kronecker_matrix_without_its_left_side_is_undecided_with_a_hint(
    text, claim, numpy_claim
):
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 5))
    X, u = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    fns = {"A X B": lambda X: A @ X @ B, "X u": lambda X: (X @ u)[:, None]}
    jac = jacobian_fd(lambda X: fns[text](X).reshape(-1, order="F"), {"X": X}, "X")
    jac = jac.reshape(jac.shape[0], -1, order="F")  # d vec(Y) / d vec(X)', vec column-major
    mine = numpy_claim(A, B, u)
    right = mine.shape == jac.shape and np.allclose(mine, jac, atol=1e-6)
    r = ed.check(text, "X", claim=claim, where="X: matrix(m, n)")
    assert r.verdict == ("undecided" if right else "wrong"), str(r)
    hinted = r.diagnosis is not None and "d vec(Y) / d vec(X)' =" in r.diagnosis
    assert hinted == right, str(r)


@pytest.mark.parametrize(
    "text, claim, numpy_claim",
    [
        # d^2 tr(X' A X) / d vec(X) d vec(X)' = I_n kron (A + A'), X m-by-n (column-major vec):
        # the Hessian claimed as a bare matrix is undecided with the index form to write, as a
        # first derivative's Kronecker matrix is; the factors swapped, or A alone, are wrong
        ("tr(X' A X)", "kron(I, A + A')", lambda A, C: np.kron(np.eye(4), A + A.T)),
        ("tr(X' A X)", "kron(I, A) + kron(I, A')", lambda A, C: np.kron(np.eye(4), A + A.T)),
        ("tr(X' A X)", "kron(A + A', I)", lambda A, C: np.kron(A + A.T, np.eye(4))),
        ("tr(X' A X)", "kron(I, A)", lambda A, C: np.kron(np.eye(4), A)),
        # d^2 tr(X C X') = (C + C') kron I_m
        ("tr(X C X')", "kron(C + C', I)", lambda A, C: np.kron(C + C.T, np.eye(3))),
        ("tr(X C X')", "kron(I, C + C')", lambda A, C: np.kron(np.eye(3), C + C.T)),
    ],
)
def test_a_hessian_as_a_kronecker_matrix_is_undecided_with_a_hint(text, claim, numpy_claim):
    A, C = RNG.standard_normal((3, 3)), RNG.standard_normal((4, 4))
    X = RNG.standard_normal((3, 4))
    fns = {
        "tr(X' A X)": lambda X: np.trace(X.T @ A @ X),
        "tr(X C X')": lambda X: np.trace(X @ C @ X.T),
    }
    hes = hessian_fd(fns[text], {"X": X}, "X")  # H[i,j,k,l] = d2 f / dX[i,j] dX[k,l]
    hes = hes.reshape(12, 12, order="F")  # d2 f / d vec(X) d vec(X)'
    mine = numpy_claim(A, C)
    right = mine.shape == hes.shape and np.allclose(mine, hes, atol=1e-5)
    r = ed.check(text, "X", claim=claim, where="X: matrix(m, n)", order=2)
    assert r.verdict == ("undecided" if right else "wrong"), str(r)
    hinted = r.diagnosis is not None and "[(i,j),(k,l)]" in r.diagnosis
    assert hinted == right, str(r)
    if right:  # the index form the hint writes is right
        written = r.diagnosis.split("write ", 1)[1]
        assert (
            ed.check(text, "X", claim=written, where="X: matrix(m, n)", order=2).verdict == "right"
        )


# vec(A X B) = (B' kron A) vec(X) (numpy's column-major vec here): the LaTeX identity with
# \operatorname{vec} or \mathrm{vec}, bold names and thin spaces is read as the Kronecker form
@pytest.mark.parametrize(
    "left",
    [
        r"\frac{\partial \operatorname{vec}(AXB)}{\partial \operatorname{vec}(X)^\top}",
        (
            r"\frac{\partial \operatorname{vec}(\mathbf{A}\mathbf{X}\mathbf{B})}"
            r"{\partial \operatorname{vec}(\mathbf{X})^\top}"
        ),
        r"\frac{\partial\, \mathrm{vec}(AXB)}{\partial\, \mathrm{vec}(X)^{\top}}",
    ],
)
def test_a_latex_kronecker_identity(left):
    A, X, B = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4)), RNG.standard_normal((4, 5))
    jac = jacobian_fd(lambda X: (A @ X @ B).reshape(-1, order="F"), {"X": X}, "X")
    jac = jac.reshape(jac.shape[0], -1, order="F")
    assert np.allclose(jac, np.kron(B.T, A), atol=1e-6)
    assert ed.check_identity(left + r" = B^\top \otimes A").verdict == "right"
    wrong = ed.check_identity(
        left + r" = A \otimes B^\top", where="A: matrix(3, 3); B: matrix(3, 3)"
    )
    assert wrong.verdict == "wrong"


# d vec(exp(X')) / d vec(X)' = K diag(vec(exp(X))), K = commutation(m, n) (K vec(M) = vec(M')
# for M m-by-n): a transposed elementwise function has a Kronecker form, as do the numerator
# Hessians of sum(f(X)); two diagonal pieces are one (numpy's column-major vec decides)
@pytest.mark.parametrize(
    "expr, order, plain",
    [
        ("exp(X')", 1, lambda X: np.exp(X.T)),
        ("exp(X)'", 1, lambda X: np.exp(X).T),
        ("X' .* X'", 1, lambda X: X.T * X.T),
        ("sum(exp(X))", 2, lambda X: np.exp(X).T),  # the numerator gradient, then its Jacobian
        ("sum(X .^ 3)", 2, lambda X: 3 * X.T**2),
        ("sum(tanh(X))", 2, lambda X: (1 - np.tanh(X) ** 2).T),
    ],
)
def test_a_transposed_elementwise_result_has_a_kronecker_form(expr, order, plain):
    where = "X: matrix(m, n)"
    g = (
        ed.diff(expr, "X", where=where)
        if order == 1
        else ed.hessian(expr, "X", where=where, layout="numerator")
    )
    form = g.kronecker()
    assert "commutation(m, n) diag(vec(" in form and form.count("diag") == 1, form
    assert str(g).startswith("(commutation(m, n) diag(vec("), str(g)
    X = RNG.standard_normal((2, 3))
    jac = jacobian_fd(lambda X: plain(X).reshape(-1, order="F"), {"X": X}, "X")
    jac = jac.reshape(jac.shape[0], -1, order="F")
    got = ed.parse(form.split(" = ", 1)[1], where=where)(X=X)
    np.testing.assert_allclose(got, jac, rtol=1e-5, atol=1e-6)


# Hessians and symmetric X with the elementwise factor over a summed index: d vec(G) / d vec(X)'
# of sum(exp(X A)) is (A kron I) diag(vec(exp(X A))) (A' kron I) (G = exp(X A) A' the
# gradient); X symmetric moves X[i,j] and X[j,i] together (SPEC 2). These were index notation.
@pytest.mark.parametrize(
    ("text", "order", "plain", "shapes", "where"),
    [
        ("sum(exp(X A))", 2, lambda X, A: np.sum(np.exp(X @ A)), {"X": (2, 3), "A": (3, 4)}, None),
        (
            "x' exp(X A) y",
            2,
            lambda x, X, A, y: x @ np.exp(X @ A) @ y,
            {"x": (2,), "X": (2, 3), "A": (3, 4), "y": (4,)},
            None,
        ),
        (
            "sum(tanh(X A) B)",
            2,
            lambda X, A, B: np.sum(np.tanh(X @ A) @ B),
            {"X": (2, 3), "A": (3, 4), "B": (4, 5)},
            None,
        ),
        ("sum(exp(X A))", 2, lambda X, A: np.sum(np.exp(X @ A)), {"X": (3, 3), "A": (3, 4)}, "sym"),
        (
            "A tanh(X B) C",
            1,
            lambda A, X, B, C: A @ np.tanh(X @ B) @ C,
            {"A": (5, 3), "X": (3, 3), "B": (3, 4), "C": (4, 6)},
            "sym",
        ),
    ],
)
def test_an_elementwise_factor_over_a_summed_index_in_hessians_and_symmetric_x(
    text, order, plain, shapes, where
):
    where = "X: symmetric(n)" if where else None
    values = {k: RNG.standard_normal(s) * 0.7 for k, s in shapes.items()}
    if where:
        values["X"] = values["X"] + values["X"].T
    g, expected = kron_truth(text, plain, values, order, where)
    form = g.kronecker()
    assert "diag(vec(" in form, form
    got = call(ed.parse(right_side(form), where=where), g, values, expected)
    assert_close(got, expected, rtol=1e-4, atol=1e-6, what=form)
    assert right_side(form).strip() in str(g)  # the default text is the same Jacobian
    own = {k: v for k, v in values.items() if k in g.variables}
    assert_close(call(ed.parse(str(g), where=where), g, values, g(**own)), g(**own), what=str(g))


def test_a_zero_matrix_by_matrix_derivative_has_the_kronecker_form_zero():
    # d vec(A X B) / d vec(C)' = 0: C does not appear (SPEC 7: zero prints as 0 in every form)
    g = ed.diff("A X B", "C", where="C: matrix(p, q)")
    text = g.kronecker()
    assert text.startswith("d vec(Y) / d vec(C)' =")
    assert float(ed.parse(text.split("=", 1)[1])()) == 0.0


def test_the_kronecker_form_zero_is_a_right_claim():
    # d vec(A Z B) / d vec(X)' = 0 (X does not appear; numpy differences are 0): g.kronecker()
    # writes it so, and check calls it right (it was "not well-formed: 0[(i,j),(l,k)]"); the
    # same claim for d vec(A X B) / d vec(X)' (= kron(B', A), not 0) stays wrong
    where = "X: matrix(3, 2); Z: matrix(3, 2); A: matrix(4, 3); B: matrix(2, 5)"
    values = {n: RNG.standard_normal(s) for n, s in [("X", (3, 2)), ("Z", (3, 2)),
              ("A", (4, 3)), ("B", (2, 5))]}  # fmt: skip
    for expr, zero in (("A Z B", True), ("A X B", False)):
        jac = vec_jacobian(lambda X, Z, A, B, e=expr: A @ (Z if "Z" in e else X) @ B, values, "X")
        assert np.allclose(jac, 0) == zero
        claim = "d vec(Y) / d vec(X)' = 0"
        want = "right" if zero else "wrong"
        assert ed.check(expr, "X", claim=claim, where=where).verdict == want
    assert ed.diff("A Z B", "X", where=where).kronecker() == claim


@pytest.mark.parametrize(
    "claim, verdict",
    [
        ("kron(I_{n}, A)", "right"),  # d vec(AX) / d vec(X)' = I_n (x) A, X m-by-n
        ("kron(I, A)", "right"),  # the bare I sized by what it meets
        ("kron(I_{p}, A)", "wrong"),  # the identity of A's rows: another size (was right)
    ],
)
def test_a_size_written_on_an_identity_in_a_kronecker_claim_is_kept(claim, verdict):
    A, X = RNG.normal(size=(3, 2)), RNG.normal(size=(2, 4))  # p, m, n = 3, 2, 4
    jacobian = vec_jacobian(lambda A, X: A @ X, {"A": A, "X": X}, "X")
    assert_close(jacobian, np.kron(np.eye(4), A), what="I_n (x) A")
    assert np.kron(np.eye(3), A).shape != jacobian.shape  # I_p (x) A: 9-by-6, not 12-by-8
    where = "X: matrix(m, n); A: matrix(p, m)"
    result = ed.check("A X", "X", where=where, claim=f"d vec(Y) / d vec(X)' = {claim}")
    assert result.verdict == verdict, result.reason


def test_an_identity_of_a_numeric_size_in_a_kronecker_claim_is_kept():
    # d vec(X) / d vec(X)' = I_6 for X 2-by-3; I_7 was right (its size dropped)
    jacobian = vec_jacobian(lambda X: X, {"X": RNG.normal(size=(2, 3))}, "X")
    assert_close(jacobian, np.eye(6), what="I_6")
    claim = "d vec(Y) / d vec(X)' = {}"
    assert ed.check("X", "X", where="X: matrix(2, 3)", claim=claim.format("I_{6}")).verdict == (
        "right"
    )
    assert ed.check("X", "X", where="X: matrix(2, 3)", claim=claim.format("I_{7}")).verdict == (
        "wrong"
    )


def test_a_kronecker_zero_claim_that_is_undefined_is_not_right():
    # d vec(A Z B) / d vec(X)' = 0 (numpy differences), but 0/0 and 0 log(0) are undefined
    # (numpy: nan), not 0: such a claim is never right (it was: the zero claim was read as 0)
    where = "X: matrix(3, 2); Z: matrix(3, 2); A: matrix(4, 3); B: matrix(2, 5)"
    values = {n: RNG.standard_normal(s) for n, s in [("X", (3, 2)), ("Z", (3, 2)),
              ("A", (4, 3)), ("B", (2, 5))]}  # fmt: skip
    assert np.allclose(vec_jacobian(lambda X, Z, A, B: A @ Z @ B, values, "X"), 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.isnan(np.float64(0) / np.float64(0)) and np.isnan(0 * np.log(np.float64(0)))
    for right in ("0/0", "0 * log(0)", "0 * (1/0)"):
        claim = f"d vec(Y) / d vec(X)' = {right}"
        try:  # a division by a constant zero is refused when read (session 28)
            verdict = ed.check("A Z B", "X", claim=claim, where=where).verdict
        except ed.ParseError as error:  # log(0): no value, refused when read (session 29)
            assert "which is zero" in str(error) or "has no value" in str(error), error
        else:
            assert verdict != "right", right
    assert ed.check("A Z B", "X", claim="d vec(Y) / d vec(X)' = 0/1", where=where).verdict == (
        "right"
    )


def test_a_negative_divided_term_is_written_with_its_sign():
    # d vec(-A X B / tr(C)) = -kron(B', A) d vec(X) / tr(C); d vec(A / tr(X)) = -vec(A) vec(I)'
    # d vec(X) / tr(X)^2: the sign on the first factor, as in matrix form (it was "-1 kron(B',
    # A) / tr(C)" and "-1 (vec(A) vec(I)') / tr(X)^2"); each reads back to numpy differences
    where = "X: matrix(3, 3); A: matrix(2, 3); B: matrix(3, 2); C: matrix(2, 2)"
    values = _values({"X": (3, 3), "A": (2, 3), "B": (3, 2), "C": (2, 2)})
    cases = [
        ("-A X B / tr(C)", lambda X, A, B, C: -A @ X @ B / np.trace(C)),
        ("A / tr(X)", lambda X, A, B, C: A / np.trace(X)),
    ]
    for text, plain in cases:
        right = right_side(ed.diff(text, "X", where=where).kronecker())
        assert right.strip().startswith("-") and not right.strip().startswith("-1 "), right
        expected = vec_jacobian(plain, values, "X")
        f = ed.parse(right, where=where)
        sizes = {"n": 3} if "vec(I)" in right else {}  # vec(I) is as long as vec(X)
        got = f(**{k: v for k, v in values.items() if k in f.variables}, **sizes)
        assert_close(got, expected, rtol=1e-5, atol=1e-6, what=right)


# d vec(A X) / d vec(X)' = I_n (x) A and d vec(X A) / d vec(X)' = A' (x) I_m (X m-by-n). A
# Kronecker claim was read as its text printed with I unsized and parsed back: a size written
# on I or 1 was lost, and the compound indices were split by what the bare I met, so a right
# claim whose written sizes put a factor 1 elsewhere was "wrong" (undecided for 1_3): A (x) I_1
# = A for n = 1, I_1 (x) (I_3 (x) A) = I_3 (x) A, I_3 (x) a = a (x) I_3 for a 1-by-1 a, and
# I_1 (x) 1_3' = 1_3', the Jacobian of X 1 for a 1-by-3 X. Each claimed matrix is built here
# with np.kron and compared with numpy's finite differences; the verdict follows numpy.
SIZED_CLAIMS = [
    # (expression, numpy f, shapes, claim, the claimed matrix)
    ("A X", lambda A, X: A @ X, {"A": (3, 2), "X": (2, 1)}, "kron(A, I_{1})",
     lambda A: np.kron(A, np.eye(1))),
    ("A X", lambda A, X: A @ X, {"A": (3, 2), "X": (2, 1)}, r"\mathbf{A} \otimes \mathbf{I}_{1}",
     lambda A: np.kron(A, np.eye(1))),
    ("A X", lambda A, X: A @ X, {"A": (3, 2), "X": (2, 3)}, "kron(I_{1}, kron(I_{3}, A))",
     lambda A: np.kron(np.eye(1), np.kron(np.eye(3), A))),
    ("A X", lambda A, X: A @ X, {"A": (3, 2), "X": (2, 3)}, "kron(kron(I_{3}, A), I_{1})",
     lambda A: np.kron(np.kron(np.eye(3), A), np.eye(1))),
    ("X A", lambda A, X: X @ A, {"A": (1, 1), "X": (3, 1)}, "kron(I_{3}, A')",
     lambda A: np.kron(np.eye(3), A.T)),
    ("X A", lambda A, X: X @ A, {"A": (2, 3), "X": (3, 2)}, r"A^\top \otimes I_{3} \otimes I_{1}",
     lambda A: np.kron(np.kron(A.T, np.eye(3)), np.eye(1))),
    ("X ones", lambda X: X @ np.ones((3, 1)), {"X": (1, 3)}, r"I_{1} \otimes \mathbf{1}_{3}^\top",
     lambda A: np.kron(np.eye(1), np.ones((1, 3)))),
    # the written sizes still count: the identity of another size is wrong (numpy: not J)
    ("A X", lambda A, X: A @ X, {"A": (3, 2), "X": (2, 3)}, "kron(I_{1}, kron(A, I_{3}))",
     lambda A: np.kron(np.eye(1), np.kron(A, np.eye(3)))),
    ("X A", lambda A, X: X @ A, {"A": (2, 3), "X": (3, 2)}, "kron(kron(A', I_{2}), I_{1})",
     lambda A: np.kron(A.T, np.eye(2))),
]  # fmt: skip


@pytest.mark.parametrize(("text", "plain", "shapes", "claim", "claimed"), SIZED_CLAIMS)
def test_the_sizes_written_in_a_kronecker_claim_are_its_own(text, plain, shapes, claim, claimed):
    values = {k: RNG.standard_normal(s) for k, s in shapes.items()}
    jacobian = vec_jacobian(plain, values, "X")
    matrix = claimed(values.get("A"))
    right = matrix.shape == jacobian.shape and np.allclose(matrix, jacobian, atol=1e-6)
    where = "; ".join(f"{k}: matrix({', '.join(map(str, s))})" for k, s in shapes.items())
    result = ed.check(text, "X", claim=f"d vec(Y) / d vec(X)' = {claim}", where=where)
    assert result.verdict == ("right" if right else "wrong"), result.reason


# d vec(X) / d vec(X)' = I_{mn} = I_m (x) I_n = I_n (x) I_m (X m-by-n): an identity is one
# however its size mn is split; keeping the written sizes must not make I_m (x) I_n or I_{nm}
# wrong (their compounds split n*m, the derivative's m*n), nor any of another size right
@pytest.mark.parametrize(
    ("claim", "sizes"),
    [
        (r"I_{m} \otimes I_{n}", ("m", "n")),
        (r"I_{nm}", ("n", "m")),
        (r"I_{2} \otimes I_{3}", (2, 3)),
        (r"2 I_{3} \otimes I_{2} - I_{6}", (3, 2)),
        (r"I_{m} \otimes I_{m}", ("m", "m")),
        (r"I_{2} \otimes I_{2}", (2, 2)),
        (r"2 I_{2} \otimes I_{3}", (2, 3)),
    ],
)
def test_an_identity_claim_is_one_however_its_size_is_split(claim, sizes):
    m, n = 2, 3
    jacobian = vec_jacobian(lambda X: X, {"X": RNG.normal(size=(m, n))}, "X")
    size = {"m": m, "n": n}
    a, b = (size.get(s, s) for s in sizes)
    scale = 2 if claim.startswith("2 ") else 1
    matrix = scale * np.kron(np.eye(a), np.eye(b)) - (np.eye(6) if "- I_{6}" in claim else 0)
    right = matrix.shape == jacobian.shape and np.allclose(matrix, jacobian, atol=1e-6)
    where = "X: matrix(m, n)" if any(isinstance(s, str) for s in sizes) else "X: matrix(2, 3)"
    result = ed.check("X", "X", claim=f"d vec(Y) / d vec(X)' = {claim}", where=where)
    assert result.verdict == ("right" if right else "wrong"), result.reason


# kron(I_1, Q) = Q for any Q (np.kron(np.eye(1), Q) is Q): a Q of compound rows and columns
# that is a transposed Kronecker product, a sum or multiple of them, a commutation matrix or a
# product of such was indexed by the 1 it was written with, so these right claims were "wrong
# shape"; each is built here with np.kron and K, compared with numpy's finite differences
UNIT_CLAIMS = [
    # (expression, numpy f, shapes, claim, the claimed matrix from the values)
    ("A X B", lambda A, X, B: A @ X @ B, {"A": (2, 3), "X": (3, 4), "B": (4, 2)},
     "kron(I_{1}, kron(B, A')')", lambda v: np.kron(np.eye(1), np.kron(v["B"], v["A"].T).T)),
    ("A X B", lambda A, X, B: A @ X @ B, {"A": (2, 3), "X": (3, 4), "B": (4, 2)},
     "kron(I_{1}, 2 kron(B', A)) / 2", lambda v: np.kron(np.eye(1), np.kron(v["B"].T, v["A"]))),
    ("A X", lambda A, X: A @ X, {"A": (2, 3), "X": (3, 4)},
     "kron(I_{1}, kron(I_{4}, A) + kron(I_{4}, A)) / 2",
     lambda v: np.kron(np.eye(1), np.kron(np.eye(4), v["A"]))),
    ("X'", lambda X: X.T, {"X": (2, 3)}, "kron(I_{1}, commutation(2, 3))",
     lambda v: np.kron(np.eye(1), K(2, 3))),
    ("X' A", lambda X, A: X.T @ A, {"A": (2, 3), "X": (2, 4)},
     "kron(kron(A', I_{4}) commutation(2, 4), I_{1})",
     lambda v: np.kron(np.kron(v["A"].T, np.eye(4)) @ K(2, 4), np.eye(1))),
    # still wrong: kron(I_1, Q) of a Q that is not the Jacobian (K_{3,2} for X 2-by-3)
    ("X'", lambda X: X.T, {"X": (2, 3)}, "kron(I_{1}, commutation(3, 2))",
     lambda v: np.kron(np.eye(1), K(3, 2))),
    ("A X", lambda A, X: A @ X, {"A": (2, 2), "X": (2, 2)}, "kron(I_{1}, kron(I_{2}, A)')",
     lambda v: np.kron(np.eye(1), np.kron(np.eye(2), v["A"]).T)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "plain", "shapes", "claim", "claimed"), UNIT_CLAIMS)
def test_a_unit_factor_beside_a_compound_matrix_is_that_matrix(text, plain, shapes, claim, claimed):
    values = {k: RNG.standard_normal(s) for k, s in shapes.items()}
    jacobian = vec_jacobian(plain, values, "X")
    matrix = claimed(values)
    right = matrix.shape == jacobian.shape and np.allclose(matrix, jacobian, atol=1e-6)
    where = "; ".join(f"{k}: matrix({', '.join(map(str, s))})" for k, s in shapes.items())
    result = ed.check(text, "X", claim=f"d vec(Y) / d vec(X)' = {claim}", where=where)
    assert result.verdict == ("right" if right else "wrong"), result.reason


# vec positions are column-major whatever the nesting of a compound: (I_2 (x) I_2) (x) A is
# I_4 (x) A (read as one identity, so proved right or wrong), and K(2,3) K(3,2) = I_6
# (K(m,n)^-1 = K(n,m)), compared as the matrix of vec(Y) by vec(X) at probes (undecided when
# equal, and right when read as plain matrices of numbered sizes and proved, check/kron_plain);
# a claim that is not the derivative's matrix stays "wrong", a tiny factor too (SPEC 8)
_A = RNG.normal(size=(2, 3))
REGROUPED = [
    ("A X", lambda X: _A @ X, (3, 4), "kron(I_{2}, kron(I_{2}, A))", np.kron(np.eye(2), np.kron(np.eye(2), _A)), "right"),
    ("A X", lambda X: _A @ X, (3, 4), "kron(kron(I_{2}, I_{2}), A)", np.kron(np.eye(4), _A), "right"),
    ("A X", lambda X: _A @ X, (3, 4), "kron(I_{2}, kron(I_{1}, kron(I_{2}, A)))", np.kron(np.eye(4), _A), "right"),
    ("A X", lambda X: _A @ X, (3, 4), "kron(I_{2}, kron(I_{2}, 2 A))", np.kron(np.eye(4), 2 * _A), "wrong"),
    ("A X", lambda X: _A @ X, (3, 4), "kron(I_{2}, kron(I_{2}, 1.00000001 A))", np.kron(np.eye(4), 1.00000001 * _A), "wrong"),
    ("A X", lambda X: _A @ X, (3, 4), "kron(kron(I_{2}, A), I_{2})", np.kron(np.kron(np.eye(2), _A), np.eye(2)), "wrong"),
    ("A X", lambda X: _A @ X, (3, 4), "kron(A, I_{4})", np.kron(_A, np.eye(4)), "wrong"),
    ("X", lambda X: X, (2, 3), "commutation(2, 3) commutation(3, 2)", K(2, 3) @ K(3, 2), "right"),
    ("X", lambda X: X, (2, 3), "commutation(2, 3)", K(2, 3), "wrong"),
    ("X'", lambda X: X.T, (2, 3), "commutation(3, 2)", K(3, 2), "wrong"),
]  # fmt: skip


@pytest.mark.parametrize("text, plain, shape, claim, matrix, verdict", REGROUPED)
def test_a_kronecker_claim_nested_otherwise_is_judged_by_its_matrix(
    text, plain, shape, claim, matrix, verdict
):
    X = RNG.normal(size=shape)
    true = vec_jacobian(plain, {"X": X}, "X")  # finite differences of vec(f) by vec(X)
    # f is linear: its differences are exact to about 1e-10, the 1.00000001 factor is 1e-8
    right = matrix.shape == true.shape and np.max(np.abs(matrix - true)) < 1e-9
    assert right == (verdict != "wrong")  # the expected verdict agrees with numpy
    where = f"X: matrix{shape}; A: matrix(2, 3)"
    said = ed.check(text, "X", claim=f"d vec(Y) / d vec(X)' = {claim}", where=where).verdict
    assert said == verdict, (claim, said)


def _kron_row(p, A):
    return np.kron(p[:, None], A)  # kron(p, A) of a column p


@pytest.mark.parametrize(
    "text, where, plain",
    [
        # Y[r] = kron(y, p)[r] sum_c A[r,c]^2: dY[r] / dA[k,c] = 2 kron(y, p)[r] A[r,c] delta[r,k]
        (
            "kron(y, p) .* (A .^ 2 @ ones)",
            "A: matrix(6, 3); y: vector(3); p: vector(2)",
            lambda A, y, p: np.kron(y, p) * np.sum(A**2, axis=1),
        ),
        # Y = (x' kron(p, A)) .* kron(q', y'), a row of 9
        (
            "x' kron(p, A) .* kron(q', y')",
            "p, q, y: vector(3); x: vector(9); A: matrix(3, 9)",
            lambda A, x, p, q, y: (x @ _kron_row(p, A)) * np.kron(q, y),
        ),
    ],
)
def test_a_vector_whose_index_a_kronecker_product_names_is_not_its_pair(text, where, plain):
    # Y's single index r is also the compound index of kron(y, p)[r] = p[a] y[b]
    # delta[r,(a,b)], and A[r,c] holds it: that delta is a factor, not the pair of vec(Y);
    # read as Y's pair, the form dropped delta[r,k]: 2 vec(p y') vec(A)' (found by the fuzz of
    # printed forms with Kronecker products)
    g = ed.diff(text, "A", where=where)
    values = {n: RNG.standard_normal(v.dims) for n, v in g.variables.items()}
    jac = jacobian_fd(plain, values, "A")  # Y + A's axes
    want = np.reshape(jac, (jac.shape[0], -1), order="F")  # d vec(Y) / d vec(A)'
    right = g.kronecker().split("=", 1)[1]
    assert_close(ed.parse(right, where=where)(**values), want)
    back = ed.parse(str(g), where=where)  # the Kronecker form indexed, [i,(k,j)]
    assert_close(back(**values), g(**values))
    assert_close(g(**values), np.transpose(jac, (0, 2, 1)))  # numerator layout


def _softmax_rows(P):
    e = np.exp(P - P.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softplus(v):
    return np.log1p(np.exp(v))


@pytest.mark.parametrize(
    "text, wrt, where, plain",
    [
        # dY/dx[k] = kron(diag(y), Q - I) M q[k], M = kron(A, p') P: the term of -I is
        # y[e] M[c,j] delta[c,(f,e)]; A[c,b] holds c too, so delta[c,(f,e)] is no vec pair
        # (read as one, A's row was summed out: kron(y ones', ones ones') diag(vec(A)) ..)
        (
            "kron(diag(kron(q', y) x), Q - I) (kron(A, p') P)",
            "x",
            "Q: matrix(2, 2); A: matrix(4, 2); P: matrix(4, 4); y, p: vector(2); q, x: vector(4)",
            lambda Q, A, P, y, q, x, p: (
                np.kron(np.diag(np.kron(q, y[:, None]) @ x), Q - np.eye(2)) @ np.kron(A, p) @ P
            ),
        ),
        # Y[r] = u[e] softmax(P)[h,c] with r = ((h,c),e): X's index s = (h,c) is the fast end
        # of Y's pair delta[r,(s,e)]; taken for X's own pair, the tie s = (h,c) was lost
        (
            "kron(kron(x' .* x', softplus(y)) p .^ -1, vec(softmax(P)))",
            "P",
            "P: matrix(2, 3); x, p: vector(4); y: vector(2)",
            lambda P, x, y, p: np.kron(
                np.kron(x * x, _softplus(y)[:, None]) @ (1 / p), vec(_softmax_rows(P))
            ),
        ),
        # dY[(a,g),j] / dP[l,k] = (F G)[a,j] Q[l,k] delta[g,(l,k)]: not vec(..) vec(Q)'
        (
            "kron(vec(P .* Q), F) G",
            "P",
            "P, Q: matrix(2, 2); F: matrix(2, 3); G: matrix(3, 2)",
            lambda P, Q, F, G: np.kron(vec(P * Q)[:, None], F) @ G,
        ),
    ],
)
def test_a_compound_index_another_factor_holds_is_not_a_pair_of_vec(text, wrt, where, plain):
    # an end's delta[c,(a,b)] is vec's pair only where nothing else holds c; otherwise the
    # Kronecker form (and the default text, which is it) had another value (found by
    # print_fuzz --kron); now a right form or none (index notation)
    g = ed.diff(text, wrt, where=where)
    values = {n: RNG.standard_normal(v.dims) for n, v in g.variables.items()}
    if "p" in values:
        values["p"] = np.abs(values["p"]) + 0.5
    jac = jacobian_fd(plain, values, wrt)  # Y's axes + X's
    ny = jac.ndim - len(values[wrt].shape)
    numerator = np.transpose(jac, (*range(ny), *reversed(range(ny, jac.ndim))))
    assert_close(g(**values), numerator)
    for text_form in (str(g), g.latex(), g.index()):
        assert_close(call(ed.parse(text_form, where=where), g, values, numerator), numerator)
    try:
        right = g.kronecker().split("=", 1)[1]
    except ed.EinderivError:
        return  # no Kronecker form: index notation
    want = np.reshape(jac, (int(np.prod(jac.shape[:ny])), -1), order="F")  # column-major vec
    assert_close(call(ed.parse(right, where=where), g, values, want), want)


# Y = X .* diag(v) is diagonal: dY[a,b] / dX[i,j] = v[a] delta[a,b] delta[a,i] delta[b,j], so
# d vec(Y) / d vec(X)' = diag(vec(diag(v))). The printer read Y's pair (c, c) as F over (c, c)
# and dropped delta[a,b]: diag(vec(kron(x, y ones'))) for v = kron(x, y) (print_fuzz --kron
# seed 2731), diag(v) ones' in place of diag(v).
@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("X .* diag(kron(x, y))", lambda X, x, y: X * np.diag(np.kron(x, y))),
        ("X .* diag(kron(x, A) p) / 3", lambda X, x, y: X * np.diag(np.kron(x, y)) / 3),
        ("diag(kron(x, y)) .* X'", lambda X, x, y: np.diag(np.kron(x, y)) * X.T),
    ],
)
@pytest.mark.parametrize("symmetric", [False, True])
def test_a_diagonal_elementwise_result_keeps_its_diagonal(text, plain, symmetric):
    A = np.eye(2)  # kron(x, A) p with A = I and p = y is kron(x, y)
    values = {"X": RNG.standard_normal((4, 4)), "x": RNG.standard_normal(2)}
    values["y"] = RNG.standard_normal(2)
    values["X"] = values["X"] + values["X"].T if symmetric else values["X"]
    kind = "symmetric(4)" if symmetric else "matrix(4, 4)"
    where = f"X: {kind}; x, y: vector(2); A: matrix(2, 2); p: vector(2)"
    env = {"X": values["X"], "x": values["x"], "y": values["y"], "A": A}
    env["p"] = values["y"]
    g = ed.diff(text, "X", where=where)
    jac = jacobian_fd(lambda **v: vec(plain(**v)), values, "X", sym=symmetric)
    expected = jac.reshape(16, 16, order="F")
    for form, shape in ((right_side(g.kronecker()), None), (str(g), g.shape)):
        back = ed.parse(form, where=where, shape=shape)
        got = back(**{k: env[k] for k in back.variables})
        if got.ndim == 4:  # str(g): the numerator-layout tensor
            got = np.swapaxes(got, 2, 3).reshape(16, 16, order="F")
        assert_close(got, expected, what=form)


def test_a_wrong_kronecker_claim_is_answered_in_kronecker_form():
    # d vec(A X B) / d vec(X)' = kron(B', A); the claim kron(B, A) is wrong, and the answer was
    # printed as the entry form kron(B', A)[(i,j),(l,k)]; it is now written as the claim is
    A, X, B = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=(4, 4))
    truth = vec_jacobian(lambda A, X, B: A @ X @ B, {"A": A, "X": X, "B": B}, "X")
    np.testing.assert_allclose(np.kron(B.T, A), truth, atol=1e-6)
    assert not np.allclose(np.kron(B, A), truth, atol=1e-3)
    r = ed.check("A X B", "X", claim="d vec(Y) / d vec(X)' = kron(B, A)")
    assert r.verdict == "wrong"
    correct = str(r).splitlines()[2]
    assert correct == "  correct: d vec(Y) / d vec(X)' = kron(B', A)", correct
    right = correct.split(" = ", 1)[1]
    np.testing.assert_allclose(ed.parse(right)(A=A, B=B), truth, atol=1e-6)
    assert ed.check("A X B", "X", claim=correct.split("correct: ")[1]).verdict == "right"
    from einderiv.check.audit import markdown  # the table of einderiv audit

    text = (
        r"$$\frac{\partial \operatorname{vec}(A X B)}{\partial \operatorname{vec}(X)^\top}"
        r" = B \otimes A$$"
    )
    rows = ed.audit(text)
    assert [row.verdict for row in rows] == ["wrong"]
    assert "| `kron(B', A)` |" in markdown(rows, "notes.md"), markdown(rows, "notes.md")


# d X^-2 = -X^-2 dX X^-1 - X^-1 dX X^-2, so d vec(X^-2) / d vec(X)' = -kron(X^-T^2, X^-1) -
# kron(X^-T, X^-2) (X^-3 likewise, three terms): it had no Kronecker form and printed in index
# notation, the derivative's sign taken out of its sum, -(P + Q), that the form did not spread
@pytest.mark.parametrize(
    "text, power", [("X^-2", -2), ("X^-3", -3), ("2 X^-2", -2)], ids=["-2", "-3", "2 X^-2"]
)
def test_a_negative_matrix_power_has_a_kronecker_form(text, power):
    X = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    scale = 2.0 if text.startswith("2") else 1.0
    truth = vec_jacobian(lambda X: scale * np.linalg.matrix_power(X, power), {"X": X}, "X")
    g = ed.diff(text, "X")
    form = g.kronecker()
    assert "kron" in str(g) and "kron" in form
    assert_close(ed.parse(form.split("=", 1)[1])(X=X), truth, rtol=1e-5, what=form)


# d inv(X) / dX = -X^-1 dX X^-1 is printed -kron(X^-T, X^-1)[(i,j),(l,k)] (and d(2 X) / dX
# 2 I[(i,j),(l,k)]), a sign or a number outside the indexed matrix: it was
# (-kron(X^-T, X^-1))[(i,j),(l,k)]; the text reads back to the numerator-layout Jacobian
@pytest.mark.parametrize(
    "text, plain, printed",
    [
        ("inv(X)", lambda X: np.linalg.inv(X), "-kron(X^-T, X^-1)[(i,j),(l,k)]"),
        ("-X", lambda X: -X, "-I[(i,j),(l,k)]"),
        ("2 X", lambda X: 2 * X, "2 I[(i,j),(l,k)]"),
    ],
)
def test_a_sign_or_number_of_a_kronecker_form_is_written_outside_its_indices(text, plain, printed):
    X = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    g = ed.diff(text, "X")
    assert str(g) == printed
    back = ed.parse(printed)
    got = back(X=X) if "X" in back.variables else back(n=3, m=3)
    jac = jacobian_fd(plain, {"X": X}, "X")  # D[i,j,k,l] = dY[i,j] / dX[k,l]
    assert_close(got, np.transpose(jac, (0, 1, 3, 2)), rtol=1e-5, what=printed)
