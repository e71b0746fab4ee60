"""Domains: where an expression, its derivative or a claim is defined, for ``check``.

Input: index-IR terms (an expression, the engine's derivative, a claim). Output: ``conditions``
(the conditions a term needs to be defined, each a ``Condition`` of a canonical sub-term),
``uncovered`` (the claim's conditions that the expression and the derivative do not already
impose), ``restricted`` (the variables needing positive entries somewhere: probes try those too).
Invariants:
- ``DOMAINS`` is the one table of elementwise functions that are not defined everywhere (it
  moves to the operator registry when there is one); every other function is total;
- a condition names a canonical term whose free indices are renamed by order of appearance, so
  ``log(x[i])`` in a claim and in the expression give the same condition;
- a condition is covered only when the same condition, or a stronger one (positive implies
  non-zero and non-negative; a positive determinant implies invertible), is imposed by the
  expression or the derivative: a syntactic test, so "covered" is a proof and "not covered"
  only a doubt (``check`` then says "undecided" unless a probe shows the claim undefined).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from einderiv.calculus.simplify import flatten
from einderiv.check.affine import always_positive, as_affine, integer_valued, never_negative
from einderiv.check.condition_form import condition_form, contracted, power_base, unit_gap
from einderiv.check.slopes import may_be_empty
from einderiv.check.sum_ranges import outside
from einderiv.ir import index_ir as T
from einderiv.ir.canon import canonical, format_affine, key
from einderiv.ir.matrix_ops import BY_ATOM, INV
from einderiv.ir.ops import ABS, COS, ELEMENTWISE, SQRT, ones_like
from einderiv.ir.signs import sign_of
from einderiv.ir.unbind import subterm_key
from einderiv.notation.printing import index_notation

__all__ = [
    "DOMAINS",
    "Condition",
    "condition_of",
    "conditions",
    "differentiable_singular",
    "implied",
    "restricted",
    "uncovered",
    "variables_of",
]

# elementwise functions defined on part of the real line: the condition on the argument, from
# the operator registry (positive, nonnegative, open_unit, above_minus_one, cos_nonzero)
DOMAINS = {name: op.domain for name, op in ELEMENTWISE.items() if op.domain != "real"}
_HOLD_AT_ONE = frozenset({"positive", "nonnegative", "above_minus_one"})  # true for x >= 1
DOMAINS[SQRT.name] = "nonnegative"  # sqrt(0) = 0 is defined (the registry's domain is its
# derivative's, u > 0): a claim sqrt(s) needs s >= 0, and only the derivative s > 0; so are
# arcsin(1) and arccos(-1) (the registry's open_unit, their derivatives'): 1 - s^2 >= 0
DOMAINS.update({n: "closed_unit" for n, kind in DOMAINS.items() if kind == "open_unit"})

_IMPLIED = {  # a condition and the weaker ones it implies
    "positive": ("positive", "nonnegative", "nonzero"),
    "nonnegative": ("nonnegative",),
    "nonzero": ("nonzero",),
    "det positive": ("det positive", "invertible"),
    "invertible": ("invertible",),
}  # "invertible where k < 0" and "nonzero where k < 0" imply only themselves


@dataclass(frozen=True)
class Condition:
    """``kind`` (positive, nonnegative, nonzero; invertible, det positive) of ``term``."""

    kind: str
    term: str  # the canonical key of the term, free indices renamed by order of appearance
    text: str = field(default="", compare=False)  # the term in index notation, for people
    names: frozenset = field(default=frozenset(), compare=False)  # its variables
    node: T.Term | None = field(default=None, compare=False)  # the term (a matrix's: over a
    # bound pair of free indices), to evaluate at a probe (``check.witness``)

    def __str__(self) -> str:
        what = self.text or self.term
        if self.kind.startswith(("invertible", "det positive")):
            return f"the matrix {what} " + _readable(
                self.kind.replace("det positive", "has det > 0")
            )
        words = {
            "positive": "> 0",
            "nonnegative": ">= 0",
            "nonzero": "!= 0",
            "above_minus_one": "> -1",
            "cos_nonzero": "has cos != 0",
        }
        first, _, rest = self.kind.partition(" ")
        return f"{what} {words.get(first, first)}" + (f" {_readable(rest)}" if rest else "")


def _readable(where: str) -> str:
    """``where %r0 - %r1 - 1 < 0``: summation variables %r0, ... as r0, ..., named as such."""
    named = re.sub(r"%r(\d+)", r"r\1", where)
    return named if named == where else f"{named} (r0, r1, ...: its summation variables)"


_HOLDS = {"positive": ("positive",), "nonnegative": ("positive", "nonnegative")}
_HOLDS["nonzero"] = ("positive",)
_SIZED = ("positive", "nonzero", "nonnegative")  # what a size (at least 1) satisfies


def condition_of(kind: str, t: T.Term) -> Condition | None:
    """The condition ``kind`` of ``t``, in one form however it is written (None: it holds)."""
    t = contracted(t)  # sum_{a,c} u[a] v[c] delta[i,a,c] > 0: u[i] v[i] > 0
    if kind == "above_minus_one":  # log1p(u): 1 + u > 0, so a claim's 1 / (1 + u) is defined
        terms = t.terms if type(t) is T.Add else (t,)
        return condition_of("positive", T.Add((ones_like(t), *terms)))
    if kind == "closed_unit":  # arcsin(u): 1 - u^2 >= 0, as its derivative's 1 - u^2 > 0 is
        return condition_of("nonnegative", unit_gap(t))
    if kind == "cos_nonzero":  # tan(u): cos(u) != 0, so a claim's 1 / cos(u)^2 is defined
        return condition_of("nonzero", T.Func(COS.name, t))
    if type(t) is T.Prod and not t.summed and any(type(f) is T.Ones for f in t.factors):
        rest = tuple(f for f in t.factors if type(f) is not T.Ones)  # an entry of s 1[i] is s
        t = rest[0] if len(rest) == 1 else T.Prod(rest) if rest else T.ONE
    if type(t) is T.Prod and not t.summed and kind in ("nonzero", "positive"):
        numbers = [f.value for f in t.factors if type(f) is T.Num]
        rest = tuple(f for f in t.factors if type(f) is not T.Num)
        if numbers and rest and all(numbers) and (kind == "nonzero" or math.prod(numbers) > 0):
            t = rest[0] if len(rest) == 1 else T.Prod(rest)  # 2 s != 0 where s != 0
    kind, t = power_base(kind, t)  # u^2 > 0 where u != 0, (x' x)^(1/2) > 0 where x' x > 0
    if sign_of(t) in _HOLDS.get(kind.split(" where ")[0], ()):
        return None  # holds everywhere: 1 + exp(u) != 0 (where k < 0 too: 2^k, (s^2 + 1)^k)
    if type(t) is T.Func and t.name == ABS.name and kind in ("positive", "nonzero"):
        return condition_of("nonzero", t.arg)  # log|det X|: |u| > 0 where u != 0
    if type(t) is T.Func and t.name == SQRT.name and kind in ("positive", "nonzero"):
        return condition_of("positive", t.arg)  # sqrt(u) != 0 where u > 0 (sqrt needs u >= 0)
    if isinstance(t, (T.Det,)) and kind == "nonzero":
        return _matrix_condition("invertible", t)
    if isinstance(t, T.Det) and kind == "positive":
        return _matrix_condition("det positive", t)
    plain = condition_form(t)  # norm2(x)^2 / n + e > 0 is x' x / n + e > 0
    found = subterm_key(plain)[0]
    if len(free := sorted(T.free(t), key=lambda i: i.name)) == 2:  # every entry: (1 + X)' is
        i, j = free  # 1 + X: the names swapped, each keeping its size (X need not be square)
        turned = T.rename(plain, {i: T.Index(j.name, i.dim), j: T.Index(i.name, j.dim)})
        found = min(found, subterm_key(turned)[0])
    return Condition(kind, found, _show(t), frozenset(variables_of(t)), t)


def _matrix_condition(kind: str, t) -> Condition:
    """A condition on the square matrix ``t.base`` (bound by ``t.bound``)."""
    return _on_matrix(kind, t.base, t.bound)


def _on_matrix(kind: str, entry: T.Term, bound: tuple) -> Condition:
    """A condition on the square matrix whose entry (row, column) is ``entry`` at ``bound``."""
    p, q = T.bound_pair(bound[0].dim)
    base = T.rename(entry, dict(zip(bound, (p, q))))
    turned = T.rename(entry, dict(zip(bound, (q, p))))  # M' is invertible where M is, and
    found = min(key(canonical(base, 1)), key(canonical(turned, 1)))  # det(M') = det(M) > 0
    text = _show(entry)
    return Condition(kind, "matrix " + found, text, frozenset(variables_of(base)), base)


def _square_factors(c: Condition) -> set[Condition]:
    """``c``, and when it says a product of square matrices all of its size is invertible,
    each factor and each run of factors invertible too (det(A B) = det(A) det(B), det(s M) =
    s^n det(M)): X' X with X n-by-n is X invertible, x A B C is A B, B C... and s M is s != 0
    and M invertible. Only a chain from the row to the column whose every index has the
    product's size: (P P')[i,j] with P n-by-m is invertible where P has rank n; P is not
    square, and A B C with B m-by-m, m > n, can be invertible with B singular."""
    t = c.node
    if c.kind != "invertible" or type(t) is not T.Prod or len(T.free(t)) != 2:
        return {c}
    p, q = T.bound_pair(next(iter(T.free(t))).dim)
    if T.free(t) != {p, q}:
        return {c}
    # s M invertible (n >= 1): s != 0 and M = (s M) / s invertible, whatever M's factors
    scalars = (condition_of("nonzero", f) for f in t.factors if not T.free(f))
    whole = {c} | {d for d in scalars if d is not None}
    matrices = [f for f in t.factors if T.free(f)]  # inv(x P P'): P P' invertible
    if len(matrices) < len(t.factors):
        whole.add(_on_matrix("invertible", _product(matrices, t.summed), (p, q)))
    if any(i.dim != p.dim for i in t.summed):
        return whole
    if any(len(T.free(f)) != 2 or any(i.dim != p.dim for i in T.free(f)) for f in matrices):
        return whole
    chain, at, left = [], p, list(matrices)
    while left:  # walk the chain p -> ... -> q, each factor once
        step = [f for f in left if at in T.free(f)]
        if len(step) != 1:
            return whole
        left.remove(step[0])
        (nxt,) = T.free(step[0]) - {at}
        if (nxt == q) != (not left) or (nxt != q and nxt not in t.summed):
            return whole
        chain.append((step[0], at, nxt))
        at = nxt
    out = set(whole)  # each run of square factors, a product of invertible matrices:
    for run in (chain[i : j + 1] for i in range(len(chain)) for j in range(i, len(chain))):
        inner = tuple(nxt for _, _, nxt in run[:-1])
        entry = _product([f for f, _, _ in run], inner)
        out.add(_on_matrix("invertible", entry, (run[0][1], run[-1][2])))
    return out


def _product(factors: list, summed: tuple) -> T.Term:  # one factor alone as itself
    return factors[0] if len(factors) == 1 and not summed else T.Prod(tuple(factors), summed)


def _show(t: T.Term) -> str:
    try:  # a message only; the key identifies the condition
        return index_notation(t, tuple(sorted(T.free(t), key=lambda i: i.name)), readable=False)
    except Exception:  # noqa: BLE001
        return ""


def conditions(t: T.Term, imposed: bool = False, sizes=frozenset()) -> set[Condition]:
    """What ``t`` needs to be defined (a term with no conditions is defined everywhere).
    ``imposed``: only what it needs at every value of its integers: not the conditions inside a
    finite sum that may have no term (``sum_{r=0}^{k-1}(log(a))`` needs nothing at k = 0), nor
    one naming a counter (``_keep``). Products flattened (X' S' X as its text groups).
    ``sizes``: the integer symbols that are sizes, at least 1 (``x: vector(n); n: integer``):
    ``sum(x)^(n - 1)`` needs nothing, as ``sum(x)^(len(x) - 1)`` does not."""
    found: set[Condition] = set()
    _collect(canonical(flatten(t)), found, imposed, set(), {}, sizes)  # summation vars %r0, ...
    out = {d for c in found for d in _factors(c)}  # (n s) != 0 of a size n: n != 0 holds
    return {d for d in out if not (d.kind in _SIZED and always_positive(d.node, sizes))}


def _factors(c: Condition) -> set[Condition]:
    """A product is non-zero exactly where each of its factors is: ``norm2(x)^3 norm2(y) != 0``
    is ``x[a] x[a] != 0`` and ``y[a] y[a] != 0``, as the expression's ``norm2(x) norm2(y) != 0``
    is, however the powers are written; so is ``(x' x) (y' y) != 0``, a product of sums over
    indices no two of them share. Only when each factor has the product's free indices (an
    entry of each factor for each entry of the product)."""
    t = c.node
    if c.kind != "nonzero" or type(t) is not T.Prod:
        return {c}
    parts = _separate(t)
    if len(parts) < 2 or any(T.free(p) != T.free(t) for p in parts):
        return {c}
    out: set[Condition] = set()
    for part in parts:
        d = condition_of("nonzero", part)
        if d is not None:  # None: non-zero everywhere (exp(u), 1 + u^2)
            out |= _factors(d)
    return out


def _separate(t: T.Prod) -> list[T.Term]:
    """``t`` as a product of terms that share no summed index: sum_a sum_b x[a] x[a] y[b] y[b]
    is (sum_a x[a] x[a]) (sum_b y[b] y[b])."""
    summed = set(t.summed)
    groups: list[tuple[list[T.Term], set]] = []
    for f in t.factors:
        joined = ([f], T.free(f) & summed)
        for g in [g for g in groups if g[1] & joined[1]]:  # sharing a summed index: one term
            groups.remove(g)
            joined = (g[0] + joined[0], g[1] | joined[1])
        groups.append(joined)
    return [
        fs[0]
        if len(fs) == 1 and not at
        else T.Prod(tuple(fs), tuple(i for i in t.summed if i in at))
        for fs, at in groups
    ]


def _collect(t: T.Term, found: set, imposed: bool, seen: set, counts: dict, sizes) -> None:
    """``counts``: the counts of the finite sums ``t`` is in, by counter (``sum_ranges``)."""
    mark = (t, frozenset(counts.items())) if counts else t
    if mark in seen:  # a subterm shared in the graph: its conditions are found already
        return
    seen.add(mark)
    if imposed and type(t) is T.SumOver and may_be_empty(t):
        return  # what its terms need, the sum does not always
    counts = {**counts, t.var: t.count} if type(t) is T.SumOver else counts
    here: set = set()
    if type(t) is T.Pow and type(t.exponent) not in (T.Num, T.Affine):
        folded = as_affine(t.exponent)  # s^(k + 1), s^(2k), s^(k - r): an integer exponent
        if folded is not None:
            t = T.Pow(t.base, folded)
        elif integer_valued(t.exponent):  # s^(k^2 - 1), s^(len(x) - 1): 0^e needs e >= 0
            if sign_of(t.exponent) is None and not never_negative(t.exponent, sizes):
                here.add(condition_of(f"nonzero where ({_show(t.exponent)}) < 0", t.base))
            _keep(here, t, found, imposed, counts)
            for child in T.children(t):  # as this very condition only: never implied
                _collect(child, found, imposed, seen, counts, sizes)
            return
    if type(t) in (T.Pow, T.MatPow) and type(t.exponent) is T.Affine and counts:
        e = outside(t.exponent, counts, exact=imposed)  # X^r, r < k: invertible nowhere
        if e is None:  # e < 0 at no term of the sums: no condition from this power
            for child in T.children(t):
                _collect(child, found, imposed, seen, counts, sizes)
            return
        t = t.replace(exponent=e)
    match t:
        case T.Func(name=name, arg=arg) if name in DOMAINS:
            if not (DOMAINS[name] in _HOLD_AT_ONE and always_positive(arg, sizes)):
                here.add(condition_of(DOMAINS[name], arg))  # log(n) of a size n: none
        case T.Pow(base=base, exponent=T.Num()) if always_positive(base, sizes):
            pass  # 1 / n, sqrt(n) of a size n (at least 1): defined everywhere
        case T.Pow(base=base, exponent=T.Num(value=v)) if v.denominator != 1:
            here.add(condition_of("positive" if v < 0 else "nonnegative", base))
        case T.Pow(base=base, exponent=T.Num(value=v)) if v < 0:
            here.add(condition_of("nonzero", base))
        case T.Pow(base=base, exponent=T.Affine() as e):  # 0^k: defined for k >= 0 only
            if not e.is_literal:  # n - 1 of a size n (>= 1): never negative, no condition
                if not never_negative(e, sizes):
                    here.add(condition_of(f"nonzero where {format_affine(e)} < 0", base))
            elif e.const < 0:
                here.add(condition_of("nonzero", base))
        case T.Pow(base=base, exponent=e) if not isinstance(e, T.Num):
            here.add(condition_of("positive", base))
        case T.MatPow(exponent=e) if not e.is_literal:  # X^k: invertible X where k < 0
            if not never_negative(e, sizes):
                here.add(_matrix_condition(f"invertible where {format_affine(e)} < 0", t))
        case T.MatPow(exponent=e) if e.const < 0:  # inv(X): the registry's domain
            here.add(_matrix_condition(INV.domain, t))
        case T.LogDet():  # logdet(X): the registry's domain, det(X) > 0
            here.add(_matrix_condition(BY_ATOM[T.LogDet].domain, t))
    _keep(here, t, found, imposed, counts)
    for child in T.children(t):
        _collect(child, found, imposed, seen, counts, sizes)


def _keep(here: set, t: T.Term, found: set, imposed: bool, counts: dict) -> None:
    """``here``, the conditions of ``t``, into ``found``; not as imposed when ``t`` names a
    counter of its sums: a condition carries no range (s^(k - r) over r < 3 would cover r < 6)."""
    if not (imposed and T.int_names(t) & counts.keys()):
        found |= here - {None}


def uncovered(claim: T.Term, *terms: T.Term, ignored=frozenset(), sizes=frozenset()) -> list:
    """The claim's conditions that none of ``terms`` imposes (nor a stronger one); a condition
    of ``ignored`` covers nothing (one the derivative's form has but the derivative does not).
    ``sizes``: the integer symbols that are sizes (``conditions``)."""
    imposed = set()
    for t in terms:
        imposed |= implied(conditions(t, imposed=True, sizes=sizes) - ignored)
    for c in list(imposed):  # X invertible everywhere: also where k < 0
        if c.kind in ("invertible", "nonzero"):
            imposed.update(
                Condition(d.kind, c.term)
                for d in conditions(claim, sizes=sizes)
                if d.kind.startswith(c.kind + " where ")
            )
    return sorted(conditions(claim, sizes=sizes) - imposed, key=str)


def implied(found: set[Condition]) -> set[Condition]:
    """``found`` and the weaker conditions each implies (x > 0: also x >= 0 and x != 0, and a
    product non-zero: each factor too), and u > 0 where both u >= 0 and u != 0 are found (the
    root of norm2(x), divided by)."""
    out = {replace(c, kind=k) for c in found for k in _IMPLIED.get(c.kind, (c.kind,))}
    out = {e for c in out for d in _factors(c) for e in _square_factors(d)}
    both = {c.term for c in out if c.kind == "nonzero"} & {
        c.term for c in out if c.kind == "nonnegative"
    }
    # u != 0 of a u >= 0 wherever defined (x[a] x[a]: condition_of drops its u >= 0 as true)
    # is u > 0: norm2(x) != 0 of x / norm2(x) covers (x' x)^(-3/2)'s x' x > 0
    signs = {c.node: sign_of(c.node) for c in out if c.kind == "nonzero" and c.node is not None}
    signed = {condition_of("positive", u) for u, sign in signs.items() if sign == "nonnegative"}
    return out | {Condition("positive", term) for term in both} | (signed - {None})


def differentiable_singular(t: T.Term, derivative: T.Term) -> frozenset[Condition]:
    """The conditions "M invertible" of ``derivative`` that only its form needs: M made of the
    variables of a det(...) of ``t`` and invertible nowhere else in ``t``. det is differentiable
    at a singular matrix (its derivative is the adjugate), though Jacobi's form det(M) M^-1 of
    it is not defined there (d|X|/dX = |X| X^-1 holds for invertible X only)."""
    names = set().union(*(variables_of(u.base) for u in T.nodes(t) if type(u) is T.Det))
    own = implied(conditions(t))
    return frozenset(
        c
        for c in conditions(derivative)
        if c.kind == "invertible" and c.names and c.names <= names and c not in own
    )


def restricted(t: T.Term) -> set[str]:
    """Variables inside an argument that must be positive or non-negative somewhere in ``t``."""
    names: set[str] = set()
    for u in T.nodes(t):  # each node once: a shared subterm is looked at once
        match u:
            case T.Func(name=name, arg=arg) if name in DOMAINS:
                names.update(variables_of(arg))
            case T.Pow(base=base, exponent=e) if not (
                isinstance(e, T.Num) and e.value.denominator == 1
            ) and not isinstance(e, T.Affine):
                names.update(variables_of(base))
            case T.LogDet(base=base):
                names.update(variables_of(base))
    return names


def variables_of(t: T.Term) -> set[str]:
    """The names of the variables in ``t``."""
    return {u.name for u in T.nodes(t) if isinstance(u, T.Var)}
