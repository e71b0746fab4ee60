"""The first pass of shape inference: walk the tree, unifying dimensions as it goes.

Input: a matrix-IR tree and the ``dimensions.Inference`` holding its declarations.
Output: ``ShapeWalk``: the shape of every node in union-find cells (``seen``, in the order the
walk met them), the cells standing for the sizes of ``I`` and ``ones`` written without one
(``placeholders``), and whether a finite sum rebinds a name (``sums``); the inference now knows
the kind of every variable and which dimensions are equal.
Invariants:
- A shape is ``(rows, cols)`` where an absent axis is ``None``: a scalar is ``(None, None)``, a
  column vector ``(n, None)``, a row vector ``(None, n)``.
- Every rule of SPEC section 1 that a shape must obey (inner sizes of a product, equal shapes
  of an elementwise operation, square matrices for ``inv``, ``det``, ``tr`` and powers, integer
  exponents of matrix powers and bounds of sums) is checked here, and a violation is a
  ``ShapeError`` naming the sub-expression; a message that prints sub-expressions is built only
  when it is raised, so a walk that succeeds never pays for one.
"""

from __future__ import annotations

from einderiv.errors import ShapeError
from einderiv.frontend.compound_sizes import written_size
from einderiv.frontend.dimensions import DimCell, Inference
from einderiv.frontend.misreadings import (
    counter_uses,
    entry_count,
    power_of_power,
    vector_power,
)
from einderiv.frontend.shape_hints import greek_hint, vector_hint
from einderiv.frontend.size_words import describe_shape
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import DET, INV, MATRIX
from einderiv.ir.ops import ROW

__all__ = ["ShapeWalk", "is_scalar"]


def is_scalar(shape) -> bool:
    """Neither axis present: the shape of a scalar (in cells or in resolved dimensions)."""
    return shape[0] is None and shape[1] is None


