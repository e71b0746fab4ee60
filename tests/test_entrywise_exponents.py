"""A lower-case name in the exponent of ``.^`` is read as the user meant, or said (SPEC 6.3).

A name in an elementwise exponent is forced to be a scalar (SPEC 6.3: ``x .^ p``, p a scalar),
but ``x .^ x`` with x a scalar would be ``x^x``, a scalar: ``.^`` with the same name in the
base taken entry by entry means x_i^x_i; ``(a' y) .^ x`` has a scalar base (an inner product),
so x keeps its case's kind as in ``2 .^ x``. A base that is a scalar by its shape only
(``((y' y)^2) .^ x``) keeps the scalar reading, said with a ``ReadAsScalarByUse`` note.
Values: numpy central differences written here, every printed form read back.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import ReadAsScalar, ReadAsScalarByUse

RNG = np.random.default_rng(2828)


def _central(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """The gradient of a scalar function of a vector by central differences."""
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def _quiet_diff(text: str, wrt: str) -> ed.Expr:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReadAsScalar)
        return ed.diff(text, wrt)


def _forms_agree(g: ed.Expr, values: dict, expected: np.ndarray) -> None:
    """``g`` and each of its printed forms, read back, equal ``expected`` at ``values``."""
    np.testing.assert_allclose(np.ravel(g(**values)), expected, rtol=1e-5)
    for text in (str(g), g.latex(), g.index()):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ReadAsScalar)
            back = ed.parse(text)
        got = back(**{n: v for n, v in values.items() if n in back.variables})
        np.testing.assert_allclose(np.ravel(got), expected, rtol=1e-5, err_msg=text)


@pytest.mark.parametrize(
    ("text", "truth"),
    [
        # d sum(x .^ x) / dx = (x .^ x .* (log(x) + 1))', entry by entry x_i^x_i
        ("sum(x .^ x)", lambda x: np.sum(x**x)),
        # d sum(exp(x) .^ x) / dx = (2 x .* exp(x .^ 2))'
        ("sum(exp(x) .^ x)", lambda x: np.sum(np.exp(x) ** x)),
        # d sum((1 + x) .^ x) / dx, entry by entry
        ("sum((1 + x) .^ x)", lambda x: np.sum((1 + x) ** x)),
    ],
)
def test_a_name_in_both_base_and_exponent_is_taken_entry_by_entry(text, truth):
    g = _quiet_diff(text, "x")
    assert g.variables["x"].kind == "vector"
    x = RNG.uniform(0.5, 2.0, size=4)
    _forms_agree(g, {"x": x}, _central(truth, x))


def test_the_exponent_of_an_inner_product_keeps_its_kind():
    # d sum((a' y) .^ x) / dx = log(a' y) ((a' y) .^ x)'
    g = _quiet_diff("sum((a' y) .^ x)", "x")
    assert g.variables["x"].kind == "vector"
    a, y = RNG.uniform(0.5, 1.0, size=3), RNG.uniform(0.5, 1.0, size=3)
    x = RNG.normal(size=5)
    _forms_agree(g, {"a": a, "y": y, "x": x}, _central(lambda v: np.sum((a @ y) ** v), x))
    # d sum((x' A y) .^ x) / dx: x in the base (a scalar) and the exponent (a vector)
    g = _quiet_diff("sum((x' A y) .^ x)", "x")
    A = RNG.uniform(0.5, 1.0, size=(3, 2))
    x, y = RNG.uniform(0.5, 1.0, size=3), RNG.uniform(0.5, 1.0, size=2)
    _forms_agree(g, {"A": A, "y": y, "x": x}, _central(lambda v: np.sum((v @ A @ y) ** v), x))


def test_spec_cases_are_unchanged_and_unnoted():
    # d sum(x .^ p) / dx = p x' .^ (p - 1), p a scalar (SPEC 6.3)
    g = _quiet_diff("sum(x .^ p)", "x")
    assert g.variables["p"].kind == "scalar"
    x = RNG.uniform(0.5, 2.0, size=3)
    np.testing.assert_allclose(g(x=x, p=1.7), _central(lambda v: np.sum(v**1.7), x), rtol=1e-6)
    g = _quiet_diff("sum(x) / n", "x")
    np.testing.assert_allclose(g(x=x, n=4.0), np.full(3, 0.25))
    # y .^ x: no name of the base in the exponent, x a scalar as before
    assert _quiet_diff("sum(y .^ x)", "x").variables["x"].kind == "scalar"


def test_a_base_scalar_by_its_shape_only_is_said():
    # sum(((y' y)^2) .^ x), x a scalar: d/dx = ((y' y)^2)^x log((y' y)^2)
    with pytest.warns(ReadAsScalarByUse, match=r"read x in the elementwise exponent") as said:
        g = ed.diff("sum(((y' y)^2) .^ x)", "x")
    assert "`x: vector(n)`" in str(said[0].message)
    y = RNG.uniform(0.5, 1.0, size=3)
    s = (y @ y) ** 2
    np.testing.assert_allclose(g(y=y, x=0.7), np.log(s) * s**0.7, rtol=1e-9)
    # the fix the note gives: x declared a vector, the power taken entry by entry
    g = ed.diff("sum(((y' y)^2) .^ x)", "x", "x: vector(n)")
    x = RNG.normal(size=4)
    np.testing.assert_allclose(g(y=y, x=x), _central(lambda v: np.sum(s**v), x), rtol=1e-6)
