"""Kinds and shapes: which variables are scalars, vectors or matrices, and how big.

Input: a matrix-IR tree and its ``where`` declarations.
Output: ``Typed`` -- the same tree with the sizes of ``I`` and ``ones`` filled in, the kind and
dimensions of every variable, the dimension of every index name, and the shape of every node.
Invariants:
- A shape is ``(rows, cols)`` where an absent axis is ``None``: a scalar is ``(None, None)``, a
  column vector ``(n, None)``, a row vector ``(None, n)``.
- Dimensions are unified across the whole expression. Declared names are fixed and distinct:
  unifying ``m`` with ``n`` or ``3`` with ``4`` is a ``ShapeError`` that names both places.
- Undeclared names follow SPEC section 1: upper-case initial -> matrix, lower-case -> vector, a
  name used only as an exponent -> integer. Undeclared sizes get fresh names (n, m, p, ...).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from . import matrix_ir as M
from .errors import ShapeError
from .node import Node, node

Shape = tuple  # (rows, cols): each a Dim or None


@node
class VarInfo(Node):
    """A variable's kind and dimensions after inference."""

    name: str
    kind: str
    dims: tuple[M.Dim, ...] = ()

    @property
    def shape(self) -> Shape:
        if self.kind in ("scalar", "integer"):
            return (None, None)
        if self.kind == "vector":
            return (self.dims[0], None)
        return (self.dims[0], self.dims[1])


@dataclass(frozen=True)
class Typed:
    """A matrix-IR tree with every size resolved."""

    tree: M.MExpr
    variables: dict[str, VarInfo]
    index_dims: dict[str, M.Dim]
    shapes: dict[M.MExpr, Shape]

    def shape(self, e: M.MExpr) -> Shape:
        return self.shapes[e]


class _Dim:
    """A union-find cell for one dimension. ``value`` is set for declared (fixed) sizes."""

    __slots__ = ("order", "origin", "parent", "value")

    def __init__(self, value, origin: str, order: int):
        self.parent = self
        self.value = value
        self.origin = origin
        self.order = order

    def root(self) -> _Dim:
        cell = self
        while cell.parent is not cell:
            cell.parent = cell.parent.parent
            cell = cell.parent
        return cell


_AUTO_NAMES = ("n", "m", "p", "q", "r", "s", "d", "e", "l", "h")


def _describe_shape(shape) -> str:
    rows, cols = (_describe(d) if d is not None else None for d in shape)
    if rows is None and cols is None:
        return "a scalar"
    if cols is None:
        return "a column vector" + ("" if rows == "?" else f" of length {rows}")
    if rows is None:
        return "a row vector" + ("" if cols == "?" else f" of length {cols}")
    if "?" in (rows, cols):
        return "a matrix"
    article = "an" if str(rows)[0] in "aefhilmnorsx8" else "a"  # an n-by-m, a 3-by-4
    return f"{article} {rows}-by-{cols} matrix"


def _describe(d: _Dim | None) -> str:
    if d is None:
        return "no axis"
    root = d.root()
    return str(root.value) if root.value is not None else "?"


