"""A claim that does not type-check: the "not well-formed" verdict, and what would fix it.

Input: the shape error raised reading the claim (``ShapeError``), the expression, the variable,
the claim as written, the engine's derivative, the question, and ``judge(f, claim)``: a full
check of a claim against an expression, with no diagnosis of its own (``verdict._check``).
Output: a "wrong" ``CheckResult`` whose reason quotes the error as the user reads it
(``claim_sizes.said``) and whose diagnosis says, when one is found, what makes the claim right:
its products in the other order (``(A + A') X'`` for ``X' (A + A')``).
Invariants: the verdict is "wrong" whatever the diagnosis (the claim has no value where the
derivative has one); a diagnosis is said only when ``judge`` found the changed claim right
(never assumed), and an error while looking for one only leaves the diagnosis out.
"""

from __future__ import annotations

from collections.abc import Callable

from einderiv.api import Expr
from einderiv.check import claim_sizes as S
from einderiv.check import diagnose as D
from einderiv.check.result import CheckResult
from einderiv.errors import EinderivError, ShapeError
from einderiv.frontend.parse import parse_expression
from einderiv.ir import matrix_ir as M

__all__ = ["not_well_formed"]

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
    fields = ("wrong", expected, None, str(claim), reason)
    return CheckResult(*fields, diagnosis=diagnosis, question=question)


def reversed_products(f: Expr, claim, judge: Judge) -> str | None:
    """'the product order is reversed' if reversing the claim's products makes it right."""
    if not isinstance(claim, str):
        return None
    try:
        flipped = M.show(D.reverse_products(parse_expression(claim, what="claim")))
        if judge(f, flipped).ok:
            return f"the product order is reversed: {flipped} is right"
    except EinderivError:
        return None
    return None
