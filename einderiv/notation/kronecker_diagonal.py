"""A Kronecker form with an elementwise factor in the middle: ``L diag(vec(F)) R``.

Input: the factors of one product term of the Jacobian J[(a,b),(i,j)] = dY[a,b] / dX[i,j], its
summed indices, the ends (a, b of vec(Y); i, j of vec(X), fast first), and the variables.
Output: ``sandwich(...)``: J as ``L diag(vec(F)) R`` (an identity L or R left out), or None.
``d vec(exp(X) A) / d vec(X)' = kron(A', I) diag(vec(exp(X)))``; ``d vec(sigmoid(A X) B) / d
vec(X)' = kron(B', I) diag(vec(sigmoid'(A X))) kron(I, A)``; ``d vec(exp(X' A) B) / d vec(X)'
= kron(B', I) diag(vec(exp(X' A))) (kron(A', I) K)`` (F over an end and a summed index).
Invariants: exact algebra, whatever F is: with F the factors over a middle pair p, q (two
ends: a fast and a slow end first, then any two, tanh'(A X')[a,i] of tanh(A X') B; after
those, a summed index with an end or another summed index, exp(X' A)[a,k] of exp(X' A) B),
(c, d) new indices of their sizes,
    J[(a,b),(i,j)] = sum_{c,d} L[(a,b),(c,d)] F[c,d] R[(c,d),(i,j)],
where the other factors, grouped by the summed indices they share other than the middle, go
to L when they reach Y's ends and to R when they reach X's (one that reaches both: no form,
None), a middle index that is Y's end ties L to the middle (delta[p,c] in L, p renamed c in
R), one that is X's end ties R (delta[d,q] in R, q renamed d in L), and a summed one is
renamed on both sides (no delta: the sum over it is the product's sum over c or d).
L and R are Kronecker forms (``kronecker_parts.kron_of``), each re-contracted; any part without
one makes the whole None, never a wrong form.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ops as O
from einderiv.ir.matrix_ir import Call, Identity, MatMul, Transpose
from einderiv.notation.kronecker_parts import NoForm, components, grouped, kron_of, whole

__all__ = ["sandwich"]


def sandwich(factors: list, summed: set, ends: tuple, variables: dict):
    """``L diag(vec(F)) R`` of the term (see the module docstring), or None."""
    a, b, i, j = ends
    fast = [e for e in (a, i) if e is not None]
    slow = [e for e in (b, j) if e is not None]
    pairs = [(p, q) for p in fast for q in slow]  # F[a,j] of sigmoid(A X) B first
    every = [e for e in (a, b, i, j) if e is not None]
    pairs += [(p, q) for p in every for q in every if p != q and (p, q) not in pairs]
    for p, q in pairs:  # then any two ends: F[a,i] of tanh(A X') B
        parts = _around(factors, summed, ends, (p, q), variables)
        if parts is not None:
            return _joined(parts)
    for twins in _summed_pairs(factors, summed, ends):  # then a summed index in the middle
        found = [x for x in (_around(factors, summed, ends, pq, variables) for pq in twins) if x]
        if found:  # K beside d vec(X), not before diag; F as it stands (not exp(A' X)')
            return _joined(min(found, key=lambda x: (_has_k(x[0]), isinstance(x[1], Transpose))))
    return None


def _summed_pairs(factors: list, summed: set, ends: tuple) -> list:
    """The middles with a summed index (F[a,k] of exp(X' A) B, k summed), each in its two
    orders: a fast end first, a slow end last (F[k,b] of B exp(a x')) the first; the middles
    of elementwise functions before those of variables (diag(vec(B)) last)."""
    a, b, i, j = ends
    inside = summed - set(ends)
    rank = {e: 0 for e in (a, i) if e is not None} | {e: 2 for e in (b, j) if e is not None}
    found: list = []
    for f in sorted(factors, key=lambda f: type(f) is T.Var):
        twin = T.free(f)
        if type(f) in (T.Delta, T.Pair) or len(twin) != 2 or not twin & inside:
            continue
        p, q = sorted(twin, key=lambda x: (rank.get(x, 1), x.name))
        if all({p, q} != set(t[0]) for t in found):
            found.append(((p, q), (q, p)))
    return found


def _has_k(e) -> bool:
    """Whether the product ``e`` has a commutation matrix among its factors."""
    if isinstance(e, MatMul):
        return _has_k(e.left) or _has_k(e.right)
    return isinstance(e, Call) and e.fn == O.COMMUTATION.name


def _joined(parts: tuple):
    """``L diag(vec(F)) R`` of (L, F, R), an identity L or R left out."""
    l_form, f_matrix, r_form = parts
    made = Call(O.DIAG.name, (Call(O.VEC.name, (f_matrix,)),))
    if not isinstance(l_form, Identity):
        made = MatMul(l_form, made)
    if not isinstance(r_form, Identity):
        made = MatMul(made, r_form)
    return made


def _around(factors: list, summed: set, ends: tuple, middle: tuple, variables: dict):
    """(L, F, R) of the term about ``middle``, or None."""
    p, q = middle
    inner = [f for f in factors if T.free(f) == {p, q} and type(f) not in (T.Delta, T.Pair)]
    rest = [f for f in factors if not any(f is g for g in inner)]
    if not inner or not rest:
        return None
    a, b, i, j = ends
    y_ends, x_ends = {a, b} - {None}, {i, j} - {None}
    inside = {p, q} - y_ends - x_ends  # a summed middle index: no delta ties it (k of F[a,k])
    groups = components(rest, summed - inside)  # linked by their summed indices only
    free: dict = {}
    for k, f in enumerate(rest):
        free.setdefault(groups[("factor", k)], set()).update(T.free(f))
    left, right = [], []
    for k, f in enumerate(rest):
        touched = free[groups[("factor", k)]]
        reach = touched - {p, q}
        if reach & y_ends and reach & x_ends:
            return None  # a factor joins Y to X past the middle: no split
        if reach:
            (left if reach & y_ends else right).append(f)
        elif touched >= {p, q}:
            inner.append(f)  # over the middle only, both ends: part of F (A B of (A B)[p,q])
        else:  # over one middle index: where it is renamed, beside the factors there
            (left if touched & x_ends else right).append(f)  # x[j] in L: kron(x x', I)
    c, d = T.fresh(p.dim), T.fresh(q.dim)
    to_middle = {}
    for m, twin in ((p, c), (q, d)):
        if m in inside:  # L[(a,b),(c,d)] F[c,d] R[(c,d),(i,j)] summed over c, d is the sum
            left = [T.rename(f, {m: twin}) for f in left]  # over m
            right = [T.rename(f, {m: twin}) for f in right]
        elif m in y_ends:
            left.append(T.Delta(m, twin))  # L[(..m..),(c,d)]: m is c
            right = [T.rename(f, {m: twin}) for f in right]
        else:
            right.append(T.Delta(twin, m))  # R[(c,d),(..m..)]: m is d
            to_middle[m] = twin
    left = [T.rename(f, to_middle) for f in left]
    try:
        f_matrix = whole(inner, summed, p, q, variables)
        l_form = _form(left, summed, (a, b, c, d), variables)
        r_form = _form(right, summed, (c, d, i, j), variables)
    except NoForm:
        return None
    return l_form, f_matrix, r_form


def _form(factors: list, summed: set, ends: tuple, variables: dict):
    """The Kronecker form of ``factors`` over ``ends`` (a, b, i, j)."""
    groups, where = grouped(factors, summed, ends)
    return kron_of(factors, groups, summed, ends, where, variables)