class _Inference:
    def __init__(self, decls: tuple[M.Decl, ...], tree: M.MExpr):
        self.cells: list[_Dim] = []
        self.named: dict[str, _Dim] = {}
        self.vars: dict[str, tuple[str, list[_Dim]]] = {}
        self.index_dims: dict[str, _Dim] = {}
        self.exponent_only = _exponent_only_names(tree)
        self.undeclared: set[str] = set()
        for decl in decls:
            self._declare(decl)

    def cell(self, value=None, origin: str = "") -> _Dim:
        made = _Dim(value, origin, len(self.cells))
        self.cells.append(made)
        return made

    def _declare(self, decl: M.Decl) -> None:
        where = f"declared `{decl.name}: {decl.kind}"
        where += f"({', '.join(map(str, decl.dims))})`" if decl.dims else "`"
        wanted = {"scalar": 0, "integer": 0, "vector": 1, "matrix": 2, "symmetric": 2}[decl.kind]
        cells = []
        for dim in decl.dims:
            if isinstance(dim, str):
                if dim not in self.named:
                    self.named[dim] = self.cell(dim, where)
                cells.append(self.named[dim])
            else:
                cells.append(self.cell(dim, where))
        if decl.kind == "symmetric" and len(cells) == 2 and cells[0] is not cells[1]:
            self.unify(cells[0], cells[1], M.Name(decl.name), "a symmetric matrix is square")
        while len(cells) < wanted:
            cells.append(cells[0] if decl.kind == "symmetric" and cells else self.cell(None, where))
        self.vars[decl.name] = (decl.kind, cells)

    def variable(self, name: str) -> tuple[str, list[_Dim]]:
        if name not in self.vars:
            self.undeclared.add(name)
            origin = f"`{name}` (undeclared, so taken as "
            if name in self.exponent_only:
                self.vars[name] = ("integer", [])
            elif name[0].isupper():
                origin += "a matrix)"
                self.vars[name] = ("matrix", [self.cell(None, origin), self.cell(None, origin)])
            else:
                origin += "a vector)"
                self.vars[name] = ("vector", [self.cell(None, origin)])
        return self.vars[name]

    def unify(self, a: _Dim | None, b: _Dim | None, context: M.MExpr, what) -> None:
        """Make ``a`` and ``b`` one size; ``what`` (text, or a function that makes it, so that
        the message costs nothing unless it is shown) explains a failure."""
        if a is None or b is None:
            other = a if b is None else b
            if other is None or other.root().value == 1:
                return
            self._fail(a, b, context, what)
        ra, rb = a.root(), b.root()
        if ra is rb:
            return
        if ra.value is not None and rb.value is not None and ra.value != rb.value:
            if isinstance(ra.value, str) == isinstance(rb.value, str):
                self._fail(a, b, context, what)  # m vs n, or 3 vs 4
            if isinstance(ra.value, str):  # a declared name meets a number: n = 3
                ra, rb = rb, ra
            ra.origin = f"{ra.origin} ({rb.value} = {ra.value})"
            rb.value = None
        keep, drop = (ra, rb) if ra.value is not None or rb.value is None else (rb, ra)
        if keep.value is None and drop.order < keep.order:
            keep, drop = drop, keep
        drop.parent = keep

    def _fail(self, a, b, context: M.MExpr, what):
        what = what() if callable(what) else what
        places = [d.root().origin for d in (a, b) if d is not None and d.root().origin]
        sizes = (
            f" ({_describe(a)} vs {_describe(b)})"
            if "?" not in (_describe(a), _describe(b))
            else ""
        )
        message = f"shapes do not fit in `{M.show(context)}`: {what}{sizes}"
        if places:
            message += "; sizes from " + " and ".join(dict.fromkeys(places))
        raise ShapeError(message)


def _exponent_only_names(tree: M.MExpr) -> set[str]:
    in_exponent: set[str] = set()
    elsewhere: set[str] = set()

    def walk(e: M.MExpr, exponent: bool) -> None:
        if isinstance(e, M.Name):
            (in_exponent if exponent else elsewhere).add(e.name)
            return
        for name, child in _child_fields(e):
            walk(child, exponent or (name == "exponent" and isinstance(e, (M.Power, M.ElemPow))))

    walk(tree, False)
    return in_exponent - elsewhere


def _child_fields(e: M.MExpr) -> list:
    """(field name, child) for every sub-expression of ``e``, in field order."""
    found = []
    for name in e._init:
        value = getattr(e, name)
        if isinstance(value, M.MExpr):
            found.append((name, value))
        elif isinstance(value, tuple) and name != "span":
            found.extend((name, item) for item in value if isinstance(item, M.MExpr))
    return found


def _is_scalar(shape) -> bool:
    return shape[0] is None and shape[1] is None


