"""Compiled evaluation: an ``Expr`` -> a fast callable ``fn(**arrays)``.

Input: an ``Expr`` (term, axes, variables) and a backend name (``numpy``, ``torch``, ``jax``).
Output: ``compile_expr(expr)``, a callable whose value equals ``expr(**arrays)``.
Invariants:
- The program is planned once (``plan.make_plan``: shared subterms, factored sums, lazy deltas,
  symbolic sums as loops with their invariant work hoisted) and rendered to Python once per shape signature, the sizes of the named dimensions
  (``render.Render``: contraction paths planned for those sizes), then cached.
- A call costs what hand-written numpy costs plus a fixed ~0.5 us: a generated entry function
  checks the arguments inline (float64 ndarrays of the declared ranks and consistent sizes)
  and calls the cached program (a symmetric variable: also exactly equal to its transpose).
  Anything else (lists, ints, missing or extra names, a new signature) takes the careful path, ``binding.bind``, which converts or raises
  exactly as ``expr(**arrays)`` does.
- The source of both functions holds only tokens made here: generated names, helper names,
  numbers and parameters made by ``plan_values.safe_name`` -- never user text as code.
- The result is never one of the caller's arrays (a bare variable is copied).
- The callable pickles as data: it is the entry function bound to its ``CompiledExpr`` (a
  method named ``evaluate``: no wrapper's frame on a call), and a method pickles as its object
  and name; the ``CompiledExpr`` pickles as the expression, the backend's name and the plan,
  whose steps are records -- never code. Unpickled (in another process too),
  ``getattr(compiled, "evaluate")`` writes the entry function again, and programs are
  rendered as they are called. A backend not installed there is an ``EinderivError``.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from functools import partial
from types import MethodType

import numpy as np

from einderiv.backend import binding, native
from einderiv.backend.overflows import say_overflows
from einderiv.backend.plan import make_plan
from einderiv.backend.plan_values import safe_name
from einderiv.backend.render import Render
from einderiv.backend.runtime import BACKENDS, jit_or_eager, namespace
from einderiv.backend.steps import MAX_AXES
from einderiv.errors import EinderivError, EvaluationError, out_of_memory
from einderiv.ir.node import is_compound

MAX_PROGRAMS = 128  # rendered programs kept per compiled function (one per set of sizes)
_MISSING = object()  # default of the entry function's keyword parameters


class CompiledExpr:
    """The plan of a compiled ``Expr``: live steps, and one rendered program per signature."""

    def __init__(self, expr, backend: str = "numpy"):
        if len(expr.axes) > MAX_AXES:
            raise EvaluationError(
                f"a value with {len(expr.axes)} axes: numpy arrays have at most {MAX_AXES}"
            )
        self.expr = expr
        self.backend = backend
        self._ns_base = namespace(backend)
        self.plan = make_plan(expr.term, expr.axes, backend)
        self.dim_names = self.plan.dims
        self.vars = self.plan.vars
        self.ints = self.plan.ints
        self.cache: dict = {}

    def __getstate__(self) -> dict:
        """The data: the expression, the backend's name, the plan (no namespace, no program).
        The callable pickles as this and its name: ``getattr(compiled, "evaluate")``."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_ns_base", "cache")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _ns_base=namespace(state["backend"]), cache={})

    def __getattr__(self, name: str):
        if name == "evaluate":  # unpickling the callable: made again (not kept: no cycle)
            return self.made()
        raise AttributeError(name)

    def made(self) -> Callable:
        """The callable, a method ``evaluate`` of this (made by ``callable_of``)."""
        return callable_of(self)

    def __repr__(self) -> str:  # the callable's: <bound method evaluate of CompiledExpr(...)>
        return f"{type(self).__name__}(shape={self.expr.shape}, backend={self.backend!r})"

    @property
    def params(self) -> tuple:
        """The program's parameters: the variables it reads, then the integers."""
        return self.vars + self.ints

    def render(self, sizes: dict, *, generic=False, einsum_only=False) -> Render:
        ns = dict(self._ns_base)
        first = self.plan.first_temp
        ctx = Render(
            self.backend, sizes, ns, generic=generic, first_temp=first, einsum_only=einsum_only
        )
        ctx.lines = ctx.body(self.plan)
        return ctx

    def _program(self, sizes: dict):
        ctx = self.render(sizes)
        params = ", ".join(safe_name(p) for p in self.params)
        said = self.plan.overflows  # 10^400 x: said at every run, as numpy says an overflow
        ctx.ns["_said"] = partial(say_overflows, said)
        head = f"def _run({params}):\n" + "    _said()\n" * bool(said)
        source = head + "\n".join(ctx.lines) + "\n"
        exec(compile(source, "<einderiv.compiled>", "exec"), ctx.ns)  # noqa: S102 - see above
        run = ctx.ns["_run"]
        if self.backend == "jax":
            static = tuple(range(len(self.vars), len(self.params)))  # the integers
            run = jit_or_eager(run, static)
        run.source = source
        return run

    def source(self, /, **sizes) -> str:
        """The Python code run for the given dimension sizes (``n=100, m=50``)."""
        for name, value in sizes.items():
            if name not in self.dim_names:
                known = ", ".join(self.dim_names) or "none"
                raise EvaluationError(
                    f"{name} is not a size of the expression (its sizes: {known})"
                )
            sizes[name] = binding.positive_int(name, value)
        return self._program(sizes).source

    def program(self, signature):
        """The program for a shape signature (sizes in ``dim_names`` order), made once."""
        run = self.cache.get(signature)
        if run is None:
            if len(self.cache) >= MAX_PROGRAMS:  # many sizes: forget the oldest program
                del self.cache[next(iter(self.cache))]
            run = self.cache[signature] = self._program(dict(zip(self.dim_names, signature)))
        return run

    def missing(self, name) -> EvaluationError:
        info = self.expr.variables.get(name)
        if info is not None and info.kind == "integer":
            return EvaluationError(f"no value for the integer {name}; pass {name}=...")
        return EvaluationError(f"no value given for {name}")

    def call(self, values: dict):
        """The careful path: every argument converted and checked by ``binding.bind``; arrays
        of another library or dtype than numpy's float64 by ``native.call``, which keeps them."""
        if self.backend != "numpy" or not _plain(values):
            return native.call(self, values)
        arrays, dims, ints = binding.bind(self.expr, values)
        args = native.arguments(self, arrays, ints)
        return self.program(tuple(map(dims.get, self.dim_names)))(*args)


