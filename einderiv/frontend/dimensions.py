"""Sizes as a union-find: the dimensions of variables, indices and ``I``, and their unification.

Input: a matrix-IR tree's ``where`` declarations (and the tree, to find names used only as
exponents); then, from the shape walk (``shape_walk``), requests for the kind and cells of a
variable and for two dimensions to be one.
Output: ``Inference``: a ``DimCell`` per dimension, merged into classes; the kind and cells of each
variable; ``resolve_names`` names each class (a declared name or number, or a fresh ``n``, ``m``,
...). A unification that cannot hold is a ``ShapeError`` naming the sub-expression, the sizes and
where each came from (``size_words`` words sizes and shapes for these messages).
Invariants:
- Declared sizes are fixed and distinct: unifying ``m`` with ``n`` or ``3`` with ``4`` fails; a
  declared name meeting a number takes that number (``n = 3``). A missing axis unifies only
  with a size of 1.
- A class's representative is its cell with a fixed size if it has one, else its oldest cell;
  the representative's origin is the place a message names. Fresh names go to classes in the
  order their first cells were made.
- Undeclared names follow SPEC section 1: upper-case initial -> matrix, lower-case -> vector, a
  name in the exponent of a matrix power -> integer (``name_uses`` finds them).
"""

from __future__ import annotations

import itertools

from einderiv.errors import ShapeError, UnpairedSizes
from einderiv.frontend.compound_sizes import (
    align,
    compound_text,
    leaves,
    may_be_equal,
    not_product,
    reordered,
)
from einderiv.frontend.name_uses import NameUses, greek_scalar, name_uses, nodes
from einderiv.frontend.size_words import describe_size
from einderiv.ir import matrix_ir as M
from einderiv.ir.node import dim_factors, dim_product, is_compound

__all__ = ["DimCell", "Inference", "resolve_names"]


class DimCell:
    """A union-find cell for one dimension. ``value`` is set for declared (fixed) sizes."""

    __slots__ = ("factors", "order", "origin", "parent", "value")

    def __init__(self, value, origin: str, order: int, factors=None):
        self.parent = self
        self.value = value
        self.origin = origin
        self.order = order
        self.factors = factors  # (fast, slow) cells of a compound dimension (vec, kron)

    def root(self) -> DimCell:
        cell = self
        while cell.parent is not cell:
            cell.parent = cell.parent.parent
            cell = cell.parent
        return cell


_AUTO_NAMES = ("n", "m", "p", "q", "r", "s", "d", "e", "l", "h")


def _contains(compound: DimCell, cell: DimCell) -> bool:
    """Whether ``cell``'s class is a factor of ``compound``'s (at any depth)."""
    todo = [f.root() for f in compound.root().factors or ()]
    target = cell.root()
    while todo:
        f = todo.pop()
        if f is target:
            return True
        todo.extend(g.root() for g in f.factors or ())
    return False


def _numbers_equal(compound: DimCell, cell: DimCell) -> bool:
    """Whether ``cell``, a number and no compound, is the product of ``compound``'s leaves, all
    numbers: nothing to learn by making them one class, and ``cell`` stays one size, not made
    a pair, so that a declared 6 lined up with the rows 3*2 of one ``kron`` still meets 2*3
    elsewhere (``x' kron(A, B) + x' kron(C, D)``), and a 2 against 2*1 is not made its own
    factor (``delta[a,(b,c)]``, c over 1, a over b's 2)."""
    if compound.factors is None or cell.factors is not None or type(cell.value) is not int:
        return False
    product = 1
    for leaf in leaves(compound):
        if type(leaf.value) is not int:
            return False
        product *= leaf.value
    return product == cell.value


