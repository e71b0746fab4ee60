"""The Python API of SPEC section 3: parse and evaluate (against plain numpy on the ORIGINAL
values), .shape, derivatives by absent or unknown variables, and the errors of SPEC section 5.
"""

from __future__ import annotations

import os
import re
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import (
    assert_close,
    gen,
    invertible,
    jacobian_fd,
    positive,
    rng_for,
    to_layout,
)

ed = pytest.importorskip("einderiv")

inv = np.linalg.inv
det = np.linalg.det
mpow = np.linalg.matrix_power


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ============================================================================================
# parse + evaluate against plain numpy
# ============================================================================================


def _pool() -> dict:
    r = rng_for("pool")
    return {
        "X": invertible(r, 3), "A": gen(r, 3, 3), "B": gen(r, 3, 3), "P": gen(r, 2, 3),
        "Y": positive(r, 3, 3),
        "x": gen(r, 3), "y": positive(r, 3), "z": gen(r, 3), "a": gen(r, 3), "b": gen(r, 3),
        "t": 1.5, "s": 0.7, "alpha_2": -0.4, "k": 3,
    }  # fmt: skip


POOL = _pool()
WHERE = (
    "X: matrix(n, n); A: matrix(n, n); B: matrix(n, n); P: matrix(m, n); Y: matrix(n, n); "
    "x: vector(n); y: vector(n); z: vector(n); a: vector(n); b: vector(n); "
    "t: scalar; s: scalar; alpha_2: scalar; k: integer"
)


def args_for(expr: str) -> dict:
    """The pool variables that occur in ``expr`` (as whole names; not index names in [...])."""
    text = re.sub(r"\[[^\]]*\]", "", expr)
    return {k: v for k, v in POOL.items() if re.search(rf"(?<![A-Za-z_]){k}(?![A-Za-z0-9_])", text)}


