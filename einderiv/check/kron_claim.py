"""A claim in Kronecker form: ``d vec(Y) / d vec(X)' = kron(B', A)`` (SPEC section 7).

Input: the claim text, the variable, the engine's derivative (an ``Expr`` in any layout) and the
declarations the claim is read with.
Output: ``is_kronecker(text)`` (``kron_left``: also in LaTeX); ``entry_claim``: the same claim
as the Jacobian indexed by compound indices, ``(kron(B', A))[(i,j),(l,k)]`` -- exactly the
form ``str(g)`` prints an order-3 or order-4 result in, so the claim is then judged like any
other. The indexing is
put on the claim's parsed tree, before it is typed, so the sizes written on its ``I`` and
``ones`` stay (``kron(I_1, A)``, ``I_m \\otimes I_n``); an identity that spans the whole
claim, and a size-1 identity beside a Kronecker product, are indexed as their value is;
``chains``, ``links``, ``regroupings``: a claim's Kronecker chains, for ``kron_regroup``.
Invariants: the right side is the numerator-layout Jacobian of vec(Y) by vec(X), whatever the
layout asked for (as ``g.kronecker()`` writes it); for a Hessian (``order`` 2) Y is the
gradient in the layout asked (X's shape in the jacobian and denominator layouts, so R is d2 f /
d vec(X) d vec(X)'; X' in the numerator layout), as ``hessian(...).kronecker()`` writes it;
the indexing that ``kronecker_entry`` gives
it is the derivative's own, in its layout. The left side names any Y, and X must be the
variable: a claim about another variable is an ``EinderivError``.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

from einderiv.api import Expr, parse
from einderiv.calculus.rewriting import is_zero
from einderiv.calculus.simplify import simplify
from einderiv.check.claim_sizes import unit_sizes
from einderiv.check.claims import declarations_of
from einderiv.check.kron_left import VEC_BY, is_kronecker, left_of
from einderiv.errors import EinderivError, ShapeError, UnpairedSizes
from einderiv.ir import matrix_ir as M
from einderiv.ir.kron_chains import links
from einderiv.ir.matrix_ops import COMMUTATION, KRON
from einderiv.ir.node import dim_factors
from einderiv.notation.kronecker import kronecker_entry

__all__ = [
    "VEC_BY",
    "as_entry",
    "entry_claim",
    "is_kronecker",
    "kronecker_hint",
    "links",
    "regroupings",
    "same_count",
    "undecided",
    "units_moved",
]


def entry_claim(
    text: str, wrt: str, expected: Expr, where: str, order: int = 1, split: int = 0
) -> tuple:
    """The claim ``d vec(Y) / d vec(X)' = R`` as ``(R, wrap)``: ``wrap`` makes R's parsed tree
    ``(R)[(i,j),(l,k)]``, indexed as ``expected`` (the derivative by ``wrt``) prints its
    Kronecker form, before R is typed -- so the sizes written on its ``I`` and ``ones``
    (``I_{3}``, ``\\mathbf{1}_n``) stay with it (a text printed from the typed R dropped them).
    ``split``: each chain of Kronecker products regrouped with its last ``split`` factors
    the fast one (``reassociated``), the same matrix."""
    right = text.split("=", 1)[1]
    named = VEC_BY.fullmatch(left_of(text).group("x")).group("name")
    if named != wrt:
        raise EinderivError(f"the claim is a derivative by vec({named})', not by vec({wrt})'")
    origin = expected._origin  # (f's term, f's axes, ...): f a vector or matrix
    if (
        "[" in wrt
        or origin is None
        or not origin[1]
        or not origin[2].indices  # by a scalar: no vec(X) to index (d vec(Y) / d vec(x)')
        or len(expected.axes) < 2
    ):
        raise EinderivError(
            "a claim in Kronecker form (d vec(Y) / d vec(X)' = ...) is for a first derivative "
            "of a vector or matrix, or a Hessian of a scalar, by a whole matrix or vector"
        )
    with warnings.catch_warnings():  # its notes are said where the claim itself is read
        warnings.simplefilter("ignore")
        claimed = parse(right, where=where or None, what="claim")
    if not claimed.shape and is_zero(simplify(claimed.term)):
        return right, None  # d vec(Y) / d vec(X)' = 0, as g.kronecker() writes a zero
    _sized_as_written(claimed, origin, right)
    return right, lambda tree: kronecker_entry(
        _whole_identity(_unit_kron(reassociated(tree, split))),
        expected.axes,
        origin,
        expected.variables,
    )


def regroupings(e: M.MExpr) -> list[int]:
    """The ``split`` values of ``reassociated`` that regroup the claim ``e`` otherwise: each
    place its longest chain splits at (kron(A, kron(B, C)): 1, 2), and (negative) each such
    place once its bare ``I`` are written kron(I, I) (``kron(p', I)`` as ``kron(kron(p', I),
    I)``: I_mn = kron(I_m, I_n), an unsized I of any size that is a product)."""
    longest = max(chains(e), default=1)
    split = max(chains(_units_split(e)), default=1)
    return [*range(1, longest), *(-k for k in range(1, split) if split > longest)]


def _units_split(e: M.MExpr) -> M.MExpr:
    """``e`` with each bare ``I`` of a Kronecker product written kron(I, I)."""
    if _kron_call(e):
        bare = [isinstance(a, M.Identity) and a.dim is None for a in e.args]
        halves = [M.Call(KRON.name, (M.Identity(), M.Identity())) for _ in e.args]
        args = tuple(h if b else _units_split(a) for a, b, h in zip(e.args, bare, halves))
        return M.Call(KRON.name, args)
    return M.map_children(e, _units_split)


def chains(e: M.MExpr) -> list[int]:
    """The lengths of the chains of Kronecker products in ``e`` (kron(A, kron(B, C)): [3])."""
    if _kron_call(e):
        found = [len(links(e))]
        for link in links(e):
            found += chains(link)
        return found
    found = []
    M.map_children(e, lambda c: found.extend(chains(c)) or c)
    return found


def reassociated(e: M.MExpr, split: int) -> M.MExpr:
    """``e`` with each Kronecker chain written kron(first factors, last ``split`` factors)
    (fewer when the chain is shorter), each part nested to the left: the same matrix, for
    kron(A, kron(B, C)) = kron(kron(A, B), C) exactly; its entry form splits the compound
    indices at that place. 0: ``e`` as it is; -k: its bare I split first (``regroupings``)."""
    if split < 0:
        return reassociated(_units_split(e), -split)
    if not split:
        return e
    if _kron_call(e):
        parts = [reassociated(f, split) for f in links(e)]
        cut = len(parts) - min(split, len(parts) - 1)
        return M.Call(KRON.name, (_nested(parts[:cut]), _nested(parts[cut:])))
    return M.map_children(e, lambda c: reassociated(c, split))


def _nested(parts: list) -> M.MExpr:
    out = parts[0]
    for link in parts[1:]:
        out = M.Call(KRON.name, (out, link))
    return out


def _unit_kron(e: M.MExpr) -> M.MExpr:
    """``e`` with ``kron(I_1, Q)`` and ``kron(Q, I_1)`` written ``Q`` where Q is a Kronecker
    product itself: ``kron(I_1, kron(I_n, A))`` is indexed as ``kron(I_n, A)`` (its own split
    of the rows, 1 by n*p, is not the derivative's n by p). A lone ``kron(I_1, A)`` stays (its
    size-1 axis is paired by ``units_moved``)."""
    e = M.map_children(e, _unit_kron)
    if _kron_call(e):
        for unit, other in (e.args, reversed(e.args)):
            if unit == M.Identity(1) and _kronecker(other):
                return other
        # I_a (x) I_b = I_ab, I_a (x) (I_b (x) Q) = I_ab (x) Q, (Q (x) I_a) (x) I_b = Q (x) I_ab:
        # one identity, as the derivative writes it (rows a by b*p do not line up with ab by p)
        left, right = e.args
        if _sized(left) and _sized(right):
            return M.Identity(left.dim * right.dim)
        if _sized(left) and _kron_call(right) and _sized(right.args[0]):
            return M.Call(KRON.name, (M.Identity(left.dim * right.args[0].dim), right.args[1]))
        if _sized(right) and _kron_call(left) and _sized(left.args[1]):
            return M.Call(KRON.name, (left.args[0], M.Identity(left.args[1].dim * right.dim)))
    return e


def _sized(e: M.MExpr) -> bool:
    """An identity of a number written as its size (``I_{3}``)."""
    return isinstance(e, M.Identity) and isinstance(e.dim, int)


def _kron_call(e: M.MExpr) -> bool:
    return isinstance(e, M.Call) and e.fn == KRON.name and len(e.args) == 2


def _kronecker(e: M.MExpr) -> bool:
    """Whether ``e`` is a Kronecker product or a commutation matrix, a transpose, product, sum
    or number multiple of such (``kron(B, A')'``, ``(kron(I_n, A) + kron(I_n, B)) / 2``,
    ``kron(A', I) commutation(m, n)``): of compound rows and columns."""
    match e:
        case M.Call(fn=KRON.name | COMMUTATION.name):
            return True
        case M.Transpose(operand=x) | M.Neg(operand=x) | M.MatMul(left=M.Number(), right=x):
            return _kronecker(x)
        case M.Div(left=x, right=M.Number()):
            return _kronecker(x)
        case M.Add(left=x, right=y) | M.Sub(left=x, right=y) | M.MatMul(left=x, right=y):
            return _kronecker(x) and _kronecker(y)
    return False


def _whole_identity(e: M.MExpr) -> M.MExpr:
    """``e`` with each identity that spans the whole claim -- the claim, a term of it, or one
    times a number -- written as a bare ``I`` (times its number): ``I_{nm}``, ``I_m \\otimes
    I_n`` and ``2 I_2 \\otimes I_3`` are (2) I_{mn} however the indexing splits mn, and their
    size is the claim's own, which ``_sized_as_written`` found to be vec(Y)'s by vec(X)'s."""
    scale = _identity_times(e)
    if scale is not None:
        bare = M.Identity() if abs(scale) == 1 else M.MatMul(M.Number(abs(scale)), M.Identity())
        return M.Neg(bare) if scale < 0 else bare
    match e:
        case M.Add() | M.Sub():
            return replace(e, left=_whole_identity(e.left), right=_whole_identity(e.right))
        case M.Neg():
            return replace(e, operand=_whole_identity(e.operand))
        case M.MatMul(left=M.Number()) | M.Dot(left=M.Number()):  # 2 (I_6 + K)
            return replace(e, right=_whole_identity(e.right))
        case M.Div(right=M.Number()):  # (I_6 + K) / 2
            return replace(e, left=_whole_identity(e.left))
    return e


def _identity_times(e: M.MExpr) -> Fraction | None:
    """c when ``e`` is c times an identity (``I_n``, ``2 I``, ``I_m \\otimes I_n / 2``, a sum
    of such), else None."""
    match e:
        case M.Identity():
            return Fraction(1)
        case M.Call(fn=KRON.name, args=(left, right)) | M.Add(left=left, right=right):
            a, b = _identity_times(left), _identity_times(right)
            if a is None or b is None:
                return None
            return a + b if isinstance(e, M.Add) else a * b
        case M.Sub(left=left, right=right):
            a, b = _identity_times(left), _identity_times(right)
            return None if a is None or b is None else a - b
        case M.Neg(operand=operand):
            a = _identity_times(operand)
            return None if a is None else -a
        case M.MatMul(left=M.Number(value=v), right=x) | M.Dot(left=M.Number(value=v), right=x):
            a = _identity_times(x)
            return None if a is None else v * a
        case M.Div(left=x, right=M.Number(value=v)) if v != 0:
            a = _identity_times(x)
            return None if a is None else a / v
    return None


def _sized_as_written(claimed: Expr, origin: tuple, right: str) -> None:
    """A ``ShapeError`` when the claim's sizes, as written (``I_p``, ``I_7``), are not vec(Y)'s
    by vec(X)'s (``kron(I_p, A)`` for ``kron(I_n, A)``), said as such; ``UnpairedSizes``
    (undecided) when a bare ``I`` or ``ones`` beside them may make up the difference."""
    written = unit_sizes(right)
    if all(d is None for d in written):  # no size written: the indexing sizes them all
        return
    _, y_axes, target, *_ = origin
    wanted = (_key(i.dim for i in y_axes), _key(i.dim for i in target.indices))
    got = tuple(_key([d]) for d in claimed.shape)
    if len(got) == 2 and got != wanted:
        rows, cols = claimed.shape
        problem = UnpairedSizes if None in written else ShapeError
        raise problem(
            f"the claim is {rows}-by-{cols} as its sizes are written; vec(Y) by vec(X)' is "
            f"{'*'.join(map(str, (i.dim for i in y_axes)))}-by-"
            f"{'*'.join(map(str, (i.dim for i in target.indices)))}"
        )


def _unit_free(dims) -> list:
    """The factors of the sizes ``dims`` other than 1, in order (n*1, 1*n: [n])."""
    return [f for d in dims for f in dim_factors(d) if f != 1]


def _key(dims) -> tuple:
    """A size as the product of its factors: (the number, the sorted names)."""
    number, names = 1, []
    for factor in (f for d in dims for f in dim_factors(d)):
        if isinstance(factor, int):
            number *= factor
        else:
            names.append(factor)
    return number, tuple(sorted(names))


def as_entry(f: Expr, wrt: str, claim, expected: Expr, order: int, split: int = 0) -> tuple:
    """``(claim, None)``, or (a claim in Kronecker form) its ``entry_claim``."""
    if not is_kronecker(claim):
        return claim, None
    return entry_claim(claim, wrt, expected, declarations_of(f), order, split)


def units_moved(claimed: Expr, expected: Expr) -> Expr:
    """The read Kronecker claim with its axes of size 1 moved where ``expected`` has them.

    Its entry form splits each compound index by the claim's own sizes, the derivative by
    vec(Y)'s and vec(X)'s: ``kron(D, D')`` is 1*3 by 3*1 where d vec(D X D)/d vec(X)' of a
    3-by-1 D is 3*1 by 1*3, and ``commutation(3, 1)`` is 1*3 by 3*1 where d vec(X')/d vec(X)'
    of a 1-by-3 X is 3*1 by 3*1. A factor of size 1 adds nothing to a compound's value, so
    when the other sizes of each compound come in the same order the two index one matrix
    (K_{3,1} = K_{1,3} = I_3): the claim is judged with its size-1 axes where the
    derivative's are. Any other difference is left to the judge (a wrong shape)."""
    have, want = claimed.axes, expected.axes
    origin = expected._origin
    if origin is None or len(have) != len(want) or [a.dim for a in have] == [a.dim for a in want]:
        return claimed
    of_y = [a.name in {i.name for i in origin[1]} for a in want]
    order: list[int] = []
    start = 0
    for end in [k for k in range(1, len(want)) if of_y[k] != of_y[k - 1]] + [len(want)]:
        span = range(start, end)
        others = [k for k in span if have[k].dim != 1]
        mine, theirs = (
            [have[k].dim for k in others],
            [want[k].dim for k in span if want[k].dim != 1],
        )
        if mine != theirs and _unit_free(mine) == _unit_free(theirs):
            raise UnpairedSizes(  # n*1 against 1*n: one size, its factor 1 elsewhere
                f"its entry form splits the derivative's sizes {[str(d) for d in theirs]} as "
                f"{[str(d) for d in mine]}; write the sizes on I and ones, or use index notation"
            )
        if mine != theirs:
            return claimed
        ones, rest = iter(k for k in span if have[k].dim == 1), iter(others)
        order += [next(ones) if want[k].dim == 1 else next(rest) for k in span]
        start = end
    axes = tuple(have[k] for k in order)
    return Expr(claimed.term, axes, claimed.variables, claimed.index_dims)


def kronecker_hint(result, check: Callable, wrt: str, text, hessian=False, entries=((), ())):
    """A claim of the wrong shape, ``kron(B', A)`` for ``d(A X B)/dX``, that a full check
    (``check(claim)``) finds right as ``d vec(Y) / d vec(X)' = kron(B', A)``: "undecided", with
    that said. Not "wrong": it is the textbook answer in the Kronecker reading; not "right": as
    written (a matrix) it is not the derivative, and which reading was meant is not ours to
    guess. Equal at every probe in the Kronecker reading but not proved (``kron_regroup``: d
    vec(A ⊗ B) / d vec(A)', whose factors split vec(Y)'s size otherwise), or undecided there
    (sizes of 1 it cannot read) with as many ``entries`` (claim's, derivative's): "undecided"
    too. A claim wrong in both readings keeps its "wrong". ``hessian`` (of a scalar by a
    matrix, jacobian layout): the reading is d^2 f / d vec(X) d vec(X)', written as an index
    claim on compound indices as ``str(hessian)`` prints it, ``(kron(I, A + A'))[(i,j),(k,l)]``
    for tr(X' A X)."""
    if not isinstance(text, str) or "[" in wrt or "=" in text or result.diagnosis:
        return result
    written = f"d vec(Y) / d vec({wrt})' = {text.strip()}"
    form = f"d vec(Y) / d vec({wrt})'"
    if hessian:
        if re.search(r"(?<![\w.])[ijkl](?![\w(])", text):  # a name the indices would take
            return result
        written, form = f"({text.strip()})[(i,j),(k,l)]", f"d\u00b2f / d vec({wrt}) d vec({wrt})'"
    try:
        read = check(written)
    except EinderivError:
        return result
    if read.verdict == "undecided" and read.reason.endswith(EQUAL):  # (regrouped's)
        why = f"read as the Kronecker form {form} it is equal at every probe; as written it is not"
        return undecided(result, f"{why} the derivative", f"as a Kronecker form: {written}")
    if read.verdict == "undecided" and same_count(*entries):  # (sizes of 1 it cannot read)
        reading = read.reason.removeprefix("undecided: ")
        why = f"read as the Kronecker form {form} it is undecided ({reading})"
        return undecided(result, why, f"as a Kronecker form: {written}")
    if read.verdict != "right":
        return result
    why = f"read as the Kronecker form {form} it is right; as written it is not the derivative"
    return undecided(result, why, f"as a Kronecker form it is right: write {written}")


def same_count(claim_shape, shape) -> bool:
    """Whether the claim has as many entries as the derivative, known from numbered sizes (a
    size by name proves nothing: ``A'`` for ``(tr(A) I)[(l,k),(i,j)]`` keeps its own reason)."""
    if any(not isinstance(d, int) for d in (*claim_shape, *shape)):
        return False
    return math.prod(claim_shape) == math.prod(shape)


# the end of a reason: a Kronecker claim equal to the derivative at every probe, not proved
EQUAL = (
    "but the claim's factors split the sizes otherwise, so einderiv cannot line them up to prove it"
)


def undecided(result, why: str, diagnosis: str):
    """The "wrong shape" ``result``, undecided: its shapes, then ``why``."""
    reason = f"{result.reason.removeprefix('wrong shape: ')}: {why}"
    return replace(result, verdict="undecided", reason=reason, diagnosis=diagnosis)
