"""A name's Unicode subscript digits never end it in front of a letter or a digit.

``W₁ x`` is ``W_1 x`` (grammar's NAME: a name may end in ``₀``-``₉``). Written against a
letter or an ASCII digit, the name ended at the subscript and the rest was another factor:
``W₁0 x`` read ``W_1 0 x`` (silently 0), ``x₁2`` read ``2 x_1`` (where ``x_12`` is the name
x_12), ``x₁e3`` read ``x_1 e3``. Such a text is refused now, at the subscript. Truth: numpy
products at a random point for what still reads.
"""

import numpy as np
import pytest

import einderiv as ed

RNG = np.random.default_rng(3850)


@pytest.mark.parametrize("text", ["W₁0 x", "x₁2", "x₁2 + 1", "x₁e3", "W₁₂x", "σ₁x"])
def test_subscript_digits_glued_to_a_letter_or_digit_are_refused(text):
    with pytest.raises(ed.ParseError):
        ed.parse(text)


def test_subscript_digits_before_a_space_or_operator_still_name():
    W, x = RNG.normal(size=(3, 3)), RNG.normal(size=3)
    cases = [
        ("x₁ 2", lambda v: 2 * v["x_1"]),
        ("W₁₂ x", lambda v: v["W_12"] @ v["x"]),
        ("x₁' W₁ x₁", lambda v: v["x_1"] @ v["W_1"] @ v["x_1"]),
        ("2x₁", lambda v: 2 * v["x_1"]),
    ]
    for text, value in cases:
        f = ed.parse(text)
        v = {name: W if name.startswith("W") else x for name in f.variables}
        np.testing.assert_allclose(f(**v), value(v))
