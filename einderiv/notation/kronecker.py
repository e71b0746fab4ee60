"""The Kronecker form of a derivative (SPEC section 7): ``d vec(Y) / d vec(X)' = B' ⊗ A``.

Input: a derivative term D whose free indices are Y's axes (0, 1 or 2) and X's (1 or 2, in X's
order), and the variables. Output: the Jacobian of vec(Y) by vec(X) in numerator layout as a
matrix expression -- a sum of ``kron(P, Q)`` terms, each times ``commutation(m, n)`` where the
variable appears transposed -- or None when there is no such form (index notation then).
Invariants:
- J[(a,b),(i,j)] = dY[a,b] / dX[i,j] (compound indices, fastest first: vec's order), built in
  index form as ``delta[r,(a,b)] delta[s,(i,j)] D[a,b,i,j]`` and simplified like any term.
- A term of J is ``kron(P, Q)`` when its factors split in two groups that share no index: Q
  carries the fast ends (a and i), P the slow ones (b and j). When Q carries a and j, and P b
  and i, the variable is transposed: the term is ``kron(P, Q) K`` with K = commutation(m, n),
  the mn-by-mn matrix with K vec(X) = vec(X') for X m-by-n.
- A term whose factors never join a Y end to an X end, F[a,b] G[i,j], is ``vec(F) vec(G)'``
  (``2 vec(X) vec(X)'`` of d vec(tr(X' X) X)); a group over no end is a scalar in front.
- A vector Y's own elementwise factor g[a] stands in front, ``diag(g) J'``: d vec(tanh(X a)) /
  d vec(X)' = ``diag(1 - tanh(X a) .^ 2) kron(a', I)``, the chain rule's order.
- Elementwise factors between Kronecker products are ``kronecker_diagonal.sandwich``'s; a Y
  that is a Kronecker product itself (ends that nest) is ``kronecker_nested``'s.
- Each group is re-contracted by ``recontract`` (so it prints as the matrix form does); any part
  that fails makes the whole form None: never a wrong form.
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import COMMUTATION, DIAG, KRON, VEC
from einderiv.ir.node import dim_product
from einderiv.notation.kronecker_chained import chained_piece
from einderiv.notation.kronecker_diagonal import sandwich
from einderiv.notation.kronecker_nested import common_permutation, nested_piece, sized_text_reads
from einderiv.notation.kronecker_parts import (
    NoForm,
    grouped,
    kron_of,
    kronecker_entry,  # noqa: F401 (einderiv.notation.kronecker.kronecker_entry, for api, check)
    matrix_of,
    size_of,
    spread_sums,
    whole,
)
from einderiv.notation.kronecker_sums import alike, in_front, joined, negated, symmetrised
from einderiv.notation.kronecker_through import through_groups
from einderiv.notation.scalars import with_sign
from einderiv.notation.transposing import is_scalar


def kronecker_form(term: T.Term, y_axes, x_axes, variables: dict, simplify) -> tuple:
    """(``kronecker_matrix``'s matrix, whether its ``kronecker_entry`` reads back: not for a
    matrix Y whose axes are Kronecker pairs, d vec(A ⊗ B) / d vec(A)' over ((p, m), (q, n)),
    which the form nests otherwise: ``kron(I_{n}, kron(commutation(q, m), I_{p})) ..``)."""
    notes: set = set()
    made = kronecker_matrix(term, y_axes, x_axes, variables, simplify, notes)
    nested = "nested" in notes or {"sized", "compound rows"} <= notes  # (kron(A ⊗ B, x))
    return made, not (len(y_axes) == 2 and nested)


def kronecker_matrix(term: T.Term, y_axes, x_axes, variables: dict, simplify, notes=None):
    """``d vec(Y) / d vec(X)'`` of ``term`` (free indices ``y_axes`` + ``x_axes``) as a matrix
    expression, or None. ``simplify`` is the calculus's simplifier (notation does not import
    the calculus); ``notes``: ``kronecker_terms``'."""
    if not kronecker_shaped(y_axes, x_axes):
        return None
    r, row_pair = _compound(y_axes)
    s, col_pair = _compound(x_axes)
    pairs = tuple(p for p in (row_pair, col_pair) if p is not None)
    summed = tuple(i for p in pairs for i in (p.i, p.j))
    terms = spread_sums(term)  # -(P + Q) as -P - Q: each term a piece
    jac = T.Add(tuple(T.Prod((t, *pairs), summed) for t in terms))
    done = simplify(jac)
    if isinstance(done, T.Zero):
        return None
    # a single axis of Y or X is read as a pair only where nothing else holds it (the vector
    # vec(A X B)[r]: delta[r,(a,b)] only); kron(y, p) .* (A .^ 2 ones) by A holds r in A[r,c]
    # and X's pair delta[s,(r,c)] too, its delta[r,(a,b)] is a factor, not Y's pair
    single = tuple(c for c, pair in ((r, row_pair), (s, col_pair)) if pair is None)
    notes = set() if notes is None else notes
    if any(_compound_rows(t, r) for t in _terms(done)):
        notes.add("compound rows")  # Y's axes are Kronecker pairs themselves
    made = kronecker_terms(done, r, s, variables, single, through=True, notes=notes)
    if made is not None and notes & {"nested", "sized"} and not sized_text_reads(made):
        return None  # I_{n} beside a name that text read as LaTeX would misread
    return made


