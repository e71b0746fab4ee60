"""Index-level IR: the node classes (``index_nodes``, re-exported here) and the structural
helpers every later pass uses.

Input: index-IR terms (``lower`` builds them from matrix IR).
Output: everything of ``index_nodes`` (``Index``, ``Prod``, ``ZERO``, ``Affine``, ...), and
``free`` (free indices), ``int_names``, ``children``, ``mentions``, ``fresh`` index names,
capture-avoiding ``rename``, ``subst_int`` for symbolic integers, ``num``, ``ONE``,
``MINUS_ONE``.
Invariants: the helpers never mutate a node (nodes are frozen); ``rename`` and ``subst_int`` are
capture-avoiding; fresh names start with ``_`` and cannot clash with a user's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction

from einderiv.ir.index_nodes import (  # the node classes; `index_ir.X` keeps working
    LEAVES,
    NODE_TYPES,
    ZERO,
    Add,
    Affine,
    Delta,
    Det,
    Func,
    Index,
    LogDet,
    MatPow,
    Num,
    Ones,
    Pair,
    Pow,
    Prod,
    RowFunc,
    Size,
    SumOver,
    Term,
    Var,
    Zero,
    affine,
    affine_add,
    affine_scale,
    row_bound,
)
from einderiv.ir.node import Dim

__all__ = [  # the node classes (re-exported from index_nodes) and the helpers below
    "LEAVES",
    "MINUS_ONE",
    "NODE_TYPES",
    "ONE",
    "ZERO",
    "Add",
    "Affine",
    "Delta",
    "Det",
    "Func",
    "Index",
    "LogDet",
    "MatPow",
    "Num",
    "Ones",
    "Pair",
    "Pow",
    "Prod",
    "RowFunc",
    "Size",
    "SumOver",
    "Term",
    "Var",
    "Zero",
    "affine",
    "affine_add",
    "affine_scale",
    "bound_pair",
    "children",
    "compound_bases",
    "free",
    "fresh",
    "fresh_int",
    "int_names",
    "mentions",
    "nodes",
    "num",
    "rename",
    "row_bound",
    "subst_int",
    "with_children",
]


# ---------------------------------------------------------------------------------------------
# Free indices


def free(t: Term) -> frozenset[Index]:
    """The free indices of ``t`` (cached on the node; None until then: no exception raised)."""
    found = t._free
    if found is None:
        found = _FREE.get(type(t), _no_free)(t)
        _set_free(t, found)  # (the slot's own setter: the node is frozen to everyone else)
    return found


_set_free = Term._free.__set__  # type: ignore[attr-defined]


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
    """Integer symbols (``k``, summation variables) that ``t`` depends on (cached on the node,
    so a term shared along many paths is looked at once)."""
    found = getattr(t, "_ints", None)
    if found is None:
        found = _int_names(t)
        if isinstance(t, Term):
            object.__setattr__(t, "_ints", found)
    return found


def _int_names(t: Term) -> frozenset[str]:
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


def nodes(t: Term) -> Iterator[Term]:
    """Every node of ``t``, each once: a shared subterm is met once (a graph is walked as the
    graph, not as the tree it stands for), parents before their children."""
    todo, seen = [t], set()
    while todo:
        u = todo.pop()
        if id(u) not in seen:
            seen.add(id(u))
            yield u
            todo.extend(children(u))


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


def with_children(t: Term, kids: list[Term]) -> Term:
    """``t`` with its children replaced (same order as ``index_ir.children``)."""
    if not kids or all(a is b for a, b in zip(kids, children(t))):
        return t
    match t:
        case Add():
            return Add(tuple(kids))
        case Prod():
            return t.replace(factors=tuple(kids))
        case Func():
            return t.replace(arg=kids[0])
        case Pow():
            return Pow(kids[0], kids[1])
        case MatPow() | Det() | LogDet() | RowFunc():
            return t.replace(base=kids[0])
        case SumOver():
            return t.replace(body=kids[0])
    return t


def compound_bases(t: Term) -> list[Term]:
    """Every ``MatPow``, ``Det`` and ``LogDet`` node of ``t`` whose base is not a variable
    (``(X' X)^-1``, ``det(A B)``), each shared node once, in the order first met."""
    found: list[Term] = []
    seen: set[int] = set()

    def walk(u: Term) -> None:
        if id(u) in seen:
            return
        seen.add(id(u))
        if type(u) in (MatPow, Det, LogDet) and type(u.base) is not Var:
            found.append(u)
        for c in children(u):
            walk(c)

    walk(t)
    return found


def mentions(t: Term, var: str) -> bool:
    """Whether variable ``var`` occurs in ``t``."""
    match t:
        case Var(name=name):
            return name == var
    return any(mentions(c, var) for c in children(t))


# ---------------------------------------------------------------------------------------------
# Fresh names and capture-avoiding renaming
_counter = itertools.count()
_WIDTH = 9  # _n000000012: names compare as text (keys, printers), and _9 sorts after _10


def fresh(dim: Dim, hint: str = "") -> Index:
    """A new index over ``dim`` whose name cannot clash with any other; padded, names made later
    sort later (a derivative printed otherwise after the counter crossed a power of ten)."""
    return Index(f"_{hint}{next(_counter):0{_WIDTH}d}", dim)


def fresh_int(hint: str = "r") -> str:
    return f"_{hint}{next(_counter):0{_WIDTH}d}"


def bound_pair(dim: Dim) -> tuple[Index, Index]:
    """The canonical bound indices of a ``MatPow`` / ``Det`` / ``LogDet`` base."""
    return Index("%p", dim), Index("%q", dim)


def rename(t: Term, mapping: dict[Index, Index]) -> Term:
    """Rename free indices of ``t`` by ``mapping``, renaming binders that would capture.

    The live part of ``mapping`` is found by walking the smaller of ``mapping`` and the free
    indices of ``t``: renaming a factor costs time proportional to the factor. A subterm
    shared along several paths is renamed once (what it becomes depends only on it and on
    ``mapping``; a binder's base, renamed by a mapping without the bound indices, is a walk of
    its own)."""
    live = {k: v for k, v in mapping.items() if k != v}
    return _rename(t, live, {}) if live else t


def _rename(t: Term, mapping: dict[Index, Index], memo: dict) -> Term:
    """``t`` renamed by ``mapping`` (no entry maps an index to itself)."""
    indices = free(t)
    if indices.issuperset(mapping):  # every entry is live (often one entry: one index named)
        live = mapping
    elif len(mapping) > len(indices):
        get = mapping.get
        live = {k: v for k in indices if (v := get(k)) is not None}
    else:
        live = {k: v for k, v in mapping.items() if k in indices}
    if not live:
        return t
    found = memo.get(t)
    if found is None:
        found = memo[t] = _renamed(t, live, memo)
    return found


def _renamed(t: Term, live: dict[Index, Index], memo: dict) -> Term:
    match t:  # products and sums first: the nodes met most often on the way to the indices
        case Prod(factors=factors, summed=summed):
            summed, factors = _avoid_capture(summed, factors, live)
            return Prod(tuple([_rename(f, live, memo) for f in factors]), summed)
        case Add(terms=terms):
            return Add(tuple([_rename(x, live, memo) for x in terms]))
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
        case Func(arg=arg):
            return t.replace(arg=_rename(arg, live, memo))
        case Pow(base=base, exponent=exponent):
            return Pow(_rename(base, live, memo), _rename(exponent, live, memo))
        case MatPow(base=base, bound=bound, indices=indices):
            inner = {k: v for k, v in live.items() if k not in bound}
            return t.replace(
                base=rename(base, inner), indices=tuple(live.get(i, i) for i in indices)
            )
        case Det(base=base, bound=bound) | LogDet(base=base, bound=bound):
            inner = {k: v for k, v in live.items() if k not in bound}
            return t.replace(base=rename(base, inner))
        case RowFunc(base=base, bound=bound, indices=indices):
            # the bound is renamed with the row, to the first name the renamed row leaves
            # (never captured; and the name depends only on the row, so equal functions
            # stay equal nodes): softmax(B[%s,%s1]) with %s -> c is softmax(B[c,%s])
            row = free(base)
            inner = {k: v for k, v in live.items() if k != bound and k in row}
            others = {inner.get(i, i) for i in row if i != bound}
            new = row_bound(bound.dim, others)
            if new != bound:
                inner[bound] = new
            return t.replace(
                base=rename(base, inner),
                bound=new,
                indices=tuple(live.get(i, i) for i in indices),
            )
        case SumOver(body=body):
            return t.replace(body=_rename(body, live, memo))
    raise TypeError(f"cannot rename in {type(t).__name__}")


def _avoid_capture(summed, factors, mapping):
    """Rename summed indices that are targets of ``mapping`` (or renamed) so nothing is captured."""
    if len(mapping) == 1 and len(summed) == 1:  # the common case, without building a set
        (source, target), s = next(iter(mapping.items())), summed[0]
        if s is not source and s is not target:
            return summed, factors
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
