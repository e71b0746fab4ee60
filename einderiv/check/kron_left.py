"""The left side of a Kronecker claim: ``d vec(Y) / d vec(X)'`` and its LaTeX forms.

Input: a claim's text. Output: ``is_kronecker(text)``: whether it is ``d vec(Y) / d vec(X)' =
...`` or ``\\frac{\\partial \\operatorname{vec}(\\mathbf{Y})}{\\partial
\\operatorname{vec}(\\mathbf{X})^\\top} = ...`` (``\\dfrac``, ``\\mathrm{d}``, ``\\mathrm{vec}``,
``\\left(``, spacing); ``left_of``: its left side matched, Y in group ``y`` and the denominator
in ``x``; ``VEC_BY``: the denominator ``d vec(X)'`` or ``d (vec X)'``, the variable's name
in group ``name``.
Invariants: only the left side is read here (the right side is the claim's, read by
``kron_claim``); one ``=``; a denominator by a transpose of vec(X) only (d vec(X)').
"""

from __future__ import annotations

import re

__all__ = ["VEC_BY", "is_kronecker", "left_of"]

_VEC = r"(?:\\(?:operatorname|mathrm|text|textrm)\s*\{\s*vec\s*\}|vec)"
# a transpose: ', ^T, ^\top, ^\intercal, ^{\mathsf T}, ^{\mathsf{T}}, ^{\rm T}, ᵀ, ⊤
_T = (
    r"(?:'|\^\s*(?:T|\\top|\\intercal|\{\s*(?:T|\\top|\\intercal|\\(?:mathsf|mathrm|rm|text)\s*"
    r"(?:T|\{\s*T\s*\}))\s*\})|\u1d40|\u22a4)"
)
_D = r"(?:\\partial|\\mathrm\s*\{\s*d\s*\}|d)"
# d vec(X)' (the denominator of the Kronecker form), d (vec X)' as Magnus & Neudecker write it
# (vec X' without brackets, vec(X') or (vec X)'?, is not this): the variable's name is "name"
VEC_BY = re.compile(
    rf"\s*{_D}?\s*(\()?\s*{_VEC}\s*(\()?\s*\\?(?P<name>[A-Za-z]\w*)\s*(?(2)\)|(?!\w))"
    rf"\s*(?(1)\)|(?(2)|(?!)))\s*{_T}\s*"
)
_LEFT = re.compile(rf"\s*{_D}\s*{_VEC}\s*\((?P<y>.+)\)\s*/(?P<x>.+)")
# \frac{\partial vec(Y)}{\partial vec(X)^\top} (\dfrac, \tfrac; \mathrm{d}, d): the same, in LaTeX
_FRAC = re.compile(
    rf"\s*\\[dt]?frac\s*\{{\s*{_D}\s*{_VEC}\s*\((?P<y>.+)\)\s*\}}\s*\{{(?P<x>.+)\}}\s*"
)
# \mathbf{X} -> X; \left( \right) -> ( ); \, \; \: \! (spacing) -> a space
_PLAIN = (
    (re.compile(r"\\(?:mathbf|boldsymbol|bm|mathrm|mathit)\s*\{\s*\\?([A-Za-z]\w*)\s*\}"), r"\1"),
    (re.compile(r"\\(?:left|right|big|Big)\s*(?=[()])"), ""),
    (re.compile(r"\\[,;:! ]"), " "),
)


def left_of(text: str) -> re.Match | None:
    """The left side of a Kronecker claim ``text`` matched (groups ``y`` and ``x``), plain
    (``d vec(Y) / d vec(X)'``) or LaTeX (``\\frac{\\partial \\operatorname{vec}(\\mathbf{Y})}
    {\\partial \\operatorname{vec}(\\mathbf{X})^\\top}``, its fonts, \\left( and spacing read
    away); None."""
    left = text.split("=")[0]
    for pattern, plain in _PLAIN:
        left = pattern.sub(plain, left)
    return _LEFT.fullmatch(left) or _FRAC.fullmatch(left)


def is_kronecker(text) -> bool:
    """Whether ``text`` is ``d vec(Y) / d vec(X)' = ...``."""
    if not isinstance(text, str) or text.count("=") != 1:
        return False
    left = left_of(text)
    return left is not None and VEC_BY.fullmatch(left.group("x")) is not None
