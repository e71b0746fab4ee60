"""Expr arithmetic, equality and hashing (issue 15 item 6, einderiv/expr_ops.py).

``+ - * @ /``, unary ``-`` and ``.T`` build expressions that mean what the language means
(SPEC section 1: ``*`` is the matrix product, as ``@``; scaling when a side is a scalar);
their values are compared with numpy, and their derivatives with finite differences.
"""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import einderiv as ed

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import assert_close, gen, jacobian_fd, rng_for, to_layout

RNG = rng_for("expr-algebra")
A0, B0, X0 = gen(RNG, 3, 4), gen(RNG, 3, 4), gen(RNG, 4, 2)
S0 = gen(RNG, 3, 3)
x0, y0 = gen(RNG, 4), gen(RNG, 3)
A, B, X, S = ed.parse("A"), ed.parse("B"), ed.parse("X"), ed.parse("S")
x, y = ed.parse("x"), ed.parse("y")


def value(e: ed.Expr):
    arrays = {"A": A0, "B": B0, "X": X0, "S": S0, "x": x0, "y": y0}
    return e(**{k: v for k, v in arrays.items() if k in e.variables})


@pytest.mark.parametrize(
    "built, expected",
    [
        (lambda: A + B, lambda: A0 + B0),  # A + B
        (lambda: A - B, lambda: A0 - B0),  # A - B
        (lambda: -A, lambda: -A0),  # -A
        (lambda: A @ X, lambda: A0 @ X0),  # A @ X: matrix product
        (lambda: A * X, lambda: A0 @ X0),  # A * X: the language's *, also the matrix product
        (lambda: A * x, lambda: A0 @ x0),  # a matrix times a vector
        (lambda: y.T @ A, lambda: y0 @ A0),  # y' A: a row
        (lambda: y.T @ A @ x, lambda: y0 @ A0 @ x0),  # y' A x: a scalar
        (lambda: x @ x.T, lambda: np.outer(x0, x0)),  # x x': an outer product
        (lambda: 2 * A, lambda: 2 * A0),  # scaling, number on the left
        (lambda: A * 0.5, lambda: 0.5 * A0),  # and on the right
        (lambda: -1.5 @ A, lambda: -1.5 * A0),  # @ with a number scales too (SPEC 1)
        (lambda: np.float32(2) * A, lambda: 2 * A0),  # a numpy scalar defers to Expr
        (lambda: A + 1, lambda: A0 + 1),  # a scalar is added to every entry
        (lambda: 1 - A, lambda: 1 - A0),
        (lambda: A / 4, lambda: A0 / 4),  # division by a scalar
        (lambda: A.T, lambda: A0.T),  # transpose
        (lambda: (A + B).T @ S, lambda: (A0 + B0).T @ S0),
        (lambda: A.emul(B), lambda: A0 * B0),  # the elementwise product is .emul (.*)
        (lambda: (y.T @ A @ x) * A, lambda: (y0 @ A0 @ x0) * A0),  # scalar Expr scales
        (lambda: A / (y.T @ y), lambda: A0 / (y0 @ y0)),  # by a scalar Expr
    ],
)
def test_built_expression_values_match_numpy(built, expected):
    assert_close(value(built()), expected())


def test_operands_with_numeric_sizes_keep_them():
    # A: matrix(3, 4) and x: vector(4) declared with numbers: A x is a vector of length 3
    a = ed.parse("A", where="A: matrix(3, 4)")
    v = ed.parse("x", where="x: vector(4)")
    assert (a @ v).shape == (3,)
    with pytest.raises(ed.ShapeError):
        a @ ed.parse("x", where="x: vector(5)")  # 4 columns, 5 entries


def test_a_derivative_builds_on(capsys):
    # g = d tr(X' M X)/dX = X' (M + M') (numerator); g + g, 2 g and g' against finite differences
    rng = rng_for("expr-algebra-derivative")
    M0, Z0 = gen(rng, 3, 3), gen(rng, 3, 2)

    def f(X, M):
        return np.trace(X.T @ M @ X)

    g = ed.diff("tr(X' M X)", "X")
    fd = to_layout(jacobian_fd(f, {"X": Z0, "M": M0}, "X"), 0, 2, "numerator")
    assert_close((g + g)(X=Z0, M=M0), 2 * fd)
    assert_close((2 * g)(X=Z0, M=M0), 2 * fd)
    assert_close(g.T(X=Z0, M=M0), fd.T)
    assert g + g == 2 * g


