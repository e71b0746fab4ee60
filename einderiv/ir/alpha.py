"""Terms alike up to a renaming of their indices: a chain written twice in the text.

Input: index-IR terms. Output: ``Shapes``, a table giving each term ``Shape(id, order,
height)``: ``id`` an int shared by terms that are one another with their indices (free and
bound) renamed one-to-one, sizes kept; ``order`` the term's free indices in the order a walk
first meets them, so that the renaming maps one term's ``order`` onto the other's, position
by position; ``height`` the longest path from the term down to a leaf.
Invariants:
- Equal ids prove two terms alike: a node's key holds its own fields, its children's ids, how
  its own indices and its children's free ones are joined (each index numbered where first
  met, sizes listed in that order) and which of them it binds. Different ids prove nothing
  (``A + B`` and ``B + A`` differ: children are compared in their order).
- Linear in the size of the term as a graph: a node's key is its fields and one number per
  free index of each child; each node is keyed once per table.
- A node binding a pair or an integer (``MatPow``, ``Det``, ``LogDet``, ``SumOver``) is alike
  only to itself; so is a node whose numbering does not give its free indices (never met).
"""

from __future__ import annotations

from typing import NamedTuple

from einderiv.ir import index_ir as T


class Shape(NamedTuple):
    id: int
    order: tuple[T.Index, ...]  # the free indices, as first met
    height: int


def _parts(t: T.Term) -> tuple[object, tuple, tuple, tuple] | None:
    """``(label, children, own indices, bound indices)`` of ``t``; None: alike to itself only."""
    kind = type(t)
    if kind is T.Prod:
        return kind, t.factors, (), t.summed
    if kind is T.Var:
        return (kind, t.name), (), t.indices, ()
    if kind is T.Add:
        return kind, t.terms, (), ()
    if kind is T.Func:
        return (kind, t.name), (t.arg,), (), ()
    if kind is T.Pow:
        return kind, (t.base, t.exponent), (), ()
    if kind is T.RowFunc:
        return (kind, t.name), (t.base,), t.indices, (t.bound,)
    if kind is T.Delta:
        return kind, (), (t.a, t.b), ()
    if kind is T.Pair:
        return kind, (), (t.c, t.i, t.j), ()
    if kind is T.Ones:
        return kind, (), (t.index,), ()
    if kind is T.Zero:
        return kind, (), t.indices, ()
    if kind in (T.Num, T.Size, T.Affine):
        return (kind, t), (), (), ()
    return None


class Shapes:
    """Shapes of terms, each computed once (``self(t)``); ids are this table's own."""

    def __init__(self) -> None:
        self.known: dict[T.Term, Shape] = {}
        self.ids: dict[tuple, int] = {}

    def __call__(self, t: T.Term) -> Shape:
        found = self.known.get(t)
        if found is None:
            found = self.known[t] = self._made(t)
        return found

    def _made(self, t: T.Term) -> Shape:
        parts = _parts(t)
        if parts is None:
            return self._alone(t, max((self(c).height + 1 for c in T.children(t)), default=0))
        label, kids, own, bound = parts
        numbers: dict[T.Index, int] = {}
        wiring: list[int] = []
        ids: list[int] = []
        height = 0
        for kid in kids:
            shape = self(kid)
            ids.append(shape.id)
            height = max(height, shape.height + 1)
            for i in shape.order:
                wiring.append(numbers.setdefault(i, len(numbers)))
        for i in own:
            wiring.append(numbers.setdefault(i, len(numbers)))
        for i in bound:  # (a binder over an index no child has: numbered last)
            numbers.setdefault(i, len(numbers))
        tied = frozenset(numbers[i] for i in bound)
        order = tuple(i for i, n in numbers.items() if n not in tied)
        if frozenset(order) != T.free(t):
            return self._alone(t, height)
        sizes = tuple(i.dim for i in numbers)
        key = (label, tuple(ids), tuple(wiring), sizes, tuple(sorted(tied)))
        return Shape(self.ids.setdefault(key, len(self.ids)), order, height)

    def _alone(self, t: T.Term, height: int) -> Shape:
        """A shape only ``t`` has (it is a key of itself: terms are interned)."""
        order = tuple(sorted(T.free(t), key=lambda i: i.name))
        return Shape(self.ids.setdefault(("alone", t), len(self.ids)), order, height)
