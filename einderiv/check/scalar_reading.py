"""An identity about scalars written with plain lower-case letters, which parse reads as vectors.

Input: an ``Identity`` as read (``check.identity``), its ``CheckResult`` under that reading, and
a judge of another reading (``Identity -> CheckResult``).
Output: ``scalar_reading(identity, result, judge)``: ``result``, or -- when it is "wrong" and
the identity is right with its undeclared vector letters read as scalars -- "undecided", with
the declaration that makes it right. ``\\frac{d \\log(1 + e^{x})}{dx} = \\sigma(x)`` is how a
student writes a scalar identity; with x a vector (what ``parse`` reads a plain lower-case
letter as, when no vector is set in bold) its right side is the wrong shape, a "wrong" that
rests on einderiv's guess of what x is.
``scalar_hessian(identity, error, judge)``: the same for a Hessian identity
(``\\frac{d^2}{dx^2} \\sin(x) = -\\sin(x)``) whose expression, with its letters vectors, is no
scalar (``error``): "undecided" when right with them scalars, else ``error`` with the
declaration to try.
Invariants: never "right" (that reading is a guess too); only letters that nothing declares
(``where``, bold, a condition) and that the identity never transposes (``x^\\top x``: a vector,
as written), in an identity with no notation for vectors only (``sum(x)``, ``x .* x``,
``\\|x\\|``), so a slip such as ``d(x^\\top x)/dx = 2x`` or ``d sum(x)/dx = 1`` stays "wrong";
any error of the other reading keeps the result as it was.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import replace

from einderiv.api import parse
from einderiv.check.identity_kinds import transposed
from einderiv.check.result import CheckResult
from einderiv.errors import EinderivError

__all__ = ["scalar_hessian", "scalar_reading"]

# notation for vectors and matrices only: an identity that uses it means its letters as such
_VECTOR_ONLY = re.compile(
    r"(?<![A-Za-z])(?:sum|mean|norm[12]?|softmax|log_softmax|logsumexp|diag|vec|kron|len|ones)"
    r"\s*\(|\.[*/^]|\\(?:odot|circ|otimes|sum|lVert|\||operatorname\s*\{\s*(?:diag|vec)\})|‖|\|\|"
)


def scalar_reading(identity, result: CheckResult, judge: Callable) -> CheckResult:
    """``result``, or "undecided" when the identity is right with its vector letters scalars
    (see the module docstring)."""
    if result.verdict != "wrong" or _VECTOR_ONLY.search(f"{identity.expr} {identity.claim}"):
        return result  # sum(x), x .* x, ||x||: x is meant as a vector
    letters, other = _other_reading(identity, judge)
    if other is None or other.verdict != "right":
        return result
    return _undecided(result, letters, result.reason.removeprefix("wrong: "))


def scalar_hessian(identity, error: EinderivError, judge: Callable) -> CheckResult:
    """A Hessian identity whose expression is no scalar with its plain letters vectors: its
    verdict with them scalars if "right" (then "undecided"), else ``error`` saying so."""
    if _VECTOR_ONLY.search(f"{identity.expr} {identity.claim}"):
        raise error
    letters, other = _other_reading(identity, judge)
    if other is None:
        raise error
    names, scalars = ", ".join(letters), "; ".join(f"{name}: scalar" for name in letters)
    if other.verdict != "right":
        raise EinderivError(
            f"{error} ({names} read as {'a vector' if len(letters) == 1 else 'vectors'}, a plain "
            f"lower-case letter; with `{scalars}` declared the claim is {other.verdict})"
        ) from None
    return _undecided(other, letters, str(error))


def _undecided(result: CheckResult, letters: list, why: str) -> CheckResult:
    """``result`` made "undecided": right with ``letters`` scalars, wrong as vectors (``why``)."""
    names, scalars = ", ".join(letters), "; ".join(f"{name}: scalar" for name in letters)
    kind = "is a scalar" if len(letters) == 1 else "are scalars"
    reason = (
        f"undecided: right if {names} {kind} (declare `{scalars}`); read as vectors (a plain "
        f"lower-case letter, when no vector is set in bold), {why}"
    )
    return replace(result, verdict="undecided", reason=reason, method="", counterexample=None)


def _other_reading(identity, judge: Callable) -> tuple[list, CheckResult | None]:
    """The identity's undeclared vector letters, never transposed, and its verdict with them
    scalars (None when there are none or that reading is an error)."""
    declared = set(re.findall(r"([A-Za-z]\w*)\s*:", identity.where or ""))
    text = f"{identity.expr} {identity.claim}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # said once already, by the first reading
            f = parse(identity.expr, identity.where or None)
    except EinderivError:
        return [], None
    letters = sorted(
        name
        for name, info in f.variables.items()
        if info.kind == "vector" and name not in declared and name not in transposed(text, [name])
    )
    if not letters:
        return [], None
    scalars = "; ".join(f"{name}: scalar" for name in letters)
    where = "; ".join(p for p in (identity.where, scalars) if p)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return letters, judge(replace(identity, where=where))
    except EinderivError:
        return letters, None