def test_a_zero_derivative_keeps_its_shape():
    # d(y' A x)/dB = 0, a 3-by-4 zero: 0 + A is A, and 0 x is a zero vector (whose length
    # nothing in it fixes: it is passed by name)
    zero = ed.diff("y' A x", "B", where="B: matrix(3, 4); A: matrix(3, 4)")
    assert str(zero) == "0"
    assert_close(value(zero + A), A0)
    v = zero @ x
    assert_close(v(x=x0, **{v.shape[0]: 3}), np.zeros(3))


def test_the_derivative_of_a_built_expression():
    # d/dx of x' (A' A) x built from parts = 2 x' A' A (numerator), by finite differences
    q = x.T @ A.T @ A @ x
    g = ed.diff(q, "x")
    fd = jacobian_fd(lambda x, A: x @ A.T @ A @ x, {"x": x0, "A": A0}, "x")
    assert_close(g(x=x0, A=A0), fd)


def test_shape_mismatch_names_the_parts():
    with pytest.raises(ed.ShapeError) as caught:
        (A @ x) + B  # a vector plus a matrix
    assert "A x" in str(caught.value) and "B" in str(caught.value)
    with pytest.raises(ed.ShapeError) as caught:
        ed.parse("x", where="x: vector(3)") + ed.parse("x", where="x: vector(4)")
    assert "vector(3)" in str(caught.value) and "vector(4)" in str(caught.value)
    with pytest.raises(ed.ShapeError) as caught:
        ed.parse("a", where="a: scalar") + ed.parse("a")  # a scalar, then a vector
    assert "a: scalar" in str(caught.value) and "a: vector" in str(caught.value)


def test_operands_that_are_not_expressions_or_numbers():
    with pytest.raises(TypeError):
        A + "B"
    with pytest.raises(TypeError):
        A @ np.ones((3, 3))
    with pytest.raises(ed.EinderivError):
        A * float("nan")
    with pytest.raises(TypeError):
        A * True


BAD_OPERANDS = [
    # (operand, its type as the error names it, the hint)
    (None, "None", ""),
    ("B", "a str ('B')", "ed.parse('B')"),
    ([1.0, 2.0], "a list", "e(A=array)"),
    ({"A": 1}, "a dict", "e(A=array)"),
    (object(), "an object", ""),
    (np.ones((3, 4)), "a numpy.ndarray", "e(A=array)"),
    (np.array(2.0), "a numpy.ndarray", "float(a)"),
    (True, "a bool", "use 1 or 0"),
    (np.bool_(True), "a numpy.bool", "use 1 or 0"),
    (1 + 2j, "a complex", "real"),
    (Decimal("1.5"), "a decimal.Decimal", "float()"),
]
OPERATORS = [
    ("+", lambda a, b: a + b, lambda a, b: b + a),
    ("-", lambda a, b: a - b, lambda a, b: b - a),
    ("*", lambda a, b: a * b, lambda a, b: b * a),
    ("@", lambda a, b: a @ b, lambda a, b: b @ a),
    ("/", lambda a, b: a / b, lambda a, b: b / a),
    (".*", lambda a, b: a.emul(b), None),
]


@pytest.mark.parametrize("operand, named, hint", BAD_OPERANDS, ids=lambda v: repr(v)[:12])
def test_a_bad_operand_is_an_einderiv_error_naming_its_type(operand, named, hint):
    # e + None raised Python's bare "unsupported operand type(s)"; now, on either side, an
    # EinderivError (and still a TypeError) naming the operand and what an operand may be
    for symbol, right, left in OPERATORS:
        for combine in (right, left) if left else (right,):
            with pytest.raises(ed.EinderivError) as caught:
                combine(A, operand)
            assert isinstance(caught.value, TypeError)
            said = str(caught.value)
            assert f"an expression and {named} by {symbol}:" in said, said
            assert "an Expr or a real number" in said and hint in said


def test_numbers_on_either_side_still_combine():
    # 2 A = A 2, np.float64(2) A, Fraction(1, 4) - A: numbers (and numpy scalars, which defer
    # to Expr) combine as before; values by numpy
    for built, expected in [
        (np.float64(2) * A, 2 * A0),
        (A * np.int64(2), 2 * A0),
        (Fraction(1, 4) - A, 0.25 - A0),
        (np.float32(3) + A, 3 + A0),
        (2 @ A, 2 * A0),
    ]:
        assert_close(value(built), expected)