class ShapeWalk:
    """First pass: compute shapes with union-find cells, unifying as it goes (``shape(tree)``)."""

    def __init__(self, inference: Inference):
        self.inf = inference
        self.placeholders: dict = {}
        self.seen: list = []  # (node, shape in cells) in the order the walk met them
        self.sums = False  # a finite sum rebinds a name: shapes are then recomputed by name
        self.counters: dict[str, M.FiniteSum] = {}  # the counters of finite sums, by name
        self.dots: dict[int, bool] = {}  # by id of each ``a · b``: an inner product or not
        self.bars: dict[int, bool] = {}  # by id of each ``|x|``: an absolute value or not

    def shape(self, e: M.MExpr):
        made = self._shape(e)
        self.seen.append((e, made))
        return made

    def _shape(self, e: M.MExpr):
        inf = self.inf
        match e:
            case M.Name(name=name):
                kind, cells = inf.variable(name)
                if kind == "tensor":
                    raise placed(
                        f"`{name}` is a tensor of order {len(cells)}: use it through index "
                        f"notation, {name}[{','.join('ijklmnop'[: len(cells)])}] (matrix "
                        "notation has no tensors)",
                        e,
                    )
                if kind in ("scalar", "integer"):
                    return (None, None)
                if kind == "vector":
                    return (cells[0], None)
                return (cells[0], cells[1])
            case M.MatMul(left=l, right=r) | M.Dot(left=l, right=r):
                return self._product(e, l, r, self.shape(l), self.shape(r))
            case M.Transpose(operand=x):
                rows, cols = self.shape(x)
                return (cols, rows)
            case M.Call(fn=fn, args=args):
                return self._call(e, fn, args)
            case M.Number():
                return (None, None)
            case M.Identity(dim=dim):
                d = written_size(inf, dim, "`I`") if dim else self._placeholder(e, "`I`")
                return (d, d)
            case M.Ones(dim=dim):
                d = written_size(inf, dim, "`ones`") if dim else self._placeholder(e, "`ones`")
                return (d, None)
            case M.Add(left=l, right=r) | M.Sub(left=l, right=r) | M.Hadamard(left=l, right=r):
                return self._elementwise(e, self.shape(l), self.shape(r))
            case M.ElemDiv(left=l, right=r):
                return self._elementwise(e, self.shape(l), self.shape(r))
            case M.Neg(operand=x):
                return self.shape(x)
            case M.Div(left=l, right=r):
                rs = self.shape(r)
                if not is_scalar(rs):
                    raise ShapeError(
                        f"`{M.show(e)}`: `/` divides by a scalar, but `{M.show(r)}` is not one; "
                        "use `./` to divide elementwise"
                    )
                return self.shape(l)
            case M.ElemPow(base=b, exponent=p):
                bs, ps = self.shape(b), self.shape(p)
                return bs if is_scalar(ps) else self._elementwise(e, bs, ps)
            case M.Power(base=b, exponent=p):
                return self._power(e, b, p)
            case M.Bars(operand=x):  # |X| = det(X) of a square matrix, |a| = abs(a) of a scalar
                shape = self.shape(x)
                self.bars[id(e)] = is_scalar(shape)
                if (shape[0] is None) != (shape[1] is None):
                    raise placed(f"`{M.show(e)}` is the determinant of a square matrix or the "
                                 f"absolute value of a scalar, and `{M.show(x)}` is a vector: "
                                 "write norm2(...) for its length, abs(...) for each entry", e)  # fmt: skip
                self._square(e, x, DET.name, shape)
                return (None, None)
            case M.Inverse(operand=x):
                return self._square(e, x, INV.name)
            case M.Entry(base=b, indices=indices):
                if isinstance(b, M.Name) and inf.variable(b.name)[0] == "tensor":
                    axes = inf.variable(b.name)[1]
                else:
                    axes = [d for d in self.shape(b) if d is not None]
                if len(axes) != len(indices):
                    raise entry_count(e, axes, inf.undeclared)
                for name, axis in zip(indices, axes):
                    self._index(name, axis, e)
                return (None, None)
            case M.FiniteSum(var=var, lower=lower, upper=upper, body=body):
                self.sums = True
                counter_uses(var, e)  # \sum_{i=1}^n x_i^2: said before the bounds, the body
                for part in filter(None, (_non_integer_part(b, inf) for b in (lower, upper))):
                    kind = part.isidentifier() and part not in inf.undeclared and inf.vars[part][0]
                    say = f": declare `{part}: integer`" if part.isidentifier() else f", not {part}"
                    say = f", and `{part}` is declared a {kind}" if kind else say
                    raise ShapeError(f"`{M.show(e)}`: the bounds of a sum must be integers{say}")
                outer = inf.vars.get(var)
                if outer is not None:  # a variable, or the counter of an enclosing sum
                    raise _shadowing(e, var)
                self.counters.setdefault(var, e)
                inf.vars[var] = ("integer", [])
                try:
                    return self.shape(body)
                finally:
                    if outer is None:
                        del inf.vars[var]
                    else:
                        inf.vars[var] = outer
            case M.KDelta(indices=indices):
                first = self._index(indices[0], None, e)
                for other in indices[1:]:
                    what = (
                        f"`{M.show_index(indices[0])}` and `{M.show_index(other)}` range over "
                        "different sizes"
                    )
                    inf.unify(first, self._index(other, None, e), e, what)
                return (None, None)
        raise ShapeError(f"cannot type `{M.show(e)}`")

    def _product(self, e, left: M.MExpr, right: M.MExpr, ls, rs):
        """``left right``: scaling, or rows of ``left`` by columns of ``right`` over their
        common inner size. ``left · right`` (a ``Dot``) of two column vectors is their inner
        product ``left' right`` (SPEC 6.2), and ``dots`` records which reading was taken."""
        if type(e) is M.Dot:  # x · y = x' y, x · A = x' A: a column's index contracts
            inner = ls[0] is not None and ls[1] is None and rs[0] is not None
            inner = inner and (rs[1] is None or rs[0].root().value != 1)  # x · A, A 1-by-k: x A
            self.dots[id(e)] = inner
            if inner:
                self.inf.unify(ls[0], rs[0], e, lambda: _inner_sizes(left, right))
                return (None, rs[1])
        if is_scalar(ls):
            return rs
        if is_scalar(rs):
            return ls

        def what():
            dot = "; `·` contracts a column's index (x · y is x' y), else it is a product"
            return (
                f"`{M.show(left)}` is {describe_shape(ls)} and `{M.show(right)}` is "
                f"{describe_shape(rs)}; their inner sizes must match"
                + (dot if type(e) is M.Dot else vector_hint(self.inf, left, right))
                + greek_hint(self.inf, left, right)
                + _columns_hint(left, right, ls, rs)
            )

        self.inf.unify(ls[1], rs[0], e, what)
        return (ls[0], rs[1])

    def _placeholder(self, e, origin):
        d = self.inf.cell(None, origin)
        self.placeholders[id(e)] = d
        return d

    def _index(self, name, axis, context) -> DimCell:
        if isinstance(name, tuple):  # a compound index (i, j): the pairs of i's by j's size
            fast, slow = (self._index(n, None, context) for n in name)
            made = self.inf.product(fast, slow, f"compound index `{M.show_index(name)}`")
            if axis is not None:
                what = f"compound index `{M.show_index(name)}` is used for two sizes"
                self.inf.unify(made, axis, context, what)
            return made
        cells = self.inf.index_dims
        if name not in cells:
            cells[name] = axis if axis is not None else self.inf.cell(None, f"index `{name}`")
        elif axis is not None:
            self.inf.unify(
                cells[name],
                axis,
                context,
                f"index `{name}` is used for two sizes (an index name has one size in the whole "
                "expression, even in separate terms: rename one)",
            )
        return cells[name]

    def _elementwise(self, e, ls, rs):
        if is_scalar(ls):
            return rs
        if is_scalar(rs):
            return ls

        def what():
            op = {M.Add: "+", M.Sub: "-", M.Hadamard: ".*", M.ElemDiv: "./", M.ElemPow: ".^"}
            return (
                f"the two sides of `{op.get(type(e), '?')}` have different shapes "
                f"({describe_shape(ls)} and {describe_shape(rs)})"
            ) + greek_hint(self.inf, e)

        self.inf.unify(ls[0], rs[0], e, what)
        self.inf.unify(ls[1], rs[1], e, what)
        return ls

    def _square(self, e, x, fn, shape=None):
        """The shape of the square matrix ``x`` (``shape``: its shape when already walked; a
        second walk would give an ``I`` inside it a second, untied size cell)."""
        rows, cols = self.shape(x) if shape is None else shape
        if rows is None and cols is None:
            return (None, None)
        if rows is None or cols is None:
            hint = "; for the exponential write exp(...)" if x == M.Name("e") else ""
            raise ShapeError(  # x^3 of an undeclared x: declare x: scalar if it is a number
                f"`{M.show(e)}`: {fn} needs a square matrix, `{M.show(x)}` is a vector"
                + (hint or vector_hint(self.inf, x) + vector_power(e))
            )
        self.inf.unify(
            rows, cols, e, lambda: f"{fn} needs a square matrix, `{M.show(x)}` is not square"
        )
        return (rows, cols)

    def _power(self, e, base, exponent):
        walked = self.shape(base)  # a matrix power's exponent is an integer, a scalar's real
        if not is_scalar(self.shape(exponent)):  # tr(X^k) k': a transposed k is a vector
            hint = vector_hint(
                self.inf, exponent, kind="scalar" if is_scalar(walked) else "integer"
            )
            raise ShapeError(
                f"`{M.show(e)}`: the exponent `{M.show(exponent)}` is not a scalar{hint}"
            )
        if is_scalar(walked):
            return (None, None)
        shape = self._square(e, base, "a matrix power", walked)
        bad = _non_integer_part(exponent, self.inf)
        if bad is not None:
            hint = f"; declare `{bad}: integer`" if bad.isidentifier() else ""
            said = f"`{M.show(e)}`: a matrix power takes an exponent linear in integers (2 k - 1), "
            raise ShapeError(power_of_power(e) or f"{said}not `{M.show(exponent)}`{hint}")
        return shape

    def _call(self, e, fn, args):
        op = MATRIX.get(fn)
        if op is not None:  # the record's shape rule, calling back shape, square, product...
            if len(args) != op.arity:
                raise ShapeError(f"`{M.show(e)}`: {fn} takes {op.arity} arguments")
            return op.shape(self, e, args)
        if len(args) != 1:
            raise ShapeError(f"`{M.show(e)}`: {fn} takes one argument, not {len(args)}")
        (x,) = args
        if fn in M.SCALAR_FUNCTIONS:
            return self.shape(x)
        if fn in M.ROW_FUNCTIONS:  # of a vector, or of each row of a matrix
            rows, cols = self.shape(x)
            if rows is None and cols is None:
                raise ShapeError(
                    f"`{M.show(e)}`: {fn} takes a vector (or a matrix, row by row), "
                    f"but `{M.show(x)}` is a scalar"
                )
            if not ROW[fn].reduces:
                return (rows, cols)
            return (None, None) if rows is None or cols is None else (rows, None)
        raise ShapeError(f"unknown function {fn}")

    # -- what a registry shape rule asks (ir.matrix_ops.ShapeRules) ----------------------------

    def square(self, e, x, fn, shape=None):
        return self._square(e, x, fn, shape)

    def product(self, fast, slow, e):
        return self.inf.product(fast, slow, f"`{M.show(e)}`")

    def fail(self, message, e=None):
        raise ShapeError(message) if e is None else placed(message, e)

    def size(self, e, size):
        """A size argument (``commutation(m, n)``): a dimension name or a positive integer; its
        own shape is recorded as a vector of that length (``n: integer`` is the size n)."""
        kind = self.inf.vars.get(getattr(size, "name", None), ("integer",))[0]
        if isinstance(size, M.Number) and size.value.denominator == 1 and size.value > 0:
            cell = self.inf.cell(int(size.value), f"`{M.show(e)}`")
        elif isinstance(size, M.Name) and kind == "integer":
            named = self.inf.named
            if size.name not in named:
                named[size.name] = self.inf.cell(size.name, f"`{M.show(e)}`")
            cell = named[size.name]
        else:
            raise placed(
                f"`{M.show(e)}`: {e.fn}(m, n) takes two sizes (names of dimensions or "
                f"positive integers), and `{M.show(size)}` is not one",
                e,
            )
        self.seen.append((size, (cell, None)))
        return cell


