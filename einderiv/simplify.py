"""Simplification: index IR -> equal index IR, by small rewrite rules run to a fixpoint.

Input: a term (typically a fresh derivative full of Kronecker deltas).
Output: an equal term with the deltas contracted, zeros and ones removed, equal terms merged and
chains of one matrix folded into powers; finally in canonical form (``canon``).
Invariants:
- ``RULES`` is data: each rule names the node type it applies to and carries its formula.
  ``simplify`` is the one driver: children first, then the node's rules until none fires.
- Rules never distribute a product over a sum unless a Kronecker delta is then contracted:
  ``tr((X + A)^8)`` stays a chain of 8 factors, and its derivative 8 terms that merge into one.
- Merging like terms hashes canonical keys; there is no pairwise comparison of terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from . import index_ir as T
from .canon import canonical, key
from .index_ir import ONE, Term

_MAX_REWRITES = 10_000
_EXPAND_LIMIT = 16


@dataclass(frozen=True)
class Rule:
    """Rewrite ``kind`` nodes: ``rewrite`` returns the new term, or None if it does not apply."""

    name: str
    kind: type
    formula: str
    rewrite: Callable[[Term], Term | None]


RULES: list[Rule] = []


def rule(kind: type, formula: str):
    def register(fn):
        RULES.append(Rule(fn.__name__, kind, formula, fn))
        return fn

    return register


# Rules that only restructure (no delta contraction, no merging): what a student writes first.
STRUCTURAL = ("add_flatten", "prod_flatten", "prod_numbers", "prod_zero", "prod_sum_of_add")


def simplify(t: Term) -> Term:
    """Run every rule to a fixpoint, then put the result in canonical form.

    A symbolic sum with a small literal count that is still there at the fixpoint is then
    written out (``sum_{r<2} u(r) -> u(0) + u(1)``) and the rules run once more: expanding
    only at the end lets the sum first merge away (``sum_r X^r X^(k-1-r) -> k X^(k-1)``).
    """
    done = _Driver(RULES).run(t)
    expanded = _expand_sums(done)
    if expanded is not done:
        done = _Driver(RULES).run(expanded)
    return canonical(done)


def _expand_sums(t: Term) -> Term:
    kids = [_expand_sums(c) for c in T.children(t)]
    t = with_children(t, kids)
    if isinstance(t, T.SumOver) and t.count.is_literal and abs(t.count.const) <= _EXPAND_LIMIT:
        n = t.count.const
        if n == 0:
            return zero_like(t)
        values = range(n) if n > 0 else range(n, 0)  # a backward sum when n < 0
        terms = tuple(T.subst_int(t.body, t.var, T.affine(r)) for r in values)
        total = terms[0] if len(terms) == 1 else T.Add(terms)
        return total if n > 0 else T.Prod((T.MINUS_ONE, total))
    return t


def tidy(t: Term) -> Term:
    """Only flatten nested sums and products and fold numbers (for showing derivation steps)."""
    return canonical(_Driver([r for r in RULES if r.name in STRUCTURAL]).run(t))


class _Driver:
    def __init__(self, rules: list[Rule]):
        self.memo: dict[Term, Term] = {}
        self.budget = _MAX_REWRITES
        self.by_kind: dict[type, list[Rule]] = {}
        for r in rules:
            self.by_kind.setdefault(r.kind, []).append(r)

    def run(self, t: Term) -> Term:
        done = self.memo.get(t)
        if done is not None:
            return done
        current = with_children(t, [self.run(c) for c in T.children(t)])
        changed = True
        while changed and self.budget > 0:
            changed = False
            for r in self.by_kind.get(type(current), ()):
                new = r.rewrite(current)
                if new is not None and new != current:
                    self.budget -= 1
                    current = self.run(new)
                    changed = True
                    break
        self.memo[t] = current
        self.memo[current] = current
        return current


def with_children(t: Term, kids: list[Term]) -> Term:
    """``t`` with its children replaced (same order as ``index_ir.children``)."""
    if not kids or all(a is b for a, b in zip(kids, T.children(t))):
        return t
    match t:
        case T.Add():
            return T.Add(tuple(kids))
        case T.Prod():
            return t.replace(factors=tuple(kids))
        case T.Func():
            return t.replace(arg=kids[0])
        case T.Pow():
            return T.Pow(kids[0], kids[1])
        case T.MatPow() | T.Det() | T.LogDet():
            return t.replace(base=kids[0])
        case T.SumOver():
            return t.replace(body=kids[0])
    return t


def is_zero(t: Term) -> bool:
    return isinstance(t, T.Zero) or (isinstance(t, T.Num) and t.value == 0)


def zero_like(t: Term) -> T.Zero:
    return T.Zero(tuple(sorted(T.free(t), key=lambda i: i.name)))


def one_like(t: Term) -> Term:
    ones = tuple(T.Ones(i) for i in sorted(T.free(t), key=lambda i: i.name))
    return T.Prod((ONE, *ones)) if ones else ONE


def split_coefficient(t: Term) -> tuple[Fraction, Term]:
    """``2 X[a,b]`` -> (2, X[a,b])."""
    if isinstance(t, T.Num):
        return t.value, ONE
    if isinstance(t, T.Prod):
        numbers = [f for f in t.factors if isinstance(f, T.Num)]
        if numbers:
            coeff = Fraction(1)
            for f in numbers:
                coeff *= f.value
            rest = tuple(f for f in t.factors if not isinstance(f, T.Num))
            if not rest:
                return coeff, ONE
            if len(rest) == 1 and not t.summed:
                return coeff, rest[0]
            return coeff, T.Prod(rest, t.summed)
    return Fraction(1), t


def scaled(coeff: Fraction, t: Term) -> Term:
    if coeff == 1:
        return t
    if t == ONE:
        return T.Num(coeff)
    if isinstance(t, T.Prod):
        return T.Prod((T.Num(coeff),) + t.factors, t.summed)
    return T.Prod((T.Num(coeff), t))


# ---------------------------------------------------------------------------------------------
# Sums


@rule(T.Add, "(a + (b + c)) -> a + b + c;  a + 0 -> a;  (a) -> a")
def add_flatten(t: T.Add):
    terms: list[Term] = []
    for x in t.terms:
        if isinstance(x, T.Add):
            terms.extend(x.terms)
        elif not is_zero(x):
            terms.append(x)
    if not terms:
        return zero_like(t)
    if len(terms) == 1:
        return terms[0]
    return T.Add(tuple(terms)) if len(terms) != len(t.terms) else None


@rule(T.Add, "2 T + 3 T -> 5 T  (terms equal up to the names of summed indices)")
def add_collect(t: T.Add):
    groups: dict[str, list] = {}
    for x in t.terms:
        coeff, rest = split_coefficient(x)
        k = key(canonical(rest))
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


# ---------------------------------------------------------------------------------------------
# Products


@rule(T.Prod, "sum_e (u + v) -> sum_e u + sum_e v  (a sum of a sum: linear, no blow-up)")
def prod_sum_of_add(t: T.Prod):
    if len(t.factors) == 1 and isinstance(t.factors[0], T.Add):
        return T.Add(tuple(T.Prod((x,), t.summed) for x in t.factors[0].terms))
    return None


@rule(T.Prod, "0 x -> 0")
def prod_zero(t: T.Prod):
    if any(is_zero(f) for f in t.factors):
        return zero_like(t)
    return None


@rule(T.Prod, "a (b c) -> a b c  (inner summed indices renamed apart)")
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


@rule(T.Prod, "2 (3 x) -> 6 x;  1 x -> x;  (x) -> x")
def prod_numbers(t: T.Prod):
    numbers = [f for f in t.factors if isinstance(f, T.Num)]
    rest = tuple(f for f in t.factors if not isinstance(f, T.Num))
    if len(numbers) <= 1 and not (numbers and numbers[0] == ONE):
        if len(t.factors) == 1 and not t.summed:
            return t.factors[0]
        if numbers and t.factors[0] is not numbers[0]:
            return T.Prod((numbers[0],) + rest, t.summed)
        return None
    coeff = Fraction(1)
    for f in numbers:
        coeff *= f.value
    factors = rest if coeff == 1 else (T.Num(coeff),) + rest
    if not factors:
        return ONE if not t.summed else T.Prod((ONE,), t.summed)
    return T.Prod(factors, t.summed)


@rule(T.Prod, "sum_j delta[i,j] A[j,k] -> A[i,k]")
def prod_delta(t: T.Prod):
    summed = list(t.summed)
    factors = list(t.factors)
    fired = False
    k = 0
    while k < len(factors):
        f = factors[k]
        if isinstance(f, T.Delta) and (f.a in summed or f.b in summed):
            gone, kept = (f.a, f.b) if f.a in summed else (f.b, f.a)
            del factors[k]
            summed.remove(gone)
            factors = [T.rename(g, {gone: kept}) for g in factors]
            fired = True
            k = 0
            continue
        k += 1
    if not fired:
        return None
    present = frozenset().union(*(T.free(f) for f in factors)) if factors else frozenset()
    kept = sorted(T.free(t) - present, key=lambda i: i.name)  # sum_a delta[a,i] -> 1[i]
    factors += [T.Ones(i) for i in kept]
    if not factors:
        return T.Prod((ONE,), tuple(summed)) if summed else ONE
    return T.Prod(tuple(factors), tuple(summed))


@rule(T.Prod, "1[a] x[a] -> x[a];  sum_a 1[a] c -> n c;  sum_a c -> n c")
def prod_ones(t: T.Prod):
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


@rule(T.Prod, "sum_j (delta[j,i] u + v) w[j] -> sum_j delta[j,i] u w[j] + sum_j v w[j]")
def prod_distribute_delta(t: T.Prod):
    summed = set(t.summed)
    for k, f in enumerate(t.factors):
        if isinstance(f, T.Add) and any(_has_summed_delta(x, summed) for x in f.terms):
            rest = t.factors[:k] + t.factors[k + 1 :]
            return T.Add(tuple(T.Prod(rest + (x,), t.summed) for x in f.terms))
    return None


def _has_summed_delta(t: Term, summed: set) -> bool:
    if isinstance(t, T.Delta):
        return t.a in summed or t.b in summed
    if isinstance(t, T.Prod):
        return any(isinstance(f, T.Delta) and (f.a in summed or f.b in summed) for f in t.factors)
    return False


@rule(T.Prod, "x sum_r u(r) -> sum_r x u(r)")
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


@rule(T.Prod, "u^p u^q -> u^(p+q);  u u^q -> u^(q+1)  (elementwise, same u)")
def prod_same_base(t: T.Prod):
    seen: dict[Term, int] = {}
    summed = set(t.summed)
    for k, f in enumerate(t.factors):
        base = f.base if isinstance(f, T.Pow) else f
        if isinstance(f, (T.Num, T.Ones, T.Delta)) or T.free(base) != T.free(f):
            continue
        if T.free(base) & summed:  # x[a] x[a] summed over a is an inner product: keep it
            continue
        if base in seen:
            j = seen[base]
            total = _exponent_sum(_pow_exponent(t.factors[j]), _pow_exponent(f))
            if total is None:
                continue
            merged = one_like(base) if total == T.Num(Fraction(0)) else T.Pow(base, total)
            rest = tuple(g for m, g in enumerate(t.factors) if m not in (j, k))
            return T.Prod(rest + (merged,), t.summed)
        seen[base] = k
    return None


def _pow_exponent(f: Term) -> Term:
    return f.exponent if isinstance(f, T.Pow) else ONE


def _exponent_sum(p: Term, q: Term) -> Term | None:
    if isinstance(p, T.Num) and isinstance(q, T.Num):
        return T.Num(p.value + q.value)
    return None


@rule(T.Prod, "exp(u) (1 + exp(u))^-1 -> sigmoid(u)")
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
        return T.Prod(rest + (T.Func("sigmoid", other.arg),), t.summed)
    return None


@rule(T.Prod, "sum_c B^p[a,c] B^q[c,b] -> B^(p+q)[a,b]  (so X[a,c] X[c,b] -> X^2[a,b])")
def prod_merge_powers(t: T.Prod):
    """One linear pass with a worklist: a chain of k factors merges in k - 1 steps."""
    factors: dict[int, Term] = dict(enumerate(t.factors))
    users: dict[T.Index, set[int]] = {}
    for fid, f in factors.items():
        for i in T.free(f):
            users.setdefault(i, set()).add(fid)
    summed = set(t.summed)
    work = [c for c in t.summed]
    fired = False
    while work:
        c = work.pop()
        ids = users.get(c, set())
        if c not in summed or len(ids) != 2:
            continue
        j, k = sorted(ids)
        made = _merge_pair(factors[j], factors[k], c) or _merge_pair(factors[k], factors[j], c)
        if made is None:
            continue
        fired = True
        summed.discard(c)
        new_id = max(factors) + 1
        for old in (j, k):
            for i in T.free(factors.pop(old)):
                users[i].discard(old)
        factors[new_id] = made
        for i in T.free(made):
            users.setdefault(i, set()).add(new_id)
            if i in summed:
                work.append(i)
    if not fired:
        return None
    kept = tuple(s for s in t.summed if s in summed)
    remaining = tuple(factors[fid] for fid in sorted(factors))
    if len(remaining) == 1 and not kept:
        return remaining[0]
    return T.Prod(remaining, kept)


@lru_cache(maxsize=100_000)
def _power_view(f: Term, row: T.Index, col: T.Index):
    """``f`` as ``(B^e)[row, col]``: returns (base, bound, exponent) or None."""
    if isinstance(f, T.MatPow):
        if f.indices == (row, col) and row != col:
            return canonical(f.base, 1), f.bound, f.exponent
        return None
    if isinstance(f, (T.Var, T.Add, T.Prod)) and row != col and T.free(f) == {row, col}:
        if row.dim != col.dim or (isinstance(f, T.Var) and len(f.indices) != 2):
            return None
        bound = T.bound_pair(row.dim)
        base = canonical(T.rename(f, {row: bound[0], col: bound[1]}), 1)
        return base, bound, T.affine(1)
    return None


def _base_key(f: Term):
    """A cheap necessary condition for two factors to be powers of one matrix."""
    if isinstance(f, T.Var):
        return f.name
    if isinstance(f, T.MatPow):
        return f.base.name if isinstance(f.base, T.Var) else "expr"
    return "expr" if isinstance(f, (T.Add, T.Prod)) else None


def _merge_pair(left: Term, right: Term, c: T.Index) -> Term | None:
    key = _base_key(left)
    if key is None or key != _base_key(right):
        return None
    a = (
        next((i for i in T.free(left) if i != c), None)
        if not isinstance(left, T.MatPow)
        else (left.indices[0])
    )
    b = (
        next((i for i in T.free(right) if i != c), None)
        if not isinstance(right, T.MatPow)
        else (right.indices[1])
    )
    if a is None or b is None:
        return None
    lv, rv = _power_view(left, a, c), _power_view(right, c, b)
    if lv is None or rv is None or lv[0] != rv[0] or lv[1] != rv[1]:
        return None
    return T.MatPow(lv[0], lv[1], T.affine_add(lv[2], rv[2]), (a, b))


# ---------------------------------------------------------------------------------------------
# Atoms


@rule(T.Delta, "delta[a,a] -> 1[a]")
def delta_diagonal(t: T.Delta):
    return T.Ones(t.a) if t.a == t.b else None


@rule(T.Pow, "u^1 -> u;  u^0 -> 1;  2^3 -> 8;  (u^p)^n -> u^(p n) for integer n")
def pow_simple(t: T.Pow):
    base, p = t.base, t.exponent
    if isinstance(p, T.Num):
        if p.value == 1:
            return base
        if p.value == 0:
            return one_like(base)
        integer = p.value.denominator == 1
        if isinstance(base, T.Num) and integer and (base.value != 0 or p.value > 0):
            return T.Num(base.value ** int(p.value))
        if isinstance(base, T.Pow) and isinstance(base.exponent, T.Num) and integer:
            return T.Pow(base.base, T.Num(base.exponent.value * p.value))
    return None


@rule(T.Func, "log(exp(u)) -> u;  exp(log(u)) -> u")
def func_inverse_pair(t: T.Func):
    inner = t.arg
    if isinstance(inner, T.Func) and {t.name, inner.name} == {"log", "exp"}:
        return inner.arg
    return None


@rule(T.MatPow, "B^0[a,b] -> delta[a,b];  B^1[a,b] -> B[a,b]")
def matpow_trivial(t: T.MatPow):
    if t.exponent == T.affine(0):
        return T.Delta(*t.indices)
    if t.exponent == T.affine(1):
        return T.rename(t.base, dict(zip(t.bound, t.indices)))
    return None


@rule(T.MatPow, "(X')^e[a,b] -> X^e[b,a];  (B^p)^n -> B^(p n) for integer n")
def matpow_normalise(t: T.MatPow):
    p, q = t.bound
    if isinstance(t.base, T.Var) and t.base.indices == (q, p):
        return T.MatPow(t.base.replace(indices=(p, q)), t.bound, t.exponent, t.indices[::-1])
    inner = t.base
    nested = isinstance(inner, T.MatPow) and inner.indices == t.bound
    if nested and (t.exponent.is_literal or inner.exponent.is_literal):
        if t.exponent.is_literal:
            power = T.affine_scale(inner.exponent, t.exponent.const)
        else:
            power = T.affine_scale(t.exponent, inner.exponent.const)
        rebound = T.rename(inner.base, dict(zip(inner.bound, t.bound)))
        return T.MatPow(rebound, t.bound, power, t.indices)
    return None


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
