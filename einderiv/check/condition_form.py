"""One form for the term of a condition (``domain.condition_of``), however the claim or the
expression wrote it.

Input: an index-IR term whose sign a condition states (``u > 0``, ``u != 0``).
Output: ``condition_form(t)``: the term with each even power of a square root a power of the
root's base (``(u^(1/2))^2`` -> u, ``sqrt(u)^-2`` -> u^-1), factors 1 dropped (``1 ones[i]``,
how ``1 + u`` lowers, -> ``ones[i]``), nested products flattened, the numbers of a product
one number (``-1 (4 x^2)`` -> ``-4 x^2``); ``t`` itself when nothing changed.
Invariants: equal to ``t`` wherever ``t`` is defined (a root's base is >= 0 where the root is,
a condition of its own), so a condition on ``t`` is the same condition on this form:
``norm2(x)^2 / n + e > 0`` is ``x' x / n + e > 0``, and log1p(u)'s ``1 + u > 0`` covers a
claim's ``1 + u != 0`` however its 1 is written. ``unit_gap(u)``: ``1 - u^2``, the term of
the condition of a function defined on [-1, 1] (the form its derivative's ``(1 - u^2)^-1/2``
takes, so the expression's ``1 - u^2 >= 0`` and the claim's ``1 - u^2 > 0`` name one term).
``power_base(kind, u^p)``: the same condition on the power's base (u^2 > 0 is u != 0).
"""

from __future__ import annotations

import math
from fractions import Fraction

from einderiv.calculus.rules import prod_delta
from einderiv.calculus.simplify import flatten, simplify
from einderiv.check.roots import root_power
from einderiv.ir import index_ir as T
from einderiv.ir.ops import ones_like

__all__ = ["condition_form", "contracted", "power_base", "unit_gap"]


def unit_gap(u: T.Term) -> T.Term:
    """``1 - u^2``, broadcast over u's free indices, simplified as the derivative's is (``1 -
    4 x^2`` of u = 2 x)."""
    return simplify(T.Add((ones_like(u), T.Prod((T.MINUS_ONE, T.Pow(u, T.Num(Fraction(2))))))))


def contracted(t: T.Term, memo: dict | None = None) -> T.Term:
    """``t`` with the deltas of each product over summed indices contracted (an index claim's
    ``sum_{a,c} u[a] v[c] delta[i,a,c]`` -> ``u[i] v[i]``): the same value, whose sign
    ``signs.sign_of`` can then read, in the form the expression's condition has; ``t`` itself
    when it has none. One walk (``memo``: each shared node once)."""
    memo = {} if memo is None else memo
    if t not in memo:
        kids = T.children(t)
        done = [contracted(u, memo) for u in kids]
        out = t if all(a is b for a, b in zip(done, kids)) else T.with_children(t, done)
        if type(out) is T.Prod and out.summed and any(type(f) is T.Delta for f in out.factors):
            out = prod_delta(out) or out
            if type(out) is T.Prod and len(out.factors) == 1 and not out.summed:
                out = out.factors[0]  # sum_{a,b} P[a,b] delta[i,a,b] -> (P[i,i]) -> P[i,i]
        memo[t] = out
    return memo[t]


def power_base(kind: str, t: T.Term) -> tuple[str, T.Term]:
    """The condition ``kind`` (positive, nonzero) of the power ``t``, as the same condition of
    its base, however the power is written; ``(kind, t)`` when ``t`` is no such power."""
    while kind == "positive" and type(t) is T.Pow and _even(t.exponent):
        kind, t = "nonzero", t.base  # u^2 > 0 where u != 0: log(a^2) needs a != 0, as 2/a does
    while kind == "nonzero" and type(t) is T.Pow and type(t.exponent) is T.Num:
        if t.exponent.value <= 0:
            break
        t = t.base  # u^2 != 0 where u != 0: one condition, however a divisor is written
    while kind == "positive" and type(t) is T.Pow and _root(t.exponent):
        t = t.base  # (x' x)^(1/2) > 0 (log(norm2(x))) where x' x > 0: u^p needs u >= 0
    return kind, t


def _even(e: T.Term) -> bool:
    """A positive even integer exponent (2, 4, ...)."""
    return type(e) is T.Num and e.value > 0 and e.value.denominator == 1 and e.value % 2 == 0


def _root(e: T.Term) -> bool:
    """A positive exponent that is not whole (1/2, 3/2): u^e is defined where u >= 0."""
    return type(e) is T.Num and e.value > 0 and e.value.denominator != 1


def condition_form(t: T.Term) -> T.Term:
    """``t`` in the one form (see the module docstring)."""
    out = _plain(t, {})
    return _numbers(t if out is t else flatten(out), {})


def _numbers(t: T.Term, memo: dict) -> T.Term:
    """The numbers of each product of ``t`` multiplied into one (``-1 (4 x^2)``, flattened to
    ``-1 4 x^2``, is ``-4 x^2``, as the derivative's ``1 - 4 x^2`` writes it)."""
    if t not in memo:
        out = T.with_children(t, [_numbers(u, memo) for u in T.children(t)])
        numbers = [f.value for f in out.factors if type(f) is T.Num] if type(out) is T.Prod else []
        if len(numbers) > 1:
            rest = tuple(f for f in out.factors if type(f) is not T.Num)
            product = math.prod(numbers, start=Fraction(1))
            factors = rest if product == 1 and rest else (T.Num(product), *rest)
            out = out.replace(factors=factors) if len(factors) > 1 or out.summed else factors[0]
        memo[t] = out
    return memo[t]


def _plain(t: T.Term, memo: dict) -> T.Term:
    if t not in memo:
        out = T.with_children(t, [_plain(u, memo) for u in T.children(t)])
        found = root_power(out) if type(out) is T.Pow else None
        if found is not None and found[1] % 2 == 0 and found[1]:
            half = found[1] // 2  # (u^(1/2))^2 -> u
            out = found[0] if half == 1 else T.Pow(found[0], T.Num(Fraction(half)))
        if type(out) is T.Prod and T.ONE in out.factors and len(out.factors) > 1:
            rest = tuple(f for f in out.factors if f != T.ONE)  # 1 ones[i] -> ones[i]
            out = out.replace(factors=rest) if len(rest) > 1 or out.summed else rest[0]
        if type(out) is T.Prod and any(type(f) is T.Ones for f in out.factors):
            out = _ones_dropped(out)
        memo[t] = out
    return memo[t]


def _ones_dropped(t: T.Prod) -> T.Term:
    """``t`` without its factors ones[a] whose index another factor has (``ones[a] p[a]``
    summed over a is ``sum(p)``, as the expression's ``sum(p)`` lowers; ``x[i] ones[i]`` is
    x[i]); a ones[a] alone on its index stays (``sum_a ones[a]`` is the size)."""
    held = {i for f in t.factors if type(f) is not T.Ones for i in T.free(f)}
    rest = tuple(f for f in t.factors if type(f) is not T.Ones or f.index not in held)
    if len(rest) == len(t.factors):
        return t
    return t.replace(factors=rest) if len(rest) > 1 or t.summed else rest[0]
