"""Matrix-power rules: chains of one matrix fold into powers, powers merge and normalise.

Input: one index-IR node. Output: an equal node, or None when the rule does not apply.
Invariants: ``RULES`` here is data like ``rules.RULES`` (``simplify`` runs both); merging is a
single linear pass with a worklist, so a chain of k factors folds in k - 1 steps; two factors
are powers of one matrix only when their canonical bases are equal.
"""

from __future__ import annotations

from einderiv.calculus.rewriting import Rule, rule
from einderiv.ir import index_ir as T
from einderiv.ir.canon import canonical, memo_table
from einderiv.ir.index_ir import Term
from einderiv.ir.signature import blind_hash

RULES: list[Rule] = []


@rule(T.Prod, "sum_c B^p[a,c] B^q[c,b] -> B^(p+q)[a,b]  (so X[a,c] X[c,b] -> X^2[a,b])", RULES)
def prod_merge_powers(t: T.Prod):
    """One linear pass with a worklist: a chain of k factors merges in k - 1 steps."""
    if not t.summed or not _may_merge(t):
        return None  # no two neighbours can be powers of one matrix
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


def _may_merge(t: T.Prod) -> bool:
    """Whether some summed index joins two factors of the same base key (a necessary condition
    for a merge: a chain A1 X A2 X ... has many X, but no two of them side by side)."""
    summed = set(t.summed)
    first: dict = {}  # summed index -> the base key of the first factor met that holds it
    for f in t.factors:
        k = f.name if type(f) is T.Var else _base_key(f)  # (_base_key of an entry, inline)
        if k is None:
            continue
        for i in f.indices if type(f) is T.Var else T.free(f):
            if i in summed:
                met = first.get(i)
                if met is None:
                    first[i] = k
                elif met == k:
                    return True
    return False


_VIEWS = memo_table()  # within one derivation (see ``canon.scope``)


def _power_view(f: Term, row: T.Index, col: T.Index):
    """``f`` as ``(B^e)[row, col]``: returns (base, bound, exponent) or None."""
    found = _VIEWS.get((f, row, col), _VIEWS)
    if found is _VIEWS:
        found = _VIEWS[(f, row, col)] = _find_power_view(f, row, col)
    return found


def _find_power_view(f: Term, row: T.Index, col: T.Index):
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
    if key == "expr" and type(left) is type(right) and blind_hash(left) != blind_hash(right):
        return None  # (a power's base against a sum or product is left to the views)
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


@rule(T.MatPow, "B^0[a,b] -> delta[a,b];  B^1[a,b] -> B[a,b]", RULES)
def matpow_trivial(t: T.MatPow):
    if t.exponent is _ZEROTH:
        return T.Delta(*t.indices)
    if t.exponent is _FIRST:
        return T.rename(t.base, dict(zip(t.bound, t.indices)))
    return None


_ZEROTH, _FIRST = T.affine(0), T.affine(1)  # (interned: equal is identical)


@rule(T.MatPow, "(X')^e[a,b] -> X^e[b,a];  (B^p)^n -> B^(p n) for integer n", RULES)
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


@rule(T.MatPow, "(c B)^e[a,b] -> c^e B^e[a,b] for a number c != 0, e an integer literal", RULES)
def matpow_scalar(t: T.MatPow):
    # inv(2 X)[a,b] -> 1/2 inv(X)[a,b]: the number out of the base, as tr(inv(2 X) A) is
    # tr(inv(X) A) / 2 (a symbolic e stays: 2^k is no number node)
    base = t.base
    if type(base) is not T.Prod or not t.exponent.is_literal:
        return None
    numbers = [f for f in base.factors if type(f) is T.Num]
    if not numbers or any(f.value == 0 for f in numbers):
        return None
    rest = tuple(f for f in base.factors if type(f) is not T.Num)
    c = 1
    for f in numbers:
        c *= f.value
    inner = rest[0] if len(rest) == 1 and not base.summed else T.Prod(rest, base.summed)
    power = T.MatPow(inner, t.bound, t.exponent, t.indices)
    return T.Prod((T.Num(c**t.exponent.const), power))
