"""Rules for elementwise functions (``index_ir.Func``: exp, log, sqrt, tanh, ... of the registry).

Input: one ``Func`` node. Output: an equal term, or None when the rule does not apply.
Invariants: ``RULES`` is data like ``rules.RULES`` (``simplify`` runs all tables); a function's
value at 1 is read from the registry's numpy implementation, and folded only when it is
exactly 0 or 1.
"""

from __future__ import annotations

import numpy as np

from einderiv.calculus.rewriting import (
    Rule,
    broadcast_split,
    rule,
    scaled,
    split_coefficient,
    zero_like,
)
from einderiv.ir import index_ir as T
from einderiv.ir.canon import canonical, key
from einderiv.ir.index_ir import MINUS_ONE, ONE, ZERO
from einderiv.ir.ops import ABS, COSH, ELEMENTWISE, ROW, SIGMOID, SIGN, SINH, TANH

RULES: list[Rule] = []


@rule(T.Func, "f(s 1[a]) -> f(s) 1[a]  (an elementwise function of a broadcast scalar)", RULES)
def func_broadcast(t: T.Func):
    """So that a sum over ``a`` sees the ``1[a]`` (``sum_a sqrt(1[a] 1[j]) -> n sqrt(1) 1[j]``):
    inside the function, its size would be fixed by nothing in the printed form."""
    split = broadcast_split(t.arg)
    if split is None:
        return None
    inner, ones = split
    return T.Prod((t.replace(arg=inner), *ones))


@rule(
    T.Func,
    "log(exp(u)) -> u  (for every real u; exp(log(u)) = u only for u > 0: not a rule);"
    "  log(1) -> 0;  sqrt(1) -> 1",
    RULES,
)
def func_inverse_pair(t: T.Func):
    inner = t.arg
    if t.name == "log" and isinstance(inner, T.Func) and inner.name == "exp":
        return inner.arg
    if t.name == "log" and isinstance(inner, T.Ones):  # log(1[a]) -> 0
        return zero_like(t)
    if inner == ONE and t.name in _AT_ONE:  # log(1) -> 0, sqrt(1) -> 1
        return _AT_ONE[t.name]
    return None


# f(1) for the registry's functions whose value at 1 is exactly 0 or 1 (log, sqrt, abs, ...)
_AT_ONE = {
    name: ZERO if value == 0 else ONE
    for name, record in ELEMENTWISE.items()
    if (value := float(record.numpy(np.array(1.0)))) in (0.0, 1.0)
}


@rule(T.Add, "1 - sigmoid(u) -> sigmoid(-u)  (so sigmoid' / (1 - sigmoid) cancels)", RULES)
def add_sigmoid_complement(t: T.Add):
    """``1[a] - sigmoid(u[a])`` (or ``1 - sigmoid(u)`` of a scalar) as ``sigmoid(-u)``: the
    derivative of log(1 - sigmoid(u)) is then ``-sigmoid(u) sigmoid(-u) / sigmoid(-u)``, whose
    powers merge (the logistic loss's gradient is ``(sigmoid(X w) .* (1 - y) - ...)``)."""
    if len(t.terms) != 2:
        return None
    for one, other in (t.terms, t.terms[::-1]):
        if not (one == ONE or type(one) is T.Ones) or type(other) is not T.Prod:
            continue
        if other.summed or len(other.factors) != 2 or other.factors[0] != T.MINUS_ONE:
            continue
        f = other.factors[1]
        if type(f) is T.Func and f.name == SIGMOID.name and T.free(f) == T.free(one):
            return f.replace(arg=T.Prod((T.MINUS_ONE, f.arg)))
    return None


@rule(
    T.Add,
    "c P (1 - o) sigmoid(s) - c P o sigmoid(-s) -> c P (sigmoid(s) - o)"
    "  (sigmoid(-s) = 1 - sigmoid(s): the cross-entropy's gradient)",
    RULES,
    needs=(T.Prod,),
)
def add_sigmoid_pair(t: T.Add):
    """A term ``c P (1 - o) sigmoid(s)`` and its partner ``-c P o sigmoid(-s)`` (equal up to
    the names of summed indices): ``(1 - o) sigmoid(s) - o (1 - sigmoid(s))`` is
    ``sigmoid(s) - o``, so the logistic loss's gradient is ``(sigmoid(X w) - y)' X``. Canonical
    forms are computed only for sums with a term that has both a ``1 - o`` and a sigmoid."""
    keys: list | None = None
    for k, q in enumerate(t.terms):
        for partner, merged in _candidates(q):
            if keys is None:
                keys = [_key(term) for term in t.terms]
            wanted = _key(partner)
            for j, found in enumerate(keys):
                if j != k and found == wanted:
                    rest = [term for n, term in enumerate(t.terms) if n not in (j, k)]
                    return T.Add((*rest, merged)) if rest else merged
    return None


def _key(t: T.Term) -> tuple:
    """(coefficient, canonical key of the rest): equal for terms equal up to bound names."""
    coeff, rest = split_coefficient(t)
    return coeff, key(canonical(rest))


