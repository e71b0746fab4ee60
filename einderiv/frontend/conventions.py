"""Conventions that depend on shapes: checked on the typed tree, with the text as written.

Input: the typed tree of an expression (``shapes.Typed``) and its source text.
Output: nothing, or a ``ShapeError`` for a reading einderiv does not have, or a
``ReadAsEntrywise`` note for one that has two conventional meanings.
Invariants: one walk over the tree, only when the text can hold such a construct; nothing is
rewritten (the tree is already final).
* ``e^{A}`` (read as ``exp(A)`` by the LaTeX lexer) of a matrix would be the matrix exponential,
  which einderiv does not have: refused (``exp(A)``, elementwise, is written so);
* ``‖X‖_2`` of a matrix is its spectral norm in linear algebra and often its Frobenius norm in
  machine learning (``‖W‖_2^2``): read as Frobenius (``norm2``), and said so.
"""

from __future__ import annotations

import re
import warnings

from einderiv.errors import ReadAsEntrywise, ShapeError
from einderiv.frontend.dimensions import child_fields
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import NORM2

__all__ = ["check_conventions"]

# the subscript 2 of a norm, inside the call's span (plain text) or right after it (LaTeX)
_TWO_INSIDE = re.compile(r"(?:_\s*\{?\s*2\s*\}?|₂)\s*$")
# e^{...} as the LaTeX lexer reads it (e or \mathrm{e}, then ^)
_EULER = re.compile(r"(?:e|\\(?:mathrm|operatorname)\s*\{\s*e\s*\})\s*\^")
_TWO_AFTER = re.compile(r"\s*(?:\^\s*(?:\{\s*\d+\s*\}|\d)\s*)?(?:_\s*\{?\s*2\s*\}?|₂)")


def check_conventions(typed, text) -> None:
    """Raise or warn for the constructs of the module's docstring found in ``typed``."""
    if not isinstance(text, str):
        return
    euler, norms = "e" in text, "2" in text or "₂" in text
    todo = [typed.tree] if euler or norms else []
    while todo:
        e = todo.pop()
        todo.extend(child for _, child in child_fields(e))
        if type(e) is not M.Call or e.span is None or None in typed.shape(e.args[0]):
            continue  # a matrix's function, written at a known place
        start, end = e.span
        if euler and _EULER.match(text, start):
            raise ShapeError(
                f"`{text[start:end]}`: e to the power of a matrix is the matrix exponential, "
                "which einderiv does not have; write exp(...) for the elementwise exponential"
            )
        two = _TWO_INSIDE.search(text, start, end) or _TWO_AFTER.match(text, end)
        if norms and e.fn == NORM2.name and two:
            warnings.warn(
                f"read `{text[start : two.end()].strip()}` of a matrix as its Frobenius norm "
                "(the square root of the sum of squares); einderiv has no spectral norm: write "
                "_F to say Frobenius",
                ReadAsEntrywise,
                stacklevel=5,
            )
