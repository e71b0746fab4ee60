"""Hints that end a shape error: what the user may declare to mean what they wrote.

Input: the inference state (``dimensions.Inference``: kinds and the undeclared names) and the
operands (matrix-IR trees) of the operation that did not fit. Output: a hint text starting
with ``"; "``, or ``""`` when no undeclared name explains the error.
Invariants: only undeclared names are named (a declaration is never second-guessed); the walk
happens only when an error is raised, so a shape walk that succeeds never pays for it.
"""

from __future__ import annotations

from einderiv.frontend.name_uses import bare_name
from einderiv.ir import greek
from einderiv.ir import matrix_ir as M


def vector_hint(inf, *operands, kind: str = "scalar") -> str:
    """Suggest ``a: scalar`` (or ``kind``) for undeclared lower-case names taken as vectors."""
    for x in operands:
        name = bare_name(x)  # t, t', exp(t)
        if name and name in inf.undeclared and inf.vars[name][0] == "vector":
            say = "rename it" if name == "delta" else f"declare `{name}: {kind}`"  # reserved
            return f"; `{name}` is taken as a vector: {say} if it is a number"
    return ""


def _names(e: M.MExpr) -> list[str]:
    found: list[str] = []
    stack = [e]
    while stack:
        u = stack.pop()
        if type(u) is M.Name:
            found.append(u.name)
        M.map_children(u, lambda c: stack.append(c) or c)
    return found


def greek_hint(inf, *operands) -> str:
    """``X theta - y``: theta, an undeclared Greek letter, is a scalar (SPEC 6.3), so ``X
    theta`` is a matrix; say so, and how to declare the vector meant."""
    for x in operands:
        for name in _names(x):
            undeclared = name in inf.undeclared and inf.vars.get(name, ("",))[0] == "scalar"
            if undeclared and name in greek.LOWER and name != "delta":
                return (
                    f"; `{name}` is a Greek letter, so taken as a scalar: declare "
                    f"`{name}: vector(n)` (or matrix(m, n)) if it is not a number"
                )
    return ""
