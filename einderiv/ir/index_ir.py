"""Index-level IR: indexed sums, the form in which the lecture notes derive things.

Input: nothing (``lower`` builds these nodes from matrix IR).
Output: the node classes, ``ZERO``, the integer ``Affine`` forms used for symbolic exponents, and
the structural helpers every later pass uses: ``free`` (free indices), capture-avoiding
``rename``, ``fresh`` index names, ``subst_int`` for symbolic integers.
Invariants:
- An index is named, never positional: ``Index(name, dim)``.
- ``Prod`` sums explicitly over ``summed``; an index shared by factors but not summed is an
  elementwise (Hadamard / diagonal) product. Every term of an ``Add`` has the same free indices.
- ``MatPow``, ``Det`` and ``LogDet`` bind two indices ``bound`` of their ``base``; binders may
  shadow outer names, and every operation that moves a term under a binder is capture-avoiding.
- ``RowFunc`` binds one index of its ``base`` (the entries of a row), always named ``%s``
  (``row_bound``), so equal row functions are equal nodes; its base may have one more free
  index (the row of a matrix), never named ``%s``.
- Fresh names start with ``_`` and canonical names with ``%``: neither can clash with a user's.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

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

    __slots__ = ("_free",)


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
        if len(set(self.summed)) != len(self.summed):
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


def row_bound(dim: Dim) -> Index:
    """The bound index of every ``RowFunc`` over ``dim``."""
    return Index("%s", dim)


@node
class SumOver(Term):
    """``sum_{var=0}^{count-1} body``, a finite sum over an integer; for ``count < 0`` it runs
    backwards: ``-sum_{var=count}^{-1} body`` (so ``sum_{r<n} 1 = n`` for every integer n)."""

    var: str
    count: Affine
    body: Term


LEAVES = (Zero, Num, Affine, Var, Delta, Pair, Ones, Size)
NODE_TYPES = LEAVES + (Add, Prod, Func, Pow, MatPow, Det, LogDet, RowFunc, SumOver)


# ---------------------------------------------------------------------------------------------
# Free indices


def free(t: Term) -> frozenset[Index]:
    """The free indices of ``t`` (cached on the node)."""
    found = getattr(t, "_free", None)  # no exception raised and caught: a hot path
    if found is None:
        found = _FREE.get(type(t), _no_free)(t)
        object.__setattr__(t, "_free", found)
    return found


def _no_free(t: Term) -> frozenset[Index]:
    return frozenset()


def _free_prod(t: Prod) -> frozenset[Index]:
    factors = t.factors
    found = free(factors[0]).union(*[free(f) for f in factors[1:]]) if factors else frozenset()
    return found.difference(t.summed) if t.summed else found


def _free_bound(t) -> frozenset[Index]:
    return free(t.base).difference(t.bound)


_FREE = {  # free indices by node type (a dict, not a match: ``free`` is called very often)
    Var: lambda t: frozenset(t.indices),
    Zero: lambda t: frozenset(t.indices),
    Delta: lambda t: frozenset((t.a, t.b)),
    Pair: lambda t: frozenset((t.c, t.i, t.j)),
    Ones: lambda t: frozenset((t.index,)),
    Add: lambda t: free(t.terms[0]),
    Prod: _free_prod,
    Func: lambda t: free(t.arg),
    Pow: lambda t: free(t.base) | free(t.exponent),
    MatPow: lambda t: _free_bound(t).union(t.indices),
    Det: _free_bound,
    LogDet: _free_bound,
    RowFunc: lambda t: free(t.base).difference((t.bound,)).union(t.indices),
    SumOver: lambda t: free(t.body),
}


def int_names(t: Term) -> frozenset[str]:
    """Integer symbols (``k``, summation variables) that ``t`` depends on."""
    match t:
        case Affine(names=names):
            return frozenset(names)
        case MatPow(base=base, exponent=exponent):
            return int_names(base) | frozenset(exponent.names)
        case SumOver(var=var, count=count, body=body):
            return (int_names(body) - {var}) | frozenset(count.names)
    return frozenset().union(*(int_names(c) for c in children(t)))


def children(t: Term) -> tuple[Term, ...]:
    return _CHILDREN.get(type(t), _no_children)(t)


def _no_children(t: Term) -> tuple[Term, ...]:
    return ()


_CHILDREN = {  # sub-terms by node type (a dict, not a match: a hot path of every pass)
    Add: lambda t: t.terms,
    Prod: lambda t: t.factors,
    Func: lambda t: (t.arg,),
    Pow: lambda t: (t.base, t.exponent),
    MatPow: lambda t: (t.base,),
    Det: lambda t: (t.base,),
    LogDet: lambda t: (t.base,),
    RowFunc: lambda t: (t.base,),
    SumOver: lambda t: (t.body,),
}


def mentions(t: Term, var: str) -> bool:
    """Whether variable ``var`` occurs in ``t``."""
    match t:
        case Var(name=name):
            return name == var
    return any(mentions(c, var) for c in children(t))


# ---------------------------------------------------------------------------------------------
# Fresh names and capture-avoiding renaming

_counter = itertools.count()


def fresh(dim: Dim, hint: str = "") -> Index:
    """A new index over ``dim`` whose name cannot clash with any other."""
    return Index(f"_{hint}{next(_counter)}", dim)


def fresh_int(hint: str = "r") -> str:
    return f"_{hint}{next(_counter)}"


def bound_pair(dim: Dim) -> tuple[Index, Index]:
    """The canonical bound indices of a ``MatPow`` / ``Det`` / ``LogDet`` base."""
    return Index("%p", dim), Index("%q", dim)


def rename(t: Term, mapping: dict[Index, Index]) -> Term:
    """Rename free indices of ``t`` by ``mapping``, renaming binders that would capture.

    The live part of ``mapping`` is found by walking the smaller of ``mapping`` and the free
    indices of ``t``: renaming a factor costs time proportional to the factor."""
    indices = free(t)
    if len(mapping) > len(indices):
        get = mapping.get
        live = {k: v for k in indices if (v := get(k, k)) != k}
    else:
        live = {k: v for k, v in mapping.items() if k != v and k in indices}
    if not live:
        return t
    match t:
        case Var(name=name, indices=indices):
            return Var(name, tuple([live.get(i, i) for i in indices]))
        case Zero(indices=indices):
            return Zero(tuple([live.get(i, i) for i in indices]))
        case Delta(a=a, b=b):
            return Delta(live.get(a, a), live.get(b, b))
        case Pair(c=c, i=i, j=j):
            return Pair(live.get(c, c), live.get(i, i), live.get(j, j))
        case Ones(index=index):
            return Ones(live[index])
        case Add(terms=terms):
            return Add(tuple(rename(x, live) for x in terms))
        case Prod(factors=factors, summed=summed):
            summed, factors = _avoid_capture(summed, factors, live)
            return Prod(tuple(rename(f, live) for f in factors), summed)
        case Func(arg=arg):
            return t.replace(arg=rename(arg, live))
        case Pow(base=base, exponent=exponent):
            return Pow(rename(base, live), rename(exponent, live))
        case MatPow(base=base, bound=bound, indices=indices):
            inner = {k: v for k, v in live.items() if k not in bound}
            return t.replace(
                base=rename(base, inner), indices=tuple(live.get(i, i) for i in indices)
            )
        case Det(base=base, bound=bound) | LogDet(base=base, bound=bound):
            inner = {k: v for k, v in live.items() if k not in bound}
            return t.replace(base=rename(base, inner))
        case RowFunc(base=base, bound=bound, indices=indices):
            row = free(base)
            inner = {k: v for k, v in live.items() if k != bound and k in row}
            if bound in inner.values():  # a row index renamed to %s: never made by the stages
                raise ValueError(f"renaming an index to the bound {bound} of a row function")
            return t.replace(
                base=rename(base, inner), indices=tuple(live.get(i, i) for i in indices)
            )
        case SumOver(body=body):
            return t.replace(body=rename(body, live))
    raise TypeError(f"cannot rename in {type(t).__name__}")


def _avoid_capture(summed, factors, mapping):
    """Rename summed indices that are targets of ``mapping`` (or renamed) so nothing is captured."""
    targets = set(mapping.values())
    clash = {s: fresh(s.dim) for s in summed if s in targets or s in mapping}
    if not clash:
        return summed, factors
    return (
        tuple(clash.get(s, s) for s in summed),
        tuple(rename(f, clash) for f in factors),
    )


def subst_int(t: Term, name: str, value: Affine) -> Term:
    """Substitute the integer symbol ``name`` by ``value`` in every exponent and count."""
    if name not in int_names(t):
        return t
    match t:
        case Affine():
            return _subst_affine(t, name, value)
        case MatPow(base=base, exponent=exponent):
            return t.replace(
                base=subst_int(base, name, value), exponent=_subst_affine(exponent, name, value)
            )
        case SumOver(var=var, count=count, body=body):
            body = body if var == name else subst_int(body, name, value)
            return t.replace(count=_subst_affine(count, name, value), body=body)
        case Add(terms=terms):
            return Add(tuple(subst_int(x, name, value) for x in terms))
        case Prod(factors=factors, summed=summed):
            return Prod(tuple(subst_int(f, name, value) for f in factors), summed)
        case Func(arg=arg):
            return t.replace(arg=subst_int(arg, name, value))
        case Pow(base=base, exponent=exponent):
            return Pow(subst_int(base, name, value), subst_int(exponent, name, value))
        case Det(base=base) | LogDet(base=base) | RowFunc(base=base):
            return t.replace(base=subst_int(base, name, value))
    return t


def _subst_affine(a: Affine, name: str, value: Affine) -> Affine:
    coeff = a.terms().get(name, 0)
    if not coeff:
        return a
    rest = affine(a.const, {n: c for n, c in a.terms().items() if n != name})
    return affine_add(rest, value, coeff)


def num(value) -> Num:
    return Num(Fraction(value))


ONE = Num(Fraction(1))
MINUS_ONE = Num(Fraction(-1))