def placed(message: str, e: M.MExpr) -> ShapeError:
    """A ``ShapeError`` that knows where ``e`` was written (the front end adds a caret)."""
    error = ShapeError(message)
    error.span = getattr(e, "span", None)
    return error


MAX_EXPONENT_BITS = 1024  # an integer exponent written as a power of numbers: |b^p| < 2^1024


def integer_power(e: M.Power) -> int | None:
    """The integer value of ``b^p`` for integer numbers b and p (``10^9``), None when it is not
    an integer; a ``ShapeError`` when it has more than ``MAX_EXPONENT_BITS`` bits."""
    b, p = e.base.value, e.exponent.value
    if b.denominator != 1 or p.denominator != 1 or (p < 0 and abs(b) != 1):
        return None
    if abs(b) > 1 and p * (abs(b.numerator).bit_length() - 1) > MAX_EXPONENT_BITS:
        raise ShapeError(
            f"`{M.show(e)}` is too large for an exponent (at most 2^{MAX_EXPONENT_BITS})"
        )
    return int(b) ** int(p) if p >= 0 else int(b) ** int(-p)


def _non_integer_part(e: M.MExpr, inf: Inference) -> str | None:
    """The first part of ``e`` that is not an integer expression, or None if it is one."""
    match e:
        case M.Number(value=value):
            return None if value.denominator == 1 else M.show(e)
        case M.Power(base=M.Number(), exponent=M.Number()):
            return None if integer_power(e) is not None else M.show(e)
        case M.Name(name=name):
            return None if inf.variable(name)[0] == "integer" else name
        case M.Add(left=l, right=r) | M.Sub(left=l, right=r):
            return _non_integer_part(l, inf) or _non_integer_part(r, inf)
        case M.Neg(operand=x):
            return _non_integer_part(x, inf)
        case M.MatMul(left=l, right=r) | M.Dot(left=l, right=r):
            if isinstance(l, M.Number) or isinstance(r, M.Number):
                return _non_integer_part(l, inf) or _non_integer_part(r, inf)
    return M.show(e)


