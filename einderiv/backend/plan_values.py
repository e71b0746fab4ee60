"""Values and steps of a compiled program, and the index bookkeeping its planner needs.

Input: nothing of its own; ``plan.Planner`` builds ``Val``s and ``Step``s while walking a term.
Output: ``Val`` (a lazily scaled / broadcast / delta-tied array held by a step), the text
helpers ``scaled`` and ``align``, ``safe_name`` for the program's parameters, and the ordering / factoring helpers;
``as_float`` (a constant past float64's range noted for the plan: ``overflows``).
Invariants:
- Nothing here sorts indices by name: orders are taken from the term's own wiring, so a plan is
  equivariant under renaming of indices.
- A ``Val`` never holds user text: ``core`` is a step name, a parameter name made by
  ``safe_name``, or the repr of a float.
"""

from __future__ import annotations

import builtins
import itertools
import keyword
import math
from dataclasses import dataclass

from einderiv.backend.overflows import note_overflow
from einderiv.backend.steps import align_spec
from einderiv.errors import EinderivError
from einderiv.ir import index_ir as T
from einderiv.ir.number_text import format_number


def safe_name(name: str) -> str:
    """A Python identifier for a user's variable or size name, never one of the generated names
    (which all start with ``_``). A keyword, builtin or ``np`` gets a trailing ``_``, and so does
    a name that already ends in ``_``, so two names never meet (``float`` -> ``float_``,
    ``float_`` -> ``float__``)."""
    if not name.isidentifier() or name.startswith("_"):
        raise EinderivError(f"{name!r} is not a valid variable name")
    if keyword.iskeyword(name) or hasattr(builtins, name) or name in ("np", "numpy"):
        return name + "_"
    return name + "_" if name.endswith("_") else name


def dim_local(dim: str, reserved: frozenset) -> str:
    """The local variable holding a named size in generated code: ``_n``, or ``__sum`` when
    ``_sum`` is one of the ``reserved`` helper names (no helper starts with two underscores)."""
    local = f"_{dim}"
    return f"_{local}" if local in reserved else local


def as_float(value) -> float:
    """A number (``Fraction``, int) as float64: ``inf`` past its range, as numpy's 2.0 ** 1050
    is (``float()`` raises OverflowError there), ``0.0`` below it. Past the range it is noted
    for the plan (``overflows_of``), which says it at each run as numpy says an overflow."""
    try:
        return float(value)
    except OverflowError:
        note_overflow(format_number(value).strip("()"))  # 10^400, 2 10^400
        return math.inf if value > 0 else -math.inf


def literal(value: float) -> str:
    """Python text of a float: ``2.5``, ``float('inf')``, ``float('nan')`` (never bare inf)."""
    value = float(value)
    if math.isfinite(value):
        return repr(value)
    if math.isnan(value):
        return "float('nan')"
    return "float('inf')" if value > 0 else "(-float('inf'))"


def integer_text(const: int, terms) -> str:
    """Python text of ``const + sum(coeff * name)``: ``k - 1``, ``(2 * k + 1)``."""
    text = ""
    for name, coeff in terms:
        sign = "-" if coeff < 0 else "+"
        size = "" if abs(coeff) == 1 else f"{abs(coeff)} * "
        text += f" {sign} {size}{name}"
    if const or not text:
        text += f" {'-' if const < 0 else '+'} {abs(const)}"
    text = text.removeprefix(" + ").removeprefix(" ")
    text = "-" + text[2:] if text.startswith("- ") else text
    return text if text.isidentifier() or text.isdigit() else f"({text})"


class Val:
    """value[free] = scale * core[order] * prod(delta over ties), constant over ``bcast``.

    ``core`` is a step name or, when ``const`` is not None, a literal scalar. ``ties`` pairs an
    index with the representative it equals; representatives are in ``order`` or ``bcast``.
    """

    __slots__ = ("bcast", "const", "core", "order", "scale", "ties", "zero")

    def __init__(self, core, order=(), bcast=(), ties=(), scale=1.0, const=None, zero=False):
        self.core = core
        self.order = tuple(order)
        self.bcast = tuple(bcast)
        self.ties = tuple(ties)
        self.scale = scale
        self.const = const
        self.zero = zero

    def renamed(self, m: dict) -> Val:
        return Val(
            self.core,
            tuple(m[i] for i in self.order),
            tuple(m[i] for i in self.bcast),
            tuple((m[i], m[r]) for i, r in self.ties),
            self.scale,
            self.const,
            self.zero,
        )

    @property
    def lazy(self) -> bool:
        return bool(self.bcast or self.ties)


