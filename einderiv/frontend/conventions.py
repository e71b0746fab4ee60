"""Conventions that depend on shapes: checked on the typed tree, with the text as written.

Input: the typed tree of an expression (``shapes.Typed``) and its source text.
Output: nothing, or a ``ShapeError`` for a reading einderiv does not have, or a
``ReadAsEntrywise`` note for one that has two conventional meanings.
Invariants: one walk over the tree, only when the text can hold such a construct; nothing is
rewritten (the tree is already final).
* ``e^{A}`` (read as ``exp(A)`` by the LaTeX lexer) of a matrix would be the matrix exponential,
  which einderiv does not have: refused (``exp(A)``, elementwise, is written so);
* ``‖X‖_2`` of a matrix is its spectral norm in linear algebra and often its Frobenius norm in
  machine learning (``‖W‖_2^2``): read as Frobenius (``norm2``), and said so;
* ``tr(sin(X))`` of a matrix is the trace of the matrix function in the Matrix Cookbook
  (``d tr(sin(X)) / dX = cos(X)'``), while einderiv's functions are entrywise (SPEC 6.1): read
  entrywise (the sum of sin over the diagonal), and said so.
"""

from __future__ import annotations

import re
import warnings

from einderiv.errors import ReadAsEntrywise, ShapeError
from einderiv.frontend.dimensions import child_fields
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import NORM2, TR
from einderiv.ir.ops import ELEMENTWISE

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
    traces = "tr" in text.lower()
    todo = [typed.tree] if euler or norms or traces else []
    while todo:
        e = todo.pop()
        todo.extend(child for _, child in child_fields(e))
        if traces and type(e) is M.Call and e.fn == TR.name:
            _entrywise_in_trace(typed, e.args[0])
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


def _entrywise_in_trace(typed, inner: M.MExpr) -> None:
    """Say so when ``inner``, the argument of a trace, is an elementwise function of a matrix."""
    if type(inner) is not M.Call or inner.fn not in ELEMENTWISE:
        return
    shape = typed.shape(inner.args[0])
    if len(shape) != 2 or None in shape:
        return
    warnings.warn(
        f"read tr({inner.fn}(...)) of a matrix entrywise: {inner.fn} of each diagonal entry, "
        f"summed (einderiv's functions are entrywise); einderiv has no matrix {inner.fn}, the "
        f"function of the Matrix Cookbook's tr({inner.fn}(X))",
        ReadAsEntrywise,
        stacklevel=6,
    )
