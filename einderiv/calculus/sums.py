"""The rules for sums, as data: flattening and merging like terms.

Input: one ``Add`` node (its terms already simplified). Output: an equal node, or None when the
rule does not apply.
Invariants: like ``rules`` (``RULES`` is run by ``simplify``'s one driver); merging like terms
hashes signatures and canonical keys, never compares terms pairwise, so a sum of n terms costs
time linear in its size.
"""

from __future__ import annotations

from einderiv.calculus.rewriting import (
    Rule,
    coefficient,
    is_zero,
    scaled,
    split_coefficient,
    zero_like,
)
from einderiv.calculus.rewriting import rule as register
from einderiv.ir import index_ir as T
from einderiv.ir.canon import canonical, key
from einderiv.ir.index_ir import Term
from einderiv.ir.signature import anchored_signature, signature

RULES: list[Rule] = []


def rule(kind: type, formula: str, needs: tuple = ()):
    """Register ``fn`` in ``RULES`` as the rule ``formula`` for ``kind`` nodes."""
    return register(kind, formula, RULES, needs)


@rule(T.Add, "(a + (b + c)) -> a + b + c;  a + 0 -> a;  (a) -> a")
def add_flatten(t: T.Add):
    terms: list[Term] = []
    changed = False  # counts alone miss (S + W) + 0: one sum spliced and one zero dropped
    for x in t.terms:
        if isinstance(x, T.Add):
            terms.extend(x.terms)
            changed = True
        elif not is_zero(x):
            terms.append(x)
        else:
            changed = True
    if not terms:
        return zero_like(t)
    if len(terms) == 1:
        return terms[0]
    return T.Add(tuple(terms)) if changed else None


@rule(T.Add, "2 T + 3 T -> 5 T  (terms equal up to the names of summed indices)")
def add_collect(t: T.Add):
    """Hashing, never pairwise comparison: terms are bucketed by the factors that carry the free
    indices and their neighbours first, terms that share that by a refined signature (every
    factor and its neighbours), and only terms that still share one pay for a canonical form
    (most sums have none)."""
    shapes = [_shape(x) for x in t.terms]
    if None not in shapes and not _repeated(shapes):
        return None  # no two terms have the same places (the test below, looking less deep)
    split = [split_coefficient(x) for x in t.terms]
    if not _repeated([_free_places(rest) for _, rest in split]):
        return None  # no two terms have the free indices in the same places: none are equal
    signatures = [anchored_signature(rest) for _, rest in split]
    shared = _repeated(signatures)
    if not shared:
        return None  # no two terms can be equal
    signatures = [
        (sig, signature(rest, refined=True)) if sig in shared else sig
        for (_, rest), sig in zip(split, signatures)
    ]
    shared = _repeated(signatures)
    if not shared:
        return None
    groups: dict[tuple, list] = {}
    for (coeff, rest), sig in zip(split, signatures):
        k = ("key", key(canonical(rest))) if sig in shared else ("alone", sig)
        if k in groups:
            groups[k][0] += coeff
        else:
            groups[k] = [coeff, rest]
    if len(groups) == len(t.terms):
        return None
    terms = [scaled(c, rest) for c, rest in groups.values() if c != 0]
    if not terms:
        return zero_like(t)
    return terms[0] if len(terms) == 1 else T.Add(tuple(terms))


def _shape(x: Term):
    """What ``_free_places(split_coefficient(x)[1])`` is a function of, read off ``x`` without
    building that or looking into its factors: a product's number of factors, an entry itself,
    a sum's (kind, free indices); None (unknown) when ``x`` holds a number. Terms with
    different shapes have different places, so a sum of n products of growing length is passed
    over in time linear in n, not in its size."""
    kind = type(x)
    if kind is T.Prod:
        return None if T.Num in map(type, x.factors) else len(x.factors)
    if kind is T.Var:
        return x
    return None if kind is T.Num else (kind, T.free(x))


def _free_places(t: Term):
    """Where ``t`` holds its free indices: an entry itself, else the number of factors of a
    product, the (name, position, index) of each free index of an entry among them and the
    (kind, free indices) of each other factor, as a multiset. Canonical forms rename summed
    indices and order factors, so terms with equal forms have equal places (the cheapest test
    of ``add_collect``, before any signature)."""
    if type(t) is T.Var:
        return t
    if type(t) is not T.Prod:
        return type(t), T.free(t)
    summed, places = set(t.summed), {}
    for f in t.factors:
        if type(f) is T.Var:
            for place in [(f.name, k, i) for k, i in enumerate(f.indices) if i not in summed]:
                places[place] = places.get(place, 0) + 1
        else:
            place = (type(f), T.free(f).difference(summed))
            places[place] = places.get(place, 0) + 1
    return len(t.factors), frozenset(places.items())


def _repeated(items: list) -> set:
    seen: set = set()
    return {s for s in items if s in seen or seen.add(s)}


@rule(T.Prod, "c (-u - v) w -> (-c) (u + v) w  (every term of the sum negative: its sign out)")
def prod_negated_sum(t: T.Prod):
    """So that ``-(-a - b)`` prints as ``a + b``: a sum factor whose terms all have negative
    coefficients gives its sign to the product (which folds it into its number). Once the
    terms are positive the rule cannot fire again."""
    for k, f in enumerate(t.factors):
        if type(f) is not T.Add or not all(coefficient(x).numerator < 0 for x in f.terms):
            continue  # (signs first, no term rebuilt: most sums have a positive term first;
            # the sign of the numerator, not Fraction's slow `< 0`)
        flipped = T.Add(tuple(scaled(-c, rest) for c, rest in map(split_coefficient, f.terms)))
        rest = t.factors[:k] + t.factors[k + 1 :]
        return T.Prod((T.MINUS_ONE, *rest, flipped), t.summed)
    return None
