"""Matrix-level IR: expressions as written on paper.

Input: nothing (the parser builds these nodes; re-contraction builds them back from index form).
Output: the node classes, ``Decl`` for ``where`` declarations, and ``show`` (plain-text printer in
the language of SPEC section 1, which ``parse`` reads back).
Invariants: nodes are frozen and structurally hashed; constructors validate and never rewrite
(``inverse``, a function, writes the inverse of a commutation matrix as its transpose);
``span`` (source offsets) never takes part in equality.
"""

from __future__ import annotations

from dataclasses import field
from fractions import Fraction

from einderiv.ir.matrix_ops import COMMUTATION, MATRIX
from einderiv.ir.node import Dim, Linked, Node, node
from einderiv.ir.number_text import format_number
from einderiv.ir.ops import ELEMENTWISE, ROW

SCALAR_FUNCTIONS = tuple(ELEMENTWISE)  # elementwise: declared in the registry (ir/ops.py)
ROW_FUNCTIONS = tuple(ROW)  # of a vector, or of each row of a matrix (registry: ir/ops.py)
MATRIX_FUNCTIONS = tuple(MATRIX)  # of whole matrices: records in the registry (ir/matrix_ops.py)
# functions of more than one argument (every other takes one): kron(A, B), commutation(m, n)
ARITY = {name: op.arity for name, op in MATRIX.items() if op.arity != 1}
FUNCTIONS = SCALAR_FUNCTIONS + ROW_FUNCTIONS + MATRIX_FUNCTIONS
_KNOWN = frozenset(FUNCTIONS)  # what ``Call`` checks its name against (a set: no scan)
KINDS = ("scalar", "vector", "matrix", "symmetric", "integer", "tensor")


class MExpr(Linked):
    """A matrix-level expression node (compared by structure, equal trees linked once found
    equal: ``node.Linked``)."""

    __slots__ = ()

    def __str__(self) -> str:
        return show(self)


def _span():
    return field(default=None, compare=False, repr=False)


@node
class Name(MExpr):
    """A variable: ``X``, ``x``, ``alpha_2``."""

    name: str
    span: tuple[int, int] | None = _span()


@node
class Number(MExpr):
    """A scalar constant, kept exact."""

    value: Fraction

    def __post_init__(self):
        if not isinstance(self.value, Fraction):
            raise TypeError("Number.value must be a Fraction")


@node
class Identity(MExpr):
    """``I``; its size is inferred from context (``dim`` is filled in by shape inference).
    ``sized``: the size is printed, ``I_3``, ``I_n`` (LaTeX: ``I_{3}``; a Kronecker form's
    permutation factors, whose sizes nothing around them fixes); else ``I``."""

    dim: Dim | None = None
    sized: bool = False
    span: tuple[int, int] | None = _span()


@node
class Ones(MExpr):
    """``ones``, a column vector of ones; size inferred from context."""

    dim: Dim | None = None
    span: tuple[int, int] | None = _span()


@node
class Add(MExpr):
    left: MExpr
    right: MExpr
    span: tuple[int, int] | None = _span()


@node
class Sub(MExpr):
    left: MExpr
    right: MExpr
    span: tuple[int, int] | None = _span()


@node
class Neg(MExpr):
    operand: MExpr
    span: tuple[int, int] | None = _span()


@node
class MatMul(MExpr):
    """``A B``, ``A * B``, ``A @ B``: matrix product, or scaling when a side is scalar."""

    left: MExpr
    right: MExpr
    span: tuple[int, int] | None = _span()


@node
class Dot(MExpr):
    """``a · b`` (LaTeX ``\\cdot``): the inner product ``a' b`` of two column vectors, the
    product ``a b`` otherwise (SPEC 6.2). Only the parser makes it; shape inference, which
    knows the operands' shapes, replaces it by one of the two."""

    left: MExpr
    right: MExpr
    span: tuple[int, int] | None = _span()


@node
class Hadamard(MExpr):
    """``A .* B``."""

    left: MExpr
    right: MExpr
    span: tuple[int, int] | None = _span()


@node
class ElemDiv(MExpr):
    """``A ./ B``."""

    left: MExpr
    right: MExpr
    span: tuple[int, int] | None = _span()


@node
class Div(MExpr):
    """``A / a`` with ``a`` scalar."""

    left: MExpr
    right: MExpr
    span: tuple[int, int] | None = _span()


@node
class ElemPow(MExpr):
    """``A .^ p``, ``p`` any scalar expression."""

    base: MExpr
    exponent: MExpr
    span: tuple[int, int] | None = _span()


@node
class Power(MExpr):
    """``X^3``, ``X^k``, ``X^(k-1)``: matrix power (square base, integer exponent) or scalar
    power."""

    base: MExpr
    exponent: MExpr
    span: tuple[int, int] | None = _span()


@node
class Transpose(MExpr):
    operand: MExpr
    span: tuple[int, int] | None = _span()


@node
class Inverse(MExpr):
    operand: MExpr
    span: tuple[int, int] | None = _span()


