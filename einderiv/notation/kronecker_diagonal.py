"""A Kronecker form with elementwise factors in the middle: ``L diag(vec(F)) R``, and chains.

Input: the factors of one product term of the Jacobian J[(a,b),(i,j)] = dY[a,b] / dX[i,j], its
summed indices, the ends (a, b of vec(Y); i, j of vec(X), fast first), and the variables.
Output: ``sandwich(...)``: J as ``L diag(vec(F)) R`` (an identity L or R left out), or a chain
``L0 diag(vec(F1)) L1 diag(vec(F2)) L2 ...``, or None.
``d vec(exp(X) A) / d vec(X)' = kron(A', I) diag(vec(exp(X)))``; ``d vec(sigmoid(A X) B) / d
vec(X)' = kron(B', I) diag(vec(sigmoid'(A X))) kron(I, A)``; ``d vec(exp(X' A) B) / d vec(X)'
= kron(B', I) diag(vec(exp(X' A))) (kron(A', I) K)`` (F over an end and a summed index);
``d vec(tanh(exp(X A) B)) / d vec(X)' = diag(vec(tanh'(..))) kron(B', I) diag(vec(exp(X A)))
kron(A', I)`` (a chain: R is itself such a product).
Invariants: exact algebra, whatever F is: with F the factors over a middle pair p, q (two
ends: a fast and a slow end first, then any two, tanh'(A X')[a,i] of tanh(A X') B; after
those, a summed index with an end or another summed index, exp(X' A)[a,k] of exp(X' A) B),
(c, d) new indices of their sizes,
    J[(a,b),(i,j)] = sum_{c,d} L[(a,b),(c,d)] F[c,d] R[(c,d),(i,j)],
where the other factors, grouped by the summed indices they share other than the middle, go
to L when they reach Y's ends and to R when they reach X's (one that reaches both: no form,
None), a middle index that is Y's end ties L to the middle (delta[p,c] in L, p renamed c in
R), one that is X's end ties R (delta[d,q] in R, q renamed d in L), and a summed one is
renamed on both sides (no delta: the sum over it is the product's sum over c or d). A group
over one middle index only may stand on either side; it goes where the other side would
otherwise sum by ones'. When no split has a form, a group over both middle indices and summed
ones only joins F (F = exp(X A) .* (tanh'(..) B') of a Hessian's term).
L and R are Kronecker forms (``kronecker_parts.kron_of``) or chains, each re-contracted; any
part without one makes the whole None, never a wrong form. One diagonal is tried first (the
forms such terms always had), then chains of any depth; the search meets each part once (by
its factors, the ends named by their places) and stops after ``_WORK`` middles (None).
"""

from __future__ import annotations

from typing import NamedTuple

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ops as O
from einderiv.ir.matrix_ir import Call, Identity, MatMul, MExpr, Name, Ones, Transpose
from einderiv.notation.kronecker_parts import NoForm, components, grouped, kron_of, whole

__all__ = ["sandwich"]


_WORK = 10000  # middles tried in one term at most: past that, index notation (never a hang)


class _TooLong(Exception):
    """The search for a term's chain has tried ``_WORK`` middles."""


class _Search(NamedTuple):
    """How far a search for a chain may go, and what it has met."""

    most: int | None  # chains nested at most this deep below (None: any depth)
    merge: bool  # a group over both middle indices (and summed ones) joins F
    seen: dict  # _form's results and renamed factors, by their arguments: met parts not redone
    depth: int = 0  # the nesting here: the new indices are named by it (a part met again is
    # the same factors, the same names)


def sandwich(factors: list, summed: set, ends: tuple, variables: dict):
    """``L diag(vec(F)) R`` of the term (see the module docstring), or None: one diagonal when
    the term has such a form, else a chain ``L0 diag(vec(F1)) L1 diag(vec(F2)) L2 ...``. A
    vector's one end may stand fast or slow (a column or a row); the other way is taken only
    when its form is tidier (``kron(a', I) diag(vec(exp(X A))) kron(A', I)`` of ``exp(X A) a``,
    not ``kron(I, ones') ...``), and a chain rather than one diagonal with a sum by ones'."""
    try:
        return _searched(factors, summed, ends, variables)
    except _TooLong:
        return None


