"""Which subterms are worth a name (``notation.cse``): not trivial, and not too short.

Input: matrix-IR subterms (and, for widths and constants, every subterm children first).
Output: ``_trivial`` (a name would not be shorter: a name, a number, ``I``, ``ones``, a
commutation matrix, or one of them transposed, inverted, negated or times a number),
``_constant(s)`` (built of constants only: such a name would have no size of its own),
``_widths`` (about how many characters each subterm takes to write) and ``_pays``.
Invariants: pure functions of the subterms; each subterm is looked at once per call.
"""

from __future__ import annotations

from einderiv.ir import matrix_ir as M
from einderiv.notation.cse_names import subterms

_TRIVIAL = (M.Name, M.Number, M.Identity, M.Ones, M.Entry)
_WRAPPERS = (M.Transpose, M.Inverse, M.Neg)


def _trivial(e: M.MExpr, constant: dict | None = None) -> bool:
    """A name, a number, ``I``, ``ones``, a commutation matrix, or one of them transposed,
    inverted, negated or times a number (``0.5 I``, ``-2 X'``): a name would not be shorter.
    ``constant``: ``_constant`` of the subterms, when already known."""
    while True:
        if isinstance(e, _WRAPPERS):
            e = e.operand
        elif isinstance(e, M.MatMul) and isinstance(e.left, M.Number):
            e = e.right
        elif isinstance(e, M.MatMul) and isinstance(e.right, M.Number):
            e = e.left
        else:
            break
    if isinstance(e, _TRIVIAL):
        return True
    known = constant.get(e) if constant is not None else None
    return _constant(e) if known is None else known


def _constant(e: M.MExpr) -> bool:
    """Built of numbers, ``I``, ``ones`` and commutation matrices only (``ones ones'``): such a
    name would have no size of its own (nothing in it is a variable)."""
    if isinstance(e, M.Call) and e.fn == "commutation":
        return all(isinstance(a, (M.Number, M.Name)) for a in e.args)
    if isinstance(e, (M.Number, M.Identity, M.Ones)):
        return True
    kids = subterms(e)
    return bool(kids) and not isinstance(e, M.Name) and all(_constant(c) for c in kids)


def _constants(order: list[M.MExpr], found: dict | None = None) -> dict:
    """``_constant`` of every node of ``order`` (children first), each looked at once;
    ``found``: those already known (kept across the rounds of one naming), filled in."""
    found = {} if found is None else found
    for e in order:
        if e in found:
            continue
        if isinstance(e, M.Call) and e.fn == "commutation":
            found[e] = all(isinstance(a, (M.Number, M.Name)) for a in e.args)
        elif isinstance(e, (M.Number, M.Identity, M.Ones)):
            found[e] = True
        else:
            kids = subterms(e)
            found[e] = bool(kids) and not isinstance(e, M.Name) and all(found[c] for c in kids)
    return found


_SHORTEST = 5  # a subterm written in fewer characters (X^5, X^2) is not named: t1 is as long


def _pays(n: M.MExpr, times: int, width: dict) -> bool:
    """A call of a name (``softmax(x)``, two nodes) is named when that shortens the text:
    ``times`` copies of its width become names of about 2 characters, at the cost of a line
    ``t1 = softmax(x)`` (softmax(x) twice: yes; diag(v) twice: no, three times: yes)."""
    return isinstance(n, M.Call) and times * (width[n] - 2) > width[n] + 5


def _widths(order: list[M.MExpr], width: dict | None = None) -> dict:
    """About how many characters each subterm of ``order`` (children first) takes to write;
    ``width``: those already known, filled in."""
    width = {} if width is None else width
    for node in order:
        if node in width:
            continue
        if isinstance(node, M.Name):
            own = len(node.name)
        elif isinstance(node, M.Call):
            own = len(node.fn) + 2
        elif isinstance(node, (M.Transpose, M.Neg, M.Number, M.Identity)):
            own = 1
        else:
            own = 2
        width[node] = own + sum(width[c] for c in subterms(node))
    return width
