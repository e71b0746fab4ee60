"""A Kronecker product inside a chain: a compound delta on a *summed* index, as one view.

Input: the factors of one product term, its summed indices, and the variables.
Output: the factors with each Kronecker group replaced by its ``View`` (``kron(P, Q)`` or
``vec(F)`` over the group's two ends), for ``recontract``: ``kron(y', A) V`` is
``sum_b kron(y', A)[i,b] V[b,j]``, held in index form as ``A[i,a] y[c] delta[b,(a,c)]
V[b,j]``, whose compound delta ``delta[b,(a,c)]`` (b = (a,c), a fastest: vec(X)[(a,c)] =
X[a,c]) sits between the factors, not on the result's ends (``notation.kronecker`` writes
those).
Invariants:
- A group is a compound delta on a summed index c together with the factors linked to its
  pair indices through summed indices (never through c, nor another such compound index):
  nothing outside the group holds an index it sums, so its product is a matrix over its ends.
- A group with at most two ends (c and one other) is written by ``kronecker_terms`` over
  them, in the orientation with fewer transposes; a group with more ends, or whose Kronecker
  form fails, stays as it is (the term then has no matrix form): never a wrong form.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.notation.transposing import transposes
from einderiv.notation.views import View


def inside_groups(factors, summed: set, rc) -> list:
    """``factors`` with each Kronecker group's factors replaced, at its first factor's place,
    by the group's ``View``; a group with no form keeps its factors (see the module doc).
    ``rc``: the re-contractor (its variables; its ``turned``, each group's two orientations,
    so that a view flipped in a chain is written as made that way, not transposed)."""
    if not summed or not any(type(f) is T.Pair and f.c in summed for f in factors):
        return factors  # (the common case: no compound delta between the factors)
    from einderiv.notation.kronecker_parts import components  # (it imports recontract)

    pairs = {f.c for f in factors if type(f) is T.Pair and f.c in summed}
    links = set(summed) - pairs
    groups = components(list(factors), links)
    members: dict = {}  # component -> the positions of its factors
    for k in range(len(factors)):
        members.setdefault(groups[("factor", k)], []).append(k)
    views: dict = {}  # component -> its View (None: its factors stay as they are)
    out: list = []
    for k, f in enumerate(factors):
        comp = groups[("factor", k)]
        if comp not in views:
            own = [factors[m] for m in members[comp]]
            grouped = any(type(g) is T.Pair and g.c in pairs for g in own)
            views[comp] = _group_view(own, links, rc) if grouped else None
            if views[comp] is not None:
                out.append(views[comp])
        if views[comp] is None:
            out.append(f)
    return out


def _group_view(own: list, links: set, rc) -> View | None:
    """The group's product as one view over its ends, or None when it has no Kronecker form
    (more than two ends, or ``kronecker_terms`` finds none)."""
    from einderiv.notation.kronecker import kronecker_terms  # it re-contracts its parts

    held = frozenset().union(*(T.free(g) for g in own))
    inner = tuple(sorted(held & links, key=lambda i: i.name))
    ends = sorted(held - links, key=lambda i: i.name)
    if len(ends) > 2:
        return None
    term = T.Prod(tuple(own), inner)
    if len(ends) == 1:
        made = kronecker_terms(term, ends[0], None, rc.variables)
        return None if made is None else View((made,), ends[0], None)
    a, b = ends
    one = kronecker_terms(term, a, b, rc.variables)
    other = kronecker_terms(term, b, a, rc.variables)
    if one is None or other is None:  # (each is the other's transpose: both or neither)
        return None
    rc.turned[one], rc.turned[other] = other, one
    if transposes(other) < transposes(one):
        return View((other,), b, a)
    return View((one,), a, b)