def _searched(factors: list, summed: set, ends: tuple, variables: dict):
    ways = _orientations(ends)
    seen: dict = {"work": 0}
    for merge in (False, True):  # then F the product of all that is over the middle only
        best = None
        for most in (1, None):  # one diagonal, as such terms always printed; then a chain
            budget = _Search(most, merge, seen)
            found = [_chain(factors, summed, way, variables, budget) for way in ways]
            found = [_product(chain) for chain in found if chain is not None]
            if found:  # the first of the tidiest: ends as given
                made = min(found, key=_clumsy)
                if best is None or _clumsy(made)[0] < _clumsy(best)[0]:
                    best = made
                if _clumsy(best)[0] == 0:  # more diagonals rather than a sum by ones'
                    break
        if best is not None:
            return best
    return None


def _orientations(ends: tuple) -> list:
    """``ends`` and, for a vector Y or X, its one end on the other side."""
    a, b, i, j = ends
    ways = [ends]
    if (a is None) != (b is None):
        ways.append((b, a, i, j))
    if (i is None) != (j is None):
        ways += [(y0, y1, j, i) for y0, y1, _, _ in list(ways)]
    return ways


def _clumsy(made) -> tuple:
    """How clumsy a form reads: its ``ones`` (sums), commutation matrices, diagonals of a bare
    variable (``diag(vec(A'))``: the constant is the middle, not the function)."""
    nodes = list(_nodes(made))
    return (
        sum(isinstance(n, Ones) for n in nodes),
        sum(isinstance(n, Call) and n.fn == O.COMMUTATION.name for n in nodes),
        sum(_bare_diagonal(n) for n in nodes),
    )


def _nodes(e):
    """``e`` and every matrix expression inside it."""
    yield e
    for field in e._fields():
        for x in field if isinstance(field, tuple) else (field,):
            if isinstance(x, MExpr):
                yield from _nodes(x)


def _bare_diagonal(e) -> bool:
    """Whether ``e`` is ``diag(vec(A))`` or ``diag(vec(A'))`` of a name A."""
    if not (isinstance(e, Call) and e.fn == O.DIAG.name and len(e.args) == 1):
        return False
    inner = e.args[0]
    if not (isinstance(inner, Call) and inner.fn == O.VEC.name and len(inner.args) == 1):
        return False
    f = inner.args[0]
    return isinstance(f.operand if isinstance(f, Transpose) else f, Name)


def _product(chain: list):
    made = chain[0]
    for factor in chain[1:]:  # L0 D1 L1 D2 L2, read left to right
        made = MatMul(made, factor)
    return made


def _chain(factors: list, summed: set, ends: tuple, variables: dict, budget: _Search):
    """The factors of ``L diag(vec(F)) R`` (L and R themselves chains, nested at most
    ``budget.most`` - 1 deep), identities left out; or None. A chain is the first one found
    (the middles in their order), or with a sum by ones' the first such."""
    a, b, i, j = ends
    fast = [e for e in (a, i) if e is not None]
    slow = [e for e in (b, j) if e is not None]
    pairs = [(p, q) for p in fast for q in slow]  # F[a,j] of sigmoid(A X) B first
    every = [e for e in (a, b, i, j) if e is not None]
    pairs += [(p, q) for p in every for q in every if p != q and (p, q) not in pairs]
    first = None  # the first chain found, unless a later one needs no ones' (a sum)
    for pq in pairs:  # then any two ends: F[a,i] of tanh(A X') B
        parts = _around(factors, summed, ends, pq, variables, budget)
        if parts is not None:
            made = _joined(parts)
            if not _summing(made):
                return made
            first = first or made
    for twins in _summed_pairs(factors, summed, ends):  # then a summed index in the middle
        found = [_around(factors, summed, ends, pq, variables, budget) for pq in twins]
        found = [x for x in found if x]
        if found:  # K beside d vec(X), not before diag; F as it stands (not exp(A' X)')
            made = _joined(min(found, key=lambda x: (_has_k(x[0]), isinstance(x[1], Transpose))))
            if not _summing(made):
                return made
            first = first or made
    return first