EVAL_CASES = [
    ("tr(X' A X)", lambda X, A: np.trace(X.T @ A @ X)),
    ("x' A x", lambda x, A: x @ A @ x),
    ("A x + b", lambda A, x, b: A @ x + b),
    ("A x", lambda A, x: A @ x),
    ("A * x", lambda A, x: A @ x),
    ("A @ x", lambda A, x: A @ x),
    ("A B x", lambda A, B, x: A @ B @ x),
    ("P x", lambda P, x: P @ x),
    ("P' P", lambda P: P.T @ P),
    ("x y'", lambda x, y: np.outer(x, y)),
    ("x' y", lambda x, y: x @ y),
    ("X'", lambda X: X.T),
    ("X^T", lambda X: X.T),
    ("X.T", lambda X: X.T),
    ("inv(X)", lambda X: inv(X)),
    ("X^-1", lambda X: inv(X)),
    ("X^{-1}", lambda X: inv(X)),
    ("X^-T", lambda X: inv(X).T),
    ("X^{-T}", lambda X: inv(X).T),
    ("X^-1 A", lambda X, A: inv(X) @ A),
    ("X^3", lambda X: mpow(X, 3)),
    ("X^k", lambda X, k: mpow(X, k)),
    ("X^(k-1)", lambda X, k: mpow(X, k - 1)),
    ("X^(2k)", lambda X, k: mpow(X, 2 * k)),
    ("t^2.5", lambda t: t**2.5),
    ("t^s", lambda t, s: t**s),
    ("-t^2", lambda t: -(t**2)),
    ("tr(X)", lambda X: np.trace(X)),
    ("det(X)", lambda X: det(X)),
    ("|X|", lambda X: det(X)),
    ("logdet(X)", lambda X: np.log(det(X))),
    ("log|X|", lambda X: np.log(det(X))),
    ("log(det(X))", lambda X: np.log(det(X))),
    ("|X' A X|", lambda X, A: det(X.T @ A @ X)),
    ("diag(x)", lambda x: np.diag(x)),
    ("diag(X)", lambda X: np.diag(X)),
    ("sum(X)", lambda X: np.sum(X)),
    ("sum(x)", lambda x: np.sum(x)),
    ("norm2(x)", lambda x: np.linalg.norm(x)),
    ("norm2(X)", lambda X: np.linalg.norm(X)),
    ("exp(x)", lambda x: np.exp(x)),
    ("log(y)", lambda y: np.log(y)),
    ("sin(X)", lambda X: np.sin(X)),
    ("cos(x)", lambda x: np.cos(x)),
    ("tanh(A)", lambda A: np.tanh(A)),
    ("sqrt(Y)", lambda Y: np.sqrt(Y)),
    ("sigmoid(z)", lambda z: sigmoid(z)),
    ("softplus(z)", lambda z: np.logaddexp(0, z)),
    ("exp(t)", lambda t: np.exp(t)),
    ("x .* y", lambda x, y: x * y),
    ("x ./ y", lambda x, y: x / y),
    ("x .^ 2", lambda x: x**2),
    ("2 .^ x", lambda x: 2.0**x),  # scalar base applies to every entry of the exponent
    ("y .^ x", lambda y, x: y**x),
    ("2 .^ Y", lambda Y: 2.0**Y),
    ("Y .^ t", lambda Y, t: Y**t),
    ("A .* B", lambda A, B: A * B),
    ("A / t", lambda A, t: A / t),
    ("A x / t", lambda A, x, t: A @ x / t),
    ("-A + B", lambda A, B: -A + B),
    ("A - B", lambda A, B: A - B),
    ("1 + exp(z)", lambda z: 1 + np.exp(z)),
    ("log(1 + exp(z))", lambda z: np.log(1 + np.exp(z))),
    ("2 - A", lambda A: 2 - A),
    ("ones' x", lambda x: np.sum(x)),
    ("(I + A) x", lambda A, x: (np.eye(3) + A) @ x),
    ("2 * x", lambda x: 2 * x),
    ("0.5 x", lambda x: 0.5 * x),
    ("1e-3 x", lambda x: 1e-3 * x),
    ("alpha_2 x", lambda alpha_2, x: alpha_2 * x),
    ("a' x .^ 2", lambda a, x: a @ x**2),
    ("x' A x * x' x", lambda x, A: (x @ A @ x) * (x @ x)),
    ("(x' y)^2", lambda x, y: (x @ y) ** 2),
    ("exp(x' y)", lambda x, y: np.exp(x @ y)),
    ("tr(X^-1 A)", lambda X, A: np.trace(inv(X) @ A)),
    ("x' X^{-1} y", lambda x, X, y: x @ inv(X) @ y),
    ("norm2(A x - b)^2", lambda A, x, b: np.linalg.norm(A @ x - b) ** 2),
    ("sum(log(1 + exp(-y .* (A x))))", lambda y, A, x: np.sum(np.log(1 + np.exp(-y * (A @ x))))),
    ("A[i,k] x[k]", lambda A, x: A @ x),
    ("x[i] y[i]", lambda x, y: x @ y),
    ("A[i,j] B[j,k]", lambda A, B: A @ B),
    ("x[i] y[j]", lambda x, y: np.outer(x, y)),
    ("delta[i,j] x[j]", lambda x: x),
    ("X[i,j] A[j,i]", lambda X, A: np.trace(X @ A)),
]


@pytest.mark.parametrize("expr,fn", EVAL_CASES, ids=[c[0] for c in EVAL_CASES])
def test_parse_evaluates_like_numpy(expr, fn):
    args = args_for(expr)
    expected = np.asarray(fn(**args), dtype=float)
    got = ed.parse(expr, where=WHERE)(**args)
    assert_close(got, expected, rtol=1e-10, atol=1e-12, what=expr)  # scalars 0-D, vectors 1-D


@pytest.mark.parametrize(
    "expr,fn",
    [
        ("tr(X' A X)", lambda X, A: np.trace(X.T @ A @ X)),
        ("x' A x", lambda x, A: x @ A @ x),
        ("A x + b", lambda A, x, b: A @ x + b),
        ("log|X|", lambda X: np.log(det(X))),
        ("x y'", lambda x, y: np.outer(x, y)),
    ],
)
def test_parse_without_declarations(expr, fn):
    # undeclared: upper-case -> matrix, lower-case -> vector; sizes from use
    args = args_for(expr)
    assert_close(ed.parse(expr)(**args), fn(**args), rtol=1e-10, atol=1e-12, what=expr)


