"""The pipeline: parse -> lower -> differentiate -> simplify, as pure passes with a trace.

Input: expression text (or an already lowered term) and the variable to differentiate by.
Output: ``Derivation``: the simplified derivative term, the axes of its value, and -- when asked
for -- the stages a student would write down: the indexed sum, the elementwise derivative with
Kronecker deltas, the deltas contracted.
Invariants: each pass is a pure function of the previous stage; ``derive`` is the only place
the passes are chained, and ``--steps`` prints exactly its trace.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from einderiv.calculus.differentiate import Wrt, derivative
from einderiv.calculus.simplify import simplify, tidy
from einderiv.errors import ReadAsProduct, ShapeError, caret_context
from einderiv.frontend.letters import split_letters
from einderiv.frontend.lower import Lowered, lower
from einderiv.frontend.parse import parse_declarations, parse_expression
from einderiv.frontend.shapes import Typed, infer
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M

_NOTHING: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Stage:
    """One step of a derivation: a title and the index-IR term at that point."""

    title: str
    term: T.Term


@dataclass(frozen=True)
class Derivation:
    term: T.Term
    axes: tuple[T.Index, ...]
    stages: tuple[Stage, ...] = ()


def front(
    text: str, where: str | None, what: str = "expression", root=None
) -> tuple[Typed, Lowered]:
    """parse -> infer kinds and shapes -> lower."""
    decls = parse_declarations(where) if where else ()
    declared = frozenset([d.name for d in decls]) if decls else _NOTHING
    integers = frozenset(d.name for d in decls if d.kind == "integer")
    tree: M.MExpr = parse_expression(text, declared=declared, what=what, integers=integers)
    tree, notes = split_letters(tree, declared)
    for note in notes:  # x'Ax is x' A x: said, never silent (SPEC 6.3)
        warnings.warn(note, ReadAsProduct, stacklevel=4)
    try:
        typed = infer(tree, decls, root)
    except ShapeError as error:
        span = getattr(error, "span", None)  # a misused function knows where it was written
        if span is None or not isinstance(text, str):
            raise
        line = text.count("\n", 0, span[0]) + 1
        column = span[0] - (text.rfind("\n", 0, span[0]) + 1) + 1
        raise ShapeError(f"{error}\n{caret_context(text, line, column)}") from None
    return typed, lower(typed)


def derive(
    term: T.Term,
    axes: tuple[T.Index, ...],
    wrt: Wrt,
    result_axes: tuple[T.Index, ...],
    trace: bool = False,
) -> Derivation:
    """differentiate -> simplify, with the stages recorded when ``trace`` is set."""
    stages = [Stage("the indexed sum", tidy(term))] if trace else []
    raw = derivative(term, wrt)
    if raw is T.ZERO:
        zero = T.Zero(tuple(result_axes))
        return Derivation(zero, tuple(result_axes), tuple(stages + [Stage("zero", zero)] * trace))
    if trace:
        stages.append(Stage("the elementwise derivative, by Kronecker-delta rules", tidy(raw)))
    simple = simplify(raw)
    if trace:
        stages.append(Stage("the deltas contracted and like terms merged", simple))
    return Derivation(simple, tuple(result_axes), tuple(stages))
