"""A capital read as a scalar by its use is said, never silent (SPEC 6.3; guide: "never guess
silently what the user meant").

An undeclared capital is a matrix by its case (SPEC 1); in a divisor (``y / (W x)``), an
elementwise exponent (``x .^ A``) or the exponent of a scalar (``2^(A b)``, ``(x' x)^P``) its
use makes it a scalar. That reading is kept (``sum(x) / (N k)``, a count written with a
capital, is common and right), and said: a ``ReadAsScalarByUse`` note names the name, the
place and the fix if a matrix is meant; so is a lower-case letter set in bold in LaTeX
(``\\frac{1}{\\mathbf{x}}``, a vector as written). Lower-case names alone (``sum(x) / n``:
SPEC 6.3's own example), Greek letters and declared names are not noted. The values are those
of the reading said: numpy central differences written here.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import ReadAsScalar, ReadAsScalarByUse
from einderiv.web.results import derivative_json
from tests.native_util import fd_gradient

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cli_util import run

RNG = np.random.default_rng(27)


def _quiet(text: str, wrt: str, where: str | None = None):
    """``ed.diff`` with any einderiv note an error (none is expected)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReadAsScalar)
        return ed.diff(text, wrt, where=where)


def test_a_capital_in_a_divisor_is_said_with_the_entrywise_quotient():
    # sum(y / (W x)), W and x scalars: d/dx = -sum(y) / (W x^2)
    with pytest.warns(ReadAsScalarByUse, match=r"read W and x in the divisor") as said:
        g = ed.diff("sum(y / (W x))", "x")
    note = str(said[0].message)
    assert "`y ./ (W x)`" in note and "`W: scalar`" in note, note
    y, W, x = RNG.normal(size=3), 1.7, 0.8
    expected = fd_gradient(lambda v: np.sum(y) / (W * v), np.array(x))
    np.testing.assert_allclose(g(W=W, x=x, y=y), expected, rtol=1e-6)
    # the fix the note gives, W a matrix: d sum(y ./ (W x)) / dx = -(y ./ (W x) .^ 2)' W
    g = _quiet("sum(y ./ (W x))", "x")
    W, x = RNG.normal(size=(3, 2)) + 3, RNG.normal(size=2) + 2
    expected = fd_gradient(lambda v: np.sum(y / (W @ v)), x)
    np.testing.assert_allclose(g(W=W, x=x, y=y), expected, rtol=1e-5)


def test_a_count_written_with_a_capital_is_read_as_before_and_declared_silently():
    # sum(x) / (N k): d/dx = ones' / (N k), N and k scalars
    with pytest.warns(ReadAsScalarByUse, match=r"read N and k .* though N is a matrix"):
        g = ed.diff("sum(x) / (N k)", "x")
    x = RNG.normal(size=4)
    expected = fd_gradient(lambda v: np.sum(v) / (5.0 * 2.0), x)
    np.testing.assert_allclose(g(N=5.0, k=2.0, x=x), expected, rtol=1e-6)
    _quiet("sum(x) / (N k)", "x", where="N: scalar")  # declared: nothing to say
    _quiet("sum(x) / (N k)", "x", where="N: integer")


@pytest.mark.parametrize(
    "text",
    ["sum(x) / n", "x' x / (n - 1)", "sum(x) / (2 sigma^2)", "x' A x / (x' x)", "sum(x .^ p)"],
)
def test_lower_case_and_greek_names_in_a_divisor_are_not_noted(text):
    _quiet(text, "x")


def test_a_capital_named_as_a_size_is_said_once_with_its_declaration():
    # x' x / (N - 1), x: vector(N): the note on N as a size (declare N: integer) says it
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        g = ed.diff("x' x / (N - 1)", "x", where="x: vector(N)")
    notes = [str(n.message) for n in said if "N" in str(n.message)]
    assert len(notes) == 1 and "declare `N: integer` to make it that size" in notes[0], notes
    x = RNG.normal(size=3)  # d/dx = 2 x' / (N - 1)
    expected = fd_gradient(lambda v: v @ v / (4.0 - 1.0), x)
    np.testing.assert_allclose(g(N=4.0, x=x), expected, rtol=1e-6)