def test_parse_with_newline_separated_declarations():
    f = ed.parse("tr(X' A X)", where="X: matrix(m, n)\nA: matrix(m, m)")
    r = rng_for("nl")
    X, A = gen(r, 3, 2), gen(r, 3, 3)
    assert_close(f(X=X, A=A), np.trace(X.T @ A @ X))


def test_parse_non_square_and_integer_dims():
    r = rng_for("dims")
    X, A = gen(r, 4, 2), gen(r, 4, 4)
    f = ed.parse("tr(X' A X)", where="X: matrix(4, 2); A: matrix(4, 4)")
    assert_close(f(X=X, A=A), np.trace(X.T @ A @ X))
    assert tuple(f.shape) == ()


# ============================================================================================
# shapes
# ============================================================================================


def names(shape) -> tuple:
    return tuple(str(d) for d in shape)


@pytest.mark.parametrize(
    "expr,where,shape",
    [
        ("tr(X' A X)", "X: matrix(m, n)", ()),
        ("A x", "A: matrix(m, n); x: vector(n)", ("m",)),
        ("X' X", "X: matrix(m, n)", ("n", "n")),
        ("X X'", "X: matrix(m, n)", ("m", "m")),
        ("x y'", "x: vector(m); y: vector(n)", ("m", "n")),
        ("x' y", "x: vector(n); y: vector(n)", ()),
        ("A x", "A: matrix(3, 4); x: vector(4)", ("3",)),
        ("diag(x)", "x: vector(n)", ("n", "n")),
        ("diag(X)", "X: matrix(n, n)", ("n",)),
        ("inv(X)", "X: matrix(n, n)", ("n", "n")),
    ],
)
def test_parse_shape(expr, where, shape):
    assert names(ed.parse(expr, where=where).shape) == shape


@pytest.mark.parametrize(
    "expr,wrt,where,layout,shape",
    [
        ("tr(X' A X)", "X", "X: matrix(m, n)", "numerator", ("n", "m")),
        ("tr(X' A X)", "X", "X: matrix(m, n)", "denominator", ("m", "n")),
        ("tr(X' A X)", "X", "X: matrix(m, n)", "jacobian", ("m", "n")),
        ("A x", "x", "A: matrix(m, n); x: vector(n)", "numerator", ("m", "n")),
        ("A x", "x", "A: matrix(m, n); x: vector(n)", "denominator", ("n", "m")),
        ("A x", "x", "A: matrix(m, n); x: vector(n)", "jacobian", ("m", "n")),
        ("a' x", "x", "x: vector(n)", "numerator", ("n",)),
        ("a' x", "x", "x: vector(n)", "denominator", ("n",)),
        ("t A", "t", "t: scalar; A: matrix(m, n)", "numerator", ("m", "n")),
        ("t A", "t", "t: scalar; A: matrix(m, n)", "denominator", ("n", "m")),
        ("A X B", "X", "A: matrix(p, m); X: matrix(m, n); B: matrix(n, q)", "numerator",
         ("p", "q", "n", "m")),
        ("A X B", "X", "A: matrix(p, m); X: matrix(m, n); B: matrix(n, q)", "denominator",
         ("m", "n", "q", "p")),
        ("A X B", "X", "A: matrix(p, m); X: matrix(m, n); B: matrix(n, q)", "jacobian",
         ("p", "q", "m", "n")),
        ("x' A x", "A", "x: vector(n)", "jacobian", ("n", "n")),  # A inferred n-by-n
    ],
)  # fmt: skip
def test_diff_shape(expr, wrt, where, layout, shape):
    assert names(ed.diff(expr, wrt, where=where, layout=layout).shape) == shape


def test_hessian_and_elementwise_shapes():
    assert names(ed.hessian("x' A x", "x", where="x: vector(n)").shape) == ("n", "n")
    h = ed.hessian("tr(X' A X)", "X", where="X: matrix(m, n)")
    assert names(h.shape) == ("m", "n", "m", "n")
    e = ed.diff("tr(X' A X)", "X[i,j]", where="X: matrix(m, n)")
    assert names(e.shape) == ("m", "n")
    e = ed.diff("A x", "x[i]", where="A: matrix(m, n); x: vector(n)")
    assert names(e.shape) == ("m", "n")


