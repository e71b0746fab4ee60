"""Reverse mode: the gradient of a scalar index term, its shared parts kept shared.

Input: a scalar term (no free indices) and ``Wrt`` (the variable and the indices of ``dX[i,j]``).
Output: ``Adjoints``: ``definitions`` (each a placeholder ``Var`` -- ``%a1[b]`` -- and the term it
stands for) and ``result``, whose free indices are ``wrt.indices``; substituted last to first,
the placeholders give the derivative that ``differentiate.derivative`` gives. Or ``None`` when
the term holds a node this pass does not follow (``MatPow``, ``Det``, ``SumOver``), the
variable is symmetric or used on a diagonal, the term is far larger as a tree than as a graph
(a subterm shared by several uses, ``norm2(u)`` holding u twice: this pass walks the tree, so
nested ones cost 2^depth), or no bound adjoint holds another and no two copies of a node
(below, alike) met (no chain of them: the forward derivative is then as short, and its like
terms merge): then the caller uses ``differentiate``.
Invariants:
- The term's binders are named apart (a term lowered from text: fresh names; a row function's
  bound, which one inside may shadow, is renamed to a fresh index before its base is entered),
  so an adjoint moved beside a product's factors is never captured by their binders.
- The adjoint of a node (``abar``: d f / d node, a term over the node's free indices) is passed
  down once per node; a node's adjoint is bound to a placeholder when two or more uses of the
  variable lie below it, so each adjoint is written once and the output is linear in the size
  of the term, where the chain rule written out is quadratic (an unrolled RNN: one product of
  2N factors per step).
- Nodes alike up to a renaming of their indices (``ir/alpha.py``: a chain written twice in the
  text, ``logsumexp(U h) - y' U h``, whose copies' indices lowering names apart) are one node
  here: the adjoints reaching each copy are renamed onto the first copy met and summed, and
  that sum is passed down once (one chain of adjoints, not one per copy). Nodes are taken from
  the highest down, so every adjoint of a node is in before it is passed on (a node's parents
  are higher than it).
- Each rule is its formula in a comment; a node's local derivative is the one
  ``differentiate`` uses (``FUNCTION_DERIVATIVES``), so the two passes agree by construction.
- Placeholder names start with ``%`` (a canonical-name prefix no user's name can have).
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from einderiv.calculus.differentiate import FUNCTION_DERIVATIVES, Wrt, _minus_one, row_adjoint
from einderiv.calculus.rewriting import exact_product, split_coefficient
from einderiv.errors import EinderivError
from einderiv.ir import index_ir as T
from einderiv.ir.alpha import Shapes
from einderiv.ir.canon import canonical, key
from einderiv.ir.index_ir import ONE, Term
from einderiv.ir.node import fast_init

PLACEHOLDER = "%a"  # the prefix of a placeholder's name: %a1, %a2, ...


@fast_init
@dataclass(frozen=True, slots=True)
class Definition:
    """``placeholder`` (a ``Var`` over the free indices of ``term``) stands for ``term``."""

    placeholder: T.Var
    term: Term


@fast_init
@dataclass(frozen=True, slots=True)
class Adjoints:
    """A derivative as definitions (in the order made: each uses only earlier placeholders)
    and a result written with them."""

    definitions: tuple[Definition, ...]
    result: Term


class _Unfollowed(Exception):
    """A node this pass has no rule for: the caller differentiates forward instead."""


def reverse(term: Term, wrt: Wrt) -> Adjoints | None:
    """``d term / d wrt.name[wrt.indices]`` for a scalar ``term``, its shared adjoints named;
    None when the pass does not apply (see the module's docstring)."""
    if T.free(term) or wrt.symmetric:
        return None
    walk = _Reverse(wrt)
    if walk.uses(term) < 2 or not walk.nested() or walk.clashes(term):
        return None  # (one use binds nothing; a chain needs two nested nodes holding two)
    if walk.tree_size(term) > 4 * len(walk.counts) + 100:
        return None  # shared subterms (norm2(u) holds u twice): the tree is far larger
    try:
        walk.run(term)
    except _Unfollowed:
        return None
    if not walk.chained:
        return None  # no adjoint holds another: the forward derivative is as short
    made = walk.ordered()
    if not made:  # every use below a flat function (sign, step): the forward pass says 0
        return None
    result = made[0] if len(made) == 1 else T.Add(tuple(made))
    return Adjoints(tuple(walk.definitions), result)


class _Reverse:
    def __init__(self, wrt: Wrt):
        self.wrt = wrt
        self.counts: dict[Term, int] = {}  # node -> uses of the variable below it
        self.definitions: list[Definition] = []
        self.contributions: list[Term] = []
        self.chained = False  # whether an adjoint bound holds one bound before, or copies met
        self.sizes: dict[Term, int] = {}  # node -> its size as a tree (``tree_size``)
        self.bound: dict[Term, T.Var] = {}  # adjoint -> its placeholder (one name a term)
        self.shapes = Shapes()  # nodes alike up to a renaming of their indices share an id
        self.waiting: dict[int, tuple[Term, tuple, list[Term]]] = {}  # id -> node, order, abars
        self.queue: list[tuple[int, int, int]] = []  # (-height, when met, id): highest first
        self.met = itertools.count()
        self.done: set[int] = set()
        self.below: dict[int | None, list[int]] = {None: []}  # id -> what it sent (``ordered``)
        self.current: int | None = None  # the id of the node being passed down (None: none)

    def uses(self, t: Term) -> int:
        found = self.counts.get(t)
        if found is None:
            if type(t) is T.Var:
                found = int(t.name == self.wrt.name)
            else:
                found = sum(self.uses(c) for c in T.children(t))
            self.counts[t] = found
        return found

    def tree_size(self, t: Term) -> int:
        """How many nodes ``t`` has as a tree (this pass walks a tree; a shared subterm is
        walked once per use, where ``differentiate``'s memo meets it once)."""
        found = self.sizes.get(t)
        if found is None:
            found = self.sizes[t] = 1 + sum(self.tree_size(c) for c in T.children(t))
        return found

    def nested(self) -> bool:
        """Whether two nodes besides the root (and the variable) hold two or more uses of it:
        a chain of bound adjoints needs them (a flat product, ``x' A x``, has none)."""
        holding = [t for t, n in self.counts.items() if n >= 2 and type(t) is not T.Var]
        return len(holding) > 2  # (the root is one of them)

    def clashes(self, t: Term) -> bool:
        """Whether an index of ``t`` is named as a wrt index (it would be captured)."""
        names = {i.name for i in self.wrt.indices}
        leaves = (node for node in T.nodes(t) if type(node) in T.LEAVES)
        return any(i.name in names for leaf in leaves for i in T.free(leaf))

    def bind(self, adjoint: Term, below: Term) -> Term:
        """``adjoint`` as a placeholder when two or more uses of the variable are ``below``
        and it is used more than once: the adjoint of a function or a power (``sqrt(s)`` in
        ``norm2(u)^2``) is used once, times its slope, and stays in that product, where like
        factors merge (``2 s^0.5 * 0.5 s^-0.5`` is 1; named apart, ``0.5 (2 t) / t``: 0/0 at
        ``u = 0``, where the derivative is 0)."""
        if self.uses(below) < 2 or type(adjoint) in (T.Num, T.Var, T.Ones):
            return adjoint
        if type(below) in (T.Func, T.Pow):
            return adjoint
        if adjoint in self.bound:  # the two factors of u' u: one adjoint, one name (2 t1')
            return self.bound[adjoint]
        indices = tuple(sorted(T.free(adjoint), key=lambda i: i.name))
        if len(indices) > 2:
            raise _Unfollowed  # an adjoint of order 3: no matrix form to name it by
        self.chained = self.chained or _holds_placeholder(adjoint)
        placeholder = T.Var(f"{PLACEHOLDER}{len(self.definitions) + 1}", indices)
        self.definitions.append(Definition(placeholder, adjoint))
        self.bound[adjoint] = placeholder
        return placeholder

    def run(self, term: Term) -> None:
        """Pass d f / d term = 1 down, node by node from the highest: each node's adjoints (one
        per copy of it) summed, bound, and passed to its children (``down``)."""
        self.send(term, ONE)
        while self.queue:
            ident = heapq.heappop(self.queue)[2]
            u, _, abars = self.waiting.pop(ident)
            self.done.add(ident)
            self.current, self.below[ident] = ident, []
            abar = abars[0] if len(abars) == 1 else T.Add(tuple(_spread(abars, T.free(u))))
            self.down(u, self.bind(abar, u))

    def send(self, u: Term, abar: Term) -> None:
        """``abar`` (d f / d u, over u's free indices) is one adjoint of ``u``: kept with those
        of the nodes alike to ``u`` (renamed onto the first met), to be summed."""
        if not self.uses(u):
            return
        if type(u) is T.Var:  # a use of the variable: its adjoint is part of the result
            self.below[self.current].append(~len(self.contributions))  # (~k: contribution k)
            self.contribute(u, abar)
            return
        ident, order, height = self.shapes(u)
        if ident in self.done:  # (never: a node is lower than every node that holds it)
            raise _Unfollowed
        found = self.waiting.get(ident)
        if found is None:
            self.waiting[ident] = (u, order, [abar])
            heapq.heappush(self.queue, (-height, next(self.met), ident))
            self.below[self.current].append(ident)
            return
        first, first_order, abars = found
        if u is not first:  # another copy: its indices named as the first's
            abar = T.rename(abar, dict(zip(order, first_order)))
            # (the forward pass differentiates each copy apart: reverse is shorter)
            self.chained = self.chained or self.uses(u) >= 2
        abars.append(abar)

    def down(self, u: Term, abar: Term) -> None:
        """Pass ``abar`` (d f / d u, over u's free indices) to the children of u that hold a use
        of the variable."""
        kind = type(u)
        if kind is T.Add:  # d f / d u_k = d f / d (u_1 + ... + u_n)
            for x, coeff in self.collected(u):
                self.send(x, abar if coeff is None else _times(abar, T.Num(coeff)))
        elif kind is T.Prod:
            self.product(u, abar)
        elif kind is T.Func:  # d f / d u = d f / d g(u) * g'(u), elementwise
            slope = FUNCTION_DERIVATIVES[u.name](u.arg)
            if slope is T.ZERO:  # sign, step: flat wherever differentiable
                return
            self.send(u.arg, _times(abar, slope))
        elif kind is T.RowFunc:  # d f / d u[a,c] = row_adjoint (differentiate: its formula)
            c = T.fresh(u.bound.dim)
            base = T.rename(u.base, {u.bound: c})  # the row's entry named apart, free
            self.send(base, row_adjoint(u, abar, c))
        elif kind is T.Pow and not self.uses(u.exponent):
            # d f / d u = d f / d u^p * p u^(p-1), elementwise (p free of the variable)
            slope = T.Prod((u.exponent, T.Pow(u.base, _minus_one(u.exponent))))
            self.send(u.base, _times(abar, slope))
        else:
            raise _Unfollowed

    # c_1 x + c_2 x (x the same up to summed names) -> (c_1 + c_2) x, none at all when 0
    def collected(self, u: T.Add) -> list[tuple[Term, Fraction | None]]:
        """The terms of ``u`` that use the variable, each as (itself, None), but like terms
        (``W t - W t``, text that cancels) as (their term, their summed number): walked apart,
        their adjoints would be named apart and never meet the simplifier. Terms are compared
        by canonical form only when their uses and sizes match (most sums have no such pair)."""
        terms = [x for x in u.terms if self.uses(x)]
        split = [_split(x) for x in terms]
        sizes = [(self.uses(rest), self.tree_size(rest)) for _, rest in split]
        counted = Counter(sizes)
        if len(counted) == len(sizes):
            return [(x, None) for x in terms]
        groups: dict = {}  # (uses, size, canonical key) -> [first term, its rest, number]
        for x, (coeff, rest), size in zip(terms, split, sizes):
            k = (size, key(canonical(rest))) if counted[size] > 1 else (size,)
            found = groups.get(k)
            if found is None:
                groups[k] = [x, rest, coeff]
            else:  # two or more: their rest, with their numbers summed
                found[0], found[2] = None, found[2] + coeff
        return [
            (x, None) if x is not None else (rest, None if coeff == 1 else coeff)
            for x, rest, coeff in groups.values()
            if x is not None or coeff != 0
        ]

    # d f / d u_k[F_k] = sum over (F_u + S) - F_k of d f / d u[F_u] * prod_{l != k} u_l
    # for u = sum_S prod_l u_l (an index of F_k in F_u stays free: elementwise)
    def product(self, u: T.Prod, abar: Term) -> None:
        outer = T.free(u) | set(u.summed)
        for k, factor in enumerate(u.factors):
            if not self.uses(factor):
                continue
            others = u.factors[:k] + u.factors[k + 1 :]
            if abar is not ONE:
                others = (abar, *others)
            summed = tuple(sorted(outer - T.free(factor), key=lambda i: i.name))
            if not others:
                adjoint = ONE if not summed else None
            elif len(others) == 1 and not summed:
                adjoint = others[0]
            else:
                adjoint = T.Prod(others, summed)
            if adjoint is None:  # sum_s 1 over indices the factor lacks: not met in lowering
                raise _Unfollowed
            self.send(factor, adjoint)

    def ordered(self) -> list[Term]:
        """The contributions in the order of their uses in the term, left to right (as a walk
        down the term meets them): each node's are where the first copy of it was met."""
        out, todo = [], [None]
        while todo:
            k = todo.pop()
            if k is not None and k < 0:
                out.append(self.contributions[~k])
            else:
                todo.extend(reversed(self.below.get(k, ())))
        return out

    # d f / d X[i,j] = sum_{a,b} d f / d X[a,b] delta[a,i] delta[b,j], over every use X[a,b]
    def contribute(self, use: T.Var, abar: Term) -> None:
        if len(use.indices) != len(self.wrt.indices):
            raise EinderivError(
                f"{use.name} is used with {len(use.indices)} indices, not {len(self.wrt.indices)}"
            )
        if len(set(use.indices)) != len(use.indices):
            raise _Unfollowed  # X[a,a]: a diagonal (the forward pass writes its deltas)
        if not use.indices:
            self.contributions.append(abar)
            return
        deltas = tuple(T.Delta(a, i) for a, i in zip(use.indices, self.wrt.indices))
        factors = deltas if abar is ONE else (abar, *deltas)
        self.contributions.append(T.Prod(factors, use.indices))


def _split(t: Term) -> tuple[Fraction, Term]:
    """``split_coefficient`` of ``t`` with the numbers of its nested products too: text's ``2 W
    t`` is lowered as ``(2 W) t``, ``-(3 W t)`` as ``-1 ((3 W) t)``, so ``2 W t - 3 W t`` has
    like terms whose numbers sit apart from their ``W t`` -> (2, W t), (-3, W t)."""
    if type(t) is not T.Prod or not any(type(f) is T.Prod for f in t.factors):
        return split_coefficient(t)
    numbers, rest = [], []
    for f in t.factors:
        coeff, inner = _split(f) if type(f) is T.Prod else split_coefficient(f)
        numbers.append(coeff)
        if inner != ONE:
            rest.append(inner)
    coeff = exact_product(numbers)
    if coeff is None or not rest:  # (past EXACT_BITS, or a number: as split_coefficient)
        return split_coefficient(t)
    if len(rest) == 1 and not t.summed:
        return coeff, rest[0]
    return coeff, T.Prod(tuple(rest), t.summed)


def _times(abar: Term, slope: Term) -> Term:
    """``abar * slope``, elementwise (one set of free indices)."""
    return slope if abar is ONE else T.Prod((abar, slope))


def _spread(abars: list[Term], over: frozenset) -> list[Term]:
    """Terms of one sum over ``over``: an adjoint that lacks an index of it (1, passed to a
    factor ``x[i]`` of ``sum_i x[i]``: the same for every i) times ``ones`` over that index."""
    out = []
    for abar in abars:
        missing = sorted(over - T.free(abar), key=lambda i: i.name)
        out.append(T.Prod((abar, *map(T.Ones, missing))) if missing else abar)
    return out


def _holds_placeholder(t: Term) -> bool:
    """Whether ``t`` is, or is a product or sum (of them) holding, a placeholder."""
    if type(t) is T.Var:
        return t.name.startswith(PLACEHOLDER)
    if type(t) is T.Add:
        return any(map(_holds_placeholder, t.terms))
    return type(t) is T.Prod and any(map(_holds_placeholder, t.factors))
