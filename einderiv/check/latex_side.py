"""A side of a LaTeX identity that has no command of its own: LaTeX when it reads so.

Input: a side without a command, such as the left of ``\\frac{d e^{x}}{dx}`` (``e^{x}``, no
backslash of its own) and the declarations read so far.
Output: ``as_latex(expr, where)``: the text to read -- ``\\, expr``, LaTeX (``e^{x}`` is exp(x),
as on the right side), when it reads as LaTeX; else ``expr``, plain text, as written:
``\\frac{d lambda x' x}{dx}``, ``\\frac{d W1 x}{d W1}`` and ``\\frac{d 1/2 x'x}{dx}`` are refused
in LaTeX (``lambda`` letters, ``W1`` is W times 1, ``1/2 x`` ambiguous) and read in plain text.
Invariants: only a refusal of the text itself (``ParseError``) keeps plain text; a LaTeX
reading that parses is kept, whatever its shapes.
"""

from __future__ import annotations

import warnings

from einderiv.api import parse
from einderiv.errors import EinderivError, ParseError

__all__ = ["as_latex"]


def as_latex(expr: str, where: str) -> str:
    """``expr`` marked as LaTeX (``\\, `` before it, read as a space) when it reads so."""
    latex = f"\\, {expr}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # said when the side is read for its check
            parse(latex, where or None)
    except ParseError:
        return expr
    except EinderivError:  # a shape or kind error: LaTeX read it; its check says the same
        pass
    return latex
