"""A power written before a norm's subscript in plain text: ``‖X‖²_F``, ``||x||^2_2``, ``‖x‖²₂``.

Input: the plain (not LaTeX) text of an expression.
Output: the same text with a power written between a norm's closing bar and its subscript moved
after the subscript (``‖X‖_F²``), as LaTeX's ``\\|X\\|^2_F`` is read (TeX sets both alike; the
grammar takes a norm's subscript right after its bar, and lark's contextual lexer cannot take
the tokens in another order).
Invariants: the text keeps its length and every other character its place (as
``lexing.PASTED``), so carets stay where the user wrote; only a power of one number or one
letter other than T (``^T`` is a transpose) between ``‖`` or ``||`` and ``_2``, ``_F``, ``_1``,
``₂``, ``₁`` moves, and not when a superscript digit follows the subscript (``‖X‖²_F²``
moved would be ``‖X‖_F²²``, a 22nd power); a text without them is returned as given.
"""

from __future__ import annotations

import re

__all__ = ["subscript_first"]

_POWER_FIRST = re.compile(
    r"(‖|\|\|)(\s*)(\^\s*(?:\{\s*\d+\s*\}|\d+|[A-SU-Za-z])|[²³])(\s*)"
    r"(_\s*(?:[12F]|\{\s*[12F]\s*\})|[₁₂])(?![⁰¹²³⁴⁵⁶⁷⁸⁹])"
)  # ‖X‖²_F²: not moved (it would read ‖X‖_F²², the 22nd power): refused as before


def subscript_first(text: str) -> str:
    """``text`` with ``‖X‖²_F`` written ``‖X‖_F²`` (see the module)."""
    if "‖" not in text and "||" not in text:
        return text
    return _POWER_FIRST.sub(lambda m: m.expand(r"\1\2\5\4\3"), text)
