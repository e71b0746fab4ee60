"""Equality by exact arithmetic at enough points: every size round, and as many values of each
integer symbol and of each size as the terms' degree in it needs.

Input: the claim's and the derivative's index terms, the order of their axes, the expression's
variables in use, the size rounds (``probes.size_rounds``), whether a term is opaque (holds
functions that are unknowns).
Output: ``exactly_equal`` -> ``(verdict, where)``: True (equal at every point: a proof), False
(a difference, rational terms only; ``where`` is a ``Where``: the sizes and the integer
symbols' values of that point), None (no decision).
Invariants:
- a polynomial of degree D in k that vanishes at D + 1 values of k is zero: so an integer symbol
  takes at least ``degree + 2`` distinct values, its degree (``degrees.integer_degree``, a true
  upper bound) summed over both terms;
- a size takes ``degree + 2`` distinct values likewise (``degrees.size_degree``: its ``Size``
  nodes and the sums over it that no delta or pair ties to another index), the other sizes
  held at the first round's; with q > 2 free coordinates over it (axes ``i, j, k`` of n, or
  ``(i,j)`` of n*n: two), ``degree + q``: an entry whose q coordinates differ exists only at
  sizes >= q, and needs ``degree + 1`` of them (``x[i] delta[j,k] + (n-3)(n-4)(n-5) [i, j, k
  distinct]`` is 0 at n = 1..5, 6 at n = 6);
- an integer in an exponent (``(-1)^k``, ``X^k``) takes ``degree + 2`` even values and as many
  odd ones: ``(-1)^k - 1`` is 0 at every even k;
- with two or more variables of degree > 0, every point of the grid of their values (those
  above are on lines: one varies, the others fixed; ``(m - n) (m - 3) (n - 4)`` is 0 there),
  each a point of the domain: where one is not (``inv(x P Q)`` of P n-by-m: m < n), the grid
  with one size's values above the others' (m from the largest n up), else no decision (a
  polynomial may vanish on the part of a grid where n <= m); the sizes then vary on it;
- sizes where the derivative itself is undefined at every random point hold no point of the
  domain: nothing to compare there; where only the claim is undefined, no decision;
- more than ``MAX_VALUES`` values needed: no decision (None), never "right" on too few;
- a size beyond ``MAX_SIZE`` (declared ``vector(400)``), or a point where the terms have more
  than ``MAX_ENTRIES`` entries (a Kronecker claim of 40-by-30 X): no decision (None), not
  minutes of exact arithmetic.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from einderiv.check import exact as X
from einderiv.check.degrees import (
    MAX_VALUES,
    UNBOUNDED,
    degree_in_size,
    in_exponent,
    pair_degree,
)
from einderiv.check.probes import exact_point
from einderiv.check.roots import half_power
from einderiv.check.row_variables import rows_as_variables
from einderiv.check.shifted import shifted_bases
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors, dim_size

__all__ = ["Where", "exactly_equal"]

MAX_SIZE = 128  # a declared size beyond this: no exact decision (seconds per point, cubic)
MAX_ENTRIES = 60_000  # a derivative with more entries at a point: no exact decision there
MAX_ROOTS = 3  # values of square roots taken mod p at a point (2^3 choices of their signs)
_INTEGER_VALUES = (0, 1, -1, 2, -2, 3, -3, 4, 5, -4, 6, 7, -5, 8, 9, -6, 10, 11, -7, 13)


@dataclass(frozen=True)
class Where:
    """Where exact arithmetic found a difference: the sizes, and the integer symbols' values
    (``k``: a claim with a factor (k - 6) is right at k = 6 and wrong at k = 7)."""

    sizes: dict
    ints: dict


def exactly_equal(claim, want, order, used: dict, rounds: list, opaque: bool):
    """(True | False | None, the ``Where`` of a difference) -- see the module docstring. Row
    functions first as variables (``row_variables``: of degree 0 in the sizes, where their
    definitions divide by a sum at each occurrence); only equality there is a proof."""
    rows = rows_as_variables(claim, want, used)
    if rows is not None and _exactly_equal(*rows[:2], order, rows[2], rounds, True)[0]:
        return True, None
    return _exactly_equal(claim, want, order, used, rounds, opaque)


def _exactly_equal(claim, want, order, used: dict, rounds: list, opaque: bool):
    declared = [d for info in used.values() for d in info.dims if isinstance(d, int)]
    if any(n > MAX_SIZE for sizes in rounds for n in [*sizes.values(), *declared]):
        return None, None  # x: vector(400): exact products and eliminations of n^3 big ints
    at = _Points(claim, want, order, used, opaque)
    shifted = shifted_bases((claim, want), used)  # inv(K + s I): bounded as inv(K) is
    decided, seen_ints, seen_sizes = 0, {}, {}
    for sizes in rounds:
        for p in X.PRIMES:
            status, ints = at(sizes, p)
            if status != "equal":
                if status == "undefined":  # a denominator zero at every draw: no point here
                    continue
                return (False, Where(sizes, ints)) if status == "differ" else (None, None)
            decided += 1
            for name, value in ints.items():  # an integer that is a size varies with it
                if name not in sizes:
                    seen_ints.setdefault(name, set()).add(value)
            for name, value in sizes.items():
                seen_sizes.setdefault(name, set()).add(value)
    if decided < len(rounds):
        return None, None
    groups, lines, axes = [], [], {}  # (how many more values, the candidates (value, sizes,
    # integers)) of the integers and of the sizes; each variable's values on the grid
    for name, seen in seen_ints.items():
        need = pair_degree(claim, want, name) + 2
        # an exponent in k ((-1)^k, X^k): as many even values and as many odd ones, for a
        # factor (-1)^k - 1 is 0 at every even k
        parities = (0, 1) if in_exponent(claim, name) or in_exponent(want, name) else (None,)
        if need - 2 >= UNBOUNDED or need > MAX_VALUES + len(seen):  # too many values to try:
            return None, None  # no decision, at once (UNBOUNDED: however many were seen)
        for parity in parities:
            had = [v for v in seen if parity is None or v % 2 == parity]
            fresh = [v for v in _integer_values(2 * need) if v not in seen]
            fresh = [v for v in fresh if parity is None or v % 2 == parity]
            groups.append((need - len(had), [(v, rounds[0], {name: v}) for v in fresh]))
            if need > 2:
                axes.setdefault(("int", name), []).extend((had + fresh)[:need])
    for name, seen in seen_sizes.items():
        degree = degree_in_size(claim, want, name, shifted, used)
        free = sum(dim_factors(i.dim).count(name) for i in order)  # coordinates on the axes
        need = degree + max(free, 2) if degree or free > 2 else 0
        if degree >= UNBOUNDED or need > MAX_VALUES + len(seen):  # as for the integers
            return None, None
        fresh = [n for n in range(1, 2 * need + 8) if n not in seen]
        # the other sizes at each round in turn: where the domain holds no point at the
        # first's (inv(P Q), P n-by-m: n <= m only), another's may hold enough
        line = [(n, {**base, name: n}, None) for base in _bases(rounds, name) for n in fresh]
        if need:
            axes[("size", name)] = range(1, need + 1)
        lines.append((need - len(seen), line))
    if sum(max(0, more) for more, _ in groups + lines) > MAX_VALUES:
        return None, None
    grids = _grids(axes) if len(axes) > 1 else []
    if grids is None:
        return None, None
    for more, candidates in groups if grids else groups + lines:  # the sizes: on the grid
        values = set()  # each value once (n = 3 at m = 4 and at m = 5: one value)
        for value, sizes, ints in candidates:
            if more <= len(values):
                break
            if value in values:
                continue
            status, drawn = at(sizes, X.PRIMES[0], ints)
            if status == "differ":
                return False, Where(sizes, drawn)
            if status == "none":
                return None, None
            if status == "equal":  # "undefined": no point of the domain there, the next
                values.add(value)
        if more > len(values):
            return None, None
    # the values of one variable were tried with the others fixed (points on lines): a product
    # (n - 3) Q(k), each factor zero at its own values tried, vanishes there but not at a
    # point where both are new; (m - n) (m - 3) (n - 4) ... on the lines and at points with
    # m = n: a grid of as many values of each as its degree asks is a proof -- at every
    # point of it: one that vanishes where n <= m need not vanish where n > m. Where the domain
    # has no point at one (inv(P Q), P n-by-m, m < n), the next grid (m above every n)
    for grid in grids:
        for sizes, ints in _grid(grid, rounds[0]):
            status, drawn = at(sizes, X.PRIMES[0], ints)
            if status != "equal":
                break
        else:
            return True, None
        if status != "undefined":
            return (False, Where(sizes, drawn)) if status == "differ" else (None, None)
    return (None, None) if grids else (True, None)


def _bases(rounds: list, name: str) -> list:
    """The size rounds with ``name`` left out, each once, the first round's first."""
    bases = []
    for sizes in rounds:
        base = {k: v for k, v in sizes.items() if k != name}
        if base not in bases:
            bases.append(base)
    return bases


