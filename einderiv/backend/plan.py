"""Planning a compiled program: index IR -> SSA steps with lazy values, rendered later.

Input: a term (with the axes of its value) and a backend name.
Output: ``Planner.comp(term)`` -> (class id, ``Val``, canonical free order); ``planner.steps``
the program's steps in order, ``planner.vars`` / ``planner.ints`` / ``planner.dims`` what it
reads. Functions (``exp``, powers, ``inv``, ``det``) are planned by ``plan_functions``, mixed in;
rendering the steps to Python text is ``render.Render``'s job.
Invariants:
- The term is walked once. Subterms equal up to a renaming of their indices share one step
  (``inv(X)``, ``det(X)``, ``W1 x``, ``tanh(W1 x)``...), found through keys built from the
  children's class ids and the wiring of their indices; nothing is sorted by index name, so a
  key and its axis order are renaming-equivariant.
- A value is lazy in three cheap ways (see ``plan_values.Val``): a constant ``scale``, indices
  it is constant over (``Ones``) and indices tied by a Kronecker delta. Deltas and ones in
  products become index renaming; a dense identity is built only when a tied value must be
  materialised.
- Sums whose common factors shrink the work are factored first (``X' A + X' A'`` ->
  ``X' (A + A')``); symbolic sums (``SumOver``) are left to the renderer's fallback.
"""

from __future__ import annotations

import math

import opt_einsum as oe

from einderiv.backend.binding import term_dims
from einderiv.backend.plan_functions import FunctionPlanning
from einderiv.backend.plan_values import (
    Step,
    Val,
    align,
    constant,
    factor_common,
    integer_text,
    is_constant,
    literal,
    prefer,
    product_classes,
    product_order,
    rerep,
    safe_name,
    scaled,
    tie_groups,
    var_names,
)
from einderiv.errors import EinderivError
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors


