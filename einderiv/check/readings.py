"""Readings that einderiv chose among two: a "right" that rests on one is undecided.

Input: a judging function (``check`` or ``check_identity``'s work) run inside ``as_read``.
Output: its ``CheckResult``, with "right" made "undecided" when reading the texts raised a note
that another reading differs in value: ``‖X‖_2`` of a matrix read as the Frobenius norm (the
spectral norm in linear algebra), ``‖X‖_1`` read entrywise, ``tr(sin(X))`` entrywise
(``ReadAsEntrywise``), or a call of a function einderiv does not have read as a product
(``\\phi(x)``, ``h(\\mathbf{x})``: ``ReadAsCall``), or a subscript read as part of a name
(``A_ij`` beside A, ``A_{ji}``: ``ReadAsName``), or ``T`` in a power beside other terms read
as an integer (``X^{T-1}``, where ``(X^T)^{-1}`` may be meant: ``ReadAsPower``).
An ``Expr`` parsed before keeps the readings said when it was read (``Expr.readings``).
A function written without parentheses before a product (``\\operatorname{tr} A X``, read
as tr(A) X where a paper may mean tr(A X): ``ReadAsBareCall``) makes "wrong" undecided too:
the derivative itself rests on the reading, and the paper's reading may be right; so does
``tr(sin(X))`` read entrywise (``ReadAsMatrixFunction``), where Wikipedia's d tr(sin(X))/dX =
cos(X)' is about the matrix function, which einderiv does not have.
Invariants: the notes are raised again, as they were, for the caller (the command line prints
them); otherwise "wrong" and "undecided" are kept (the claim differs from the derivative as
read, which the note says).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace

from einderiv.errors import (
    ReadAsBareCall,
    ReadAsCall,
    ReadAsEntrywise,
    ReadAsMatrixFunction,
    ReadAsName,
    ReadAsPower,
)

__all__ = ["as_read"]

_OTHER_READING = (ReadAsEntrywise, ReadAsCall, ReadAsName, ReadAsBareCall, ReadAsPower)


def as_read(judge: Callable, *parsed: object):
    """``judge()``, with its "right" undecided when a reading it rests on was one of two: one
    said while it ran, or one kept by an ``Expr`` among ``parsed`` (read before)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = judge()
    for note in seen:  # raised again for the caller, as they were
        warnings.warn_explicit(note.message, note.category, note.filename, note.lineno)
    said = [str(n.message) for n in seen if issubclass(n.category, _OTHER_READING)]
    guesses = [r for e in parsed for r in getattr(e, "readings", ())] + said
    # tr A X read as tr(A) X, tr(sin(X)) entrywise: the paper's reading may make "wrong" right
    other = (ReadAsBareCall, ReadAsMatrixFunction)
    bare = [str(n.message) for n in seen if issubclass(n.category, other)]
    if result.verdict == "wrong" and bare:
        return _undecided(result, f"wrong as einderiv read it, but einderiv {bare[0]}", "be right")
    if result.verdict != "right" or not guesses:
        return result
    return _undecided(result, f"right as einderiv read it, but einderiv {guesses[0]}", "not be")


def _undecided(result, said: str, other: str):
    """``result`` undecided: einderiv ``said`` how it read the text, and under the other
    reading the claim may ``other``."""
    reason = f"undecided: {said}; under the other reading it may {other}"
    return replace(result, verdict="undecided", reason=reason, method="")
