"""einderiv: matrix calculus in index notation.

The pipeline, one stage package per pass (imports run one way, from ``ir`` upward):
``ir`` (frozen interned nodes: matrix IR, index IR, canonical forms) ->
``frontend`` (text -> matrix IR -> shapes -> index IR) ->
``calculus`` (Kronecker-delta differentiation, rewrite rules to a fixpoint) ->
``notation`` (index IR -> matrix notation, LaTeX, index notation) ->
``backend`` (einsum evaluation, compiled plans, generated code) -> ``check`` (verdicts).
``pipeline.derive`` chains the stages; ``api`` is the thin facade users call.
"""

from einderiv.api import LAYOUTS, Expr, diff, hessian, parse
from einderiv.check.audit import audit
from einderiv.check.identity import check_identity
from einderiv.check.verdict import CheckResult, check
from einderiv.errors import (
    EinderivError,
    EvaluationError,
    ParseError,
    ShapeError,
    TooLongToWrite,
)
from einderiv.gradients import codegen, read_differential, value_and_grad

__version__ = "0.1.0"

__all__ = [
    "LAYOUTS",
    "CheckResult",
    "EinderivError",
    "EvaluationError",
    "Expr",
    "ParseError",
    "ShapeError",
    "TooLongToWrite",
    "audit",
    "check",
    "check_identity",
    "codegen",
    "diff",
    "hessian",
    "parse",
    "read_differential",
    "value_and_grad",
]