class _Walker:
    """First pass: compute shapes with union-find cells, unifying as it goes."""

    def __init__(self, inference: _Inference):
        self.inf = inference
        self.placeholders: dict = {}
        self.seen: list = []  # (node, shape in cells) in the order the walk met them
        self.sums = False  # a finite sum rebinds a name: shapes are then recomputed by name

    def shape(self, e: M.MExpr):
        made = self._shape(e)
        self.seen.append((e, made))
        return made

    def _shape(self, e: M.MExpr):
        inf = self.inf
        match e:
            case M.Name(name=name):
                kind, cells = inf.variable(name)
                if kind in ("scalar", "integer"):
                    return (None, None)
                if kind == "vector":
                    return (cells[0], None)
                return (cells[0], cells[1])
            case M.Number():
                return (None, None)
            case M.Identity(dim=dim):
                d = inf.cell(dim, "`I`") if dim is not None else self._placeholder(e, "`I`")
                return (d, d)
            case M.Ones(dim=dim):
                d = inf.cell(dim, "`ones`") if dim is not None else self._placeholder(e, "`ones`")
                return (d, None)
            case M.Add(left=l, right=r) | M.Sub(left=l, right=r) | M.Hadamard(left=l, right=r):
                return self._elementwise(e, self.shape(l), self.shape(r))
            case M.ElemDiv(left=l, right=r):
                return self._elementwise(e, self.shape(l), self.shape(r))
            case M.Neg(operand=x):
                return self.shape(x)
            case M.MatMul(left=l, right=r):
                ls, rs = self.shape(l), self.shape(r)
                if _is_scalar(ls):
                    return rs
                if _is_scalar(rs):
                    return ls

                def what():
                    return (
                        f"`{M.show(l)}` is {_describe_shape(ls)} and `{M.show(r)}` is "
                        f"{_describe_shape(rs)}; their inner sizes must match"
                        + self._vector_hint(l, r)
                    )

                inf.unify(ls[1], rs[0], e, what)
                return (ls[0], rs[1])
            case M.Div(left=l, right=r):
                rs = self.shape(r)
                if not _is_scalar(rs):
                    raise ShapeError(
                        f"`{M.show(e)}`: `/` divides by a scalar, but `{M.show(r)}` is not one; "
                        "use `./` to divide elementwise"
                    )
                return self.shape(l)
            case M.ElemPow(base=b, exponent=p):
                bs, ps = self.shape(b), self.shape(p)
                return bs if _is_scalar(ps) else self._elementwise(e, bs, ps)
            case M.Power(base=b, exponent=p):
                return self._power(e, b, p)
            case M.Transpose(operand=x):
                rows, cols = self.shape(x)
                return (cols, rows)
            case M.Inverse(operand=x):
                return self._square(e, x, "inv")
            case M.Call(fn=fn, args=args):
                return self._call(e, fn, args)
            case M.Entry(base=b, indices=indices):
                axes = [d for d in self.shape(b) if d is not None]
                if len(axes) != len(indices):
                    raise ShapeError(
                        f"`{M.show(e)}`: `{M.show(b)}` has {len(axes)} axes but "
                        f"{len(indices)} indices are given"
                    )
                for name, axis in zip(indices, axes):
                    self._index(name, axis, e)
                return (None, None)
            case M.FiniteSum(var=var, lower=lower, upper=upper, body=body):
                self.sums = True
                for bound in (lower, upper):
                    if _non_integer_part(bound, inf) is not None:
                        raise ShapeError(f"`{M.show(e)}`: the bounds of a sum must be integers")
                outer = inf.vars.get(var)
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
                    what = f"`{indices[0]}` and `{other}` range over different sizes"
                    inf.unify(first, self._index(other, None, e), e, what)
                return (None, None)
        raise ShapeError(f"cannot type `{M.show(e)}`")

    def _vector_hint(self, *operands) -> str:
        """Suggest ``a: scalar`` for undeclared lower-case names taken as vectors."""
        for x in operands:
            name = (
                x.operand.name
                if isinstance(x, M.Transpose) and isinstance(x.operand, M.Name)
                else getattr(x, "name", None)
            )
            if name and name in self.inf.undeclared and self.inf.vars[name][0] == "vector":
                return (
                    f"; `{name}` is taken as a vector: declare `{name}: scalar` if it is a number"
                )
        return ""

    def _placeholder(self, e, origin):
        d = self.inf.cell(None, origin)
        self.placeholders[id(e)] = d
        return d

    def _index(self, name: str, axis, context) -> _Dim:
        cells = self.inf.index_dims
        if name not in cells:
            cells[name] = axis if axis is not None else self.inf.cell(None, f"index `{name}`")
        elif axis is not None:
            self.inf.unify(cells[name], axis, context, f"index `{name}` is used for two sizes")
        return cells[name]

    def _elementwise(self, e, ls, rs):
        if _is_scalar(ls):
            return rs
        if _is_scalar(rs):
            return ls

        def what():
            op = {M.Add: "+", M.Sub: "-", M.Hadamard: ".*", M.ElemDiv: "./", M.ElemPow: ".^"}
            return (
                f"the two sides of `{op.get(type(e), '?')}` have different shapes "
                f"({_describe_shape(ls)} and {_describe_shape(rs)})"
            )

        self.inf.unify(ls[0], rs[0], e, what)
        self.inf.unify(ls[1], rs[1], e, what)
        return ls

    def _square(self, e, x, fn):
        rows, cols = self.shape(x)
        if rows is None and cols is None:
            return (None, None)
        if rows is None or cols is None:
            raise ShapeError(
                f"`{M.show(e)}`: {fn} needs a square matrix, `{M.show(x)}` is a vector"
            )
        self.inf.unify(
            rows, cols, e, lambda: f"{fn} needs a square matrix, `{M.show(x)}` is not square"
        )
        return (rows, cols)

    def _power(self, e, base, exponent):
        if not _is_scalar(self.shape(exponent)):
            raise ShapeError(f"`{M.show(e)}`: the exponent `{M.show(exponent)}` is not a scalar")
        if _is_scalar(self.shape(base)):
            return (None, None)
        shape = self._square(e, base, "a matrix power")
        bad = _non_integer_part(exponent, self.inf)
        if bad is not None:
            hint = f"; declare `{bad}: integer`" if bad[:1].isalpha() else ""
            raise ShapeError(
                f"`{M.show(e)}`: a matrix power needs an integer exponent, and "
                f"`{M.show(exponent)}` is not one{hint}"
            )
        return shape

    def _call(self, e, fn, args):
        if len(args) != 1:
            raise ShapeError(f"`{M.show(e)}`: {fn} takes one argument, not {len(args)}")
        (x,) = args
        if fn in M.SCALAR_FUNCTIONS:
            return self.shape(x)
        if fn in ("tr", "det", "logdet"):
            self._square(e, x, fn)
            return (None, None)
        if fn in ("sum", "norm2"):
            self.shape(x)
            return (None, None)
        if fn == "inv":
            return self._square(e, x, "inv")
        if fn == "diag":
            rows, cols = self.shape(x)
            if rows is not None and cols is None:
                return (rows, rows)
            if rows is None and cols is not None:
                return (cols, cols)
            if rows is None:
                raise ShapeError(f"`{M.show(e)}`: diag needs a vector or a square matrix")
            self._square(e, x, "diag")
            return (rows, None)
        raise ShapeError(f"unknown function {fn}")


