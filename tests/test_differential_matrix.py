"""The differential of a vector or matrix function (SPEC section 7): dY = A dX B + ...

Each printed differential is judged twice against central finite differences of plain numpy:
its right side, evaluated at random X and dX, equals (Y(X + h dX) - Y(X - h dX)) / 2h; and
``ed.read_differential`` reads it back to the numerator-layout derivative (Y's axes, then X's
reversed), compared with the finite-difference Jacobian.
"""

import re

import numpy as np
import pytest

import einderiv as ed
from einderiv.cli import main
from tests.fd import jacobian_fd, to_layout

inv = np.linalg.inv
n = 3


def _sym(m):
    return (m + m.T) / 2


CASES = [
    # expression, wrt, declarations, numpy Y, the differential as Magnus & Neudecker write it
    ("A X B", "X", "", lambda X, A, B: A @ X @ B),  # dY = A dX B
    ("inv(X)", "X", "X: matrix(n, n)", lambda X: inv(X)),  # dY = -X^-1 dX X^-1
    ("X' A X", "X", "", lambda X, A: X.T @ A @ X),  # dY = dX' A X + X' A dX
    ("X^3", "X", "X: matrix(n, n)", lambda X: X @ X @ X),  # dY = dX X^2 + X dX X + X^2 dX
    ("X .* X", "X", "", lambda X: X * X),  # dY = 2 X .* dX
    ("tr(X) X", "X", "X: matrix(n, n)", lambda X: np.trace(X) * X),  # dY = tr(dX) X + tr(X) dX
    ("inv(S)", "S", "S: symmetric(n)", lambda S: inv(S)),  # dY = -S^-1 dS S^-1
    ("A x", "x", "", lambda x, A: A @ x),  # dy = A dx
    ("tanh(W x)", "x", "", lambda x, W: np.tanh(W @ x)),  # dy = (1 - tanh(W x).^2) .* (W dx)
    ("tanh(W x)", "W", "", lambda W, x: np.tanh(W @ x)),  # dy = (1 - tanh(W x).^2) .* (dW x)
    ("x x'", "x", "", lambda x: np.outer(x, x)),  # dY = dx x' + x dx'
    ("x' A", "x", "", lambda x, A: x @ A),  # dy = dx' A (a row)
    ("exp(a) X", "a", "a: scalar", lambda a, X: np.exp(a) * X),  # dY = da exp(a) X
    ("x / len(x)", "x", "", lambda x: x / len(x)),  # dy = dx / len(x): a size measured on x
]


def _value(name: str, rng) -> np.ndarray | float:
    if name == "a":
        return 0.4
    if name in ("x",):
        return rng.normal(size=n)
    m = rng.normal(size=(n, n))
    if name == "S":
        return _sym(m) + 3 * np.eye(n)
    return m + (3 * np.eye(n) if name == "X" else 0)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]} by {c[1]}" for c in CASES])
def test_differential_is_the_directional_derivative(case):
    text, wrt, where, numpy_y, *_ = case
    rng = np.random.default_rng(len(text) + ord(wrt))
    names = numpy_y.__code__.co_varnames[: numpy_y.__code__.co_argcount]
    values = {k: _value(k, rng) for k in names}
    direction = _value(wrt, rng)
    printed = ed.diff(text, wrt, where=where or None).differential()
    left, right = printed.split(" = ", 1)
    assert left in ("dY", "dy") and re.search(rf"\bd{wrt}\b", right)
    assert f"len(d{wrt})" not in right  # a size is measured on the variable, not its differential

    # dY(X; dX) = lim (Y(X + h dX) - Y(X - h dX)) / 2h
    h = 1e-6
    up = numpy_y(**{**values, wrt: values[wrt] + h * direction})
    down = numpy_y(**{**values, wrt: values[wrt] - h * direction})
    expected = (up - down) / (2 * h)
    info = ed.parse(text, where=where or None).variables[wrt]
    kind = info.kind if info.kind != "symmetric" else "symmetric"
    dims = ", ".join(str(d) for d in info.dims if d is not None)
    declared = f"d{wrt}: {kind}({dims})" if dims else f"d{wrt}: scalar"
    side = ed.parse(right, where="; ".join(filter(None, [where, declared])))
    got = side(**{k: v for k, v in {**values, f"d{wrt}": direction}.items() if k in side.variables})
    np.testing.assert_allclose(np.reshape(got, np.shape(expected)), expected, atol=1e-6, rtol=1e-6)

    # read back: the numerator-layout derivative dY[I] / dX[J], X's axes reversed
    g = ed.read_differential(printed, wrt, where=where or None)
    jac = jacobian_fd(numpy_y, values, wrt, sym=info.kind == "symmetric")
    numerator = to_layout(jac, np.ndim(up), np.ndim(values[wrt]), "numerator")
    arrays = {k: v for k, v in values.items() if k in g.variables}
    np.testing.assert_allclose(g(**arrays), numerator, atol=1e-5, rtol=1e-5)


