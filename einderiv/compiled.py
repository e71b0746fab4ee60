"""Compiled evaluation: index IR -> a small straight-line program, rendered to Python once.

Input: an ``Expr`` (term, axes, variables) and a backend name.
Output: ``compile_expr(expr)``, a callable ``fn(**arrays)`` whose value equals ``expr(**arrays)``.
Invariants:
- The term is walked once into SSA steps. Subterms equal up to a renaming of their indices share
  one step (``inv(X)``, ``det(X)``, ``W1 x``, ``tanh(W1 x)``...), found through keys built from
  the children's step ids and the wiring of their indices; nothing is ever sorted by index name,
  so a key and its axis order are renaming-equivariant.
- A value is lazy in three cheap ways: a constant ``scale``, indices it is constant over
  (``bcast``: ``Ones``) and indices tied to another by a Kronecker delta (``ties``). Deltas and
  ones in products become index renaming; a dense identity is built only when a tied value must
  be materialised (for numpy: written straight into the diagonal of a zero array).
- Products are contracted pairwise along opt_einsum's path (planned once per shape signature);
  each pair goes to ``@`` (BLAS, with transposes), broadcasting, ``tensordot`` or ``einsum``.
- The program is rendered as Python source once per shape signature (the sizes of the named
  dimensions) and cached; a call is ``api._bind`` + one dictionary lookup + the program.
- ``numpy`` never imports torch or jax.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from collections.abc import Callable

import numpy as np
import opt_einsum as oe

from . import index_ir as T
from .errors import EinderivError, EvaluationError

BACKENDS = ("numpy", "torch", "jax")
_FUNCTIONS = ("exp", "log", "sin", "cos", "tanh", "sqrt", "sigmoid", "softplus")

# ---------------------------------------------------------------------------------------------
# runtime helpers (numpy)


def _sigmoid(x):
    # 1 / (1 + exp(-x)) keeps relative accuracy on both tails; the clip only avoids the overflow
    # warning below exp(-709), where the value is < 1e-307 anyway
    return 1.0 / (1.0 + np.exp(np.minimum(-x, 709.0)))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _inv(m):
    try:
        return np.linalg.inv(m)
    except np.linalg.LinAlgError as error:
        raise EvaluationError(f"cannot invert a singular matrix ({error})") from None


def _matpow(m, power):
    power = int(power)
    if power < 0:
        m = _inv(m)
        power = -power
    return np.linalg.matrix_power(m, power)


def _logdet(m):
    sign, logabs = np.linalg.slogdet(m)
    if sign <= 0:
        warnings.warn(
            "logdet of a matrix whose determinant is not positive: nan",
            RuntimeWarning,
            stacklevel=3,
        )
        return np.nan
    return logabs


def _pow(b, e):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.power(b, e)


def _expand(core, shape, vshape, vstrides):
    """A zero array of ``shape`` with ``core`` written into the strided (diagonal) view."""
    out = np.zeros(shape)
    view = np.ndarray(vshape, dtype=out.dtype, buffer=out, strides=vstrides)
    view[...] = core
    return out


def _numpy_namespace() -> dict:
    return {
        "np": np,
        "_asarray": lambda x: x,
        "_exp": np.exp,
        "_log": np.log,
        "_sin": np.sin,
        "_cos": np.cos,
        "_tanh": np.tanh,
        "_sqrt": np.sqrt,
        "_sigmoid": _sigmoid,
        "_softplus": _softplus,
        "_square": np.square,
        "_inv": _inv,
        "_matpow": _matpow,
        "_det": np.linalg.det,
        "_logdet": _logdet,
        "_pow": _pow,
        "_perm": np.transpose,
        "_sum": lambda x, axes: x.sum(axis=axes),
        "_tensordot": lambda a, b, axes: np.tensordot(a, b, axes=axes),
        "_einsum": np.einsum,
        "_diagonal": lambda x: np.diagonal(x).copy(),
        "_eye": np.eye,
        "_zeros": np.zeros,
        "_broadcast": lambda x, shape: np.broadcast_to(x, shape).copy(),
        "_expand": _expand,
        "_float": float,
    }


def _generic_namespace(xp, name: str, *, to, linalg, permute, sum_, tensordot, diagonal) -> dict:
    """Helpers for an array library with a numpy-like API (torch, jax, or numpy for tests)."""

    def inv(m):
        return linalg.inv(m)

    def matpow(m, power):
        power = int(power)
        if power < 0:
            m = linalg.inv(m)
            power = -power
        return linalg.matrix_power(m, power)

    def logdet(m):
        sign, logabs = linalg.slogdet(m)
        return logabs if float(sign) > 0 else logabs * math.nan

    def sigmoid(x):
        return xp.exp(-xp.logaddexp(xp.zeros_like(x), -x))

    return {
        "np": np,
        "_asarray": to,
        "_exp": xp.exp,
        "_log": xp.log,
        "_sin": xp.sin,
        "_cos": xp.cos,
        "_tanh": xp.tanh,
        "_sqrt": xp.sqrt,
        "_sigmoid": sigmoid,
        "_softplus": lambda x: xp.logaddexp(xp.zeros_like(x), x),
        "_square": xp.square,
        "_inv": inv,
        "_matpow": matpow,
        "_det": linalg.det,
        "_logdet": logdet,
        "_pow": lambda b, e: b**e,
        "_perm": permute,
        "_sum": sum_,
        "_tensordot": tensordot,
        "_einsum": functools.partial(oe.contract, backend=name),
        "_diagonal": diagonal,
        "_eye": lambda n: to(np.eye(n)),
        "_zeros": lambda shape: to(np.zeros(shape)),
        "_broadcast": lambda x, shape: x * to(np.ones(shape)),
        "_expand": None,
        "_float": float,
    }


def _backend_namespace(backend: str) -> dict:
    if backend == "numpy":
        return _numpy_namespace()
    if backend == "torch":
        try:
            import torch
        except ImportError:
            raise EinderivError(
                "backend 'torch' needs PyTorch, which is not installed (pip install torch)"
            ) from None
        return _generic_namespace(
            torch,
            "torch",
            to=lambda x: torch.as_tensor(x, dtype=torch.float64),
            linalg=torch.linalg,
            permute=torch.permute,
            sum_=lambda x, axes: torch.sum(x, dim=axes),
            tensordot=lambda a, b, axes: torch.tensordot(a, b, dims=axes),
            diagonal=lambda x: torch.diagonal(x).clone(),
        )
    if backend == "jax":
        try:
            import jax
            import jax.numpy as jnp
        except ImportError:
            raise EinderivError(
                "backend 'jax' needs JAX, which is not installed (pip install jax)"
            ) from None
        jax.config.update("jax_enable_x64", True)
        return _generic_namespace(
            jnp,
            "jax",
            to=lambda x: jnp.asarray(x, dtype=jnp.float64),
            linalg=jnp.linalg,
            permute=jnp.transpose,
            sum_=lambda x, axes: jnp.sum(x, axis=axes),
            tensordot=lambda a, b, axes: jnp.tensordot(a, b, axes=axes),
            diagonal=jnp.diagonal,
        )
    if backend == "_generic_numpy":  # the torch/jax code path, run on numpy (for tests)
        return _generic_namespace(
            np,
            "numpy",
            to=lambda x: np.asarray(x, dtype=float),
            linalg=np.linalg,
            permute=np.transpose,
            sum_=lambda x, axes: np.sum(x, axis=axes),
            tensordot=lambda a, b, axes: np.tensordot(a, b, axes=axes),
            diagonal=lambda x: np.diagonal(x).copy(),
        )
    raise EinderivError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")


# ---------------------------------------------------------------------------------------------
# values and steps


class _Val:
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

    def renamed(self, m: dict) -> _Val:
        return _Val(
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


def _const(value: float, bcast=()) -> _Val:
    return _Val(repr(float(value)), (), bcast, (), 1.0, float(value))


class _Step:
    __slots__ = ("deps", "name", "render")

    def __init__(self, name, deps, render):
        self.name = name
        self.deps = deps
        self.render = render  # render(ctx) -> expression text


def _scaled(expr: str, scale: float) -> str:
    if scale == 1.0:
        return expr
    if scale == -1.0:
        return f"(-{expr})"
    return f"({scale!r} * {expr})"


def _align(expr: str, order, target) -> str:
    """``expr`` (axes ``order``) transposed and indexed with None to broadcast over ``target``."""
    present = [i for i in target if i in order]
    simple = " " not in expr
    if len(order) > 1 and list(order) != present:
        expr = expr if simple else f"({expr})"
        simple = True
        perm = tuple(order.index(i) for i in present)
        expr = f"{expr}.T" if perm == (1, 0) else f"_perm({expr}, {perm})"
    if present:
        first = target.index(present[0])
        slots = ["None" if i not in order else ":" for i in target[first:]]
        while slots and slots[-1] == ":":
            slots.pop()
        if "None" in slots:
            expr = expr if simple else f"({expr})"
            expr = f"{expr}[{', '.join(slots)}]"
    return expr


# ---------------------------------------------------------------------------------------------
# planning


class _Planner:
    def __init__(self, expr):
        self.steps: list[_Step] = []
        self.by_term: dict = {}  # term -> (cid, val, cf)
        self.by_key: dict = {}  # key -> (cid, val, cf)
        self.loads: dict = {}
        self.vars: set = set()
        self.dims: dict = {}  # Dim -> None (ordered set of named dimensions used)
        self.unique = 0
        self.hint = None

    # -- helpers

    def step(self, deps, render) -> str:
        name = f"t{len(self.steps)}"
        self.steps.append(_Step(name, tuple(d for d in deps if d and d[0] == "t"), render))
        return name

    def use_dim(self, dim):
        if not isinstance(dim, int):
            self.dims.setdefault(dim, None)

    def materialize(self, val: _Val, target) -> str:
        """A step (or name) holding the full array of ``val`` with axes ``target``."""
        target = tuple(target)
        if not val.lazy and val.const is None and val.scale == 1.0 and val.order == target:
            return val.core
        if not val.lazy:
            if val.const is not None:
                return self.step((), lambda c: f"np.float64({val.const * val.scale!r})")
            return self.step(
                (val.core,), lambda c: _scaled(_align(val.core, val.order, target), val.scale)
            )
        for i in target:
            self.use_dim(i.dim)
        tie = dict(val.ties)

        def render(c):
            shape = tuple(c.size(i.dim) for i in target)
            if not val.ties:
                core = _scaled(_align(val.core, val.order, target), val.scale)
                return f"_broadcast({core}, {shape})"
            reps = [i for i in target if i not in tie]  # one view axis per group
            core = _scaled(_align(val.core, val.order, reps), val.scale)
            if c.backend == "numpy":
                strides = [0] * len(reps)
                step = 8
                for i in reversed(target):
                    strides[reps.index(tie.get(i, i))] += step
                    step *= c.size(i.dim)
                vshape = tuple(c.size(i.dim) for i in reps)
                return f"_expand({core}, {shape}, {vshape}, {tuple(strides)})"
            # generic: broadcast the core over target, times one identity per tied pair
            parts = [_scaled(_align(val.core, val.order, target), val.scale)]
            for i, r in val.ties:
                parts.append(_align(f"_eye({c.size(i.dim)})", (r, i), target))
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
                return self._lookup(key, cf, lambda: _Val("0.0", (), cf, (), 1.0, 0.0, True))
            case T.Num(value=value):
                return self._lookup(("Num", value), (), lambda: _const(float(value)))
            case T.Affine(const=const, names=names, coeffs=coeffs):
                if not names:
                    return self._lookup(("Num", const), (), lambda: _const(float(const)))
                text = " + ".join(
                    [repr(const)] + [f"{c} * _i[{n!r}]" for n, c in zip(names, coeffs)]
                )
                return self._lookup(
                    ("Affine", t), (), lambda: _Val(self.step((), lambda c: f"_float({text})"))
                )
            case T.Size(dim=dim):
                self.use_dim(dim)
                return self._lookup(
                    ("Size", dim),
                    (),
                    lambda: _Val(self.step((), lambda c: repr(float(c.size(dim))))),
                )
            case T.Ones(index=index):
                return self._lookup(("Ones", index.dim), (index,), lambda: _const(1.0, (index,)))
            case T.Delta(a=a, b=b):
                if a == b:
                    return self._lookup(("Ones", a.dim), (a,), lambda: _const(1.0, (a,)))
                return self._lookup(
                    ("Delta", a.dim), (a, b), lambda: _Val("1.0", (), (a,), ((b, a),), 1.0, 1.0)
                )
            case T.Var(name=name, indices=indices):
                return self._var(name, indices)
            case T.Add():
                factored = _factor(t)
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
            self.loads[name] = self.step(
                (),
                lambda c: f"_a[{name!r}]" if c.backend == "numpy" else f"_asarray(_a[{name!r}])",
            )
        load = self.loads[name]
        if len(cf) == len(indices):
            return self._lookup(("Var", name, pattern), cf, lambda: _Val(load, cf))
        spec = "".join(oe.get_symbol(k) for k in pattern)
        out = "".join(oe.get_symbol(k) for k in range(len(cf)))

        def build():
            return _Val(self.step((load,), lambda c: f"_einsum('{spec}->{out}', {load})"), cf)

        return self._lookup(("Var", name, pattern), cf, build)

    def _fallback(self, t):
        """A symbolic sum: evaluated by the uncompiled evaluator (its body depends on the loop)."""
        order = tuple(sorted(T.free(t), key=lambda i: i.name))
        for i in order:
            self.use_dim(i.dim)
        for name in sorted(_var_names(t)):
            self.vars.add(name)

        def build():
            def render(c):
                c.ns.setdefault("_fallbacks", []).append((t, order))
                k = len(c.ns["_fallbacks"]) - 1
                return f"_asarray(_evaluate(*_fallbacks[{k}], _a, _d, _i))"

            return _Val(self.step((), render), order)

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
            return _Val("0.0", (), cf, (), 1.0, 0.0, True)
        if len(vals) == 1:
            return vals[0]
        rank = {i: k for k, i in enumerate(cf)}
        groups = [_groups(v, rank) for v in vals]
        if all(g == groups[0] for g in groups):
            rep = groups[0]
            vals = [_rerep(v, rep) for v in vals]
            ties = tuple((i, r) for i, r in rep.items() if i != r)
        else:  # different delta structure: materialise every tied term
            full = _prefer(cf, hint)
            vals = [self._full_val(v, full) if v.ties else v for v in vals]
            ties = ()
        order: dict = {}
        for v in vals:
            for i in v.order:
                order.setdefault(i, None)
        order = _prefer(tuple(order), hint)
        tied = {i for i, _ in ties}
        bcast = tuple(i for i in cf if i not in order and i not in tied)
        constant = sum(v.const * v.scale for v in vals if v.const is not None)
        arrays = [v for v in vals if v.const is None]
        if not arrays:
            return _Val(repr(constant), (), bcast, ties, 1.0, constant)

        arrays.sort(key=lambda v: v.scale != 1.0)  # x - y rather than (-y) + x

        def render(c):
            parts = []
            for v in arrays:
                text = _align(v.core, v.order, order)
                if not parts:
                    parts.append(_scaled(text, v.scale))
                elif v.scale == 1.0:
                    parts.append(f"+ {text}")
                elif v.scale == -1.0:
                    parts.append(f"- {text}")
                else:
                    parts.append(f"+ {v.scale!r} * {text}")
            if constant and parts[0].startswith("(-"):  # 1 - x rather than (-x) + 1
                parts[0] = f"{constant!r} - {parts[0][2:-1]}"
            elif constant:
                parts.append(f"+ {constant!r}")
            return " ".join(parts)

        return _Val(self.step([v.core for v in arrays], render), order, bcast, ties)

    def _full_val(self, v: _Val, cf) -> _Val:
        return _Val(self.materialize(v, cf), cf)

    # -- elementwise

    def _func(self, name, arg, hint):
        if name not in _FUNCTIONS:
            raise EinderivError(f"cannot compile the function {name!r}")
        cid, v, cf = self.comp(arg, hint)
        return self._lookup(("Func", name, cid), cf, lambda: self._build_func(name, v, cf))

    def _build_func(self, name, v: _Val, cf):
        if v.ties:
            v = self._full_val(v, cf)
        if v.const is not None:
            from .emit import _NUMPY_FUNCTIONS

            with np.errstate(all="ignore"):
                value = float(_NUMPY_FUNCTIONS[name](np.float64(v.const * v.scale)))
            return _const(value, v.bcast)
        arg = _scaled(v.core, v.scale)
        return _Val(self.step((v.core,), lambda c: f"_{name}({arg})"), v.order, v.bcast)

    def _power(self, base, exponent):
        (bid, bv, bcf), (eid, ev, ecf) = self.comp(base), self.comp(exponent)
        num: dict = {}
        for i in bcf + ecf:
            num.setdefault(i, len(num))
        cf = tuple(num)
        key = ("Pow", bid, tuple(num[i] for i in bcf), eid, tuple(num[i] for i in ecf))
        return self._lookup(key, cf, lambda: self._build_power(bv, ev, cf))

    def _build_power(self, bv: _Val, ev: _Val, cf):
        if bv.ties:
            bv = self._full_val(bv, tuple(i for i in cf if i in _free_of(bv)))
        if ev.ties:
            ev = self._full_val(ev, tuple(i for i in cf if i in _free_of(ev)))
        if ev.const is not None:
            e = ev.const * ev.scale
            if bv.const is not None:
                with np.errstate(all="ignore"):
                    value = float(np.power(bv.const * bv.scale, e))
                return _const(value, tuple(dict.fromkeys(bv.bcast + ev.bcast)))
            b = _scaled(bv.core, bv.scale)
            if e == 1.0:
                text = b
            elif e == 2.0:
                text = f"_square({b})"
            elif e == 0.5:
                text = f"_pow({b}, 0.5)"
            elif e.is_integer() and 2 < e <= 4:
                text = " * ".join([b] * int(e))
            else:
                text = f"_pow({b}, {e!r})"
            bcast = tuple(i for i in cf if i not in bv.order)
            return _Val(self.step((bv.core,), lambda c: text), bv.order, bcast)
        order: dict = {}
        for i in bv.order + ev.order:
            order.setdefault(i, None)
        order = tuple(order)
        bcast = tuple(i for i in cf if i not in order)

        def render(c):
            b = _scaled(_align(bv.core, bv.order, order), bv.scale)
            e = _scaled(_align(ev.core, ev.order, order), ev.scale)
            return f"_pow({b}, {e})"

        return _Val(self.step((bv.core, ev.core), render), order, bcast)

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

    def _build_matrix_function(self, t, bv: _Val, cf):
        p, q = t.bound
        self.use_dim(p.dim)
        matrix = self.materialize(bv, (p, q))
        if isinstance(t, T.Det):
            return _Val(self.step((matrix,), lambda c: f"_det({matrix})"))
        if isinstance(t, T.LogDet):
            return _Val(self.step((matrix,), lambda c: f"_logdet({matrix})"))
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
            power = " + ".join([repr(e.const)] + [f"{c} * _i[{n!r}]" for n, c in e.terms().items()])
            text = f"_matpow({matrix}, {power})"
        if len(cf) == 1:
            text = f"_diagonal({text})"
        return _Val(self.step((matrix,), lambda c: text), cf)

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
        plain = [(k, w) for k, w in zip(kids, wiring) if not _is_constant(k[1])]
        coef = math.prod(k[1].const * k[1].scale for k in kids if _is_constant(k[1]))
        core_key = ("Prod", tuple(w for _, w in plain)) + tail
        if coef != 1.0 and coef != 0.0 and plain:
            hit = self.by_key.get(core_key)
            if hit is not None:
                _, val, old = hit
                val = val.renamed(dict(zip(old, cf)))
                val = _Val(val.core, val.order, val.bcast, val.ties, val.scale * coef, val.const)
                return self._lookup(key, cf, lambda: val)
        made = self._lookup(key, cf, lambda: self._build_prod(kids, num, sset, cf, hint))
        val = made[1]
        if coef != 1.0 and coef != 0.0 and plain and core_key not in self.by_key:
            scale = val.scale / coef
            core = _Val(val.core, val.order, val.bcast, val.ties, scale, val.const, val.zero)
            self.by_key[core_key] = (len(self.by_key), core, cf)
        return made

    def _build_prod(self, kids, num, sset, cf, hint):
        vals = [v for _, v, _ in kids]
        if any(v.zero for v in vals):
            for i in cf:
                self.use_dim(i.dim)
            return _Val("0.0", (), cf, (), 1.0, 0.0, True)
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
        symbol: dict = {}  # index -> its class representative in the contraction
        ties, bcast, sizes = [], [], []
        carried = {find(i) for v in ops for i in v.order}
        out = []
        for root, group in members.items():
            free = [i for i in group if i not in sset]
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
                self.use_dim(rep.dim)
        for i in num:
            self.use_dim(i.dim)
        specs = [(v.core, tuple(symbol[i] for i in v.order)) for v in ops]
        if not specs and not scalars and not sizes:
            return _Val(repr(coef), (), bcast, ties, 1.0, coef)
        if len(specs) == 1 and not scalars and not sizes:
            name, classes = specs[0]
            if len(set(classes)) == len(classes) and set(classes) == set(out):
                return _Val(name, classes, bcast, ties, coef)
        order = _product_order(specs, out, hint)
        deps = [s[0] for s in specs] + scalars
        return _Val(
            self.step(deps, lambda c: c.contract(specs, order, coef, scalars, sizes)),
            order,
            bcast,
            ties,
        )


def _var_names(t) -> set:
    if isinstance(t, T.Var):
        return {t.name}
    return set().union(*(_var_names(c) for c in T.children(t)))


def _free_of(v: _Val) -> set:
    return set(v.order) | set(v.bcast) | {i for i, _ in v.ties}


def _groups(v: _Val, rank) -> dict:
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


def _rerep(v: _Val, rep: dict) -> _Val:
    m = {i: rep.get(i, i) for i in v.order + v.bcast}
    return _Val(
        v.core,
        tuple(m[i] for i in v.order),
        tuple(m[i] for i in v.bcast),
        tuple((i, r) for i, r in rep.items() if i != r),
        v.scale,
        v.const,
        v.zero,
    )


def _product_order(specs, out, hint) -> tuple:
    """The axis order a product's step returns: BLAS's own (transposes are free views), else
    the consumer's preferred order (an outer product written in its final layout)."""
    keep = set(out)
    if len(specs) == 2:
        (_, ca), (_, cb) = specs
        if len(set(ca)) == len(ca) and len(set(cb)) == len(cb):
            order = _pair_order(ca, cb, keep)
            if _pair_contracts(ca, cb, keep):
                return order
            return _prefer(order, hint)
    order: dict = {}
    for _, classes in specs:
        for i in classes:
            if i in keep:
                order.setdefault(i, None)
    return _prefer(tuple(order), hint)