def _summing(chain: list) -> bool:
    """Whether a factor of ``chain`` sums by ``ones`` (``kron(I, ones')``)."""
    return any(isinstance(n, Ones) for e in chain for n in _nodes(e))


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


def _has_k(chain: list) -> bool:
    """Whether the factors of ``chain`` have a commutation matrix among them."""
    return any(_k_in(e) for e in chain)


def _k_in(e) -> bool:
    if isinstance(e, MatMul):
        return _k_in(e.left) or _k_in(e.right)
    return isinstance(e, Call) and e.fn == O.COMMUTATION.name


def _joined(parts: tuple) -> list:
    """The factors of ``L diag(vec(F)) R`` of (L's factors, F, R's factors)."""
    l_chain, f_matrix, r_chain = parts
    return [*l_chain, Call(O.DIAG.name, (Call(O.VEC.name, (f_matrix,)),)), *r_chain]


def _around(factors: list, summed: set, ends: tuple, middle: tuple, variables: dict, budget):
    """(L, F, R) of the term about ``middle``, or None."""
    merge = budget.merge
    budget.seen["work"] += 1
    if budget.seen["work"] > _WORK:
        raise _TooLong
    p, q = middle
    inner = [f for f in factors if T.free(f) == {p, q} and type(f) not in (T.Delta, T.Pair)]
    rest = [f for f in factors if not any(f is g for g in inner)]
    if not inner or not rest:
        return None
    a, b, i, j = ends
    y_ends, x_ends = {a, b} - {None}, {i, j} - {None}
    inside = {p, q} - y_ends - x_ends  # a summed middle index: no delta ties it (k of F[a,k])
    # linked by their summed indices only (merging: not by the middle's, an end's or not)
    groups = components(rest, summed - ({p, q} if merge else inside))
    free: dict = {}
    for k, f in enumerate(rest):
        free.setdefault(groups[("factor", k)], set()).update(T.free(f))
    left, right, lone = [], [], {}
    for k, f in enumerate(rest):
        touched = free[groups[("factor", k)]]
        reach = touched - {p, q}
        if reach & y_ends and reach & x_ends:
            return None  # a factor joins Y to X past the middle: no split
        if merge and touched >= {p, q} and not reach & (y_ends | x_ends):
            inner.append(f)  # (E .* (T B'))[p,q] of E[p,k] T[p,b] B[k,b], b summed: F
        elif reach:
            (left if reach & y_ends else right).append(f)
        elif touched >= {p, q}:
            inner.append(f)  # over the middle only, both ends: part of F (A B of (A B)[p,q])
        else:  # over one middle index: where it is renamed, beside the factors there
            (left if touched & x_ends else right).append(f)  # x[j] in L: kron(x x', I)
        if not reach & (y_ends | x_ends) and len(touched & {p, q}) == 1:
            lone.setdefault(groups[("factor", k)], []).append(f)
    for rep, group in lone.items():  # a sum by ones' avoided where the group can move
        (m,) = free[rep] & {p, q}
        _move(group, m, (left, right), (m not in y_ends, m not in x_ends))
    c, d = (T.Index(f"_k{budget.depth}{s}{m.name}", m.dim) for s, m in (("c", p), ("d", q)))
    to_left, to_right = {}, {}
    for m, twin in ((p, c), (q, d)):
        if m in inside:  # L[(a,b),(c,d)] F[c,d] R[(c,d),(i,j)] summed over c, d is the sum
            to_left[m] = to_right[m] = twin  # over m
        elif m in y_ends:
            left.append(T.Delta(m, twin))  # L[(..m..),(c,d)]: m is c
            to_right[m] = twin
        else:
            right.append(T.Delta(twin, m))  # R[(c,d),(..m..)]: m is d
            to_left[m] = twin
    left = [_renamed(f, to_left, budget.seen) for f in left]
    right = [_renamed(f, to_right, budget.seen) for f in right]
    most = None if budget.most is None else budget.most - 1
    below = budget._replace(most=most, depth=budget.depth + 1)
    try:
        l_chain = _form(left, summed, (a, b, c, d), variables, below)
        r_chain = _form(right, summed, (c, d, i, j), variables, below)
        f_matrix = _whole(inner, summed, (p, q), variables, budget.seen)  # last: the costliest
    except NoForm:
        return None
    return l_chain, f_matrix, r_chain


