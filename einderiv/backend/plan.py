"""Planning a program: index IR -> a list of ``steps.Step`` records (SSA) with lazy values.

Input: a term (with the axes of its value) and a backend name.
Output: ``make_plan(term, axes, backend)``, a ``steps.Plan``: the live steps in order and the
name of the result; ``Planner.comp(term)`` -> (class id, ``Val``, canonical free order).
Functions (``exp``, powers, ``inv``, ``det``) and symbolic sums: ``plan_functions``, mixed in.
Steps are data: ``render.Render`` writes them (``compile``, ``codegen``), ``execute`` runs them.
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
  ``X' (A + A')``).
- A symbolic sum is a ``loop`` step whose body holds only the steps that depend on its
  variable; every other step is hoisted before the loop (``X^k``, ``sigmoid(X^k x)`` once).
"""

from __future__ import annotations

import math

import opt_einsum as oe

from einderiv.backend.chains import share_chains
from einderiv.backend.overflows import overflows_of
from einderiv.backend.plan_functions import FunctionPlanning
from einderiv.backend.plan_pairs import PairPlanning
from einderiv.backend.plan_sums import running_sums
from einderiv.backend.plan_values import (
    Val,
    arg_of,
    as_float,
    constant,
    factor_common,
    inline_factored,
    is_constant,
    literal,
    prefer,
    product_classes,
    product_order,
    rerep,
    safe_name,
    tie_groups,
)
from einderiv.backend.steps import Plan, Step, releases
from einderiv.errors import EinderivError
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors


class Planner(FunctionPlanning, PairPlanning):
    def __init__(self, expr, backend: str = "numpy"):
        self.backend = backend
        self.scopes: list[list[Step]] = [[]]  # the program, then the body of each open loop
        self.level: dict = {}  # step name or loop variable -> its loop depth (0: the program)
        self.reads: dict = {}  # step name -> the loop variables it reads (a power's r + s)
        self.loop_vars: dict = {}  # integer name -> the local of the innermost loop over it
        self.count = self.cids = 0  # names _<k>, class ids
        self.ints: set = set()  # integer variables the program reads
        self.by_term: dict = {}  # term -> (cid, val, cf)
        self.by_key: dict = {}  # key -> (cid, val, cf)
        self.loads: dict = {}
        self.vars: set = set()
        self.dims: dict = {}  # Dim -> None (ordered set of named dimensions used)
        self.unique, self.hint = 0, None
        overflows_of(())  # a new plan: the constants noted for one that failed are dropped
        self.pair_cores: set = set()  # steps holding a dense delta[c,(i,j)] (plan_pairs)

    # -- helpers

    @property
    def steps(self) -> list[Step]:
        return self.scopes[0]

    def new_name(self) -> str:
        self.count += 1
        return f"_{self.count - 1}"

    def step(self, op, args=(), params=(), reads=()) -> str:
        """A new step ``name = op(args; params)``, placed in the innermost loop any of its
        arguments (or the loop variables it ``reads``) belongs to: hoisted out of the others."""
        name = self.new_name()
        named = [a for a in args if isinstance(a, str)] + list(reads)
        level = max((self.level.get(a, 0) for a in named), default=0)
        self.scopes[level].append(Step(name, op, tuple(args), tuple(params)))
        self.level[name] = level
        if reads:
            self.reads[name] = tuple(reads)
        return name

    def use_dim(self, dim):
        for factor in dim_factors(dim):  # a compound ("m*n") is sized by its factors
            if not isinstance(factor, int):
                self.dims.setdefault(factor, None)

    def integer(self, const, terms) -> tuple:
        """(const, ((ref, coeff), ...)) of ``const + sum(coeff * name)``: a ref is the local of a
        loop over that name, else the integer parameter (which the program then reads)."""
        refs = []
        for name, coeff in terms:
            if name in self.loop_vars:
                refs.append((self.loop_vars[name], coeff))
            else:
                self.ints.add(name)
                refs.append((safe_name(name), coeff))
        return const, tuple(refs)

    def next_cid(self) -> int:
        self.cids += 1
        return self.cids - 1

    def materialize(self, val: Val, target) -> str:
        """A step (or name) holding the full array of ``val`` with axes ``target``."""
        target = tuple(target)
        if not val.lazy and val.const is None and val.scale == 1.0 and val.order == target:
            return val.core
        if not val.lazy:
            if val.const is not None:
                return self.step("const", (), (val.const * val.scale,))
            return self.step("align", (val.core,), (val.order, target, val.scale))
        for i in target:
            self.use_dim(i.dim)
        return self.step("broadcast", (arg_of(val),), (val.order, target, val.scale, val.ties))

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
        made = (self.next_cid(), val, cf)
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
                return self._lookup(("Num", value), (), lambda: constant(as_float(value)))
            case T.Affine(const=const, names=names, coeffs=coeffs):
                if not names:
                    return self._lookup(("Num", const), (), lambda: constant(as_float(const)))
                const, refs = self.integer(const, zip(names, coeffs))
                return self._lookup(
                    ("Affine", t),
                    (),
                    lambda: Val(self.step("integer", (), (const, refs), [r for r, _ in refs])),
                )
            case T.Size(dim=dim):
                self.use_dim(dim)
                return self._lookup(
                    ("Size", dim),
                    (),
                    lambda: Val(self.step("size", (), ((dim,),))),
                )
            case T.Ones(index=index):
                return self._lookup(("Ones", index.dim), (index,), lambda: constant(1.0, (index,)))
            case T.Delta(a=a, b=b):
                if a == b:
                    return self._lookup(("Ones", a.dim), (a,), lambda: constant(1.0, (a,)))
                return self._lookup(
                    ("Delta", a.dim), (a, b), lambda: Val("1.0", (), (a,), ((b, a),), 1.0, 1.0)
                )
            case T.Pair(c=c, i=i, j=j):  # delta[c,(i,j)]: a constant (m n, m, n) array
                self.use_dim(c.dim)
                return self._pair(c, i, j)
            case T.Var(name=name, indices=indices):
                return self._var(name, indices)
            case T.Add():
                factored = factor_common(t)
                if factored is not None:
                    return self.comp(factored, hint)
                return self._add(t, hint)
            case T.Prod():  # a factored sum's factors inlined: one contraction
                return self._prod(inline_factored(t), hint)
            case T.Func(name=name, arg=arg):
                return self._func(name, arg, hint)
            case T.Pow(base=base, exponent=exponent):
                return self._power(base, exponent)
            case T.MatPow() | T.Det() | T.LogDet():
                return self._matrix_function(t)
            case T.RowFunc():
                return self._row_function(t)
            case T.SumOver():
                return self._loop(t)
        raise EinderivError(f"cannot compile {type(t).__name__}")

    def _pair(self, c, i, j):
        if i != j:

            def build():
                name = self.step("pair", (), (i.dim, j.dim))
                self.pair_cores.add(name)
                return Val(name, (c, i, j))

            return self._lookup(("Pair", i.dim, j.dim), (c, i, j), build)
        _, full, _ = self._pair(c, i, T.Index("%pair", j.dim))  # its diagonal: delta[c,(i,i)]
        return self._lookup(
            ("PairDiagonal", i.dim),
            (c, i),
            lambda: Val(self.step("diagonal_var", (full.core,), ("abb->ab",)), (c, i)),
        )

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
                self.loads[name] = self.step("load", (param,))
        load = self.loads[name]
        if len(cf) == len(indices):
            return self._lookup(("Var", name, pattern), cf, lambda: Val(load, cf))
        spec = "".join(oe.get_symbol(k) for k in pattern)
        spec += "->" + "".join(oe.get_symbol(k) for k in range(len(cf)))

        def build():
            return Val(self.step("diagonal_var", (load,), (spec,)), cf)

        return self._lookup(("Var", name, pattern), cf, build)

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
        items = tuple((v.order, v.scale) for v in arrays)
        core = self.step("add", [v.core for v in arrays], (items, order, constant))
        return Val(core, order, bcast, ties)

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
            self.by_key[core_key] = (self.next_cid(), core, cf)
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
        specs, merges = self.reshape_pairs(specs, out)  # delta[c,(i,j)]: reshapes
        if merges:
            return self.merge_pairs(specs, scalars, sizes, coef, out, merges, bcast, ties)
        specs = self.hoist_invariant(specs, out)
        if not specs and not scalars and not sizes:
            return Val(literal(coef), (), bcast, ties, 1.0, coef)
        if len(specs) == 1 and not scalars and not sizes:
            name, classes = specs[0]
            if len(set(classes)) == len(classes) and set(classes) == set(out):
                return Val(name, classes, bcast, ties, coef)
        order = product_order(specs, out, hint)
        # no operand smaller than the result: the constant stays with the value, so that a sum
        # of such products scales once (0.5 (P + P' + Q + Q'): one array, not three)
        lazy = coef != 0.0 and not scalars and all(len(c) >= len(order) for _, c in specs)
        args = [s[0] for s in specs] + list(scalars)
        params = (tuple(s[1] for s in specs), order, 1.0 if lazy else coef, sizes)
        scale = coef if lazy else 1.0
        return Val(self.step("contract", args, params), order, bcast, ties, scale)


def make_plan(term: T.Term, axes, backend: str = "numpy") -> Plan:
    """The plan of ``term`` with its value's axes in the order ``axes``."""
    planner = Planner(term, backend)
    _, val, _ = planner.comp(share_chains(term), tuple(axes))  # chains: prefixes, suffixes
    for i in axes:
        planner.use_dim(i.dim)
    result = planner.materialize(val, axes)
    steps = running_sums(live_steps(planner.steps, result), planner.new_name)
    return Plan(
        steps,
        result,
        tuple(sorted(planner.vars)),
        tuple(sorted(planner.ints)),
        tuple(planner.dims),
        planner.count,
        releases(steps, (result,)),
        overflows_of(steps),
    )


def live_steps(steps, *results) -> tuple:
    """The steps any of ``results`` depends on, in program order."""
    needed = set(results)
    live = []
    for step in reversed(steps):
        if step.name in needed:
            live.append(step)
            needed.update(step.deps)
    return tuple(live[::-1])