class Inference:
    """The union-find over all dimensions of one expression, and the variables' kinds."""

    def __init__(self, decls: tuple[M.Decl, ...], tree: M.MExpr, uses: NameUses | None = None):
        """``uses``: ``name_uses(tree)`` when the caller has it already (else it is walked)."""
        self.cells: list[DimCell] = []
        self.named: dict[str, DimCell] = {}
        self.vars: dict[str, tuple[str, list[DimCell]]] = {}
        self.index_dims: dict[str, DimCell] = {}
        if uses is None:
            uses = name_uses(tree, {d.name: d.kind for d in decls})
        self.names = uses.names  # the names the tree uses (not its indices)
        self.exponent_only = uses.exponent_only
        self.scalar_by_use = uses.scalar_by_use
        self.undeclared: set[str] = set()
        self.merge_open = False  # a number met by a compound with open sizes joins its class
        for decl in decls:
            self._declare(decl)

    def cell(self, value=None, origin: str = "") -> DimCell:
        made = DimCell(value, origin, len(self.cells))
        self.cells.append(made)
        return made

    def product(self, fast: DimCell, slow: DimCell, origin: str) -> DimCell:
        """A compound dimension: the pairs (i, j) of ``fast`` by ``slow``, i fastest."""
        made = DimCell(None, origin, len(self.cells), (fast, slow))
        self.cells.append(made)
        return made

    def _declare(self, decl: M.Decl) -> None:
        where = f"declared `{decl.name}: {decl.kind}"
        where += f"({', '.join(map(str, decl.dims))})`" if decl.dims else "`"
        wanted = {"scalar": 0, "integer": 0, "vector": 1, "matrix": 2, "symmetric": 2}.get(
            decl.kind, len(decl.dims)
        )
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

    def variable(self, name: str) -> tuple[str, list[DimCell]]:
        if name not in self.vars:
            self.undeclared.add(name)
            if name in self.exponent_only:
                self.vars[name] = ("integer", [])
            elif name in self.scalar_by_use or greek_scalar(name):
                self.vars[name] = ("scalar", [])
            elif name[0].isupper():
                origin = f"`{name}` (undeclared, so taken as a matrix)"
                self.vars[name] = ("matrix", [self.cell(None, origin), self.cell(None, origin)])
            else:
                origin = f"`{name}` (undeclared, so taken as a vector)"
                self.vars[name] = ("vector", [self.cell(None, origin)])
        return self.vars[name]

    def unify(self, a: DimCell | None, b: DimCell | None, context: M.MExpr, what) -> None:
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
        if self._sized(ra, rb) or self._sized(rb, ra):
            return  # 6 against 3*2, 2 against 2*1 or ?*?: the number stays one size
        if self._unit_factors(ra, rb, context, what) or self._unit_factors(rb, ra, context, what):
            return  # ?*n against n: ? = 1, and n stays n (never its own factor)
        if ra.factors is not None or rb.factors is not None:
            self._unify_compound(ra, rb, context, what)
            ra, rb = ra.root(), rb.root()
            if ra is rb:
                return
        keep, drop = (ra, rb) if ra.value is not None or rb.value is None else (rb, ra)
        if keep.value is None and drop.order < keep.order:
            keep, drop = drop, keep
        drop.parent = keep
        keep.factors = keep.factors or drop.factors

    def _sized(self, compound: DimCell, cell: DimCell) -> bool:
        """Whether ``cell``, a number and no compound, sizes ``compound``: its leaves, all
        numbers, multiply to it (``_numbers_equal``), or it has open leaves (``solve`` sizes
        them from the number it takes). Either way ``cell`` stays one size, never made a pair
        by the compounds it meets (in ``merge_open``, the first pass of an index text that
        ``solve`` cannot size, an open compound joins the number's class, as its names need)."""
        if _numbers_equal(compound, cell):
            return True
        if compound.factors is None or cell.factors is not None or type(cell.value) is not int:
            return False
        if self.merge_open or compound.value not in (None, cell.value):
            return False
        if not_product(cell.value, compound) or _contains(compound, cell):
            return False
        compound.value = cell.value
        return True

    def _unit_factors(self, compound: DimCell, cell: DimCell, context, what) -> bool:
        """Whether ``cell`` is a factor of ``compound`` (at any depth) whose other leaves are 1
        or open: then they are 1 (sizes are at least 1, so ``?*n = n`` has the one solution ?
        = 1: ``delta[e,(l,a)] delta[i,a,e]``), and the two stay apart (a class is never its
        own factor)."""
        if compound.factors is None or not _contains(compound, cell):
            return False
        rest = leaves(compound)
        for leaf in leaves(cell):
            rest.remove(leaf)  # (a factor's leaves are among the compound's)
        if any(leaf.factors is not None or leaf.value not in (1, None) for leaf in rest):
            return False
        for leaf in rest:
            self.unify(leaf, self.cell(1, cell.origin), context, what)
        return True

    def _unify_compound(self, ra: DimCell, rb: DimCell, context, what) -> None:
        """Compound sizes are equal by their leaves however nested (``compound_sizes.align``),
        else factor by factor (``kron(A, B) vec(X)`` makes X q-by-n for B p-by-q and A m-by-n),
        numbers too: pairs of 2 by 3 never meet pairs of 3 by 2 (a reshape, which index
        notation could not write back); a compound never equals a named size or one of its own
        factors (but ``?*n = n`` makes ? 1, ``_unit_factors``, before this is asked); a number
        is checked when the names are resolved."""
        for a, b in ((ra, rb), (rb, ra)):
            if a.factors is not None and b.factors is None and is_compound(b.value):
                self._spell(a, b, context, what)  # a required size "p*n": p and n factors
            if a.factors is not None and (_contains(a, b) or not_product(b.value, a)):
                _no_open_ones(a, b)  # kron(A, I) I_n: n*k = n where k = 1
                self._fail(a, b, context, what)
        if ra.factors is not None and rb.factors is not None:
            if align(self, ra, rb, context, what):  # the same leaves, however nested
                return
            sizes = f"{compound_text(ra)} and {compound_text(rb)}"
            ones = any(all(f.value == 1 for f in leaves(r)) for r in (ra, rb))  # 1*1 = d1*d1
            try:
                for x, y in zip(ra.factors, rb.factors):
                    if not ones:  # (all ones: every size 1 whatever the pairing)
                        _no_name_made_one(x, y, sizes)
                    self.unify(x, y, context, what)
            except ShapeError as error:  # vec(X)' vec(X'): as many entries, paired otherwise
                if not may_be_equal(ra, rb) or isinstance(error, UnpairedSizes):
                    raise
                hint = f"; {_COMPOUND}" if reordered(ra, rb) else ""
                sizes = f"{compound_text(ra)} and {compound_text(rb)}"
                raise UnpairedSizes(f"{error}{hint}; {_UNPAIRED.format(sizes=sizes)}") from None

    def _spell(self, a: DimCell, b: DimCell, context, what) -> None:
        """``b``, a size given as text (``"p*n"``: a required shape), made a compound like
        ``a``: its factors, innermost first, unified with ``a``'s leaves; ``b`` is left as it
        was when their numbers differ (the caller then fails)."""
        found = leaves(a)  # fastest first
        parts = dim_factors(b.value)
        if len(parts) != len(found):
            return
        for leaf, part in zip(found, parts):
            self.unify(leaf, self.named.get(part) or self.cell(part, b.origin), context, what)
        b.value, b.factors = None, a.root().factors

    def _fail(self, a, b, context: M.MExpr, what):
        what = what() if callable(what) else what
        places = [d.root().origin for d in (a, b) if d is not None and d.root().origin]
        said = [describe_size(a), describe_size(b)]
        paired = said[0] == said[1] and "?" not in said  # 2*1 against 2: equal as numbers
        if paired:
            said = [
                compound_text(d.root()) if d.root().factors else s for d, s in zip((a, b), said)
            ]
        sizes = f" ({said[0]} vs {said[1]})" if "?" not in said else ""
        if paired:
            sizes += "; " + _UNPAIRED.format(sizes=" and ".join(said))
        message = f"shapes do not fit in `{M.show(context)}`: {what}{sizes}"
        if places:
            message += "; sizes from " + " and ".join(dict.fromkeys(places))
        if type(context) is M.ElemPow:  # x .^ (2 N): a count N, a matrix by its case
            found = {e.name for e in nodes(context.exponent) if type(e) is M.Name}
            count = [n for n in found if n in self.undeclared and self.vars[n][0] == "matrix"]
            if found and len(count) == len(found):  # not in A y: a vector, whatever A is
                they = "it is a number" if len(count) == 1 else "they are numbers"
                message += (
                    f"; declare `{'; '.join(f'{n}: scalar' for n in sorted(count))}` if {they}"
                )
        raise ShapeError(message)