def test_evaluated_shapes_match_shape_attribute():
    r = rng_for("evshape")
    X, A = gen(r, 3, 2), gen(r, 3, 3)
    for layout, shape in (("numerator", (2, 3)), ("denominator", (3, 2)), ("jacobian", (3, 2))):
        g = ed.diff("tr(X' A X)", "X", where="X: matrix(m, n)", layout=layout)
        assert g(X=X, A=A).shape == shape
    assert np.ndim(ed.parse("x' x")(x=gen(r, 3))) == 0
    assert np.ndim(ed.diff("x' x", "x")(x=gen(r, 3))) == 1


# ============================================================================================
# derivative by an absent variable, by an unknown name
# ============================================================================================


def test_diff_by_declared_absent_vector_is_zero():
    where = "a: vector(n); x: vector(n); y: vector(p)"
    r = rng_for("absent")
    a, x, y = gen(r, 3), gen(r, 3), gen(r, 4)
    for layout in ("numerator", "denominator", "jacobian"):
        g = ed.diff("a' x", "y", where=where, layout=layout)
        got = g(a=a, x=x, y=y)
        expected = jacobian_fd(lambda a, x, y: a @ x, {"a": a, "x": x, "y": y}, "y")
        assert_close(got, to_layout(expected, 0, 1, layout))
        assert_close(got, np.zeros(4))


def test_diff_by_declared_absent_matrix_is_zero():
    where = "A: matrix(m, n); x: vector(n); X: matrix(p, q)"
    r = rng_for("absent-m")
    A, x, X = gen(r, 3, 2), gen(r, 2), gen(r, 4, 5)
    for layout, shape in (("numerator", (3, 5, 4)), ("denominator", (4, 5, 3)),
                          ("jacobian", (3, 4, 5))):  # fmt: skip
        got = ed.diff("A x", "X", where=where, layout=layout)(A=A, x=x, X=X)
        assert_close(got, np.zeros(shape), what=layout)


def test_diff_of_a_constant_scalar_by_matrix_is_zero():
    where = "A: matrix(n, n); X: matrix(m, n)"
    r = rng_for("const")
    A, X = gen(r, 2, 2), gen(r, 3, 2)
    assert_close(ed.diff("tr(A)", "X", where=where)(A=A, X=X), np.zeros((2, 3)))


@pytest.mark.parametrize("where", [None, "a: vector(n); x: vector(n)"])
def test_diff_by_unknown_name_raises(where):
    with pytest.raises(ed.EinderivError) as info:
        ed.diff("a' x", "z", where=where)
    assert "z" in str(info.value)
    with pytest.raises(ed.EinderivError):
        ed.hessian("a' x", "z", where=where)


def test_unknown_layout_raises():
    with pytest.raises(ed.EinderivError):
        ed.diff("a' x", "x", layout="sideways")


# ============================================================================================
# errors
# ============================================================================================


def test_error_hierarchy():
    assert issubclass(ed.EinderivError, ValueError)
    assert issubclass(ed.ParseError, ed.EinderivError)
    assert issubclass(ed.ShapeError, ed.EinderivError)


@pytest.mark.parametrize("text", ["tr(X' A X", "x +", "(x", "x y)", "a + * b", "A x ]"])
def test_parse_error_has_line_and_column(text):
    with pytest.raises(ed.ParseError) as info:
        ed.parse(text)
    e = info.value
    assert e.line == 1
    assert isinstance(e.column, int) and 1 <= e.column <= len(text) + 1
    assert "^" in str(e)  # the offending text with a caret under it


def test_parse_error_column_points_at_the_offending_token():
    with pytest.raises(ed.ParseError) as info:
        ed.parse("a + * b")
    assert (info.value.line, info.value.column) == (1, 5)  # 1-based, at "*"


def test_parse_error_in_declarations_on_second_line():
    with pytest.raises(ed.ParseError) as info:
        ed.parse("x' A x", where="A: matrix(n, n)\nx: vector(n")
    assert info.value.line == 2
    assert isinstance(info.value.column, int)


def test_diff_parse_error():
    with pytest.raises(ed.ParseError):
        ed.diff("tr(X' A X", "X")


