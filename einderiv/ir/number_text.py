"""Numbers as text: exact fractions as einderiv writes them, in text and in LaTeX.

Input: a ``Fraction``. Output: ``3``, ``0.25``, ``1/3``, ``1e308`` (``format_number``); past
float64's terms, the value as float64 arithmetic has it (``float_parts``, ``latex_float``).
Invariants: every text reads back to the same value in float64 arithmetic (which is how every
value is evaluated); the exact value too while its terms are at most float64's largest.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

__all__ = ["float_parts", "format_number", "latex_float"]

_MAX = int(sys.float_info.max)


def format_number(value: Fraction) -> str:
    """``3``, ``0.25``, ``1/3``, ``1e20`` (an integer past 10^16 ending in zeros). A number whose
    terms are past float64's largest (which no text reads) is written as float64 writes it: its nearest float64 (``1.0`` for 1 + 2^-6000), or,
    past float64's range, a float64 mantissa times a power of 2 (``(0.5 2^1032)`` for
    2^1031): the same value in float64 arithmetic, which evaluates it."""
    if max(abs(value.numerator), value.denominator) > _MAX:
        return _float_text(value)
    if value.denominator == 1:
        return _integer_text(value.numerator)
    as_float = float(value)
    if Fraction(repr(as_float)) == value:
        return repr(as_float)
    return f"{value.numerator}/{value.denominator}"


def _integer_text(n: int) -> str:
    """``120`` as written; ``1e308`` for 10^308 (exact: ``1e308`` reads as the integer), when the
    trailing zeros make the digits longer than the mantissa and exponent."""
    digits = str(abs(n))
    mantissa = digits.rstrip("0")
    zeros = len(digits) - len(mantissa)
    if abs(n) < 10**16 or len(mantissa) + 1 + len(str(zeros)) >= len(digits):
        return str(n)
    return f"{'-' if n < 0 else ''}{mantissa}e{zeros}"


def float_parts(value: Fraction) -> tuple[float, int] | None:
    """``(m, e)`` with ``value`` about m 2^e (m a float64 in [0.5, 1)), for a number past
    float64's range; None when its nearest float64 is finite and not 0."""
    try:
        near = float(value)
    except OverflowError:
        near = math.inf
    if value == 0 or (near != 0.0 and math.isfinite(near)):
        return None
    e = value.numerator.bit_length() - value.denominator.bit_length()
    m = float(value / Fraction(2) ** e)  # in [0.5, 2): one more halving if needed
    if abs(m) >= 1:
        m, e = m / 2, e + 1
    return m, e


def _float_text(value: Fraction) -> str:
    parts = float_parts(value)
    if parts is None:
        return repr(float(value))
    m, e = parts
    return f"({m!r} 2^{e})"


def latex_float(value: Fraction) -> str | None:
    """``\\left(0.5 \\cdot 2^{1032}\\right)`` for a number past float64's range (2^1031),
    ``10^{308}`` or ``\\left(15 \\cdot 10^{19}\\right)`` for an integer that text writes
    ``1e308`` or ``15e19``, else None (the text form is LaTeX as it is)."""
    text = format_number(value)
    if "e" in text and value.denominator == 1 and "." not in text:
        mantissa, zeros = text.split("e")
        if mantissa == "1":
            return f"10^{{{zeros}}}"
        return rf"\left({mantissa} \cdot 10^{{{zeros}}}\right)"
    parts = float_parts(value) if max(abs(value.numerator), value.denominator) > _MAX else None
    if parts is None:
        return None
    m, e = parts
    return rf"\left({m!r} \cdot 2^{{{e}}}\right)"
