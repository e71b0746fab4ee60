"""Reading named forms back (SPEC section 7, ``show(cse=True)``): the result line with every
definition put back, parenthesised, last to first -- text of the same function."""

from __future__ import annotations

import re


def substituted(text: str, left: str = "(", right: str = ")") -> str:
    """``t1 = A x`` / ``t1' t1`` -> ``(A x)' (A x)``; LaTeX names (``t_{1}``) with ``\\left(``."""
    *definitions, result = text.split("\n")
    for line in reversed(definitions):
        name, body = line.split(" = ", 1)
        result = re.sub(
            rf"(?<![\w\\]){re.escape(name)}(?!\w)",
            lambda _, body=body: f"{left}{body}{right}",
            result,
        )
    return result
