"""A Kronecker form whose ends are Kronecker products themselves: ``d vec(A ⊗ B) / d vec(A)'``.

Input: one product term of a Jacobian J[r,s] (r = vec(Y)'s index, s = vec(X)'s; ``kronecker``
makes it) whose end pairs nest: vec(A ⊗ B) for A m-by-n, B p-by-q is indexed by
``delta[r,(i,j)] delta[i,(a,l)] delta[j,(b,k)]``, four leaves a, l, b, k (sizes p, m, q, n,
fastest first), and X's pair ``delta[s,(l,k)]``.
Output: J as ``P (I ⊗ vec(F)) [K]`` or ``P (vec(F) ⊗ I) [K]``, or None (another rule, or index
notation): Magnus & Neudecker's Theorem 3.10, ``d vec(A ⊗ B) = (I_n ⊗ K_{q,m} ⊗ I_p)(I_{mn}
⊗ vec B) d vec A`` and ``(I_n ⊗ K_{q,m} ⊗ I_p)(vec A ⊗ I_{pq}) d vec B``, printed
``kron(I_{n}, kron(commutation(q, m), I_{p})) kron(I, vec(B))``.
Invariants:
- The leaves of vec(Y) are *shared* (X's leaves: an identity leg, J is constant along it) or
  *own* (held by the other factors F, at most two: F is a column or a matrix, vec(F)).
  The canonical order puts own leaves first (``kron(I, vec(F))``: vec(F) fastest) or shared
  ones first (``kron(vec(F), I)``); the permutation to vec(Y)'s order is a product of
  adjacent swaps, each ``I_{suffix} ⊗ K_{x,y} ⊗ I_{prefix}`` (K_{x,y} vec(M) = vec(M') for M
  x-by-y: the swap of a leaf of size x, fastest, with the next of size y), the order with
  fewer swaps chosen.
- X's leaves in the other order than vec(Y)'s shared ones (X transposed) is ``K`` on the
  right; any other pattern (a shared leaf inside F, an own leaf of X, a leaf held by nothing,
  three own leaves, a size not written as a name or a number) is None: never a wrong form.
- Every identity in a permutation factor carries its size (``I_{p}``): nothing else fixes
  how the sizes split; the identity of ``kron(I, vec(F))`` is sized by J's columns.
"""

from __future__ import annotations

import re
from fractions import Fraction

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import COMMUTATION, KRON, VEC
from einderiv.notation.cse_names import subterms
from einderiv.notation.kronecker_parts import NoForm, components, matrix_of, size_of

__all__ = ["common_permutation", "nested_piece", "sized_text_reads"]


def nested_piece(t: T.Term, r, s, variables: dict, memo: dict, times) -> M.MExpr | None:
    """J[r,s] of the product term ``t`` in the form of the module doc, or None. ``times``
    writes a scalar in front (``kronecker._times``: ``-2 P ..``, not ``P kron(I, vec(-2 B))``)."""
    factors = list(t.factors) if isinstance(t, T.Prod) else [t]
    summed = set(t.summed) if isinstance(t, T.Prod) else set()
    rows = _leaves(factors, r, summed)
    cols = _leaves(factors, s, summed)
    if max(len(rows), len(cols)) <= 2 or not cols:
        return None  # no nested end: kronecker's own rules
    if len(set(rows)) != len(rows) or len(set(cols)) != len(cols) or not set(cols) <= set(rows):
        return None
    held = set().union(*(T.free(f) for f in factors)) if factors else set()
    own = [x for x in rows if x not in cols]
    if held & set(cols) or not set(own) <= held or len(own) > 2:
        return None  # an elementwise leg, a leaf held by nothing: other forms
    if any(type(f) is T.Pair for f in factors) or held - set(own) - summed:
        return None  # a Kronecker product inside F: not this form
    shared = [x for x in rows if x in cols]
    right = None
    if cols != shared:
        if len(cols) != 2:
            return None
        try:
            right = _commutation(cols[0], cols[1])
        except NoForm:  # (a compound size)
            return None
    inner = summed - set(own)
    groups = components(factors, summed)  # numbers, closed scalars (tr(B) of B[c,c]): in front
    mine = {groups[e] for e in own if e in groups}
    scalars = [f for k, f in enumerate(factors) if groups[("factor", k)] not in mine]
    factors = [f for k, f in enumerate(factors) if groups[("factor", k)] in mine]
    try:
        f = _column(factors, inner, own, variables, memo)
        scalar = matrix_of(scalars, summed, None, None, variables, memo)
    except NoForm:
        return None
    if f is None:
        return None
    best = None
    for first in (own, shared):  # kron(I, vec(F)) or kron(vec(F), I)
        canonical = first + [x for x in rows if x not in first]
        swaps = _swaps(canonical, rows)
        if best is None or len(swaps) < len(best[1]):
            best = (first is own, swaps)
    own_first, swaps = best
    try:
        chain = [_swap_matrix(*swap) for swap in reversed(swaps)]
    except NoForm:
        return None
    if own:  # I_{mn} ⊗ vec(B): the identity sized by a permutation before it, else written
        try:
            eye = M.Identity() if chain else _eye(shared)
        except NoForm:
            return None
        chain.append(M.Call(KRON.name, (eye, f) if own_first else (f, eye)))
    if right is not None:
        chain.append(right)
    if not chain:
        return None
    made = chain[0]
    for m in chain[1:]:
        made = M.MatMul(made, m)
    if not own and f != M.Number(Fraction(1)):
        made = times(f, made)  # a scalar F
    return made if scalar is None else times(scalar, made)


