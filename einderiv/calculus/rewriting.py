"""Rewrite rules as data, and the term helpers rules share.

Input: nothing of its own; rule modules (``rules``, ``powers``) register their rewrites here.
Output: ``Rule(name, kind, formula, rewrite, needs)``, the ``rule`` decorator that appends one
to a table, and small constructors used by rewrites (``zero_like``; ``with_children``, from
``index_ir``, re-exported here),
``split_coefficient``, ``scaled``...).
Invariants:
- A rule's ``rewrite`` returns an equal term, or None when it does not apply; it never mutates.
- The helpers build nodes through their constructors only (no rewriting hidden in them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from einderiv.ir import index_ir as T
from einderiv.ir.canon import memo_table
from einderiv.ir.index_ir import ONE, Term, with_children  # noqa: F401 (re-exported)


@dataclass(frozen=True)
class Rule:
    """Rewrite ``kind`` nodes: ``rewrite`` returns the new term, or None if it does not apply.

    ``needs``, when given, is a set of node types of which the node must have a child for the
    rule to have any chance of firing (``prod_delta`` needs a ``Delta`` factor); the driver
    uses it to skip the rule without calling it. None: the rule is tried on every ``kind`` node.
    """

    name: str
    kind: type
    formula: str
    rewrite: Callable[[Term], Term | None]
    needs: frozenset | None = None


def rule(kind: type, formula: str, table: list[Rule], needs: tuple = ()):
    """Register ``fn`` as the rule ``formula`` for ``kind`` nodes in ``table``; ``needs``: the
    child types of which one must be present for the rule to fire."""

    def register(fn):
        table.append(Rule(fn.__name__, kind, formula, fn, frozenset(needs) if needs else None))
        return fn

    return register


def is_zero(t: Term) -> bool:
    return isinstance(t, T.Zero) or (isinstance(t, T.Num) and t.value == 0)


def zero_like(t: Term) -> T.Zero:
    return T.Zero(tuple(sorted(T.free(t), key=lambda i: i.name)))


def one_like(t: Term) -> Term:
    ones = tuple(T.Ones(i) for i in sorted(T.free(t), key=lambda i: i.name))
    return T.Prod((ONE, *ones)) if ones else ONE


def coefficient(t: Term) -> Fraction:
    """The number of ``split_coefficient(t)``, the rest not built."""
    if isinstance(t, T.Num):
        return t.value
    if isinstance(t, T.Prod):
        numbers = [f.value for f in t.factors if isinstance(f, T.Num)]
        coeff = exact_product(numbers) if numbers else None
        if coeff is not None:
            return coeff
    return _UNIT


def split_coefficient(t: Term) -> tuple[Fraction, Term]:
    """``2 X[a,b]`` -> (2, X[a,b])."""
    if isinstance(t, T.Num):
        return t.value, ONE
    if isinstance(t, T.Prod):
        numbers = [f for f in t.factors if isinstance(f, T.Num)]
        coeff = exact_product([f.value for f in numbers]) if numbers else None
        if coeff is not None:  # (past EXACT_BITS: no coefficient, the term as it is)
            rest = tuple(f for f in t.factors if not isinstance(f, T.Num))
            if not rest:
                return coeff, ONE
            if len(rest) == 1 and not t.summed:
                return coeff, rest[0]
            return coeff, T.Prod(rest, t.summed)
    return _UNIT, t


_UNIT = Fraction(1)  # (immutable: one for every term without a number)


def scaled(coeff: Fraction, t: Term) -> Term:
    if coeff == 1:
        return t
    if t == ONE:
        return T.Num(coeff)
    if isinstance(t, T.Prod):
        return T.Prod((T.Num(coeff),) + t.factors, t.summed)
    return T.Prod((T.Num(coeff), t))


def broadcast_split(t: Term) -> tuple[Term, tuple[T.Ones, ...]] | None:
    """``s 1[a] 1[b] -> (s, (1[a], 1[b]))`` for a product that is a scalar ``s`` broadcast over
    the indices of its ones (``s`` may sum: ``sum_c p[c] 1[c] 1[b]`` is ``(sum_c p[c]) 1[b]``);
    None for any other term. A rule then moves the ones out of an elementwise power or function,
    where the sum over their index would not see them."""
    if isinstance(t, T.Ones):
        return ONE, (t,)
    if not isinstance(t, T.Prod):
        return None
    summed = frozenset(t.summed)
    ones = tuple(f for f in t.factors if type(f) is T.Ones and f.index not in summed)
    rest = tuple(f for f in t.factors if not (type(f) is T.Ones and f.index not in summed))
    if not ones or any(not T.free(f) <= summed for f in rest) or (summed and not rest):
        return None
    if summed:
        return T.Prod(rest, t.summed), ones
    return (ONE if not rest else rest[0] if len(rest) == 1 else T.Prod(rest)), ones


EXACT_BITS = 12_000  # a constant computed exactly: printable (Python prints ints of 4,300 digits)


def exact_power(value: Fraction, n: int) -> Fraction | None:
    """``value ** n`` exactly, or None when it would need more than ``EXACT_BITS`` bits
    (``9^(9^9)``: computing it never ends; ``2^20000`` stays a power, which evaluates to inf as
    float64 does). Within the bound constants are exact: ``3^1000 / 3^999`` is 3, and ``(1 +
    2^-1100) 3 - 3`` is 3 2^-1100 (in float64 they would be nan and 0)."""
    if value in (0, 1, -1) or n == 0:
        return value**n
    return value**n if power_bits(value, n) <= EXACT_BITS else None


def power_bits(value: Fraction, n: int) -> float:
    """About how many bits the larger term of ``value ** n`` has (``value`` not 0)."""
    return abs(n) * math.log2(max(abs(value.numerator), value.denominator)) + 1


def exact_product(values) -> Fraction | None:
    """The product of ``values`` exactly, or None when it has more than ``EXACT_BITS`` bits
    (then the factors stay as they are; ``2^6001 2^-6000`` is 2)."""
    if sum(max(v.numerator.bit_length(), v.denominator.bit_length()) for v in values) > (
        4 * EXACT_BITS
    ):
        return None
    if len(values) == 1 and type(values[0]) is Fraction:  # itself: no multiplication
        product = values[0]
    else:
        product = Fraction(1)
        for v in values:
            product *= v
    fits = max(product.numerator.bit_length(), product.denominator.bit_length()) <= EXACT_BITS
    return product if fits else None


_DELTAS = memo_table()  # a sum -> the indices of the deltas of its terms (within a derivation)


def delta_indices(f: T.Add) -> frozenset:
    """The indices of the deltas that are terms of ``f`` or factors of one, once per sum (1 -
    tanh(..)^2 is a factor of many products); a term has a summed delta iff they meet."""
    if (found := _DELTAS.get(f)) is None:
        parts = [g for x in f.terms for g in (x.factors if type(x) is T.Prod else (x,))]
        found = _DELTAS[f] = frozenset([i for d in parts if type(d) is T.Delta for i in (d.a, d.b)])
    return found
