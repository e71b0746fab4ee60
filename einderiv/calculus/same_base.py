"""Products of powers of one base: ``u^p u^q -> u^(p+q)``, a square root counted as a power.

Input: a product (index IR) whose children are simplified. Output: an equal product with the
powers of each base merged, or None when no two factors share a base.
Invariants: one rule, registered in ``rules.RULES`` at its place in the priority order; numeric
exponents only; ``sqrt(u)^p`` is ``u^(p/2)`` (both need u >= 0), and a merged power with a
half-integer exponent is written as a power of ``sqrt(u)`` when a factor was (``sqrt(det(X))^-1
det(X) -> sqrt(det(X))``, ``sqrt(u)^-2 u^(-1/2) -> sqrt(u)^-3``).
"""

from __future__ import annotations

from fractions import Fraction

from einderiv.calculus.rewriting import Rule, one_like, rule
from einderiv.ir import index_ir as T
from einderiv.ir.canon import canonical
from einderiv.ir.index_ir import ONE, Term

RULES: list[Rule] = []
# factors that are their own base with exponent 1 (``_root``): not powers, roots or products
_PLAIN = frozenset({T.Var, T.Delta, T.Ones, T.Num, T.Size, T.Zero, T.MatPow, T.Det, T.LogDet})


@rule(
    T.Prod,
    "u^p u^q -> u^(p+q);  u u^q -> u^(q+1)  (elementwise, same u; summed: p+q = 0);"
    "  sqrt(u)^p u^q -> sqrt(u)^(p+2q)",
    RULES,
)
def prod_same_base(t: T.Prod):
    if _PLAIN.issuperset(map(type, t.factors)) and len(set(t.factors)) == len(t.factors):
        return None  # no powers, roots or products, and no factor twice: the commonest case
    bases = [f.base if type(f) is T.Pow else f for f in t.factors]
    roots = [_root(f) for f in t.factors]  # sqrt(u)^p is u^(p/2) (u >= 0 where it is defined)
    if len(set(bases)) == len(bases) and len({r[0] for r in roots}) == len(roots):
        return None  # no two factors share a base: the common case, in one pass
    summed = set(t.summed)
    merged = _merge_unsummed_bases(t, roots, summed)
    if merged is not None:
        return merged
    # a summed base: x[a] x[a] summed over a is an inner product and stays; u^-1 u goes
    seen: dict[Term, int] = {}
    for k, (f, base) in enumerate(zip(t.factors, bases)):
        if type(f) in (T.Num, T.Ones, T.Delta) or T.free(base) != T.free(f):
            continue
        if not T.free(base) & summed:
            continue  # merged above, or never (the first factor's exponent is not a number)
        if base in seen:
            j = seen[base]
            if _exponent_sum(_pow_exponent(t.factors[j]), _pow_exponent(f)) == T.Num(Fraction(0)):
                rest = tuple(g for m, g in enumerate(t.factors) if m not in (j, k))
                return T.Prod(rest + (one_like(base),), t.summed)
            continue
        seen[base] = k
    return None


@rule(
    T.Prod,
    "x[a] x[a] (x[b] x[b])^q -> (x[a] x[a])^(q+1)  (a closed sum written out beside its power)",
    RULES,
    needs=(T.Pow,),
)
def prod_closed_power(t: T.Prod):
    """A power of a closed sum (no free index: ``x'x`` in ``norm2(x)^-1``) beside that sum
    written out as factors of the product: merged, so ``3 x'x x' / norm2(x)`` (0 / 0 at x = 0,
    where the gradient of norm2(x)^3 is 0) is ``3 norm2(x) x'``."""
    powers = [k for k, f in enumerate(t.factors) if _closed_power(f)] if t.summed else []
    if not powers:
        return None
    groups = _closed_groups(t, set(powers))
    for k in powers:
        base = t.factors[k].base
        same = canonical(base)
        matched = [
            (members, summed)
            for members, summed in groups
            if len(members) == len(base.factors)
            and canonical(T.Prod(tuple(t.factors[i] for i in members), summed)) is same
        ]
        if not matched:
            continue
        dropped = {i for members, _ in matched for i in members} | {k}
        inner = {s for _, summed in matched for s in summed}
        total = t.factors[k].exponent.value + len(matched)
        rest = tuple(f for i, f in enumerate(t.factors) if i not in dropped)
        merged = (T.Pow(base, T.Num(total)),) if total else ()
        return T.Prod(rest + merged or (ONE,), tuple(s for s in t.summed if s not in inner))
    return None


@rule(
    T.Prod,
    "u^p (u^q v)^k -> u^p u^(q k) v^k  (k an integer: a power of a product spread over its"
    " factors when one has a base of the product around it, so that they merge)",
    RULES,
    needs=(T.Pow,),
)
def prod_spread_power(t: T.Prod):
    """``norm2(y) / (norm2(x) norm2(y))^2`` is ``1 / (norm2(x)^2 norm2(y))``: (u v)^k = u^k v^k
    for an integer k (where one side is defined, so is the other)."""
    spread = [k for k, f in enumerate(t.factors) if _spreadable(f)]
    if not spread:
        return None
    outside: dict = {}  # a factor's canonical base -> the positions of the factors with it
    for k, f in enumerate(t.factors):
        outside.setdefault(canonical(_root(f)[0]), set()).add(k)
    for k in spread:
        power = t.factors[k]
        if any(outside.get(canonical(b), set()) - {k} for b in _spread_bases(power)):
            parts = tuple(T.Pow(g, power.exponent) for g in _parts(power.base))
            return T.Prod(t.factors[:k] + parts + t.factors[k + 1 :], t.summed)
    return None


