"""Constants as exact numbers: powers of numbers multiplied exactly (a rule of ``simplify``).

Input: a product node. Output: the product with its numbers and powers of numbers made one
number, or None.
Invariants: only when no power needs more than ``EXACT_BITS`` bits: a power left unfolded
(``2^20000``, past the bound) is multiplied with the others when their product is within it
(``2^20001 2^-20000`` is 2: in float64, inf times 0 would be nan).
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.calculus.rewriting import EXACT_BITS, Rule, exact_product, power_bits
from einderiv.calculus.rewriting import rule as register
from einderiv.ir import index_ir as T
from einderiv.ir.index_ir import Term

RULES: list[Rule] = []


def rule(kind: type, formula: str, needs: tuple = ()):
    """Register ``fn`` in ``RULES`` as the rule ``formula`` for ``kind`` nodes."""
    return register(kind, formula, RULES, needs)


@rule(T.Prod, "2^6001 2^-6000 x -> 2 x  (powers of numbers multiplied exactly)", needs=(T.Pow,))
def prod_number_powers(t: T.Prod):
    powers = [f for f in t.factors if _number_power(f)]
    if not powers or len(powers) + sum(type(f) is T.Num for f in t.factors) < 2:
        return None
    values = [f.value for f in t.factors if type(f) is T.Num]
    for f in powers:
        n = int(f.exponent.value)
        base = f.base.value
        if base in (0, 1, -1) or power_bits(base, n) > 2 * EXACT_BITS:
            return None
        values.append(base**n)
    coeff = exact_product(values)
    if coeff is None:
        return None
    rest = tuple(f for f in t.factors if type(f) is not T.Num and not _number_power(f))
    return T.Prod((T.Num(coeff), *rest), t.summed)


def _number_power(f: Term) -> bool:
    """``2^20000``: a number to an integer power (left a power past ``EXACT_BITS``)."""
    return (
        type(f) is T.Pow
        and type(f.base) is T.Num
        and type(f.exponent) is T.Num
        and f.exponent.value.denominator == 1
    )


@rule(T.Affine, "(2) -> 2  (an integer form with no symbol left is a number)")
def affine_literal(t: T.Affine):
    # sum_{r=0}^{1} r X^(r-1) written out: its first term's factor (0) is the number 0, so the
    # term is 0 (was printed 0 X^-1, and evaluated the inverse of a singular X)
    return T.Num(Fraction(t.const)) if t.is_literal else None
