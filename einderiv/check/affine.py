"""Integer exponents in index-IR terms: which terms are integers, and as one affine form.

Input: an index-IR term (an exponent: ``k + 1``, ``2 k``, ``k^2 - 1``, ``len(x) - 1``).
Output: ``integer_valued`` (an integer for every value of its integer symbols and sizes),
``as_affine`` (the term as one ``T.Affine`` in the integer symbols, or None),
``never_negative`` (>= 0 at every value, sizes and the integer symbols named as sizes >= 1) and
``folded`` (a term with each power's integer exponent one ``T.Affine``: ``s^(n + -1)``, as
parsed, is ``s^(n - 1)``, as a derivative writes it).
Invariants: both are syntactic: True or a form is a proof for every value; False or None is
only "not shown" (``domain`` then keeps the stronger condition).
"""

from __future__ import annotations

import math
from fractions import Fraction

from einderiv.ir import index_ir as T

__all__ = ["as_affine", "folded", "integer_valued", "never_negative"]


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


def never_negative(e: T.Term, sizes=frozenset()) -> bool:
    """Whether ``e`` is >= 0 at every value of its integer symbols and sizes, a size (``Size``,
    and each symbol of ``sizes``: ``x: vector(n); n: integer``) being at least 1 and any other
    symbol any integer: ``n - 1``, ``len(x) - 1``, ``2 n len(x) - 2``; not ``n - 2``, ``k``."""
    bound = _least(e, sizes)
    return bound is not None and bound >= 0


def always_positive(e: T.Term, sizes=frozenset()) -> bool:
    """Whether ``e`` is > 0 at every value of its integer symbols and sizes (``never_negative``'s
    terms): ``n``, ``2 n + 1`` of a size n (``x: vector(n); n: integer``), ``len(x)``, and a
    power of one (``n^1.5``: b > 0 gives b^v > 0 for every v)."""
    if type(e) is T.Pow:
        return always_positive(e.base, sizes)
    bound = _least(e, sizes)
    return bound is not None and bound > 0


def _least(e: T.Term, sizes) -> Fraction | None:
    """A lower bound of ``e`` over its domain (None: none shown)."""
    match e:
        case T.Num(value=v):
            return v
        case T.Size() | T.Ones():
            return Fraction(1)
        case T.Affine():
            if any(n not in sizes or c < 0 for n, c in e.terms().items()):
                return None  # k, or -n: unbounded below
            return Fraction(e.const + sum(e.coeffs))
        case T.Add(terms=terms):
            parts = [_least(u, sizes) for u in terms]
            return None if None in parts else sum(parts, Fraction(0))
        case T.Prod(factors=factors):  # c times factors >= their bounds >= 0, c >= 0 (a sum
            # over an index has at least one term: every size is at least 1)
            c = math.prod(u.value for u in factors if type(u) is T.Num)
            parts = [_least(u, sizes) for u in factors if type(u) is not T.Num]
            if not parts and not e.summed:
                return c
            if None in parts or min([c, *parts]) < 0:
                return None
            return c * math.prod(parts)
        case T.Pow(base=base, exponent=T.Num(value=v)) if v.denominator == 1 and v >= 0:
            low = _least(base, sizes)
            return None if low is None or low < 0 else low**v.numerator
    return None


def folded(t: T.Term, sizes=frozenset()) -> T.Term:
    """``t`` with each power's exponent that is one integer form written as one (``s^(n +
    -1)`` as ``s^(n - 1)``, ``s^(2 - 1)`` as ``s^1``), and the size of each integer symbol
    of ``sizes`` (named as a size, so equal to it) as that symbol (``len(x)`` as ``n``): an
    equal term, in the form a derivative has (``t`` itself when nothing changes)."""
    memo: dict = {}

    def walk(u: T.Term) -> T.Term:
        done = memo.get(u)
        if done is None and type(u) is T.Size and u.dim in sizes:
            done = memo[u] = T.affine(0, {u.dim: 1})
        if done is None:
            kids = T.children(u)
            done = T.with_children(u, [walk(c) for c in kids]) if kids else u
            if type(done) is T.Pow and type(done.exponent) not in (T.Num, T.Affine):
                e = as_affine(done.exponent)
                if e is not None:
                    done = T.Pow(done.base, T.Num(Fraction(e.const)) if e.is_literal else e)
            memo[u] = done
        return done

    return walk(t)
