"""Planning elementwise and matrix functions: the part of ``plan.Planner`` for ``exp(u)``,
``u .^ p``, ``X^k``, ``inv(X)``, ``det(X)`` and ``logdet(X)``.

Input: the planner's values of a function's arguments (``Val``s).
Output: new ``Val``s whose steps apply the function; constants are folded at plan time.
Invariants:
- A function of a value equal to another up to renaming shares its step (keys built from the
  argument's class id and wiring, as everywhere in the planner).
- A matrix function materialises its base once, with axes in the base's bound order; a
  tied (delta) value is materialised before any elementwise function reads it.
"""

from __future__ import annotations

import numpy as np

from einderiv.backend.plan_values import Val, align, constant, free_of, literal, scaled
from einderiv.errors import EinderivError, EvaluationError
from einderiv.ir import index_ir as T
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
            with np.errstate(all="ignore"):
                value = float(ELEMENTWISE[name].numpy(np.float64(v.const * v.scale)))
            return constant(value, v.bcast)
        arg = scaled(v.core, v.scale)
        return Val(self.step((v.core,), lambda c: f"_{name}({arg})"), v.order, v.bcast)

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
                with np.errstate(all="ignore"):
                    value = float(np.power(bv.const * bv.scale, e))
                return constant(value, tuple(dict.fromkeys(bv.bcast + ev.bcast)))
            b = scaled(bv.core, bv.scale)
            if e == 1.0:
                text = b
            elif e == 2.0:
                text = f"_square({b})"
            elif e == 0.5:
                text = f"_pow({b}, 0.5)"
            elif e.is_integer() and 2 < e <= 4:
                text = " * ".join([b] * int(e))
            else:
                text = f"_pow({b}, {literal(e)})"
            bcast = tuple(i for i in cf if i not in bv.order)
            return Val(self.step((bv.core,), lambda c: text), bv.order, bcast)
        order: dict = {}
        for i in bv.order + ev.order:
            order.setdefault(i, None)
        order = tuple(order)
        bcast = tuple(i for i in cf if i not in order)

        def render(c):
            b = scaled(align(bv.core, bv.order, order), bv.scale)
            e = scaled(align(ev.core, ev.order, order), ev.scale)
            return f"_pow({b}, {e})"

        return Val(self.step((bv.core, ev.core), render), order, bcast)

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
        if isinstance(t, T.Det):
            return Val(self.step((matrix,), lambda c: f"_det({matrix})"))
        if isinstance(t, T.LogDet):
            return Val(self.step((matrix,), lambda c: f"_logdet({matrix})"))
        e = t.exponent
        if e.is_literal:
            k = e.const
            if k == -1:
                text = f"_inv({matrix})"
            elif k == 1:
                text = matrix
            else:
                text = f"_matpow({matrix}, {k})"
        else:
            power = self.integer(e.const, e.terms().items())
            text = f"_matpow({matrix}, {power})"
        if len(cf) == 1:
            text = f"_diagonal({text})"
        return Val(self.step((matrix,), lambda c: text), cf)

    # -- row functions (softmax, log_softmax, logsumexp)

    def _row_function(self, t: T.RowFunc):
        """The base materialised with the bound index last, the function on its last axis."""
        bid, bv, bcf = self.comp(t.base)
        rest = tuple(i for i in bcf if i != t.bound)
        if t.bound not in bcf or len(rest) > 1 or set(t.indices) & set(rest):
            return self._fallback(t)  # constant along the row, or a diagonal: the evaluator
        cf = rest + tuple(t.indices)
        key = ("RowFunc", t.name, bid, bcf.index(t.bound))
        return self._lookup(key, cf, lambda: self._build_row_function(t, bv, rest, cf))

    def _build_row_function(self, t: T.RowFunc, bv: Val, rest, cf):
        for i in cf:
            self.use_dim(i.dim)
        rows = self.materialize(bv, rest + (t.bound,))
        return Val(self.step((rows,), lambda c: f"_{t.name}({rows})"), cf)
