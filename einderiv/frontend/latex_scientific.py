"""Scientific notation as papers write it, read as one number: ``2 \\cdot 10^{-7}``, ``2.5
\\times 10^{4}`` and ``10^{-5}`` are the numbers ``2e-7``, ``2.5e4`` and ``1e-5``.

Input: the LaTeX text, where a number starts, and the number's match. Output: ``scientific``,
where the number ends and its text for the grammar. Invariants: the value is the exact decimal
(``Fraction("2e-7")``), so it evaluates to the float64 nearest to it, as ``2e-7`` does (read as
``2 (10.0 ** -7)`` it was ``3.0000000000000004e-08`` for ``3e-8``: the LaTeX einderiv writes for
such a number read back to another float); only an exponent of digits (``10^{k}`` stays a
power), never one with a power after it (``10^{2}^{3}``, refused elsewhere), never past
float64's range (``2 \\cdot 10^{400}`` stays a product, as the grammar refuses ``2e400``).
"""

from __future__ import annotations

import re

__all__ = ["scientific"]

_TEN = r"10\s*\^\s*(?:\{\s*([+-]?\d{1,4})\s*\}|(\d))"
_TIMES_TEN = re.compile(rf"\s*\\(?:cdot|times)(?![A-Za-z])\s*{_TEN}", re.ASCII)
_TEN_POWER = re.compile(_TEN, re.ASCII)
_POWER_AFTER = re.compile(r"\s*\^")


def scientific(text: str, start: int, number: re.Match) -> tuple[int, str]:
    """(end, token text) of the number ``number`` matched at ``start`` in ``text``: with the
    ``\\cdot 10^{k}`` after it, or the whole ``10^{k}`` it starts, when there is one."""
    written = number.group()
    times = _TIMES_TEN.match(text, number.end()) if "e" not in written.lower() else None
    bare = _TEN_POWER.match(text, start) if written == "10" else None
    found = times or bare
    if found is None or _POWER_AFTER.match(text, found.end()):
        return number.end(), written
    power = int(found.group(1) or found.group(2))
    if power + len(written.split(".")[0].lstrip("0")) > 307:  # past float64: 2 \cdot 10^{400}
        return number.end(), written
    return found.end(), f"{'1' if bare else written}e{power}"
