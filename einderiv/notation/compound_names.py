"""The sizes of printed index names as the reader sees them: a compound is not its product.

Input: the index IR being printed (its ``T.Pair`` nodes ``delta[c,(i,j)]``).
Output: ``size_key(i, compounds)``, the size of an index as the reader types it (a compound's
leaves, fastest first); ``record_pairs``, the compounds of one product; ``unit_pairs(term)``,
whether a pair has a factor of size 1; ``commutations``, the pairs of a product that are a
commutation matrix, printed as one (``commutation(3, 3)[a,b]``).
Invariants: ``parse`` gives an index name one size class in the whole text and never makes a
compound one size with its own factor, though numbers agree (1*2 = 2 only for the 1): the
printer gives a name one ``size_key`` and, where a pair has a factor 1, every summed index a
name of its own (``printing._Printer``).
"""

from __future__ import annotations

from collections import Counter

from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors, is_compound
from einderiv.notation.einstein import occurrences


def size_key(i: T.Index, compounds: dict) -> tuple:
    """The size of ``i``: its factors, fastest first; a compound index (``c`` of
    ``delta[c,(b,i)]``, or tied to one) the leaves of its pair, so that ``(1, 2)`` is not
    ``(2,)``: ``P[i,b] p[c]`` beside ``q[c] delta[c,(b,i)]`` (b of 1) is refused."""
    if i in compounds:
        fast, slow = compounds[i]
        return size_key(fast, compounds) + size_key(slow, compounds)
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
