"""Numbers as text: exact fractions as einderiv writes them, in text and in LaTeX.

Input: a ``Fraction``. Output: ``3``, ``0.25``, ``1/3``, ``1e308`` (``format_number``); past
float64's terms, n/d b^k exactly when n and d are small (``(2 10^400)``, ``(2^2001/3)``:
``power_parts``), else the value as float64 arithmetic has it (``float_parts``, ``latex_float``).
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
    past float64's range, n/d b^k exactly (``(2 10^400)``, ``(2^2001/3)``) or else a float64
    mantissa times a power of 2 (``(0.974... 2^1586)`` for 3^1000): the same value in float64
    arithmetic, which evaluates it."""
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
    exact = power_parts(value)
    if exact is not None:  # 2 10^400, 2^2000/3: exact, as a user writes it
        n, d, base, k = exact
        head = "-" * (n < 0) + (f"{abs(n)} " if abs(n) != 1 else "")
        text = f"{head}{base}^{k}" + (f"/{d}" if d != 1 else "")
        return f"({text})"  # (10^-400) x': the sign of the exponent stays with it
    m, e = parts
    return f"({m!r} 2^{e})"


_SMALL = 10**15  # the terms of a factor written in front of a power: exact in float64 too


def power_parts(value: Fraction) -> tuple[int, int, int, int] | None:
    """``(n, d, b, k)`` with ``value`` = n/d b^k exactly, b 10 or 2 and n, d small (``(2, 1, 10,
    400)`` for 2 10^400, ``(2, 1, 10, -400)`` for 2 10^-400, ``(1, 3, 2, 2000)`` for 2^2000/3),
    or None (3^1000: no such small factor)."""
    for base in (10, 2):
        k = _valuation(value.numerator, base) - _valuation(value.denominator, base)
        r = value / Fraction(base) ** k
        while r.denominator > 1 and (r * base).denominator < r.denominator:
            r, k = r * base, k - 1  # 1/5 10^-399 is 2 10^-400
        if k and abs(r.numerator) < _SMALL and r.denominator < _SMALL:
            return r.numerator, r.denominator, base, k
    return None


def _valuation(n: int, base: int) -> int:
    """How many times ``base`` divides ``n`` (n != 0), in about log steps of n's length."""
    n, k = abs(n), 0
    step = base
    steps = [(step, 1)]
    while n % (step * step) == 0 and step.bit_length() < n.bit_length():
        step, power = step * step, steps[-1][1] * 2
        steps.append((step, power))
    for step, power in reversed(steps):
        while n % step == 0 and n:
            n, k = n // step, k + power
    return k


def latex_float(value: Fraction) -> str | None:
    """``\\left(0.5 \\cdot 2^{1032}\\right)`` for a number past float64's range (2^1031),
    ``10^{308}`` or ``\\left(15 \\cdot 10^{19}\\right)`` for an integer that text writes
    ``1e308`` or ``15e19``, ``10^{-5}`` or ``\\left(2.5 \\cdot 10^{-9}\\right)`` for a number
    that float64 writes ``1e-05`` or ``2.5e-09`` (``2e-07`` typesets as 2e - 07, the e a
    letter), else None (the text form is LaTeX as it is)."""
    text = format_number(value)
    if "e" in text and value.denominator == 1 and "." not in text:
        mantissa, zeros = text.split("e")
        if mantissa == "1":
            return f"10^{{{zeros}}}"
        return rf"\left({mantissa} \cdot 10^{{{zeros}}}\right)"
    if "e" in text and "(" not in text:  # 2e-07, as float64 writes it: 2 \cdot 10^{-7}
        mantissa, exponent = text.split("e")
        power = f"10^{{{int(exponent)}}}"
        if mantissa.lstrip("-") == "1":
            return power if mantissa == "1" else rf"\left(-{power}\right)"
        return rf"\left({mantissa} \cdot {power}\right)"
    parts = float_parts(value) if max(abs(value.numerator), value.denominator) > _MAX else None
    if parts is None:
        return None
    exact = power_parts(value)
    if exact is not None:  # 2 \cdot 10^{400}, \frac{2^{2000}}{3}
        n, d, base, k = exact
        sign, power = "-" * (n < 0), f"{base}^{{{k}}}"
        if d != 1:
            head = f"{abs(n)} \\cdot " if abs(n) != 1 else ""
            return rf"\left({sign}\frac{{{head}{power}}}{{{d}}}\right)"
        return (
            rf"\left({sign}{abs(n)} \cdot {power}\right)"
            if abs(n) != 1
            else (rf"\left({sign}{power}\right)" if sign else power)
        )
    m, e = parts
    return rf"\left({m!r} \cdot 2^{{{e}}}\right)"