def arg_of(v: Val):
    """A step's argument for ``v``'s core: its name, or its constant as a float."""
    return float(v.const) if v.const is not None else v.core


def constant(value: float, bcast=()) -> Val:
    return Val(literal(value), (), bcast, (), 1.0, float(value))


def scaled(expr: str, scale: float) -> str:
    if scale == 1.0:
        return expr
    if scale == -1.0:
        return f"(-{expr})"
    return f"({literal(scale)} * {expr})"


def align(expr: str, order, target) -> str:
    """``expr`` (axes ``order``) transposed and indexed with None to broadcast over ``target``
    (the text of ``steps.align_spec``)."""
    perm, slots = align_spec(order, target)
    simple = " " not in expr
    if perm is not None:
        expr = expr if simple else f"({expr})"
        simple = True
        expr = f"{expr}.T" if perm == (1, 0) else f"_perm({expr}, {perm})"
    if slots is not None:
        expr = expr if simple else f"({expr})"
        expr = f"{expr}[{', '.join(':' if s else 'None' for s in slots)}]"
    return expr


def free_of(v: Val) -> set:
    return set(v.order) | set(v.bcast) | {i for i, _ in v.ties}


def tie_groups(v: Val, rank) -> dict:
    """index -> the first (by ``rank``) index of its delta group."""
    group: dict = {}
    for i, r in v.ties:
        group.setdefault(r, [r]).append(i)
    rep = {}
    for members in group.values():
        first = min(members, key=rank.get)
        for i in members:
            rep[i] = first
    return rep


def rerep(v: Val, rep: dict) -> Val:
    m = {i: rep.get(i, i) for i in v.order + v.bcast}
    return Val(
        v.core,
        tuple(m[i] for i in v.order),
        tuple(m[i] for i in v.bcast),
        tuple((i, r) for i, r in rep.items() if i != r),
        v.scale,
        v.const,
        v.zero,
    )


def product_order(specs, out, hint) -> tuple:
    """The axis order a product's step returns: BLAS's own (transposes are free views), else
    the consumer's preferred order (an outer product written in its final layout)."""
    keep = set(out)
    if len(specs) == 2:
        (_, ca), (_, cb) = specs
        if len(set(ca)) == len(ca) and len(set(cb)) == len(cb):
            order = pair_order(ca, cb, keep)
            if pair_contracts(ca, cb, keep):
                return order
            return prefer(order, hint)
    order: dict = {}
    for _, classes in specs:
        for i in classes:
            if i in keep:
                order.setdefault(i, None)
    return prefer(tuple(order), hint)


def prefer(order, hint) -> tuple:
    if not hint:
        return order
    first = tuple(i for i in hint if i in order)
    return first + tuple(i for i in order if i not in first)


def pair_contracts(ca, cb, keep) -> bool:
    return any(c in cb and c not in keep for c in ca)


def is_constant(v: Val) -> bool:
    return v.const is not None and not v.lazy


def pair_order(ca, cb, keep) -> tuple:
    sb, sa = set(cb), set(ca)
    ca = [c for c in ca if c in sb or c in keep]
    cb = [c for c in cb if c in sa or c in keep]
    shared_kept = [c for c in ca if c in sb and c in keep]
    only_a = [c for c in ca if c not in sb]
    only_b = [c for c in cb if c not in sa]
    if not shared_kept:
        return tuple(only_a + only_b)
    if all(c in keep for c in ca if c in sb):  # no contraction: broadcasting product
        return tuple(ca + only_b)
    return tuple([c for c in ca if c in keep] + only_b)


def factor_common(t: T.Add):
    """``sum_a f[a,i] g[a,j] + sum_a f[a,i] h[a,j]`` -> ``sum_a f[a,i] (g[a,j] + h[a,j])``: the
    factors common to every term are taken out when the remaining sum has fewer indices than the
    products (so ``X' A + X' A'`` costs one matrix product, not two, and a Hessian's terms
    ``x[j] x[l] (R1[i,k] + R2[i] delta[i,k])`` fill the big result once)."""
    terms = t.terms
    if len(terms) < 2 or not all(isinstance(x, T.Prod) for x in terms):
        return None
    first = terms[0]
    common = []
    for f in dict.fromkeys(first.factors):
        if isinstance(f, T.Num) or not T.free(f):
            continue
        if all(x.factors.count(f) >= first.factors.count(f) for x in terms[1:]):
            common.extend([f] * first.factors.count(f))
    width = len(T.free(first) | frozenset(first.summed))
    # the remaining sum is one array, never wider than the sum itself (two terms of a long
    # chain share many factors; taking them out would leave a sum with 140 axes)
    widest = len(T.free(first))
    best, best_gain = None, 0
    for size in range(min(len(common), 8), 0, -1):
        for chosen in itertools.combinations(common[:8], size):
            made = factor_out(terms, chosen)
            if made is not None and made[1] <= widest and width - made[1] > best_gain:
                best, best_gain = made[0], width - made[1]
    return best


