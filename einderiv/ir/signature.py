"""Signatures: cheap hashes that terms with equal canonical forms share.

Input: an index-IR term (a product, typically a term of a sum). Output: ``signature(t)``, a
tuple of ints; ``signature(t, refined=True)``, a finer one; ``blind_hash(t)``, an int blind to
every index name.
Invariants:
- Equal canonical forms have equal signatures (both kinds): a signature is a summary of the
  product as a graph (factors joined by summed indices), blind to the names of summed indices
  and the order of factors. So different signatures prove two terms different; equal ones must
  still be compared by canonical key (``canon``). ``add_collect`` buckets terms this way.
- Linear in the size of the product; descriptions of a product's factors are memoised within
  one derivation (``canon.memo_table``).
"""

from __future__ import annotations

from itertools import compress
from operator import not_

from einderiv.ir import index_ir as T
from einderiv.ir.canon import memo_table

_OWN = memo_table()  # a product -> its factors' descriptions (both signatures use them)
_BLIND = memo_table()  # a term -> its hash blind to index names


def signature(t: T.Term, refined: bool = False) -> tuple:
    """A hashable summary of ``t`` that is equal for terms with equal canonical forms: the
    multiset of its factors' descriptions, summed indices blanked (so different signatures
    prove two terms different; equal ones must still be compared by canonical key).

    ``refined``: each factor's description also holds, for each of its summed indices, the
    descriptions of the factors it shares that index with (one round of colour refinement, as
    in graph isomorphism tests): ``A1[j,a] X[a,b] A2[b,i]`` and ``A2[j,a] X[a,b] A1[b,i]`` then
    differ. Linear in the size of the product; a summary of the graph, so still invariant under
    renaming the summed indices and reordering the factors."""
    if not isinstance(t, T.Prod):
        return (hash(_describe(t, frozenset())),)
    summed = frozenset(t.summed)
    own = _OWN.get(t)
    if own is None:
        own = _OWN[t] = [hash(_describe(f, summed)) for f in t.factors]
    if not refined or not summed:
        return tuple(sorted(own))
    slots = [_summed_slots(f, summed) for f in t.factors]
    ends: dict[T.Index, list] = {}
    for mine, places in zip(own, slots):
        for i, place in places:
            ends.setdefault(i, []).append(hash((mine, place)))
    around = {i: hash(tuple(sorted(found))) for i, found in ends.items()}
    return tuple(
        sorted(
            hash((mine, tuple(sorted([(place, around[i]) for i, place in places]))))
            for mine, places in zip(own, slots)
        )
    )


def anchored_signature(t: T.Term) -> tuple:
    """The cheapest summary: the number of factors, and the factors that carry the product's
    free indices, each with the descriptions of its neighbours along summed indices (the rest
    of the product is not looked at beyond finding those neighbours). Terms of one sum differ
    there most often (``A2 X .. A1`` and ``A3 X .. A2``): then no other factor is described."""
    if not isinstance(t, T.Prod) or not t.summed:
        return signature(t)
    summed = frozenset(t.summed)
    outside = T.free(t)
    factors = t.factors
    frees = list(map(T.free, factors))  # map and compress: the per-factor loops run in C
    anchored = list(compress(range(len(frees)), map(not_, map(outside.isdisjoint, frees))))
    near = summed & frozenset().union(*[frees[k] for k in anchored])  # their summed indices
    ends: dict[T.Index, list] = {}
    if near:
        for f in compress(factors, map(not_, map(near.isdisjoint, frees))):
            mine = hash(_describe(f, summed))
            for i, place in _summed_slots(f, summed):
                if i in near:
                    ends.setdefault(i, []).append(hash((mine, place)))
    around = {i: hash(tuple(sorted(found))) for i, found in ends.items()}
    return (len(factors), len(summed)) + tuple(
        sorted(
            hash(
                (
                    hash(_describe(f, summed)),
                    tuple(sorted([(p, around[i]) for i, p in _summed_slots(f, summed)])),
                )
            )
            for f in (factors[k] for k in anchored)
        )
    )


def _summed_slots(f: T.Term, summed: frozenset) -> list:
    """(index, place) for each summed index of ``f``: its position where canonical forms keep
    positions (entries of a variable, a power, a pair), else -1."""
    kind = type(f)
    if kind is T.Var or kind is T.MatPow:
        return [(i, k) for k, i in enumerate(f.indices) if i in summed]
    if kind is T.Pair:
        return [(i, k) for k, i in enumerate((f.c, f.i, f.j)) if i in summed]
    return [(i, -1) for i in T.free(f) & summed]


def _describe(f: T.Term, summed: frozenset) -> tuple:
    kind = type(f)
    if kind is T.Var:
        return (f.name, tuple([None if i in summed else i for i in f.indices]))
    if kind is T.Delta:
        ends = [None if i in summed else i for i in (f.a, f.b)]
        return ("delta", frozenset(ends), ends.count(None))
    if kind is T.Ones:
        return ("ones", None if f.index in summed else f.index)
    if kind is T.Pair:
        return ("pair", tuple([None if i in summed else i for i in (f.c, f.i, f.j)]))
    if kind is T.MatPow:  # a variable's power (inverse): its base's name; positions as for Var
        base = f.base.name if type(f.base) is T.Var else None
        places = tuple([None if i in summed else i for i in f.indices])
        return ("matpow", base, f.exponent, places)
    if kind is T.Num or kind is T.Size or kind is T.Affine:
        return (kind.__name__, f)
    indices = T.free(f)
    return (kind.__name__, indices - summed, len(indices & summed))


def blind_hash(t: T.Term) -> int:
    """A hash of ``t`` blind to the names of all its indices, free and summed: equal for terms
    equal up to a renaming of their indices (a necessary condition, as signatures are). Linear
    in the size of ``t`` as a graph (memoised within one derivation)."""
    found = _BLIND.get(t)
    if found is None:
        kind = type(t)
        if kind is T.Var:
            found = hash((t.name, tuple(i.dim for i in t.indices)))
        elif isinstance(t, T.LEAVES):
            found = hash((kind.__name__, t) if kind in (T.Num, T.Size, T.Affine) else kind)
        else:
            kids = [blind_hash(c) for c in T.children(t)]
            if kind is T.Add or kind is T.Prod:
                kids.sort()
            found = hash((kind.__name__, getattr(t, "name", None), tuple(kids)))
        _BLIND[t] = found
    return found
