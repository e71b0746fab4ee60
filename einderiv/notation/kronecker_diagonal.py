"""A Kronecker form with an elementwise factor in the middle: ``L diag(vec(F)) R``.

Input: the factors of one product term of the Jacobian J[(a,b),(i,j)] = dY[a,b] / dX[i,j], its
summed indices, the ends (a, b of vec(Y); i, j of vec(X), fast first), and the variables.
Output: ``sandwich(...)``: J as ``L diag(vec(F)) R`` (an identity L or R left out), or None.
``d vec(exp(X) A) / d vec(X)' = kron(A', I) diag(vec(exp(X)))``; ``d vec(sigmoid(A X) B) / d
vec(X)' = kron(B', I) diag(vec(sigmoid'(A X))) kron(I, A)``.
Invariants: exact algebra, whatever F is: with F the factors over two ends p, q (a fast and a
slow end first, then any two: tanh'(A X')[a,i] of tanh(A X') B), (c, d) new indices of their
sizes,
    J[(a,b),(i,j)] = sum_{c,d} L[(a,b),(c,d)] F[c,d] R[(c,d),(i,j)],
where the other factors go to L when they reach Y's ends and to R when they reach X's (one that
reaches both: no form, None), a middle index that is Y's end ties L to the middle (delta[p,c]
in L, p renamed c in R) and one that is X's end ties R (delta[d,q] in R, q renamed d in L).
L and R are Kronecker forms (``kronecker_parts.kron_of``), each re-contracted; any part without
one makes the whole None, never a wrong form.
"""

from __future__ import annotations

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ops as O
from einderiv.ir.matrix_ir import Call, Identity, MatMul
from einderiv.notation.kronecker_parts import NoForm, components, kron_of, whole

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
        made = _around(factors, summed, ends, (p, q), variables)
        if made is not None:
            return made
    return None


def _around(factors: list, summed: set, ends: tuple, middle: tuple, variables: dict):
    p, q = middle
    inner = [f for f in factors if T.free(f) == {p, q} and type(f) not in (T.Delta, T.Pair)]
    rest = [f for f in factors if not any(f is g for g in inner)]
    if not inner or not rest:
        return None
    a, b, i, j = ends
    y_ends, x_ends = {a, b} - {None}, {i, j} - {None}
    groups = components(rest, summed)  # linked by their summed indices only
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
        if m in y_ends:
            left.append(T.Delta(m, twin))  # L[(..m..),(c,d)]: m is c
            to_middle_right = {m: twin}
            right = [T.rename(f, to_middle_right) for f in right]
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
    made = Call(O.DIAG.name, (Call(O.VEC.name, (f_matrix,)),))
    if not isinstance(l_form, Identity):
        made = MatMul(l_form, made)
    if not isinstance(r_form, Identity):
        made = MatMul(made, r_form)
    return made


def _form(factors: list, summed: set, ends: tuple, variables: dict):
    """The Kronecker form of ``factors`` over ``ends`` (a, b, i, j)."""
    links = summed | {e for e in ends if e is not None}
    groups = components(factors, links)
    where = {e: groups.get(e) for e in ends if e is not None}
    return kron_of(factors, groups, summed, ends, where, variables)
