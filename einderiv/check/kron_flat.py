"""A Kronecker claim whose compound rows or columns nest the same sizes otherwise than the
derivative's: re-indexed through the one flat position both stand for.

Input: the read claim ``d vec(Y) / d vec(X)' = R`` (an ``Expr``, its entry form
``(R)[(i,j),(l,k)]`` typed by R's own sizes: ``kron(vec(A), I_m)`` pairs its rows m by n*k)
and the derivative (its ``_origin``: vec(Y)'s and vec(X)'s indices, each fastest first).
Output: ``repaired(claimed, expected)``: the claim as an ``Expr`` whose axes are the
derivative's sizes (m*n by k), or None where a side's sizes are not one flat size both ways.
Invariants:
- R claims a matrix; the entry of row r is the one at r's column-major position, however the
  rows are split into a compound: (i, j) of sizes (m, n*k) is i + m j, and (r, c) of sizes
  (m*n, k) is r + m n c. Both sides of a claim are tied to one flat index q over the whole
  product by pairs nested to the left, ``delta[q,(p,c)] delta[p,(a,b)]`` (q = a + |a| b +
  |a| |b| c), so the re-indexed claim is R's own entries at the derivative's indices: the same
  matrix, exactly, whatever is then proved or refuted of it;
- only where the two products are the same size, as written (``dim_product``: "m*n*k" both
  ways, or one number): a size einderiv left open (a bare I's) is no size of the derivative,
  so such a claim is never re-indexed (its own rules, ``kron_regroup``, judge it);
- the re-indexed term is a product of the claim's term, pairs and one delta per side; its
  sums are bound there, its free indices new (``index_ir.fresh``), one per derivative axis.
"""

from __future__ import annotations

from einderiv.api import Expr
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_product

__all__ = ["repaired"]


def repaired(claimed: Expr, expected: Expr) -> Expr | None:
    """``claimed`` with each side re-indexed by the derivative's sizes (module docstring);
    None when nothing differs, or a side's sizes are no one flat size both ways."""
    origin = expected._origin
    have, want = claimed.axes, expected.axes
    if origin is None or len(have) != len(want):
        return None
    if [a.dim for a in have] == [a.dim for a in want]:
        return None
    names = [a.name for a in want]
    sides = [[i.name for i in origin[1]], [i.name for i in origin[2].indices]]
    if sorted(names) != sorted(sides[0] + sides[1]):
        return None
    axes, factors, summed = list(have), [claimed.term], []
    for side in sides:
        at = [names.index(name) for name in side]  # fastest first
        if [have[k].dim for k in at] == [want[k].dim for k in at]:
            continue
        new = {k: T.fresh(want[k].dim, "f") for k in at}
        mine = _flat([have[k] for k in at], factors, summed)
        theirs = _flat([new[k] for k in at], factors, summed)
        if mine.dim != theirs.dim:
            return None
        # delta[q,q'] where q = position of (i, j), q' = position of (r, c): one flat position
        factors.append(T.Delta(mine, theirs))
        summed += [have[k] for k in at] + [mine, theirs]
        axes = [new.get(k, axis) for k, axis in enumerate(axes)]
    summed = list(dict.fromkeys(summed))  # an axis of one index is its own flat index
    term = T.Prod(tuple(factors), tuple(summed))
    dims = {**claimed.index_dims, **{a.name: a.dim for a in axes}}
    return Expr(term, tuple(axes), claimed.variables, dims)


def _flat(indices: list, factors: list, summed: list) -> T.Index:
    """The flat index over ``indices`` (fastest first), nested to the left: for (a, b, c) a
    new q with ``delta[p,(a,b)] delta[q,(p,c)]`` appended to ``factors`` (p, q to ``summed``);
    one index is itself."""
    flat = indices[0]
    for index in indices[1:]:
        outer = T.fresh(dim_product(flat.dim, index.dim), "q")
        factors.append(T.Pair(outer, flat, index))
        summed.append(outer)
        flat = outer
    return flat
