"""How deep a parsed expression may be: its nesting, and its flat chains (``a + b + c``).

Input: the parsed matrix-IR tree, its height (the parser counts it as it builds the tree, one
level per node) and the text's name ("expression", "claim").
Output: nothing, or an ``EinderivError`` saying which limit the text passes.
Invariants:
* nesting (``sin(sin(...))``, ``-(-(...))``, brackets in brackets) is at most ``MAX_DEPTH``
  levels; a flat chain of one precedence level (``a + b - c``, ``A B C``, ``x .* y ./ z``),
  which the parser builds left-nested, is one level however long it is;
* the tree's height, flat chains' links included, is at most ``MAX_HEIGHT``: every later pass
  (shapes, lowering, differentiation, printing, evaluation) then runs within the recursion room
  ``errors.guarded`` gives (measured: sums and chains of 3,000 terms go through parse, diff,
  printing, evaluation and compiled plans; 4,000 ran out of it, with a clear error);
* the walk is iterative, and runs only for a tree higher than ``MAX_DEPTH`` (a few do).
"""

from __future__ import annotations

from einderiv.errors import EinderivError
from einderiv.frontend.name_uses import child_fields
from einderiv.ir import matrix_ir as M

__all__ = ["MAX_DEPTH", "MAX_HEIGHT", "refuse_too_deep"]

MAX_DEPTH = 400  # nesting levels, a flat chain counted once
MAX_HEIGHT = 2_500  # the tree's height, each link of a chain counted

# the operators of one precedence level, which a flat chain mixes (a + b - c, A B .* C / d)
_LEVEL = {M.Add: 1, M.Sub: 1, M.MatMul: 2, M.Dot: 2, M.Hadamard: 2, M.ElemDiv: 2, M.Div: 2}


def refuse_too_deep(tree: M.MExpr, height: int, what: str) -> None:
    """Raise when ``tree`` (of ``height`` levels) nests deeper than ``MAX_DEPTH`` or is higher
    than ``MAX_HEIGHT`` (the module's docstring)."""
    if height <= MAX_DEPTH:
        return
    depth = nesting(tree)
    if depth > MAX_DEPTH:
        raise EinderivError(
            f"{what} is nested too deeply (depth {depth}; the limit is {MAX_DEPTH}); each "
            "function, bracket or operator inside another is a level (a flat chain such as "
            "a + b + c or A B C is one): write the inner parts apart"
        )
    if height > MAX_HEIGHT:
        raise EinderivError(
            f"{what} is too long a chain (depth {height}, a level for each term of a flat sum "
            f"or product; the limit is {MAX_HEIGHT}): group it in parentheses, (a + b) + (c + d)"
        )


def nesting(tree: M.MExpr) -> int:
    """The nesting depth of ``tree``: its height, except that the left operand of a binary
    operator of the same precedence level (the ``a + b`` of ``a + b + c``) is no level deeper."""
    levels: dict[int, int] = {}
    todo: list[tuple[M.MExpr, bool]] = [(tree, False)]
    while todo:
        e, seen = todo.pop()
        children = child_fields(e)
        if not seen:
            todo.append((e, True))
            todo.extend((child, False) for _, child in children if id(child) not in levels)
            continue
        level = _LEVEL.get(type(e))
        deepest = 0
        for name, child in children:
            chained = level is not None and name == "left" and _LEVEL.get(type(child)) == level
            deepest = max(deepest, levels[id(child)] + (0 if chained else 1))
        levels[id(e)] = max(deepest, 1)
    return levels[id(tree)]