def _candidates(q: T.Term):
    """For each ``1 - o`` factor and sigmoid factor of the product ``q = c P (1 - o) sigmoid(s)``:
    (the partner ``-c P o sigmoid(-s)``, the pair's sum ``c P (sigmoid(s) - o)``)."""
    if type(q) is not T.Prod:
        return
    sigmoids = [f for f in q.factors if type(f) is T.Func and f.name == SIGMOID.name]
    if not sigmoids:
        return
    for b in q.factors:
        o = _complement_of(b)
        if o is None:
            continue
        for sig in sigmoids:
            others = _without(_without(q.factors, b), sig)
            coeff, inner = split_coefficient(sig.arg)
            flipped = sig.replace(arg=scaled(-coeff, inner))
            partner = T.Prod((MINUS_ONE, *others, o, flipped), q.summed)
            merged = T.Prod((*others, T.Add((sig, T.Prod((MINUS_ONE, o))))), q.summed)
            yield partner, merged


def _complement_of(b: T.Term) -> T.Term | None:
    """``o`` when ``b`` is ``1 - o`` (``1[i] - o[i]`` for vectors); None otherwise."""
    if type(b) is not T.Add or len(b.terms) != 2:
        return None
    for unit, minus in (b.terms, b.terms[::-1]):
        if unit == ONE or type(unit) is T.Ones:
            coeff, other = split_coefficient(minus)
            if coeff == -1 and T.free(unit) == T.free(other):
                return other
    return None


def _without(factors: tuple, f: T.Term) -> tuple:
    k = factors.index(f)
    return factors[:k] + factors[k + 1 :]


@rule(
    T.Prod,
    "sinh(u) cosh(u)^p -> tanh(u) cosh(u)^(p + 1)  (p < 0: sinh / cosh = tanh)",
    RULES,
    needs=(T.Pow,),
)
def prod_tanh(t: T.Prod):
    """So that d/dx sum(log(cosh(x))) is ``tanh(x)'``, not ``(sinh(x) ./ cosh(x))'``."""
    for k, f in enumerate(t.factors):
        if not (type(f) is T.Pow and type(f.exponent) is T.Num and f.exponent.value < 0):
            continue
        if not (type(f.base) is T.Func and f.base.name == COSH.name):
            continue
        sinh = T.Func(SINH.name, f.base.arg)
        if sinh not in t.factors:
            continue
        j = t.factors.index(sinh)
        rest = tuple(g for m, g in enumerate(t.factors) if m not in (j, k))
        p = f.exponent.value + 1
        left = (T.Pow(f.base, T.Num(p)),) if p else ()
        return T.Prod((*rest, T.Func(TANH.name, f.base.arg), *left), t.summed)
    return None


@rule(
    T.Prod,
    "sum_s softmax(u)[a,s] -> 1[a]  (a row of softmax sums to 1: the registry's row_sum)",
    RULES,
    needs=(T.RowFunc,),
)
def prod_row_sum(t: T.Prod):
    """A sum over the entries of one row of a function whose rows have a constant sum, the
    entry index in no other factor: that sum, broadcast over the rows (``sum(softmax(W x))``
    is 1, so its derivative is 0)."""
    for k, f in enumerate(t.factors):
        if type(f) is not T.RowFunc or not f.indices or f.indices[0] not in t.summed:
            continue
        s, total = f.indices[0], ROW[f.name].row_sum
        others = t.factors[:k] + t.factors[k + 1 :]
        if total is None or s in T.free(f.base) or any(s in T.free(g) for g in others):
            continue
        rows = sorted(T.free(f.base) - {f.bound}, key=lambda i: i.name)
        summed = tuple(i for i in t.summed if i != s)
        return T.Prod((*others, T.num(total), *map(T.Ones, rows)), summed)
    return None


@rule(
    T.Prod,
    "sign(u) u -> abs(u);  sign(u) abs(u)^p -> u^p  (p an odd integer: |u|^p = u^p sign(u)^p)",
    RULES,
    needs=(T.Func,),
)
def prod_sign(t: T.Prod):
    """So that d log|det(X)| / dX is ``X^-1`` and d log|x| / dx is ``1 / x``, not
    ``det(X) sign(det(X)) X^-1 / abs(det(X))``. The first holds everywhere (sign(0) 0 = 0 =
    abs(0)); the second wherever either side is defined (u != 0 for p < 0)."""
    for k, f in enumerate(t.factors):
        if not (type(f) is T.Func and f.name == SIGN.name):
            continue
        u = f.arg
        for j, g in enumerate(t.factors):
            if g == u:  # sign(u) u -> abs(u)
                new = T.Func(ABS.name, u)
            elif _odd_power_of_abs(g, u):  # sign(u) abs(u)^p -> u^p
                new = T.Pow(u, g.exponent)
            else:
                continue
            rest = tuple(h for m, h in enumerate(t.factors) if m not in (j, k))
            return T.Prod((*rest, new), t.summed)
    return None


def _odd_power_of_abs(g: T.Term, u: T.Term) -> bool:
    """Whether ``g`` is ``abs(u)^p`` with ``p`` an odd integer."""
    if not (type(g) is T.Pow and type(g.exponent) is T.Num):
        return False
    p = g.exponent.value
    base = g.base
    return (
        p.denominator == 1
        and p.numerator % 2 == 1
        and type(base) is T.Func
        and base.name == ABS.name
        and base.arg == u
    )