def test_a_hand_written_matrix_differential_is_read():
    # d(A X B) = A dX B: the derivative is A[i,k] B[l,j] in numerator layout
    g = ed.read_differential("dY = A dX B", "X")
    rng = np.random.default_rng(3)
    A, B, X = rng.normal(size=(2, 3)), rng.normal(size=(4, 5)), rng.normal(size=(3, 4))
    jac = jacobian_fd(lambda X: A @ X @ B, {"X": X}, "X")
    np.testing.assert_allclose(g(A=A, B=B), to_layout(jac, 2, 2, "numerator"), atol=1e-6)


def test_a_zero_matrix_differential_and_errors():
    # d(A + a) / dX = 0
    assert ed.diff("A", "X", where="X: matrix(n, n)").differential() in ("dY = 0", "d f = 0")
    with pytest.raises(ed.EinderivError, match="index notation"):
        ed.diff("X x", "X[i,j]").differential()


# d sign(X) = 0 (sign is flat away from 0): dY = 0 is the zero of Y's axes then X's reversed,
# Y's shape taken from its declaration; undeclared, the text does not say it
def test_a_zero_differential_has_the_declared_shape():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2, 3))
    jac = to_layout(jacobian_fd(lambda X: np.sign(X), {"X": X}, "X"), 2, 2, "numerator")
    g = ed.read_differential("dY = 0", "X", "X: matrix(2, 3); Y: matrix(2, 3)")
    assert g.shape == jac.shape == (2, 3, 3, 2)
    np.testing.assert_array_equal(g(X=X), jac)
    x = rng.normal(size=3)
    jac = jacobian_fd(lambda x: np.sign(x), {"x": x}, "x")
    g = ed.read_differential("dy = 0", "x", "x: vector(3); y: vector(3)")
    np.testing.assert_array_equal(g(x=x), jac)
    assert ed.read_differential("d f = 0", "x", "x: vector(3)").shape == (3,)  # a gradient
    assert ed.read_differential("df = 0", "x", "f: vector(2); x: vector(3)").shape == (2, 3)
    with pytest.raises(ed.EinderivError, match="does not say the shape of y"):
        ed.read_differential("dy = 0", "x", "x: vector(3)")


# d((P - P)(x + y)) = 0 by P, x and y: printed dy = 0, which read back (with the declarations)
# as the zero of the variable y's shape, 3, not the result's, 2; and by y, dy was the variable's
# own differential (found by tests/print_fuzz.py). The function is named apart from the
# variables now (dy_1), and reads back, declared, to numpy's central differences (zero)
@pytest.mark.parametrize("wrt", ["P", "x", "y"])
def test_a_function_differential_is_named_apart_from_the_variables(wrt):
    where = "x: vector(3); y: vector(3); P: matrix(2, 3)"
    rng = np.random.default_rng(5)
    values = {"x": rng.normal(size=3), "y": rng.normal(size=3), "P": rng.normal(size=(2, 3))}
    text = ed.diff("-((P - P) @ (x + y))", wrt, where=where).differential()
    assert text == "dy_1 = 0"
    jac = jacobian_fd(lambda x, y, P: -((P - P) @ (x + y)), values, wrt)
    expected = to_layout(jac, 1, values[wrt].ndim, "numerator")
    back = ed.read_differential(text, wrt, where + "; y_1: vector(2)")
    np.testing.assert_allclose(
        back(**{k: values[k] for k in back.variables if k in values}), expected
    )
    # a nonzero one too: dy_1 = A dx, where y is a variable (y: vector(2), y + A x)
    text = ed.diff("A x + y", "x", where="A: matrix(2, 3); x: vector(3); y: vector(2)")
    assert text.differential() == "dy_1 = A dx"


def test_cli_prints_a_matrix_differential(capsys):
    assert main(["diff", "A X B", "--wrt", "X", "--format", "differential"]) == 0
    out = capsys.readouterr().out.strip()
    g = ed.read_differential(out, "X")
    rng = np.random.default_rng(5)
    A, B, X = (rng.normal(size=(n, n)) for _ in range(3))
    jac = jacobian_fd(lambda X: A @ X @ B, {"X": X}, "X")
    np.testing.assert_allclose(g(A=A, B=B), to_layout(jac, 2, 2, "numerator"), atol=1e-6)