def test_a_capital_elementwise_exponent_is_said():
    # sum(x .^ A), A a scalar: d/dx = A x' .^ (A - 1)
    with pytest.warns(ReadAsScalarByUse, match=r"read A in the elementwise exponent"):
        g = ed.diff("sum(x .^ A)", "x")
    x = RNG.uniform(0.5, 2.0, size=3)
    expected = fd_gradient(lambda v: np.sum(v**2.5), x)
    np.testing.assert_allclose(g(A=2.5, x=x), expected, rtol=1e-6)
    _quiet("sum(2 .^ (A x))", "x")  # a product by a matrix: a vector exponent, A a matrix


def test_a_capital_in_the_exponent_of_a_scalar_is_said_with_the_entrywise_power():
    # sum(2^(A b) x), A and b scalars: d/db = log(2) A 2^(A b) sum(x)
    with pytest.warns(ReadAsScalarByUse, match=r"exponent of the scalar power") as said:
        g = ed.diff("sum(2^(A b) x)", "b")
    assert "`2 .^ (A b)`" in str(said[0].message), said[0].message
    x, A, b = RNG.normal(size=3), 0.7, 1.3
    expected = fd_gradient(lambda v: 2.0 ** (A * v) * np.sum(x), np.array(b))
    np.testing.assert_allclose(g(A=A, b=b, x=x), expected, rtol=1e-6)


def test_a_capital_exponent_of_a_base_scalar_by_its_shape_is_said():
    # (x' x)^P, P a real scalar: d/dx = 2 P (x' x)^(P - 1) x'
    with pytest.warns(ReadAsScalarByUse, match=r"read P in the exponent of the scalar power"):
        g = ed.diff("(x' x)^P", "x")
    x = RNG.normal(size=3)
    expected = fd_gradient(lambda v: (v @ v) ** 1.5, x)
    np.testing.assert_allclose(g(P=1.5, x=x), expected, rtol=1e-6)


def test_a_capital_in_a_latex_fraction_is_said():
    # \frac{1}{N} ||y - X w||^2 by w: -2 (y - X w)' X / N
    with pytest.warns(ReadAsScalarByUse, match=r"read N in the divisor of `1 / N`"):
        g = ed.diff(r"\frac{1}{N} \|y - X w\|^2", "w")
    X, y, w = RNG.normal(size=(4, 2)), RNG.normal(size=4), RNG.normal(size=2)
    expected = fd_gradient(lambda v: np.sum((y - X @ v) ** 2) / 6.0, w)
    np.testing.assert_allclose(g(N=6.0, X=X, y=y, w=w), expected, rtol=1e-5)


def test_a_bold_letter_in_a_latex_divisor_is_said_as_a_vector_read_as_a_scalar():
    # \frac{1' y}{x}, x a scalar: d/dx = -sum(y) / x^2; bold x is a vector as written
    with pytest.warns(ReadAsScalarByUse, match=r"read x .* though x is set in bold, a vector"):
        g = ed.diff(r"\frac{\mathbf{1}^\top \mathbf{y}}{\mathbf{x}}", r"\mathbf{x}")
    y, x = RNG.normal(size=3), 1.4
    expected = fd_gradient(lambda v: np.sum(y) / v, np.array(x))
    np.testing.assert_allclose(g(x=x, y=y), expected, rtol=1e-6)
    with warnings.catch_warnings():  # a plain letter there is a scalar, silently (SPEC 6.3)
        warnings.simplefilter("error", ReadAsScalar)
        ed.diff(r"\frac{\mathbf{x}^\top \mathbf{x}}{n}", r"\mathbf{x}")


