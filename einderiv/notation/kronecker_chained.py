"""A Kronecker form through an intermediate Kronecker product: the chain rule's ``J = G H``.

Input: one product term of a Jacobian J[r,s] (r = vec(Y)'s index, s = vec(X)'s) that holds
compound deltas on summed indices (a Kronecker product Z inside Y: ``C kron(A, B) D``,
``kron(A, B) x``), the variables, and ``write`` (``kronecker.kronecker_terms``).
Output: J = G H with H = d vec(Z) / d vec(X)' (the factors linked to X's end, through any
index but Z's own) and G = d vec(Y) / d vec(Z)' (the rest): ``kron(D', C) kron(I_{n},
kron(commutation(q, m), I_{p})) kron(I, vec(B))`` of d vec(C (A ⊗ B) D) / d vec(A)', ``kron(x',
I) ..`` of d vec((A ⊗ B) x); or None.
Invariants:
- Z's index is the compound of the indices the two groups share (at most two: Z's row and
  column; Y's own end stands for Z's row when H holds it, tied to G by a delta), in either
  order; G and H are written by ``write`` over (r, z) and (z, s), each or None: sum_z G[r,z]
  H[z,s] is the term, exactly (a compound delta over z on each side, summed: the identity).
- Nothing else is guessed: a group that holds Y's end on both sides, more than two shared
  indices, a size 1 in Z's pairs (which G's declared sizes would meet ambiguously when read
  back), or a part with no form gives None.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.node import dim_product
from einderiv.notation.kronecker_parts import components
from einderiv.notation.kronecker_sums import in_front

__all__ = ["chained_piece"]


def chained_piece(t: T.Term, r, s, variables: dict, write, single=(), notes=None):
    """J[r,s] of the product term ``t`` as ``G H`` (see the module doc), or None."""
    factors = list(t.factors) if isinstance(t, T.Prod) else [t]
    summed = set(t.summed) if isinstance(t, T.Prod) else set()
    inner = {f.c for f in factors if type(f) is T.Pair and f.c in summed}
    if not inner or s is None:
        return None
    groups = components(factors, summed - inner)
    on_x = {groups[("factor", k)] for k, f in enumerate(factors) if s in T.free(f)}
    side = [f for k, f in enumerate(factors) if groups[("factor", k)] in on_x]
    rest = [f for k, f in enumerate(factors) if groups[("factor", k)] not in on_x]
    if not rest or len(on_x) != 1:
        return None
    if any(type(f) is T.Pair and 1 in (f.i.dim, f.j.dim) for f in side):
        return None  # a size 1 in Z's pairs: where G's sizes meet them, a reader could pair
        # it with either neighbour (index notation; kronecker_nested alone prints such Z)
    held = [set().union(*(T.free(f) for f in part)) for part in (side, rest)]
    shared = sorted(held[0] & held[1] & summed, key=lambda i: i.name)
    if r is not None and r in held[0] and r in held[1]:
        return None  # Y's end on both sides: elementwise, not a chain
    passing = r is not None and r in held[0]
    if passing:  # H holds Y's end: Z's row, tied to G by delta[r, r']
        twin = T.fresh(r.dim, "v")
        side = [T.rename(f, {r: twin}) for f in side]
        rest.append(T.Delta(r, twin))
        shared.insert(0, twin)
    if not 1 <= len(shared) <= 2:  # (the others are Z's: only they link the two groups)
        return None
    best = None
    for order in (shared, shared[::-1])[: len(shared)]:
        made = _chain(order, side, rest, summed, r, s, variables, write, single, notes)
        if made is not None and (best is None or len(M.show(made)) < len(M.show(best))):
            best = made
    return best


def _chain(order, side, rest, summed, r, s, variables, write, single, notes):
    """G H over z = the compound of ``order`` (fast first), or None."""
    if len(order) == 2:
        z = T.fresh(dim_product(order[0].dim, order[1].dim), "v")
        ties = [T.Pair(z, order[0], order[1])]
    else:
        z, ties = order[0], []
    inside = set(summed) | set(order)
    g_term = _product(rest + ties, inside, (r, z))
    h_term = _product(side + ties, inside, (z, s))
    g = write(g_term, r, z, variables, tuple(e for e in (r,) if e in single))
    if g is None:
        return None
    # H's rows are Z's, not Y's: its nested form is only "sized" for Y; no chain inside H
    told = {"inside"}
    h = write(h_term, z, s, variables, tuple(e for e in (s,) if e in single), notes=told)
    if h is None:
        return None
    if told - {"inside"} and notes is not None:
        notes.add("sized")
    return in_front(g, h) if isinstance(h, M.MatMul) else M.MatMul(g, h)


def _product(factors: list, summed: set, ends: tuple) -> T.Prod:
    """The factors as one term, summed over the indices they hold but the ends."""
    held = set().union(*(T.free(f) for f in factors))
    inner = tuple(sorted((held & summed) - set(ends), key=lambda i: i.name))
    return T.Prod(tuple(factors), inner)