def kronecker_shaped(y_axes, x_axes) -> bool:
    """Whether a derivative of axes ``y_axes`` by ``x_axes`` has a Kronecker form: a matrix or
    vector by a matrix, or a matrix by a vector."""
    return 1 <= len(x_axes) <= 2 and len(y_axes) <= 2 and len(y_axes) + len(x_axes) >= 3


def zero_kronecker(origin) -> M.MExpr | None:
    """The Kronecker form of a zero derivative of ``origin`` (an ``Expr``'s): ``0`` (SPEC 7),
    or None when a derivative of its shape has none."""
    if origin is None or not kronecker_shaped(origin[1], origin[2].indices):
        return None
    return M.Number(Fraction(0))


def kronecker_terms(
    term: T.Term, r, s, variables: dict, single=(), through=False, notes=None
) -> M.MExpr | None:
    """A simplified term over (r, s) whose compound deltas name r or s, in matrix notation
    with ``kron``, ``vec`` and ``commutation`` (``recontract``'s last resort), or None.
    ``single``: those of r, s that are one axis each, never the pair a compound delta names.
    ``through``: a term whose ends' deltas meet compound deltas inside it is re-contracted
    through them (``kronecker_through``; only for the whole result: a group inside is written
    by this function, which then must not come back to it). ``notes`` (a set) is told
    "nested" when a term is ``kronecker_nested``'s."""
    if T.free(term) - {r, s}:  # an index besides the ends (r's pair holding s): not over (r, s)
        return None
    try:
        memo: dict = {}  # re-contraction's, shared by the parts of all terms
        pieces = [_piece(t, r, s, variables, memo, single, through, notes) for t in _terms(term)]
    except NoForm:
        return None
    pieces = alike(pieces)  # 2 P + P = 3 P
    plain = joined(_merged(pieces))
    paired = symmetrised(pieces, _merged)  # c P + c P K = 2 c P (I + K) / 2, X symmetric
    if paired is not None:
        other = joined(paired)
        if len(M.show(other)) <= len(M.show(plain)):  # not longer than the pieces
            return other
    return plain


def _merged(pieces: list[M.MExpr]) -> list[M.MExpr]:
    """Kronecker products with a factor in common made one: ``kron(I, A) + kron(I, A')`` is
    ``kron(I, A + A')``, ``kron(B', A) + kron(C', A)`` is ``kron(B' + C', A)`` (bilinearity);
    likewise ``diag(vec(F)) + diag(vec(G))`` is ``diag(vec(F + G))`` (times K or not)."""
    out: list[M.MExpr] = []
    for p in common_permutation(pieces):  # P J1 + P J2 = P (J1 + J2)
        for k, q in enumerate(out):
            inside = _diagonal(q), _diagonal(p)  # [K] diag(vec(F)) + [K] diag(vec(G))
            if None not in inside and inside[0][0] == inside[1][0]:  # = [K] diag(vec(F + G))
                commutation, first = inside[0]
                second = inside[1][1]
                positive = negated(second)
                total = M.Add(first, second) if positive is None else M.Sub(first, positive)
                out[k] = _diagonal_of(commutation, total)
                break
            if _is_kron(p) and _is_kron(q):
                (a, b), (c, e) = q.args, p.args
                if a == c:
                    out[k] = M.Call(KRON.name, (a, M.Add(b, e)))
                    break
                if b == e:
                    out[k] = M.Call(KRON.name, (M.Add(a, c), b))
                    break
        else:
            out.append(p)
    return out