def _move(group: list, m, sides: tuple, needs: tuple) -> None:
    """Moves ``group``, factors over the middle index ``m`` (and summed ones) only, from its side
    to the other when that side needs ``m`` and has no factor over it (it would sum by ones')
    and its own side can spare it: a[k] of exp(X A) a to L, ``kron(a', I) diag(vec(exp(X A)))
    kron(A', I)``, not ``kron(ones', I) diag(vec(exp(X A))) kron(diag(a) A', I)``. L needs m
    unless m is Y's end (a delta ties it), R unless m is X's end."""
    own = 0 if any(f is g for f in sides[0] for g in group) else 1
    other = 1 - own
    rest = [f for f in sides[own] if not any(f is g for g in group)]
    if not needs[other] or _over(sides[other], m) or (needs[own] and not _over(rest, m)):
        return
    sides[own][:] = rest
    sides[other].extend(group)


def _over(factors: list, m) -> bool:
    return any(m in T.free(f) for f in factors)


def _whole(inner: list, summed: set, middle: tuple, variables: dict, seen: dict):
    """``whole(inner, ...)``: F over the middle, each once in a search."""
    key = ("whole", tuple(inner), middle)
    if key not in seen:
        try:
            seen[key] = whole(inner, summed, *middle, variables)
        except NoForm:
            seen[key] = None
    if seen[key] is None:
        raise NoForm
    return seen[key]


def _renamed(f, mapping: dict, seen: dict):
    """``T.rename(f, mapping)``, each once in a search."""
    live = tuple((k, v) for k, v in mapping.items() if k in T.free(f))
    if not live:
        return f
    key = ("rename", f, live)
    if key not in seen:
        seen[key] = T.rename(f, dict(live))
    return seen[key]


def _form(factors: list, summed: set, ends: tuple, variables: dict, budget: _Search) -> list:
    """The factors of the Kronecker form of ``factors`` over ``ends`` (a, b, i, j), an identity
    left out, or of a chain within ``budget`` (``_chain``); ``NoForm`` when neither. A part met
    before in the search (the same factors, but for the names of the ends) is not tried again:
    its form, a matrix, names no index."""
    seen = budget.seen
    places = {e: T.Index(f"#{k}", e.dim) for k, e in enumerate(ends) if e is not None}
    named = tuple(_renamed(f, places, seen) for f in factors)  # the ends by their places
    key = ("form", named, tuple(e is None for e in ends), budget.most, budget.merge)
    if key not in seen:
        seen[key] = _form_of(factors, summed, ends, variables, budget)
    if seen[key] is None:
        raise NoForm
    return seen[key]


def _form_of(factors: list, summed: set, ends: tuple, variables: dict, budget: _Search):
    groups, where = grouped(factors, summed, ends)
    try:
        made = kron_of(factors, groups, summed, ends, where, variables)
    except NoForm:
        deeper = budget.most is None or budget.most > 0
        return _chain(factors, summed, ends, variables, budget) if deeper else None
    return [] if isinstance(made, Identity) else [made]