def _grids(axes: dict) -> list | None:
    """The variables' values of the grids to try (None: too many points): ``axes``, then for
    each size the grid with that size's values from the others' largest up (1..5 by 5..9: every
    point has n <= m, where the domain of inv(P Q), P n-by-m, has points)."""
    if math.prod(len(values) for values in axes.values()) > MAX_VALUES:
        return None
    sizes = [key for key in axes if key[0] == "size"]
    grids = [axes]
    for key in sizes if len(sizes) > 1 else ():
        top = max(max(axes[other]) for other in sizes if other != key)
        grids.append({**axes, key: range(top, top + len(axes[key]))})
    return grids


def _grid(axes: dict, first: dict) -> list:
    """(sizes, integers) of every point of the product of the variables' values (their degree
    + 2 each, both parities of an exponent's), the other sizes as in ``first``: a polynomial of
    those degrees in each that is 0 on the grid is 0."""
    points = []
    for combo in itertools.product(*axes.values()):
        sizes, ints = dict(first), {}
        for (kind, name), value in zip(axes, combo):
            (sizes if kind == "size" else ints)[name] = value
        points.append((sizes, ints))
    return points


class _Points:
    """The two terms compared at random points mod a prime."""

    def __init__(self, claim, want, order, used: dict, opaque: bool):
        self.claim, self.want, self.order, self.used = claim, want, order, used
        self.opaque, self.rng = opaque, np.random.default_rng(7)
        self.numbers = {f.value for t in (claim, want) for f in _numbers(t)}
        self.roots = opaque and any(half_power(u) for t in (claim, want) for u in T.nodes(t))

    def __call__(self, sizes: dict, p: int, ints: dict | None = None) -> tuple[str, dict]:
        """("equal" or "differ" (rational terms), the integer values used), ("none", {})
        (opaque terms differ, or a term is not rational), or ("undefined", {}). A number
        that is 0 modulo ``p`` (a multiple of the prime) would vanish there: no decision."""
        if any(v and (v.numerator % p == 0 or v.denominator % p == 0) for v in self.numbers):
            return "none", {}
        if self.entries(sizes) > MAX_ENTRIES:  # a 1200-by-1200 Kronecker claim: minutes
            return "none", {}
        for _ in range(4):  # a denominator vanishing at a random point: redraw
            values, drawn = self.point(sizes, p, ints)
            try:
                equal = self.agree(sizes, p, values, drawn)
            except X.Undefined:
                continue
            except (X.NotRational, KeyError):
                return "none", {}
            if equal:
                return "equal", drawn
            if self.roots:  # r r = u, which the root's unknown r does not know: roots mod p
                return self.rooted(sizes, p, ints)
            return ("none", {}) if self.opaque else ("differ", drawn)
        return ("undefined", {}) if self.empty(sizes, p, ints) else ("none", {})

    def empty(self, sizes: dict, p: int, ints: dict | None) -> bool:
        """Whether the derivative itself is undefined at every random point at ``sizes``
        (``inv(x P Q)`` of P n-by-m, m < n): the domain has no point there, so there is
        nothing to compare. Defined where the claim is not: not empty, no decision."""
        for _ in range(4):
            values, drawn = self.point(sizes, p, ints)
            try:
                X.evaluate(self.want, sizes, drawn, values, p, {"rng": self.rng, "roots": set()})
            except X.Undefined:
                continue
            except (X.NotRational, X.NonResidue, KeyError):
                return False
            return False
        return True

    def point(self, sizes: dict, p: int, ints: dict | None) -> tuple[dict, dict]:
        """A random point mod ``p``: the variables' values, the integers' (``ints`` kept)."""
        values, drawn = exact_point(self.rng, self.used, sizes, p)
        drawn.update(ints or {})
        drawn.update({n: sizes[n] for n in drawn if n in sizes})  # an integer that is a size
        return values, drawn

    def agree(self, sizes, p, values, drawn, signs=None, roots=None) -> bool:
        """Whether the terms are equal at the point (``exact.evaluate``'s ``signs``: roots
        taken mod p, the values of those met added to ``roots``)."""
        atoms = {"rng": self.rng} if signs is None else {"rng": self.rng, "signs": signs}
        atoms["roots"] = set() if roots is None else roots
        a = X.evaluate(self.want, sizes, drawn, values, p, atoms).aligned(self.order)
        b = X.evaluate(self.claim, sizes, drawn, values, p, atoms).aligned(self.order)
        return not np.any((a - b) % p != 0)

    def rooted(self, sizes: dict, p: int, ints: dict | None) -> tuple[str, dict]:
        """("equal", the integers) when the terms agree with each square root of a value u
        taken as a root of u mod p (r r = u), for every choice of the signs of the roots
        of the values met -- equal modulo r^2 - u (a + b r is 0 for both signs of r only
        where a = b = 0), at a random point: a proof as with the unknowns; else ("none",
        {}), never "differ" (mod p no root is the positive one). At most ``MAX_ROOTS``
        values (2^k choices); the point is redrawn until each is a square mod p."""
        for _ in range(8 << MAX_ROOTS):
            values, drawn = self.point(sizes, p, ints)
            met: set = set()
            try:
                equal = self.agree(sizes, p, values, drawn, {}, met)
            except (X.Undefined, X.NonResidue):
                if len(met) > MAX_ROOTS:
                    return "none", {}
                continue
            except (X.NotRational, KeyError):
                return "none", {}
            if not equal or len(met) > MAX_ROOTS:
                return "none", {}
            for signs in list(itertools.product((1, -1), repeat=len(met)))[1:]:
                again = set(met)  # a root of another root's value: nested, no decision
                try:
                    equal = self.agree(
                        sizes, p, values, drawn, dict(zip(sorted(met), signs)), again
                    )
                except (X.Undefined, X.NonResidue, X.NotRational, KeyError):
                    return "none", {}
                if not equal or again != met:
                    return "none", {}
            return "equal", drawn
        return "none", {}

    def entries(self, sizes: dict) -> int:
        """How many entries the terms compared have at ``sizes``."""
        return math.prod(dim_size(i.dim, lambda d: sizes.get(d, 1)) for i in self.order)


def _numbers(t: T.Term) -> list:
    """The ``Num`` nodes of ``t``."""
    return [u for u in T.nodes(t) if type(u) is T.Num]


def _integer_values(count: int) -> list[int]:
    values = list(_INTEGER_VALUES)
    k = 14
    while len(values) < count + 20:
        values += [k, -k + 6]
        k += 1
    return values
