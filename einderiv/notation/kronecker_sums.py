"""The sum of a Kronecker form's pieces, and the symmetriser taken out of it: ``c P + c P K`` is
``2 c P (I + K) / 2`` (SPEC section 7; Magnus & Neudecker's N_n = (I + K_n) / 2).

Input: the pieces (terms) of a Kronecker form as ``kronecker`` makes them: a product with a
number or a sign on its first factor (``-0.5 kron(B', A) K``), divided or not (``0.5 I / a``).
Output: ``joined(pieces)``: their sum, positive pieces first, ``A - B`` not ``A + -B``;
``symmetrised(pieces, merged)``: the pieces with each pair ``c P``, ``c P K`` (K a commutation
matrix, P's last factor; or K first, ``c K P``) written as one piece, the pairs of a kind summed
first: ``kron(B', A) (I + commutation(n, n)) / 2`` for d vec(A X B) / d vec(X)' with X symmetric,
``(kron(I, X A) + kron(X A', I)) (I + commutation(n, n)) / 2`` for X A X, ``(I +
commutation(n, n)) diag(vec(X))`` for X .* X, ``(I + commutation(n, n)) diag(vec(exp(X))) / 2``
for exp(X) (a number and divisors inside ``diag(vec(c F / d))`` count as c and d, d a scalar:
``/ (2 s)`` for exp(X) / s); ``/ q`` for q the c's common denominator (``/ 4`` for quarters),
none when every c is whole (2 X: ``I + commutation(n, n)``); None when no pieces pair.
Invariants: exact algebra, c P + c P K = c P (I + K), whatever P and K are: two pieces pair only
when they are equal as trees but for K (an identity factor is none; no factor is reordered);
one pair is its K piece's P times ``(I + K)`` (``L diag(vec(F)) (R K)`` is ``L diag(vec(F)) R (I
+ K)``: products of matrices associate), a sum of pairs is ``S (I + K)``; ``merged``
(``kronecker._merged``) joins the P's of a sum that share a factor. ``kronecker`` keeps the
result only when its text is not longer than the pieces'.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm

from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import COMMUTATION, DIAG, VEC
from einderiv.notation.scalars import with_sign

__all__ = ["alike", "in_front", "joined", "negated", "symmetrised"]


def joined(pieces: list[M.MExpr]) -> M.MExpr:
    """The sum of ``pieces``, positive pieces first (as ``join_sum``), ``A - B``."""
    pieces = sorted(pieces, key=lambda p: negated(p) is not None)
    total = pieces[0]
    for p in pieces[1:]:  # A - B, not A + -B
        positive = negated(p)
        total = M.Add(total, p) if positive is None else M.Sub(total, positive)
    return total


def alike(pieces: list[M.MExpr]) -> list[M.MExpr]:
    """Pieces equal but for their number made one, at the first one's place: ``2 kron(y', G A)
    + kron(y', G A)`` is ``3 kron(y', G A)`` (c1 P / d + c2 P / d = (c1 + c2) P / d, as
    ``algebra`` merges equal terms of a matrix form); pieces that cancel are left out, unless
    all do (then ``pieces`` as they are)."""
    totals: dict = {}  # (divisors, P) -> the sum of the c's, in the order first met
    for p in pieces:
        divisors, c, body = _parts(p)
        totals[divisors, body] = totals.get((divisors, body), 0) + c
    if len(totals) == len(pieces) or not any(totals.values()):
        return pieces
    out = []
    for (divisors, body), c in totals.items():
        if c:
            made = _times(Fraction(c), body)
            for d in reversed(divisors):  # (outermost first)
                made = M.Div(made, d)
            out.append(made)
    return out


def negated(e: M.MExpr) -> M.MExpr | None:
    """``-e`` when ``e`` is a piece written with a sign (its first factor negated or a negative
    number), else None."""
    if isinstance(e, M.MatMul):
        left = negated(e.left)
        return None if left is None else _unit(M.MatMul(left, e.right))
    if isinstance(e, M.Div):
        left = negated(e.left)
        return None if left is None else M.Div(left, e.right)
    if isinstance(e, M.Neg):
        return e.operand
    if isinstance(e, M.Number) and e.value < 0:
        return M.Number(-e.value)
    return None


def _unit(e: M.MatMul) -> M.MExpr:
    """``1 B`` is ``B``."""
    return e.right if isinstance(e.left, M.Number) and e.left.value == 1 else e


def in_front(front: M.MExpr, made: M.MExpr) -> M.MExpr:
    """``front made`` as one product read left to right (``D kron(a', I) diag(..)``, not ``D
    (kron(a', I) diag(..))``)."""
    if isinstance(made, M.MatMul):
        return M.MatMul(in_front(front, made.left), made.right)
    return M.MatMul(front, made)


def symmetrised(pieces: list[M.MExpr], merged) -> list[M.MExpr] | None:
    """``pieces`` with their pairs ``c P``, ``c P K`` (or ``c K P``) taken together; see the
    module doc. None when none pair."""
    parts = [_parts(p) for p in pieces]
    plain: dict = {}  # (divisors, c, P without identities) -> the pieces of that key
    for k, (divisors, c, body) in enumerate(parts):
        plain.setdefault((divisors, c, _bare(body)), []).append(k)
    used: set = set()
    groups: dict = {}  # (side, K, divisors) -> [(c, P, P of the K piece)], first position
    for k, (divisors, c, body) in enumerate(parts):
        cut = _cut(body)
        if k in used or cut is None:
            continue
        side, commutation, rest = cut
        led = _lead(rest) if rest is not None else None  # K diag(vec(c F / d)): c and d
        if led is not None and led[2] is not None:  # count as the piece's
            c, divisors, rest = c * led[1], divisors + led[0], led[2]
        partner = next(
            (q for q in plain.get((divisors, c, _bare(rest)), ()) if q != k and q not in used),
            None,
        )
        if partner is not None:
            used |= {k, partner}
            members, first = groups.get((side, commutation, divisors), ([], k))
            members.append((c, parts[partner][2], rest))
            groups[side, commutation, divisors] = members, min(first, k, partner)
    if not groups:
        return None
    made = {first: _group(*key, members, merged) for key, (members, first) in groups.items()}
    out = [made.get(k, p) for k, p in enumerate(pieces) if k in made or k not in used]
    return merged(out)


def _group(side: str, commutation, divisors: tuple, members: list, merged) -> M.MExpr:
    """The pairs of one kind as one piece: ``q c P (I + K) / q`` with q the least common
    denominator of the c's (``kron(B', A) (I + K) / 2`` for c = 1/2; one pair: P as its K piece
    has it), ``(q c1 P1 + q c2 P2) (I + K) / q``; no ``/ 1``."""
    q = lcm(*(c.denominator for c, _, _ in members))
    both = M.Add(M.Identity(), commutation)
    if isinstance(side, tuple):  # ("middle", L, R): c L K R + c L R = c L (I + K) R
        made = _times(members[0][0] * q, _chain([*side[1], both, *side[2]]))
    elif len(members) == 1:
        c, _, rest = members[0]
        rest = _bare(rest)
        if rest is None:
            made = both
        else:
            made = M.MatMul(rest, both) if side == "right" else in_front(both, rest)
        made = _times(c * q, made)
    else:
        terms = merged([_times(c * q, p) for c, p, _ in members])
        sign = all(negated(t) is not None for t in terms)
        total = joined([negated(t) for t in terms] if sign else terms)
        made = M.MatMul(total, both) if side == "right" else M.MatMul(both, total)
        made = with_sign(made) if sign else made
    below = list(divisors)  # outermost first
    if q != 1:
        number = M.Number(Fraction(q))
        made = M.Div(made, in_front(number, below.pop()) if below else number)
    for d in reversed(below):
        made = M.Div(made, d)
    return made


def _times(c: Fraction, body: M.MExpr | None) -> M.MExpr:
    """``c body``: the number on its first factor, ``-body`` for -1."""
    if body is None:
        return M.Number(c)
    if c == 1:
        return body
    if c == -1:
        return with_sign(body)
    return in_front(M.Number(c), body)


def _parts(piece: M.MExpr) -> tuple:
    """(divisors outermost first, c, P) with ``piece = c P / d1 / ...``; P None for a number."""
    divisors = []
    while isinstance(piece, M.Div):
        divisors.append(piece.right)
        piece = piece.left
    below, c, body = _lead(piece)
    return tuple(divisors) + below, c, body


def _lead(e: M.MExpr) -> tuple:
    """(divisors outermost first, c, B) with ``e = c B / d1 / ...``: c the number or sign on
    the first factor, B None for a number; the divisors those of a first ``diag(vec(F / d))``
    (d is a scalar: diag(vec(F / d)) R = diag(vec(F)) R / d)."""
    if isinstance(e, M.MatMul):
        below, c, rest = _lead(e.left)
        return below, c, e.right if rest is None else M.MatMul(rest, e.right)
    if isinstance(e, M.Neg):
        below, c, rest = _lead(e.operand)
        return below, -c, rest
    if isinstance(e, M.Number):
        return (), e.value, None
    if _is_diag_vec(e):  # diag(vec(c F / d)) = c diag(vec(F)) / d: out of the elementwise
        f, outer = e.args[0].args[0], []
        while isinstance(f, M.Div):
            outer.append(f.right)
            f = f.left
        below, c, inside = _lead(f)
        if inside is not None:
            return (*outer, *below), c, M.Call(DIAG.name, (M.Call(VEC.name, (inside,)),))
    return (), Fraction(1), e


def _is_diag_vec(e: M.MExpr) -> bool:
    return (
        isinstance(e, M.Call)
        and e.fn == DIAG.name
        and isinstance(e.args[0], M.Call)
        and e.args[0].fn == VEC.name
    )


def _is_commutation(e) -> bool:
    return isinstance(e, M.Call) and e.fn == COMMUTATION.name


def _cut(body: M.MExpr | None) -> tuple | None:
    """("right", K, P) for ``body = P K`` (K the last factor), ("left", K, P) for ``K P``, P
    None for K alone; (("middle", L, R), K, L R) for ``L K R`` (one K, between); None for
    another body."""
    if body is None:
        return None
    end = body
    while isinstance(end, M.MatMul):
        end = end.right
    if _is_commutation(end):
        return "right", end, _swapped(body, "right", None)
    end = body
    while isinstance(end, M.MatMul):
        end = end.left
    if _is_commutation(end):
        return "left", end, _swapped(body, "left", None)
    factors = _flat(body)  # L K R: K between (C K diag(vec(F)) of a symmetric X)
    inside = [k for k, f in enumerate(factors) if _is_commutation(f)]
    if len(inside) == 1 and 0 < inside[0] < len(factors) - 1:
        k = inside[0]
        left, right = tuple(factors[:k]), tuple(factors[k + 1 :])
        return ("middle", left, right), factors[k], _chain([*left, *right])
    return None


def _flat(e: M.MExpr) -> list:
    """The factors of a product, left to right."""
    return [*_flat(e.left), *_flat(e.right)] if isinstance(e, M.MatMul) else [e]


def _chain(factors: list) -> M.MExpr:
    """The product of ``factors``, left-nested (as a printed chain reads)."""
    made = factors[0]
    for f in factors[1:]:
        made = M.MatMul(made, f)
    return made


def _swapped(e: M.MExpr, side: str, new: M.MExpr | None) -> M.MExpr | None:
    """``e`` with its last (side "right") or first factor replaced by ``new``, or dropped."""
    if not isinstance(e, M.MatMul):
        return new
    if side == "right":
        inner = _swapped(e.right, side, new)
        return e.left if inner is None else M.MatMul(e.left, inner)
    inner = _swapped(e.left, side, new)
    return e.right if inner is None else M.MatMul(inner, e.right)


def _bare(e: M.MExpr | None) -> M.MExpr | None:
    """``e`` without its identity factors (None when nothing else is left)."""
    if isinstance(e, M.Identity):
        return None
    if not isinstance(e, M.MatMul):
        return e
    left, right = _bare(e.left), _bare(e.right)
    if left is None or right is None:
        return right if left is None else left
    return e if (left, right) == (e.left, e.right) else M.MatMul(left, right)
