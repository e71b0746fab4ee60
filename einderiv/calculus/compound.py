"""Rules for compound indices: ``delta[c,(i,j)]`` (``index_ir.Pair``), the index algebra of
``vec`` and ``kron``.

Input: one index-IR product. Output: an equal product, or None when the rule does not apply.
Invariants: ``RULES`` is data like ``rules.RULES`` (``simplify`` runs all tables). A compound
index and its pair determine each other, so two ``Pair`` factors that share the compound share
the pair (and the other way round); a ``Pair`` summed over its compound alone, or over both
ends of its pair alone, is 1. With these and the ordinary delta contraction, ``vec`` and
``kron`` of a derivative reduce to plain deltas: ``d vec(X)[c] / dX[k,l] = delta[c,(k,l)]``.
"""

from __future__ import annotations

from einderiv.calculus.rewriting import Rule, rule
from einderiv.ir import index_ir as T
from einderiv.ir.index_ir import Term

RULES: list[Rule] = []


# delta[c,(i,j)] delta[c,(k,l)] -> delta[c,(i,j)] delta[i,k] delta[j,l]
# delta[c,(i,j)] delta[d,(i,j)] -> delta[c,(i,j)] delta[c,d]
@rule(
    T.Prod,
    "delta[c,(i,j)] delta[c,(k,l)] -> delta[c,(i,j)] delta[i,k] delta[j,l]",
    RULES,
    needs=(T.Pair,),
)
def prod_pair_shared(t: T.Prod):
    by_compound: dict[T.Index, T.Pair] = {}
    by_pair: dict[tuple, T.Pair] = {}
    for k, f in enumerate(t.factors):
        if type(f) is not T.Pair:
            continue
        first = by_compound.get(f.c)
        if first is not None and (first.i.dim, first.j.dim) != (f.i.dim, f.j.dim):
            continue  # c split two ways, (4, 6) and (8, 3): not pair by pair (left as it is)
        if first is not None:
            made: tuple[Term, ...] = (T.Delta(first.i, f.i), T.Delta(first.j, f.j))
        else:
            first = by_pair.get((f.i, f.j))
            if first is None:
                by_compound[f.c] = by_pair[(f.i, f.j)] = f
                continue
            made = (T.Delta(first.c, f.c),)
        rest = t.factors[:k] + t.factors[k + 1 :]
        return T.Prod(rest + made, t.summed)
    return None


# sum_c delta[c,(i,j)] u -> u    (c in no other factor: every pair (i, j) has one c)
# sum_{i,j} delta[c,(i,j)] u -> u    (i, j in no other factor: every c has one pair)
@rule(
    T.Prod,
    "sum_c delta[c,(i,j)] u -> u;  sum_{i,j} delta[c,(i,j)] u -> u",
    RULES,
    needs=(T.Pair,),
)
def prod_pair_summed(t: T.Prod):
    if not t.summed or T.Pair not in map(type, t.factors):
        return None
    summed = set(t.summed)
    uses: dict[T.Index, int] = {}
    for f in t.factors:
        for i in T.free(f):
            uses[i] = uses.get(i, 0) + 1
    for k, f in enumerate(t.factors):
        if type(f) is not T.Pair:
            continue
        if f.c in summed and uses[f.c] == 1 and f.c not in (f.i, f.j):
            gone, kept = {f.c}, (f.i, f.j)
        elif f.i != f.j and {f.i, f.j} <= summed and uses[f.i] == uses[f.j] == 1:
            gone, kept = {f.i, f.j}, (f.c,)
        else:
            continue
        ones = tuple(T.Ones(i) for i in dict.fromkeys(kept))
        rest = t.factors[:k] + t.factors[k + 1 :] + ones
        return T.Prod(rest, tuple(s for s in t.summed if s not in gone))
    return None
