"""einderiv: matrix calculus in index notation.

The pipeline, one module per pass in import order:
``parse`` (text -> matrix IR) -> ``shapes`` (kinds, dimensions) -> ``lower`` (-> index IR) ->
``differentiate`` (Kronecker-delta rules) -> ``simplify`` (rewrite rules, ``canon``) ->
``printing`` / ``emit`` (index notation, einsum through opt_einsum). ``pipeline.derive`` chains
them; ``api`` is what users call.
"""

from .api import LAYOUTS, Expr, codegen, diff, hessian, parse
from .check import CheckResult, check
from .errors import EinderivError, EvaluationError, ParseError, ShapeError

__version__ = "0.1.0"

__all__ = [
    "LAYOUTS",
    "CheckResult",
    "EinderivError",
    "EvaluationError",
    "Expr",
    "ParseError",
    "ShapeError",
    "check",
    "codegen",
    "diff",
    "hessian",
    "parse",
]