def _diagonal(e: M.MExpr) -> tuple | None:
    """(K or None, F) of ``K diag(vec(F))`` or ``diag(vec(F))``; None for another piece."""
    commutation = None
    if isinstance(e, M.MatMul) and isinstance(e.left, M.Call) and e.left.fn == COMMUTATION.name:
        commutation, e = e.left, e.right
    if isinstance(e, M.Call) and e.fn == DIAG.name and len(e.args) == 1:
        inner = e.args[0]
        if isinstance(inner, M.Call) and inner.fn == VEC.name and len(inner.args) == 1:
            return commutation, inner.args[0]
    return None


def _diagonal_of(commutation: M.MExpr | None, f: M.MExpr) -> M.MExpr:
    diagonal = M.Call(DIAG.name, (M.Call(VEC.name, (f,)),))
    return diagonal if commutation is None else M.MatMul(commutation, diagonal)


def _is_kron(e: M.MExpr) -> bool:
    return isinstance(e, M.Call) and e.fn == KRON.name


def kronecker_text(matrix: M.MExpr, wrt: str) -> str:
    return f"d vec(Y) / d vec({wrt})' = {M.show(matrix)}"


def _compound(axes) -> tuple:
    """The index of vec over ``axes`` and its ``Pair`` (None for a single axis)."""
    if len(axes) == 1:
        return axes[0], None
    if len(axes) == 0:
        return None, None
    a, b = axes
    c = T.fresh(dim_product(a.dim, b.dim), "v")
    return c, T.Pair(c, a, b)


def _terms(t: T.Term) -> tuple:
    return t.terms if isinstance(t, T.Add) else (t,)


def _compound_rows(t: T.Term, r) -> bool:
    """Whether the pair of vec(Y)'s index ``r`` in ``t`` pairs compound indices."""
    factors = t.factors if isinstance(t, T.Prod) else (t,)
    made = {f.c for f in factors if type(f) is T.Pair}
    return any(f.c == r and {f.i, f.j} & made for f in factors if type(f) is T.Pair)


def _piece(t: T.Term, r, s, variables, memo: dict, single=(), through=False, notes=None):
    try:
        return _piece_plain(t, r, s, variables, memo, single)
    except NoForm:
        made = None  # d vec(A ⊗ B) / d vec(A)': the whole result's only (its I_{n} is checked)
        if notes is not None and (made := nested_piece(t, r, s, variables, memo, _times)):
            notes.add("nested")
        if made is None and through:
            made = through_groups(t, r, s, variables, memo)
        if made is None and notes is not None and "inside" not in notes:  # C (A ⊗ B) D: G H
            made = chained_piece(t, r, s, variables, kronecker_terms, single, notes)
        if made is None:
            raise
        return made