@node
class Call(MExpr):
    """``tr(X)``, ``det(X)``, ``exp(x)``, ...; ``fn`` is one of ``FUNCTIONS``."""

    fn: str
    args: tuple[MExpr, ...]
    span: tuple[int, int] | None = _span()

    def __post_init__(self):
        if self.fn not in _KNOWN:
            raise ValueError(f"unknown function {self.fn!r}")


@node
class Bars(MExpr):
    """``|X|``: the determinant of a matrix, the absolute value of a scalar; the shape pass
    (``frontend.shapes``) resolves it to ``det`` or ``abs`` once the operand's shape is known."""

    operand: MExpr
    span: tuple[int, int] | None = _span()


@node
class Entry(MExpr):
    """``X[i,j]``, ``x[i]``, ``(A B)[i,j]``: an entry, with index names; an index may be a
    compound ``(i, j)`` (a tuple of two indices), the pair of i and j with i fastest."""

    base: MExpr
    indices: tuple
    span: tuple[int, int] | None = _span()


@node
class KDelta(MExpr):
    """``delta[i,j]``, the Kronecker delta; ``delta[i,j,k]`` is 1 where all indices are equal;
    ``delta[c,(i,j)]`` ties an index to a compound (as in ``Entry``)."""

    indices: tuple
    span: tuple[int, int] | None = _span()


@node
class FiniteSum(MExpr):
    """``sum_{r=0}^{k-1}(body)``: a finite sum over the integer ``var`` from ``lower`` to
    ``upper`` (inclusive; when upper < lower it runs backwards, see ``index_ir.SumOver``)."""

    var: str
    lower: MExpr
    upper: MExpr
    body: MExpr
    span: tuple[int, int] | None = _span()


@node
class Decl(Node):
    """One ``where`` declaration: ``X: matrix(m, n)``, ``S: symmetric(n)``, ``k: integer``."""

    name: str
    kind: str
    dims: tuple[Dim, ...] = ()
    span: tuple[int, int] | None = _span()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")


def inverse(operand: MExpr, span=None) -> MExpr:
    """``X^-1``; of a commutation matrix its transpose, the same matrix (a permutation), whose
    rows and columns einderiv can pair: they are pairs in two orders, n*m and m*n, which as the
    sizes of a square matrix it cannot (``inv(commutation(n, m))`` is ``commutation(m, n)``)."""
    if isinstance(operand, Call) and operand.fn == COMMUTATION.name:
        return Transpose(operand, span=span)
    return Inverse(operand, span=span)


def chain(e: MExpr) -> list[MExpr]:
    """The factors of a chain of matrix products, left to right, however it is associated."""
    factors, todo = [], [e]
    while todo:
        f = todo.pop()
        if isinstance(f, MatMul):
            todo += (f.right, f.left)
        else:
            factors.append(f)
    return factors


def map_children(e: MExpr, fn) -> MExpr:
    """``e`` with each sub-expression ``c`` (a field, or an item of a tuple field) replaced by
    ``fn(c)``; ``e`` itself when every ``fn(c)`` is ``c`` (nothing rebuilt, spans kept)."""
    changes = {}
    for name in e._init:
        value = getattr(e, name)
        if isinstance(value, MExpr):
            new = fn(value)
            if new is not value:
                changes[name] = new
        elif isinstance(value, tuple) and any(isinstance(v, MExpr) for v in value):
            items = tuple(fn(v) if isinstance(v, MExpr) else v for v in value)
            if any(a is not b for a, b in zip(items, value)):
                changes[name] = items
    return e.replace(**changes) if changes else e


# ---------------------------------------------------------------------------------------------
# Plain-text printer. Precedence levels, loosest first, as in SPEC section 1.

_SUM, _PRODUCT, _UNARY, _POWER, _POSTFIX, _ATOM = range(6)


def show(e: MExpr) -> str:
    """Matrix notation for ``e`` that ``einderiv.parse`` reads back to the same expression."""
    text, _ = _show(e)
    return text


def _wrap(e: MExpr, level: int) -> str:
    text, own = _show(e)
    return f"({text})" if own < level else text


def _factor(e: MExpr) -> str:
    """A right factor of a product; ``x (1)`` for ``x * 1``, as ``x 1`` is refused when read (a
    paper's ``X 1`` is X times the vector of ones: ``frontend.misreadings.juxtaposed``)."""
    return "(1)" if type(e) is Number and e.value == 1 else _wrap(e, _UNARY + 1)


def _show_chain(e: MExpr) -> tuple[str, int]:
    """``A B C`` (``MatMul(MatMul(A, B), C)``) or ``a + b - c``: the left spine walked in a loop
    (linear, and no recursion along a chain of any length); the same text as the cases below."""
    kind = type(e)
    sums = kind is not MatMul
    parts = []
    while type(e) is kind or (sums and type(e) in (Add, Sub)):
        if sums:
            parts.append(f"{'+' if type(e) is Add else '-'} {_wrap(e.right, _PRODUCT)}")
        else:
            parts.append(_factor(e.right))
        e = e.left
    if not sums and type(e) in (Div, ElemDiv, Hadamard):  # (a / b) c: a / b c reads (a / b) c
        parts.append(f"({show(e)})")  # too, but with a note, as a paper may mean a / (b c)
    else:
        parts.append(_wrap(e, _SUM if sums else _PRODUCT))
    return " ".join(reversed(parts)), _SUM if sums else _PRODUCT


