"""Powers of square roots in one reduced form, for the exact evaluator (``exact``).

Input: index-IR terms (a factor, a product's factors).
Output: ``(s, m)`` for a term that is ``s^(m/2)`` (``sqrt(s)``, ``s^(3/2)``, ``sqrt(s)^3``), the
factors of a product with the powers of one root merged into one power; ``shifted_exponent``:
a real exponent as (its part that is no integer, its integer constant).
Invariants: ``exact`` writes ``s^(m/2)`` as ``s^((m-1)/2) r`` with ``r`` the root's unknown
(``r r`` is not ``s`` there), so ``sqrt(s)^3``, ``(sqrt(s)^3)^-1`` and ``sqrt(s)^-1 sqrt(s)^-1
sqrt(s)^-1`` must reach it as one power of s, never as a power of r.
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.ir import index_ir as T
from einderiv.ir.ops import SQRT

__all__ = ["half_power", "merged_roots", "root_power", "roots_product", "shifted_exponent"]


def half_power(t: T.Term) -> tuple[T.Term, int] | None:
    """(s, m) when ``t`` is ``s^(m/2)`` for an odd m, written as a power or ``sqrt(s)``."""
    if type(t) is T.Func and t.name == SQRT.name:
        return t.arg, 1
    if type(t) is T.Pow and type(t.exponent) is T.Num and t.exponent.value.denominator == 2:
        return t.base, t.exponent.value.numerator
    return None


def root_power(t: T.Term) -> tuple[T.Term, int] | None:
    """(s, m) when ``t`` is ``s^(m/2)``: a half power, or one raised to an integer power
    (``sqrt(s)^3`` is s^(3/2); m may be even: ``sqrt(s)^2`` is s)."""
    if type(t) is T.Pow and type(t.exponent) is T.Num and t.exponent.value.denominator == 1:
        inner = half_power(t.base)
        return None if inner is None else (inner[0], inner[1] * int(t.exponent.value))
    return half_power(t)


def merged_roots(factors: tuple) -> tuple:
    """Factors that are powers of one root as one power (reduced as the evaluator reduces it):
    ``sqrt(s)^-1 sqrt(s)^-1 sqrt(s)^-1`` is ``s^(-3/2)``, as ``sqrt(s)^-3`` is."""
    halves: dict = {}
    for f in factors:
        if (half := root_power(f)) is not None:
            halves.setdefault(half[0], []).append(half[1])
    if all(len(m) < 2 for m in halves.values()):
        return factors
    rest = [f for f in factors if (h := root_power(f)) is None or len(halves[h[0]]) < 2]
    merged = [T.Pow(s, T.Num(Fraction(sum(m), 2))) for s, m in halves.items() if len(m) > 1]
    return (*rest, *merged)


def roots_product(t: T.Term) -> bool:
    """A product summing nothing with a root among its factors (``sqrt(s) sqrt(u)^3``)."""
    return type(t) is T.Prod and not t.summed and any(root_power(f) is not None for f in t.factors)


def shifted_exponent(e: T.Term) -> tuple[T.Term | None, int]:
    """``(e0, c)`` with ``e = e0 + c``, c the integer constant of the sum ``e`` (5/4: 1/4 and
    1; tanh(s) - 1: tanh(s) and -1); e0 None when e is that integer."""
    if type(e) is T.Num:
        c = e.value.numerator // e.value.denominator
        return (T.Num(e.value - c) if e.value != c else None), c
    terms = e.terms if type(e) is T.Add else (e,)
    whole = [u for u in terms if type(u) is T.Num and u.value.denominator == 1]
    rest = tuple(u for u in terms if not any(u is w for w in whole))
    c = int(sum(u.value for u in whole))
    if not rest:
        return None, c
    return (rest[0] if len(rest) == 1 else T.Add(rest)), c
