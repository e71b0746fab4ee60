"""Issue 10 items 5 and 6: names that collide with the language or with Python, and sizes that
must be tied through ``diag(diag(I))``.

Every value is judged by plain numpy written here; derivatives by central finite differences of
the original function (tests/fd.py).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import einderiv as ed
from einderiv.cli import main
from tests.fd import jacobian_fd, to_layout

RNG = np.random.default_rng(10)


def numerator_fd(fn, args: dict, wrt: str) -> np.ndarray:
    jac = jacobian_fd(fn, args, wrt)
    nx = np.ndim(args[wrt])
    return to_layout(jac, jac.ndim - nx, nx, "numerator")


def generated(g, **values):
    """Run ``ed.codegen(g)`` as plain Python with the values its signature asks for."""
    ns: dict = {}
    exec(ed.codegen(g), ns)  # noqa: S102
    fn = ns["f"]
    return fn(**{p: values[p] for p in inspect.signature(fn).parameters})


# -- item 5: names ------------------------------------------------------------------------------


def test_declared_integer_T_is_a_power_not_a_transpose():
    # SPEC 6.3: with T: integer, X^T is the T-th matrix power: tr(X^T) = tr(X X X) for T = 3
    X = RNG.standard_normal((3, 3))
    f = ed.parse("tr(X^T)", where="T: integer")
    assert np.isclose(f(X=X, T=3), np.trace(X @ X @ X))
    assert ed.parse(str(f), where="T: integer")(X=X, T=3) == pytest.approx(f(X=X, T=3))
    # X^-T with T: integer is (X^-1)^T
    g = ed.parse("tr(X^-T)", where="T: integer")
    assert np.isclose(g(X=X, T=2), np.trace(np.linalg.matrix_power(np.linalg.inv(X), 2)))
    # undeclared, T stays the transpose: tr(X^T A) = sum(X .* A)
    A = RNG.standard_normal((3, 3))
    assert np.isclose(ed.parse("tr(X^T A)")(X=X, A=A), np.sum(X * A))


def test_derivative_by_X_of_a_power_with_integer_named_T():
    # d tr(X^T)/dX = T (X^(T-1))' in the numerator layout... of the jacobian: T (X^(T-1))'
    X = RNG.standard_normal((3, 3))
    g = ed.diff("tr(X^T)", "X", where="T: integer", layout="jacobian")
    truth = jacobian_fd(lambda X: np.trace(np.linalg.matrix_power(X, 3)), {"X": X}, "X")
    assert np.allclose(g(X=X, T=3), truth, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["self", "args", "values", "fn"])
def test_any_variable_name_can_be_passed_by_keyword(name):
    # name' x = sum_i name[i] x[i], and its gradient by name is x
    a, x = RNG.standard_normal(4), RNG.standard_normal(4)
    f = ed.parse(f"{name}' x", where=f"{name}, x: vector(n)")
    assert np.isclose(f(**{name: a, "x": x}), a @ x)
    assert np.isclose(f.compile()(**{name: a, "x": x}), a @ x)
    g = ed.diff(f"{name}' A {name}", name, where=f"{name}: vector(n); A: matrix(n, n)")
    A = RNG.standard_normal((4, 4))
    truth = numerator_fd(lambda **v: v[name] @ A @ v[name], {name: a, "A": A}, name)
    for value in (g(**{name: a, "A": A}), g.compile()(**{name: a, "A": A})):
        assert np.allclose(value, truth, rtol=1e-6)
    assert np.allclose(generated(g, **{name: a, "A": A}), truth, rtol=1e-6)


def test_size_named_self_in_compiled_source():
    g = ed.diff("x' x", "x", where="x: vector(self)")
    assert "def " in g.compile().source(self=3)


CLASHES = [
    # (expression, where, wrt, numpy function of the values, values)
    ("sum(x)", "x: vector(x)", "x", lambda x: np.sum(x), {"x": RNG.standard_normal(3)}),
    ("sum(x)^2", "x: vector(x)", "x", lambda x: np.sum(x) ** 2, {"x": RNG.standard_normal(3)}),
    ("mean(x) x", "x: vector(x)", "x", lambda x: np.mean(x) * x, {"x": RNG.standard_normal(3)}),
    (
        "x sum(y)",
        "y: vector(x); x: scalar",
        "y",
        lambda x, y: x * np.sum(y),
        {"x": np.float64(1.5), "y": RNG.standard_normal(4)},
    ),
    (
        "x sum(y) + mean(y)",
        "y: vector(x); x: scalar",
        "y",
        lambda x, y: x * np.sum(y) + np.mean(y),
        {"x": np.float64(-2.0), "y": RNG.standard_normal(5)},
    ),
    (
        "tr(A) + x' x",
        "x: vector(A); A: matrix(A, A)",
        "A",
        lambda A, x: np.trace(A) + x @ x,
        {"A": RNG.standard_normal((3, 3)), "x": RNG.standard_normal(3)},
    ),
]


@pytest.mark.parametrize("text, where, wrt, fn, values", CLASHES)
def test_dimension_named_like_a_variable(text, where, wrt, fn, values):
    # the size x of x: vector(x) is read from an array, never confused with the variable x
    g = ed.diff(text, wrt, where=where)
    truth = numerator_fd(fn, values, wrt)
    assert np.allclose(g(**values), truth, rtol=1e-6, atol=1e-9)
    assert np.allclose(g.compile()(**values), truth, rtol=1e-6, atol=1e-9)
    assert np.allclose(generated(g, **values), truth, rtol=1e-6, atol=1e-9)


def test_size_parameter_when_no_array_has_it():
    # d(n sum(y))/dy = n ones': the size of y is a parameter only when no array gives it
    g = ed.diff("c sum(y)", "y", where="y: vector(n); c: scalar")
    y = RNG.standard_normal(3)
    truth = numerator_fd(lambda c, y: c * np.sum(y), {"c": np.float64(2.0), "y": y}, "y")
    ns: dict = {}
    exec(ed.codegen(g), ns)  # noqa: S102
    params = list(inspect.signature(ns["f"]).parameters)
    assert len(params) == len(set(params))
    args = {"c": 2.0, "n": 3, "y": y}
    assert np.allclose(ns["f"](**{p: args[p] for p in params}), truth)


# -- item 6: shapes -----------------------------------------------------------------------------


def test_diag_of_diag_of_I_ties_its_sizes():
    # diag(diag(I)) = I, so inv(diag(diag(I)) C) = inv(C), square like C
    f = ed.parse("inv(diag(diag(I)) C)")
    assert f.shape[0] == f.shape[1] == f.variables["C"].dims[0]
    C = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
    assert np.allclose(f(C=C), np.linalg.inv(C))
    # a power of I is tied the same way: tr(I^2 A) = tr(A)
    A = RNG.standard_normal((3, 3))
    assert np.isclose(ed.parse("tr(I^2 A)")(A=A), np.trace(A))


def test_derivative_through_diag_of_diag_of_I():
    # d(x' diag(diag(I)) x)/dx = 2 x'
    x = RNG.standard_normal(5)
    g = ed.diff("x' diag(diag(I)) x", "x")
    truth = numerator_fd(lambda x: x @ np.diag(np.diag(np.eye(5))) @ x, {"x": x}, "x")
    assert np.allclose(g(x=x), truth, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.allclose(ed.parse(str(g))(x=x), truth, rtol=1e-6)


def test_cli_diff_through_diag_of_diag_of_I(capsys):
    assert main(["diff", "x' diag(diag(I)) x", "--wrt", "x"]) == 0
    out = capsys.readouterr().out.strip()
    x = RNG.standard_normal(4)
    truth = numerator_fd(lambda x: x @ x, {"x": x}, "x")
    assert np.allclose(ed.parse(out)(x=x), truth, rtol=1e-6)
