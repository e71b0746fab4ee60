"""Planning functions and symbolic sums: the part of ``plan.Planner`` for ``exp(u)``,
``u .^ p``, ``X^k``, ``inv(X)``, ``det(X)``, ``logdet(X)`` and ``sum_{r=0}^{k-1} body``.

Input: the planner's values of a function's arguments (``Val``s).
Output: new ``Val``s whose steps apply the function; constants are folded at plan time.
Invariants:
- A function of a value equal to another up to renaming shares its step (keys built from the
  argument's class id and wiring, as everywhere in the planner).
- A matrix function materialises its base once, with axes in the base's bound order; a
  tied (delta) value is materialised before any elementwise function reads it.
- A symbolic sum is one ``loop`` step; its body holds the steps that depend on the summation
  variable, and what was planned inside the loop is forgotten when it closes (a later use of
  the same subterm outside the loop is planned again, outside). A product inside a loop first
  contracts, before the loop, each connected group of its loop-invariant operands whose result
  has no more axes than its largest member (``hoist_invariant``: ``A B`` in
  ``sum_r A B X^r C``).
"""

from __future__ import annotations

import numpy as np
import opt_einsum as oe

from einderiv.backend import powersum
from einderiv.backend.overflows import folded
from einderiv.backend.plan_values import (
    Val,
    arg_of,
    constant,
    free_of,
    product_order,
)
from einderiv.errors import EinderivError, EvaluationError
from einderiv.ir import index_ir as T
from einderiv.ir.matrix_ops import BY_ATOM
from einderiv.ir.ops import ELEMENTWISE


