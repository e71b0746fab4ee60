"""Products of a kink's function and its own argument (or another kink function of it) written
as one function, for ``check``: ``2 relu(a) step(a)`` (einderiv's d relu(a)^2 / da) is the
claim ``2 relu(a)``.

Input: an index-IR term. Output: ``kink_products(t)``: ``t`` with, in every product, a pair of
factors over one argument u replaced by one factor --
``step(u) u -> relu(u)``, ``sign(u) u -> abs(u)``, ``relu(u) step(u) -> relu(u)``,
``relu(u) sign(u) -> relu(u)``, ``abs(u) step(u) -> relu(u)``, ``abs(u) sign(u) -> u`` --
and ``step(u)^k -> step(u)``; a factor g^k (k a positive integer) pairs as g^(k - 1) g.
Invariants: each rewrite holds at every real u, 0 included, with SPEC 6.1's values at the
kink (step(0) = sign(0) = relu(0) = abs(0) = 0: both sides are 0 there), and a factor u of
the product is that very term (the same indices), so the value of every entry of the product
is kept: a term equal to another after it is equal to it everywhere (a proof stays a proof).
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.ir.ops import ELEMENTWISE

__all__ = ["kink_products"]

# (the kink function, the other factor's kind) -> what the pair is, "u" the argument itself:
# the registry's folds (step(u) u -> relu(u), sign(u) abs(u) -> u, ...)
_PAIRS = {(f, g): h for f, op in ELEMENTWISE.items() for g, h in op.folds}


def kink_products(t: T.Term) -> T.Term:
    """``t`` with the products of the module docstring folded (children first)."""
    kids = [kink_products(c) for c in T.children(t)]
    t = T.with_children(t, kids) if kids else t
    if type(t) is T.Pow and _idempotent(t.base) and _positive_integer(t.exponent):
        return t.base  # step(u)^k = step(u)
    if type(t) is not T.Prod:
        return t
    factors = list(t.factors)
    while (found := _pair(factors)) is not None:
        i, j, made = found
        factors = [f for k, f in enumerate(factors) if k not in (i, j)] + [made]
    if len(factors) == len(t.factors):
        return t
    if len(factors) == 1 and not t.summed:
        return factors[0]
    return t.replace(factors=tuple(factors))


def _pair(factors: list):
    """(i, j, what replaces them) for the first pair of ``factors`` that ``_PAIRS`` folds; a
    factor g^k (k a positive integer) pairs as g^(k - 1) g: u^2 step(u) = u relu(u)."""
    for i, f in enumerate(factors):
        if type(f) is not T.Func or not ELEMENTWISE[f.name].folds:
            continue
        for j, g in enumerate(factors):
            if j == i:
                continue
            base, rest = g, None
            if type(g) is T.Pow and _positive_integer(g.exponent) and g.exponent.value > 1:
                base = g.base
                k = g.exponent.value - 1
                rest = base if k == 1 else T.Pow(base, T.Num(k))
            kind = "u" if base == f.arg else ""
            if type(base) is T.Func and base.arg == f.arg:
                kind = base.name
            made = _PAIRS.get((f.name, kind))
            if made is not None:
                one = f.arg if made == "u" else T.Func(made, f.arg)
                return i, j, one if rest is None else T.Prod((rest, one))
    return None


def _idempotent(t: T.Term) -> bool:
    return type(t) is T.Func and ELEMENTWISE[t.name].idempotent


def _positive_integer(e: T.Term) -> bool:
    return type(e) is T.Num and e.value.denominator == 1 and e.value > 0
