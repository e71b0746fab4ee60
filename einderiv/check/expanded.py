"""Two index terms proved equal once their products of sums are multiplied out.

Input: the judge (``verdict._Judge``: its ``oriented``, applied again after simplifying), the
claim and the derivative as its ``exactly_equal`` has them (index IR, renamed to the
derivative's axes, simplified, oriented).
Output: ``expanded_equal(judge, claim, want)``: True (the judge's ``exact_method`` said) when, with each product over a sum written
as the sum of its products -- sum_a x[a] (U[a,i] + V[a,i]) = sum_a x[a] U[a,i] + sum_a x[a]
V[a,i], the product keeping its summed indices (an index a term lacks is summed as before: a
factor of its size) -- both simplify to one canonical form; else False (nothing proved: exact
arithmetic decides, as before).
Invariants: a proof as the canonical comparison is one (every step an identity, the
simplifier's rules too); tried only on large terms (``LARGE`` variables or more, where exact
arithmetic evaluates every variable at each of its points: ``x' (A0 + ... + A999) x``, whose
derivative prints ``x' (A0 + ... + (A0 + ...)')``, a product of a sum where the derivative has
two products); at most ``limit`` products (twice the variables met, plus 64), so multiplying
out never grows the work past linear.
"""

from __future__ import annotations

from einderiv.calculus.simplify import simplify
from einderiv.errors import EinderivError
from einderiv.ir import index_ir as T
from einderiv.ir.canon import canonical

__all__ = ["EXPANDED", "LARGE", "expanded_equal"]

LARGE = 200  # variables in the two terms: below it exact arithmetic is quick
EXPANDED = "equal canonical forms once products of sums are multiplied out"


class _TooMany(Exception):
    """Multiplying out would give more products than the limit."""


def expanded_equal(judge, claim: T.Term, want: T.Term) -> bool:
    """Whether ``claim`` and ``want`` multiplied out simplify to one canonical form (then the
    ``judge``'s ``exact_method`` says so)."""
    count = sum(type(u) is T.Var for t in (claim, want) for u in T.nodes(t))
    if count < LARGE:
        return False
    limit = 2 * count + 64
    try:
        spread = [_terms_of(t, limit) for t in (claim, want)]
        if all(type(t) is not T.Add or len(t.terms) < 2 for t in spread):
            return False  # no sum to multiply out: the canonical forms were compared as they are
        a, b = (judge.oriented(simplify(t)) for t in spread)
    except (_TooMany, EinderivError):
        return False
    if canonical(a) != canonical(b):
        return False
    judge.exact_method = EXPANDED
    return True


def _terms_of(t: T.Term, limit: int) -> T.Term:
    terms = _expanded(t, limit)
    return terms[0] if len(terms) == 1 else T.Add(tuple(terms))


def _expanded(t: T.Term, limit: int) -> list:
    """The products ``t`` is the sum of (a sum's terms flattened, a product over a sum spread
    into one product per term); ``_TooMany`` past ``limit``."""
    if type(t) is T.Add:
        out = [x for term in t.terms for x in _expanded(term, limit)]
    elif type(t) is T.Prod and any(type(f) is T.Add for f in t.factors):
        k = next(k for k, f in enumerate(t.factors) if type(f) is T.Add)
        before, after = t.factors[:k], t.factors[k + 1 :]
        out = []
        for x in _expanded(t.factors[k], limit):  # (U + V) W: U W + V W, then W's sums
            out += _expanded(T.Prod((*before, x, *after), t.summed), limit)
            if len(out) > limit:
                raise _TooMany
    else:
        out = [t]
    if len(out) > limit:
        raise _TooMany
    return out
