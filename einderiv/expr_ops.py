"""Arithmetic, equality and hashing of ``Expr`` (SPEC section 3; issue 15 item 6).

Input: ``Expr`` objects and Python (or numpy) real numbers. Output: new ``Expr`` objects built
by ``+ - * @ /``, unary ``-`` and ``.T``; ``==`` and ``hash`` by canonical form.

Invariants:
- An operator means what it means in the expression language (SPEC section 1): ``a * b`` is
  ``a b``, the **matrix product** (scaling when one side is a scalar), the same as ``a @ b``;
  ``+``/``-`` need equal shapes, except that a scalar is added to every entry; ``/`` divides by
  a scalar; ``.T`` is the transpose ``a'``. (The elementwise product is ``a.emul(b)``, the
  language's ``a .* b``.)
- A built expression is read by the front end from the operands' printed forms (which read back
  to the same functions), joined by the operator, with every variable's kind declared: its
  shapes are checked as for typed text, and a mismatch is a ``ShapeError`` that names both parts.
  Sizes declared as numbers are kept; named sizes are inferred again from the whole expression,
  so operands parsed separately (``ed.parse("A") @ ed.parse("x")``) fit together. A zero
  vector or matrix (printed ``0``) is written ``0 ones ones'``, so it keeps its shape.
- A variable of one kind in one operand and another kind (or other numeric sizes) in the other
  is a ``ShapeError`` naming the variable and both parts.
- An operand that is neither an ``Expr`` nor a real number (``None``, a str, a list, a numpy
  array, a bool, a complex) is an ``OperandError`` (an ``EinderivError`` and a ``TypeError``)
  naming its type, what an operand may be and a hint (``ed.parse`` text first). Python's way of
  letting the other operand answer is kept: a type whose own reflected operator takes an ``Expr``
  still answers ``e + it``; numpy scalars defer to ``Expr`` (``np.float64(2) * e`` is ``2 e``),
  and numpy arrays are refused, either side. ``**``, ``^`` (Python's exclusive or), ``//``,
  ``%`` and the orderings ``< <= > >=`` are not operators of expressions: an ``OperandError``
  that says what to write.
- ``a == b`` when both have the same axes (sizes and matrix orientation) and equal canonical
  forms (index notation with summed indices renamed and terms ordered, after the rewrite
  rules): ``parse("A + B") == parse("B + A")``. It is structural: a factored form
  (``x' (A + A')``) and its expansion differ; ``ed.check`` decides equality as functions.
  ``hash`` agrees with ``==``. The key is
  computed once per object and kept; everything else about an ``Expr`` stays immutable.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from einderiv.errors import EinderivError, OperandError, ShapeError, guarded
from einderiv.ir import index_ir as T

if TYPE_CHECKING:
    from einderiv.api import Expr

Operand = Any  # an Expr or a real number


def _number_text(x: numbers.Real) -> str:
    if isinstance(x, bool):
        raise EinderivError("a bool is not a number of an expression; use 1 or 0")
    try:
        value = float(x)
    except OverflowError:  # 10**400: beyond every float
        raise EinderivError(
            f"a number of {len(str(x))} digits is too large for a float (at most about 1.8e308)"
        ) from None
    if not math.isfinite(value):
        raise EinderivError(f"{x} is not a finite number; an expression's constants are finite")
    if isinstance(x, numbers.Integral) or value.is_integer() and abs(value) < 1e15:
        text = str(int(value))
    else:
        text = repr(value).replace("e+", "e")
    return f"({text})" if text.startswith("-") else text


def _declaration(info) -> str:
    """``x: vector``: the kind, with the sizes only when all are numbers (a tensor keeps its
    sizes, which give its order)."""
    dims = tuple(info.dims)
    if info.kind in ("scalar", "integer") or not dims:
        return f"{info.name}: {info.kind}"
    if info.kind == "tensor" or all(isinstance(d, int) for d in dims):
        if info.kind == "symmetric":
            dims = dims[:1]
        return f"{info.name}: {info.kind}({', '.join(str(d) for d in dims)})"
    return f"{info.name}: {info.kind}"


def _zero_text(e: Expr) -> str | None:
    """A zero vector or matrix prints as ``0``, which reads as a scalar: written here as
    ``0 ones ones'`` (``0 ones``, ``0 ones'``), a zero whose sizes the context fixes."""
    if not isinstance(e.term, T.Zero) or not e.axes or e.slots is None:
        return None
    row, col = e.slots
    return "0" + (" ones" if row is not None else "") + (" ones'" if col is not None else "")


def _variables(parts: list[tuple[str, Any]]) -> str:
    """The ``where`` text declaring every variable of the operands. A conflict -- two kinds, or
    two different numeric sizes -- is a ``ShapeError`` naming both parts; numeric sizes in one
    operand and names in the other fit (the numbers are kept)."""
    seen: dict[str, tuple[str, str, str]] = {}  # name -> (declaration, kind, text)
    for text, e in parts:
        for name, info in e.variables.items():
            decl = _declaration(info)
            if name not in seen:
                seen[name] = (decl, info.kind, text)
                continue
            old_decl, old_kind, old_text = seen[name]
            sized = "(" in decl and info.kind != "tensor"
            if old_kind != info.kind or (sized and "(" in old_decl and old_decl != decl):
                raise ShapeError(
                    f"the variable {name} is `{old_decl}` in `{old_text}` but `{decl}` in `{text}`"
                )
            if sized:
                seen[name] = (decl, info.kind, text)
    return "; ".join(decl for decl, _, _ in seen.values())


def build(template: str, *operands: Operand) -> Expr:
    """The expression ``template`` (``"({0}) + ({1})"``) with each operand's text in its place,
    read with every variable declared."""
    from einderiv.api import Expr, parse  # the facade imports this module

    parts = []
    texts = []
    for x in operands:
        if isinstance(x, Expr):
            text = _zero_text(x) or str(x)
            parts.append((text, x))
        elif isinstance(x, numbers.Real):
            text = _number_text(x)
        else:
            raise refused("an operator", x)
        texts.append(text)
    where = _variables(parts)
    e = parse(template.format(*texts), where=where or None)
    said = [r for x in operands if isinstance(x, Expr) for r in x.readings]
    invented = frozenset().union(*(x._invented for x in operands if isinstance(x, Expr)))
    if not said and not invented:
        return e
    readings = tuple(dict.fromkeys(e.readings + tuple(said)))  # the operands' readings: kept
    return Expr(
        *(e.term, e.axes, e.variables, e.index_dims, e.source),
        slots=e.slots,
        readings=readings,
        invented=invented,  # the sizes einderiv named for the operands: still its names
    )


def _real_or_expr(x: object) -> bool:
    from einderiv.api import Expr

    return isinstance(x, (Expr, numbers.Real)) and not isinstance(x, bool)


def _combined(template: str, symbol: str, e: Expr, other: object, theirs="", left=False):
    """``template`` with ``e`` and ``other`` in place (``other`` first when ``left``: a reflected
    operator), when ``other`` is an Expr or a real number. Otherwise ``other``'s own reflected
    method ``theirs`` (``__radd__``), which Python asks when ours declines, is asked here, and
    when it declines too (or there is none: a reflected operator of ours is Python's last try;
    built-in types and numpy's refuse an Expr), an ``OperandError`` names ``other``'s type."""
    if _real_or_expr(other):
        return build(template, *((other, e) if left else (e, other)))
    method = getattr(type(other), theirs, None) if theirs else None
    ours = type(other).__module__ == "builtins" or isinstance(other, (np.ndarray, np.generic))
    if method is not None and not ours:  # str.__rmul__ repeats, numpy refuses: not asked
        answer = method(other, e)  # a sympy Symbol declines; a class made to take an Expr may not
        if answer is not NotImplemented:
            return answer
    raise refused(symbol, other)


def refused(symbol: str, other: object) -> OperandError:
    """The error for an operand ``other`` of ``symbol`` that is neither an Expr nor a real
    number: its type, what an operand may be, and a hint for the mistake it likely is."""
    name = type(other).__name__
    module = type(other).__module__
    name = name if module in ("builtins", "__main__") else f"{module.split('.')[0]}.{name}"
    article = "an" if name[0] in "aeiou" else "a"
    what = f"{article} {name}" + (f" ({other!r:.40})" if name == "str" else "")
    what = "None" if other is None else what
    if isinstance(other, (bool, np.bool_)):
        hint = "; a bool is not a number of an expression: use 1 or 0"
    elif isinstance(other, str):
        hint = f"; parse text first (ed.parse({other!r:.40})), then combine the Exprs"
    elif isinstance(other, numbers.Complex) and not isinstance(other, numbers.Real):
        hint = "; expressions are real"
    elif isinstance(other, numbers.Number):
        hint = "; convert it with float() or fractions.Fraction()"
    elif isinstance(other, np.ndarray) and other.ndim == 0:
        hint = "; a 0-d array is a number by float(a)"
    elif isinstance(other, (np.ndarray, list, tuple, dict, set)):
        hint = (
            "; arrays are values, not expressions: name the matrix in the expression and pass "
            "its value when evaluating (e(A=array))"
        )
    else:
        hint = ""
    return OperandError(
        f"cannot combine an expression and {what} by {symbol}: an operand of {symbol} is an "
        f"Expr or a real number (int, float, fractions.Fraction, a numpy scalar){hint}"
    )


def canonical_key(e: Expr) -> tuple:
    """What ``==`` compares and ``hash`` hashes: the axes' sizes, the matrix orientation, and
    the canonical form of the term with the axes named by position."""
    from einderiv.calculus.simplify import simplify
    from einderiv.ir.canon import key

    by_position = {a: T.Index(f"#{k}", a.dim) for k, a in enumerate(e.axes)}
    term = simplify(T.rename(e.term, by_position))
    orientation = None if e.slots is None else tuple(s is None for s in e.slots)
    return (tuple(a.dim for a in e.axes), orientation, key(term))


class ExprAlgebra:
    """The operators of ``Expr`` (a mixin: ``Expr`` supplies the data, this the operators)."""

    __slots__ = ("_canon",)
    __array_ufunc__ = None  # numpy scalars and arrays defer to these operators

    def __add__(self, other: Operand) -> Expr:
        return _combined("({0}) + ({1})", "+", self, other, "__radd__")

    def __radd__(self, other: Operand) -> Expr:
        return _combined("({0}) + ({1})", "+", self, other, left=True)

    def __sub__(self, other: Operand) -> Expr:
        return _combined("({0}) - ({1})", "-", self, other, "__rsub__")

    def __rsub__(self, other: Operand) -> Expr:
        return _combined("({0}) - ({1})", "-", self, other, left=True)

    def __mul__(self, other: Operand) -> Expr:  # the language's *: a matrix product
        return _combined("({0}) ({1})", "*", self, other, "__rmul__")

    def __rmul__(self, other: Operand) -> Expr:
        return _combined("({0}) ({1})", "*", self, other, left=True)

    def __matmul__(self, other: Operand) -> Expr:
        return _combined("({0}) ({1})", "@", self, other, "__rmatmul__")

    def __rmatmul__(self, other: Operand) -> Expr:
        return _combined("({0}) ({1})", "@", self, other, left=True)

    def __truediv__(self, other: Operand) -> Expr:  # by a scalar expression
        return _combined("({0}) / ({1})", "/", self, other, "__rtruediv__")

    def __rtruediv__(self, other: Operand) -> Expr:
        return _combined("({0}) / ({1})", "/", self, other, left=True)

    def __pow__(self, other: object) -> Expr:  # x ** 2 raised TypeError: a mistake said so
        raise OperandError(
            "'**' is not an operator of expressions: a power is a matrix power (X^2) or "
            "elementwise (x .^ 2), which '**' does not say; write it in the text you parse "
            '(ed.parse("X^2"), ed.parse("x .^ 2")), or X @ X and x.emul(x) for squares'
        )

    __rpow__ = __pow__

    def __xor__(self, other: object) -> Expr:  # X ^ 2: Python's ^ is xor, not the text's ^
        raise OperandError(
            "'^' in Python is exclusive or, not the power of the expression language: write "
            'the power in the text you parse (ed.parse("X^2"), ed.parse("x .^ 2"))'
        )

    __rxor__ = __xor__

    def __floordiv__(self, other: object) -> Expr:
        raise OperandError("'//' and '%' are not operators of expressions; '/' divides")

    __rfloordiv__ = __mod__ = __rmod__ = __floordiv__

    def __lt__(self, other: object) -> bool:
        raise OperandError(
            "expressions are not ordered (<, <=, >, >=): compare their values (e(x=...) < 2); "
            "== compares forms, and ed.check decides whether two are equal as functions"
        )

    __le__ = __gt__ = __ge__ = __lt__

    def __neg__(self) -> Expr:
        return build("-({0})", self)

    def __pos__(self) -> Expr:
        return self  # type: ignore[return-value]

    @property
    def T(self) -> Expr:
        """The transpose, ``X'``."""
        return build("({0})'", self)

    def emul(self, other: Operand) -> Expr:
        """The elementwise product ``self .* other`` (a scalar multiplies every entry)."""
        return _combined("({0}) .* ({1})", ".*", self, other)

    def _key(self) -> tuple:
        try:
            return self._canon
        except AttributeError:
            made = canonical_key(self)  # type: ignore[arg-type]
            object.__setattr__(self, "_canon", made)
            return made

    @guarded  # a deep term's canonical form, and comparing it: with room for nesting
    def __eq__(self, other: object) -> bool:
        from einderiv.api import Expr

        if not isinstance(other, Expr):
            return NotImplemented
        return self is other or self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    @guarded
    def __hash__(self) -> int:
        return hash(self._key())
