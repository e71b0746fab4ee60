"""Letters written together: ``x'Ax`` is ``x' A x`` (SPEC 6.3).

Input: the matrix IR of a plain-text expression and the names declared for it.
Output: the same tree with every undeclared name of two or more letters (no digit, no ``_``)
that is not a Greek letter, a function or a constant replaced by the product of its letters,
and the notes saying so (one per name), which the caller shows (``warnings.warn`` in Python,
a note on the command line).
Invariants:
* declared names are never split (``lr: scalar`` keeps ``lr`` one name);
* the tree is rebuilt only when some name is split; spans point at each letter;
* the product keeps the letters' order, so ``Ax`` is ``A x`` and ``xy'`` is ``x y'``.
"""

from __future__ import annotations

import re

from einderiv.frontend.dimensions import child_fields
from einderiv.frontend.lexing import RESERVED
from einderiv.ir import greek
from einderiv.ir import matrix_ir as M

__all__ = ["split_letters"]

_LETTERS = re.compile(r"[A-Za-z]{2,}")


def _splits(name: str, declared: frozenset) -> bool:
    return (
        name not in declared
        and _LETTERS.fullmatch(name) is not None
        and name not in greek.NAMES  # π is pi, one name
        and name not in RESERVED
        and name not in M.FUNCTIONS
    )


def _names(tree: M.MExpr) -> set[str]:
    found, todo = set(), [tree]
    while todo:
        e = todo.pop()
        if isinstance(e, M.Name):
            found.add(e.name)
        todo.extend(child for _, child in child_fields(e))
    return found


def split_letters(
    tree: M.MExpr, declared: frozenset, names: set[str] | None = None
) -> tuple[M.MExpr, tuple[str, ...]]:
    """``tree`` with run-together letters read as products, and a note per split name;
    ``names``: the names of ``tree`` when the caller has them (``dimensions.name_uses``)."""
    split = sorted(n for n in (_names(tree) if names is None else names) if _splits(n, declared))
    if not split:
        return tree, ()
    notes = tuple(
        f"read '{n}' as the product {' '.join(n)}; declare it (`{n}: scalar`, ...) to keep one name"
        for n in split
    )
    return _rebuild(tree, frozenset(split)), notes


def _rebuild(e: M.MExpr, split: frozenset) -> M.MExpr:
    if isinstance(e, M.Name):
        if e.name not in split:
            return e
        start = e.span[0] if e.span else None
        letters = [
            M.Name(c, span=(start + i, start + i + 1) if start is not None else None)
            for i, c in enumerate(e.name)
        ]
        product = letters[0]
        for letter in letters[1:]:
            product = M.MatMul(product, letter, span=e.span)
        return product
    changes = {}
    for name in e._init:
        value = getattr(e, name)
        if isinstance(value, M.MExpr):
            new = _rebuild(value, split)
            if new is not value:
                changes[name] = new
        elif isinstance(value, tuple) and any(isinstance(v, M.MExpr) for v in value):
            new = tuple(_rebuild(v, split) if isinstance(v, M.MExpr) else v for v in value)
            if new != value:
                changes[name] = new
    return e.replace(**changes) if changes else e
