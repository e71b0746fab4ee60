"""Kinds and shapes: which variables are scalars, vectors or matrices, and how big.

Input: a matrix-IR tree and its ``where`` declarations.
Output: ``Typed`` -- the same tree with the sizes of ``I`` and ``ones`` filled in, the kind and
dimensions of every variable, the dimension of every index name, and the shape of every node.
Stages, in import order: ``dimensions`` (the union-find over sizes, failure messages) ->
``shape_walk`` (the first pass: shapes in union-find cells) -> this module (``infer``: names for
every size class, and a second pass over the resolved tree when it had to be rebuilt).
Invariants:
- A shape is ``(rows, cols)`` where an absent axis is ``None``: a scalar is ``(None, None)``, a
  column vector ``(n, None)``, a row vector ``(None, n)``.
- Dimensions are unified across the whole expression. Declared names are fixed and distinct:
  unifying ``m`` with ``n`` or ``3`` with ``4`` is a ``ShapeError`` that names both places.
- Undeclared names follow SPEC section 1: upper-case initial -> matrix, lower-case -> vector, a
  name used only as an exponent -> integer. Undeclared sizes get fresh names (n, m, p, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from einderiv.errors import SeveralSizes, ShapeError
from einderiv.frontend.compound_sizes import solve
from einderiv.frontend.dimensions import Inference, resolve_names
from einderiv.frontend.misreadings import euler_power
from einderiv.frontend.name_uses import NameUses, child_fields
from einderiv.frontend.shape_walk import ShapeWalk, check_counters, is_scalar
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import DET, MATRIX
from einderiv.ir.node import Node, dim_product, node
from einderiv.ir.ops import ABS, ROW
from einderiv.ir.scalar_use import negative_number

__all__ = ["Shape", "Typed", "VarInfo", "infer"]

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
        if self.kind == "tensor":  # order 3 or more: no matrix shape, its axes only
            return tuple(self.dims)
        return (self.dims[0], self.dims[1])


@dataclass(frozen=True)
class Typed:
    """A matrix-IR tree with every size resolved."""

    tree: M.MExpr
    variables: dict[str, VarInfo]
    index_dims: dict[str, M.Dim]
    shapes: dict[int, Shape]  # by ``id`` of the nodes of ``tree`` (which keeps them alive)
    invented: frozenset[str] = frozenset()  # the names einderiv gave sizes nothing fixes

    def shape(self, e: M.MExpr) -> Shape:
        """The shape of ``e``, a node of ``tree``."""
        return self.shapes[id(e)]


def infer(
    tree: M.MExpr,
    decls: tuple[M.Decl, ...] = (),
    root: Shape | None = None,
    uses: NameUses | None = None,
    axes: dict | None = None,
    merge_open: bool = False,
) -> Typed:
    """Infer kinds and shapes of ``tree``; fill in the sizes of ``I`` and ``ones``.

    ``root``, when given, is the shape the whole expression must have (a claimed derivative
    must have the derivative's shape: that also sizes a bare ``I``). ``uses``, when given, is
    ``name_uses.name_uses(tree)`` (the caller walked the tree for its names already).
    A text in index notation is a scalar in matrix terms: its shape is its free indices, which
    only lowering finds, so ``root`` is not applied to it; ``axes`` (free index name -> the
    required size) is, on the second pass ``pipeline.front`` makes. ``merge_open``: the first
    pass again when ``solve`` cannot size it, its numbers made one with their open compounds,
    so that a size and its compound have one name (``n*m``) until the axes size them.
    """
    inference = Inference(decls, tree, uses)
    inference.merge_open = merge_open
    walker = ShapeWalk(inference)
    shape = walker.shape(tree)
    check_counters(walker)
    if "e" in inference.undeclared:  # e .^ x: exp(x) meant, refused as e^x is
        euler_power(e for e, _ in walker.seen)
    both = sorted(inference.index_dims.keys() & (inference.names - walker.counters.keys()))
    if both:  # x[i] / i (a sum's counter is its body's own: sum_{k=1}^{3}(k) x[k])
        raise ShapeError(
            f"`{M.show(tree)}` uses `{both[0]}` both as an index and as a value: an index names "
            "a position, it has no value in an expression (einderiv never reads it as a number);"
            f" give the variable another name than the index {both[0]}"
        )
    indexed = bool(inference.index_dims) and shape == (None, None)
    if root is not None and len(root) <= 2 and not indexed:  # else counted by ``front``
        _require(inference, tree, shape, _as_pair(root, shape), root)
    for name, want in (axes or {}).items():  # x[i] y[j] required n-by-m: i over n, j over m
        fixed = inference.cell(want, "the required shape")
        inference.unify(
            inference.index_dims[name], fixed, tree, "the size differs from the required one"
        )
    try:
        solve(inference, tree)  # 2*n = 4: n = 2
    except SeveralSizes:  # index notation: its free indices are sized on the second pass
        if not (indexed and axes is None and any(d is not None for d in root or ())):
            raise
        if not merge_open:  # only its free indices are wanted of this pass (their names)
            return infer(tree, decls, root, uses, axes, merge_open=True)
    _real_exponents(walker)
    names = resolve_names(inference)
    dim = names.__getitem__  # a cell, or None, to its dimension
    invented = frozenset(  # classes with no declared, written or compound size: named by us
        names[c] for c in inference.cells if c.root() is c and c.value is None and not c.factors
    )

    variables = {
        name: VarInfo(name, kind, tuple(map(dim, cells)))
        for name, (kind, cells) in inference.vars.items()
    }
    index_dims = {name: dim(c) for name, c in inference.index_dims.items()}
    if walker.placeholders or walker.sums or walker.dots or walker.bars:  # rebuilt: 2nd pass
        resolved = _fill(tree, walker.placeholders, dim, walker.dots, walker.bars)
        shapes: dict = {}
        sizes = {name: dim(cell) for name, cell in inference.named.items()}  # commutation(p, 3)
        _record_shapes(resolved, variables, sizes, shapes)
        return Typed(resolved, variables, index_dims, shapes, invented)
    shapes = {id(e): (dim(rows), dim(cols)) for e, (rows, cols) in walker.seen}
    return Typed(tree, variables, index_dims, shapes, invented)


def _real_exponents(walker: ShapeWalk) -> None:
    """An undeclared name taken as an integer for standing only in exponents of ``^`` is a real
    scalar when every base it raises is a scalar after all (``logsumexp(x)^r``, ``(x' x)^r``:
    SPEC 6.3, the exponent of a scalar); ``name_uses``, before shapes, knows only the bases
    written as scalars (``2^t``, ``tr(X)^t``). A name also in a matrix power, in a bound of a
    finite sum (``sum_{i=1}^{k}(i) + (x' x)^k``) or a size (``(x' x)^n``, ``x: vector(n)``)
    stays an integer: the bound and the size are integers, read before this. So does a name
    that also stands outside exponents in a base that is a scalar by shape only: in
    ``(x' x)^(a' x)`` x is an integer only for standing in an exponent, and a scalar x would
    make ``x' x`` the square of a number silently (x' of a vector x is meant)."""
    inf = walker.inf
    if not inf.exponent_only & inf.undeclared:  # the common case: no name to look at again
        return
    shapes = {id(e): shape for e, shape in walker.seen}
    real: set[str] = set()
    matrix: set[str] = set(inf.named)
    powers = [e for e, _ in walker.seen if type(e) is M.Power and id(e.base) in shapes]
    exponents = {id(x) for x in _nodes([e.exponent for e in powers])}
    # the names in the bases, outside exponents
    bases = [e.base for e in powers if id(e) not in exponents]
    matrix |= _names(_nodes(bases, skip=exponents))
    for e, _ in walker.seen:
        bounds = [e.lower, e.upper] if type(e) is M.FiniteSum else []
        if bounds or type(e) is M.Power and id(e.base) in shapes:
            scalar = not bounds and is_scalar(shapes[id(e.base)])
            names = real if scalar and not negative_number(e.base) else matrix  # (-1)^k
            names |= _names(_nodes(bounds or [e.exponent]))
    for name in (real - matrix) & inf.exponent_only & inf.undeclared:
        if inf.vars.get(name, ("",))[0] == "integer":
            inf.vars[name] = ("scalar", [])


def _nodes(roots: list, skip: set = frozenset()) -> list:
    """Every node under ``roots`` (themselves included), not entering those in ``skip`` (ids)."""
    found, todo = [], list(roots)
    while todo:
        x = todo.pop()
        found.append(x)
        todo.extend(child for _, child in child_fields(x) if id(child) not in skip)
    return found


def _names(nodes: list) -> set[str]:
    return {x.name for x in nodes if type(x) is M.Name}


def _as_pair(root: tuple, shape: Shape) -> tuple:
    """The required shape as a (rows, columns) pair: given as that pair, or as an ``Expr``'s
    ``shape`` (``()`` a scalar; ``(n,)`` a vector of n, which may be written as a row or a
    column, so it takes the orientation the text has)."""
    if len(root) == 2:
        return tuple(root)
    if len(root) == 0:
        return (None, None)
    if len(root) == 1 and root[0] is not None:
        return (None, root[0]) if shape[0] is None and shape[1] is not None else (root[0], None)
    raise ShapeError(
        f"shape={tuple(root)!r}: give a (rows, columns) pair, with None for an absent axis, "
        "or the shape of a scalar or vector result"
    )


def _require(inference: Inference, tree: M.MExpr, shape: Shape, root: tuple, given) -> None:
    """Unify the inferred ``shape`` of ``tree`` with the required (rows, columns) ``root``
    (``given``: the shape as the caller wrote it, for the message)."""
    if [g is None for g in shape] != [w is None for w in root]:
        wanted = f"a vector of {given[0]}" if len(given) == 1 else _kind(root, True)
        raise ShapeError(f"`{M.show(tree)}` is {_kind(shape)}; the required shape is {wanted}")
    for got, want in zip(shape, root):
        if want is not None:
            fixed = inference.cell(want, "the required shape")
            inference.unify(got, fixed, tree, "the size differs from the required one")


def _kind(pair: tuple, sized: bool = False) -> str:
    """``(None, n)`` -> "a row vector" (``sized``: "a row vector of n")."""
    rows, cols = pair
    size = (lambda d: f" of {d}") if sized else (lambda d: "")
    if rows is None and cols is None:
        return "a scalar"
    if rows is None:
        return "a row vector" + size(cols)
    if cols is None:
        return "a column vector" + size(rows)
    return f"a matrix of {rows} by {cols}" if sized else "a matrix"


def _fill(e: M.MExpr, placeholders: dict, dim, dots: dict, bars: dict) -> M.MExpr:
    """Rebuild ``e`` with the inferred sizes of ``I`` and ``ones``, each ``a · b`` as the
    reading the walk took (``dots``): ``a' b`` for two columns, else the product ``a b``; and
    each ``|x|`` as ``abs(x)`` of a scalar, ``det(x)`` of a matrix (``bars``)."""
    if isinstance(e, (M.Identity, M.Ones)):
        if id(e) in placeholders:
            return e.replace(dim=dim(placeholders[id(e)]))
        return e
    changes = {}
    for name in e._init:
        value = getattr(e, name)
        if isinstance(value, M.MExpr):
            changes[name] = _fill(value, placeholders, dim, dots, bars)
        elif isinstance(value, tuple) and value and isinstance(value[0], M.MExpr):
            changes[name] = tuple(_fill(v, placeholders, dim, dots, bars) for v in value)
    if type(e) is M.Bars:
        fn = ABS.name if bars[id(e)] else DET.name
        return M.Call(fn, (changes["operand"],), span=e.span)
    if type(e) is M.Dot:
        left, right = changes["left"], changes["right"]
        if dots[id(e)]:  # x · y -> x' y
            left = M.Transpose(left, span=left.span)
        return M.MatMul(left, right, span=e.span)
    return e.replace(**changes) if changes else e


def _record_shapes(e: M.MExpr, variables, sizes: dict, shapes) -> Shape:
    """Second pass over the resolved tree: shapes with final dimension names (``sizes``: a size
    argument's name, such as p in ``commutation(p, 3)``, to its final dimension)."""
    for _, child in child_fields(e):
        _record_shapes(child, variables, sizes, shapes)
    match e:
        case M.Name(name=name):
            shape = variables[name].shape if name in variables else (None, None)  # a sum's r
        case M.Identity(dim=d):
            shape = (d, d)
        case M.Ones(dim=d):
            shape = (d, None)
        case M.Add(left=l, right=r) | M.Sub(left=l, right=r) | M.Hadamard(left=l, right=r):
            shape = shapes[id(r)] if is_scalar(shapes[id(l)]) else shapes[id(l)]
        case M.ElemDiv(left=l, right=r):
            shape = shapes[id(r)] if is_scalar(shapes[id(l)]) else shapes[id(l)]
        case M.MatMul(left=l, right=r):
            ls, rs = shapes[id(l)], shapes[id(r)]
            shape = rs if is_scalar(ls) else ls if is_scalar(rs) else (ls[0], rs[1])
        case M.Transpose(operand=x):
            shape = (shapes[id(x)][1], shapes[id(x)][0])
        case M.Neg(operand=x) | M.Inverse(operand=x):
            shape = shapes[id(x)]
        case M.ElemPow(base=x, exponent=p):
            shape = shapes[id(p)] if is_scalar(shapes[id(x)]) else shapes[id(x)]
        case M.Div(left=x) | M.Power(base=x) | M.FiniteSum(body=x):
            shape = shapes[id(x)]
        case M.Call(fn=fn, args=args) if fn in MATRIX:  # the record's one shape rule
            shape = MATRIX[fn].shape(_Resolved(shapes, sizes), e, args)
        case M.Call(fn=fn, args=(x,)):
            shape = _call_shape(fn, shapes[id(x)])
        case _:
            shape = (None, None)
    shapes[id(e)] = shape
    return shape


def _call_shape(fn: str, shape: Shape) -> Shape:
    if fn in M.ROW_FUNCTIONS:  # shape_walk checked the argument
        if not ROW[fn].reduces:
            return shape
        return (None, None) if shape[0] is None or shape[1] is None else (shape[0], None)
    return shape  # elementwise


class _Resolved:
    """What a registry shape rule asks (``ir.matrix_ops.ShapeRules``), on resolved sizes: the
    first pass checked every rule, so nothing fails here."""

    def __init__(self, shapes: dict, sizes: dict):
        self.shapes, self.sizes = shapes, sizes

    def shape(self, x) -> Shape:
        return self.shapes[id(x)]

    def square(self, e, x, fn, shape=None) -> Shape:
        return self.shape(x) if shape is None else shape

    def product(self, fast, slow, e):
        return dim_product(fast, slow)

    def size(self, e, x):
        """A size argument: the length of its (vector) shape."""
        size = self.sizes.get(x.name, x.name) if isinstance(x, M.Name) else int(x.value)
        self.shapes[id(x)] = (size, None)
        return size

    def fail(self, message, e=None):  # pragma: no cover - the first pass raised it
        raise ShapeError(message)
