"""A claim that does not type-check: the "not well-formed" verdict, and what would fix it.

Input: the shape error raised reading the claim (``ShapeError``), the expression, the variable,
the claim as written, the engine's derivative, the question, and ``judge(f, claim)``: a full
check of a claim against an expression, with no diagnosis of its own (``verdict._check``).
Output: a "wrong" ``CheckResult`` whose reason quotes the error as the user reads it
(``claim_sizes.said``) and whose diagnosis says, when one is found, what makes the claim right:
its products in the other order (``(A + A') X'`` for ``X' (A + A')``), or a matrix declared
square (``2 inv(X)'`` for d log det(X' X)/dX, the Matrix Cookbook's identity for a square X,
with X's shape left open: ``square_hint``).
Invariants: the verdict is "wrong" whatever the diagnosis (the claim has no value where the
derivative has one: a non-square X); a diagnosis is said only from what ``judge`` found (a
reversed claim right; a square X's claim well-formed, with the verdict it then gets), never
assumed, and an error while looking for one only leaves the diagnosis out.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator

from einderiv.api import Expr, parse
from einderiv.check import claim_sizes as S
from einderiv.check import diagnose as D
from einderiv.check.claims import declarations_of
from einderiv.check.readings import as_read
from einderiv.check.result import CheckResult
from einderiv.errors import EinderivError, ShapeError
from einderiv.frontend.parse import parse_expression
from einderiv.ir import matrix_ir as M
from einderiv.ir.node import is_compound

__all__ = ["broadcast_hint", "not_well_formed", "reversed_products", "square_hint"]

TRIES = 3  # matrices made square, at most (each is a full check)

Judge = Callable[[Expr, object], CheckResult]


def not_well_formed(
    error: ShapeError,
    f: Expr,
    claim,
    expected: Expr,
    question: str,
    judge: Judge | None = None,
    reverse: bool = False,
) -> CheckResult:
    """ "wrong": ``claim`` does not type-check with the expression's sizes (``error``); with a
    ``judge``, diagnosed (``reverse``: ``reversed_products``)."""
    reason = f"the claim is not well-formed: {S.said(error)}"
    diagnosis = None
    if judge is not None and reverse:
        diagnosis = reversed_products(f, claim, judge)
    if judge is not None and diagnosis is None and "sides of `.*`" in str(error):
        diagnosis = broadcast_hint(f, claim, judge)
    if judge is not None and diagnosis is None:
        diagnosis = square_hint(f, claim, judge)
    fields = ("wrong", expected, None, str(claim), reason)
    return CheckResult(*fields, diagnosis=diagnosis, question=question)


def reversed_products(f: Expr, claim, judge: Judge) -> str | None:
    """'the product order is reversed' if reversing the claim's products makes it right."""
    if not isinstance(claim, str):
        return None
    try:
        with warnings.catch_warnings():  # notes were said reading the claim once already (read
            warnings.simplefilter("ignore")  # here without the expression's kinds, they differ)
            flipped = M.show(D.reverse_products(parse_expression(claim, what="claim")))
            if judge(f, flipped).ok:
                return f"the product order is reversed: {flipped} is right"
    except EinderivError:
        return None
    return None


def broadcast_hint(f: Expr, claim, judge: Judge) -> str | None:
    """A vector ``.*`` a matrix, as numpy broadcasts it (``(1 - tanh(W x) .^ 2) .* W`` for
    d tanh(W x)/dx), written with ``diag``: "... is right: diag(1 - tanh(W x) .^ 2) W", when
    ``judge`` finds one such spelling right (of the first two ``.*``, four spellings each:
    ``diag(u) M``, ``M diag(u)``, with u a column or the transpose of a row)."""
    if not isinstance(claim, str):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = parse_expression(claim, what="claim")
    except EinderivError:
        return None
    found = [e for e in _nodes(tree) if type(e) is M.Hadamard][:2]
    for node in found:
        spellings = [(M.MatMul(a, b), "as an outer product") for a, b in _sides(node)]
        for u, m in _sides(node):
            d = M.Call("diag", (u.operand if type(u) is M.Transpose else u,))
            spellings += [(M.MatMul(d, m), "with diag"), (M.MatMul(m, d), "with diag")]
        for spelling, how in spellings:
            text = M.show(_replaced(tree, node, spelling))
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    right = judge(f, text).ok
            except EinderivError:
                continue
            if right:
                return (
                    "`.*` takes two arrays of one shape (it does not broadcast a vector over a "
                    f"matrix or a row, as numpy does); {how} it is right: {text}"
                )
    return None