class FunctionPlanning:
    """Mixed into ``plan.Planner``: uses its ``comp``, ``_lookup``, ``step``, ``use_dim``,
    ``materialize``, ``integer`` and ``_full_val``."""

    def _func(self, name, arg, hint):
        if name not in ELEMENTWISE:
            raise EinderivError(f"cannot compile the function {name!r}")
        cid, v, cf = self.comp(arg, hint)
        return self._lookup(("Func", name, cid), cf, lambda: self._build_func(name, v, cf))

    def _build_func(self, name, v: Val, cf):
        if v.ties:
            v = self._full_val(v, cf)
        if v.const is not None:
            x = v.const * v.scale  # exp(1000): inf, said at each run (overflows_of)
            value = folded(lambda: ELEMENTWISE[name].numpy(np.float64(x)), f"{name}({x:g})")
            return constant(value, v.bcast)
        return Val(self.step("func", (v.core,), (name, v.scale)), v.order, v.bcast)

    def _power(self, base, exponent):
        (bid, bv, bcf), (eid, ev, ecf) = self.comp(base), self.comp(exponent)
        num: dict = {}
        for i in bcf + ecf:
            num.setdefault(i, len(num))
        cf = tuple(num)
        key = ("Pow", bid, tuple(num[i] for i in bcf), eid, tuple(num[i] for i in ecf))
        return self._lookup(key, cf, lambda: self._build_power(bv, ev, cf))

    def _build_power(self, bv: Val, ev: Val, cf):
        if bv.ties:
            bv = self._full_val(bv, tuple(i for i in cf if i in free_of(bv)))
        if ev.ties:
            ev = self._full_val(ev, tuple(i for i in cf if i in free_of(ev)))
        if ev.const is not None:
            e = ev.const * ev.scale
            if bv.const is not None:
                b = bv.const * bv.scale  # 10^400: inf, said at each run (overflows_of)
                value = folded(lambda: np.power(np.float64(b), e), f"{b:g}^{e:g}")
                return constant(value, tuple(dict.fromkeys(bv.bcast + ev.bcast)))
            bcast = tuple(i for i in cf if i not in bv.order)
            return Val(self.step("power", (bv.core,), (bv.scale, e)), bv.order, bcast)
        order: dict = {}
        for i in bv.order + ev.order:
            order.setdefault(i, None)
        order = tuple(order)
        bcast = tuple(i for i in cf if i not in order)
        args = (arg_of(bv), arg_of(ev))
        params = (bv.order, bv.scale, ev.order, ev.scale, order)
        return Val(self.step("pow", args, params), order, bcast)

    # -- matrix functions

    def _matrix_function(self, t):
        bid, bv, bcf = self.comp(t.base)
        p, q = t.bound
        if any(i not in (p, q) for i in bcf):
            raise EvaluationError("a matrix function of an expression with free indices")
        wiring = tuple((p, q).index(i) for i in bcf)
        if isinstance(t, T.MatPow):
            a, b = t.indices
            cf = (a,) if a == b else (a, b)
            key = ("MatPow", bid, wiring, t.exponent, a == b)
        else:
            cf = ()
            key = (type(t).__name__, bid, wiring)
        return self._lookup(key, cf, lambda: self._build_matrix_function(t, bv, cf))

    def _build_matrix_function(self, t, bv: Val, cf):
        p, q = t.bound
        self.use_dim(p.dim)
        matrix = self.materialize(bv, (p, q))
        if type(t) in BY_ATOM:  # det, logdet: the record's implementation, by name
            return Val(self.step("matrix_function", (matrix,), (BY_ATOM[type(t)].name,)))
        const, refs = self.integer(t.exponent.const, t.exponent.terms().items())
        diagonal = len(cf) == 1
        reads = [r for r, _ in refs]
        return Val(self.step("matpow", (matrix,), (const, refs, diagonal), reads), cf)

    # -- symbolic sums

    # -- row functions (softmax, log_softmax, logsumexp)

    def _row_function(self, t: T.RowFunc):
        """The base materialised with the bound index last (broadcast along it when the base is
        constant there), the function on its last axis; an output index that is also a row
        index takes the diagonal."""
        bid, bv, bcf = self.comp(t.base)
        rest = tuple(i for i in bcf if i != t.bound)
        out = rest + tuple(t.indices)
        cf = tuple(dict.fromkeys(out))
        pattern = tuple(cf.index(i) for i in out)
        where = bcf.index(t.bound) if t.bound in bcf else -1
        key = ("RowFunc", t.name, bid, where, pattern, t.bound.dim)
        return self._lookup(key, cf, lambda: self._build_row_function(t, bv, rest, out, cf))

    def _build_row_function(self, t: T.RowFunc, bv: Val, rest, out, cf):
        for i in out + (t.bound,):
            self.use_dim(i.dim)
        if t.bound not in free_of(bv):  # constant along the row
            bv = Val(bv.core, bv.order, bv.bcast + (t.bound,), bv.ties, bv.scale, bv.const)
        rows = self.materialize(bv, rest + (t.bound,))
        value = self.step("row", (rows,), (t.name,))
        if len(cf) == len(out):
            return Val(value, out)
        spec = "".join(oe.get_symbol(cf.index(i)) for i in out)  # softmax(X)[a,a]
        spec += "->" + "".join(oe.get_symbol(k) for k in range(len(cf)))
        return Val(self.step("diagonal_var", (value,), (spec,)), cf)

    def _loop(self, t: T.SumOver):
        """``sum_{var=0}^{count-1} body``: a ``loop`` step (never shared: the body's value
        depends on names bound only inside the loop)."""
        order = tuple(sorted(T.free(t), key=lambda i: i.name))
        for i in order:
            self.use_dim(i.dim)
        return self._unique(lambda: Val(self._build_loop(t, order), order), order)

    def _build_loop(self, t: T.SumOver, order) -> str:
        const, refs = self.integer(t.count.const, t.count.terms().items())
        local = self.new_name()  # the loop variable
        depth = len(self.scopes)
        self.level[local] = depth
        split = powersum.split(t.var, t.body)
        closed = None if split is None else self._closed_form(split, const, refs, order, local)
        self.scopes.append([])
        outer = self.loop_vars.get(t.var)
        self.loop_vars[t.var] = local
        try:
            _, val, _ = self.comp(t.body, order)
            result = self.materialize(val, order)
        finally:
            body = self.scopes.pop()
            if outer is None:
                self.loop_vars.pop(t.var, None)
            else:
                self.loop_vars[t.var] = outer
            self._forget(depth)
        made = {s.name for s in body} | {local}
        reads = dict.fromkeys(d for s in body for d in s.deps if d not in made)
        # and an outer loop's variable a body step reads (B^(r + s) in sum_r sum_s): the loop
        # stays in that outer loop's body, not hoisted out of it
        reads.update(
            dict.fromkeys(r for s in body for r in self.reads.get(s.name, ()) if r not in made)
        )
        if result not in made:
            reads.setdefault(result, None)
        if closed is not None:
            made = {s.name for s in closed[1]} | {local}
            reads.update(dict.fromkeys(d for s in closed[1] for d in s.deps if d not in made))
            if closed[2] not in made:
                reads.setdefault(closed[2], None)
        params = (local, const, refs, order, tuple(body), result, closed)
        return self.step("loop", tuple(reads), params, [r for r, _ in refs])

    def _closed_form(self, split, const, refs, order, marker) -> tuple:
        """(dims of the bases, steps, result) of ``sum_r rest * prod_j P_j^(sign_j r + c_j)``
        by doubling (``powersum``): its steps, kept apart (in a scope of their own, ``marker``'s
        depth), run only when the doubling state is small enough for the sizes."""
        depth = len(self.scopes)
        self.scopes.append([])
        try:
            matrices, powers, axes, dims, reads = [], [], [], [], [marker]
            for p in split.powers:
                _, bv, bcf = self.comp(p.base)
                if any(i not in p.bound for i in bcf):
                    raise EvaluationError("a matrix function of an expression with free indices")
                self.use_dim(p.bound[0].dim)
                matrices.append(self.materialize(bv, p.bound))
                pc, prefs = self.integer(p.const.const, p.const.terms().items())
                powers.append((p.sign, pc, prefs))
                reads += [r for r, _ in prefs]
                axes += list(p.indices)
                dims.append(p.bound[0].dim)
            power_sum = self.step("powsum", matrices, (tuple(powers), const, refs), reads)
            axes = tuple(axes)
            kids = [self.comp(f) for f in split.rest]
            kids.append((self.next_cid(), Val(power_sum, axes), axes))
            num: dict = {}
            for _, _, cf in kids:
                for i in cf:
                    num.setdefault(i, len(num))
            for s in split.summed:
                num.setdefault(s, len(num))
            sset = set(split.summed)
            cf = tuple(i for i in num if i not in sset)
            val = self._build_prod(kids, num, sset, cf, order)
            result = self.materialize(val, order)
        finally:
            steps = self.scopes.pop()
            self._forget(depth)
        return tuple(dims), tuple(steps), result

    def hoist_invariant(self, specs, out) -> list:
        """The operands ``specs`` ((core, classes), ...) of a product planned inside a loop,
        with each connected group of two or more loop-invariant operands replaced by their
        product, a step placed before the loop (computed once, not once per iteration).
        # sum_r A[a,b] B[b,c] (X^r)[c,j] -> (A B)[a,c], once; then sum_r (A B)[a,c] (X^r)[c,j]
        A group is contracted only when its product has no more axes than its largest operand
        (two matrices -> a matrix; never an outer product of two vectors)."""
        depth = len(self.scopes) - 1
        if depth == 0 or len(specs) < 3:
            return specs
        inner = [s for s in specs if self.level.get(s[0], 0) >= depth]
        groups = _connected([s for s in specs if self.level.get(s[0], 0) < depth])
        if not inner or all(len(g) < 2 for g in groups):
            return specs
        made = []
        for group in groups:
            others = [s for s in specs if not any(s is g for g in group)]
            later = set(out) | {c for _, classes in others for c in classes}
            keep = tuple(dict.fromkeys(c for _, cl in group for c in cl if c in later))
            if len(group) < 2 or len(keep) > max(len(cl) for _, cl in group):
                made += group
                continue
            made.append(self._invariant_product(group, keep))
        return made + inner

    def _invariant_product(self, group, keep) -> tuple:
        """(step, classes) of the product of ``group`` with axes ``keep``: one step for every
        loop (and closed form) that needs it, while the values it reads are in scope."""
        num: dict = {}
        for c in [c for _, cl in group for c in cl]:
            num.setdefault(c, len(num))
        key = (
            "Invariant",
            tuple(core for core, _ in group),
            tuple(tuple(num[c] for c in cl) for _, cl in group),
            tuple(num[c] for c in keep),
        )
        hit = self.by_key.get(key)
        if hit is None:
            order = product_order(group, keep, None)
            classes = tuple(cl for _, cl in group)
            name = self.step("contract", [s[0] for s in group], (classes, order, 1.0, ()))
            hit = (self.next_cid(), Val(name), tuple(num[c] for c in order))
            self.by_key[key] = hit
        by_number = {k: c for c, k in num.items()}
        return hit[1].core, tuple(by_number[k] for k in hit[2])

    def _forget(self, depth: int):
        """Drop what was planned inside a loop at ``depth`` (its names live only there)."""
        for table in (self.by_term, self.by_key):
            stale = [k for k, (_, v, _) in table.items() if self.level.get(v.core, 0) >= depth]
            for k in stale:
                del table[k]


def _connected(specs) -> list:
    """``specs`` ((core, classes), ...) in groups that share classes (transitively)."""
    groups: list = []
    for spec in specs:
        touching = [g for g in groups if any(set(spec[1]) & set(cl) for _, cl in g)]
        merged = [spec] + [s for g in touching for s in g]
        groups = [g for g in groups if not any(g is t for t in touching)] + [merged]
    return groups
