"""The grammar's text: ``grammar/einderiv.lark``, with the registry's function names filled in.

Input: the packaged grammar file (an installed wheel) or the source tree's.
Output: ``grammar_text()``, the text lark builds the LALR parser from.
Invariants: ``@FUNCTIONS@`` becomes every function name, longest first (so ``logdet`` is not
read as ``log``); a missing file is a ``RuntimeError`` (a broken installation).
"""

from __future__ import annotations

import contextlib
import importlib.resources
from pathlib import Path

from einderiv.frontend.lexing import FUNCTION_NAMES

__all__ = ["grammar_text"]


def grammar_text() -> str:
    """The grammar, with the function names of the registry filled in (``@FUNCTIONS@``)."""
    return _grammar_file().replace("@FUNCTIONS@", "|".join(sorted(FUNCTION_NAMES, key=len)[::-1]))


def _grammar_file() -> str:
    with contextlib.suppress(ImportError, OSError, TypeError, ValueError, NotImplementedError):
        packaged = importlib.resources.files("einderiv") / "grammar" / "einderiv.lark"
        if packaged.is_file():  # an installed wheel
            return packaged.read_text(encoding="utf-8")
    source = Path(__file__).resolve().parents[2] / "grammar" / "einderiv.lark"
    if source.is_file():
        return source.read_text(encoding="utf-8")
    raise RuntimeError(  # pragma: no cover - a broken installation, not a user error
        "einderiv: grammar file einderiv.lark not found (looked in the einderiv package and in "
        f"{source}); reinstall einderiv"
    )