def _plain(values: dict) -> bool:
    """No array that is not float64 numpy (those keep their dtype: ``native``)."""
    for value in values.values():
        dtype = getattr(value, "dtype", None)
        if dtype is not None and (type(value) is not np.ndarray or dtype != np.float64):
            return False
    return True


def as_callable(run: Callable, compiled: CompiledExpr, doc: str) -> Callable:
    """``run(compiled, **arrays)`` as a method ``evaluate`` of ``compiled``, with ``source``,
    ``cache``, ``compiled`` (read through the method) and ``doc``; picklable (module doc)."""
    run.__name__ = run.__qualname__ = "evaluate"  # pickled as getattr(compiled, "evaluate")
    run.__doc__ = doc
    run.compiled, run.source, run.cache = compiled, compiled.source, compiled.cache
    run.entry_source = getattr(run, "entry_source", None)
    return MethodType(run, compiled)


def compile_expr(expr, backend: str = "numpy") -> Callable:
    """A fast callable ``fn(**arrays)`` equal to ``expr(**arrays)`` (see the module docstring).

    ``fn.source(n=..., ...)`` shows the Python code run for the given sizes; ``fn.compiled`` is
    the plan; ``fn.entry_source`` the argument-checking entry function.
    """
    if backend not in BACKENDS and backend != "_generic_numpy":
        raise EinderivError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    return CompiledExpr(expr, backend).made()


def callable_of(compiled: CompiledExpr) -> Callable:
    """The callable of a planned ``CompiledExpr`` (``compile_expr``; unpickling)."""
    expr, backend = compiled.expr, compiled.backend
    source = _entry_source(compiled)
    if source is None:

        def fn(_compiled, /, *args, **values):
            if args:
                raise EvaluationError(binding.positional_message(expr))
            try:
                return compiled.call(values)
            except (MemoryError, ValueError) as error:
                raise out_of_memory(error) from None

    else:
        ns = {
            "_MISSING": _MISSING,
            "_nd": np.ndarray,
            "_f8": np.dtype(np.float64),
            "_type": type,
            "_int": int,
            "_float": float,
            "_positional": lambda: EvaluationError(binding.positional_message(expr)),
            "_array": np.asarray,
            "_cache": compiled.cache,
            "_call": compiled.call,
            "_names": tuple(expr.variables),
            "_given": _given,
            "_sym": _exactly_symmetric,
            "_oom": out_of_memory,
        }
        exec(compile(source, "<einderiv.compiled entry>", "exec"), ns)  # noqa: S102
        fn = ns["fn"]
        fn.entry_source = source
    doc = f"Compiled evaluation ({backend}) of {type(expr).__name__} with axes {expr.shape}"
    return as_callable(fn, compiled, doc)


