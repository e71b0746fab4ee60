"""The index IR's node classes: indexed sums, the form in which the lecture notes derive things.

Input: nothing (``lower`` builds these nodes from matrix IR).
Output: the frozen, interned node classes (``Index``, the ``Term`` subclasses), ``ZERO``, the
integer ``Affine`` forms used for symbolic exponents (``affine``, ``affine_add``,
``affine_scale``), ``row_bound`` and ``LEAVES``/``NODE_TYPES``. The walks over them (``free``,
``rename``, ...) are in ``index_ir``, which re-exports everything here: import from there.
Invariants:
- An index is named, never positional: ``Index(name, dim)``.
- ``Prod`` sums explicitly over ``summed``; an index shared by factors but not summed is an
  elementwise (Hadamard / diagonal) product. Every term of an ``Add`` has the same free indices.
- ``MatPow``, ``Det`` and ``LogDet`` bind two indices ``bound`` of their ``base``; binders may
  shadow outer names, and every operation that moves a term under a binder is capture-avoiding.
- ``RowFunc`` binds one index of its ``base`` (the entries of a row), named ``%s``
  (``row_bound``), so equal row functions are equal nodes; its base may have one more free
  index (the row of a matrix), never named as its bound: inside a row function over the same
  size the bound is ``%s1`` (``%s2`` ...), and an inner one may shadow an outer binder.
- Fresh names start with ``_`` and canonical names with ``%``: neither can clash with a user's.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

from einderiv.ir import node as _node
from einderiv.ir.node import Dim, Interned, dim_product, node


@node
class Index(Interned):
    """A named index ranging over a dimension."""

    name: str
    dim: Dim

    def __str__(self) -> str:
        return self.name


class Term(Interned):
    """An index-level expression. Its value is a tensor over its free indices. Interned."""

    __slots__ = ("_free", "_ints")  # caches of index_ir.free and index_ir.int_names
    _unset = __slots__  # (None until computed: reading them raises no AttributeError)


@node
class Zero(Term):
    """Zero over ``indices``. ``ZERO`` (no indices) is what a rule returns for a term independent
    of the variable; it is absorbing, so such terms never reach the simplifier."""

    indices: tuple[Index, ...] = ()


ZERO = Zero()


@node
class Num(Term):
    """An exact scalar constant."""

    value: Fraction

    def __post_init__(self):
        if not isinstance(self.value, Fraction):
            raise TypeError("Num.value must be a Fraction")


@node
class Affine(Term):
    """An integer-valued affine form ``const + sum(coeff * name)`` over integer symbols
    (``k - 1``)."""

    const: int = 0
    names: tuple[str, ...] = ()
    coeffs: tuple[int, ...] = ()

    def __post_init__(self):
        if len(self.names) != len(self.coeffs) or list(self.names) != sorted(set(self.names)):
            raise ValueError("Affine names must be sorted, unique and match coeffs")
        if any(c == 0 for c in self.coeffs):
            raise ValueError("Affine coefficients must be non-zero")

    @property
    def is_literal(self) -> bool:
        return not self.names

    def terms(self) -> dict[str, int]:
        return dict(zip(self.names, self.coeffs))


def affine(const: int = 0, terms: dict[str, int] | None = None) -> Affine:
    """Build an ``Affine`` in normal form (sorted names, zero coefficients dropped)."""
    items = sorted((n, c) for n, c in (terms or {}).items() if c)
    return Affine(int(const), tuple(n for n, _ in items), tuple(c for _, c in items))


def affine_add(a: Affine, b: Affine, scale_b: int = 1) -> Affine:
    """``a + scale_b * b``."""
    terms = a.terms()
    for name, coeff in b.terms().items():
        terms[name] = terms.get(name, 0) + scale_b * coeff
    return affine(a.const + scale_b * b.const, terms)


def affine_scale(a: Affine, factor: int) -> Affine:
    return affine(a.const * factor, {n: c * factor for n, c in a.terms().items()})


@node
class Var(Term):
    """An entry of a variable: ``X[a,b]``, ``x[a]``, a scalar ``s``. Repeated indices: diagonal."""

    name: str
    indices: tuple[Index, ...] = ()


@node
class Delta(Term):
    """The Kronecker delta ``delta[a,b]``."""

    a: Index
    b: Index

    def __post_init__(self):
        if self.a.dim != self.b.dim:
            raise ValueError(f"delta over different dimensions {self.a.dim} and {self.b.dim}")


@node
class Pair(Term):
    """``delta[c,(i,j)]``: 1 where the compound index ``c`` is the pair ``(i, j)``, i.e.
    ``c = i + dim(i) j`` (column-major, as ``vec`` stacks columns; ``numpy.kron(A, B)`` has row
    ``(b, a)`` for ``b`` a row of B). ``c`` ranges over ``dim_product(i.dim, j.dim)``.
    ``vec(X)[c] = sum_{i,j} delta[c,(i,j)] X[i,j]``; a constant, like ``Delta``."""

    c: Index
    i: Index
    j: Index

    def __post_init__(self):
        if self.c.dim != dim_product(self.i.dim, self.j.dim):
            raise ValueError(f"compound index over {self.c.dim}, not {self.i.dim} by {self.j.dim}")


@node
class Ones(Term):
    """1 for every value of ``index``: broadcasting a scalar, or the ``ones`` vector."""

    index: Index


@node
class Size(Term):
    """The size of a dimension as a scalar (``tr(I) = n``)."""

    dim: Dim


@node
class Add(Term):
    """A sum of terms with equal free indices."""

    terms: tuple[Term, ...]

    def __post_init__(self):
        if not self.terms:
            raise ValueError("empty Add")


@node
class Prod(Term):
    """``sum over summed of (product of factors)``."""

    factors: tuple[Term, ...]
    summed: tuple[Index, ...] = ()

    def __post_init__(self):
        summed = self.summed  # (none or one: nothing to build a set of)
        if len(summed) > 1 and len(set(summed)) != len(summed):
            raise ValueError("an index is summed twice in one product")


@node
class Func(Term):
    """An elementwise function of ``arg``: exp, log, sin, cos, tanh, sqrt, sigmoid, softplus."""

    name: str
    arg: Term


@node
class Pow(Term):
    """Elementwise real power ``base ^ exponent`` (exponent broadcast over base's indices)."""

    base: Term
    exponent: Term


@node
class MatPow(Term):
    """``(B ^ exponent)[indices]`` for a square ``base`` B over the bound pair; -1 is inverse."""

    base: Term
    bound: tuple[Index, Index]
    exponent: Affine
    indices: tuple[Index, Index]


@node
class Det(Term):
    """``det(B)`` for a square ``base`` over the bound pair."""

    base: Term
    bound: tuple[Index, Index]


@node
class LogDet(Term):
    """``log(det(B))`` for a square ``base`` over the bound pair."""

    base: Term
    bound: tuple[Index, Index]


@node
class RowFunc(Term):
    """A vector function of ``base`` along its ``bound`` index, for each value of the other free
    indices (each row of a matrix): a scalar per row (``indices == ()``: logsumexp) or a vector
    over ``indices == (i,)`` (softmax, log_softmax: entry i of f(row)). Named in ``ops.ROW``."""

    name: str
    base: Term
    bound: Index
    indices: tuple[Index, ...] = ()


def row_bound(dim: Dim, taken=()) -> Index:
    """The bound index of a ``RowFunc`` over ``dim``: ``%s``, or when the row of its base is
    an index of that name (the bound of a row function around it over the same size:
    ``logsumexp(logsumexp(B))``), the first of ``%s1``, ``%s2``, ... not in ``taken``."""
    made, k = Index("%s", dim), 0
    while made in taken:
        k += 1
        made = Index(f"%s{k}", dim)
    return made


@node
class SumOver(Term):
    """``sum_{var=0}^{count-1} body``, a finite sum over an integer; for ``count < 0`` it runs
    backwards: ``-sum_{var=count}^{-1} body`` (so ``sum_{r<n} 1 = n`` for every integer n)."""

    var: str
    count: Affine
    body: Term


LEAVES = (Zero, Num, Affine, Var, Delta, Pair, Ones, Size)
NODE_TYPES = LEAVES + (Add, Prod, Func, Pow, MatPow, Det, LogDet, RowFunc, SumOver)


_FRESH = re.compile(r"_[a-z]*(\d+)")


def _seen(values: tuple) -> None:
    """Generated names (``_12``, ``_r13``: ``index_ir.fresh``) of a node unpickled from another
    process: that counter moves past them, so names made here never meet them (a clash made an
    index summed twice in one product, or a wrong derivative)."""
    from einderiv.ir import index_ir  # the counter's module, which imports this one

    top = -1
    for value in values:
        for name in value if type(value) is tuple else (value,):
            found = _FRESH.fullmatch(name) if type(name) is str else None
            if found:
                top = max(top, int(found.group(1)))
    if top >= 0:
        index_ir._counter = itertools.count(max(next(index_ir._counter), top + 1))


_node.REBUILT.append(_seen)
