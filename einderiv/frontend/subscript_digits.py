"""Subscript digits typed in Unicode or pasted from a PDF: ``W₁ x`` is ``W_1 x``.

Input: a token of the plain-text lexer (``lexing._greek`` passes each one on).
Output: the same token, a ``NAME`` ending in subscript digits (``W₁``, ``x₁₂``; ``σ₁`` after
its Greek letter is named) renamed with them written after ``_`` (``W_1``, ``x_12``,
``sigma_1``), as ``W_1`` is read; any other token unchanged.
Invariants: the token keeps its place in the text (carets stay under what was written); only
digits end a name (the grammar's ``NAME`` takes ``₀``-``₉`` after a name; ``‖x‖₂`` is a norm's
subscript, never a name's, and ``xᵢ`` stays refused: an entry or a name?).
"""

from __future__ import annotations

import re

from lark import Token

__all__ = ["subscript_name"]

_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_SUBSCRIPT = re.compile("[₀-₉]+$")


def subscript_name(token: Token) -> Token:
    """``W₁`` -> the name ``W_1`` (see the module); any other token as it is."""
    found = _SUBSCRIPT.search(token.value) if token.type == "NAME" else None
    if found is None:
        return token
    name = f"{token.value[: found.start()]}_{found.group().translate(_DIGITS)}"
    return Token.new_borrow_pos("NAME", name, token)