@pytest.mark.parametrize(
    "where", ["A: matrix(m, n); x: vector(p)", "A: matrix(3, 4); x: vector(5)"]
)
def test_shape_error_names_subexpression(where):
    with pytest.raises(ed.ShapeError) as info:
        ed.parse("A x", where=where)
    msg = str(info.value)
    assert re.search(r"A\s*(\*|@)?\s*x", msg), msg  # the sub-expression
    dims = ("n", "p") if "m, n" in where else ("4", "5")
    for d in dims:  # the conflicting dimensions
        assert re.search(rf"(?<![A-Za-z0-9_]){d}(?![A-Za-z0-9_])", msg), msg
    with pytest.raises(ed.ShapeError):
        ed.diff("A x", "x", where=where)


def test_shape_error_for_sum_of_different_lengths():
    with pytest.raises(ed.ShapeError):
        ed.parse("x + y", where="x: vector(m); y: vector(n)")


@pytest.mark.parametrize(
    "text, where",
    [
        ("tr(X) + sum_{X=0}^{2}(X)", "X: matrix(n, n)"),  # was a wrong answer: an n x n array
        ("sum_{X=0}^{2}(X) + tr(X)", None),
        ("sum_{r=0}^{2}(sum_{r=0}^{1}(r))", None),  # a nested sum reusing its parent's counter
        ("sum_{k=0}^{2}(k) + k", "k: integer"),
    ],
)
def test_sum_counter_named_like_a_variable_is_refused(text, where):
    with pytest.raises(ed.ShapeError, match="counter"):
        ed.parse(text, where=where)


def test_sibling_sums_may_share_a_counter():
    # sum_{r=0}^{2} r + sum_{r=0}^{3} r = 3 + 6
    assert float(ed.parse("sum_{r=0}^{2}(r) + sum_{r=0}^{3}(r)")()) == 9.0


def test_a_written_out_sum_drops_its_zero_term():
    # d/dX sum_{r=0}^{3} tr(X^r) = I + 2 X' + 3 (X^2)': the r = 0 term is 0, even where X is
    # singular (it was printed 0 X^-1 and evaluated the inverse of X)
    g = ed.diff("sum_{r=0}^{3}(tr(X^r))", "X")
    X = np.array([[1.0, 2.0], [3.0, 6.0]])  # singular, not symmetric
    f = lambda X: np.trace(np.eye(2) + X + X @ X + X @ X @ X)
    want = to_layout(jacobian_fd(f, {"X": X}, "X"), 0, 2, "numerator")
    np.testing.assert_allclose(g(X=X), want, atol=1e-6)
    np.testing.assert_allclose(ed.parse(str(g))(X=X), g(X=X), rtol=1e-12)


def test_evaluation_with_wrong_length_names_the_variable():
    f = ed.parse("a' x", where="a: vector(3); x: vector(3)")
    with pytest.raises(ed.EinderivError) as info:
        f(a=np.ones(3), x=np.ones(4))
    assert re.search(r"(?<![A-Za-z0-9_])x(?![A-Za-z0-9_])", str(info.value)), str(info.value)


def test_evaluation_with_wrong_ndim_names_the_variable():
    f = ed.parse("tr(X)", where="X: matrix(n, n)")
    with pytest.raises(ed.EinderivError) as info:
        f(X=np.ones(3))
    assert re.search(r"(?<![A-Za-z0-9_])X(?![A-Za-z0-9_])", str(info.value)), str(info.value)


def test_evaluation_with_inconsistent_sizes_raises():
    f = ed.parse("A x", where="A: matrix(m, n); x: vector(n)")
    with pytest.raises(ed.EinderivError) as info:
        f(A=np.ones((3, 2)), x=np.ones(3))
    msg = str(info.value)
    assert re.search(r"(?<![A-Za-z0-9_])(A|x)(?![A-Za-z0-9_])", msg), msg


def test_evaluation_of_derivative_with_wrong_shape_names_the_variable():
    g = ed.diff("tr(X' A X)", "X", where="X: matrix(m, n); A: matrix(m, m)")
    with pytest.raises(ed.EinderivError) as info:
        g(X=np.ones((3, 2)), A=np.ones((2, 2)))
    msg = str(info.value)
    assert re.search(r"(?<![A-Za-z0-9_])(A|X)(?![A-Za-z0-9_])", msg), msg