def test_the_command_line_and_the_web_page_say_it_once(capsys):
    code, out, err = run(capsys, "diff", "sum(y / (W x))", "--wrt", "x")
    assert code == 0 and out.strip() == "-sum(y) / (W x^2)", (out, err)
    # said of the expression, not again of the result read back (W x^2 is a divisor too)
    assert err.count("note:") == 1 and "read W and x in the divisor" in err, err
    code, out, err = run(capsys, "diff", "sum(y / (W x))", "--wrt", "x", "--json")
    assert code == 0 and err.count("note:") == 1 and "`y ./ (W x)`" in err, err
    web = derivative_json("sum(y / (W x))", "x", extras=True)
    assert web["note"].count("read W and x") == 1, web["note"]


def test_check_keeps_its_verdict():
    # the other reading (W a matrix) is no reading of `/`: "right" stays right
    with pytest.warns(ReadAsScalarByUse):
        result = ed.check("sum(y / (W x))", "x", claim="-sum(y) / (W x^2)")
    assert result.verdict == "right", result


def test_a_count_in_an_elementwise_exponent_by_a_number_is_refused_with_its_declaration():
    # x .^ (2 N): N a matrix by its case (2 N, a product by a matrix, is a matrix exponent)
    # does not fit a vector x: refused, suggesting N: scalar, under which
    # d sum(x .^ (2 N)) / dx = 2 N x' .^ (2 N - 1)
    with pytest.raises(ed.ShapeError, match=r"declare `N: scalar` if it is a number"):
        ed.diff("sum(x .^ (2 N))", "x")
    with pytest.raises(ed.ShapeError) as refused:  # A y is a vector whatever A is: no hint
        ed.diff("sum(X .^ (A y))", "y")
    assert "if it is a number" not in str(refused.value), refused.value
    g = _quiet("sum(x .^ (2 N))", "x", where="N: scalar")
    x = RNG.uniform(0.5, 2.0, size=3)
    expected = fd_gradient(lambda v: np.sum(v**3.0), x)
    np.testing.assert_allclose(g(N=1.5, x=x), expected, rtol=1e-6)


def test_the_exponent_of_a_scalar_base_under_dot_power_keeps_its_kind():
    # 2 .^ x, x undeclared (a vector by its case): .^ of a scalar base takes the exponent entry
    # by entry (a scalar x would be 2^x); x was read as a scalar, silently, and an array of x
    # refused. d sum(2 .^ x) / dx = log(2) (2 .^ x)'
    g = _quiet("sum(2 .^ x)", "x")
    x = RNG.normal(size=4)
    expected = fd_gradient(lambda v: np.sum(2.0**v), x)
    np.testing.assert_allclose(g(x=x), expected, rtol=1e-6)
    # alpha .^ t, alpha a scalar (Greek), t a vector:
    # d sum(alpha .^ t) / dt = log(alpha) (alpha .^ t)'
    g = _quiet("sum(alpha .^ t)", "t")
    expected = fd_gradient(lambda v: np.sum(1.7**v), x)
    np.testing.assert_allclose(g(alpha=1.7, t=x), expected, rtol=1e-6)
    # 2 .^ X, X a matrix by its case: d sum(2 .^ X) / dX = log(2) (2 .^ X)'
    g = _quiet("sum(2 .^ X)", "X")
    X = RNG.normal(size=(2, 3))
    expected = fd_gradient(lambda v: np.sum(2.0**v), X).T
    np.testing.assert_allclose(g(X=X), expected, rtol=1e-6)


def test_a_scalar_base_with_a_sum_in_it_prints_as_itself_and_reads_back():
    # d (tr(A) .^ x) / dx = log(tr(A)) diag(tr(A) .^ x); it printed `(tr(A) ones) .^ x`, whose
    # vector base made x a scalar when read back (refused with a vector x)
    g = _quiet("tr(A) .^ x", "x")
    A, x = RNG.normal(size=(3, 3)) + 4 * np.eye(3), RNG.normal(size=4)
    expected = np.diag(fd_gradient(lambda v: np.sum(np.trace(A) ** v), x))
    np.testing.assert_allclose(g(A=A, x=x), expected, rtol=1e-6)
    assert "ones" not in str(g), str(g)
    for text in (str(g), g.latex()):
        back = ed.parse(text, shape=g.shape)
        np.testing.assert_allclose(back(A=A, x=x), expected, rtol=1e-6)