def _prefer(order, hint) -> tuple:
    if not hint:
        return order
    first = tuple(i for i in hint if i in order)
    return first + tuple(i for i in order if i not in first)


def _pair_contracts(ca, cb, keep) -> bool:
    return any(c in cb and c not in keep for c in ca)


def _is_constant(v: _Val) -> bool:
    return v.const is not None and not v.lazy


def _pair_order(ca, cb, keep) -> tuple:
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


def _factor(t: T.Add):
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
    best, best_gain = None, 0
    for size in range(min(len(common), 8), 0, -1):
        for chosen in itertools.combinations(common[:8], size):
            made = _factor_out(terms, chosen)
            if made is not None and width - made[1] > best_gain:
                best, best_gain = made[0], width - made[1]
    return best


def _factor_out(terms, chosen):
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


# ---------------------------------------------------------------------------------------------
# rendering (once per shape signature)


class _Render:
    def __init__(self, backend, sizes: dict, ns: dict):
        self.backend = backend
        self.sizes = sizes
        self.ns = ns
        self.lines: list[str] = []
        self.temps = 0
        self.seen: dict = {}

    def size(self, dim) -> int:
        if isinstance(dim, int):
            return dim
        value = self.sizes.get(dim)
        if value is None:
            raise EvaluationError(
                f"the size {dim} is not fixed by any array; pass it as a keyword ({dim}=...)"
            )
        return value

    def temp(self, expr: str) -> str:
        if expr in self.seen:  # the same text is the same value (SSA): compute it once
            return self.seen[expr]
        name = f"_u{self.temps}"
        self.seen[expr] = name
        self.temps += 1
        self.lines.append(f"    {name} = {expr}")
        return name

    def contract(self, specs, order, coef, scalars, sizes) -> str:
        scale = [repr(coef)] if coef != 1.0 else []
        scale += list(scalars)
        total = math.prod(self.size(d) for d in sizes)
        if total != 1:
            scale.append(repr(float(total)))
        if not specs:
            return " * ".join(scale) or "1.0"
        factor = " * ".join(scale) if scale else None
        ops = [(name, classes) for name, classes in specs]
        keep = set(order)
        numel = [math.prod(self.size(i.dim) for i in cl) for _, cl in ops]
        out_numel = math.prod(self.size(i.dim) for i in order)
        if factor is not None and min(numel) < out_numel:  # scale the smallest operand
            k = numel.index(min(numel))
            ops[k] = (f"({factor} * {ops[k][0]})", ops[k][1])
            factor = None
        if len(ops) == 1:
            text, classes = self.single(ops[0][0], ops[0][1], keep)
        elif len(ops) == 2:
            text, classes = self.pair(ops[0], ops[1], keep, order)
        else:
            text, classes = self.many(ops, keep, order)
        text = _align(text, tuple(classes), order)
        if factor is None:
            return text
        return f"{factor} * ({text})" if " " in text else f"{factor} * {text}"

    def symbols(self, *groups) -> dict:
        table: dict = {}
        for classes in groups:
            for i in classes:
                table.setdefault(i, oe.get_symbol(len(table)))
        return table

    def einsum(self, ops, out) -> str:
        table = self.symbols(*[cl for _, cl in ops], out)
        spec = ",".join("".join(table[i] for i in cl) for _, cl in ops)
        spec += "->" + "".join(table[i] for i in out)
        if self.backend == "numpy" and len(ops) > 2:
            shapes = [tuple(self.size(i.dim) for i in cl) for _, cl in ops]
            key = f"_ce{len(self.ns)}"
            self.ns[key] = oe.contract_expression(spec, *shapes)
            return f"{key}({', '.join(name for name, _ in ops)})"
        return f"_einsum('{spec}', {', '.join(name for name, _ in ops)})"

    def single(self, name, classes, keep):
        out = tuple(dict.fromkeys(c for c in classes if c in keep))
        if len(set(classes)) < len(classes):
            return self.einsum([(name, classes)], out), out
        summed = tuple(k for k, c in enumerate(classes) if c not in keep)
        if summed:
            axes = summed[0] if len(summed) == 1 else summed
            return f"_sum({name}, {axes})", out
        return name, classes

    def pair(self, a, b, keep, want=None):
        (x, ca), (y, cb) = a, b
        if len(set(ca)) < len(ca) or len(set(cb)) < len(cb):
            out = tuple(dict.fromkeys(c for c in ca + cb if c in keep))
            return self.einsum([a, b], out), out
        sa, sb = set(ca), set(cb)
        drop_a = tuple(k for k, c in enumerate(ca) if c not in sb and c not in keep)
        if drop_a:
            x, ca = self.single(x, ca, keep | sb)
        drop_b = tuple(k for k, c in enumerate(cb) if c not in sa and c not in keep)
        if drop_b:
            y, cb = self.single(y, cb, keep | sa)
        ca, cb = tuple(ca), tuple(cb)
        order = _pair_order(ca, cb, keep)
        if want is not None and set(want) == set(order):
            order = tuple(want)
        if not ca or not cb:
            return f"{x} * {y}", ca + cb
        shared = [c for c in ca if c in sb]
        kept = [c for c in shared if c in keep]
        summed = [c for c in shared if c not in keep]
        only_a = [c for c in ca if c not in sb]
        only_b = [c for c in cb if c not in sa]
        if not shared:  # outer product
            return f"{_align(x, ca, order)} * {_align(y, cb, order)}", order
        if not kept:
            if len(ca) <= 2 and len(cb) <= 2 and len(summed) == 1:  # BLAS: (I,K) @ (K,J)
                xa = x if ca[-1] == summed[0] else f"{x}.T"
                yb = y if cb[0] == summed[0] else f"{y}.T"
                return f"{xa} @ {yb}", tuple(only_a + only_b)
            axes = (tuple(ca.index(c) for c in summed), tuple(cb.index(c) for c in summed))
            return f"_tensordot({x}, {y}, {axes})", tuple(only_a + only_b)
        if not summed:  # broadcasting (Hadamard, diagonal scaling)
            return f"{_align(x, ca, order)} * {_align(y, cb, order)}", order
        return self.einsum([(x, ca), (y, cb)], order), order

    def many(self, ops, keep, want):
        table = self.symbols(*[cl for _, cl in ops])
        spec = ",".join("".join(table[i] for i in cl) for _, cl in ops)
        out = "".join(table[i] for i in table if i in keep)
        shapes = [tuple(self.size(i.dim) for i in cl) for _, cl in ops]
        path, _ = oe.contract_path(f"{spec}->{out}", *shapes, shapes=True, optimize="auto")
        ops = list(ops)
        for positions in path:
            picked = [ops[k] for k in sorted(positions)]
            for k in sorted(positions, reverse=True):
                del ops[k]
            later = set(keep)
            for _, cl in ops:
                later.update(cl)
            if len(picked) == 1:
                text, classes = self.single(picked[0][0], picked[0][1], later)
            elif len(picked) == 2:
                text, classes = self.pair(picked[0], picked[1], later, None if ops else want)
            else:
                classes = tuple(dict.fromkeys(c for _, cl in picked for c in cl if c in later))
                text = self.einsum(picked, classes)
            ops.append((self.temp(text), tuple(classes)))
        return ops[0]


