"""The substring tests that spare a regular expression its search decide as the search does.

``latex.is_latex`` searches only a text with a backslash or a ``_``; ``letters.identity_size``
only a name starting ``I_``; ``parse_expression`` looks for ``**`` and ``^{(1)}`` only where
the text holds ``**`` and ``^``; the post-lexer looks for ``sigma'(`` only where one of the
names' first letters is. The truth is each module's own pattern, run on every text here.
"""

from __future__ import annotations

import contextlib
import random
import warnings

import pytest

import einderiv as ed
from einderiv.errors import EinderivError, ReadAsCall
from einderiv.frontend import latex, letters, lexing
from einderiv.frontend import parse as P

PIECES = ["x", "I", "_", "{", "}", ",", "\\", "frac", "1", "n", " ", "^", "*", "(", ")", "'", "σ"]
PIECES += ["sigma", "phi", "ψ", "a", "A", "i", "j", "**", "^{(1)}", "\\,", "mathrm"]


def _texts() -> list[str]:
    r = random.Random(3702)
    made = ["".join(r.choice(PIECES) for _ in range(r.randint(0, 8))) for _ in range(3000)]
    return made + ["a_{1}", r"\frac{a}{b}", "W_{i,j}", "x_1", r"a\,b", "I_n", "I_3", "I_", "xI_n"]


def test_is_latex_is_the_pattern_search():
    for text in _texts():
        assert latex.is_latex(text) == (latex._LATEX_MARK.search(text) is not None), text


def test_identity_size_pattern_needs_its_prefix():
    for text in _texts():
        if letters._SIZED_I.fullmatch(text):
            assert text.startswith("I_"), text


def test_stars_label_and_greek_prime_need_their_characters():
    for text in _texts():
        if P._STARS.search(text):
            assert "**" in text, text
        if P._LABEL.search(text):
            assert "^" in text, text
        if lexing._GREEK_PRIME.search(text):
            assert not lexing._NO_GREEK_PRIME.isdisjoint(text), text


@pytest.mark.parametrize("text", ["sigma'(z)", "σ'(z)", "phi'(u) + x", "ψ' (t)"])
def test_greek_prime_still_said(text):
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        with contextlib.suppress(EinderivError):  # said before any refusal
            ed.parse(text)
    assert any(w.category is ReadAsCall and "prime" in str(w.message) for w in said), text