def test_a_long_sum_has_its_differential():
    # d(A0 X B0 + ... + A99 X B99) = A0 dX B0 + ... + A99 dX B99: written out term by term,
    # as many terms as the sum has (it was refused beyond 64)
    n = 100
    text = " + ".join(f"A{k} X B{k}" for k in range(n))
    printed = ed.diff(text, "X").differential()
    assert printed.count("dX") == n, printed[:200]
    rng = np.random.default_rng(5)
    values = {f"A{k}": rng.normal(size=(2, 2)) for k in range(n)}
    values.update({f"B{k}": rng.normal(size=(2, 2)) for k in range(n)})
    values["X"] = rng.normal(size=(2, 2))

    def y(**v):
        return sum(v[f"A{k}"] @ v["X"] @ v[f"B{k}"] for k in range(n))

    jac = jacobian_fd(y, values, "X")
    g = ed.read_differential(printed, "X")
    arrays = {k: v for k, v in values.items() if k in g.variables}
    np.testing.assert_allclose(g(**arrays), to_layout(jac, 2, 2, "numerator"), atol=1e-6)


@pytest.mark.parametrize(
    "expr, wrt",
    [("tr(inv(D + kron(y', A) V))", "V"), ("inv(D + kron(y', A) V) x", "V")],
)
def test_a_differential_by_a_variable_of_product_size_reads_back(expr, wrt):
    # V is (m p)-by-n, a size only inferred (m*p): read_differential declared dV: matrix(p*m,
    # n), which a declaration cannot state ('unexpected *'); d tr(inv(M)) = -tr(M^-2 dM),
    # dM = kron(y', A) dV; read back against numpy central differences
    where = "D: matrix(n, n); A: matrix(n, p); y: vector(m); x: vector(n)"
    rng = np.random.default_rng(26)
    m, p = 2, 2
    values = {
        "D": rng.normal(size=(n, n)) + 6 * np.eye(n),
        "A": 0.5 * rng.normal(size=(n, p)),
        "y": 0.5 * rng.normal(size=m),
        "x": rng.normal(size=n),
        "V": 0.5 * rng.normal(size=(m * p, n)),
    }
    ky = np.kron(values["y"][None, :], values["A"])
    plain = {
        "tr(inv(D + kron(y', A) V))": lambda D, V, **_: np.trace(inv(D + ky @ V)),
        "inv(D + kron(y', A) V) x": lambda D, V, x, **_: inv(D + ky @ V) @ x,
    }[expr]
    printed = ed.diff(expr, wrt, where=where).differential()
    g = ed.read_differential(printed, wrt, where=where)
    jac = jacobian_fd(plain, values, wrt)
    expected = to_layout(jac, jac.ndim - 2, 2, "numerator")
    np.testing.assert_allclose(
        g(**{k: v for k, v in values.items() if k in g.variables}), expected, atol=1e-6
    )


def test_the_differential_of_a_second_derivative_by_a_matrix_of_product_size_reads_back():
    # Y = d tr(kron(B, p) A) / dB (numerator layout: m-by-n for B n-by-m), linear in A of
    # m-by-(q n); dY = dA kron(I, p), once declared dA: matrix(m, q*n), which does not parse.
    # Read back against numpy central differences: Y(A) by differences in B, then by A
    rng = np.random.default_rng(261)
    n, m, q = 2, 3, 2
    B, p, A = rng.normal(size=(n, m)), rng.normal(size=q), rng.normal(size=(m, q * n))

    def y(A):  # d tr(kron(B, p) A) / dB, transposed to numerator layout (linear: a wide step)
        f = lambda B: np.trace(np.kron(B, p[:, None]) @ A)
        return jacobian_fd(f, {"B": B}, "B", eps=0.1).T

    printed = ed.diff(ed.diff("tr(kron(B, p) A)", "B"), "A").differential()
    assert printed == "d(df/dB) = dA kron(I, p)"  # Y named: the derivative by B (was dY)
    jac = jacobian_fd(y, {"A": A}, "A", eps=0.1)  # m x n x m x (q n); Y linear in A
    expected = to_layout(jac, 2, 2, "numerator")
    g = ed.read_differential(printed, "A")  # A sized as dA (once m-by-q, not tied to dA)
    np.testing.assert_allclose(g(A=A, p=p), expected, atol=1e-6)
    g = ed.read_differential(printed, "A", where=f"A: matrix({m}, {q * n}); p: vector({q})")
    assert g.shape == (m, n, q * n, m)  # I of n: q*n = 4 with q = 2
    np.testing.assert_allclose(g(A=A, p=p), expected, atol=1e-6)