def _shadowing(e: M.FiniteSum, name: str) -> ShapeError:
    return ShapeError(
        f"`{M.show(e)}`: the counter `{name}` of the sum is also a name outside it; the body is "
        f"only the bracket after the sum: put the whole summand in that bracket, or rename `{name}`"
    )


def check_counters(walker: ShapeWalk) -> None:
    """A sum's counter may not share its name with a variable used anywhere else: the lowered
    form looks variables up by name, so ``tr(X) + sum_{X=0}^{2}(X)`` would mix the two."""
    for name, e in walker.counters.items():
        if name in walker.inf.vars:
            raise _shadowing(e, name)


def _columns_hint(left: M.MExpr, right: M.MExpr, ls: tuple, rs: tuple) -> str:
    """Two column vectors side by side (``x y``, ``x \\cdot y``): name the two products a
    reader may have meant, never pick one."""
    if ls[0] is None or rs[0] is None or ls[1] is not None or rs[1] is not None:
        return ""
    inner = M.show(M.MatMul(M.Transpose(left), right))
    outer = M.show(M.MatMul(left, M.Transpose(right)))
    return f"; for their inner product write `{inner}`, for the outer product `{outer}`"


def _inner_sizes(left: M.MExpr, right: M.MExpr) -> str:
    return f"`{M.show(left)}` is a column vector; its inner product with `{M.show(right)}` needs equal sizes"
