"""A claim in Kronecker form: ``d vec(Y) / d vec(X)' = kron(B', A)`` (SPEC section 7).

Input: the claim text, the variable, the engine's derivative (an ``Expr`` in any layout) and the
declarations the claim is read with.
Output: ``is_kronecker(text)``; ``entry_claim``: the same claim as the Jacobian indexed by
compound indices, ``(kron(B', A))[(i,j),(l,k)]`` -- exactly the form ``str(g)`` prints an
order-3 or order-4 result in, so the claim is then judged like any other.
Invariants: the right side is the numerator-layout Jacobian of vec(Y) by vec(X), whatever the
layout asked for (as ``g.kronecker()`` writes it); the indexing that ``kronecker_entry`` gives
it is the derivative's own, in its layout. The left side names any Y, and X must be the
variable: a claim about another variable is an ``EinderivError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from einderiv.api import Expr, parse
from einderiv.calculus.rewriting import is_zero
from einderiv.calculus.simplify import simplify
from einderiv.check.claim_sizes import unit_sizes
from einderiv.check.claims import declarations_of
from einderiv.errors import EinderivError, ShapeError, UnpairedSizes
from einderiv.ir import matrix_ir as M
from einderiv.ir.node import dim_factors
from einderiv.notation.kronecker import kronecker_entry

__all__ = ["VEC_BY", "as_entry", "entry_claim", "is_kronecker", "kronecker_hint", "units_moved"]

_VEC = r"(?:\\operatorname\s*\{\s*vec\s*\}|\\mathrm\s*\{\s*vec\s*\}|vec)"
_T = r"(?:'|\^\s*T|\^\s*\{\s*T\s*\}|\^\s*\\top|\^\s*\{\s*\\top\s*\}|\u1d40|\u22a4)"
_D = r"(?:\\partial|\\mathrm\s*\{\s*d\s*\}|d)"
# d vec(X)' (the denominator of the Kronecker form): the variable's name is group 1
VEC_BY = re.compile(rf"\s*{_D}?\s*{_VEC}\s*\(\s*\\?([A-Za-z]\w*)\s*\)\s*{_T}\s*")
_LEFT = re.compile(rf"\s*{_D}\s*{_VEC}\s*\((?P<y>.+)\)\s*/(?P<x>.+)")


def is_kronecker(text) -> bool:
    """Whether ``text`` is ``d vec(Y) / d vec(X)' = ...``."""
    if not isinstance(text, str) or text.count("=") != 1:
        return False
    left = _LEFT.fullmatch(text.split("=")[0])
    return left is not None and VEC_BY.fullmatch(left.group("x")) is not None


def entry_claim(text: str, wrt: str, expected: Expr, where: str, order: int = 1) -> str:
    """The claim ``d vec(Y) / d vec(X)' = R`` as ``(R)[(i,j),(l,k)]``, indexed as ``expected``
    (the derivative by ``wrt``) prints its Kronecker form."""
    left, right = text.split("=", 1)
    named = VEC_BY.fullmatch(_LEFT.fullmatch(left).group("x")).group(1)
    if named != wrt:
        raise EinderivError(f"the claim is a derivative by vec({named})', not by vec({wrt})'")
    origin = expected._origin  # (f's term, f's axes, ...): f a vector or matrix
    if "[" in wrt or origin is None or not origin[1] or len(expected.axes) < 2 or order != 1:
        raise EinderivError(
            "a claim in Kronecker form (d vec(Y) / d vec(X)' = ...) is for a first derivative "
            "of a vector or matrix by a whole matrix or vector"
        )
    claimed = parse(right, where=where or None, what="claim")
    if not claimed.shape and is_zero(simplify(claimed.term)):
        return right  # d vec(Y) / d vec(X)' = 0, as g.kronecker() writes a zero: 0 of any shape
    _sized_as_written(claimed, origin, right)
    return M.show(
        kronecker_entry(claimed.source, expected.axes, expected._origin, expected.variables)
    )


def _sized_as_written(claimed: Expr, origin: tuple, right: str) -> None:
    """A ``ShapeError`` when the claim's sizes, as written (``I_p``, ``I_7``), are not vec(Y)'s
    by vec(X)'s: the entry form below prints ``I`` unsized, so a size written on it would be
    lost (``kron(I_p, A)`` for ``kron(I_n, A)`` was right); ``UnpairedSizes`` (undecided) when
    a bare ``I`` or ``ones`` beside them may make up the difference."""
    written = unit_sizes(right)
    if all(d is None for d in written):  # no size written: nothing for the entry form to lose
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


def as_entry(f: Expr, wrt: str, claim, expected: Expr, order: int):
    """``claim`` itself, or (a claim in Kronecker form) its ``entry_claim``."""
    if not is_kronecker(claim):
        return claim
    return entry_claim(claim, wrt, expected, declarations_of(f), order)


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


def kronecker_hint(result, check: Callable, wrt: str, text):
    """A claim of the wrong shape, ``kron(B', A)`` for ``d(A X B)/dX``, that a full check
    (``check(claim)``) finds right as ``d vec(Y) / d vec(X)' = kron(B', A)``: "undecided", with
    that said. Not "wrong": it is the textbook answer in the Kronecker reading; not "right": as
    written (a matrix) it is not the derivative, and which reading was meant is not ours to
    guess. A claim right in neither reading keeps its "wrong"."""
    if not isinstance(text, str) or "[" in wrt or "=" in text or result.diagnosis:
        return result
    written = f"d vec(Y) / d vec({wrt})' = {text.strip()}"
    try:
        if check(written).verdict != "right":
            return result
    except EinderivError:
        return result
    return replace(
        result,
        verdict="undecided",
        reason=f"{result.reason.removeprefix('wrong shape: ')}: read as the Kronecker form "
        f"d vec(Y) / d vec({wrt})' it is right; as written it is not the derivative",
        diagnosis=f"as a Kronecker form it is right: write {written}",
    )
