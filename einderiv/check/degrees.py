"""Bounds on the degree of an index term in an integer symbol and in a size: how many values
of each ``proof.exactly_equal`` must try before equality at all of them is a proof.

Input: an index term (``ir.index_ir``), an integer symbol's or a size's name, the declarations
in use, the bases whose inverse is bounded as a variable's (``shifted.shifted_bases``).
Output: ``integer_degree``, ``size_degree``, ``degree_in_size`` (a size, and an integer named as
it), ``in_exponent``; ``UNBOUNDED`` for a degree no number of values tried can cover.
Invariants (each a true upper bound, never an estimate):
- in an integer symbol k: the degree of a polynomial in k, each exponent in k (``X^k``,
  ``2^k``) counted as ``EXPONENTIAL`` more, fractions over one denominator as the sum of their
  terms' degrees, an inverse or determinant of a matrix of k ``UNBOUNDED``;
- in a size n: one for each factor n of a ``Size`` (``len(X)``, ``tr(I)``; ``n*n`` is n^2)
  and of each sum's index (a sum of ones is n, one over ``n*n`` n^2), less the sums a delta
  or a pair among the product's factors ties to another index (``sum_c delta[c,(i,j)] f(c)``
  is ``f((i,j))``, no sum: the Kronecker claims' compound indices); an inverse or determinant
  bounded only when its base's entries are new random numbers at each size, else
  ``UNBOUNDED`` (``inv(I + 1 1') = I - 1 1' / (n + 1)``);
- square roots (``pair_degree``, ``degree_in_size``): where every root of both terms is of a
  scalar, ``sqrt(s)`` counts half the degree of s, rounded up, plus ``root_collisions``; else
  as any function (``EXPONENTIAL`` times its argument's in an integer symbol).
"""

from __future__ import annotations

from einderiv.check.roots import half_power
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors
from einderiv.ir.ops import SQRT

__all__ = [
    "EXPONENTIAL",
    "MAX_VALUES",
    "UNBOUNDED",
    "degree_in_size",
    "in_exponent",
    "integer_degree",
    "pair_degree",
    "root_collisions",
    "scalar_roots",
    "size_degree",
]

EXPONENTIAL = 6  # an exponent in k: k^j lambda^k terms, one per eigenvalue of a small matrix
MAX_VALUES = 80  # values of a symbol (or points of a grid) exact arithmetic tries at most
UNBOUNDED = MAX_VALUES + 1  # a degree no number of values tried can cover: no decision
_HALVED = "halved"  # a memo's flag: every root is of a scalar, sqrt(s) counts half s's degree


def degree_in_size(claim, want, dim: str, shifted, used: dict) -> int:
    """The degree in the size ``dim``: as a size, and as an integer variable named by it
    (``sum(x) / n`` with ``x: vector(n); n: integer``, whose n is the size)."""
    if _size_in_exponent(claim, dim) or _size_in_exponent(want, dim):
        return UNBOUNDED  # 2^len(x): a sum of c_i b_i^n vanishes at as many n as it has terms
    halved = scalar_roots(claim, want)
    integer = dim in used and used[dim].kind == "integer"
    if integer and (in_exponent(claim, dim) or in_exponent(want, dim)):
        return UNBOUNDED  # A^n of an n-by-n A: as many eigenvalues as the size

    def degree_of(t: T.Term) -> int:
        found = size_degree(t, dim, {_HALVED: halved}, shifted)
        return found + (integer_degree(t, dim, {_HALVED: halved}) if integer else 0)

    collisions = root_collisions((claim, want), degree_of) if halved else 0
    return degree_of(claim) + degree_of(want) + collisions


def pair_degree(claim, want, name: str) -> int:
    """A bound on the degree of ``claim - want`` in the integer symbol ``name``, with the values
    of ``name`` where two square roots are one (``root_collisions``)."""
    halved = scalar_roots(claim, want)
    degree = sum(integer_degree(t, name, {_HALVED: halved}) for t in (claim, want))
    if halved:
        degree += root_collisions((claim, want), lambda t: integer_degree(t, name, {_HALVED: True}))
    return degree


def scalar_roots(*terms: T.Term) -> bool:
    """Whether every square root in ``terms`` (``sqrt(s)``, ``s^(m/2)``) is of a scalar s: then
    ``sqrt(s)`` counts half the degree of s. Exact arithmetic takes a root r of each value
    (``r r = s``, both signs) or an unknown function of the value, so a polynomial in r reduces
    to a sum of terms each with r at most once and s^(k/2) for r^k: r weighs half of s
    (r^-3 = r / s^2: a numerator of degree 3 deg(s) / 2 at most). Roots of tensors (an entry
    of each) are left as any function: their entries can be one value at some size."""
    for t in terms:
        for u in T.nodes(t):
            half = half_power(u)
            if half is not None and T.free(half[0]):
                return False
    return True


def root_collisions(terms: tuple, degree_of) -> int:
    """How many values of a symbol can be exceptional for the square roots of ``terms`` (of
    scalars, ``scalar_roots``), each base s of degree ``degree_of(s)`` in it: where s is 0
    (r = -r: its signs are not told apart) and where two bases that differ are one value
    (one root, one sign: s_a - s_b vanishes at deg(s_a) + deg(s_b) values at most). At the
    others equality for every sign is equality of each coefficient of the roots' products."""
    bases = list(dict.fromkeys(h[0] for t in terms for u in T.nodes(t) if (h := half_power(u))))
    return len(bases) * sum(degree_of(s) for s in bases)  # sum_a d_a + sum_{a<b} (d_a + d_b)


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