def test_another_type_that_takes_an_expr_still_answers():
    # Python asks the other operand's reflected operator when Expr's declines: a class made to
    # take an Expr still answers e + it and it + e (as before), and one that declines is told
    class Wraps:
        def __radd__(self, other):
            return ("wrapped", other)

        __add__ = __radd__

    assert A + Wraps() == ("wrapped", A) and Wraps() + A == ("wrapped", A)

    class Declines:
        def __radd__(self, other):
            return NotImplemented

    with pytest.raises(ed.EinderivError, match="and a [\\w.]*Declines by \\+"):
        A + Declines()


@pytest.mark.parametrize(
    "written, said",
    [
        (lambda: A < B, "not ordered"),
        (lambda: 2 >= A, "not ordered"),
        (lambda: A <= None, "not ordered"),
        (lambda: A ^ 2, "exclusive or"),
        (lambda: 2 ^ A, "exclusive or"),
        (lambda: A // 2, "'/' divides"),
        (lambda: A % 2, "'/' divides"),
    ],
)
def test_operators_expressions_do_not_have_say_what_to_write(written, said):
    # X ^ 2 is Python's exclusive or, A < B has no meaning for matrices: each was a bare
    # TypeError ("unsupported operand", "not supported between instances")
    with pytest.raises(ed.EinderivError, match=said) as caught:
        written()
    assert isinstance(caught.value, TypeError)
    assert (A == None) is False and (A != "A") is True  # (== is not refused)
    assert str(2.0 * A) == "2 A" and "%s" % (A,) == "A"  # noqa: UP031 (% formats as before)


def test_a_power_by_stars_is_refused_naming_the_two_powers():
    # ** does not say which power: X^2 = X X (numpy X @ X) or x .^ 2 (numpy x ** 2); it raised
    # Python's TypeError, not an EinderivError as every other mistake
    X0, x0 = np.arange(4.0).reshape(2, 2) - 1, np.array([-2.0, 3.0])
    for power in (lambda: A**2, lambda: 2**A):
        with pytest.raises(ed.EinderivError, match=r"matrix power \(X\^2\) or elementwise"):
            power()
    np.testing.assert_allclose(ed.parse("X^2")(X=X0), X0 @ X0)
    np.testing.assert_allclose(ed.parse("x .^ 2")(x=x0), x0**2)


# --- equality and hashing ----------------------------------------------------------------------


def test_equal_when_canonical_forms_are_equal():
    # A + B = B + A; tr(A B') = tr(B' A) = sum(A .* B); 2 (x' x) = x' x + x' x
    assert ed.parse("A + B") == ed.parse("B + A")
    assert ed.parse("tr(A B')") == ed.parse("tr(B' A)")
    assert ed.parse("2 (x' x)") == ed.parse("x' x + x' x")
    assert ed.parse("A + B") != ed.parse("A - B")
    assert ed.parse("A") != ed.parse("B")
    assert ed.parse("x") != ed.parse("x'")  # a column is not a row, though they evaluate alike
    assert ed.parse("A") != "A" and ed.parse("A") != 0


def test_hash_agrees_with_equality():
    forms = [ed.parse("A + B"), ed.parse("B + A"), ed.parse("A - B"), A + B]
    assert len(set(forms)) == 2
    assert {ed.parse("tr(A B')"): 1}[ed.parse("tr(B' A)")] == 1
    # and equal expressions have equal values
    assert_close(value(ed.parse("tr(A B')")), np.sum(A0 * B0))


def test_derivatives_compare_by_form():
    # d (x' S x)/dx = x' S + x' S', in either order. (Equality is structural: x' (S + S'),
    # a factored form, has another canonical form; ed.check proves such claims.)
    assert ed.diff("x' S x", "x") == ed.parse("x' S' + x' S")
    assert ed.diff("x' S x", "x") == ed.parse("x' S + (S x)'")
    assert ed.diff("x' S x", "x") != ed.parse("2 x' S")


def test_expr_is_immutable():
    e = ed.parse("A + B")
    key = hash(e)
    for name in ("term", "axes", "variables", "slots", "source", "shape"):
        with pytest.raises(AttributeError):
            setattr(e, name, None)
    with pytest.raises(AttributeError):
        del e.term
    assert hash(e) == key
    assert_close(value(e), A0 + B0)
