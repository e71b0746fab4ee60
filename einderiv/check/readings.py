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
the derivative itself rests on the reading, and the paper's reading may be right (so does
``X^t`` read as a power, ``ReadAsPower``, where some texts mean the transpose); so does
``tr(sin(X))`` read entrywise (``ReadAsMatrixFunction``), where Wikipedia's d tr(sin(X))/dX =
cos(X)' is about the matrix function, which einderiv does not have (a claim of the wrong shape
or not well-formed stays wrong there: the matrix sin(M) has the shape of M, as sin(M) does).
A ``x_i`` read as a name where the entry x[i] may be meant (``ReadAsIndexName``) is tried
the other way too: when the texts, read again with each such ``x_i`` as the entry ``x[i]``
(``name_uses.AS_ENTRIES``), are judged "right" with no other reading said, the claim is right
under both readings and stays "right" (``\\nabla_{x_i} \\|x_i\\|^2 = 2 x_i``); otherwise
(refused, another verdict, or a note that the reading did not take) it is undecided.
Invariants: the notes are raised again, as they were, for the caller (the command line prints
them), each once (a text read twice says its note twice); otherwise "wrong" and "undecided" are kept (the claim differs from the derivative as
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
    ReadAsIndexName,
    ReadAsMatrixFunction,
    ReadAsName,
    ReadAsPower,
)
from einderiv.frontend.name_uses import AS_ENTRIES

__all__ = ["among_two", "as_read"]

_OTHER_READING = (ReadAsEntrywise, ReadAsCall, ReadAsName, ReadAsBareCall, ReadAsPower)
# a "wrong" may rest on these: X^t read as a power where some texts mean the transpose
_OTHER_WRONG = (ReadAsBareCall, ReadAsMatrixFunction, ReadAsPower)
_SHAPE = ("wrong shape", "the claim is not well-formed")  # a "wrong" by the claim's shape


def as_read(judge: Callable, *parsed: object, again: Callable | None = None):
    """``judge()``, with its "right" undecided when a reading it rests on was one of two: one
    said while it ran, or one kept by an ``Expr`` among ``parsed`` (read before). When every
    such reading is a matrix function's (``ReadAsMatrixFunction``), ``again()`` may decide
    without it (the terms that hold it dropped: ``constant_terms``), or give None."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = judge()
    said_once = {(n.category, str(n.message)): n for n in seen}  # a text read twice (the
    for note in said_once.values():  # claim again to diagnose it): its note said once
        warnings.warn_explicit(note.message, note.category, note.filename, note.lineno)
    said = [str(n.message) for n in seen if issubclass(n.category, _OTHER_READING)]
    guesses = [r for e in parsed for r in getattr(e, "readings", ())] + said
    # tr A X read as tr(A) X, tr(sin(X)) entrywise: the paper's reading may make "wrong" right;
    # not a claim of the wrong shape beside tr(sin(X)): f(M) has M's shape in both readings
    other = (ReadAsBareCall,) if result.reason.startswith(_SHAPE) else _OTHER_WRONG
    bare = [str(n.message) for n in seen if issubclass(n.category, other)]
    kept = [r for e in parsed for r in getattr(e, "readings", ())]
    only = all(issubclass(n.category, ReadAsMatrixFunction) for n in seen if among_two(n.category))
    undecided = (bare and result.verdict == "wrong") or (guesses and result.verdict == "right")
    # tr(exp(X)) + x' x by x: tr(exp(X)) drops out of the derivative, however it is read
    again = again if undecided and only and not kept else None
    if again is not None and (decided := again()) is not None:  # (a CheckResult is falsy
        return decided  # unless right: compared with None)
    if result.verdict == "wrong" and bare:
        return _undecided(result, f"wrong as einderiv read it, but einderiv {bare[0]}", "be right")
    if result.verdict != "right" or not guesses:
        return result
    indexed = [n.message for n in seen if issubclass(n.category, ReadAsIndexName)]
    if len(indexed) == len(guesses) and _right_as_entries(judge, indexed):  # x_i, x[i]: right
        entries = ", ".join(f"{x}[{i}]" for x, i in (n.entry for n in indexed))
        other = f"read as the entries {entries} instead, it is right too"
        return replace(result, reason=f"{result.reason}; einderiv {guesses[0]}; {other}")
    return _undecided(result, f"right as einderiv read it, but einderiv {guesses[0]}", "not be")


def among_two(category) -> bool:
    """Whether a note of ``category`` says a reading among two (``as_read``)."""
    return issubclass(category, (*_OTHER_READING, *_OTHER_WRONG, ReadAsIndexName))


def _right_as_entries(judge: Callable, notes: list) -> bool:
    """Whether ``judge()`` is "right" with the names of ``notes`` (``ReadAsIndexName``: x_i)
    read as the entries they may mean (x[i]), and no reading among two said then (a note for
    the same x_i means the other reading did not take)."""
    token = AS_ENTRIES.set(frozenset(getattr(n, "entry", ("", "")) for n in notes))
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            verdict = judge().verdict
    except Exception:  # noqa: BLE001 -- no clean other reading (refused, not well-formed)
        return False
    finally:
        AS_ENTRIES.reset(token)
    return verdict == "right" and not any(issubclass(n.category, _OTHER_READING) for n in seen)


def _undecided(result, said: str, other: str):
    """``result`` undecided: einderiv ``said`` how it read the text, and under the other
    reading the claim may ``other``."""
    reason = f"undecided: {said}; under the other reading it may {other}"
    return replace(result, verdict="undecided", reason=reason, method="")