def show_index(index) -> str:
    """``i``, or ``(i,j)`` for a compound index."""
    if isinstance(index, tuple):
        return f"({show_index(index[0])},{show_index(index[1])})"
    return index


def _show(e: MExpr) -> tuple[str, int]:
    kind = type(e)
    if kind is Name:
        return e.name, _ATOM
    if kind is MatMul or kind is Add or kind is Sub:  # a left-nested chain, in one loop
        return _show_chain(e)
    match e:
        case Name(name=name):
            return name, _ATOM
        case Number(value=value):
            text = format_number(value)
            level = _PRODUCT if "/" in text else _ATOM
            return (text, _UNARY) if value < 0 else (text, level)
        case Identity(dim=dim, sized=True) if dim is not None:
            return f"I_{dim}", _ATOM  # I_3, I_n (I_{3}: the text read as LaTeX)
        case Identity():
            return "I", _ATOM
        case Ones():
            return "ones", _ATOM
        case Add(left=left, right=right):
            return f"{_wrap(left, _SUM)} + {_wrap(right, _PRODUCT)}", _SUM
        case Sub(left=left, right=right):
            return f"{_wrap(left, _SUM)} - {_wrap(right, _PRODUCT)}", _SUM
        case Neg(operand=operand):
            return f"-{_wrap(operand, _UNARY)}", _UNARY
        case MatMul(left=left, right=right):
            return f"{_wrap(left, _PRODUCT)} {_factor(right)}", _PRODUCT
        case Dot(left=left, right=right):
            return f"{_wrap(left, _PRODUCT)} · {_wrap(right, _UNARY)}", _PRODUCT
        case Bars(operand=operand):
            return f"|{show(operand)}|", _ATOM
        case Hadamard(left=left, right=right):
            return f"{_wrap(left, _PRODUCT)} .* {_wrap(right, _UNARY)}", _PRODUCT
        case ElemDiv(left=left, right=right):
            return f"{_wrap(left, _PRODUCT)} ./ {_wrap(right, _UNARY)}", _PRODUCT
        case Div(left=left, right=right):
            return f"{_wrap(left, _PRODUCT)} / {_wrap(right, _UNARY)}", _PRODUCT
        case ElemPow(base=base, exponent=Number(value=v) as exponent) if v < 0:
            power = show(exponent)  # Y .^ -2, Y .^ (-1/3) (.^ -1/3 would read (Y .^ -1) / 3)
            return f"{_wrap(base, _POSTFIX)} .^ {f'({power})' if '/' in power else power}", _POWER
        case ElemPow(base=base, exponent=exponent):
            return f"{_wrap(base, _POSTFIX)} .^ {_wrap(exponent, _ATOM)}", _POWER
        case Power(base=base, exponent=Number(value=v) as exponent) if v < 0 and v.denominator == 1:
            return f"{_wrap(base, _POSTFIX)}^{show(exponent)}", _POWER  # X^-2
        case Power(base=base, exponent=exponent):
            return f"{_wrap(base, _POSTFIX)}^{_wrap(exponent, _ATOM)}", _POWER
        case Transpose(operand=Inverse(operand=inner)) | Inverse(operand=Transpose(operand=inner)):
            return f"{_wrap(inner, _POSTFIX)}^-T", _POWER  # inv(X') = inv(X)': X^-T, as written
        case Transpose(operand=Entry(indices=indices) as operand) if len(indices) > 1:
            return f"({show(operand)})'", _POSTFIX  # A[i,j]' is refused when read
        case Transpose(operand=operand):
            return f"{_wrap(operand, _POSTFIX)}'", _POSTFIX
        case Inverse(operand=Name() as operand):
            return f"{show(operand)}^-1", _POWER
        case Inverse(operand=operand):  # (X' A X)^-1, matching (X' A X)^-T
            return f"{_wrap(operand, _POSTFIX)}^-1", _POWER
        case Call(fn=fn, args=args):
            return f"{fn}({', '.join(show(a) for a in args)})", _ATOM
        case Entry(base=base, indices=indices):  # postfix, as read: a^(A[i,i]) needs its ()
            return f"{_wrap(base, _ATOM)}[{','.join(map(show_index, indices))}]", _POSTFIX
        case KDelta(indices=indices):
            return f"delta[{','.join(map(show_index, indices))}]", _POSTFIX
        case FiniteSum(var=var, lower=lower, upper=upper, body=body):
            return f"sum_{{{var}={show(lower)}}}^{{{show(upper)}}}({show(body)})", _ATOM
    raise TypeError(f"no printer for {type(e).__name__}")
