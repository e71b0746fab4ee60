"""A lower-case name in the exponent of ``.^`` is read as the user meant, or said (SPEC 6.3).

A name in an elementwise exponent is forced to be a scalar (SPEC 6.3: ``x .^ p``, p a scalar),
but ``x .^ x`` with x a scalar would be ``x^x``, a scalar: ``.^`` with the same name in the
base taken entry by entry means x_i^x_i; ``(a' y) .^ x`` has a scalar base (an inner product),
so x keeps its case's kind as in ``2 .^ x``. A base that is a scalar by its shape only
(``((y' y)^2) .^ x``) keeps the scalar reading, said with a ``ReadAsScalarByUse`` note.
A name in an elementwise exponent that is used as a vector elsewhere (``sum(y .^ x) + a' x``)
is a vector throughout; a divisor so used is a scalar, said.
Values: numpy central differences written here, every printed form read back.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import ReadAsScalar, ReadAsScalarByUse
from tests.fd import central_gradient

RNG = np.random.default_rng(2828)


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
    _forms_agree(g, {"x": x}, central_gradient(truth, x))


def test_the_exponent_of_an_inner_product_keeps_its_kind():
    # d sum((a' y) .^ x) / dx = log(a' y) ((a' y) .^ x)'
    g = _quiet_diff("sum((a' y) .^ x)", "x")
    assert g.variables["x"].kind == "vector"
    a, y = RNG.uniform(0.5, 1.0, size=3), RNG.uniform(0.5, 1.0, size=3)
    x = RNG.normal(size=5)
    _forms_agree(g, {"a": a, "y": y, "x": x}, central_gradient(lambda v: np.sum((a @ y) ** v), x))
    # d sum((x' A y) .^ x) / dx: x in the base (a scalar) and the exponent (a vector)
    g = _quiet_diff("sum((x' A y) .^ x)", "x")
    A = RNG.uniform(0.5, 1.0, size=(3, 2))
    x, y = RNG.uniform(0.5, 1.0, size=3), RNG.uniform(0.5, 1.0, size=2)
    _forms_agree(
        g, {"A": A, "y": y, "x": x}, central_gradient(lambda v: np.sum((v @ A @ y) ** v), x)
    )


def test_spec_cases_are_unchanged_and_unnoted():
    # d sum(x .^ p) / dx = p x' .^ (p - 1), p a scalar (SPEC 6.3)
    g = _quiet_diff("sum(x .^ p)", "x")
    assert g.variables["p"].kind == "scalar"
    x = RNG.uniform(0.5, 2.0, size=3)
    np.testing.assert_allclose(
        g(x=x, p=1.7), central_gradient(lambda v: np.sum(v**1.7), x), rtol=1e-6
    )
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
    np.testing.assert_allclose(g(y=y, x=x), central_gradient(lambda v: np.sum(s**v), x), rtol=1e-6)


@pytest.mark.parametrize(
    ("text", "truth"),
    [
        # d (sum(y .^ x) + a' x) / dx = (y .^ x .* log(y))' + a': x a vector, as a' x makes it
        ("sum(y .^ x) + a' x", lambda v, y, a: np.sum(y**v) + a @ v),
        # d (sum(y .^ x) + x' x) / dx = (y .^ x .* log(y))' + 2 x'
        ("sum(y .^ x) + x' x", lambda v, y, a: np.sum(y**v) + v @ v),
        # the dot a · x is a' x
        ("sum(y .^ x) + a · x", lambda v, y, a: np.sum(y**v) + a @ v),
    ],
)
def test_an_exponent_used_as_a_vector_elsewhere_is_a_vector(text, truth):
    # x in `y .^ x` alone is a scalar (SPEC 6.3); used as a vector elsewhere (a' x, x' x), it
    # was read as a scalar with no note (a' x a row, the sum a row); now a vector throughout
    from einderiv.readback import kinds_to_declare

    g = _quiet_diff(text, "x")
    assert g.variables["x"].kind == "vector"
    y, a = RNG.uniform(0.5, 2.0, size=4), RNG.normal(size=4)
    x = RNG.normal(size=4)
    expected = central_gradient(lambda v: truth(v, y, a), x)
    values = {"x": x, "y": y, "a": a}
    np.testing.assert_allclose(g(**{n: values[n] for n in g.variables}), expected, rtol=1e-5)
    # the result's text no longer shows that x is a vector (`(y .^ x .* log(y))' + a'`): the
    # command line's note gives the declaration with which each printed form reads back
    for written in (str(g), g.latex(), g.index()):
        where = "; ".join(kinds_to_declare(g, written))
        assert where in ("", "x: vector(n)")
        back = ed.parse(written, where=where or None)
        got = back(**{n: values[n] for n in back.variables})
        np.testing.assert_allclose(np.ravel(got), expected, rtol=1e-5, err_msg=written)


def test_a_divisor_used_as_a_vector_elsewhere_is_said():
    # x a divisor is a scalar (SPEC 6.3); a' x then scales the row a' by it: said, not silent
    with pytest.warns(ReadAsScalar, match=r"read x as a scalar .*`a' x` scales `a'` by it"):
        f = ed.parse("sum(y .^ x) / x + a' x")
    y, a = RNG.uniform(0.5, 2.0, size=3), RNG.normal(size=3)
    np.testing.assert_allclose(f(y=y, a=a, x=0.5), np.sum(y**0.5) / 0.5 + 0.5 * a)
    # 2 a' x: the row 2 a' is scaled by x (a product that does not start with a'), said too
    with pytest.warns(ReadAsScalar, match=r"`2 a' x` scales `2 a'` by it"):
        ed.parse("sum(y .^ x) + 2 a' x")
