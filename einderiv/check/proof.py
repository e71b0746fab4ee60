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
  takes at least ``degree + 2`` distinct values, its degree being summed over both terms, each
  exponent that mentions it (``X^k``, ``2^k``) counted as ``EXPONENTIAL`` more;
- a size takes ``degree + 2`` distinct values likewise, its degree counting each ``Size`` of
  it (``len(X)``, ``tr(I)``) and each sum over it (a sum of ones is n, and so is one of
  ``exp(x) exp(-x)``), the other sizes held at the first round's; an inverse or determinant
  has that bound only when its base's entries are new random numbers at each size (a product
  of variables, or a shifted variable ``K + s I``: ``shifted.py``), else none (``inv(I + 1
  1')`` is ``I - 1 1' / (n + 1)``, with no size written in it);
- an integer in an exponent (``(-1)^k``, ``X^k``) takes ``degree + 2`` even values and as many
  odd ones: ``(-1)^k - 1`` is 0 at every even k;
- with two or more variables of degree > 0, every point of the grid of their values (those
  above are on lines: one varies, the others fixed; ``(m - n) (m - 3) (n - 4)`` is 0 there);
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
from einderiv.check.probes import exact_point
from einderiv.check.shifted import shifted_bases
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors, dim_size

__all__ = ["Where", "exactly_equal", "integer_degree", "size_degree"]

EXPONENTIAL = 6  # an exponent in k: k^j lambda^k terms, one per eigenvalue of a small matrix
MAX_VALUES = 80
MAX_SIZE = 128  # a declared size beyond this: no exact decision (seconds per point, cubic)
MAX_ENTRIES = 60_000  # a derivative with more entries at a point: no exact decision there
UNBOUNDED = MAX_VALUES + 1  # a degree no number of values tried can cover: no decision
_INTEGER_VALUES = (0, 1, -1, 2, -2, 3, -3, 4, 5, -4, 6, 7, -5, 8, 9, -6, 10, 11, -7, 13)


@dataclass(frozen=True)
class Where:
    """Where exact arithmetic found a difference: the sizes, and the integer symbols' values
    (``k``: a claim with a factor (k - 6) is right at k = 6 and wrong at k = 7)."""

    sizes: dict
    ints: dict


def exactly_equal(claim, want, order, used: dict, rounds: list, opaque: bool):
    """(True | False | None, the ``Where`` of a difference) -- see the module docstring."""
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
    groups, axes = [], {}  # (how many more points, the candidates); each variable's values
    for name, seen in seen_ints.items():
        need = integer_degree(claim, name) + integer_degree(want, name) + 2
        # an exponent in k ((-1)^k, X^k): as many even values and as many odd ones, for a
        # factor (-1)^k - 1 is 0 at every even k
        parities = (0, 1) if _in_exponent(claim, name) or _in_exponent(want, name) else (None,)
        if need - 2 >= UNBOUNDED or need > MAX_VALUES + len(seen):  # too many values to try:
            return None, None  # no decision, at once (UNBOUNDED: however many were seen)
        for parity in parities:
            had = [v for v in seen if parity is None or v % 2 == parity]
            fresh = [v for v in _integer_values(2 * need) if v not in seen]
            fresh = [v for v in fresh if parity is None or v % 2 == parity]
            groups.append((need - len(had), [(rounds[0], {name: v}) for v in fresh]))
            if need > 2:
                axes.setdefault(("int", name), []).extend((had + fresh)[:need])
    for name, seen in seen_sizes.items():
        degree = _degree_in_size(claim, want, name, shifted, used)
        need = degree + 2 if degree else 0
        if degree >= UNBOUNDED or need > MAX_VALUES + len(seen):  # as for the integers
            return None, None
        fresh = [n for n in range(1, 2 * need + 8) if n not in seen]
        groups.append((need - len(seen), [({**rounds[0], name: n}, None) for n in fresh]))
        if need:
            axes[("size", name)] = range(1, need + 1)
    if sum(max(0, more) for more, _ in groups) > MAX_VALUES:
        return None, None
    joint = _grid(axes, rounds[0]) if len(axes) > 1 else []
    if joint is None:
        return None, None
    for more, candidates in groups:
        for sizes, ints in candidates:
            if more <= 0:
                break
            status, drawn = at(sizes, X.PRIMES[0], ints)
            if status == "differ":
                return False, Where(sizes, drawn)
            if status == "none":
                return None, None
            more -= status == "equal"  # "undefined": no point of the domain there, the next
        if more > 0:
            return None, None
    # the values of one variable were tried with the others fixed (points on lines): a product
    # (n - 3) Q(k), each factor zero at its own values tried, vanishes there but not at a
    # point where both are new; (m - n) (m - 3) (n - 4) ... on the lines and at points with
    # m = n: a grid of as many values of each as its degree asks is a proof
    for sizes, ints in joint:  # "undefined": no point of the domain there (A' A, A wide)
        status, drawn = at(sizes, X.PRIMES[0], ints)
        if status not in ("equal", "undefined"):
            return (False, Where(sizes, drawn)) if status == "differ" else (None, None)
    return True, None


def _degree_in_size(claim, want, dim: str, shifted, used: dict) -> int:
    """The degree in the size ``dim``: as a size, and as an integer variable named by it
    (``sum(x) / n`` with ``x: vector(n); n: integer``, whose n is the size)."""
    degree = size_degree(claim, dim, None, shifted) + size_degree(want, dim, None, shifted)
    if dim in used and used[dim].kind == "integer":
        if _in_exponent(claim, dim) or _in_exponent(want, dim):
            return UNBOUNDED  # A^n of an n-by-n A: as many eigenvalues as the size
        degree += integer_degree(claim, dim) + integer_degree(want, dim)
    return degree


def _grid(axes: dict, first: dict) -> list | None:
    """(sizes, integers) of every point of the product of the variables' values (their degree
    + 2 each, both parities of an exponent's), the other sizes as in ``first``: a polynomial of
    those degrees in each that is 0 on the grid is 0 (None: too many points)."""
    if math.prod(len(values) for values in axes.values()) > MAX_VALUES:
        return None
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

    def __call__(self, sizes: dict, p: int, ints: dict | None = None) -> tuple[str, dict]:
        """("equal" or "differ" (rational terms), the integer values used), ("none", {})
        (opaque terms differ, or a term is not rational), or ("undefined", {}). A number
        that is 0 modulo ``p`` (a multiple of the prime) would vanish there: no decision."""
        if any(v and (v.numerator % p == 0 or v.denominator % p == 0) for v in self.numbers):
            return "none", {}
        if self.entries(sizes) > MAX_ENTRIES:  # a 1200-by-1200 Kronecker claim: minutes
            return "none", {}
        for _ in range(4):  # a denominator vanishing at a random point: redraw
            values, drawn = exact_point(self.rng, self.used, sizes, p)
            drawn.update(ints or {})
            drawn.update({n: sizes[n] for n in drawn if n in sizes})  # an integer that is a size
            atoms = {"rng": self.rng}
            try:
                a = X.evaluate(self.want, sizes, drawn, values, p, atoms).aligned(self.order)
                b = X.evaluate(self.claim, sizes, drawn, values, p, atoms).aligned(self.order)
            except X.Undefined:
                continue
            except (X.NotRational, KeyError):
                return "none", {}
            if np.any((a - b) % p != 0):
                return ("none", {}) if self.opaque else ("differ", drawn)
            return "equal", drawn
        return "undefined", {}

    def entries(self, sizes: dict) -> int:
        """How many entries the terms compared have at ``sizes``."""
        return math.prod(dim_size(i.dim, lambda d: sizes.get(d, 1)) for i in self.order)


def _sized(t: T.Term, dim: str) -> bool:
    """Whether ``t`` holds the size ``dim`` as a number (``len(x)``, ``tr(I)``), not only sums
    over it (whose entries are new random numbers at each size)."""
    todo, seen = [t], set()
    while todo:
        u = todo.pop()
        if type(u) is T.Size and dim in dim_factors(u.dim):
            return True
        if u not in seen:
            seen.add(u)
            todo.extend(T.children(u))
    return False


def _generic(t: T.MatPow | T.Det, square: bool = False) -> bool:
    """Whether the base of ``t``, over the bound pair, is a product of matrix variables and of
    powers of such products (``inv(A)``, ``inv(X' A X)``): at each size a matrix of new random
    entries, with no size hidden in it as in ``det(I + 1 1') = n + 1``, ``det(2 X) = 2^n
    det(X)`` or ``det(X inv(X) + X inv(X)) = 2^n`` (numbers, ones, identities and sums are
    not products of variables). ``square``: every variable square too, as a determinant needs:
    ``det(P P')`` of P c-by-b is 0 exactly when c > b, so two of them can hide an order of the
    sizes (c < b < a) that no size tried has (an inverse there is undefined, never 0)."""
    numbers = type(t) is T.MatPow  # inv(2 X' A X) = inv(X' A X) / 2; det(2 X) = 2^n det(X)
    return T.free(t.base) == set(t.bound) and _variables_product(t.base, square, numbers)


def _variables_product(u: T.Term, square: bool, numbers: bool) -> bool:
    """``numbers``: number factors too (a power's base: (c M)^k = c^k M^k hides no size)."""
    if type(u) is T.Var:
        return len(u.indices) == 2 and (not square or u.indices[0].dim == u.indices[1].dim)
    if type(u) is T.MatPow:
        return u.exponent.is_literal and _variables_product(u.base, square, numbers)
    return type(u) is T.Prod and all(
        (numbers and type(f) is T.Num) or _variables_product(f, square, numbers) for f in u.factors
    )


def _numbers(t: T.Term) -> list:
    """The ``Num`` nodes of ``t``."""
    found, todo, seen = [], [t], set()
    while todo:
        u = todo.pop()
        if id(u) in seen:
            continue
        seen.add(id(u))
        if type(u) is T.Num:
            found.append(u)
        todo.extend(T.children(u))
    return found


def _integer_values(count: int) -> list[int]:
    values = list(_INTEGER_VALUES)
    k = 14
    while len(values) < count + 20:
        values += [k, -k + 6]
        k += 1
    return values


def _in_exponent(t: T.Term, name: str) -> bool:
    """Whether ``name`` is in an exponent of ``t`` (a power of a number or of a matrix)."""
    todo = [t]
    while todo:
        u = todo.pop()
        if name not in T.int_names(u):
            continue
        if type(u) is T.Pow and name in T.int_names(u.exponent):
            return True
        if type(u) is T.MatPow and name in u.exponent.names:
            return True
        if type(u) is T.SumOver and name in u.count.names and _in_exponent(u.body, u.var):
            return True  # sum_{r<k} (-1)^r: 0 or 1 by the parity of k
        todo.extend(T.children(u))
    return False


def integer_degree(t: T.Term, name: str, memo: dict | None = None) -> int:
    """A bound on the degree of ``t`` in the integer symbol ``name`` (exponents in it counted
    as ``EXPONENTIAL``). ``memo``: the degrees found so far (a graph is walked once)."""
    memo = {} if memo is None else memo
    if (t, name) not in memo:
        memo[t, name] = _integer_degree(t, name, memo)
    return memo[t, name]


def _integer_degree(t: T.Term, name: str, memo: dict) -> int:
    if name not in T.int_names(t):
        return 0
    match t:
        case T.Affine():
            return 1
        case T.Add(terms=terms) if any(_divides(u, name, None, memo) for u in terms) or (
            sum(_in_exponent(u, name) for u in terms) > 1
        ):
            # sum_i p_i / q_i over one denominator: its numerator's degree is at most the sum of
            # the terms' (each counting its denominator), never only the largest; likewise a sum
            # of m exponentials c_j b_j^k, which can vanish at m - 1 values of k
            return sum(integer_degree(u, name, memo) for u in terms)
        case T.Add(terms=terms):
            return max(integer_degree(u, name, memo) for u in terms)
        case T.Prod(factors=factors):
            return sum(integer_degree(u, name, memo) for u in factors)
        case T.Pow(base=base, exponent=T.Num(value=v)) if v.denominator == 1:
            return abs(v.numerator) * integer_degree(base, name, memo)
        case T.Pow(base=base, exponent=e):
            return integer_degree(base, name, memo) + EXPONENTIAL * (name in T.int_names(e)) + 1
        case T.MatPow(base=base, exponent=e) if e.is_literal and e.const >= 0:
            return e.const * integer_degree(base, name, memo)  # (B^3): three times B's degree
        case T.MatPow(base=base) | T.Det(base=base) | T.LogDet(base=base) if name in T.int_names(
            base
        ):  # inv((k - b) I), det(k I): a degree that grows with the size: too many to try
            return UNBOUNDED
        case T.MatPow(base=base, exponent=e):
            return integer_degree(base, name, memo) + EXPONENTIAL * (name in e.names)
        case T.SumOver(var=var, count=count, body=body):
            # sum_{r<c(k)} b(r, k): a polynomial in k of degree deg_k(b) + (deg_r(b) + 1) deg(c)
            # (a sum of r^d up to c is of degree d + 1 in c)
            inner = integer_degree(body, var, memo) + 1
            return integer_degree(body, name, memo) + inner * max(
                integer_degree(count, name, memo), 1
            )
    return sum(integer_degree(u, name, memo) for u in T.children(t)) * EXPONENTIAL


def _divides(t: T.Term, name: str, mentions=None, memo: dict | None = None) -> bool:
    """Whether ``t`` has a negative power (or an inverse) of something that ``mentions`` the
    symbol ``name`` (default: an integer symbol): a denominator. ``memo``: the answers so far
    for this ``name`` and ``mentions``."""
    mentions = mentions or (lambda u: name in T.int_names(u))
    memo = {} if memo is None else memo
    key = ("/", t, name)
    if key not in memo:
        memo[key] = mentions(t) and (
            (type(t) is T.Pow and type(t.exponent) is T.Num and t.exponent.value < 0)
            or (type(t) is T.MatPow and t.exponent.is_literal and t.exponent.const < 0)
            or type(t) is T.RowFunc  # softmax(u) = exp(u) / sum(exp(u)): a sum divides
            or any(_divides(u, name, mentions, memo) for u in T.children(t))
        )
    return memo[key]


def size_degree(t: T.Term, dim: str, memo: dict | None = None, shifted=frozenset()) -> int:
    """A bound on the degree of ``t`` in the size ``dim``: one for each ``Size`` of it and each
    sum over an index of it (a sum of ones is n, and so is one of exp(x) exp(-x)). ``memo``:
    the degrees found so far (a graph is walked once, not as the tree it stands for).
    ``shifted``: bases (``K + s I``) whose inverse or determinant is bounded as a variable's
    (``shifted.shifted_bases``, found over both terms compared)."""
    memo = {} if memo is None else memo
    if (t, dim) not in memo:
        memo[t, dim] = _size_degree(t, dim, memo, shifted)
    return memo[t, dim]


def _size_degree(t: T.Term, dim: str, memo: dict, shifted) -> int:
    def degree_of(u: T.Term) -> int:
        return size_degree(u, dim, memo, shifted)

    match t:
        case T.Size(dim=d):
            return int(dim in dim_factors(d))
        case T.Add(terms=terms) if any(
            _divides(u, dim, lambda v: degree_of(v) > 0, memo) for u in terms
        ):  # fractions in n over one denominator: the degrees of all the terms
            return sum(degree_of(u) for u in terms)
        case T.Add(terms=terms):
            return max(degree_of(u) for u in terms)
        case T.Prod(factors=factors, summed=summed):
            counted = sum(1 for i in summed if dim in dim_factors(i.dim))
            return counted + sum(degree_of(u) for u in factors)
        case T.Pow(base=base, exponent=T.Num(value=v)) if v.denominator == 1:
            return abs(v.numerator) * degree_of(base)
        case T.MatPow(base=base, bound=(p, _), exponent=e) if dim in dim_factors(p.dim):
            if e.is_literal and e.const >= 0:  # (n I)^6: six times, and a sum per product
                return e.const * degree_of(base) + max(e.const - 1, 0)
            if (_generic(t) or base in shifted) and not (e.is_literal and _sized(base, dim)):
                return degree_of(base)  # inv(A), inv(K + s I), A^k: a variable's own entries
            # an inverse or a symbolic power of any other matrix of n: no bound (inv(I + 1 1')
            # = I - 1 1' / (n + 1), with no size written in it)
            return UNBOUNDED
        case T.Det(base=base, bound=(p, _)) if _sized(base, dim) or (
            dim in dim_factors(p.dim) and not (_generic(t, square=True) or base in shifted)
        ):
            return UNBOUNDED  # det(I + 1 1') = n + 1: a sum over the permutations of n
        case T.LogDet(base=base) if _sized(base, dim):
            return UNBOUNDED
        case T.Det(base=base, bound=(p, _)) if isinstance(p.dim, int):
            # det(V' V) of a 6-by-6 matrix of sums over n: 6 times their degree (0 for n < 6)
            return p.dim * degree_of(base)
        case T.MatPow(base=base, bound=(p, _), exponent=e) if isinstance(p.dim, int):
            degree = degree_of(base)
            if not degree or (e.is_literal and e.const >= 0):
                return max(e.const, 1) * degree if e.is_literal else degree
            # an inverse: adj(B) / det(B), of degree (m - 1) d over m d, as often as written
            return abs(e.const) * (2 * p.dim - 1) * degree if e.is_literal else UNBOUNDED
        case T.RowFunc(base=base, bound=b) if dim in dim_factors(b.dim):
            # softmax(u)[i] = exp(u[i]) / sum_s exp(u[s]): a sum over the row, as a divisor
            return degree_of(base) + 1
    return sum(degree_of(u) for u in T.children(t))