def _piece_plain(t: T.Term, r, s, variables, memo: dict, single=()) -> M.MExpr:
    factors = list(t.factors) if isinstance(t, T.Prod) else [t]
    summed = set(t.summed) if isinstance(t, T.Prod) else set()
    diagonal = [k for k, f in enumerate(factors) if type(f) is T.Delta and {f.a, f.b} == {r, s}]
    if diagonal:  # elementwise, dY[a,b] = F[a,b] dX[a,b]: J = diag(vec(F))
        del factors[diagonal[0]]
        a, b = _untied(factors, summed, *_ends(factors, r, single))
        i, j = a, b
    else:
        every = tuple(factors)  # (s in r's pair, delta[r,(s,e)], is held there after it goes)
        a, b = _untied(factors, summed, *_ends(factors, r, single, every))
        i, j = _untied(factors, summed, *_ends(factors, s, single, every))
    if b is not None and i is None:  # a column over pairs: vec(M) for M over (a, b)
        return M.Call(VEC.name, (whole(factors, summed, a, b, variables, memo),))
    if j is not None and a is None:  # a row over pairs: vec(M)'
        return M.Transpose(M.Call(VEC.name, (whole(factors, summed, i, j, variables, memo),)))
    if b is not None and (a, b) == (i, j):  # elementwise: J = diag(vec(F)) for F over (a, b)
        return M.Call(
            DIAG.name, (M.Call(VEC.name, (whole(factors, summed, a, b, variables, memo),)),)
        )
    if b is not None and (a, b) == (j, i) and any(T.free(f) & {i, j} for f in factors):
        # transposed elementwise, dY[a,b] = F[b,a] dX[b,a] (exp(X')): J = K diag(vec(F)), F
        # over (i, j) m-by-n, K = commutation(m, n): (K vec(M))[(a,b)] = M[b,a]
        diagonal = M.Call(
            DIAG.name, (M.Call(VEC.name, (whole(factors, summed, i, j, variables, memo),)),)
        )
        return M.MatMul(M.Call(COMMUTATION.name, (size_of(i.dim), size_of(j.dim))), diagonal)
    ends = [a, b, i, j]
    seen: set = set()
    for k, e in enumerate(ends):  # one index at two ends (a delta contracted): two names, tied
        if e is not None and e in seen:
            ends[k] = T.fresh(e.dim)
            factors.append(T.Delta(e, ends[k]))
            summed.add(ends[k])
        elif e is not None:
            seen.add(e)
    a, b, i, j = ends
    # numbers and closed scalars (s, tr(X)) stand in front: 0.5 kron(I, S), not kron(I, 0.5 S)
    scalars = [f for f in factors if not T.free(f)]
    factors = [f for f in factors if T.free(f)]
    groups, where = grouped(factors, summed, (a, b, i, j))
    closed = [k for k, f in enumerate(factors) if groups.get(("factor", k)) not in where.values()]
    if closed:  # a group over no end is a closed scalar too (y' y of y[c] y[c])
        scalars += [factors[k] for k in closed]
        factors = [f for k, f in enumerate(factors) if k not in closed]
    made = _leading(factors, summed, (a, b, i, j), variables, memo)
    if made is None:
        made = _shaped(factors, summed, (a, b, i, j), variables, memo)
    if scalars:
        factor = matrix_of(scalars, summed, None, None, variables, memo)
        made = factor if made is None else _times(factor, made)
    if made is None:
        raise NoForm
    return made


def _untied(factors: list, summed: set, a, b) -> tuple:
    """(a, b), b renamed and tied by a delta when a is b (a diagonal Y): F keeps its diagonal."""
    if a is None or a != b:
        return a, b
    fresh = T.fresh(a.dim)
    factors.append(T.Delta(a, fresh))
    summed.add(fresh)
    return a, fresh


def _leading(factors: list, summed: set, ends: tuple, variables, memo: dict):
    """A vector Y's elementwise factor in front, ``diag(g) J'`` (J[a,(i,j)] = g[a] J'[a,(i,j)]):
    ``diag(1 - tanh(X a) .^ 2) kron(a', I)``, the chain rule's order; None for another term."""
    a, b, _, _ = ends
    if (a is None) == (b is None):
        return None
    y = a if b is None else b
    lone = [f for f in factors if T.free(f) == {y} and type(f) not in (T.Delta, T.Pair)]
    rest = [f for f in factors if not any(f is g for g in lone)]
    if not lone or not any(y in T.free(f) for f in rest):
        return None  # g[a] G[i,j] is vec(g) vec(G)'
    front = M.Call(DIAG.name, (whole(lone, summed, y, None, variables, memo),))
    return in_front(front, _shaped(rest, summed, ends, variables, memo))


