"""How many transposes a matrix expression writes: the measure ``transposing`` and the
re-contraction minimise (of two equal forms, the one with fewer ``'`` is printed).

Input: a matrix-IR expression. Output: ``transposes(e)``, its number of ``Transpose`` nodes.
Invariants: a shared subtree is counted once per node object (memoised by identity, the node
kept with its count so a reused id is never misread); linear in the size of the graph.
"""

from __future__ import annotations

from einderiv.ir import matrix_ir as M
from einderiv.ir.canon import memo_table

__all__ = ["transposes"]

_OPERANDS = ("left", "right", "operand", "base", "exponent")
_OPERANDS_OF: dict[type, tuple[str, ...]] = {}  # per node class: its operand fields
_TRANSPOSES = memo_table()  # id -> (node, count): a shared subtree is counted once


def transposes(e: M.MExpr) -> int:
    """How many transposes ``e`` writes (``'``)."""
    if type(e) in _LEAVES:
        return 0
    found = _TRANSPOSES.get(id(e))  # by identity: equal-but-distinct trees would cost an __eq__
    if found is None or found[0] is not e:
        found = _TRANSPOSES[id(e)] = (e, _transposes(e))
    return found[1]


_LEAVES = (M.Name, M.Number)


def _transposes(e: M.MExpr) -> int:
    names = _OPERANDS_OF.get(type(e))
    if names is None:
        names = _OPERANDS_OF[type(e)] = tuple(n for n in _OPERANDS if n in type(e)._init)
    count = 1 if type(e) is M.Transpose else 0
    for name in names:
        child = getattr(e, name)
        if isinstance(child, M.MExpr):
            count += transposes(child)
    for child in getattr(e, "args", ()):
        count += transposes(child)
    return count
