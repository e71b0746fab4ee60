"""A division by a constant zero is a clear error naming where it stands, never inf or nan.

``ed.diff("x' x / 0", "x")`` printed ``2 0^-1 x'``, inf at every point; ``inv(0 I)`` printed
``(0 X)^-1``. A divisor zero whatever the variables (exact Fraction arithmetic of its numbers,
a product with a zero factor, ``y - y``) is refused when the text is read; a divisor that is
not zero (``1 - 1/3``) or only may be zero (``a' b``) is read as before. Truth: Fraction
arithmetic of the divisors written here, numpy values.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import EinderivError, ParseError

# (text, wrt, the sub-expression named, its value by Fraction arithmetic: zero)
ZERO = [
    ("x' x / 0", "x", "`0`", F(0)),
    ("x' x / (1 - 1)", "x", "`1 - 1`", F(1) - F(1)),
    ("x ./ 0", "x", "`0`", F(0)),
    ("sum(x) / (1/2 - 0.5)", "x", "`1/2 - 0.5`", F(1, 2) - F(5, 10)),
    ("x / (2^-2 - 0.25)", "x", "`2^-2 - 0.25`", F(2) ** -2 - F(25, 100)),
    ("x' x * 0^-1", "x", "`0^-1`", F(0)),
    ("tr(inv(0 I) X)", "X", "`inv(0 I)`", 0 * F(1)),
    ("tr((0 X)^-1 A)", "A", "`(0 X)^-1`", 0 * F(1)),
    ("sum(x ./ (0 .* y))", "x", "`0 .* y`", 0 * F(1)),
    ("sum(x ./ (y - y))", "x", "`y - y`", F(0)),
    (r"\frac{x^\top x}{0}", "x", "0", F(0)),
]


@pytest.mark.parametrize(("text", "wrt", "named", "divisor"), ZERO)
def test_a_constant_zero_divisor_is_refused_naming_it(text, wrt, named, divisor):
    assert divisor == 0  # the divisor (or the inverted base) is zero, by Fraction arithmetic
    with pytest.raises(ParseError, match="zero") as error:
        ed.diff(text, wrt)
    assert named in str(error.value), str(error.value)
    with pytest.raises(EinderivError):
        ed.parse(text)


def test_a_divisor_that_is_not_zero_reads_as_before():
    # d (x' x / (1 - 1/3)) / dx = 2 x' / (2/3) = 3 x'
    x = np.array([0.5, -1.25, 2.0])
    g = ed.diff("x' x / (1 - 1/3)", "x")
    np.testing.assert_allclose(g(x=x), 2 * x / float(1 - F(1, 3)), rtol=1e-12)
    # a divisor that may be zero at some point is not refused: d (x' x / (a' b)) / dx
    a, b = np.array([1.0, 2.0]), np.array([0.5, 0.25])
    g = ed.diff("x' x / (a' b)", "x")
    np.testing.assert_allclose(g(x=x[:2], a=a, b=b), 2 * x[:2] / (a @ b), rtol=1e-12)
    # a zero factor that is not a divisor: the derivative is 0
    assert str(ed.diff("x' x * 0", "x")) == "0"


def test_a_claims_zero_divisor_is_said_of_the_claim():
    # d vec(A Z B) / d vec(X)' = 0, X absent; a claim 0/0 has no value: refused, as the claim
    where = "X: matrix(3, 2); Z: matrix(3, 2); A: matrix(4, 3); B: matrix(2, 5)"
    with pytest.raises(ParseError) as caught:
        ed.check("A Z B", "X", claim="d vec(Y) / d vec(X)' = 0/0", where=where)
    assert str(caught.value).startswith("cannot parse the claim at line 1, column 2")
    with pytest.raises(ParseError) as caught:
        ed.diff("x' x / 0", "x")
    assert str(caught.value).startswith("cannot parse the expression")
