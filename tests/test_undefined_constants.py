"""A function of a constant where it has no value is a clear error when the text is read.

``ed.parse("log(0) + x' x")`` was read, and evaluated to -inf at every point; ``sqrt(-1)`` to
nan. Like a division by zero (tests/test_zero_divisors.py), a function of a constant (or of
something zero whatever the variables: ``y - y``, ``0 I``) outside where it has a value is
refused at parse, naming it; so is a negative number to a power that is not an integer. A power
of 0 or of a negative number by a variable exponent is read (``(-1)^k``, ``0^t``), but its
derivative by the exponent, ``c^t log(c)``, has none: refused when derived. Truth: numpy's own
value at the constant written here (not finite), Fraction arithmetic of the arguments.
"""

from __future__ import annotations

import warnings
from fractions import Fraction as F

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import EinderivError, ParseError

# (text, the call named, numpy's value there, computed in the test: not finite)
UNDEFINED = [
    ("log(0)", "`log(0)`", lambda: np.log(0.0)),
    ("log(0) + x' x", "`log(0)`", lambda: np.log(0.0)),
    ("ln(0) x", "`ln(0)`", lambda: np.log(0.0)),
    (r"\log(0) + x^\top x", "`log(0)`", lambda: np.log(0.0)),
    ("x' x + log(1 - 1)", "`log(1 - 1)`", lambda: np.log(float(F(1) - F(1)))),
    ("sum(log(y - y))", "`log(y - y)`", lambda: np.log(0.0)),
    ("sum(log(0 x))", "`log(0 x)`", lambda: np.log(0.0)),
    ("sqrt(-1) x", "`sqrt(-1)`", lambda: np.sqrt(-1.0)),
    ("sqrt(2 - 3) x", "`sqrt(2 - 3)`", lambda: np.sqrt(float(F(2) - F(3)))),
    ("log(-1/2) x", "`log(-1/2)`", lambda: np.log(-0.5)),
    ("log1p(-1) x", "`log1p(-1)`", lambda: np.log1p(-1.0)),
    ("arcsin(2) x", "`arcsin(2)`", lambda: np.arcsin(2.0)),
    ("logdet(0 I) + x' x", "`logdet(0 I)`", lambda: np.log(np.linalg.det(np.zeros((2, 2))))),
    ("log|0 I| + x' x", "`log|0 I|`", lambda: np.log(np.linalg.det(np.zeros((2, 2))))),
    ("log(det(0 I)) + x' x", "`log(det(0 I))`", lambda: np.log(np.linalg.det(np.zeros((2, 2))))),
    ("(-1)^0.5 x", "`(-1)^0.5`", lambda: np.float64(-1.0) ** 0.5),
    ("sum((-8) .^ (1/3) x)", "`(-8) .^ (1/3)`", lambda: np.float64(-8.0) ** (1 / 3)),
]


@pytest.mark.parametrize(("text", "named", "value"), UNDEFINED, ids=[u[0] for u in UNDEFINED])
def test_a_function_of_a_constant_without_value_is_refused(text, named, value):
    with np.errstate(all="ignore"):
        assert not np.isfinite(value())  # numpy: -inf or nan there
    with pytest.raises(ParseError, match="has no (real )?value") as error:
        ed.parse(text)
    assert named in str(error.value), str(error.value)


def test_a_function_of_a_constant_with_a_value_reads_as_before():
    x = np.array([0.5, -1.25, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # log(1/2) added to x' x: no note wanted here
        cases = {
            "log(1/2) + x' x": np.log(0.5) + x @ x,
            "sqrt(0) + x' x": np.sqrt(0.0) + x @ x,
            "arcsin(1) + x' x": np.arcsin(1.0) + x @ x,
            "(-2)^2 x' x": (-2.0) ** 2 * (x @ x),
            "2^0.5 x' x": 2**0.5 * (x @ x),
        }
        for text, expected in cases.items():
            np.testing.assert_allclose(ed.parse(text)(x=x), expected, rtol=1e-12, err_msg=text)
    # log(x' x) may be zero's log at x = 0 only: read
    np.testing.assert_allclose(ed.parse("log(x' x)")(x=x), np.log(x @ x), rtol=1e-12)


@pytest.mark.parametrize(
    ("text", "wrt"),
    [("sum(0 .^ x)", "x"), ("0^t", "t"), ("sum((-1) .^ x)", "x"), ("sum((1 - 1) .^ x)", "x")],
)
def test_a_power_of_a_nonpositive_number_has_no_derivative_by_its_exponent(text, wrt):
    # d c^t / dt = c^t log(c): it printed `0^t log(0)` (nan: 0 * -inf), which did not read back
    with np.errstate(all="ignore"):
        assert not np.isfinite(np.float64(0.0) ** 0.5 * np.log(0.0))
    with pytest.raises(EinderivError, match="no derivative by it"):
        ed.diff(text, wrt)


def test_a_power_of_a_negative_number_by_an_integer_is_derived():
    # d ((-1)^k x' x) / dx = 2 (-1)^k x', k an integer (used only as an exponent)
    x = np.array([0.5, -1.25, 2.0])
    g = ed.diff("(-1)^k x' x", "x")
    np.testing.assert_allclose(g(x=x, k=3), -2 * x, rtol=1e-12)