def _parts(base: T.Prod) -> list[Term]:
    """The factors of ``base`` in groups joined by its summed indices, each group one term
    (``x[c] x[c] y[d] y[d] u``: x'x, y'y and u)."""
    summed, groups = set(base.summed), []
    for f in base.factors:
        joined = [g for g in groups if any(T.free(f) & T.free(h) & summed for h in g)]
        groups = [g for g in groups if all(g is not j for j in joined)]
        groups.append([h for g in joined for h in g] + [f])
    out = []
    for g in groups:
        inside = tuple(i for i in base.summed if any(i in T.free(h) for h in g))
        out.append(g[0] if len(g) == 1 and not inside else T.Prod(tuple(g), inside))
    return out


def _spread_bases(power: T.Pow):
    """The bases a spread power would put beside the product, through nested integer powers
    of products (``((u v)^2 w)^-1``: u, v and w)."""
    for g in _parts(power.base):
        yield from _spread_bases(g) if _spreadable(g) else (_root(g)[0],)


def _spreadable(f: Term) -> bool:
    """``(u v)^k``: an integer power of a product of two or more independent parts."""
    if type(f) is not T.Pow or type(f.exponent) is not T.Num or type(f.base) is not T.Prod:
        return False
    return f.exponent.value.denominator == 1 and len(_parts(f.base)) > 1


def _closed_power(f: Term) -> bool:
    """``u^q``, q a number, u a sum with no free index (``(x[a] x[a])^(-1/2)``)."""
    if type(f) is not T.Pow or type(f.exponent) is not T.Num or type(f.base) is not T.Prod:
        return False
    return bool(f.base.summed) and not T.free(f.base)


def _closed_groups(t: T.Prod, skip: set) -> list[tuple[tuple[int, ...], tuple]]:
    """The factors of ``t`` (but ``skip``, and numbers) in groups joined by the summed indices
    they share, each group with no index outside it: (its factors' positions, its indices)."""
    summed = set(t.summed)
    owner: dict = {}  # a summed index -> the group (a list of positions) that holds it
    groups: list[list[int]] = []
    for k, f in enumerate(t.factors):
        if k in skip or type(f) is T.Num:
            continue
        joined = {id(owner[i]): owner[i] for i in T.free(f) if i in owner}
        group = [k]
        for other in joined.values():
            group += other
            groups.remove(other)
        groups.append(group)
        for i in T.free(f) | {i for g in joined.values() for m in g for i in T.free(t.factors[m])}:
            owner[i] = group
    closed = []
    for group in groups:
        indices = set().union(*(T.free(t.factors[m]) for m in group))
        if indices <= summed:
            closed.append((tuple(sorted(group)), tuple(i for i in t.summed if i in indices)))
    return closed


def _merge_unsummed_bases(t: T.Prod, roots: list, summed: set) -> T.Prod | None:
    """Every base not summed, merged at once (``u^a .. u^b .. u^c -> u^(a+b+c)``, numeric
    exponents, the first's included): one pass, not one per pair (n nested norms). ``roots``:
    each factor's ``_root``."""
    groups: dict[Term, list[int]] = {}
    for k, (f, (base, _, _)) in enumerate(zip(t.factors, roots)):
        free = T.free(base)
        if type(f) not in (T.Num, T.Ones, T.Delta) and free == T.free(f) and not free & summed:
            groups.setdefault(base, []).append(k)
    done: dict[int, Term | None] = {}  # a factor's index -> what replaces it (None: dropped)
    for base, members in groups.items():
        numbers = [k for k in members if type(roots[k][1]) is T.Num]
        if len(numbers) < 2 or numbers[0] != members[0]:
            continue  # as pairwise: the first factor's exponent is folded, or none
        total = sum((roots[k][1].value for k in numbers), Fraction(0))
        done.update(dict.fromkeys(numbers))
        if total == 0:
            done[numbers[-1]] = one_like(base)
        elif total.denominator == 2 and any(roots[k][2] for k in numbers):
            done[numbers[-1]] = T.Pow(T.Func("sqrt", base), T.Num(2 * total))  # sqrt(u)^3
        else:
            done[numbers[-1]] = T.Pow(base, T.Num(total))
    if not done:
        return None
    rest = tuple(f for k, f in enumerate(t.factors) if k not in done)
    return T.Prod(rest + tuple(g for g in done.values() if g is not None), t.summed)


def _pow_exponent(f: Term) -> Term:
    return f.exponent if isinstance(f, T.Pow) else ONE


def _root(f: Term) -> tuple[Term, Term, bool]:
    """``f`` as (u, p, whether through sqrt) with ``f = u^p``: ``sqrt(u)^q`` is ``u^(q/2)``."""
    base, exponent = (f.base, f.exponent) if type(f) is T.Pow else (f, ONE)
    through = type(base) is T.Func and base.name == "sqrt" and type(exponent) is T.Num
    if through:
        base, exponent = base.arg, T.Num(exponent.value / 2)
    if type(base) is T.Prod and base.summed and not T.free(base):  # y[a] y[a] is y[b] y[b]
        base = canonical(base)
    return base, exponent, through


def _exponent_sum(p: Term, q: Term) -> Term | None:
    if isinstance(p, T.Num) and isinstance(q, T.Num):
        return T.Num(p.value + q.value)
    return None