def _non_integer_part(e: M.MExpr, inf: _Inference) -> str | None:
    """The first part of ``e`` that is not an integer expression, or None if it is one."""
    match e:
        case M.Number(value=value):
            return None if value.denominator == 1 else M.show(e)
        case M.Name(name=name):
            return None if inf.variable(name)[0] == "integer" else name
        case M.Add(left=l, right=r) | M.Sub(left=l, right=r):
            return _non_integer_part(l, inf) or _non_integer_part(r, inf)
        case M.Neg(operand=x):
            return _non_integer_part(x, inf)
        case M.MatMul(left=l, right=r):
            if isinstance(l, M.Number) or isinstance(r, M.Number):
                return _non_integer_part(l, inf) or _non_integer_part(r, inf)
    return M.show(e)


def infer(tree: M.MExpr, decls: tuple[M.Decl, ...] = (), root: Shape | None = None) -> Typed:
    """Infer kinds and shapes of ``tree``; fill in the sizes of ``I`` and ``ones``.

    ``root``, when given, is the shape the whole expression must have (a claimed derivative
    must have the derivative's shape: that also sizes a bare ``I``).
    """
    inference = _Inference(decls, tree)
    walker = _Walker(inference)
    shape = walker.shape(tree)
    if root is not None:
        for got, want in zip(shape, root):
            if (got is None) != (want is None):
                raise ShapeError(f"`{M.show(tree)}` does not have the required shape")
            if want is not None:
                fixed = inference.cell(want, "the required shape")
                inference.unify(got, fixed, tree, "the size differs from the required one")
    names = _resolve_names(inference)

    def dim(cell):
        return None if cell is None else names[cell.root()]

    variables = {
        name: VarInfo(name, kind, tuple(dim(c) for c in cells))
        for name, (kind, cells) in inference.vars.items()
    }
    index_dims = {name: dim(c) for name, c in inference.index_dims.items()}
    if walker.placeholders or walker.sums:  # rebuilt or rebinding tree: a second pass
        resolved = _fill(tree, walker.placeholders, dim)
        shapes: dict = {}
        _record_shapes(resolved, variables, index_dims, shapes)
        return Typed(resolved, variables, index_dims, shapes)
    shapes = {e: (dim(rows), dim(cols)) for e, (rows, cols) in walker.seen}
    return Typed(tree, variables, index_dims, shapes)