def test_evaluation_with_non_numeric_array_raises():
    f = ed.parse("x' x", where="x: vector(n)")
    with pytest.raises(ed.EinderivError):
        f(x="abc")


def test_evaluation_with_missing_variable_raises():
    f = ed.parse("a' x", where="a: vector(n); x: vector(n)")
    with pytest.raises(ed.EinderivError) as info:
        f(a=np.ones(3))
    assert "x" in str(info.value)


# ============================================================================================
# a derivative is an Expr: printed text reads back, differentiated again
# ============================================================================================

ROUNDTRIP = [
    ("tr(X' A X)", "X", "X: matrix(m, n); A: matrix(m, m)", lambda X, A: np.trace(X.T @ A @ X),
     lambda r: {"X": gen(r, 3, 2), "A": gen(r, 3, 3)}),
    ("x' A x", "x", "x: vector(n); A: matrix(n, n)", lambda x, A: x @ A @ x,
     lambda r: {"x": gen(r, 3), "A": gen(r, 3, 3)}),
    ("tr(inv(X) A)", "X", "X: matrix(n, n); A: matrix(n, n)", lambda X, A: np.trace(inv(X) @ A),
     lambda r: {"X": invertible(r, 3), "A": gen(r, 3, 3)}),
    ("log|X|", "X", "X: matrix(n, n)", lambda X: np.log(det(X)),
     lambda r: {"X": invertible(r, 3)}),
    ("tanh(A x)", "x", "A: matrix(m, n); x: vector(n)", lambda A, x: np.tanh(A @ x),
     lambda r: {"A": gen(r, 2, 3), "x": gen(r, 3)}),
    ("tr(X^3)", "X", "X: matrix(n, n)", lambda X: np.trace(mpow(X, 3)),
     lambda r: {"X": gen(r, 3, 3)}),
    ("|X' A X|", "X", "X: matrix(n, n); A: matrix(n, n)", lambda X, A: det(X.T @ A @ X),
     lambda r: {"X": invertible(r, 3), "A": gen(r, 3, 3) + 3 * np.eye(3)}),
    ("inv(I + t A)", "t", "t: scalar; A: matrix(n, n)", lambda t, A: inv(np.eye(3) + t * A),
     lambda r: {"t": 0.3, "A": gen(r, 3, 3, scale=0.3)}),
    ("X^k", "X", "X: matrix(n, n); k: integer", lambda X, k: mpow(X, k),
     lambda r: {"X": gen(r, 3, 3), "k": 3}),
    ("a", "x", "a: vector(m); x: vector(n)", lambda a, x: a + 0 * np.sum(x),
     lambda r: {"a": gen(r, 3), "x": gen(r, 2)}),
    ("sum(x .* x) + x' A x", "x", "x: vector(n); A: matrix(n, n)",
     lambda x, A: np.sum(x * x) + x @ A @ x, lambda r: {"x": gen(r, 3), "A": gen(r, 3, 3)}),
]  # fmt: skip


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("expr,wrt,where,fn,sample", ROUNDTRIP, ids=[c[0] for c in ROUNDTRIP])
def test_printed_derivative_reads_back(expr, wrt, where, fn, sample, layout):
    args = sample(rng_for(expr))
    jac = jacobian_fd(fn, args, wrt)
    ny = jac.ndim - np.ndim(args[wrt])
    expected = to_layout(jac, ny, np.ndim(args[wrt]), layout)
    g = ed.diff(expr, wrt, where=where, layout=layout)
    assert_close(g(**args), expected, what=f"{expr} {layout}")
    text = str(g)  # a zero prints as 0 and reads back at the derivative's shape (README)
    again = ed.parse(text, where=where, shape=g.shape if text == "0" else None)
    assert_close(again(**args), expected, what=f"parse(str(g)) = {text!r}")


def test_diff_of_diff_from_string_and_expr():
    r = rng_for("dd")
    A, x = gen(r, 3, 3), gen(r, 3)
    g = ed.diff("x' A x", "x", where="x: vector(n); A: matrix(n, n)")
    assert_close(ed.diff(g, "x")(A=A, x=x), A + A.T)
    assert_close(ed.diff(str(g), "x", where="x: vector(n); A: matrix(n, n)")(A=A, x=x), A + A.T)