def _sides(node: M.MExpr) -> tuple:
    return ((node.left, node.right), (node.right, node.left))


def _nodes(e: M.MExpr) -> list[M.MExpr]:
    found, todo = [], [e]
    while todo:
        node = todo.pop()
        found.append(node)
        M.map_children(node, lambda c: todo.append(c) or c)
    return found


def _replaced(tree: M.MExpr, old: M.MExpr, new: M.MExpr) -> M.MExpr:
    """``tree`` with the node ``old`` (that very node) replaced by ``new``."""
    if tree is old:
        return new
    return M.map_children(tree, lambda c: _replaced(c, old, new))


def square_hint(f: Expr, claim, judge: Judge) -> str | None:
    """What the claim is with the expression's matrices declared square, when that makes it
    well-formed: "the claim needs a square X (m = n): with X: matrix(n, n) declared it is
    right" (``judge``'s verdict then). One matrix at a time, then all of them (|A X B| X^-1
    needs A and B square too); the best verdict is said (right, then undecided, then wrong)."""
    if not isinstance(claim, str):
        return None
    found: list[tuple[int, str]] = []
    for names, sizes, square in _squared(f):
        try:
            with warnings.catch_warnings():  # notes were said reading the claim once already
                warnings.simplefilter("ignore")
                verdict = as_read(lambda s=square: judge(s, claim))  # a reading: undecided
        except EinderivError:
            continue
        if verdict.reason.startswith("the claim is not well-formed"):
            continue
        declared = ", ".join(f"{n}: matrix({sizes[0]}, {sizes[0]})" for n in names)
        which = f"a square {names[0]}" if len(names) == 1 else f"square {', '.join(names)}"
        said = (
            f"the claim needs {which} ({' = '.join(reversed(sizes))}): with {declared} declared "
            f"it is {verdict.verdict}"
        )
        found.append((("right", "undecided", "wrong").index(verdict.verdict), said))
        if verdict.verdict == "right":
            break
    return min(found)[1] if found else None


def _squared(f: Expr) -> Iterator[tuple[list[str], list[str], Expr]]:
    """The expression read again with one matrix square (its two sizes one, everywhere they
    occur), up to ``TRIES`` of them, then with every matrix square: the matrices' names, the
    sizes made one (the first kept), and the ``Expr``. Only sizes that are names (a declared
    ``matrix(2, 3)`` stays as it is)."""
    if f.source is None:
        return
    matrices = {
        name: list(info.dims)
        for name, info in sorted(f.variables.items())
        if info.kind == "matrix"
        and len(info.dims) == 2
        and all(isinstance(d, str) and not is_compound(d) for d in info.dims)
    }
    text, where, tried = M.show(f.source), declarations_of(f), set()
    ways = [([n], dims) for n, dims in matrices.items() if dims[0] != dims[1]][:TRIES]
    every = list(dict.fromkeys(d for dims in matrices.values() for d in dims))
    if len(every) > 2:
        ways.append(([n for n, dims in matrices.items() if dims != every[:1] * 2], every))
    for names, sizes in ways:
        if frozenset(sizes) in tried:
            continue
        tried.add(frozenset(sizes))
        try:
            yield names, sizes, parse(text, _merged(where, sizes))
        except EinderivError:
            continue


def _merged(where: str, sizes: list[str]) -> str:
    """The declarations ``where`` with each of ``sizes`` written as the first, in every shape."""
    rename = re.compile(r"\b(" + "|".join(map(re.escape, sizes[1:])) + r")\b")
    return re.sub(r"\([^)]*\)", lambda m: rename.sub(sizes[0], m.group()), where)
