"""Matrix-notation algebra: sums of products, factoring, transposes pushed inward.

Input: pieces of a sum (coefficient, scalar factors, matrix chain) or matrix-IR expressions.
Output: matrix IR a person would write: ``X' (A + A')``, ``det(M) (A + B)``, ``2 (A x - b)' A``.
Invariants:
- Factoring only regroups terms (common scalars, left or right factors, coefficients); it never
  changes a value. An empty rest after factoring is the identity: ``X' + X' A = X' (I + A)``.
- A factored sum of transposes is transposed whole when that writes fewer (``(u - y)' X``);
  ``transposing`` pushes ``'`` inward.
- Products are flat left-to-right chains: no needless parentheses; a product that may be a
  scalar (``v' w``) keeps them after another factor, where splicing could change its reading.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from fractions import Fraction

from einderiv.ir import matrix_ir as M
from einderiv.ir.node import fast_init
from einderiv.notation.scalars import divisors, with_sign
from einderiv.notation.transposing import is_column, product, transpose, transposes

# Sums: factor common scalars, left and right factors, and coefficients.

_ZERO, _ONE = Fraction(0), Fraction(1)


@fast_init
@dataclass(frozen=True, slots=True)
class Piece:
    """One term of a sum: ``coeff * scalars * chain`` (a product of matrices, left to right)."""

    coeff: Fraction
    scalars: tuple[M.MExpr, ...]
    chain: tuple[M.MExpr, ...]

    def replace(self, **changes) -> Piece:
        return Piece(
            changes.get("coeff", self.coeff),
            changes.get("scalars", self.scalars),
            changes.get("chain", self.chain),
        )


def factor(terms: list[Piece], vectors=None) -> list[Piece]:
    """``det(M) A + det(M) B -> det(M) (A + B)``, ``X'A + X'A' -> X'(A + A')``, ``2A + 2B``.

    Groups are taken greedily: first a scalar most terms share (again and again), then a left
    factor, then a right one, then a coefficient; the terms left after each group are the next
    step's, the groups' pieces written after them, the last taken first. Each step's choice is
    the one a fresh look at the terms left would make; the pass is done in one walk (a heap of
    the scalars' counts, the sides' groups sorted once): a sum of 320 terms that factors into
    160 pairs is not merged and regrouped 160 times (``tests/test_factor_work.py``)."""
    if len(terms) == 1:  # a single term: nothing to merge or factor
        return terms
    terms = _merge_equal(terms)
    if len(terms) < 2:
        return terms
    pieces: list[Piece] = []
    rest = _scalar_groups(terms, vectors, pieces)
    # removing terms only shrinks the groups left (a scalar's, a side's): none comes back
    for side in (0, -1):
        if len(rest) > 1:
            rest = _side_groups(rest, side, vectors, pieces)
    if len(rest) > 1:
        rest = _factor_coefficient(rest, vectors)
    return rest + pieces[::-1]


def _merge_equal(terms: list[Piece]) -> list[Piece]:
    """``c1 F + c2 F -> (c1 + c2) F`` for pieces equal in matrix form (S' = S for symmetric S).
    Pieces are told apart by their ends first: a long chain is hashed whole only when another
    piece has the same ends (a long trace's derivative: 128 chains of 255 factors, none)."""
    ends = [(len(t.scalars), t.scalars[:1], len(t.chain), t.chain[:2], t.chain[-2:]) for t in terms]
    alike: dict = {}  # (a dict, not a Counter: a sum has few terms)
    for k in ends:
        alike[k] = alike.get(k, 0) + 1
    merged: dict = {}
    for t, k in zip(terms, ends):
        k = (t.scalars, t.chain) if alike[k] > 1 else k
        merged[k] = merged[k].replace(coeff=merged[k].coeff + t.coeff) if k in merged else t
    # all cancelled (A - A): one term is kept with coefficient 0, as 0 A keeps the shape of A
    return [t for t in merged.values() if t.coeff != 0] or [terms[0].replace(coeff=_ZERO)]


def _scalar_groups(terms: list[Piece], vectors, pieces: list[Piece]) -> list[Piece]:
    """Take out, while two terms share one, the scalar most terms left share (the first met,
    scanning them in order, of those as often shared); append each group's piece to ``pieces``
    and return the terms left. A heap holds (-count, where first met) of each scalar, an entry
    pushed anew when a group taken changes either (stale ones skipped): one walk, not one per
    group."""
    own = [tuple(dict.fromkeys(t.scalars)) for t in terms]  # each term's scalars, once each
    members: dict = {}  # scalar -> the positions of the terms that have it, in order
    for position, scalars in enumerate(own):
        for sc in scalars:
            members.setdefault(sc, []).append(position)
    if all(len(m) < 2 for m in members.values()):
        return terms
    alive = [True] * len(terms)
    count = {sc: len(m) for sc, m in members.items()}
    head = dict.fromkeys(members, 0)  # index in members[sc] of its first term left

    def entry(sc, tiebreak: int) -> tuple:
        m, k = members[sc], head[sc]
        while not alive[m[k]]:
            k += 1
        head[sc] = k
        return (-count[sc], m[k], own[m[k]].index(sc), tiebreak, sc)

    heap = [entry(sc, n) for n, sc in enumerate(members) if count[sc] > 1]
    heapq.heapify(heap)
    tiebreak = len(members)
    while heap:
        negative, first, _, _, shared = heapq.heappop(heap)
        if -negative != count[shared] or entry(shared, 0)[1] != first:
            continue  # stale: a group taken before changed this scalar's count or first term
        chosen = [p for p in members[shared] if alive[p]]
        for p in chosen:
            alive[p] = False
        touched = dict.fromkeys(sc for p in chosen for sc in own[p])
        for p in chosen:
            for sc in own[p]:
                count[sc] -= 1
        for sc in touched:
            if count[sc] > 1:
                tiebreak += 1
                heapq.heappush(heap, entry(sc, tiebreak))
        pieces.append(_scalar_piece([terms[p] for p in chosen], shared, vectors))
    return [t for p, t in enumerate(terms) if alive[p]]


def _scalar_piece(chosen: list[Piece], shared: M.MExpr, vectors) -> Piece:
    """``s A + s B -> s (A + B)``: the terms ``chosen``, each with the scalar ``shared``."""
    inner = [t.replace(scalars=_without(t.scalars, shared)) for t in chosen]
    coeff, inner = _common_coefficient(inner)
    if all(not t.chain for t in inner):
        return Piece(coeff, (shared, join_sum(factor(inner, vectors), vectors)), ())
    coeff, scalars, inside = _lifted(coeff, factor(inner, vectors), vectors)
    return Piece(coeff, (shared, *scalars), (inside,))


def _side_groups(terms: list[Piece], side: int, vectors, pieces: list[Piece]) -> list[Piece]:
    """Take out the groups of terms that share their first (``side`` 0) or last factor (-1),
    largest first (the first met of those as large), each piece appended to ``pieces``;
    return the terms left. The groups are disjoint: taking one leaves the others as they are,
    so they are sorted once."""
    groups: dict = {}
    for position, t in enumerate(terms):
        # I, and ones of no known size, are shared by any sizes: A ones + B ones is not
        # (A + B) ones when A is m-by-m and B m-by-n (re-contraction gives ones their size)
        if t.chain and not _unsized(t.chain[side]):
            groups.setdefault(t.chain[side], []).append(position)

    def scalars_only(g: list[int]) -> bool:  # s x' + t x' -> (s + t) x'; not a column, which
        shared, lone = terms[g[0]].chain[side], all(len(terms[p].chain) == 1 for p in g)
        column = vectors is None or is_column(shared, vectors)  # may be transposed whole later
        return lone and any(terms[p].scalars for p in g) and not column

    # factoring gains if some term keeps a factor after the shared one, or scalars differ only
    useful = [
        g
        for g in groups.values()
        if len(g) > 1 and (any(len(terms[p].chain) > 1 for p in g) or scalars_only(g))
    ]
    if not useful:
        return terms
    taken: set[int] = set()
    for g in sorted(useful, key=len, reverse=True):  # (stable: the first met of equal sizes)
        pieces.append(_side_piece([terms[p] for p in g], side, vectors))
        taken.update(g)
    return [t for p, t in enumerate(terms) if p not in taken]


def _side_piece(chosen: list[Piece], side: int, vectors) -> Piece:
    """``X' A + X' B -> X' (A + B)`` (``side`` 0; -1: a shared last factor)."""
    shared = chosen[0].chain[side]
    if all(len(t.chain) == 1 for t in chosen):  # a sum of scalars times the shared factor
        coeff, inner = _common_coefficient([t.replace(chain=()) for t in chosen])
        return Piece(coeff, (join_sum(factor(inner, vectors), vectors),), (shared,))
    rests = []
    for t in chosen:
        rest = t.chain[1:] if side == 0 else t.chain[:-1]
        rests.append(t.replace(chain=rest or (M.Identity(),)))  # X' + X' A -> X' (I + A)
    coeff, inner = _common_coefficient(rests)
    inner = factor(inner, vectors)
    if len(inner) == 1 and coeff == 1 and len(inner[0].chain) > 1:
        # x x' (A + A'), not x (x' (A + A')): a lone rest is a chain of matrices, as each
        # term's was, spliced into the product (its coefficient and scalars in front)
        coeff, scalars, lone = inner[0].coeff, inner[0].scalars, inner[0].chain
        chain = (shared, *lone) if side == 0 else (*lone, shared)
    else:
        coeff, scalars, inside = _lifted(coeff, inner, vectors)
        inside = _wrapped(inside, vectors)
        chain = (shared, inside) if side == 0 else (inside, shared)
    return Piece(coeff, scalars, chain)


def _lifted(coeff: Fraction, inner: list[Piece], vectors) -> tuple:
    """``(coeff, scalars, sum)`` of a factored sum ``inner`` that a shared factor multiplies:
    a lone term's coefficient and scalars are taken out, to be written in front of the whole
    product (``0.5 S^-1 (a a' - I)``, not ``S^-1 0.5 (a a' - I)``)."""
    if len(inner) == 1 and coeff == 1 and inner[0].chain:
        lone = inner[0]
        return lone.coeff, lone.scalars, join_sum([Piece(_ONE, (), lone.chain)], vectors)
    return coeff, (), join_sum(inner, vectors)


def _wrapped(e: M.MExpr, vectors) -> M.MExpr:
    """A factored sum of transposes transposed whole when that writes fewer: ``(u' - y') X``
    is ``(u - y)' X``."""
    if transposes(e) < 2 or vectors is None:  # the vectors' names tell rows from scalars
        return e
    whole = M.Transpose(transpose(e, vectors=vectors))
    return whole if transposes(whole) < transposes(e) else e


def _unsized(e: M.MExpr) -> bool:
    while isinstance(e, M.Transpose):
        e = e.operand
    return isinstance(e, M.Identity) or (isinstance(e, M.Ones) and e.dim is None)


def _factor_coefficient(terms: list[Piece], vectors) -> list[Piece]:
    by_coeff: dict = {}
    for position, t in enumerate(terms):
        if t.coeff.denominator != 1 or t.coeff.numerator not in (1, -1):  # abs(coeff) != 1
            by_coeff.setdefault(abs(t.coeff), []).append(position)
    best = max(by_coeff.values(), key=len, default=[])
    if len(best) < 2:
        return terms
    c = abs(terms[best[0]].coeff)  # 2 A + 2 B -> 2 (A + B)
    chosen, others = _split(terms, best)
    if all(t.coeff.numerator < 0 for t in chosen):  # -2 A - 2 B -> -2 (A + B), not 2 (-A - B)
        c = -c
    inside = join_sum([t.replace(coeff=t.coeff / c) for t in chosen], vectors)
    if all(not t.chain for t in chosen):
        return others + [Piece(c, (inside,), ())]
    return others + [Piece(c, (), (inside,))]


def _split(terms: list[Piece], members: list[int]):
    keep = set(members)
    return [terms[p] for p in members], [t for p, t in enumerate(terms) if p not in keep]


def _without(items: tuple, item) -> tuple:
    k = items.index(item)
    return items[:k] + items[k + 1 :]


def _common_coefficient(terms: list[Piece]) -> tuple[Fraction, list[Piece]]:
    first = terms[0].coeff
    if all(t.coeff == first for t in terms):
        return first, [t.replace(coeff=_ONE) for t in terms]
    if all(t.coeff.numerator < 0 for t in terms):  # s (-A - 2 B) is -s (A + 2 B): minus out
        return -_ONE, [t.replace(coeff=-t.coeff) for t in terms]
    return _ONE, terms


def join_sum(terms: list[Piece], vectors=None) -> M.MExpr:
    """``c1 f1 + c2 f2 - ...`` with positive terms first, fewer transposes first."""

    def order(t: Piece):  # (a coefficient's sign is its numerator's: no Fraction comparison)
        return (t.coeff.numerator < 0, sum(map(transposes, t.scalars + t.chain)))

    out: M.MExpr | None = None
    for t in terms if len(terms) == 1 else sorted(terms, key=order):
        negative = t.coeff.numerator < 0
        magnitude = -t.coeff if negative else t.coeff  # abs, made only when it differs
        scalars, below = divisors(t.scalars, vectors)  # s^-1 x' A: x' A / s, as it is read back
        chain = [x for x in t.chain if not isinstance(x, M.Identity)] or list(t.chain[:1])
        factors = list(scalars) + chain or ([M.Number(_ONE)] if below else [])  # s I: s I
        lead = [] if magnitude == 1 and factors else [M.Number(magnitude)]
        if out is None and negative:
            lead = [M.Number(-magnitude)] if lead else []
            if not lead:
                factors = [with_sign(factors[0])] + factors[1:]
        piece = product(tuple(lead) + tuple(factors), len(lead) + len(scalars), vectors)
        for divisor in below:
            piece = M.Div(piece, divisor)
        if out is None:
            out = piece
        else:
            out = M.Sub(out, piece) if negative else M.Add(out, piece)
    return out if out is not None else M.Number(Fraction(0))


def zero_if_cancelled(e: M.MExpr | None) -> M.MExpr | None:
    """A whole result whose terms all cancelled in matrix form (``0 ones' / n``: ``ones' / n -
    ones' / len(x)`` with n the integer and the size of x, terms the index form tells apart)
    is ``0`` (SPEC 7: never ``0 a``); a part of a result keeps ``0 A`` (its shape)."""
    inner = e
    while isinstance(inner, (M.Div, M.Neg, M.Transpose, M.MatMul)):
        if isinstance(inner, M.MatMul) and is_number(inner.left, _ZERO):
            return M.Number(_ZERO)
        inner = inner.operand if isinstance(inner, (M.Neg, M.Transpose)) else inner.left
    return e


def is_ones(e: M.MExpr) -> bool:
    return isinstance(e, M.Ones) or (isinstance(e, M.Transpose) and isinstance(e.operand, M.Ones))


def is_one(e: M.MExpr) -> bool:
    return isinstance(e, M.Number) and e.value == 1


def is_number(e: M.MExpr, value: Fraction) -> bool:
    return isinstance(e, M.Number) and e.value == value
