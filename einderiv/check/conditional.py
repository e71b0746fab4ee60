"""The reason of a claim that needs conditions the expression does not impose (``Jacobi's
det(X) X^-T`` for d det(X) / dX): where it is equal to the derivative, and where undefined.

Input: the conditions the claim needs and the expression does not (``domain.Condition``s,
``smooth.missing_conditions``), and how its equality was proved (a method) or None.
Output: ``conditional(missing, method)``: the "undecided" reason. Proved (equal canonical
forms, or exact arithmetic: equal as rational functions, so wherever both are defined), it
says so -- "the claim equals the derivative wherever X is invertible (...), but it is undefined
where X is singular, where the derivative is defined too" -- else that the claim agrees at every
probe and may be undefined where the derivative is defined.
Invariants: text only; the verdict stays the caller's ("undecided": never "right", as the
claim has no value where a condition fails and the derivative has one). A matrix condition on
a variable (over its bound pair) names the variable (``X``), others their index form.
"""

from __future__ import annotations

import re

from einderiv.check.domain import Condition
from einderiv.ir import index_ir as T

__all__ = ["conditional"]

# a condition's kind: (how it reads where it holds, where it fails), of the term's text
_WORDS = {
    "invertible": ("{} is invertible", "{} is singular"),
    "det positive": ("det({}) > 0", "det({}) <= 0"),
    "positive": ("{} > 0", "{} <= 0"),
    "nonnegative": ("{} >= 0", "{} < 0"),
    "nonzero": ("{} != 0", "{} = 0"),
    "above_minus_one": ("{} > -1", "{} <= -1"),
    "cos_nonzero": ("cos({}) != 0", "cos({}) = 0"),
}


def conditional(missing: list[Condition], method: str | None) -> str:
    """The reason (module docstring) for the claim's ``missing`` conditions (the first 3)."""
    shown = missing[:3]
    if method is None or len(missing) > len(shown):  # equal where the first 3 hold: unproved
        needs = "; ".join(map(str, shown))
        return (
            "undecided: the claim agrees at every probe, but it needs conditions the "
            f"expression does not impose ({needs}), so it may be undefined where the "
            "derivative is defined"
        )
    said = [_said(c) for c in shown]
    many = len(said) > 1
    holds = " and ".join(f"({h})" if many and " or " in h else h for h, _ in said)
    fails = " or ".join(f for _, f in said)
    where = (  # X is singular and k - 1 < 0: at k = 0 only (tr(X^0) = n), X^k needs X there
        "where the derivative may be defined too"
        if any(" where " in c.kind for c in shown)
        else "where the derivative is defined too"
    )
    return (
        f"undecided: the claim equals the derivative wherever {holds} ({method}), but it is "
        f"undefined where {fails}, {where} (the expression does not need that)"
    )


def _said(c: Condition) -> tuple[str, str]:
    """(where ``c`` holds, where it fails), in words; a kind with a proviso (``invertible
    where k - 1 < 0``): X is invertible or k - 1 >= 0, X is singular and k - 1 < 0."""
    kind = next((k for k in _WORDS if c.kind == k or c.kind.startswith(f"{k} where ")), None)
    if kind is None:
        return str(c), f"not ({c})"
    holds, fails = _WORDS[kind]
    what = _name(c) or c.text or c.term
    holds, fails = holds.format(what), fails.format(what)
    proviso = re.sub(r"%r(\d+)", r"r\1", c.kind[len(kind) :].removeprefix(" where "))
    if not proviso:
        return holds, fails
    other = f" or {proviso[:-4]} >= 0" if proviso.endswith(" < 0") else f" where {proviso}"
    return f"{holds}{other}", f"{fails} and {proviso}"


def _name(c: Condition) -> str | None:
    """The variable a matrix condition is on (``X``: X' is invertible, or has det > 0, where X
    is), or None."""
    node = c.node
    if not c.kind.startswith(("invertible", "det positive")) or type(node) is not T.Var:
        return None
    pair = {i.name for i in T.bound_pair(node.indices[0].dim)} if node.indices else set()
    return node.name if {i.name for i in node.indices} == pair else None
