"""The parts of a Kronecker form: a term's factors grouped by the indices they share, each group
re-contracted into a matrix, two groups into ``kron(P, Q)`` (times K where X is transposed).

Input: the factors of one product term, its summed indices, the ends of vec(Y) (a fast, b
slow) and of vec(X) (i fast, j slow), and the variables. Output: matrix expressions; ``NoForm``
raised when a part has none (the whole form is then None: never a wrong form).
Invariants: nothing here chooses a form for a whole term (``kronecker`` does); each group is
re-contracted by ``recontract``, so it prints as the matrix form does.
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import COMMUTATION, KRON
from einderiv.notation.recontract import recontract


class NoForm(Exception):
    """A part of a term has no Kronecker form."""


def spread_sums(term: T.Term) -> tuple:
    """The terms of ``term``, a number times a sum spread over: ``-(P + Q)`` (the sign that
    ``-P - Q`` gave the product, d X^-2 / dX) is ``-P, -Q``, each a piece of its own. (A sum
    beside other factors is kept: ``(1 - tanh(X) .^ 2) .* ..`` is one diagonal piece.)"""
    out: list[T.Term] = []
    for t in term.terms if isinstance(term, T.Add) else (term,):
        parts = t.factors if type(t) is T.Prod else ()
        sums = [f for f in parts if type(f) is T.Add]
        if len(sums) != 1 or not all(type(f) in (T.Add, T.Num) for f in parts):
            out.append(t)
            continue
        numbers = tuple(f for f in parts if type(f) is T.Num)  # c (u + v) -> c u + c v
        out += [T.Prod((*numbers, u), t.summed) for u in sums[0].terms]
    return tuple(out)


def kron_of(factors: list, groups: dict, summed: set, ends, where: dict, variables, memo=None):
    """The term as ``kron(P, Q)`` (times K where X stands transposed); see the module doc.
    ``memo``: ``recontract``'s, kept by the caller across the parts of one result."""
    a, b, i, j = ends
    fast, slow = where.get(a), where.get(b)
    crossed = (j is not None and where.get(j) is not None and where.get(j) == fast) or (
        i is not None and where.get(i) is not None and where.get(i) == slow and slow is not None
    )
    straight_hint = (where.get(i) is not None and where.get(i) == fast) or (
        j is not None and where.get(j) is not None and where.get(j) == slow
    )
    if crossed and straight_hint:
        raise NoForm
    q_col, p_col = (j, i) if crossed else (i, j)
    label = {}  # component -> "Q" (fast) or "P" (slow)
    for end, side in ((a, "Q"), (q_col, "Q"), (b, "P"), (p_col, "P")):
        comp = where.get(end) if end is not None else None
        if comp is not None:
            if label.get(comp, side) != side:
                raise NoForm
            label[comp] = side
    parts: dict = {"Q": [], "P": []}
    for k, f in enumerate(factors):
        comp = groups.get(("factor", k))
        parts[label.get(comp, "Q")].append(f)
    for end, side in ((a, "Q"), (q_col, "Q"), (b, "P"), (p_col, "P")):
        if end is not None and where.get(end) is None:  # not in any factor: constant along it
            parts[side].append(T.Ones(end))
    q = matrix_of(parts["Q"], summed, a, q_col, variables, memo)
    p = matrix_of(parts["P"], summed, b, p_col, variables, memo)
    if isinstance(p, M.Identity) and isinstance(q, M.Identity):
        made = M.Identity()  # kron(I, I) = I
    elif p is None or q is None:
        made = q if p is None else p
    else:
        made = M.Call(KRON.name, (p, q))
    if crossed and i is not None and j is not None:
        m, n = (size_of(x.dim) for x in (i, j))
        commutation = M.Call(COMMUTATION.name, (m, n))
        made = commutation if isinstance(made, M.Identity) else M.MatMul(made, commutation)
    return made


def whole(factors: list, summed: set, row, col, variables, memo=None) -> M.MExpr:
    """All of ``factors`` as one matrix over (row, col)."""
    inner = tuple(x for x in summed if x not in (row, col))
    term = T.Prod(tuple(factors) or (T.Num(Fraction(1)),), inner)
    made = recontract(term, row, col, variables, memo=memo)
    if made is None:
        raise NoForm
    return made


def grouped(factors: list, summed: set, ends: tuple) -> tuple[dict, dict]:
    """(groups, where): ``components`` of ``factors`` linked by ``summed`` and the ``ends``
    (None for an absent one), and each end's component."""
    groups = components(factors, summed | {e for e in ends if e is not None})
    return groups, {e: groups.get(e) for e in ends if e is not None}


def components(factors: list, links: set) -> dict:
    """Union-find of factors sharing an index of ``links``: ``("factor", k)`` and each link
    index met map to their component's representative (linear in the factors' indices)."""
    parent = list(range(len(factors)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = k = parent[parent[k]]
        return k

    first: dict = {}  # link index -> the first factor over it
    for k, f in enumerate(factors):
        for idx in T.free(f) & links:
            other = first.setdefault(idx, k)
            if other != k:
                parent[find(k)] = find(other)
    out = {("factor", k): ("factor", find(k)) for k in range(len(factors))}
    out.update((idx, out[("factor", k)]) for idx, k in first.items())
    return out


def matrix_of(factors: list, summed: set, row, col, variables, memo=None) -> M.MExpr | None:
    """The group's product as a matrix over (row, col); None for an empty scalar group."""
    if not factors and row is None and col is None:
        return None
    if not factors:
        factors = [T.Num(Fraction(1))]
    own = frozenset().union(*(T.free(f) for f in factors))
    inner = tuple(x for x in summed if x in own and x not in (row, col))
    term = T.Prod(tuple(factors), inner)
    made = recontract(term, row, col, variables, memo=memo)
    if made is None:
        raise NoForm
    return made


def size_of(dim) -> M.MExpr:
    return M.Number(Fraction(dim)) if isinstance(dim, int) else M.Name(dim)


def kronecker_entry(matrix: M.MExpr, axes, origin, variables: dict) -> M.MExpr:
    """The result itself in Kronecker form: the Jacobian indexed by compound indices,
    ``kron(B', A)[(i,j),(l,k)]`` for D[i,j,k,l] = dY[i,j] / dX[l,k] (numerator layout), so
    that the text reads back to the same function in any layout (free indices in alphabetical
    order are the axes in order)."""
    _, y_axes, target, *_ = origin
    # never a name of one of the result's own indices (the k of Y[k,m] or of wrt="X[k,l]"):
    # check binds such a name to its axis, and a letter of another axis would meet it there
    # nor a size's name (commutation(n, m)[(n,m),...] would read, but not be read, easily)
    taken = set(variables) | {i.name for i in axes} | {i.dim for i in axes}
    taken |= {d for info in variables.values() for d in info.dims if isinstance(d, str)}
    letters = iter(n for n in "ijklmnopqrstuvwxyz" if n not in taken)
    names = {axis: next(letters) for axis in axes}

    def side(indices):
        written = tuple(names[i] for i in indices)
        return written[0] if len(written) == 1 else written

    indices = (side(y_axes), side(target.indices))
    if isinstance(matrix, M.Neg):  # -kron(X^-T, X^-1)[(i,j),(l,k)], not (-kron(..))[..]
        return M.Neg(M.Entry(matrix.operand, indices))
    if isinstance(matrix, M.MatMul) and isinstance(matrix.left, M.Number):  # 2 I[(i,j),(l,k)]
        return M.MatMul(matrix.left, M.Entry(matrix.right, indices))
    return M.Entry(matrix, indices)