def _size_in_exponent(t: T.Term, dim: str) -> bool:
    """Whether the size ``dim`` is in the exponent of a power in ``t`` (``2^len(x)``)."""
    todo, seen = [t], set()
    while todo:
        u = todo.pop()
        if type(u) is T.Pow and type(u.exponent) is not T.Num and _sized(u.exponent, dim):
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
    """``numbers``: scalars that are the same at every size too (``_fixed_scalar``; a power's
    base: (c M)^k = c^k M^k and inv(c X) = inv(X) / c, Wikipedia's ln|a X|, hide no size)."""
    if type(u) is T.Var:
        return len(u.indices) == 2 and (not square or u.indices[0].dim == u.indices[1].dim)
    if type(u) is T.MatPow:
        return u.exponent.is_literal and _variables_product(u.base, square, numbers)
    return type(u) is T.Prod and all(
        _variables_product(f, square, numbers) or (numbers and _fixed_scalar(f)) for f in u.factors
    )


def _fixed_scalar(u: T.Term) -> bool:
    """Whether ``u`` is a scalar with no index, size or integer symbol anywhere in it (2, x,
    x^2, x - y, sin(x)): one value at every size, so inv(u M) = inv(M) / u hides no size.
    Not sum(x) (a sum over a size) nor x^k (an integer symbol, maybe the size itself)."""
    match u:
        case T.Num():
            return True
        case T.Var(indices=()):
            return True
        case T.Add(terms=terms):
            return all(_fixed_scalar(f) for f in terms)
        case T.Prod(factors=factors, summed=()):
            return all(_fixed_scalar(f) for f in factors)
        case T.Pow(base=base, exponent=T.Num()):
            return _fixed_scalar(base)
        case T.Func(arg=arg):
            return _fixed_scalar(arg)
    return False


def in_exponent(t: T.Term, name: str) -> bool:
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
        if type(u) is T.SumOver and name in u.count.names and in_exponent(u.body, u.var):
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
            sum(in_exponent(u, name) for u in terms) > 1
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
        case T.Func(name=SQRT.name, arg=arg) if memo.get(_HALVED) and not T.free(arg):
            return (integer_degree(arg, name, memo) + 1) // 2  # (scalar_roots)
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
            return dim_factors(d).count(dim)  # len(vec(X)) of X n-by-n: n^2
        case T.Add(terms=terms) if any(
            _divides(u, dim, lambda v: degree_of(v) > 0, memo) for u in terms
        ):  # fractions in n over one denominator: the degrees of all the terms
            return sum(degree_of(u) for u in terms)
        case T.Add(terms=terms):
            return max(degree_of(u) for u in terms)
        case T.Prod(factors=factors):
            return _open_sums(t, dim) + sum(degree_of(u) for u in factors)
        case T.Pow(base=base, exponent=T.Num(value=v)) if v.denominator == 1:
            return abs(v.numerator) * degree_of(base)
        case T.MatPow(base=base, bound=(p, _), exponent=e) if dim in dim_factors(p.dim):
            if e.is_literal and e.const >= 0:  # (n I)^6: six times, and a sum per product
                sums = max(e.const - 1, 0) * dim_factors(p.dim).count(dim)
                return e.const * degree_of(base) + sums
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
        case T.Func(name=SQRT.name, arg=arg) if memo.get(_HALVED) and not T.free(arg):
            return (degree_of(arg) + 1) // 2  # (scalar_roots)
        case T.RowFunc(base=base, bound=b) if dim in dim_factors(b.dim):
            # softmax(u)[i] = exp(u[i]) / sum_s exp(u[s]): a sum over the row, as a divisor
            return degree_of(base) + dim_factors(b.dim).count(dim)
    return sum(degree_of(u) for u in T.children(t))


def _open_sums(t: T.Prod, dim: str) -> int:
    """The sums over the size ``dim`` that the product ``t`` does: one per factor ``dim`` of
    each summed index's size (a sum over ``n*n`` is n^2), each index's factors its coordinates;
    a delta or a pair among the factors makes coordinates equal (``delta[c,(i,j)]``: c's first
    coordinates are i's, the rest j's), and a class of equal coordinates is one sum when all
    are summed, none when one is not (``sum_c delta[c,(i,j)] f(c)`` is ``f((i,j))``)."""
    if not any(dim in dim_factors(i.dim) for i in t.summed):
        return 0
    parent: dict = {}

    def root(a):
        while parent.get(a, a) != a:
            a = parent[a]
        return a

    def tie(left: T.Index | list, right: T.Index | list):
        left = _coordinates(left) if isinstance(left, T.Index) else left
        right = _coordinates(right) if isinstance(right, T.Index) else right
        if len(left) == len(right) and all(a[2] == b[2] for a, b in zip(left, right)):
            for a, b in zip(left, right):
                parent.setdefault(b, b)
                parent[root(a)] = root(b)

    for f in t.factors:
        if type(f) is T.Delta:
            tie(f.a, f.b)
        elif type(f) is T.Pair:
            tie(f.c, _coordinates(f.i) + _coordinates(f.j))
    summed = set(t.summed)
    coordinates = [a for i in t.summed for a in _coordinates(i)]
    pinned = {root(a) for a in parent if a[0] not in summed}  # tied to an index not summed
    return len({root(a) for a in coordinates if a[2] == dim and root(a) not in pinned})


def _coordinates(index: T.Index) -> list:
    """``(index, position, factor)`` for each factor of the index's size (``n*m``: two)."""
    return [(index, k, d) for k, d in enumerate(dim_factors(index.dim))]
