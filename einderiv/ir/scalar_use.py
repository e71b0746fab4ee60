"""Kinds by use (SPEC 6.3): which undeclared names a scalar-forcing place makes scalars.

Input: a matrix-IR expression that stands in a divisor or an elementwise exponent.
Output: ``forced_scalars``: the names that use makes scalars; ``factors_before_row``: the
factors in front of the first transposed factor of a product; ``negative_number``.
Invariants: pure functions of the tree; the front end's reader of kinds and the printer of
divisors (``notation.scalars``) both call them, so what is printed as a divisor reads back with
the kinds it was printed with.
"""

from __future__ import annotations

from einderiv.ir.matrix_ir import (
    SCALAR_FUNCTIONS,
    Add,
    Call,
    Div,
    ElemDiv,
    ElemPow,
    Hadamard,
    MatMul,
    MExpr,
    Name,
    Neg,
    Number,
    Power,
    Sub,
    Transpose,
    chain,
)

__all__ = ["factors_before_row", "forced_scalars"]


def factors_before_row(e: MExpr) -> list[MExpr] | None:
    """For a product with a transposed factor (``s x' x``, a row times a column; also
    ``(x' - a) x``, ``exp(x') x``), the factors in front of the first one (``[s]``): where the
    product is a scalar, each is a scalar (a column before the row would make a matrix). None:
    no factor is transposed."""
    factors = []
    for f in chain(e):
        if _transposed(f):
            return factors
        factors.append(f)
    return None


def _transposed(e: MExpr) -> bool:
    """Whether ``e`` is a transpose, or keeps the shape of one it holds outside any product
    (``x' - a``, ``exp(x')``; not ``sqrt(e + x' x)``)."""
    todo = [e]
    while todo:
        e = todo.pop()
        if isinstance(e, Transpose):
            return True
        if isinstance(e, (Add, Sub, Hadamard, ElemDiv)):
            todo += (e.left, e.right)
        elif isinstance(e, (Neg, Div)):
            todo.append(e.operand if isinstance(e, Neg) else e.left)
        elif isinstance(e, (Power, ElemPow)):
            todo.append(e.base)
        elif isinstance(e, Call) and e.fn in SCALAR_FUNCTIONS:
            todo += e.args
        # a product inside is not looked into: x' x is a scalar, x' A a row, and only their
        # kinds would tell (so sqrt(e + x' x) is a scalar factor, and its e is forced)
    return False


# operations whose operands have the shape of their result: a name met through them from a
# scalar-forcing place is a scalar (``sum(x) / n``, ``x .^ p``)
_SHAPE_KEEPING = (Add, Sub, Neg, MatMul, Hadamard, ElemDiv, Div)


def forced_scalars(e: MExpr) -> set[str]:
    """The names that a scalar-forcing place (a divisor, an elementwise exponent) makes scalars
    when ``e`` stands there (SPEC 6.3): those reached from ``e`` through shape-keeping
    operations, elementwise functions and the bases of powers (``/ (n - 1)``, ``/ sqrt(d)``,
    ``/ s^2``), not through other calls (the ``x`` of ``/ norm2(x)``); in a product with a
    transposed factor only those in front of it (``s`` of ``/ (s x' x)``, of ``exp(s) x' x``). The reader of
    kinds and the printer of divisors both use it, so they agree."""
    forced: set[str] = set()
    todo = [e]
    while todo:
        e = todo.pop()
        if isinstance(e, Name):
            forced.add(e.name)
        elif isinstance(e, MatMul) and (leading := factors_before_row(e)) is not None:
            todo.extend(leading)  # / (x' x): a row times a column; x is not forced
        elif isinstance(e, _SHAPE_KEEPING):
            todo.extend(c for c in (getattr(e, "left", None), getattr(e, "right", None),
                                    getattr(e, "operand", None)) if c is not None)  # fmt: skip
        elif isinstance(e, Call) and e.fn in SCALAR_FUNCTIONS:
            todo.extend(e.args)
        elif isinstance(e, Power):
            todo.append(e.base)  # / s^2: s^2, so s, is a scalar
    return forced


def negative_number(e: MExpr) -> bool:
    """``-1``, ``(-2)``: a base whose power by a name makes the name an integer (``(-1)^k``,
    real only at integers), where the power of a positive number (``2^t``) makes it real."""
    if type(e) is Neg:
        return type(e.operand) is Number and e.operand.value > 0
    return type(e) is Number and e.value < 0
