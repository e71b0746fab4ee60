"""The differential form (SPEC section 7): d f = tr(G dX), G the numerator-layout derivative.

Each printed differential is read back with ``ed.read_differential`` and its G compared with
central finite differences of plain numpy code written here (numerator layout: the transpose of
the gradient for a matrix X, a row for a vector x).
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.cli import main
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(7)
n = 3
inv = np.linalg.inv

CASES = [
    # expression, wrt, numpy function, arrays
    ("tr(X' A X)", "X", lambda X, A: np.trace(X.T @ A @ X), ["X", "A"]),
    ("log|X|", "X", lambda X: np.log(abs(np.linalg.det(X))), ["X"]),
    ("tr(inv(X) A)", "X", lambda X, A: np.trace(inv(X) @ A), ["X", "A"]),
    ("x' A x", "x", lambda x, A: x @ A @ x, ["x", "A"]),
    ("sum(log(1 + exp(A x)))", "x", lambda x, A: np.sum(np.log1p(np.exp(A @ x))), ["x", "A"]),
    ("a sum(X .* X)", "a", lambda a, X: a * np.sum(X * X), ["a", "X"]),
]


def _arrays(names):
    values = {}
    for name in names:
        if name in ("X", "A"):
            values[name] = rng.normal(size=(n, n)) + (2 * np.eye(n) if name == "X" else 0)
        elif name == "a":
            values[name] = 0.8
        else:
            values[name] = rng.normal(size=n)
    return values


@pytest.mark.parametrize("layout", ["numerator", "jacobian", "denominator"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_differential_reads_back_to_the_numerator_derivative(case, layout):
    text, wrt, numpy_f, names = case
    values = _arrays(names)
    dim = np.ndim(values[wrt])
    expected = to_layout(jacobian_fd(numpy_f, values, wrt), 0, dim, "numerator")
    where = "a: scalar" if wrt == "a" else None
    printed = ed.diff(text, wrt, where=where, layout=layout).differential()
    assert printed.startswith("d f = ")
    if dim == 2:  # d f = tr(G dX)
        assert printed[len("d f = ") :].startswith("tr(") and printed.endswith(f" d{wrt})")
    g = ed.read_differential(printed, wrt, where=where)
    arrays = {k: values[k] for k in g.variables if k in values}
    assert np.allclose(g(**arrays), expected, atol=1e-6 * max(1, np.abs(expected).max()))


def test_a_hand_written_differential_is_read():
    # d tr(A X B) = tr(B A dX): G = B A
    g = ed.read_differential("d f = tr(B A dX)", "X")
    A, B = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    assert np.allclose(g(A=A, B=B), B @ A)


def test_differential_errors_are_clear():
    with pytest.raises(ed.EinderivError, match="d f = tr"):
        ed.read_differential("tr(A dX)", "X")
    with pytest.raises(ed.EinderivError, match="index notation"):
        ed.diff("A x", "x[i]").differential()
    with pytest.raises(ed.EinderivError, match="from diff"):
        ed.parse("x' x").differential()


def test_a_variable_named_like_the_differential_is_refused():
    # d (dx' x) = dx' dx: the variable dx and the differential dx would read alike, so no
    # differential is printed, read or checked while a variable is named dx (the derivative
    # itself, dx', is right: checked numerically)
    g = ed.diff("dx' x", "x", where="dx: vector")
    v = rng.normal(size=n)
    assert np.allclose(np.ravel(g(dx=v, x=rng.normal(size=n))), v)
    with pytest.raises(ed.EinderivError, match="a variable is named dx"):
        g.differential()
    with pytest.raises(ed.EinderivError, match="dx is declared as a variable"):
        ed.read_differential("d f = dx' dx", "x", where="dx: vector")
    with pytest.raises(ed.EinderivError, match="a variable is named dX"):
        ed.check("tr(dX X)", "X", claim="d f = tr(dX dX)", where="dX: matrix")


def test_cli_prints_the_differential(capsys):
    assert main(["diff", "tr(X' A X)", "--wrt", "X", "--format", "differential"]) == 0
    out = capsys.readouterr().out.strip()
    g = ed.read_differential(out, "X")
    X, A = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    expected = to_layout(
        jacobian_fd(lambda X: np.trace(X.T @ A @ X), {"X": X}, "X"), 0, 2, "numerator"
    )
    assert np.allclose(g(X=X, A=A), expected, atol=1e-6)


def test_a_transposed_product_in_a_differential_is_one_chain():
    # Y = X (X' X)^-1 X' (the projection onto X's columns): dY = dX G X' + X G (..)' with
    # G = (X' X)^-1; a transposed product is written as one chain, X G dX' X, not X (G (dX' X))
    g = ed.diff("X inv(X' X) X'", "X")
    printed = g.differential()
    assert "((X' X)^-1 (dX' X))" not in printed and "X (X' X)^-1 dX' X" in printed
    X, dX = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))

    def proj(X):
        return X @ inv(X.T @ X) @ X.T

    h = 1e-6
    expected = (proj(X + h * dX) - proj(X - h * dX)) / (2 * h)  # dY along dX
    rhs = printed.split("=", 1)[1]
    value = ed.parse(rhs, where="X: matrix(m, n); dX: matrix(m, n)")(X=X, dX=dX)
    np.testing.assert_allclose(value, expected, atol=1e-6)


def test_a_zero_differential_reads_back_as_the_zero_derivative():
    # sum(softmax(X A)) = number of rows of X, so d f = 0; that text reads back (it was
    # refused: "does not mention dA") as the zero derivative, of A's shape
    g = ed.diff("sum(softmax(X A))", "A", where="A: matrix(3, 2)")
    assert g.differential() == "d f = 0"
    back = ed.read_differential(g.differential(), "A", where="A: matrix(3, 2)")
    assert back.shape == (2, 3)  # numerator layout: A's shape transposed
    rng = np.random.default_rng(3)
    X, A = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    f = ed.parse("sum(softmax(X A))")
    h = 1e-6
    E = np.zeros_like(A)
    E[1, 0] = h
    assert abs((f(X=X, A=A + E) - f(X=X, A=A - E)) / (2 * h)) < 1e-8  # the truth: zero
    np.testing.assert_allclose(back(A=A), np.zeros((2, 3)))


def test_a_variable_named_d_is_not_the_differential_operator():
    # f = d x'x with a scalar d: d f = 2 d x' dx, the derivative 2 d x' (numpy differences);
    # "d x" apart is d times x there (without a variable d, it is dx)
    rng = np.random.default_rng(4)
    d, x = 1.7, rng.standard_normal(3)
    truth = jacobian_fd(lambda x, d: d * x @ x, {"x": x, "d": d}, "x")
    g = ed.diff("d x' x", "x", where="d: scalar")
    printed = g.differential()
    np.testing.assert_allclose(ed.read_differential(printed, "x", "d: scalar")(d=d, x=x), truth)
    for claim in (printed, r"\mathrm{d} f = 2 d x^\top \mathrm{d} x"):
        assert ed.check("d x' x", "x", claim=claim, where="d: scalar").verdict == "right"
    assert ed.check("d x' x", "x", claim="d f = 3 d x' dx", where="d: scalar").verdict == "wrong"
    with pytest.raises(ed.EinderivError, match="d x is d times x: write dx"):
        ed.check("d x' x", "x", claim="d f = 2 d x' d x", where="d: scalar")
    assert ed.check("x' x", "x", claim="d f = 2 x' d x").verdict == "right"


def test_a_d_that_ends_a_name_is_not_the_differential_operator():
    # sigmoid(X) and Wd x end in d: d(sigmoid(x)) = sigmoid(x) .* (1 - sigmoid(x)) .* dx and
    # d(x' Wd x) = dx' Wd x + x' Wd dx; both claims state the derivative (numpy differences)
    # (the d of sigmoid(x) was read as d(x), and Wd x as W dx: "not well-formed", wrong)
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal(3), rng.standard_normal((3, 3))

    def sig(z):
        return 1 / (1 + np.exp(-z))

    cases = [
        ("sigmoid(x)", "dy = dx .* sigmoid(x) .* (1 - sigmoid(x))", "x: vector(3)", sig),
        ("x' Wd x", "d f = dx' Wd x + x' Wd dx", "x: vector(3); Wd: matrix(3, 3)",
         lambda x: x @ w @ x),
    ]  # fmt: skip
    for expr, claim, where, f in cases:
        truth = jacobian_fd(lambda x, Wd, f=f: f(x), {"x": x, "Wd": w}, "x")
        assert ed.check(expr, "x", claim=claim, where=where).verdict == "right"
        back = ed.read_differential(claim, "x", where)
        values = {k: v for k, v in {"x": x, "Wd": w}.items() if k in back.variables}
        np.testing.assert_allclose(back(**values), truth, atol=1e-6)
        wrong = claim.replace("dx' Wd x", "dx' Wd' x").replace("(1 - ", "(2 - ")
        assert ed.check(expr, "x", claim=wrong, where=where).verdict == "wrong"


def test_a_d_written_against_letters_that_read_as_a_product_is_the_differential():
    # x'Adx reads as x' A dx, as the letters of x'Ax read as x' A x: d(x' A x) = dx'Ax +
    # x'Adx states the gradient x'A' + x'A; X^TdX is X' dX (d tr(X'X) = 2 tr(X' dX), gradient
    # 2X) and 2dx is 2 dx (d(x'x) = 2 dx'x); each was "wrong: not well-formed" or "does not
    # mention dx"; x'Adx alone states x'A, wrong for A not symmetric (numpy differences)
    rng = np.random.default_rng(6)
    x, A, X = rng.standard_normal(3), rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    where = "x: vector(3); A: matrix(3, 3); X: matrix(3, 2)"
    grad_xax = jacobian_fd(lambda x: x @ A @ x, {"x": x}, "x")
    grad_trxx = jacobian_fd(lambda X: np.trace(X.T @ X), {"X": X}, "X")
    grad_xx = jacobian_fd(lambda x: x @ x, {"x": x}, "x")
    cases = [
        ("x' A x", "x", "d f = dx'Ax + x'Adx", x @ A.T + x @ A, grad_xax),
        ("x' A x", "x", "d f = x'A'dx+x'Adx", x @ A.T + x @ A, grad_xax),
        ("tr(X' X)", "X", "d f = 2tr(X^TdX)", 2 * X, grad_trxx),
        ("x' x", "x", "d f = 2dx'x", 2 * x, grad_xx),
        ("x' x", "x", r"\mathrm{d}f = 2x^\top\mathrm{d}x", 2 * x, grad_xx),
        ("x' A x", "x", r"\mathrm{d}f = x^\top A^\top dx + x^\top Adx", x @ A.T + x @ A,
         grad_xax),
    ]  # fmt: skip
    for expr, wrt, claim, stated, truth in cases:
        np.testing.assert_allclose(stated, truth, atol=1e-6)
        assert ed.check(expr, wrt, claim=claim, where=where).verdict == "right", claim
    assert not np.allclose(x @ A, grad_xax, atol=1e-3)
    assert ed.check("x' A x", "x", claim="d f = x'Adx", where=where).verdict == "wrong"


def test_a_d_written_against_letters_after_it_is_the_differential():
    # dXAX reads as dX A X, as XAX reads as X A X: d(X A X) = dXAX + XAdX, d(A X B) = AdXB,
    # d(X^2) = dXX + XdX, d tr(XA) = tr(dXA), d X^-1 = -X^-1dXX^-1 (each was "wrong: not
    # well-formed (d X)" or "does not mention dX"); the directional derivative of numpy
    # differences along E equals each right side with E for dX; dXXA + XAdX is wrong
    rng = np.random.default_rng(8)
    X, A, B, E = (rng.standard_normal((3, 3)) for _ in range(4))
    inv = np.linalg.inv
    where = "X: matrix(3, 3); A: matrix(3, 3); B: matrix(3, 3)"
    cases = [
        ("X A X", lambda X: X @ A @ X, "dY = dXAX + XAdX", E @ A @ X + X @ A @ E),
        ("A X B", lambda X: A @ X @ B, "dY = AdXB", A @ E @ B),
        ("X^2", lambda X: X @ X, "dY = dXX + XdX", E @ X + X @ E),
        ("tr(X A)", lambda X: np.trace(X @ A), "d f = tr(dXA)", np.trace(E @ A)),
        ("inv(X)", inv, "dY = -X^-1dXX^-1", -inv(X) @ E @ inv(X)),
        ("X A X", lambda X: X @ A @ X, r"\mathrm{d}Y = \mathrm{d}XAX + XA\mathrm{d}X",
         E @ A @ X + X @ A @ E),
    ]  # fmt: skip
    for expr, fn, claim, stated in cases:
        along = (fn(X + 1e-6 * E) - fn(X - 1e-6 * E)) / 2e-6
        np.testing.assert_allclose(stated, along, atol=1e-6)
        assert ed.check(expr, "X", claim=claim, where=where).verdict == "right", claim
    assert not np.allclose(E @ X @ A + X @ A @ E, E @ A @ X + X @ A @ E, atol=1e-3)
    assert ed.check("X A X", "X", claim="dY = dXXA + XAdX", where=where).verdict == "wrong"


def test_letters_with_dx_written_after_a_hadamard_product_are_refused():
    # exp(X).*dXA: papers mean exp(X) .* (dX A), as einderiv reads exp(X).*XA as exp(X) .* (X A),
    # but spacing dX out read it (exp(X) .* dX) A, the differential of exp(X) A: a false "right"
    # (and X.*AdX was (X .* A) dX). Numpy differences of exp(X) A along E are (exp(X) .* E) A,
    # not exp(X) .* (E A); the glued claims are refused, the grouped ones judged.
    rng = np.random.default_rng(9)
    X, A, E = (rng.standard_normal((3, 3)) for _ in range(3))
    along = (np.exp(X + 1e-6 * E) @ A - np.exp(X - 1e-6 * E) @ A) / 2e-6
    np.testing.assert_allclose((np.exp(X) * E) @ A, along, atol=1e-6)
    assert not np.allclose(np.exp(X) * (E @ A), along, atol=1e-3)
    where = "X: matrix(3, 3); A: matrix(3, 3)"
    for claim in ("dY = exp(X).*dXA", "dY = exp(X).*AdX"):
        with pytest.raises(ed.EinderivError, match="ambiguous"):
            ed.check("exp(X) A", "X", claim=claim, where=where)
    assert ed.check("exp(X) A", "X", claim="dY = (exp(X).*dX)A", where=where).verdict == "right"
    assert ed.check("exp(X) A", "X", claim="dY = exp(X).*(dXA)", where=where).verdict == "wrong"
    assert ed.check("exp(X) A", "X", claim="dY = exp(X).*dX", where=where).verdict == "wrong"


@pytest.mark.parametrize("layout", ["numerator", "jacobian", "denominator"])
@pytest.mark.parametrize(
    "text, numpy_f",
    [
        ("tr(X) (z' (c + z))", lambda X, z, c: np.trace(X) * (z @ (c + z))),
        (
            "log(det(X)) (z' exp(c + z))",
            lambda X, z, c: np.log(np.linalg.det(X)) * (z @ np.exp(c + z)),
        ),
    ],
)
def test_a_scalar_added_to_a_row_stays_grouped_in_the_differential(text, numpy_f, layout):
    # d f = tr(G dX) with G = (z' (c + z)) I for f = tr(X) z' (c + z), c a scalar: a row plus
    # a scalar is a row, so the transposed gradient keeps the inner product z' (c + z) one
    # factor. It printed tr(I z' (c + z) dX) in the other layouts, which reads I z' first (a
    # shape error); now its G matches numpy's central differences
    where = "c: scalar; z: vector(4)"
    own = np.random.default_rng(17)  # det(X) > 0: log(det(X)) is defined
    X = 2 * np.eye(n) + 0.3 * own.normal(size=(n, n))
    assert np.linalg.det(X) > 0
    values = {"X": X, "z": own.normal(size=4), "c": 0.7}
    expected = to_layout(jacobian_fd(numpy_f, values, "X"), 0, 2, "numerator")
    printed = ed.diff(text, "X", where=where, layout=layout).differential()
    g = ed.read_differential(printed, "X", where=where)
    assert np.allclose(g(**values), expected, atol=1e-6 * max(1, np.abs(expected).max()))


@pytest.mark.parametrize(
    "text,claim,fn",
    [
        # d(A X B) = A dX B; the claim forgets B
        ("A X B", "dY = A dX", lambda A, X, B: A @ X @ B),
        # d(X' X) = dX' X + X' dX; the claim writes 2 X' dX
        ("X' X", "dY = 2 X^T dX", lambda A, X, B: X.T @ X),
        # d tr(X' A X) = tr(X' (A + A') dX); the claim drops A'
        ("tr(X' A X)", "d f = tr(2 X' A dX)", lambda A, X, B: np.trace(X.T @ A @ X)),
    ],
)
def test_a_wrong_differential_is_answered_by_the_differential(text, claim, fn):
    # check of a differential claim says the correct form as a differential (dY = A dX B), not
    # in index or Kronecker-indexed notation (kron(B', A)[(i,j),(l,k)] before); it reads back
    # to numpy's central differences in numerator layout
    rng = np.random.default_rng(5)
    values = {"A": rng.normal(size=(3, 3)), "X": rng.normal(size=(3, 3))}
    values["B"] = rng.normal(size=(3, 3))
    where = "A: matrix(3, 3); X: matrix(3, 3); B: matrix(3, 3)"
    r = ed.check(text, "X", claim=claim, where=where)
    assert r.verdict == "wrong"
    assert r.correct.split("=")[0].strip() == claim.split("=")[0].strip()
    back = ed.read_differential(r.correct, "X", where=where)
    jac = jacobian_fd(lambda X: fn(values["A"], X, values["B"]), {"X": values["X"]}, "X")
    want = to_layout(jac, jac.ndim - 2, 2, "numerator")
    got = back(**{k: v for k, v in values.items() if k in back.variables})
    np.testing.assert_allclose(got, want, atol=1e-6)