def common_permutation(pieces: list[M.MExpr]) -> list[M.MExpr]:
    """Pieces that begin with the same factors ``L``, a permutation ``P`` among them (products
    of ``I_{n}`` and commutation matrices, as ``nested_piece`` writes them), made one: d vec(A
    ⊗ A) / d vec(A)' is ``P (kron(I, vec(A)) + kron(vec(A), I))`` (products distribute)."""
    out: list[M.MExpr] = []
    for p in pieces:
        for k, q in enumerate(out):
            same = isinstance(p, M.MatMul) and isinstance(q, M.MatMul) and p.left == q.left
            if same and any(map(_permutation, _chain_factors(p.left))):
                out[k] = M.MatMul(q.left, M.Add(q.right, p.right))
                break
        else:
            out.append(p)
    return out


def _chain_factors(e: M.MExpr) -> list:
    """The factors of a left-nested product, and the product itself (c P is one)."""
    out = [e]
    while isinstance(e, M.MatMul):
        out.append(e.right)
        e = e.left
    return [*out, e]


def _permutation(e: M.MExpr) -> bool:
    """Whether ``e`` is a product of Kronecker products of sized identities and commutation
    matrices, one at least (a permutation ``nested_piece`` wrote), a number in front or not."""
    if isinstance(e, M.MatMul) and isinstance(e.left, M.Number):  # c P (J1 + J2)
        return _permutation(e.right)
    if isinstance(e, M.MatMul):
        return _permutation(e.left) and _permutation(e.right)
    if isinstance(e, M.Call) and e.fn == KRON.name:
        parts = [a for a in e.args if not (isinstance(a, M.Identity) and a.sized)]
        return len(parts) == 1 and _permutation(parts[0])
    return isinstance(e, M.Call) and e.fn == COMMUTATION.name


def sized_text_reads(e: M.MExpr) -> bool:
    """Whether a text holding ``I_{n}`` (which makes ``parse`` read it as LaTeX) reads back
    as ``e``'s plain text does: no ``ones``, no name but a letter and digits (``pos_v`` would
    be p o s_v), no function written with ``_`` (``log_softmax``) or two arguments (``max(A,
    B)``; kron and commutation read), no entry (``x[1]``), no number written ``1/3`` (LaTeX
    refuses ``1/3 x``: a factor after /), no power ``^`` of a call or a name of two characters
    (LaTeX's ``^`` takes one: ``s^tanh(a)`` would be s^t a n h(a), ``s^b2`` s^b 2)."""
    todo = [e]
    while todo:
        x = todo.pop()
        if isinstance(x, M.Ones) or (isinstance(x, M.Name) and not _LETTER.fullmatch(x.name)):
            return False
        if isinstance(x, M.Call) and ("_" in x.fn or len(x.args) > 1 and x.fn not in _TWO):
            return False
        if isinstance(x, M.Entry) or isinstance(x, M.Number) and "/" in M.show(x):
            return False
        if isinstance(x, M.Power) and _word(x.exponent):  # s^tanh(a): ^ takes one letter
            return False
        todo.extend(subterms(x))
    return True


