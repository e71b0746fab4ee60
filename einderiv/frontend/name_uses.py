"""What the names of an expression are, from how they are used, before any shape is known.

Input: a matrix-IR tree (and the declared names' kinds).
Output: ``name_uses``: every name; the names in a matrix power's exponent that nothing else
makes a scalar or a vector (integers: ``k X^(k - 1)``); the names whose use forces a scalar
(a divisor, an elementwise exponent unless ``array_exponent``: ``2 .^ x``, ``2 .^ (A x)``,
``(a' y) .^ x``, ``x .^ x``, or unless the name is a vector by its case used as one elsewhere:
``sum(y .^ x) + a' x``; the exponent of a power ``^`` of a base written as a scalar). Also
``greek_scalar`` (undeclared lower-case Greek names are scalars) and ``child_fields``.
Invariants: one walk, no shapes; a name transposed (``x'``), multiplied by a row (the ``y`` of
``a' y``) or in a dot of two names (``a · x``) is never an integer; a name is in an exponent
only as the exponent's own scalar parts are (``k`` of ``2 k - 1``, as ``forced_scalars`` finds
them), not as an argument in it (the ``x`` of ``sum(x)``, ``2 a' x``, ``(A x)' a``).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import fields
from typing import NamedTuple

from einderiv.ir import greek
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import MATRIX
from einderiv.ir.ops import ELEMENTWISE
from einderiv.ir.scalar_use import forced_scalars, negative_number

# undeclared Greek names are scalars (SPEC 6.3); upper-case Greek names are matrices by case
GREEK_SCALARS = frozenset(greek.LOWER) - {"delta"}  # delta is the Kronecker delta
# the LaTeX names x_i read as the entries x[i] (the pairs ("x", "i")): ``check.readings`` tries
# that other reading of a ``ReadAsIndexName`` note; there \alpha_i is the entry of a vector alpha
AS_ENTRIES: ContextVar[frozenset] = ContextVar("einderiv_as_entries", default=frozenset())


def greek_scalar(name: str) -> bool:
    """An undeclared lower-case Greek name is a scalar (SPEC 6.3), subscripted or accented
    too: ``sigma``, ``sigma_1``, ``lambda_max``, ``mu_hat`` (``\\hat{\\mu}``); not a vector
    whose entries ``\\alpha_i`` are read as such (``AS_ENTRIES``)."""
    entries = AS_ENTRIES.get()
    if entries and any(base == name for base, _ in entries):
        return False
    return name.split("_", 1)[0] in GREEK_SCALARS


class NameUses(NamedTuple):
    """What one walk over a tree finds about its names (``name_uses``)."""

    names: set[str]  # every name of the tree
    exponent_only: set[str]  # names in exponents of ``^`` that nothing forces a scalar: integers
    scalar_by_use: set[str]  # names whose use forces a scalar


def name_uses(tree: M.MExpr, kinds: dict | None = None) -> NameUses:
    """The names of ``tree``, in one walk: all of them; those used only in the exponent of a
    matrix power ``^`` (integers); and those whose use forces a scalar: in a divisor (``/ n``,
    ``/ (n - 1)``, ``/ sqrt(d)``, the base of ``/ s^2``) or in the exponent of ``.^`` or of a
    power of a base written as a scalar (``2^t``, ``alpha^t``; ``kinds``: the declared names'
    kinds), reached through shape-keeping operations only (so the ``x`` of ``y / norm2(x)``
    and of ``2^(x' a)`` is not forced)."""
    in_exponent: set[str] = set()  # in the exponent of a matrix power
    in_real: set[str] = set()  # in the exponent of a power of a scalar (2^t), and not above
    elsewhere: set[str] = set()
    forced: set[str] = set()
    by_power: set[str] = set()  # forced only as an elementwise exponent (``y .^ x``)
    by_real: set[str] = set()  # forced only as the exponent of 2^k: an integer may stand there
    vector_like: set[str] = set()  # transposed, after a row, in a dot: never integers
    counted: set[str] = set()  # names an exponent of ``^`` holds as itself: k of 2 k - 1
    # (node, where: "" anywhere, "^" in a matrix power's exponent, "r" in a real one): a stack
    todo: list[tuple[M.MExpr, str]] = [(tree, "")]
    found_in = {"": elsewhere, "^": in_exponent, "r": in_real}
    while todo:  # (node classes compared by identity: none subclasses another)
        e, where = todo.pop()
        kind = type(e)
        if kind is M.Name:
            found_in[where].add(e.name)
            continue
        if kind is M.Transpose and type(e.operand) is M.Name:
            vector_like.add(e.operand.name)  # x' is of a vector or a matrix
        elif (kind is M.MatMul or kind is M.Dot) and type(e.right) is M.Name and _row(e.left):
            vector_like.add(e.right.name)  # the y of a' y, x' A y: a vector like a
        elif kind is M.Dot and type(e.left) is M.Name and type(e.right) is M.Name:
            vector_like |= {e.left.name, e.right.name}  # a · x is a' x (SPEC 6.2): vectors
        # 2^t is the ordinary power, by any real exponent (SPEC 1): its t is a scalar (6.3),
        # unless it is also in the exponent of a matrix power (tr(X^k) 2^k: an integer)
        power = kind is M.Power
        real = power and scalar_base(e.base, kinds or {}) and not negative_number(e.base)
        forcing = "right" if kind is M.Div else "exponent" if kind is M.ElemPow or real else ""
        for name, child in child_fields(e):
            if name == forcing and not (kind is M.ElemPow and array_exponent(e, kinds or {})):
                # a divisor, an elementwise exponent: a scalar (SPEC 6.3)
                found = by_power if kind is M.ElemPow else by_real if real else forced
                found.update(forced_scalars(child))
            inner = where
            if power and name == "exponent" and not real:  # k of X^(k - 1), of X^((-1)^k);
                counted.update(forced_scalars(child))  # not the x of (y' y)^(a' x), ^sum(x)
            if power and name == "exponent" and where != "^":
                inner = "r" if real else "^"
            todo.append((child, inner))
    names = in_exponent | in_real | elsewhere
    # a name in an exponent only as an argument (sum(x), norm2(x), the x of a' x, (A x)' a)
    # is not used as an exponent: its kind is its case's (SPEC 1), as anywhere else
    elsewhere |= in_exponent - counted
    in_exponent &= counted
    # a name in a matrix power's exponent is an integer wherever else it stands (`k X^(k - 1)`
    # reads back, and `2^k k X^(k - 1)`: 2^k does not forbid it), unless a use outside
    # exponents forces a scalar (`tr(X^n) / n`: declare it) or it is used as a vector
    # (`(x' x)^(a' x)`: x and a are vectors, x' x is not a square)
    # a vector by its case that is also used as one (``sum(y .^ x) + a' x``: x' or after a row)
    # keeps its case's kind in an elementwise exponent, which ``.^`` takes entry by entry
    by_power -= {n for n in vector_like if _vector(n, kinds or {})}
    forced |= by_power
    return NameUses(names, in_exponent - (elsewhere & forced) - vector_like, forced | by_real)


def array_exponent(e: M.ElemPow, kinds: dict) -> bool:
    """An elementwise power whose exponent ``.^`` takes entry by entry, so that its names are
    not forced to be scalars: one holding a product by a matrix (``by_matrix``); any exponent
    of a base written as a scalar (``2 .^ x``: with a scalar exponent it would be ``2^x``; x
    keeps its case's kind, a vector), an inner product too (``(a' y) .^ x``); or one holding a
    name that the base takes entry by entry (``x .^ x``, ``exp(x) .^ x``: were x a scalar the
    base would be one, and ``.^`` would be ``^``), so ``x .^ x`` is x_i^x_i."""
    if by_matrix(e.exponent, kinds) or scalar_base(e.base, kinds, rows=True):
        return True
    return not _entrywise_names(e.base).isdisjoint(forced_scalars(e.exponent))


def _entrywise_names(e: M.MExpr) -> set[str]:
    """The names whose shape is that of ``e``, met through entrywise operations only (``x`` of
    ``x``, ``1 + x``, ``exp(-x)``, ``x .* y``, ``x .^ 2``; not the ``x`` of ``s x``)."""
    found: set[str] = set()
    todo = [e]
    while todo:
        e = todo.pop()
        if type(e) is M.Name:
            found.add(e.name)
        elif isinstance(e, (M.Add, M.Sub, M.Hadamard, M.ElemDiv)):
            todo += (e.left, e.right)
        elif isinstance(e, M.Neg):
            todo.append(e.operand)
        elif isinstance(e, M.ElemPow):
            todo.append(e.base)
        elif isinstance(e, M.Call) and e.fn in ELEMENTWISE and len(e.args) == 1:
            todo += e.args
    return found


def by_matrix(e: M.MExpr, kinds: dict) -> bool:
    """An elementwise exponent holding a product by a matrix (``A x`` of ``2 .^ (A x)``, A
    undeclared, a matrix by its case, or declared one): a vector exponent, which ``.^`` takes
    entry by entry, so its names are not forced to be scalars (A was read as a scalar)."""
    return any(
        type(node) is M.MatMul
        and any(
            type(f) is M.Name
            and kinds.get(f.name, "matrix" if f.name[0].isupper() else "") in M_KINDS
            for f in (node.left, node.right)
        )
        for node in nodes(e)
    )


M_KINDS = ("matrix", "symmetric")


def _row(e: M.MExpr) -> bool:
    """Written as a row: ``a'``, or a product of two that starts with one (``x' A``; not
    deeper: a walk down every product's left side would be quadratic in a long chain)."""
    if isinstance(e, (M.MatMul, M.Dot)):
        e = e.left
    return isinstance(e, M.Transpose) and isinstance(e.operand, M.Name)


def scalar_base(e: M.MExpr, kinds: dict, rows: bool = False) -> bool:
    """A base written as a scalar: numbers, scalar names (declared scalars, undeclared Greek
    letters: ``kinds`` maps the declared names to their kinds) and their sums, products,
    quotients and elementwise functions (``2``, ``-alpha``, ``(1 + alpha)``, ``sqrt(2)``),
    scalar-valued functions (``tr(X)``, ``norm2(x)``), powers by a fraction (``(x' x)^0.5``);
    with ``rows``, also a product of a row and a column (``a' y``, ``x' A y``: ``_inner``)."""
    todo = [e]
    while todo:
        e = todo.pop()
        if rows and type(e) is M.MatMul and _inner(e, kinds):
            continue
        if isinstance(e, M.Name):
            kind = kinds.get(e.name)
            if not (kind in ("scalar", "integer") if kind else greek_scalar(e.name)):
                return False
        elif isinstance(e, (M.Add, M.Sub, M.MatMul, M.Hadamard, M.Div, M.ElemDiv)):
            todo += (e.left, e.right)
        elif isinstance(e, M.Neg):
            todo.append(e.operand)
        elif isinstance(e, M.Call) and e.fn in M.SCALAR_FUNCTIONS:
            todo += e.args
        elif isinstance(e, M.Bars) or getattr(MATRIX.get(getattr(e, "fn", "")), "scalar", 0):
            continue  # tr(X), |X|, norm2(x): a scalar, whatever the argument
        elif isinstance(e, M.Power) and _fraction(e.exponent):
            continue  # (x' x)^0.5: only a scalar has a power that is not an integer
        elif not isinstance(e, M.Number):
            return False
    return True


def _inner(e: M.MatMul, kinds: dict) -> bool:
    """A product that starts with a transposed vector and ends with a vector (``a' y``, ``x'
    A x``): a scalar, by the kinds of the names (declared, or lower-case by their case)."""
    factors = M.chain(e)
    first, last = factors[0], factors[-1]
    return (
        type(first) is M.Transpose
        and type(first.operand) is M.Name
        and type(last) is M.Name
        and all(_vector(f.name, kinds) for f in (first.operand, last))
    )


def _vector(name: str, kinds: dict) -> bool:
    """Declared a vector, or undeclared, lower-case and not a Greek letter (SPEC 1)."""
    kind = kinds.get(name)
    return kind == "vector" if kind else name[0].islower() and not greek_scalar(name)


def _fraction(e: M.MExpr) -> bool:
    """A number that is not an integer: ``0.5``, ``-1.5``, ``1/2`` (``\\frac{1}{2}``)."""
    if isinstance(e, M.Neg):
        e = e.operand
    if isinstance(e, M.Div) and isinstance(e.left, M.Number) and isinstance(e.right, M.Number):
        return e.right.value != 0 and (e.left.value / e.right.value).denominator != 1
    return isinstance(e, M.Number) and e.value.denominator != 1


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}  # per node class: the fields that may hold one
_LEAF_FIELDS = frozenset({"str", "Fraction", "Dim", "Dim | None"})  # types that hold no node


def child_fields(e: M.MExpr) -> list:
    """(field name, child) for every sub-expression of ``e``, in field order."""
    names = _CHILD_FIELDS.get(type(e))
    if names is None:  # once per class: every field but the source span and names, numbers
        kept = [f.name for f in fields(e) if f.name != "span" and f.type not in _LEAF_FIELDS]
        names = _CHILD_FIELDS[type(e)] = tuple(kept)
    if not names:  # a name, a number: no child (the commonest node)
        return []
    found = []
    for name in names:
        value = getattr(e, name)
        if isinstance(value, _MEXPR):
            found.append((name, value))
        elif isinstance(value, tuple):
            found.extend([(name, item) for item in value if isinstance(item, _MEXPR)])
    return found


_MEXPR = M.MExpr


def nodes(e: M.MExpr):
    """Every sub-expression of ``e`` (``e`` first), by ``child_fields``, with no recursion."""
    todo = [e]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(child for _, child in child_fields(node))


def bare_name(e: M.MExpr) -> str | None:
    """The name under transposes, negations and elementwise functions of one argument (the
    ``t`` of ``t'``, ``-t``, ``exp(t)``: a vector there when ``t`` is), else None."""
    while type(e) in (M.Transpose, M.Neg) or (
        type(e) is M.Call and e.fn in ELEMENTWISE and len(e.args) == 1
    ):
        e = e.args[0] if type(e) is M.Call else e.operand
    return e.name if type(e) is M.Name else None
