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
Invariants: exact algebra, whatever F is: the term splits about a middle (two ends, or a
summed index with another index) as ``kronecker_split.split`` says; L is a Kronecker form
(``kronecker_parts.kron_of``), R one or a chain, each re-contracted, and any part without one
makes the whole None, never a wrong form. The chain is read from Y: its first diagonal is the
middle nearest Y's ends whose L has a form, R the rest (a chain of its own); when that R has
none, the part is taken to have no chain about a summed middle (one further from Y would hold
that diagonal in its L), and its search stops there. So a term of n factors is decided in O(n)
splits, each linear in the factors, every part met once (by its factors: none is renamed);
F is re-contracted with its middle named alike in every term
(``#0``, ``#1``) and with the whole result's re-contraction memo, so diagonals repeated across
a Hessian's terms are written once. One diagonal is tried first (the forms such terms always
had), then chains; when no split has a form, a group over both middle indices and summed ones
joins F (F = exp(X A) .* (tanh'(..) B') of a Hessian's term). A term stops after ``_WORK``
middles (index notation then, never a hang).
"""

from __future__ import annotations

from typing import NamedTuple

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ops as O
from einderiv.ir.matrix_ir import Call, Identity, MatMul, MExpr, Name, Ones, Transpose, show
from einderiv.notation.kronecker_parts import NoForm, grouped, kron_of, whole
from einderiv.notation.kronecker_split import middles, split

__all__ = ["sandwich"]


_WORK = 10000  # middles tried in one term at most: past that, index notation (never a hang)
_STUCK = ()  # a middle whose L has a form and no chain about it


class _TooLong(Exception):
    """The search for a term's chain has tried ``_WORK`` middles."""


class _Search(NamedTuple):
    """How far a search for a chain may go, and what it has met."""

    most: int | None  # diagonals in a chain at most (None: any number)
    merge: bool  # a group over both middle indices (and summed ones) joins F
    seen: dict  # parts met (forms, splits, middles, F) by their arguments: none redone
    depth: int = 0  # the nesting here: the new indices are named by it
    before: bool = False  # whether the chain left of this part has a commutation matrix


def sandwich(factors: list, summed: set, ends: tuple, variables: dict, memo=None):
    """``L diag(vec(F)) R`` of the term (see the module docstring), or None: one diagonal when
    the term has such a form, else a chain ``L0 diag(vec(F1)) L1 diag(vec(F2)) L2 ...``. A
    vector's one end may stand fast or slow (a column or a row); the other way is taken only
    when its form is tidier (``kron(a', I) diag(vec(exp(X A))) kron(A', I)`` of ``exp(X A) a``,
    not ``kron(I, ones') ...``), and a chain rather than one diagonal with a sum by ones'.
    ``memo``: the re-contraction memo of the whole result (its terms share parts)."""
    summed = set(summed) - set(ends)  # an end links no factors: it is the Jacobian's index
    seen: dict = {"work": 0, "ends": set(ends) - {None}, "memo": {} if memo is None else memo}
    try:
        for merge in (False, True):  # then F the product of all that is over the middle only
            made = _best(factors, summed, ends, variables, _Search(1, merge, seen))
            if made is not None:
                return made
    except _TooLong:
        pass
    return None


def _best(factors: list, summed: set, ends: tuple, variables: dict, budget: _Search):
    best = None  # (how clumsy, the form)
    for most in (1, None):  # one diagonal, as such terms always printed; then a chain
        search = budget._replace(most=most)
        found = [_chain(factors, summed, way, variables, search) for way in _orientations(ends)]
        found = [(_clumsy(made), made) for made in map(_product, filter(None, found))]
        if found:  # the first of the tidiest: ends as given
            made = min(found, key=lambda x: x[0])
            if best is None or made[0][0] < best[0][0]:
                best = made
            if best[0][0] == 0:  # more diagonals rather than a sum by ones'
                break
    return None if best is None else best[1]


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
    """The factors of ``L diag(vec(F)) R`` (R a chain of at most ``budget.most`` - 1 more
    diagonals), identities left out; or None. A chain is the first one found (the middles in
    ``kronecker_split.middles``' order), or with a sum by ones' the first such."""
    first = None  # the first chain found, unless a later one needs no ones' (a sum)
    key = ("middles", tuple(factors), ends, frozenset(summed))
    if key not in budget.seen:
        budget.seen[key] = middles(factors, summed, ends, budget.seen["ends"])
    for kind, orders in budget.seen[key]:
        made = _ordered(kind, factors, summed, ends, orders, variables, budget)
        if made is _STUCK and first is None and kind == "near":
            break  # the diagonal nearest Y has no form after it: none further on has one
        if made and made is not _STUCK:
            if not _measure(made, budget.seen)[1]:
                return made
            first = first or made
    return first


def _ordered(kind: str, factors: list, summed: set, ends: tuple, orders, variables, budget):
    """The chain about the middle in the best of its ``orders`` that has one: no K in L (K
    beside d vec(X), not before diag), then F as it stands (not exp(A' X)'); of a summed end
    (a middle before) the shorter first. ``_STUCK`` when an L has a form but no chain does,
    else None. R and F are made only for the orders it takes to decide."""
    lefts = [(pq, _left(factors, summed, ends, pq, variables, budget)) for pq in orders]
    lefts = [(pq, got) for pq, got in lefts if got is not None]
    if not lefts:
        return None
    if kind == "summed end":  # all made: the shorter first
        found = [x for x in (_right(pq, got, summed, variables, budget) for pq, got in lefts) if x]
        made = [_joined(x, budget.seen) for x in found]
        keys = [
            (_measure(c, budget.seen)[0], budget.before or _has_k(x[0]), _transposed(x[1]))
            for c, x in zip(made, found)
        ]
        return made[keys.index(min(keys))] if made else _STUCK
    for tier in sorted({budget.before or _has_k(got[1]) for _, got in lefts}):
        later = []  # an L without K first; of those, F as it stands first; R last
        for pq, got in lefts:
            if (budget.before or _has_k(got[1])) != tier:
                continue
            try:
                if _transposed(_whole(got[0][1], summed, pq, variables, budget.seen)):
                    later.append((pq, got))
                    continue
            except NoForm:
                continue
            if made := _right(pq, got, summed, variables, budget):
                return _joined(made, budget.seen)
        for pq, got in later:
            if made := _right(pq, got, summed, variables, budget):
                return _joined(made, budget.seen)
    return _STUCK


def _transposed(f_matrix) -> bool:
    return isinstance(f_matrix, Transpose)


def _measure(chain: list, seen: dict) -> tuple:
    """(printed length, whether it sums by ``ones``: ``kron(I, ones')``) of ``chain``'s
    factors, each factor measured once in a search (a chain's factors are its parts')."""
    length, summing = 0, False
    for e in chain:
        key = ("measure", id(e))
        if key not in seen:  # e kept with its measure: its id stays its own
            seen[key] = (e, len(show(e)), any(isinstance(n, Ones) for n in _nodes(e)))
        length, summing = length + seen[key][1], summing or seen[key][2]
    return length, summing


def _has_k(chain: list) -> bool:
    """Whether the factors of ``chain`` have a commutation matrix among them."""
    return any(_k_in(e) for e in chain)


def _k_in(e) -> bool:
    if isinstance(e, MatMul):
        return _k_in(e.left) or _k_in(e.right)
    return isinstance(e, Call) and e.fn == O.COMMUTATION.name


def _joined(parts: tuple, seen: dict) -> list:
    """The factors of ``L diag(vec(F)) R`` of (L's factors, F, R's factors); one diagonal of
    each F in a search (measured once: ``_measure``)."""
    l_chain, f_matrix, r_chain = parts
    key = ("diagonal", id(f_matrix))
    if key not in seen:  # F kept with it: its id stays its own
        seen[key] = (f_matrix, Call(O.DIAG.name, (Call(O.VEC.name, (f_matrix,)),)))
    return [*l_chain, seen[key][1], *r_chain]


def _left(factors: list, summed: set, ends: tuple, middle: tuple, variables: dict, budget):
    """(the split about ``middle``, L's factors) when the term splits there and L is a
    Kronecker form (the part before the first diagonal, read from Y), else None."""
    budget.seen["work"] += 1
    if budget.seen["work"] > _WORK:
        raise _TooLong
    key = ("split", tuple(factors), ends, frozenset(summed), middle, budget.depth)
    if (*key, budget.merge) not in budget.seen:
        parts = split(factors, summed, ends, middle, budget.merge, f"_k{budget.depth}")
        if parts is not None:  # the new ends: the term's, tied to them by a delta
            budget.seen["ends"].update({*parts[0][2], *parts[2][2]} - {*ends, *middle})
        for merge in {budget.merge} if parts and not parts[3] else (False, True):
            budget.seen[(*key, merge)] = parts  # merging or not alike: once for both
    parts = budget.seen[(*key, budget.merge)]
    if parts is None:
        return None
    (left, l_summed, l_ends), _, _, _ = parts
    try:
        below = budget._replace(most=0, depth=budget.depth + 1)
        return parts, _form(left, l_summed, l_ends, variables, below)
    except NoForm:
        return None


def _right(middle: tuple, got: tuple, summed: set, variables: dict, budget):
    """(L, F, R) of a split whose L has a form (``_left``), or None when F or R has none."""
    parts, l_chain = got
    _, inner, (right, r_summed, r_ends), _ = parts
    most = None if budget.most is None else budget.most - 1
    before = budget.before or _has_k(l_chain)
    below = budget._replace(most=most, depth=budget.depth + 1, before=before)
    try:
        f_matrix = _whole(inner, summed, middle, variables, budget.seen)
        return l_chain, f_matrix, _form(right, r_summed, r_ends, variables, below)
    except NoForm:
        return None


def _whole(inner: list, summed: set, middle: tuple, variables: dict, seen: dict):
    """F: ``whole(inner, ...)``, its middle named ``#0``, ``#1`` (alike in every term: the
    whole result's memo makes it once); when a sign stands inside a product (``sigmoid(A'
    (-X))``), also named the other way round, and the shorter taken (``sigmoid(-A' X)``).
    Each once in a search."""
    key = ("whole", tuple(inner), middle)
    if key not in seen:
        p, q = middle
        made: list = []
        for names in (("#0", "#1"), ("#1", "#0")):
            rows, cols = (T.Index(n, m.dim) for n, m in zip(names, middle))
            named = [T.rename(f, {p: rows, q: cols}) for f in inner]
            inside = summed & set().union(*(T.free(f) for f in named))
            try:
                made.append(whole(named, inside, rows, cols, variables, seen["memo"]))
            except NoForm:
                break
            if " (-" not in show(made[0]):
                break
        seen[key] = min(made, key=lambda e: len(show(e))) if made else None
    if seen[key] is None:
        raise NoForm
    return seen[key]


def _form(factors: list, summed: set, ends: tuple, variables: dict, budget: _Search) -> list:
    """The factors of the Kronecker form of ``factors`` over ``ends`` (a, b, i, j), an identity
    left out, or of a chain within ``budget`` (``_chain``); ``NoForm`` when neither. A part met
    before in the search (the same factors, ends and sums) is not tried again."""
    summed = summed & set().union(*(T.free(f) for f in factors))
    key = ("form", tuple(factors), ends, frozenset(summed), budget.most)
    if budget.most != 0:  # a chain: its middles' F and order depend on these too
        key += (budget.merge, budget.before)
    if key not in budget.seen:
        budget.seen[key] = _form_of(factors, summed, ends, variables, budget)
    if budget.seen[key] is None:
        raise NoForm
    return budget.seen[key]


def _form_of(factors: list, summed: set, ends: tuple, variables: dict, budget: _Search):
    if budget.most != 0:  # a Kronecker form (merging or not, met before or not), else a chain
        try:
            return _form(factors, summed, ends, variables, budget._replace(most=0))
        except NoForm:
            return _chain(factors, summed, ends, variables, budget)
    groups, where = grouped(factors, summed, ends)
    try:
        made = kron_of(factors, groups, summed, ends, where, variables, budget.seen["memo"])
    except NoForm:
        return None
    return [] if isinstance(made, Identity) else [made]