def _shaped(factors: list, summed: set, ends: tuple, variables, memo: dict) -> M.MExpr:
    """The factors over ``ends`` as ``kron(P, Q)`` [K], ``vec(F) vec(G)'`` or ``L diag(vec(F))
    R``; ``NoForm`` when none."""
    a, b, i, j = ends
    groups, where = grouped(factors, summed, ends)
    # a single axis may stand on either side: a row Y[b] = x' X is kron(I, x'), not kron(x', I) K
    if b is None and j is not None and where[a] is not None and where[a] == where.get(j):
        a, b = None, a
    if j is None and b is not None and where[i] is not None and where[i] == where.get(b):
        i, j = None, i
    fast, slow = where.get(a), where.get(b)
    try:
        if fast is not None and fast == slow:
            raise NoForm
        made = kron_of(factors, groups, summed, (a, b, i, j), where, variables, memo)
    except NoForm:  # no factor over both a Y end and an X end: vec(F) vec(G)'
        made = _outer(factors, groups, summed, (a, b), (i, j), variables, memo)
        if made is None:  # an elementwise factor between two Kronecker products
            made = sandwich(factors, summed, (a, b, i, j), variables, memo)
        if made is None:
            raise
    return made


def _outer(factors: list, groups: dict, summed: set, y_ends, x_ends, variables, memo: dict):
    """J[(a,b),(i,j)] = F[a,b] G[i,j] (no factor over both a Y end and an X end) as ``vec(F)
    vec(G)'`` (``y g'`` for a vector Y, ``vec(F) g'`` for a vector X), as d vec(tr(X' X) X) /
    d vec(X)' has ``2 vec(X) vec(X)'``; None for another term."""
    ys = {groups.get(e) for e in y_ends if e is not None}
    xs = {groups.get(e) for e in x_ends if e is not None}
    if not ys or not xs or None in ys | xs or ys & xs:
        return None
    on_x = [f for k, f in enumerate(factors) if groups.get(("factor", k)) in xs]
    rest = [f for k, f in enumerate(factors) if groups.get(("factor", k)) not in xs]
    sides = []
    for part, (row, col) in ((rest, y_ends), (on_x, x_ends)):
        made = matrix_of(part, summed, row, col, variables, memo)
        sides.append(made if col is None else M.Call(VEC.name, (made,)))
    return M.MatMul(sides[0], M.Transpose(sides[1]))


def _times(factor: M.MExpr, made: M.MExpr) -> M.MExpr:
    """``factor made``, -1 a sign on the first factor (``-kron(B', A) K``), 1/3 a divisor."""
    if isinstance(factor, M.Neg) and isinstance(factor.operand, M.Number):
        factor = M.Number(-factor.operand.value)  # -(1), as a Div's numerator writes -1
    if isinstance(factor, M.Number) and factor.value in (1, -1):
        return made if factor.value == 1 else with_sign(made)
    if isinstance(factor, M.Number) and "/" in M.show(factor):  # 1/3 J: J / 3 (LaTeX reads)
        factor = M.Div(*(M.Number(Fraction(n)) for n in factor.value.as_integer_ratio()))
    if isinstance(factor, M.Div):  # -1 / n times J: -J / n, the divisor last
        return M.Div(_times(factor.left, made), factor.right)
    atom = factor.operand if isinstance(factor, M.Neg) else factor
    if isinstance(made, M.MatMul) and (
        isinstance(atom, (M.Number, M.Name, M.Call)) or is_scalar(atom, (), ())
    ):  # 0.5 kron(P, Q) K, not 0.5 (kron(P, Q) K): a scalar (a number, a name, -det(X),
        # det(X) tr(X)) in front of a product of matrices reads the same ungrouped
        return M.MatMul(_times(factor, made.left), made.right)
    return M.MatMul(factor, made)


def _ends(factors: list, c, single=(), every=None) -> tuple:
    """(fast, slow) of the pair of ``c``: its ``Pair`` factor's, taken out of ``factors``; a
    single axis is its own fast end: one no Pair names, or one of ``single`` that another
    factor holds too. ``NoForm`` when another factor holds c (of ``every``: the factors before
    the other end's pair was taken out) and c is not of ``single``: that pair is not vec's."""
    if c is None:
        return None, None
    named = [f for f in factors if type(f) is T.Pair and f.c == c]
    if any(c in T.free(f) for f in every or factors if not any(f is g for g in named)):
        if c in single or not named:
            return c, None
        # c's delta[c,(a,b)] is not vec's pair where another factor holds c too: A[c,k]
        # delta[c,(f,e)] read as the pair (f, e) lost A's row (kron(y ones', ..) diag(vec(A)))
        raise NoForm
    for k, f in enumerate(factors):
        if type(f) is T.Pair and f.c == c:
            del factors[k]
            return f.i, f.j
    return c, None