def _no_open_ones(compound: DimCell, cell: DimCell) -> None:
    """``UnpairedSizes`` where ``compound`` holds ``cell`` once and its other factors are
    open (an unsized I) or 1: equal when those are 1 (kron(A, I) I_n, A p-by-n, is A with
    I_1), which pairing factor by factor cannot say; a contradiction is no reading of it."""
    found, target = leaves(compound), cell.root()
    named = isinstance(target.value, str)  # I_n's n, another cell of the declared n
    others = [f for f in found if f is not target and not (named and f.value == target.value)]
    open_ = [f for f in others if f.value is None]  # (1*2 vs 2, all numbers: refused as is)
    if len(found) - len(others) == 1 and open_ and all(f.value in (None, 1) for f in others):
        sizes = f"{compound_text(compound.root())} and {describe_size(cell)}"
        raise UnpairedSizes(
            f"einderiv cannot pair the sizes {sizes}: they are equal only if the unsized I (or "
            "ones) in the first is of size 1; write it I_{1}, or the sizes in each factor"
        )
    rest = [f for f in found if f.value != 1]  # kron(I, u) for u of 1 against n: I is n
    if len(rest) == 1 and rest[0].value is None and rest[0] is not target and len(found) > 1:
        sizes = f"{compound_text(compound.root())} and {describe_size(cell)}"
        raise UnpairedSizes(
            f"einderiv cannot pair the sizes {sizes}: they are equal only if the unsized "
            "factor of the first is the second; write the sizes in each factor"
        )


