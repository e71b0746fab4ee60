"""A division by a constant zero is refused when the text is read, naming where it stands.

Input: the parsed matrix-IR tree of an expression and its source text.
Output: nothing, or a ``ParseError`` at the first division by zero known from the text alone:
a divisor that is zero (``x' x / 0``, ``/ (1 - 1)``, ``x ./ 0``, ``x ./ (0 y)``), a zero raised
to a negative power (``0^-1``, ``(0 A)^-1``, ``0 .^ -2``), the inverse of zero (``inv(0 I)``);
or at the first function of a constant outside where it has a value (``log(0)``, ``sqrt(-1)``,
``log(y - y)``, ``logdet(0 I)``, ``log|0 I|``: by the function's own numpy, not finite there),
or a negative number to a power that is not an integer (``(-1)^0.5``, ``(-8) .^ (1/3)``).
Invariants: only what is zero (or constant) whatever the variables is refused (``constant``:
exact Fraction arithmetic of numbers; a product with a zero factor), never a divisor or an
argument that may be zero at some point (``x' x / (a' b)``, ``log(x' x)``); one walk over the
tree, only when the text holds a mark of a division or of a function with a domain.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from einderiv.errors import ParseError
from einderiv.frontend.latex import is_latex
from einderiv.frontend.name_uses import nodes
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ir import show
from einderiv.ir.matrix_ops import DET, MATRIX
from einderiv.ir.ops import ELEMENTWISE

__all__ = ["refuse_zero_divisors"]

_INVERSES = ("inv", "pinv")  # functions of a matrix that divide by it
# the elementwise functions with a domain (log, sqrt, ...), and the matrix ones whose argument's
# determinant must be positive (logdet): of a constant outside it, no value
_PARTIAL = {n: r.numpy for n, r in ELEMENTWISE.items() if r.domain != "real"}
_PARTIAL |= {n: np.log for n, r in MATRIX.items() if r.domain == "det positive"}
# what a text divides with (x / y, X^-1, X⁻¹, \frac, inv(X)), or takes a function with a domain
# of (ln is log): a text with none divides by nothing
_DIVIDING = ("/", "^", "\u207b", "frac", "inv", "ln", *_PARTIAL)


def refuse_zero_divisors(tree: M.MExpr, text, reading: str = "expression") -> None:
    """Raise a ``ParseError`` at the first division by a constant zero in ``tree`` (the text
    read as ``reading``: an expression, a claim)."""
    if isinstance(text, str) and not any(mark in text for mark in _DIVIDING):
        return  # no walk: most texts divide by nothing
    for e in nodes(tree):
        kind = type(e)
        if kind in (M.Div, M.ElemDiv) and zero(e.right):
            what = f"divides by `{_quote(e.right, text)}`, which is zero"
        elif kind in (M.Power, M.ElemPow) and zero(e.base) and _negative(e.exponent):
            what = f"raises `{_quote(e.base, text)}`, which is zero, to a negative power"
        elif kind is M.Inverse and zero(e.operand):
            what = f"inverts `{_quote(e.operand, text)}`, which is zero"
        elif kind is M.Call and e.fn in _INVERSES and e.args and zero(e.args[0]):
            what = f"inverts `{_quote(e.args[0], text)}`, which is zero"
        elif kind in (M.Power, M.ElemPow) and _negative(e.base) and _fractional(e.exponent):
            _refuse(
                e,
                text,
                reading,
                "has no real value: a negative number to a power that is "
                "not an integer (remove it, or write the base meant)",
            )
        elif kind is M.Call and e.fn in _PARTIAL and len(e.args) == 1 and _undefined(e):
            _refuse(e, text, reading, f"has no value: {e.fn} is not defined at ")
        else:
            continue
        _refuse(
            e,
            text,
            reading,
            f"{what}: a division by zero has no value (remove it, or write the divisor meant)",
        )


def _refuse(e: M.MExpr, text, reading: str, why: str) -> None:
    """Raise the ``ParseError`` that says ``e`` (quoted as written) and ``why``; a ``why``
    ending in "at " is a function of an undefined constant: its argument's value follows."""
    if why.endswith("at "):
        arg = e.args[0]
        value = constant(arg)
        written = f"`{_quote(arg, text)}`"
        shown = "0" if value is None else show(M.Number(value))
        why += f"{written}{'' if written == f'`{shown}`' else f', which is {shown}'} (remove "
        why += "it, or write the argument meant)"
    span = getattr(e, "span", None) or (0, 0)
    source = text if isinstance(text, str) else ""
    line = source.count("\n", 0, span[0]) + 1
    column = span[0] - (source.rfind("\n", 0, span[0]) + 1) + 1
    raise ParseError(
        f"`{_quote(e, text)}` {why}", text=source, line=line, column=column, what=reading
    )


