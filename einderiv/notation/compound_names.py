"""The sizes of printed index names as the reader sees them: a compound is not its product.

Input: the index IR being printed (its ``T.Pair`` nodes ``delta[c,(i,j)]``).
Output: ``size_key(i, compounds)``, the size of an index as the reader types it (a compound's
leaves, fastest first); ``record_pairs``, the compounds of one product; ``unit_pairs(term)``,
whether a pair has a factor of size 1; ``commutations``, the pairs of a product that are a
commutation matrix, printed as one (``commutation(3, 3)[a,b]``).
Invariants: ``parse`` gives an index name one size class in the whole text and keeps a
compound apart from its own factor, though numbers agree (1*2 = 2 only for the 1): the
printer gives a name one ``size_key`` and, where a pair has a factor 1, every summed index a
name of its own (``printing._Printer``); a pair tied to its own compound (``delta[c,(a,j)]``
with c and j one index, a of 1) has the size of its compound.
"""

from __future__ import annotations

from collections import Counter

from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors, is_compound
from einderiv.notation.einstein import occurrences


def size_key(i: T.Index, compounds: dict, seen: frozenset = frozenset()) -> tuple:
    """The size of ``i``: its factors, fastest first; a compound index (``c`` of
    ``delta[c,(b,i)]``, or tied to one) the leaves of its pair, so that ``(1, 2)`` is not
    ``(2,)``: ``P[i,b] p[c]`` beside ``q[c] delta[c,(b,i)]`` (b of 1) is refused. ``seen``:
    the compounds above ``i``; a pair that holds its own compound (``delta[c,(a,j)]
    delta[c,j]``, a of 1) ends there, at its size."""
    if i in compounds and i not in seen:
        fast, slow = compounds[i]
        inner = seen | {i}
        return size_key(fast, compounds, inner) + size_key(slow, compounds, inner)
    return dim_factors(i.dim)


def record_pairs(compounds: dict, factors, ties) -> None:
    """Record in ``compounds`` those of a product as ``einsteinise`` wrote it: its pairs'
    (fresh) indices, also those of sums inside it (``q[c] (delta[c,(b,i)] + ..)``), and every
    index tied to one (``delta[c,d] delta[d,(b,i)]``)."""
    for f in factors:
        compounds.update((g.c, (g.i, g.j)) for g in T.nodes(f) if type(g) is T.Pair)
    for tie in ties:
        held = next((j for j in tie if j in compounds), None)
        if held is not None:
            compounds.update((j, compounds[held]) for j in tie if j != held)


def unit_pairs(term: T.Term) -> bool:
    """Whether a pair of ``term`` has a factor of size 1. Its compound 1*n is refused as one
    size with its own n, which one name reused in two terms can tie through the sizes of two
    variables (``A[d,g] delta[a,(d,g)] p[a]`` beside ``p[d]``, A n-by-1)."""
    return any(type(f) is T.Pair and 1 in (f.i.dim, f.j.dim) for f in T.nodes(term))


def commutations(factors: list, ties, latex: bool = False) -> list:
    """``factors`` (a product as ``einsteinise`` wrote it, with its ``ties``) with each pair of
    pairs that is a commutation matrix written as one: ``delta[r,(u,v)] delta[s,(v,u)]``, u and
    v (plain sizes) in no other factor or tie, is ``commutation(dim v, dim u)[r,s]``
    (``K_{m,n}`` in LaTeX). As deltas nothing sizes u and v but their product, which leaves the
    text ambiguous (u*v = 9: 3*3, the commutation matrix, or 1*9, the identity)."""
    pairs = [f for f in factors if type(f) is T.Pair]
    if len(pairs) < 2:
        return factors
    seen = Counter(i for f in factors for i in occurrences(f))
    seen.update(i for tie in ties for i in (*tie, *tie))
    out, dropped = list(factors), set()
    for p in pairs:
        u, v = p.i, p.j
        if p in dropped or u == v or seen[u] != 2 or seen[v] != 2 or p.c in (u, v):
            continue
        if is_compound(u.dim) or is_compound(v.dim):
            continue
        q = next((g for g in pairs if g not in dropped and (g.i, g.j) == (v, u)), None)
        if q is None or q.c in (u, v, p.c):
            continue
        name = f"K_{{{v.dim},{u.dim}}}" if latex else f"commutation({v.dim}, {u.dim})"
        out[out.index(p)] = T.Var(name, (p.c, q.c))
        out.remove(q)
        dropped |= {p, q}
    return out


def pair_axes(term: T.Term) -> frozenset:
    """The indices of ``term`` that are a pair somewhere in it: the ``c`` of each
    ``delta[c,(i,j)]`` (``vec(W)[c]``), and the entries of a row function of such a pair
    (``softmax(vec(W))[c]``). A named definition over one is declared by its size alone
    (vector(4) for W 2x2) and loses the pair that may size the result's (j,i)."""
    nodes = list(T.nodes(term))
    out = {f.c for f in nodes if type(f) is T.Pair}
    for f in nodes:
        if type(f) is T.RowFunc and f.bound in out:
            out.update(f.indices)
    return frozenset(out)


def units_dropped(term: T.Term) -> T.Term:
    """``term`` with the pairs of one compound index that differ in their sizes but for 1s
    (``delta[h,(e,g)] delta[h,(j,i)]``, e and i over 1, g and j over 2) written without a
    summed index of size 1: ``delta[h,g]`` (e has the one value 0, so h is g). The reader
    pairs compounds that meet factor by factor, and would read j over 1 and i over 2, another
    function. A free index of size 1 stays (an axis of the result)."""
    memo: dict = {}

    def walk(t: T.Term) -> T.Term:
        done = memo.get(id(t))
        if done is None:
            done = T.with_children(t, [walk(k) for k in T.children(t)])
            done = _units_of(done) if type(done) is T.Prod else done
            memo[id(t)] = done
        return done

    return walk(term)


def _units_of(prod: T.Prod) -> T.Prod:
    """A product's pairs on a shared compound index, sized otherwise, over a summed index of
    size 1 made deltas (``units_dropped``)."""
    factors, summed = list(prod.factors), list(prod.summed)
    shapes: dict = {}
    for f in factors:
        if type(f) is T.Pair:
            shapes.setdefault(f.c, set()).add((f.i.dim, f.j.dim))
    for k, f in enumerate(factors):
        if type(f) is not T.Pair or len(shapes[f.c]) < 2:
            continue
        for unit, other in ((f.i, f.j), (f.j, f.i)):
            if unit.dim == 1 and unit in summed and f.c.dim == other.dim and unit != other:
                factors[k] = T.Delta(f.c, other)  # delta[c,(u,b)] -> delta[c,b], u of size 1
                if not any(unit in T.free(g) for g in factors):
                    summed.remove(unit)
                break
    if factors == list(prod.factors):
        return prod
    return prod.replace(factors=tuple(factors), summed=tuple(summed))
