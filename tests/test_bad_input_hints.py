"""Refusals that say what is wrong: the hint of an error names the real mistake.

Each test: a mistaken input is refused with a message that says what it is; the spelling the
message suggests gives the derivative meant, checked against finite differences of plain numpy.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import jacobian_fd

import einderiv as ed

RNG = np.random.default_rng(2323)


@pytest.mark.parametrize(
    "wrt, what", [("exp", "a function"), ("tr", "a function"), ("I", "the identity matrix")]
)
def test_differentiating_by_a_function_says_it_is_one(wrt, what):
    # --wrt exp said "exp is not a variable of the expression; did you mean x?": exp is no
    # misspelt x, it is a function
    with pytest.raises(ed.EinderivError) as info:
        ed.diff("exp(x)' a + tr(X)", wrt)
    assert f"{wrt} is {what}, not a variable" in str(info.value)
    assert "did you mean" not in str(info.value)
    # by the variable meant: d(exp(x)' a)/dx = (exp(x) .* a)'
    x, a = RNG.normal(size=3), RNG.normal(size=3)
    g = ed.diff("exp(x)' a", "x")
    expected = jacobian_fd(lambda x, a: np.exp(x) @ a, {"x": x, "a": a}, "x")
    np.testing.assert_allclose(g(x=x, a=a), expected, rtol=1e-6, atol=1e-8)