_LETTER = re.compile(r"[A-Za-z][0-9]*")
_TWO = (KRON.name, COMMUTATION.name)


def _word(e: M.MExpr) -> bool:
    """Whether ``e`` is written bare with more than one character (a call, a name ``b2``)."""
    return isinstance(e, M.Call) or isinstance(e, M.Name) and len(e.name) > 1


def _leaves(factors: list, end, summed: set) -> list:
    """The leaves of ``end``'s compound, fastest first, its pairs taken out of ``factors``;
    ``[end]`` when no pair alone holds it, [] for no end."""
    if end is None:
        return []
    holders = [k for k, f in enumerate(factors) if end in T.free(f)]
    if len(holders) != 1 or type(factors[holders[0]]) is not T.Pair:
        return [end]
    pair = factors[holders[0]]
    if pair.c != end:
        return [end]
    del factors[holders[0]]
    out = []
    for x in (pair.i, pair.j):
        inner = [k for k, f in enumerate(factors) if x in T.free(f)]
        nested = len(inner) == 1 and type(factors[inner[0]]) is T.Pair
        out += _leaves(factors, x, summed) if x in summed and nested else [x]
    return out


def _column(factors: list, summed: set, own: list, variables, memo) -> M.MExpr | None:
    """F over the own leaves: a number or scalar (none), a column (one), ``vec(F)`` (two)."""
    if not factors:
        return M.Number(Fraction(1)) if not own else None
    row, col = (own + [None, None])[:2]
    made = matrix_of(factors, summed, row, col, variables, memo)
    return M.Call(VEC.name, (made,)) if col is not None else made


def _swaps(order: list, target: list) -> list:
    """The adjacent swaps taking ``order`` to ``target`` (bubble sort by target position):
    each (prefix, fast leaf, slow leaf, suffix) as the order stands when it is made."""
    place = {x: k for k, x in enumerate(target)}
    now, out = list(order), []
    changed = True
    while changed:
        changed = False
        for k in range(len(now) - 1):
            if place[now[k]] > place[now[k + 1]]:
                out.append((now[:k], now[k], now[k + 1], now[k + 2 :]))
                now[k], now[k + 1] = now[k + 1], now[k]
                changed = True
    return out


def _swap_matrix(prefix: list, x, y, suffix: list) -> M.MExpr:
    """``I_{suffix} ⊗ K_{x,y} ⊗ I_{prefix}``."""
    made = _commutation(x, y)
    low, high = _eye(prefix), _eye(suffix)
    if low is not None:
        made = M.Call(KRON.name, (made, low))
    if high is not None:
        made = M.Call(KRON.name, (high, made))
    return made


def _commutation(x, y) -> M.MExpr:
    """``K_{x,y}`` of two leaves, also when one has size 1 (K_{1,n} = I_n): a reader pairs
    the leaves one by one, so the terms of a sum keep them in the same order."""
    return M.Call(COMMUTATION.name, (_size(x), _size(y)))


def _eye(run: list) -> M.MExpr | None:
    """The identity over ``run``'s leaves (fastest first), each sized, ``kron(I_{b}, I_{a})``
    (``I_{1}`` too: a reader pairs the leaves one by one); None for no leaf."""
    made = None
    for x in run:
        _size(x)  # (a size it cannot write: NoForm)
        eye = M.Identity(x.dim, sized=True)
        made = eye if made is None else M.Call(KRON.name, (eye, made))
    return made


def _size(x) -> M.MExpr:
    """A leaf's size as ``commutation`` and ``I_{..}`` write it; NoForm for a compound size."""
    if isinstance(x.dim, int) or (isinstance(x.dim, str) and x.dim.isidentifier()):
        return size_of(x.dim)
    raise NoForm
