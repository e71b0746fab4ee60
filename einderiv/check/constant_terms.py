"""Terms constant in the variable drop out of the derivative, however they are read.

Input: the parsed expression ``f`` (an ``Expr`` with its matrix tree, ``f.source``) and the
variable ``wrt`` (``x``, ``X[i,j]``).
Output: ``decided`` gives the verdict judged on the rest (``as_read``), or None; it rests on
``without_traces``, which gives ``Dropped``: ``f`` read again without its top-level terms
(of a sum or difference) that hold ``tr(fn(M))`` of an elementwise ``fn`` (read entrywise, where
a paper may mean the matrix function: ``ReadAsMatrixFunction``) and do not mention ``wrt``,
with those terms as written, and whether they are defined at every point in both readings
(``total``); or None when there is no such term, or one such term mentions ``wrt``, or nothing
else is left, or the rest has another shape or does not read back.
Invariants: the rest is read with the expression's own declarations (``declarations_of``), so
its variables have the kinds and sizes they have in ``f``; d f / d wrt = d rest / d wrt in
either reading of the dropped terms (their derivative is zero). A claim right for the rest is
right for ``f`` (whose domain is no larger); a claim wrong for the rest at a point is wrong for
``f`` there only when the dropped terms are defined there in both readings: ``total`` says they
are everywhere (sums, products, transposes of names and numbers, and the functions exp, sin,
cos, sinh, cosh, entire as matrix functions too).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

from einderiv.api import Expr, parse
from einderiv.check.claims import declarations_of
from einderiv.check.readings import among_two, as_read
from einderiv.check.result import CheckResult, question_of
from einderiv.errors import EinderivError
from einderiv.frontend.name_uses import nodes
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import TR
from einderiv.ir.ops import ELEMENTWISE
from einderiv.pipeline import place

__all__ = ["Dropped", "decided", "decided_on_text", "without_traces"]

# defined at every matrix, entrywise and as matrix functions: the trace and the entire functions
_ENTIRE = frozenset({TR.name, *(n for n, f in ELEMENTWISE.items() if f.entire)})
_TOTAL = (M.Name, M.Number, M.Identity, M.Add, M.Sub, M.Neg, M.MatMul, M.Dot, M.Hadamard)
_TOTAL += (M.Transpose, M.Call)


@dataclass(frozen=True)
class Dropped:
    """``rest``: the expression without ``terms`` (as written); ``total``: those terms are
    defined at every point, in both readings."""

    rest: Expr
    terms: tuple[str, ...]
    total: bool
    text: str  # the rest as read, with ``where``: ``declarations_of`` the expression
    where: str


def without_traces(f: Expr, wrt: str) -> Dropped | None:
    """``f`` without its terms constant in ``wrt`` that hold ``tr(fn(M))`` (module docstring)."""
    if f.source is None:
        return None
    try:  # \mathbf{x} is x: the name as differentiation reads it (pipeline.place)
        name = place(f, wrt, "jacobian")[0]
    except EinderivError:
        return None
    terms = _terms(f.source, 1)
    dropped = [t for sign, t in terms if _traced(t)]
    if not dropped or any(_mentions(t, name) for t in dropped):
        return None
    kept = [(sign, t) for sign, t in terms if not _traced(t)]
    if not kept:
        return None
    text = " ".join(f"{'-' if sign < 0 else '+'} ({M.show(t)})" for sign, t in kept)
    text, where = text.removeprefix("+ "), declarations_of(f)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            rest = parse(text, where)
    except EinderivError:
        return None
    if any(among_two(n.category) for n in seen):  # the rest rests on a reading of its own
        return None
    if rest.shape != f.shape:  # tr(exp(A)) B + x' x: the matrix term set the shape
        return None
    if any(rest.variables[n] != f.variables.get(n) for n in rest.variables):  # m*n: undeclared
        return None
    total = all(_total(t) for t in dropped)
    return Dropped(rest, tuple(M.show(t) for t in dropped), total, text, where)


def decided(f: Expr, wrt: str, judge: Callable[[Dropped], CheckResult]) -> CheckResult | None:
    """``judge``'s verdict on ``f`` (given the ``Dropped``) without its terms constant in ``wrt`` that hold tr(fn(M))
    (``without_traces``), when it is decided with no reading among two said (``as_read``);
    a "wrong" only when those terms are defined everywhere in both readings. None otherwise."""
    with warnings.catch_warnings():  # the claim's notes were said judging it the first time
        warnings.simplefilter("ignore")
        dropped = without_traces(f, wrt)
        if dropped is None:
            return None
        result = as_read(lambda: judge(dropped), dropped.rest)
    if result.verdict == "undecided" or (result.verdict == "wrong" and not dropped.total):
        return None
    terms, verb = ", ".join(dropped.terms), "is" if len(dropped.terms) == 1 else "are"
    name = place(f, wrt, "jacobian")[0]
    said = f"; {terms} {verb} constant in {name}: no part of the derivative in either reading"
    return replace(result, reason=result.reason + said)


def decided_on_text(expr, where, wrt: str, layout: str, order: int, judge) -> CheckResult | None:
    """``decided`` for the expression text ``expr`` (read again: its notes were said the first
    time); ``judge(rest, question=...)`` judges the claim on ``rest``, asked about ``f``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = parse(expr, where)
    question = question_of(f, wrt, layout, order)
    return decided(f, wrt, lambda dropped: judge(dropped.rest, question=question))


def _terms(e: M.MExpr, sign: int) -> list[tuple[int, M.MExpr]]:
    """The top-level terms of ``e`` with their signs: a - (b + c) is a, -b, -c."""
    if type(e) is M.Add:
        return _terms(e.left, sign) + _terms(e.right, sign)
    if type(e) is M.Sub:
        return _terms(e.left, sign) + _terms(e.right, -sign)
    if type(e) is M.Neg:
        return _terms(e.operand, -sign)
    return [(sign, e)]


def _traced(e: M.MExpr) -> bool:
    """Whether ``e`` holds tr(fn(...)) of an elementwise fn (read entrywise, said so)."""
    return any(
        type(n) is M.Call
        and n.fn == TR.name
        and type(n.args[0]) is M.Call
        and n.args[0].fn in ELEMENTWISE
        for n in nodes(e)
    )


def _mentions(e: M.MExpr, name: str) -> bool:
    return any(type(n) is M.Name and n.name == name for n in nodes(e))


def _total(e: M.MExpr) -> bool:
    """Whether ``e`` is defined at every point, entrywise and as a matrix function."""
    return all(_defined(n) for n in nodes(e))


def _defined(n: M.MExpr) -> bool:
    """Whether the node ``n`` is defined wherever its operands are (in both readings)."""
    if type(n) is M.Div:  # tr(exp(A)) / 2
        return type(n.right) is M.Number and n.right.value != 0
    return isinstance(n, _TOTAL) and (type(n) is not M.Call or n.fn in _ENTIRE)