def _no_name_made_one(x: DimCell, y: DimCell, sizes: str) -> None:
    """``UnpairedSizes`` where pairing two compounds factor by factor would make a named size
    1 (k*n against n*1: k = n and n = 1, where k = 1 keeps n; kron(A, I) commutation(1, n)
    of an A p-by-n read as p-by-1): a factor 1 pairs with any other's factors, so the pairing
    is no reading of the sizes, and a name is never made 1 by it."""
    values = {x.root().value, y.root().value}
    if 1 in values and any(isinstance(v, str) for v in values):
        name = next(v for v in values if isinstance(v, str))
        raise UnpairedSizes(
            f"einderiv cannot pair the sizes {sizes}: paired factor by factor they make the size "
            f"{name} 1, where a factor 1 may pair otherwise; write the sizes in each factor"
        )


_COMPOUND = (
    "a vec position is a (row, column) pair, so vec(X) and vec(X') do not line up: write "
    "commutation(m, n) vec(X) for vec(X') of an m-by-n X"
)


_UNPAIRED = (
    "the sizes {sizes} may have as many positions, paired in another order or nested "
    "otherwise; einderiv pairs the factors of Kronecker and vec sizes one by one and cannot "
    "pair these"
)


def resolve_names(inf: Inference) -> dict:
    """A name for every cell (its class's fixed size, or a fresh name), and None for None.
    A compound class is named by its factors (``"m*n"``, or a number when both are numbers)."""
    roots = [c.root() for c in inf.cells]
    taken = {r.value for r in roots if r.value is not None}
    taken.update(inf.vars)
    pool = None  # the fresh names, made only when a class has no fixed size
    names: dict = {None: None}
    for cell, root in zip(inf.cells, roots):
        name = names.get(root)
        if name is None and root.factors is None:
            name = root.value
            if name is None:
                if pool is None:
                    candidates = itertools.chain(_AUTO_NAMES, (f"n{i}" for i in itertools.count(1)))
                    pool = (n for n in candidates if n not in taken)
                name = next(pool)
            names[root] = name
        if name is not None:
            names[cell] = name
    for cell, root in zip(inf.cells, roots):
        if cell not in names:
            names[cell] = _compound_name(root, names)
    return names


def _compound_name(root: DimCell, names: dict):
    """``"m*n"`` for a compound class of m by n (a fixed number must equal the product)."""
    found = names.get(root)
    if found is None:
        fast, slow = (_compound_name(f.root(), names) for f in root.factors)
        found = dim_product(fast, slow)
        if isinstance(root.value, int) and isinstance(found, int) and root.value != found:
            raise ShapeError(
                f"shapes do not fit: a size {root.value} ({root.origin}) is the size of "
                f"pairs of {fast} by {slow}, which is {found}"
            )
        names[root] = found
    return found