# ============================================================================================
# property test: identities hold for any sizes 1..4 (1-by-1 matrices, length-1 vectors)
# ============================================================================================


@settings(max_examples=30, deadline=None)
@given(m_=st.integers(1, 4), n_=st.integers(1, 4), seed=st.integers(0, 2**31 - 1))
def test_dt5_and_c9_any_size(m_, n_, seed):
    r = np.random.default_rng(seed)
    X, A, x, B = gen(r, m_, n_), gen(r, m_, m_), gen(r, n_), gen(r, m_, n_)
    # (DT5) d tr(X'AX)/dX = X'(A + A')
    g = ed.diff("tr(X' A X)", "X", where="X: matrix(m, n); A: matrix(m, m)")
    jac = jacobian_fd(lambda X, A: np.trace(X.T @ A @ X), {"X": X, "A": A}, "X")
    assert_close(g(X=X, A=A), to_layout(jac, 0, 2, "numerator"))
    # (C9) d Bx/dx = B
    g = ed.diff("B x", "x", where="B: matrix(m, n); x: vector(n)", layout="denominator")
    jac = jacobian_fd(lambda B, x: B @ x, {"B": B, "x": x}, "x")
    assert_close(g(B=B, x=x), to_layout(jac, 1, 1, "denominator"))


@settings(max_examples=25, deadline=None)
@given(
    m_=st.integers(1, 4), n_=st.integers(1, 4), p_=st.integers(1, 4), seed=st.integers(0, 2**31 - 1)
)
def test_dt8_dd3_vv5_any_size(m_, n_, p_, seed):
    r = np.random.default_rng(seed)
    # (DT8) d tr(A X B X' C)/dX = B X' C A + B' X' A' C'
    X, A, B, C = gen(r, m_, n_), gen(r, p_, m_), gen(r, n_, n_), gen(r, m_, p_)
    where = "X: matrix(m, n); A: matrix(p, m); B: matrix(n, n); C: matrix(m, p)"
    g = ed.diff("tr(A X B X' C)", "X", where=where)
    args = {"X": X, "A": A, "B": B, "C": C}
    jac = jacobian_fd(lambda X, A, B, C: np.trace(A @ X @ B @ X.T @ C), args, "X")
    assert_close(g(**args), to_layout(jac, 0, 2, "numerator"), what="DT8")
    # (DD3) d log|X|/dX = X^-1
    Y = invertible(r, n_)
    g = ed.diff("log|X|", "X", where="X: matrix(n, n)", layout="denominator")
    jac = jacobian_fd(lambda X: np.log(det(X)), {"X": Y}, "X")
    assert_close(g(X=Y), to_layout(jac, 0, 2, "denominator"), what="DD3")
    # (VV5) chain rule, f(g) = sin(F g), g = tanh(G x)
    F, G, x = gen(r, m_, p_), gen(r, p_, n_), gen(r, n_)
    g = ed.diff("sin(F tanh(G x))", "x", where="F: matrix(m, p); G: matrix(p, n); x: vector(n)")
    jac = jacobian_fd(lambda F, G, x: np.sin(F @ np.tanh(G @ x)), {"F": F, "G": G, "x": x}, "x")
    assert_close(g(F=F, G=G, x=x), jac, what="VV5")


def test_printed_sum_counter_avoids_variable_names():
    # d/dX r' X^k r = sum_{s=0}^{k-1} (X^s)' r r' (X^(k-1-s))' : the counter is not called r
    g = ed.diff("r' X^k r", "X", where="k: integer")
    where = "k: integer; r: vector(n); X: matrix(n, n)"
    X = np.eye(3) + 0.1 * np.arange(9.0).reshape(3, 3)
    r = np.arange(3.0)
    for text in (str(g), g.index()):
        back = ed.parse(text, where=where)
        np.testing.assert_allclose(back(X=X, r=r, k=3), g(X=X, r=r, k=3))
    # and against finite differences of r' X^3 r (numerator layout: the transpose of the grad)
    eps, want = 1e-6, np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            E = np.zeros((3, 3))
            E[i, j] = eps
            f = [r @ np.linalg.matrix_power(X + s * E, 3) @ r for s in (1, -1)]
            want[j, i] = (f[0] - f[1]) / (2 * eps)
    np.testing.assert_allclose(g(X=X, r=r, k=3), want, rtol=1e-6)