def _undefined(e: M.Call) -> bool:
    """Whether ``e``, a function with a domain of a constant (``log(0)``, ``sqrt(-1)``,
    ``log(y - y)``, ``logdet(0 I)``), has no value: its numpy, at the constant, is not finite
    (``sqrt(0)``, ``arcsin(1)`` have values; a matrix function's constant is its determinant)."""
    arg = e.args[0]
    value = constant(arg)
    if value is None and not zero(arg):
        return False
    with np.errstate(all="ignore"):
        return not np.isfinite(_PARTIAL[e.fn](np.float64(value or 0)))


def _quote(e: M.MExpr, text) -> str:
    """``e`` as written in plain ``text``, else (LaTeX, no span) as einderiv shows it."""
    span = getattr(e, "span", None)
    if isinstance(text, str) and span and span[1] > span[0] and not is_latex(text):
        return text[span[0] : span[1]]
    return show(e)


def constant(e: M.MExpr) -> Fraction | None:
    """The exact value of ``e`` when it is made of numbers only (``1 - 1``, ``2 * 3``, ``(1/2)^2``,
    ``-0.5``), else None."""
    match e:
        case M.Number(value=v):
            return v
        case M.Neg(operand=x):
            v = constant(x)
            return None if v is None else -v
        case M.Add() | M.Sub() | M.MatMul() | M.Hadamard() | M.Div() | M.ElemDiv():
            a, b = constant(e.left), constant(e.right)
            if a is None or b is None:
                return None
            if type(e) is M.Add:
                return a + b
            if type(e) is M.Sub:
                return a - b
            if type(e) in (M.MatMul, M.Hadamard):
                return a * b
            return a / b if b else None
        case M.Power() | M.ElemPow():
            a, k = constant(e.base), constant(e.exponent)
            if a is None or k is None or k.denominator != 1 or abs(k) > 64 or (a == 0 and k < 0):
                return None
            return a**k
    return None


def zero(e: M.MExpr) -> bool:
    """Whether ``e`` is zero whatever its names' values: a constant 0 (``0``, ``1 - 1``), a
    product with such a factor (``0 I``, ``0 y``, ``y .* 0``), its negation, transpose, a sum
    of such, a difference of one thing (``y - y``)."""
    match e:
        case M.MatMul() | M.Hadamard() | M.Dot():
            return zero(e.left) or zero(e.right)
        case M.Neg() | M.Transpose():
            return zero(e.operand)
        case M.Add() | M.Sub():
            if zero(e.left) and zero(e.right) or type(e) is M.Sub and e.left == e.right:
                return True  # 0 x + 0, y - y (equality ignores the spans)
        case M.Div() | M.ElemDiv():
            return zero(e.left)
        case M.Bars(operand=x):  # |0 I|, |0|: the determinant or absolute value of zero
            return zero(x)
        case M.Call(fn=fn, args=(x,)) if fn == DET.name:  # det(0 I)
            return zero(x)
    return constant(e) == 0


def _fractional(e: M.MExpr) -> bool:
    """A constant exponent that is not an integer (``0.5``, ``1/3``)."""
    v = constant(e)
    return v is not None and v.denominator != 1


def _negative(e: M.MExpr) -> bool:
    """A negative constant exponent (``-1``, ``-1/2``)."""
    v = constant(e)
    return v is not None and v < 0