def _resolve_names(inf: _Inference) -> dict:
    taken = {c.root().value for c in inf.cells if c.root().value is not None}
    taken |= set(inf.vars)
    candidates = itertools.chain(_AUTO_NAMES, (f"n{i}" for i in itertools.count(1)))
    pool = (n for n in candidates if n not in taken)
    names = {}
    for cell in inf.cells:
        root = cell.root()
        if root not in names:
            names[root] = root.value if root.value is not None else next(pool)
    return names


def _fill(e: M.MExpr, placeholders: dict, dim) -> M.MExpr:
    """Rebuild ``e`` with the inferred sizes of ``I`` and ``ones``."""
    if isinstance(e, (M.Identity, M.Ones)):
        if id(e) in placeholders:
            return e.replace(dim=dim(placeholders[id(e)]))
        return e
    changes = {}
    for name in e._init:
        value = getattr(e, name)
        if isinstance(value, M.MExpr):
            changes[name] = _fill(value, placeholders, dim)
        elif isinstance(value, tuple) and value and isinstance(value[0], M.MExpr):
            changes[name] = tuple(_fill(v, placeholders, dim) for v in value)
    return e.replace(**changes) if changes else e


def _record_shapes(e: M.MExpr, variables, index_dims, shapes) -> Shape:
    """Second pass over the resolved tree: shapes with final dimension names."""
    for _, child in _child_fields(e):
        _record_shapes(child, variables, index_dims, shapes)
    match e:
        case M.Name(name=name):
            shape = variables[name].shape if name in variables else (None, None)  # a sum's r
        case M.Identity(dim=d):
            shape = (d, d)
        case M.Ones(dim=d):
            shape = (d, None)
        case M.Add(left=l, right=r) | M.Sub(left=l, right=r) | M.Hadamard(left=l, right=r):
            shape = shapes[r] if _is_scalar(shapes[l]) else shapes[l]
        case M.ElemDiv(left=l, right=r):
            shape = shapes[r] if _is_scalar(shapes[l]) else shapes[l]
        case M.MatMul(left=l, right=r):
            ls, rs = shapes[l], shapes[r]
            shape = rs if _is_scalar(ls) else ls if _is_scalar(rs) else (ls[0], rs[1])
        case M.Transpose(operand=x):
            shape = (shapes[x][1], shapes[x][0])
        case M.Neg(operand=x) | M.Inverse(operand=x):
            shape = shapes[x]
        case M.ElemPow(base=x, exponent=p):
            shape = shapes[p] if _is_scalar(shapes[x]) else shapes[x]
        case M.Div(left=x) | M.Power(base=x) | M.FiniteSum(body=x):
            shape = shapes[x]
        case M.Call(fn=fn, args=(x,)):
            shape = _call_shape(fn, shapes[x])
        case _:
            shape = (None, None)
    shapes[e] = shape
    return shape


def _call_shape(fn: str, shape: Shape) -> Shape:
    if fn in M.SCALAR_FUNCTIONS or fn == "inv":
        return shape
    if fn == "diag":
        rows, cols = shape
        if cols is None:
            return (rows, rows)
        if rows is None:
            return (cols, cols)
        return (rows, None)
    return (None, None)