@pytest.mark.parametrize("layout", ed.LAYOUTS)
def test_hessian_layouts_against_fd(layout):
    # J[i,j,k,l] = d2 f / dX[i,j] dX[k,l] of f = tr(X' A X B), by central differences; the
    # layout of both differentiations orders the axes: jacobian J; numerator J[i,j,k,l] at
    # [j,i,l,k]; denominator J[i,j,k,l] at [k,l,j,i] (every axis of numerator-of-denominator
    # reversed)
    rng = np.random.default_rng(3)
    X, A, B = rng.standard_normal((3, 2)), rng.standard_normal((3, 3)), rng.standard_normal((2, 2))

    def f(X):
        return np.trace(X.T @ A @ X @ B)

    eps, J = 1e-4, np.zeros((3, 2, 3, 2))
    for i, j, k, l in np.ndindex(J.shape):
        total = 0.0
        for si, sk in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            Y = X.copy()
            Y[i, j] += si * eps
            Y[k, l] += sk * eps
            total += si * sk * f(Y)
        J[i, j, k, l] = total / (4 * eps * eps)
    want = {
        "jacobian": J,
        "numerator": J.transpose(1, 0, 3, 2),
        "denominator": J.transpose(2, 3, 1, 0),
    }[layout]
    h = ed.hessian("tr(X' A X B)", "X", layout=layout)
    np.testing.assert_allclose(h(X=X, A=A, B=B), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.compile()(X=X, A=A, B=B), want, rtol=1e-5, atol=1e-6)


def test_nested_printed_sums_use_different_counters():
    # a sum inside a sum (negative power of a power with a symbolic exponent) reads back: the
    # inner counter is not the outer one (that would be refused as shadowing)
    text, where = "(W + (A^(2k))' A^(2k))^(-k)", "k: integer"
    g = ed.diff(text, "A", where=where)
    # never wrong; "right" needs every condition of the claim (A^s invertible where s < 0, for
    # the counters s of the printed sums) matched to the expression's, which check cannot do
    assert ed.check(text, "A", claim=g.index(), where=where).ok is not False


@pytest.mark.parametrize(
    "text, f",
    [
        ("det(W[i,j])", np.linalg.det),  # d det(W)/dW = det(W) W^-1 (numerator layout)
        ("logdet(W[j,i] + W[i,j])", lambda W: np.log(np.linalg.det(W + W.T))),
        ("det(W[i,k] W[k,j])", lambda W: np.linalg.det(W @ W)),
    ],
)
def test_determinant_of_index_notation(text, f):
    # the two free indices of the argument are the rows and columns of the matrix
    W = np.array([[2.0, 1.0], [0.5, 3.0]])
    where = "W: matrix(n, n)"
    assert np.isclose(ed.parse(text, where=where)(W=W), f(W))
    eps, want = 1e-6, np.zeros((2, 2))
    for i, j in np.ndindex(2, 2):
        E = np.zeros((2, 2))
        E[i, j] = eps
        want[j, i] = (f(W + E) - f(W - E)) / (2 * eps)  # numerator layout: d/dW[i,j] at [j,i]
    np.testing.assert_allclose(ed.diff(text, "W", where=where)(W=W), want, rtol=1e-6)


# bad arguments are EinderivErrors (review AH): an integer beyond every float in arithmetic
# on an Expr (was OverflowError), and sizes given to a compiled function's source() that are
# not positive integers or not its sizes (was a TypeError, or -3 accepted)
def test_huge_numbers_and_bad_source_sizes_are_einderiv_errors():
    with pytest.raises(ed.EinderivError, match="401 digits is too large for a float"):
        ed.parse("A") + 10**400
    fn = ed.diff("x' A x", "x").compile()
    assert "def _run" in fn.source(n=3)
    for sizes in ({"n": "x"}, {"n": -3}, {"n": True}, {"q": 3}):
        with pytest.raises(ed.EvaluationError):
            fn.source(**sizes)
