"""A Kronecker form through the compound deltas inside a term, and along an elementwise end.

Input: one product term of a Jacobian J[r,s] (``kronecker`` makes it: r = vec(Y)'s index, s =
vec(X)'s) that ``kronecker``'s own rules do not write, and the variables.
Output: J as a matrix expression re-contracted by ``recontract`` (``C commutation(m, n)`` of
d vec(C vec(X')) / d vec(X)', ``C diag(vec(exp(X)))`` of d vec(C vec(exp(X))) / d vec(X)'), or
None.
Invariants: each end's pair is moved onto a fresh summed index tied to the end by a delta, an
exact rewriting; what ``recontract`` writes is the term's matrix (or None): never a wrong form.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import DIAG
from einderiv.notation.cse_names import map_subterms

__all__ = ["through_groups"]


def through_groups(t: T.Term, r, s, variables, memo: dict) -> M.MExpr | None:
    """J[r,s] of a term whose ends' compound deltas meet compound deltas inside it, through
    the indices they pair: ``C[i,c] delta[c,(p,q)] delta[s,(q,p)]`` of d vec(C vec(X')) /
    d vec(X)' is ``C commutation(m, n)``. Each end's delta ``delta[r,(a,b)]`` is moved onto a
    fresh summed index r', tied to the end by ``delta[r',r]``, so that ``recontract`` writes
    each group of compound deltas as one view (``kronecker_inside``: ``commutation(m, n)``
    over (c, s'), ``kron(B', I) K`` of ``A vec(X' B)``) and chains the rest with it; an end
    another factor holds too is elementwise along it, ``C[i,s] delta[s,(a,b)] F[a,b]`` is ``C
    diag(vec(F))``. None when the term has neither a compound delta inside nor such an end, or
    when recontract finds no form."""
    from einderiv.notation.recontract import recontract  # (it imports this module's callers)

    factors = list(t.factors) if isinstance(t, T.Prod) else [t]
    summed = list(t.summed) if isinstance(t, T.Prod) else []
    if not any(type(f) is T.Pair and (f.c in summed or _shared(f, factors)) for f in factors):
        return None
    for end in (r, s):
        held = [k for k, f in enumerate(factors) if end is not None and end in T.free(f)]
        pairs = [k for k in held if type(factors[k]) is T.Pair]
        if len(pairs) != 1 or (len(held) > 1 and factors[pairs[0]].c != end):
            continue  # a single axis, or no pair on it: an end as it is
        pair = factors[pairs[0]]
        if pair.c != end:
            return None  # the end paired inside, delta[c,(r,b)]: not the vec of an end
        inner = T.fresh(end.dim, "v")  # (C[r,s] delta[s,(a,b)] F[a,b]: C diag(vec(F)))
        factors[pairs[0]] = T.Pair(inner, pair.i, pair.j)
        factors.append(T.Delta(inner, end))
        summed.append(inner)
    term = T.Prod(tuple(factors), tuple(summed))
    made = recontract(term, r, s, variables, memo=memo)
    return None if made is None else map_subterms(made, _bare_diagonal, {})


def _bare_diagonal(e: M.MExpr) -> M.MExpr | None:
    """``diag(I v)`` is ``diag(v)`` (the tie delta[s',s] of an elementwise end reads as I)."""
    inner = e.args[0] if isinstance(e, M.Call) and e.fn == DIAG.name else None
    if isinstance(inner, M.MatMul) and isinstance(inner.left, M.Identity):
        return M.Call(DIAG.name, (inner.right,))
    return None


def _shared(pair: T.Pair, factors: list) -> bool:
    """Whether another factor holds the index ``pair`` makes (an elementwise end)."""
    return any(f is not pair and pair.c in T.free(f) for f in factors)