class Planner(FunctionPlanning):
    def __init__(self, expr, backend: str = "numpy"):
        self.backend = backend
        self.steps: list[Step] = []
        self.step_names: set = set()
        self.ints: set = set()  # integer variables the program reads
        self.by_term: dict = {}  # term -> (cid, val, cf)
        self.by_key: dict = {}  # key -> (cid, val, cf)
        self.loads: dict = {}
        self.vars: set = set()
        self.dims: dict = {}  # Dim -> None (ordered set of named dimensions used)
        self.unique = 0
        self.hint = None

    # -- helpers

    def step(self, deps, render) -> str:
        name = f"_{len(self.steps)}"
        self.steps.append(Step(name, tuple(d for d in deps if d in self.step_names), render))
        self.step_names.add(name)
        return name

    def use_dim(self, dim):
        for factor in dim_factors(dim):  # a compound ("m*n") is sized by its factors
            if not isinstance(factor, int):
                self.dims.setdefault(factor, None)

    def integer(self, const, terms) -> str:
        """Python text of ``const + sum(coeff * name)`` over integer variables."""
        terms = list(terms)
        self.ints.update(name for name, _ in terms)
        return integer_text(const, [(safe_name(name), coeff) for name, coeff in terms])

    def materialize(self, val: Val, target) -> str:
        """A step (or name) holding the full array of ``val`` with axes ``target``."""
        target = tuple(target)
        if not val.lazy and val.const is None and val.scale == 1.0 and val.order == target:
            return val.core
        if not val.lazy:
            if val.const is not None:
                return self.step((), lambda c: f"np.float64({literal(val.const * val.scale)})")
            return self.step(
                (val.core,), lambda c: scaled(align(val.core, val.order, target), val.scale)
            )
        for i in target:
            self.use_dim(i.dim)
        tie = dict(val.ties)

        def render(c):
            shape = c.shape_text(i.dim for i in target)
            if not val.ties:
                core = scaled(align(val.core, val.order, target), val.scale)
                return f"_broadcast({core}, {shape})"
            reps = [i for i in target if i not in tie]  # one view axis per group
            core = scaled(align(val.core, val.order, reps), val.scale)
            if c.backend == "numpy":  # written straight into the diagonal of a zero array
                groups = tuple(reps.index(tie.get(i, i)) for i in target)
                return f"_expand({core}, {shape}, {groups})"
            # generic: broadcast the core over target, times one identity per tied pair
            parts = [scaled(align(val.core, val.order, target), val.scale)]
            for i, r in val.ties:
                parts.append(align(f"_eye({c.size_text(i.dim)})", (r, i), target))
            return f"_broadcast({' * '.join(parts)}, {shape})"

        return self.step((val.core,), render)

    # -- the walk

    def comp(self, t: T.Term, hint=None):
        """(class id, value, canonical free order) of ``t``; ``hint``: a preferred axis order."""
        hit = self.by_term.get(t)
        if hit is not None:
            return hit
        self.hint = hint
        made = self._comp(t)
        self.by_term[t] = made
        return made

    def _lookup(self, key, cf, build):
        hit = self.by_key.get(key)
        if hit is not None:
            cid, val, old = hit
            return cid, val.renamed(dict(zip(old, cf))), cf
        val = build()
        made = (len(self.by_key), val, cf)
        self.by_key[key] = made
        return made

    def _unique(self, val_builder, cf):
        self.unique += 1
        return self._lookup(("unique", self.unique), cf, val_builder)

    def _comp(self, t: T.Term):
        hint = self.hint
        match t:
            case T.Zero(indices=indices):
                for i in indices:
                    self.use_dim(i.dim)
                cf = tuple(dict.fromkeys(indices))
                key = ("Zero", tuple(i.dim for i in cf))
                return self._lookup(key, cf, lambda: Val("0.0", (), cf, (), 1.0, 0.0, True))
            case T.Num(value=value):
                return self._lookup(("Num", value), (), lambda: constant(float(value)))
            case T.Affine(const=const, names=names, coeffs=coeffs):
                if not names:
                    return self._lookup(("Num", const), (), lambda: constant(float(const)))
                text = self.integer(const, zip(names, coeffs))
                return self._lookup(
                    ("Affine", t), (), lambda: Val(self.step((), lambda c: f"_float({text})"))
                )
            case T.Size(dim=dim):
                self.use_dim(dim)
                return self._lookup(
                    ("Size", dim),
                    (),
                    lambda: Val(self.step((), lambda c: c.float_text((dim,)))),
                )
            case T.Ones(index=index):
                return self._lookup(("Ones", index.dim), (index,), lambda: constant(1.0, (index,)))
            case T.Delta(a=a, b=b):
                if a == b:
                    return self._lookup(("Ones", a.dim), (a,), lambda: constant(1.0, (a,)))
                return self._lookup(
                    ("Delta", a.dim), (a, b), lambda: Val("1.0", (), (a,), ((b, a),), 1.0, 1.0)
                )
            case T.Pair(c=c, i=i, j=j) if i != j:  # delta[c,(i,j)]: a constant (m n, m, n) array
                self.use_dim(c.dim)
                return self._lookup(
                    ("Pair", i.dim, j.dim),
                    (c, i, j),
                    lambda: Val(
                        self.step(
                            (), lambda r: f"_pair({r.size_text(i.dim)}, {r.size_text(j.dim)})"
                        ),
                        (c, i, j),
                    ),
                )
            case T.Pair():
                return self._fallback(t)
            case T.Var(name=name, indices=indices):
                return self._var(name, indices)
            case T.Add():
                factored = factor_common(t)
                if factored is not None:
                    return self.comp(factored, hint)
                return self._add(t, hint)
            case T.Prod():
                return self._prod(t, hint)
            case T.Func(name=name, arg=arg):
                return self._func(name, arg, hint)
            case T.Pow(base=base, exponent=exponent):
                return self._power(base, exponent)
            case T.MatPow() | T.Det() | T.LogDet():
                return self._matrix_function(t)
            case T.RowFunc():
                return self._row_function(t)
            case T.SumOver():
                return self._fallback(t)
        raise EinderivError(f"cannot compile {type(t).__name__}")

    def _var(self, name, indices):
        self.vars.add(name)
        for i in indices:
            self.use_dim(i.dim)
        cf = tuple(dict.fromkeys(indices))
        pattern = tuple(cf.index(i) for i in indices)
        if name not in self.loads:
            param = safe_name(name)
            if self.backend == "numpy":
                self.loads[name] = param  # the program's parameter itself
            else:
                self.loads[name] = self.step((), lambda c: f"_asarray({param})")
        load = self.loads[name]
        if len(cf) == len(indices):
            return self._lookup(("Var", name, pattern), cf, lambda: Val(load, cf))
        spec = "".join(oe.get_symbol(k) for k in pattern)
        out = "".join(oe.get_symbol(k) for k in range(len(cf)))

        def build():
            return Val(self.step((load,), lambda c: f"_einsum('{spec}->{out}', {load})"), cf)

        return self._lookup(("Var", name, pattern), cf, build)

    def _fallback(self, t):
        """A symbolic sum: evaluated by the uncompiled evaluator (its body depends on the loop)."""
        order = tuple(sorted(T.free(t), key=lambda i: i.name))
        for dim in sorted(term_dims(t) | {i.dim for i in order}, key=str):
            self.use_dim(dim)  # the evaluator gets every size the sum mentions
        for name in sorted(var_names(t)):
            self.vars.add(name)

        def build():
            for name in T.int_names(t):
                self.ints.add(name)
            return Val(self.step((), lambda c: c.fallback(t, order)), order)

        return self._unique(build, order)

    # -- sums

    def _children(self, terms, hint=None):
        kids = [self.comp(x, hint) for x in terms]
        kids.sort(key=lambda k: k[0])
        num: dict = {}
        for _, _, cf in kids:
            for i in cf:
                num.setdefault(i, len(num))
        wiring = tuple((cid, tuple(num[i] for i in cf)) for cid, _, cf in kids)
        return kids, num, wiring

    def _add(self, t: T.Add, hint):
        kids, num, wiring = self._children(t.terms, hint)
        cf = tuple(num)
        return self._lookup(("Add", wiring), cf, lambda: self._build_add(kids, cf, hint))

    def _build_add(self, kids, cf, hint):
        vals = [v for _, v, _ in kids if not v.zero]
        if not vals:
            return Val("0.0", (), cf, (), 1.0, 0.0, True)
        if len(vals) == 1:
            return vals[0]
        rank = {i: k for k, i in enumerate(cf)}
        groups = [tie_groups(v, rank) for v in vals]
        if all(g == groups[0] for g in groups):
            rep = groups[0]
            vals = [rerep(v, rep) for v in vals]
            ties = tuple((i, r) for i, r in rep.items() if i != r)
        else:  # different delta structure: materialise every tied term
            full = prefer(cf, hint)
            vals = [self._full_val(v, full) if v.ties else v for v in vals]
            ties = ()
        order: dict = {}
        for v in vals:
            for i in v.order:
                order.setdefault(i, None)
        order = prefer(tuple(order), hint)
        tied = {i for i, _ in ties}
        bcast = tuple(i for i in cf if i not in order and i not in tied)
        constant = sum(v.const * v.scale for v in vals if v.const is not None)
        arrays = [v for v in vals if v.const is None]
        if not arrays:
            return Val(literal(constant), (), bcast, ties, 1.0, constant)

        arrays.sort(key=lambda v: v.scale != 1.0)  # x - y rather than (-y) + x

        def render(c):
            parts = []
            for v in arrays:
                text = align(v.core, v.order, order)
                if not parts:
                    parts.append(scaled(text, v.scale))
                elif v.scale == 1.0:
                    parts.append(f"+ {text}")
                elif v.scale == -1.0:
                    parts.append(f"- {text}")
                else:
                    parts.append(f"+ {literal(v.scale)} * {text}")
            if constant and parts[0].startswith("(-"):  # 1 - x rather than (-x) + 1
                parts[0] = f"{literal(constant)} - {parts[0][2:-1]}"
            elif constant:
                parts.append(f"+ {literal(constant)}")
            return " ".join(parts)

        return Val(self.step([v.core for v in arrays], render), order, bcast, ties)

    def _full_val(self, v: Val, cf) -> Val:
        return Val(self.materialize(v, cf), cf)

    # -- products

    def _prod(self, t: T.Prod, hint):
        kids, num, wiring = self._children(t.factors)
        summed = t.summed
        for s in summed:
            num.setdefault(s, len(num))
        sset = set(summed)
        tail = (tuple(sorted(num[s] for s in summed)), tuple(i.dim for i in num))
        cf = tuple(i for i in num if i not in sset)
        key = ("Prod", wiring) + tail
        hit = self.by_key.get(key)
        if hit is not None:
            return self._lookup(key, cf, None)
        # the product without its constant factors: -X w and X w share one step
        plain = [(k, w) for k, w in zip(kids, wiring) if not is_constant(k[1])]
        coef = math.prod(k[1].const * k[1].scale for k in kids if is_constant(k[1]))
        core_key = ("Prod", tuple(w for _, w in plain)) + tail
        if coef != 1.0 and coef != 0.0 and plain:
            hit = self.by_key.get(core_key)
            if hit is not None:
                _, val, old = hit
                val = val.renamed(dict(zip(old, cf)))
                val = Val(val.core, val.order, val.bcast, val.ties, val.scale * coef, val.const)
                return self._lookup(key, cf, lambda: val)
        made = self._lookup(key, cf, lambda: self._build_prod(kids, num, sset, cf, hint))
        val = made[1]
        if coef != 1.0 and coef != 0.0 and plain and core_key not in self.by_key:
            scale = val.scale / coef
            core = Val(val.core, val.order, val.bcast, val.ties, scale, val.const, val.zero)
            self.by_key[core_key] = (len(self.by_key), core, cf)
        return made

    def _build_prod(self, kids, num, sset, cf, hint):
        vals = [v for _, v, _ in kids]
        if any(v.zero for v in vals):
            for i in cf:
                self.use_dim(i.dim)
            return Val("0.0", (), cf, (), 1.0, 0.0, True)
        pc = product_classes(vals, num, sset)
        coef, scalars, ops, symbol = pc.coef, pc.scalars, pc.ops, pc.symbol
        ties, bcast, sizes, out = pc.ties, pc.bcast, pc.sizes, pc.out
        for i in num:
            self.use_dim(i.dim)
        specs = [(v.core, tuple(symbol[i] for i in v.order)) for v in ops]
        if not specs and not scalars and not sizes:
            return Val(literal(coef), (), bcast, ties, 1.0, coef)
        if len(specs) == 1 and not scalars and not sizes:
            name, classes = specs[0]
            if len(set(classes)) == len(classes) and set(classes) == set(out):
                return Val(name, classes, bcast, ties, coef)
        order = product_order(specs, out, hint)
        deps = [s[0] for s in specs] + list(scalars)
        return Val(
            self.step(deps, lambda c: c.contract(specs, order, coef, scalars, sizes)),
            order,
            bcast,
            ties,
        )
