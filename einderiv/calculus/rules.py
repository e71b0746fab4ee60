"""The simplification rules, as data: small rewrites, each with its formula.

Input: one index-IR node. Output: an equal node, or None when the rule does not apply.
Invariants:
- ``RULES`` is a list of ``Rule(name, kind, formula, rewrite)``; ``simplify`` runs them with one
  fixpoint driver. A rule looks only at its own node (children are already simplified).
- Rules never distribute a product over a sum unless a Kronecker delta is then contracted.
- The rules for sums (flattening, merging like terms) are in ``sums``.
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.calculus import same_base
from einderiv.calculus.rewriting import (
    Rule,
    broadcast_split,
    delta_indices,
    exact_power,
    exact_product,
    one_like,
    zero_like,
)
from einderiv.calculus.rewriting import rule as register
from einderiv.ir import index_ir as T
from einderiv.ir.index_ir import ONE, Term
from einderiv.ir.ops import SIGMOID

RULES: list[Rule] = []


def rule(kind: type, formula: str, needs: tuple = ()):
    """Register ``fn`` in ``RULES`` as the rule ``formula`` for ``kind`` nodes."""
    return register(kind, formula, RULES, needs)


# ---------------------------------------------------------------------------------------------
# Products


@rule(
    T.Prod,
    "sum_e (u + v) -> sum_e u + sum_e v  (a sum of a sum: linear, no blow-up)",
    needs=(T.Add,),
)
def prod_sum_of_add(t: T.Prod):
    if len(t.factors) == 1 and isinstance(t.factors[0], T.Add):
        return T.Add(tuple(T.Prod((x,), t.summed) for x in t.factors[0].terms))
    adds = [f for f in t.factors if type(f) is T.Add]
    if not t.summed or len(adds) != 1:
        return None
    summed = set(t.summed)  # sum_e c (u + v) -> c sum_e (u + v), c constant in e: no
    others = [f for f in t.factors if f is not adds[0]]  # distribution, one sum of a sum
    if any(summed & T.free(f) for f in others):
        return None
    return T.Prod((*others, T.Prod((adds[0],), t.summed)))


@rule(T.Prod, "0 x -> 0", needs=(T.Zero, T.Num))
def prod_zero(t: T.Prod):
    for f in t.factors:
        kind = type(f)
        if kind is T.Zero or (kind is T.Num and f.value == 0):  # is_zero, inline (a hot loop)
            return zero_like(t)
    return None


@rule(T.Prod, "a (b c) -> a b c  (inner summed indices renamed apart)", needs=(T.Prod,))
def prod_flatten(t: T.Prod):
    if not any(isinstance(f, T.Prod) for f in t.factors):
        return None
    taken = set(t.summed) | set(T.free(t))
    factors: list[Term] = []
    summed = list(t.summed)
    for f in t.factors:
        if not isinstance(f, T.Prod):
            factors.append(f)
            continue
        clash = {s: T.fresh(s.dim) for s in f.summed if s in taken or s in summed}
        inner = tuple(T.rename(g, clash) for g in f.factors) if clash else f.factors
        factors.extend(inner)
        summed.extend(clash.get(s, s) for s in f.summed)
    return T.Prod(tuple(factors), tuple(summed))


@rule(
    T.Prod,
    "sum_a s (u[a] - c) -> s (sum_a u[a] - n c)  (s, c constant in a: deviations sum to 0)",
    needs=(T.Add,),
)
def prod_sum_of_deviations(t: T.Prod):
    """A sum over ``a`` of a sum in which some term is constant in ``a`` is split term by term
    (linearity of the sum, no product distributed), so that ``sum(x - n^-1 sum(x))`` becomes
    ``sum(x) - n n^-1 sum(x)`` and cancels to 0. The sum must be the only factor that depends
    on ``a`` (ones aside); other summed indices stay outside (``sum_{a,d} v[d] w[d] (u[a] -
    c) -> sum_d v[d] w[d] sum_a (u[a] - c)``)."""
    if not t.summed:
        return None
    summed = set(t.summed)
    held: dict = {}  # summed index -> the factors (ones aside) that hold it, in order
    for f in t.factors:  # (one pass: per summed index, a scan of every factor was quadratic)
        if type(f) is not T.Ones:
            for a in T.free(f) & summed:
                held.setdefault(a, []).append(f)
    for a in t.summed:
        users = held.get(a, ())
        if len(users) != 1 or type(users[0]) is not T.Add:
            continue
        inside = users[0]
        if not any(_constant_in(x, a) for x in inside.terms):
            continue
        ones = tuple(f for f in t.factors if type(f) is T.Ones and f.index == a)
        total = T.Add(tuple(T.Prod((x, *ones), (a,)) for x in inside.terms))
        others = tuple(f for f in t.factors if f is not inside and f not in ones)
        rest = tuple(i for i in t.summed if i != a)
        return T.Prod((*others, total), rest) if others or rest else total
    return None


def _constant_in(x: Term, a: T.Index) -> bool:
    """Whether ``x`` depends on ``a`` only through ones (``c 1[a]`` is constant in ``a``)."""
    factors = x.factors if isinstance(x, T.Prod) else (x,)
    return not any(a in T.free(f) for f in factors if not isinstance(f, T.Ones))


@rule(T.Prod, "2 (3 x) -> 6 x;  1 x -> x;  (x) -> x")
def prod_numbers(t: T.Prod):
    numbers = [f for f in t.factors if type(f) is T.Num]
    if not numbers:  # the common case
        return t.factors[0] if len(t.factors) == 1 and not t.summed else None
    rest = tuple(f for f in t.factors if not isinstance(f, T.Num))
    if len(numbers) <= 1 and not (numbers and numbers[0] == ONE):
        if len(t.factors) == 1 and not t.summed:
            return t.factors[0]
        if numbers and t.factors[0] is not numbers[0]:
            return T.Prod((numbers[0],) + rest, t.summed)
        return None
    coeff = exact_product([f.value for f in numbers])
    if coeff is None:  # 1e308 1e308: past float64, the numbers stay apart (and evaluate to inf)
        return None
    factors = rest if coeff == 1 else (T.Num(coeff),) + rest
    if not factors:
        return ONE if not t.summed else T.Prod((ONE,), t.summed)
    return T.Prod(factors, t.summed)


@rule(T.Prod, "sum_j delta[i,j] A[j,k] -> A[i,k]", needs=(T.Delta,))
def prod_delta(t: T.Prod):
    """One pass: each contracted delta joins its summed end to the other end (union-find), and
    the other factors are renamed once at the end, so k deltas cost one renaming, not k."""
    summed = dict.fromkeys(t.summed)  # an ordered set
    parent: dict[T.Index, T.Index] = {}

    def find(i: T.Index) -> T.Index:
        while i in parent:
            i = parent[i]
        return i

    factors: list[Term] = []
    fired = False
    ends: set[T.Index] = set()  # ends of contracted deltas: the only indices that can vanish
    for f in t.factors:
        if type(f) is not T.Delta:
            factors.append(f)
            continue
        a, b = find(f.a), find(f.b)
        if a == b:  # delta[b,b] = 1[b]: b stays summed
            factors.append(T.Ones(a))
        elif a in summed or b in summed:
            gone, kept = (a, b) if a in summed else (b, a)
            del summed[gone]
            parent[gone] = kept
            ends.update((f.a, f.b))
        else:
            factors.append(f)
            continue
        fired = True
    if not fired:
        return None
    if parent:
        mapping = {i: find(i) for i in parent}
        get = mapping.get
        renamed = []
        for g in factors:
            if type(g) is T.Var:  # an entry, renamed inline (as T.rename would)
                indices = tuple([get(i, i) for i in g.indices])
                g = g if indices == g.indices else T.Var(g.name, indices)
            elif not T.free(g).isdisjoint(mapping):
                g = T.rename(g, mapping)
            renamed.append(g)
        factors = renamed
    # a free index held only by contracted deltas (sum_a delta[a,i]); each end is a factor's
    # free index, so it is free in t unless summed there (T.free(t) & ends, without T.free(t))
    missing = ends.difference(t.summed)
    for g in factors:
        if not missing:
            break
        held = g.indices if type(g) is T.Var else T.free(g)  # (an entry's: its indices)
        if not missing.isdisjoint(held):
            missing = missing.difference(held)
    if missing:  # sum_a delta[a,i] -> 1[i]
        factors += [T.Ones(i) for i in sorted(missing, key=lambda i: i.name)]
    if not factors:
        return T.Prod((ONE,), tuple(summed)) if summed else ONE
    return T.Prod(tuple(factors), tuple(summed))


@rule(T.Prod, "1[a] x[a] -> x[a];  sum_a 1[a] c -> n c;  sum_a c -> n c")
def prod_ones(t: T.Prod):
    has_ones = T.Ones in map(type, t.factors)
    if not has_ones and set(t.summed) <= frozenset().union(*map(T.free, t.factors)):
        return None  # nothing to drop and every summed index is used: the common case
    factors = list(t.factors)
    summed = list(t.summed)
    fired = False
    for k, f in reversed(list(enumerate(factors))):
        if not isinstance(f, T.Ones):
            continue
        others = factors[:k] + factors[k + 1 :]
        if any(f.index in T.free(g) for g in others):
            del factors[k]
            fired = True
    users: dict[T.Index, list[int]] = {}
    for k, g in enumerate(factors):
        for i in T.free(g):
            users.setdefault(i, []).append(k)
    dropped: set[int] = set()
    for s in list(summed):
        own = users.get(s, [])
        if not own or (len(own) == 1 and isinstance(factors[own[0]], T.Ones)):
            dropped.update(own)
            summed.remove(s)
            factors.append(T.Size(s.dim))
            fired = True
    factors = [g for k, g in enumerate(factors) if k not in dropped]
    if not fired:
        return None
    return T.Prod(tuple(factors) or (ONE,), tuple(summed))


@rule(
    T.Prod,
    "sum_j (delta[j,i] u + v) w[j] -> sum_j delta[j,i] u w[j] + sum_j v w[j]",
    needs=(T.Add,),
)
def prod_distribute_delta(t: T.Prod):
    summed = frozenset(t.summed)
    for k, f in enumerate(t.factors):
        if type(f) is T.Add and not summed.isdisjoint(delta_indices(f)):
            rest = t.factors[:k] + t.factors[k + 1 :]
            return T.Add(tuple(T.Prod(rest + (x,), t.summed) for x in f.terms))
    return None


@rule(T.Prod, "x sum_r u(r) -> sum_r x u(r)", needs=(T.SumOver,))
def prod_hoist_sumover(t: T.Prod):
    for k, f in enumerate(t.factors):
        if isinstance(f, T.SumOver):
            rest = t.factors[:k] + t.factors[k + 1 :]
            var, body = f.var, f.body
            if any(var in T.int_names(g) for g in rest):
                new = T.fresh_int()
                body, var = T.subst_int(body, var, T.affine(0, {new: 1})), new
            return T.SumOver(var, f.count, T.Prod(rest + (body,), t.summed))
    return None


RULES.extend(same_base.RULES)  # u^p u^q -> u^(p+q), sqrt(u)^p u^q -> sqrt(u)^(p+2q): here, in order


@rule(T.Prod, "exp(u) (1 + exp(u))^-1 -> sigmoid(u)", needs=(T.Pow,))
def prod_sigmoid(t: T.Prod):
    for k, f in enumerate(t.factors):
        if not (isinstance(f, T.Pow) and f.exponent == T.MINUS_ONE):
            continue
        if not (isinstance(f.base, T.Add) and len(f.base.terms) == 2):
            continue
        one, other = f.base.terms
        if isinstance(other, T.Ones) or other == ONE:
            one, other = other, one
        if not ((isinstance(one, T.Ones) or one == ONE) and isinstance(other, T.Func)):
            continue
        if other.name != "exp" or other not in t.factors:
            continue
        j = t.factors.index(other)
        rest = tuple(g for m, g in enumerate(t.factors) if m not in (j, k))
        return T.Prod(rest + (T.Func(SIGMOID.name, other.arg),), t.summed)
    return None


# ---------------------------------------------------------------------------------------------
# Atoms


@rule(T.Delta, "delta[a,a] -> 1[a]")
def delta_diagonal(t: T.Delta):
    return T.Ones(t.a) if t.a == t.b else None


def _is_identity(t) -> bool:
    return _identity_on(t.base, t.bound)


def _identity_on(base, bound) -> bool:
    """Whether ``base`` is ``delta`` over the bound pair of a determinant or power."""
    return isinstance(base, T.Delta) and base.a != base.b and {base.a, base.b} == set(bound)


@rule(T.Det, "det(delta) -> 1  (the identity of any size)", needs=(T.Delta,))
def det_of_identity(t: T.Det):
    return T.Num(Fraction(1)) if _is_identity(t) else None


@rule(T.Det, "det(c delta) -> c^n  (a multiple of the n-by-n identity)", needs=(T.Prod,))
def det_of_scaled_identity(t: T.Det):
    base = t.base
    if not isinstance(base, T.Prod) or base.summed or len(base.factors) != 2:
        return None
    c, delta = base.factors
    if not isinstance(c, T.Num) or not _identity_on(delta, t.bound):
        return None
    n = delta.a.dim
    if not isinstance(n, int):
        return T.Pow(c, T.Size(n))
    power = exact_power(c.value, n)  # 2^(10^6) of det(2 I) of a million rows: a power
    return T.Num(power) if power is not None else T.Pow(c, T.Num(Fraction(n)))


@rule(T.LogDet, "logdet(delta) -> 0  (the identity of any size)", needs=(T.Delta,))
def logdet_of_identity(t: T.LogDet):
    return T.Num(Fraction(0)) if _is_identity(t) else None


@rule(T.Pow, "u^1 -> u;  u^0 -> 1;  1^p -> 1;  2^3 -> 8;  (u^p)^n -> u^(p n) for integer n")
def pow_simple(t: T.Pow):
    base, p = t.base, t.exponent
    if isinstance(base, T.Ones) or base == ONE:  # 1 to every real power is 1 (ones .^ -1)
        return base if not T.free(p) - T.free(base) else None
    if isinstance(p, T.Num):
        if p.value == 1:
            return base
        if p.value == 0:
            return one_like(base)
        integer = p.value.denominator == 1
        if isinstance(base, T.Num) and integer and (base.value != 0 or p.value > 0):
            power = exact_power(base.value, int(p.value))  # 2^20000 stays a power
            return T.Num(power) if power is not None else None
        if isinstance(base, T.Pow) and isinstance(base.exponent, T.Num) and integer:
            return T.Pow(base.base, T.Num(base.exponent.value * p.value))
    return None


@rule(T.Pow, "(s 1[a])^p -> s^p 1[a]  (a broadcast scalar raised elementwise)")
def pow_broadcast(t: T.Pow):
    split = None if T.free(t.exponent) else broadcast_split(t.base)
    if split is None or isinstance(t.base, T.Ones):  # 1[a]^p: pow_numbers' 1^p
        return None
    inner, ones = split
    return T.Prod((T.Pow(inner, t.exponent), *ones))


@rule(T.Pow, "(2 u)^-1 -> 1/2 u^-1  (a number taken out of a product to an integer power)")
def pow_of_scaled(t: T.Pow):
    base, p = t.base, t.exponent
    if type(base) is not T.Prod or type(p) is not T.Num or p.value.denominator != 1:
        return None
    numbers = [f for f in base.factors if type(f) is T.Num]
    if len(numbers) != 1 or numbers[0].value == 0:  # prod_numbers folds several; 0^-1 stays
        return None
    power = exact_power(numbers[0].value, int(p.value))
    if power is None:
        return None
    rest = tuple(f for f in base.factors if type(f) is not T.Num)
    inner = rest[0] if len(rest) == 1 and not base.summed else T.Prod(rest, base.summed)
    return T.Prod((T.Num(power), T.Pow(inner, p)))


@rule(
    T.SumOver,
    "sum_{r<n} c -> n c;  sum_r (u + v) -> sum_r u + sum_r v;  sum_{r<0} u -> 0",
)
def sumover_simple(t: T.SumOver):
    if t.var not in T.int_names(t.body):
        count = T.Num(Fraction(t.count.const)) if t.count.is_literal else t.count
        return T.Prod((count, t.body))
    if isinstance(t.body, T.Add):
        return T.Add(tuple(t.replace(body=x) for x in t.body.terms))
    if t.count == T.affine(0):
        return zero_like(t)
    return None
