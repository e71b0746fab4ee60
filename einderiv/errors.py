"""Errors a user can cause.

Input: nothing. Output: the exception classes every other module raises.
Invariant: every error a user can provoke is an ``EinderivError`` (a ``ValueError``), so the
command line can print one message and exit 2 without a traceback.
"""

from __future__ import annotations

import difflib
import functools
import sys
import warnings
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# Deepest Python recursion the passes may use: the parser refuses nesting deeper than 400, and
# each level costs a handful of frames in the recursive passes (shapes, lower, differentiate,
# simplify, print). Python >= 3.11 does not grow the C stack for Python-to-Python calls.
_RECURSION = 20_000

# The longest text the command line (each argument, standard input), ``einderiv audit`` (each
# identity) and the web page (each field, SPEC 10) read: a clear error beyond it, rather than
# minutes and gigabytes. The Python API reads text of any length.
MAX_CHARS = 10_000


def too_long(text: str, what: str) -> str | None:
    """Why ``text`` is too long to read as ``what`` (longer than ``MAX_CHARS``), or None."""
    if len(text) <= MAX_CHARS:
        return None
    return f"{what} is {len(text):,} characters long; the limit is {MAX_CHARS:,} characters"


class EinderivError(ValueError):
    """Base class of every error einderiv raises for bad input."""


class ParseError(EinderivError):
    """Text that does not parse. Carries line, column, the text with a caret, what was expected."""

    def __init__(
        self,
        message: str,
        *,
        text: str = "",
        line: int = 1,
        column: int = 1,
        expected: tuple[str, ...] = (),
        what: str = "expression",
    ):
        self.text = text
        self.line = line
        self.column = column
        self.expected = tuple(expected)
        self.what = what
        self.context = caret_context(text, line, column)
        parts = [f"cannot parse the {what} at line {line}, column {column}: {message}"]
        if self.context:
            parts.append(self.context)
        if self.expected:
            parts.append("expected one of: " + ", ".join(self.expected))
        super().__init__("\n".join(parts))


class ShapeError(EinderivError):
    """Shapes or kinds that do not fit. Names the sub-expression and the dimensions."""


class UnpairedSizes(ShapeError):
    """Two Kronecker or vec sizes that einderiv cannot pair factor by factor, though they may
    have as many positions (``m*n`` against ``n*m``, or a size left open): a claim written so
    is undecided, not wrong (its products of sizes may well be equal)."""


class SeveralSizes(UnpairedSizes):
    """Open sizes whose product is fixed, with more than one solution (``n*m`` = 6 for an
    undeclared X in ``vec(X)``): a claim so sized is undecided, never wrong by its shape."""


class TooLongToWrite(EinderivError):
    """A result whose text, written out whole, would be astronomically long (``str`` of a term
    stored as a small graph of a huge tree); ``show(cse=True)`` writes it with names."""


class NoReadableText(EinderivError):
    """A result with no text that reads back: a matrix function (an inverse, a power, det,
    logdet, a row function) whose argument has no matrix form, which index notation cannot
    write inside the call. Its value, ``einsum`` and ``compile`` are unaffected."""


class OperandError(EinderivError, TypeError):
    """An operand of an ``Expr`` operator that is neither an ``Expr`` nor a real number
    (``e + None``, ``e @ array``), or an operator expressions do not have (``<``, ``**``):
    also a ``TypeError``, which Python raises for such operands elsewhere."""


class EvaluationError(EinderivError):
    """Arrays passed for evaluation that disagree with the expression or with each other."""


def caret_context(text: str, line: int, column: int) -> str:
    """The offending line of ``text`` with a caret under ``column`` (both 1-based)."""
    lines = text.splitlines() or [""]
    if not 1 <= line <= len(lines):
        return ""
    source = lines[line - 1]
    if len(source) > 160:  # keep a window around the caret on very long lines
        start = max(0, column - 80)
        source = ("..." if start else "") + source[start : start + 160]
        column = column - start + (3 if start else 0)
    return f"  {source}\n  {' ' * (max(column, 1) - 1)}^"


def closest(name: str, candidates) -> str | None:
    """The candidate closest to ``name``, for 'did you mean' hints: one with the same letters
    first (a slip of order: ``tahn`` is ``tanh``, which difflib ranks after ``tan``), before them
    one that differs only in case (a slip of the shift key: ``X`` for ``x``)."""
    candidates = list(candidates)
    folded = [c for c in candidates if c != name and c.lower() == name.lower()]
    if folded:
        return folded[0]
    found = difflib.get_close_matches(name, list(candidates), n=10, cutoff=0.5)
    same = [c for c in found if sorted(c) == sorted(name)]
    return (same or found or [None])[0]


# what numpy raises (a ValueError) for an array larger than any machine: sizes too large
_TOO_BIG = ("array is too big", "Maximum allowed dimension exceeded")


def out_of_memory(error: Exception) -> Exception:
    """A ``MemoryError``, or numpy's ``ValueError`` for an array too big for any machine, as an
    ``EvaluationError`` that says what did not fit; any other exception is returned as it is."""
    if type(error) is ValueError and str(error).startswith(_TOO_BIG):
        return EvaluationError(f"the sizes given are too large for an array ({error})")
    if not isinstance(error, MemoryError):
        return error
    said = str(error).strip()
    return EvaluationError(
        "not enough memory"
        + (f": {said[:1].lower()}{said[1:]}" if said else "")
        + "; the sizes given are too large for this machine"
    )


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a public entry point with room for deep (but accepted) nesting; a RecursionError
    that still happens becomes an ``EinderivError``, and a MemoryError an ``EvaluationError``
    (``out_of_memory``), never a traceback."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        old = sys.getrecursionlimit()
        if old < _RECURSION:
            sys.setrecursionlimit(_RECURSION)
        try:
            return fn(*args, **kwargs)
        except RecursionError:
            raise EinderivError("the expression is nested too deeply to process") from None
        except MemoryError as error:  # numpy says how much: "Unable to allocate 7.28 TiB ..."
            raise out_of_memory(error) from None
        except ValueError as error:  # numpy: "array is too big" (EinderivErrors pass as they are)
            converted = out_of_memory(error)
            if converted is error:
                raise
            raise converted from None
        finally:
            if old < _RECURSION:
                sys.setrecursionlimit(old)

    return run