# ---------------------------------------------------------------------------------------------


class CompiledExpr:
    """The plan of a compiled ``Expr``: live steps, and one rendered program per signature."""

    def __init__(self, expr, backend: str = "numpy"):
        from .api import _bind

        self._bind = _bind
        self.expr = expr
        self.backend = backend
        self._ns_base = _backend_namespace(backend)
        planner = _Planner(expr)
        _, val, _ = planner.comp(expr.term, expr.axes)
        for i in expr.axes:
            planner.use_dim(i.dim)
        self.result = planner.materialize(val, expr.axes)
        self.steps = _live(planner.steps, self.result)
        self.dim_names = tuple(planner.dims)
        self.vars = planner.vars
        self.cache: dict = {}

    def _render(self, sizes: dict):
        from .emit import evaluate

        ns = dict(self._ns_base)
        ns["_evaluate"] = evaluate
        ctx = _Render(self.backend, sizes, ns)
        for step in self.steps:
            expr = step.render(ctx)
            ctx.lines.append(f"    {step.name} = {ctx.seen.get(expr, expr)}")
            ctx.seen.setdefault(expr, step.name)
        body = "\n".join(ctx.lines)
        source = f"def _run(_a, _d, _i):\n{body}\n    return {self.result}\n"
        # the source holds only tokens made here: names of steps and helpers, numbers, and
        # repr() of the variables' names as dictionary keys -- never user text as code
        exec(compile(source, "<einderiv.compiled>", "exec"), ns)  # noqa: S102
        run = ns["_run"]
        run.source = source
        return run

    def source(self, **sizes) -> str:
        """The Python code run for the given dimension sizes (``n=100, m=50``)."""
        return self._render(sizes).source

    def _render_signature(self, signature):
        run = self.cache[signature] = self._render(dict(zip(self.dim_names, signature)))
        return run

    def _missing(self, error):
        name = error.args[0] if error.args else None
        info = self.expr.variables.get(name)
        if info is not None and info.kind == "integer":
            return EvaluationError(f"no value for the integer {name}; pass {name}=...")
        if name in self.expr.variables:
            return EvaluationError(f"no value given for {name}")
        return EvaluationError(f"no value for {name}; pass {name}=...")


