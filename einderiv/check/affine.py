"""Integer exponents in index-IR terms: which terms are integers, and as one affine form.

Input: an index-IR term (an exponent: ``k + 1``, ``2 k``, ``k^2 - 1``, ``len(x) - 1``).
Output: ``integer_valued`` (an integer for every value of its integer symbols and sizes) and
``as_affine`` (the term as one ``T.Affine`` in the integer symbols, or None).
Invariants: both are syntactic: True or a form is a proof for every value; False or None is
only "not shown" (``domain`` then keeps the stronger condition).
"""

from __future__ import annotations

import math
from fractions import Fraction

from einderiv.ir import index_ir as T

__all__ = ["as_affine", "integer_valued"]


def integer_valued(e: T.Term) -> bool:
    """An integer for every value of the integer symbols and sizes it is made of (``k^2``,
    ``k (k + 1)``, ``len(x) - 1``)."""
    match e:
        case T.Affine() | T.Size():
            return True
        case T.Num(value=v):
            return v.denominator == 1
        case T.Add(terms=terms):
            return all(map(integer_valued, terms))
        case T.Prod(factors=factors, summed=()):
            return all(map(integer_valued, factors))
        case T.Pow(base=base, exponent=T.Num(value=v)):
            return v.denominator == 1 and v >= 0 and integer_valued(base)
    return False


def as_affine(e: T.Term) -> T.Affine | None:
    """``e`` as one affine form in integer symbols (``k + 1``, ``2 k``), or None."""
    if type(e) is T.Affine:
        return e
    if type(e) is T.Pow and type(e.base) is T.Num and type(e.exponent) is T.Num:
        value = e.base.value**e.exponent.value if e.base.value else None  # (k+1)/1: 1^-1
        return as_affine(T.Num(value)) if isinstance(value, Fraction) else None
    if type(e) is T.Num:
        return T.affine(int(e.value)) if e.value.denominator == 1 else None
    if type(e) is T.Add:
        parts = [as_affine(u) for u in e.terms]
        if None in parts:
            return None
        total = T.affine()
        for part in parts:
            total = T.affine_add(total, part)
        return total
    if type(e) is T.Prod and not e.summed:
        parts = [as_affine(f) if type(f) is not T.Num else f for f in e.factors]
        numbers = [f.value for f in parts if type(f) is T.Num]
        numbers += [Fraction(f.const) for f in parts if type(f) is T.Affine and f.is_literal]
        rest = [f for f in parts if type(f) is T.Affine and not f.is_literal]
        scale = math.prod(numbers)
        if None in parts or len(rest) > 1 or scale.denominator != 1:
            return None
        return T.affine_scale(rest[0], int(scale)) if rest else T.affine(int(scale))
    return None