class ReadAsProduct(UserWarning):
    """Letters written together were read as a product (``x'Ax`` is ``x' A x``, SPEC 6.3)."""


class AbsentVariable(ReadAsProduct):
    """A variable to differentiate by is declared but does not occur (its derivative is 0, SPEC
    2), while a name like it does: ``W1`` declared, ``W_1`` written (LaTeX's ``W_1``)."""


class ReadAsExp(ReadAsProduct):
    """In LaTeX, ``e^{u}`` with ``e`` undeclared was read as ``exp(u)`` (Euler's number)."""


class ReadAsLabel(ReadAsProduct):
    """In LaTeX, ``W^{(1)}`` was read as the name ``W_1`` (a label: layer 1), not a power."""


class ReadAsBackward(ReadAsProduct):
    """``sum_{r=5}^{2}(u)``, an upper bound below the lower one less 1, was read as minus the sum
    over r = 3, 4 (the convention under which ``sum_{r=0}^{k-1}`` formulas hold for every
    integer k), not as an empty sum."""


class ReadAsGrouped(ReadAsProduct):
    """In plain text, ``a / b c`` was read as ``(a / b) c`` (products left to right), where a
    paper may mean ``a / (b c)``."""


class ReadAsName(ReadAsProduct):
    """In LaTeX, ``A_{ji}`` (two index letters, no comma) was read as a variable named ``A_ji``,
    where a paper may mean the entry of A in row j, column i (written ``A_{j,i}``)."""


class ReadAsIndexName(ReadAsName):
    """In LaTeX, ``x_i`` (a lower-case letter or Greek letter and an index letter, no ``x`` in
    the text) was read as a variable named ``x_i``, where a paper may mean the entry i of a vector
    x; ``entry`` is ``("x", "i")``, the entry it may mean (``check.readings`` tries it)."""

    def __init__(self, message: str = "", entry: tuple[str, str] = ("", "")):
        super().__init__(message)
        self.entry = entry


class ReadAsEntry(ReadAsProduct):
    """In an identity by an entry (``\\partial X_{ij}``), ``A_{ji}`` (two one-letter indices, no
    comma) on a matrix of the identity was read as the entry ``A_{j,i}``, as ``X_{ij}`` is: the
    only reading under which the claim names the expression's variables."""


class ReadAsEntrywise(ReadAsProduct):
    """``‖X‖_2`` of a matrix was read as its Frobenius norm (entrywise), not the spectral norm."""


class ReadAsMatrixFunction(ReadAsEntrywise):
    """``tr(sin(X))``, ``tr(exp(X))`` of a matrix was read entrywise (sin of each diagonal entry,
    summed), where a paper (the Matrix Cookbook, Wikipedia) means the matrix function."""


class ReadAsCall(ReadAsProduct):
    """In LaTeX, a function written as a call that einderiv does not have (``\\phi(x)``,
    ``h(\\mathbf{x})``, ``\\sigma^2(x)``) was read as a product."""


class ReadAsBareCall(ReadAsProduct):
    """In LaTeX, a function written without parentheses before a product
    (``\\operatorname{tr} A X``) was read as the function of the next symbol only, times the
    rest, where a paper may mean the function of the whole product (tr(A X))."""


class ReadAsPower(ReadAsProduct):
    """``X^{T-1}``, ``X^(2 T)`` with ``T`` undeclared was read as a matrix power, T an integer
    (RNN papers' ``W^{T-t}``), where ``X^T`` alone is the transpose and a reader may mean
    ``(X^T)^{-1}``."""


class ReadAsScalar(ReadAsProduct):
    """A bold Greek letter (``\\boldsymbol{\\mu}``) was read as a scalar, as every undeclared
    Greek letter is (SPEC 6.3): shown like the notes on letters read as products."""


class ReadAsScalarByUse(ReadAsScalar):
    """An undeclared capital (a matrix by its case, SPEC 1) was read as a scalar because it
    stands in a divisor or an exponent (``y / (W x)``, ``x .^ A``, ``2^(A b)``: SPEC 6.3),
    where a matrix may be meant (``y ./ (W x)``) or a count (``sum(x) / (N k)``)."""


# the other readings said while one text is read (``say_reading``, ``with_readings``)
_READINGS: ContextVar[list[str] | None] = ContextVar("einderiv_readings", default=None)


def say_reading(message: str | Warning, category: type[ReadAsProduct], stacklevel: int) -> None:
    """Warn ``message``, a reading einderiv chose among two (``ReadAsEntrywise``, ``ReadAsCall``),
    and keep it for the ``Expr`` being parsed: ``check`` of that ``Expr`` knows it later."""
    kept = _READINGS.get()
    if kept is not None:
        kept.append(str(message))  # a ReadAsIndexName instance is kept as its text
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def with_readings(fn: Callable[..., R], *args: object) -> tuple[R, tuple[str, ...]]:
    """``fn(*args)`` and the other readings said while it ran (``say_reading``)."""
    kept: list[str] = []
    token = _READINGS.set(kept)
    try:
        return fn(*args), tuple(kept)
    finally:
        _READINGS.reset(token)