def _live(steps, result):
    needed = {result}
    live = []
    for step in reversed(steps):
        if step.name in needed:
            live.append(step)
            needed.update(step.deps)
    return live[::-1]


def compile_expr(expr, backend: str = "numpy") -> Callable:
    """A fast callable ``fn(**arrays)`` equal to ``expr(**arrays)`` (see the module docstring).

    ``fn.source(n=..., ...)`` shows the Python code run for the given sizes; ``fn.compiled`` is
    the plan. Arguments are checked exactly as ``expr(**arrays)`` checks them (``api._bind``).
    """
    if backend not in BACKENDS and backend != "_generic_numpy":
        raise EinderivError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    compiled = CompiledExpr(expr, backend)
    bind, cache, names = compiled._bind, compiled.cache, compiled.dim_names
    render, missing = compiled._render_signature, compiled._missing

    def fn(**values):
        arrays, dims, ints = bind(expr, values)
        signature = tuple(map(dims.get, names))
        run = cache.get(signature)
        if run is None:
            run = render(signature)
        try:
            return run(arrays, dims, ints)
        except KeyError as error:
            raise missing(error) from None

    fn.source = compiled.source
    fn.cache = cache
    fn.compiled = compiled
    fn.__doc__ = f"Compiled evaluation ({backend}) of {type(expr).__name__} with axes {expr.shape}"
    return fn