def inline_factored(t: T.Prod) -> T.Prod:
    """``t`` with each factor that is a sum with common factors (``factor_common``) replaced by
    the factors of its factored product, whose summed indices get fresh names, so that the whole
    product is one contraction: ``sum_n,m Y[n,m] (X[n,i] F[j,m,n] - X[n,i] G[j,m,n])`` is
    contracted as ``Y[n,m] X[n,i] (F - G)[j,m,n]`` along opt_einsum's path (O(n m j + n i j)),
    never through the 4-index array ``X[n,i] (F - G)[j,m,n]`` first (an MLP's gradient by its
    first layer built an N x d x h x c array)."""
    factors, summed, changed = [], list(t.summed), False
    for f in t.factors:
        inner = factor_common(f) if isinstance(f, T.Add) else None
        if inner is None:
            factors.append(f)
            continue
        changed = True
        fresh = {i: T.fresh(i.dim) for i in inner.summed}
        factors.extend(T.rename(x, fresh) for x in inner.factors)
        summed.extend(fresh.values())
    return T.Prod(tuple(factors), tuple(summed)) if changed else t


def factor_out(terms, chosen):
    ci = frozenset().union(*(T.free(f) for f in chosen))
    s0 = frozenset(terms[0].summed) & ci
    if not all(frozenset(x.summed) & ci == s0 for x in terms[1:]):
        return None
    rests = []
    for x in terms:
        factors = list(x.factors)
        for f in chosen:
            factors.remove(f)
        rests.append(T.Prod(tuple(factors), tuple(s for s in x.summed if s not in s0)))
    width = len(T.free(rests[0]))
    if any(T.free(r) != T.free(rests[0]) for r in rests):
        return None
    summed = tuple(i for i in terms[0].summed if i in s0)
    return T.Prod(tuple(chosen) + (T.Add(tuple(rests)),), summed), width


@dataclass(frozen=True, slots=True)
class ProductClasses:
    """The indices of a product grouped by the Kronecker deltas that tie them."""

    coef: float  # the product of the factors' constants and scales
    scalars: tuple  # steps of scalar factors
    ops: tuple  # the factors with axes
    symbol: dict  # index -> the representative of its class
    ties: tuple  # (free index, representative) for free indices tied to another
    bcast: tuple  # free representatives no factor carries (the product is constant there)
    sizes: tuple  # dims of summed classes no factor carries (each sums to its size)
    out: tuple  # free representatives some factor carries: the axes of the contraction


def product_classes(vals, num: dict, summed: set) -> ProductClasses:
    """Union-find over the factors' ties: one class per group of delta-tied indices."""
    parent = {i: i for i in num}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    coef = 1.0
    scalars, ops = [], []
    for v in vals:
        coef *= v.scale
        for i, r in v.ties:
            a, b = find(i), find(r)
            if a != b:
                a, b = sorted((a, b), key=num.get)
                parent[b] = a
        if v.const is not None:
            coef *= v.const
        elif not v.order:
            scalars.append(v.core)
        else:
            ops.append(v)
    members: dict = {}
    for i in num:
        members.setdefault(find(i), []).append(i)
    symbol: dict = {}
    ties, bcast, sizes, out = [], [], [], []
    carried = {find(i) for v in ops for i in v.order}
    for root, group in members.items():
        free = [i for i in group if i not in summed]
        rep = free[0] if free else group[0]
        for i in group:
            symbol[i] = rep
        ties.extend((i, rep) for i in free[1:])
        if root in carried:
            if free:
                out.append(rep)
        elif free:
            bcast.append(rep)
        else:
            sizes.append(rep.dim)
    return ProductClasses(
        coef,
        tuple(scalars),
        tuple(ops),
        symbol,
        tuple(ties),
        tuple(bcast),
        tuple(sizes),
        tuple(out),
    )