def _given(names, values):
    return [(name, value) for name, value in zip(names, values) if value is not _MISSING]


def _exactly_symmetric(m) -> bool:
    return bool((m == m.T).all())


def _entry_source(compiled: CompiledExpr) -> str | None:
    """The entry function: inline checks for the common call, else ``compiled.call``.

    None when a fast path cannot be written: a variable named like a Python keyword, or a size
    that no array fixes. A symmetric variable is checked once by exact comparison with its
    transpose (O(n^2), ~0.15 ms at n = 300); one symmetric only up to rounding takes the
    careful path, whose check has a relative tolerance."""
    variables = compiled.expr.variables
    if not variables or any(keyword.iskeyword(name) for name in variables):
        return None
    if any(is_compound(d) for info in variables.values() for d in info.dims):
        return None  # a length over pairs ("m*n") is checked by binding.bind
    if binding.tied(compiled.expr):
        return None  # an integer named as a size (sum(x) / n): tied by binding.bind
    ndims = {"scalar": 0, "vector": 1, "matrix": 2}
    checks, converts, restores, shape_checks = ["not _kw"], [], [], []
    where: dict = {}  # dim -> the text of its size
    binds = []
    symmetric = []
    for name, info in variables.items():
        if info.kind == "integer":
            checks.append(f"_type({name}) is _int")
            continue
        if info.kind == "scalar":
            # the fast path's float64; the careful path gets the Python float itself, weak
            # as in numpy (float32 X with a = 0.5 stays float32), as _given passes it on
            converts.append(f"    _given_{name} = {name}")
            converts.append(f"    if _type({name}) is _float:\n        {name} = _array({name})")
            restores.append(f"    {name} = _given_{name}")
        checks.append(f"_type({name}) is _nd and {name}.dtype is _f8")
        checks.append(f"{name}.ndim == {ndims.get(info.kind, len(info.dims))}")
        for axis, dim in enumerate(info.dims):
            size = f"{name}.shape[{axis}]"
            if isinstance(dim, int):
                shape_checks.append(f"{size} == {dim}")
            elif dim in where:
                shape_checks.append(f"{size} == {where[dim]}")
            else:
                where[dim] = f"_{len(where)}"
                binds.append(f"{where[dim]} = {size}")
        if info.kind == "symmetric":
            symmetric.append(f"_sym({name})")
    shape_checks += symmetric
    if any(dim not in where for dim in compiled.dim_names):
        return None
    names = list(variables)
    signature = ", ".join(where[d] for d in compiled.dim_names)
    signature = f"({signature},)" if len(compiled.dim_names) == 1 else f"({signature})"
    keywords = ", ".join(f"{n}=_MISSING" for n in names)
    lines = [f"def fn(_compiled, /, *_args, {keywords}, **_kw):"]  # bound to its CompiledExpr
    lines.append("    if _args:\n        raise _positional()")
    lines += converts
    lines.append(f"    if {' and '.join(checks)}:")
    lines += [f"        {b}" for b in binds]
    inner = "        "
    if shape_checks:
        lines.append(f"        if {' and '.join(shape_checks)}:")
        inner += "    "
    lines.append(f"{inner}_run = _cache.get({signature})")
    lines.append(f"{inner}if _run is not None:")
    lines.append(f"{inner}    return _run({', '.join(compiled.params)})")
    given = ", ".join(names)
    lines += restores
    lines.append(f"    _kw.update(_given(_names, ({given},)))")
    lines.append("    return _call(_kw)")
    # a MemoryError (sizes too large for the machine) is an EvaluationError; try costs nothing
    body = [f"    {part}" for line in lines[2:] for part in line.split("\n")]
    handler = [
        "    except (MemoryError, ValueError) as _error:",
        "        raise _oom(_error) from None",
    ]
    return "\n".join(lines[:2] + ["    try:"] + body + handler) + "\n"
