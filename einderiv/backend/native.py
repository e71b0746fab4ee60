"""Arrays as their libraries hold them: binding and precision of compiled programs.

Input: a compiled plan (``compiled.CompiledExpr``) and the keyword values of a call.
Output: ``call(compiled, values)``, the program's value as an array of the inputs' library with
their dtype (float32 in, float32 out) and, for torch, their device.
Invariants:
- An array of the backend's own type (``torch.Tensor``, ``jax.Array`` -- tracers included --,
  ``dask.array.Array``, a floating ``numpy.ndarray`` on numpy) is never converted: its rank and
  sizes are checked by ``binding.bind_checked`` on a zero-strided stand-in of its shape, so autograd, ``jax.jit``/``vmap``/``grad`` tracing and
  dask's laziness pass through the program.
- Everything else (lists, numbers, integer or numpy arrays on torch/jax/dask) is checked and
  converted by ``binding.bind_checked``, then put in the common dtype of the floating inputs
  (float64 when there are none; on jax, jax's default float, float32 unless the user enabled
  ``jax_enable_x64``).
- Constants a program makes (identities, zeros, scalars) take the dtype and device of the call
  from ``current()``, a thread-local set around the program (traced programs read it at trace
  time, and jax retraces for a new dtype). No global setting of any library is read or changed.
"""

from __future__ import annotations

import importlib
import threading

import numpy as np

from einderiv.backend import binding
from einderiv.errors import EinderivError, EvaluationError

_STATE = threading.local()


def current() -> tuple:
    """(dtype, device) of the call being run on this thread: (None, None) outside a call."""
    return getattr(_STATE, "dtype", None), getattr(_STATE, "device", None)


class _Library:
    """What a backend's arrays look like: its array type, dtype promotion, conversion, cast."""

    def __init__(self, backend: str):
        self.backend = backend
        if backend in ("numpy", "_generic_numpy"):
            self.array_type = np.ndarray
        elif backend == "torch":
            self.torch = importlib.import_module("torch")
            self.array_type = self.torch.Tensor
        elif backend == "jax":
            self.jax = importlib.import_module("jax")
            self.jnp = importlib.import_module("jax.numpy")
            self.array_type = self.jax.Array
        elif backend == "dask":
            self.da = importlib.import_module("dask.array")
            self.array_type = self.da.Array
        else:  # pragma: no cover - compile_expr refuses unknown backends first
            raise EinderivError(f"unknown backend {backend!r}")

    def is_floating(self, x) -> bool:
        if self.backend == "torch":
            return x.is_floating_point()
        if self.backend == "jax":  # bfloat16 is jax's floating type, not numpy's
            return bool(self.jnp.issubdtype(x.dtype, self.jnp.floating))
        return np.issubdtype(np.dtype(x.dtype), np.floating)

    def promote(self, dtypes):
        if self.backend == "torch":
            out = dtypes[0]
            for d in dtypes[1:]:
                out = self.torch.promote_types(out, d)
            return out
        if self.backend == "jax":
            return self.jnp.result_type(*dtypes)
        return np.result_type(*dtypes)

    def default(self, numpy_dtypes):
        """The dtype when no native array is given: that of the floating numpy inputs, or
        float64 (jax: its default float)."""
        if self.backend == "torch":
            if numpy_dtypes:
                return self.torch.from_numpy(np.zeros(0, np.result_type(*numpy_dtypes))).dtype
            return self.torch.float64
        if self.backend == "jax":
            dtype = np.result_type(*numpy_dtypes) if numpy_dtypes else float
            return self.jnp.zeros((), dtype=self.jax.dtypes.canonicalize_dtype(dtype)).dtype
        return np.result_type(*numpy_dtypes) if numpy_dtypes else np.dtype(np.float64)

    def device(self, x):
        return x.device if self.backend == "torch" else None

    def convert(self, array: np.ndarray, dtype, device):
        """A checked float64 numpy array in the call's library, dtype and device."""
        if self.backend == "torch":
            return self.torch.as_tensor(array, dtype=dtype, device=device)
        if self.backend == "jax":
            return self.jnp.asarray(array, dtype=dtype)
        return array.astype(dtype, copy=False)

    def cast(self, x, dtype, device):
        """``x`` (a native array or a numpy scalar) in ``dtype``: the program's result."""
        if self.backend == "torch":
            if isinstance(x, self.torch.Tensor):
                return x if x.dtype == dtype else x.to(dtype)
            return self.torch.as_tensor(np.asarray(x), dtype=dtype, device=device)
        if self.backend == "jax":
            return x if getattr(x, "dtype", None) == dtype else self.jnp.asarray(x, dtype=dtype)
        if self.backend == "dask":  # a constant (d a / da = 1) is lazy too: a dask array
            if isinstance(x, self.da.Array):
                return x if x.dtype == dtype else x.astype(dtype)
            return self.da.asarray(np.asarray(x, dtype=dtype))
        x = np.asarray(x)
        x = x if x.dtype == dtype else x.astype(dtype)
        return x[()] if x.ndim == 0 else x  # a scalar as numpy's own (np.float64), as numpy

    def symmetric(self, x) -> bool | None:
        """Whether a concrete ``x`` is symmetric (relative tolerance of its dtype); None when
        it cannot be known without computing or tracing (dask, jax tracers): trusted."""
        if self.backend == "dask":
            return None
        tol = 1e-10 if str(x.dtype).endswith("float64") else 1e-5
        if self.backend == "jax":
            if isinstance(x, self.jax.core.Tracer):
                return None
            x = np.asarray(x)
        elif self.backend == "torch":
            x = x.detach().double()  # float64 numpy has every torch float (not bfloat16)
            try:
                x = x.cpu().numpy()
            except (RuntimeError, NotImplementedError):  # no storage: under torch.func.grad,
                try:  # jacrev, jacfwd read entry by entry; under vmap (a batch), meta: trusted
                    x = np.array(x.tolist(), dtype=float)
                except (RuntimeError, NotImplementedError):
                    return None
        unknown = np.isnan(x)  # nan where its mirror is nan: symmetric (nan in, nan out)
        if (unknown != unknown.T).any():
            return False
        x = np.where(unknown, 0.0, x)
        scale = float(np.abs(x).max(initial=0.0))
        return bool(np.abs(x - x.T).max(initial=0.0) <= tol * scale + 1e-12)


def _refuse_long_double(dtype) -> None:
    """numpy's LAPACK has no long double (float128): an ``EvaluationError`` rather than its raw
    TypeError, and rather than float64 work returned as if it had long double precision."""
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize > 8:
        raise EvaluationError(
            f"inv, det, logdet and negative matrix powers have no {dtype} (long double) "
            "routine in numpy's LAPACK; give the matrix as float64 (.astype(np.float64))"
        )


def wide(fn, m):
    """``fn(m)`` in float32 when m is bfloat16 or float16 (LAPACK has neither), cast back."""
    low = m.dtype
    _refuse_long_double(low)  # dask's matrix functions run numpy's LAPACK on a block
    if str(low).rsplit(".", 1)[-1] not in ("bfloat16", "float16"):
        return fn(m)
    torch = not hasattr(m, "astype")  # a torch tensor (jax arrays have astype)
    out = fn(m.float() if torch else m.astype("float32"))
    back = (lambda x: x.to(low)) if torch else (lambda x: x.astype(low))
    return tuple(map(back, out)) if isinstance(out, tuple) else back(out)


def widened(fn):
    """``fn`` of a numpy array, run in float32 when the array is float16 (numpy's LAPACK has
    no float16) and cast back; other dtypes as they are."""

    def run(m):
        _refuse_long_double(m.dtype)
        if m.dtype != np.float16:
            return fn(m)
        return np.asarray(fn(m.astype(np.float32)), dtype=np.float16)[()]

    return run


def widened_powers(powsum, powers, count, ops):
    """``powsum(powers, count, ops)``, run in float32 when ``ops`` is numpy and a base is float16
    (numpy's LAPACK has no float16, and the sum inverts its bases) and cast back."""
    low = np.result_type(*(m for m, _, _ in powers)) if ops is np else None
    if low != np.float16:
        try:
            return powsum(powers, count, ops)
        except TypeError:  # long double: only a sum that inverts a base reaches LAPACK
            _refuse_long_double(low)
            raise
    return powsum([(m.astype(np.float32), s, c) for m, s, c in powers], count, ops).astype(low)


_LIBRARIES: dict = {}


def library(backend: str) -> _Library:
    lib = _LIBRARIES.get(backend)
    if lib is None:
        lib = _LIBRARIES[backend] = _Library(backend)
    return lib


def bind(expr, values: dict, backend: str, *, trust_symmetric: bool = False):
    """(arrays, sizes, integers, dtype, device) for a call: native arrays as given, the rest
    through ``binding.bind_checked``; raises the ``EvaluationError`` an evaluation raises."""
    lib = library(backend)
    native, rest = {}, {}
    for name, value in values.items():
        info = expr.variables.get(name)
        if isinstance(value, np.ma.MaskedArray):  # checked (and refused if masked) by binding
            rest[name] = value
            continue
        if info is not None and info.kind != "integer" and isinstance(value, lib.array_type):
            if lib.is_floating(value):
                native[name] = value
                continue
            if backend == "torch":
                value = value.detach().cpu().numpy()  # integer or boolean tensors: converted
            elif backend == "jax" and isinstance(value, lib.jax.core.Tracer):
                raise EvaluationError(f"{name} is traced with dtype {value.dtype}; pass floats")
        rest[name] = value
    numpy_dtypes = [  # numpy arrays and numpy scalars (np.float32(2)) alike
        v.dtype
        for n, v in rest.items()
        if n in expr.variables
        and isinstance(v, (np.ndarray, np.generic))
        and np.issubdtype(v.dtype, np.floating)
    ]
    if backend in ("torch", "jax"):
        for name, value in rest.items():  # numpy's long double has no torch or jax dtype
            dtype = getattr(value, "dtype", None)  # a torch dtype (an integer tensor for an
            # integer symbol, a tensor for no variable) is not numpy's: binding refuses those
            numpy_float = isinstance(dtype, np.dtype) and dtype.kind == "f"
            if name in expr.variables and numpy_float and dtype.itemsize > 8:
                raise EvaluationError(
                    f"{name} has dtype {dtype}, which {backend} has no dtype for; give it as "
                    f"float64 ({name}.astype(np.float64)) or use the numpy backend"
                )
    for name, value in native.items():  # checked by their shapes: zero-strided stand-ins
        shape = tuple(value.shape)
        if any(not isinstance(s, (int, np.integer)) for s in shape):
            raise EvaluationError(f"{name} has sizes not known yet ({shape}); compute them first")
        rest[name] = np.broadcast_to(np.float64(0.0), shape)
    arrays, dims, ints = binding.bind_checked(expr, rest)
    for name, value in native.items():
        del arrays[name]
        info = expr.variables[name]
        if info.kind == "symmetric" and not trust_symmetric and lib.symmetric(value) is False:
            raise EvaluationError(f"{name} is declared symmetric, but the array is not symmetric")
    if native:  # numpy's floating arrays count too: float32 tensors with a float64 numpy
        # array are float64, as with a float64 tensor (numpy, torch and jax promote alike)
        dtype = lib.promote(
            [v.dtype for v in native.values()] + [lib.default([d]) for d in numpy_dtypes]
        )
        devices = {str(lib.device(v)) for v in native.values()}
        if len(devices) > 1:
            raise EvaluationError(f"the arrays are on different devices: {', '.join(devices)}")
        device = lib.device(next(iter(native.values())))
        for name, value in native.items():  # float32 with float64: both float64, as numpy
            native[name] = lib.cast(value, dtype, device)  # (torch's matmul refuses a mix)
    else:
        dtype, device = lib.default(numpy_dtypes), None
    for name, array in arrays.items():
        native[name] = lib.convert(array, dtype, device)
    return native, dims, ints, dtype, device


def call(compiled, values: dict, *, trust_symmetric: bool = False):
    """The value of a compiled program for ``values``, in the inputs' library and dtype."""
    lib = library(compiled.backend)
    arrays, dims, ints, dtype, device = bind(
        compiled.expr, values, compiled.backend, trust_symmetric=trust_symmetric
    )
    args = arguments(compiled, arrays, ints)
    run = compiled.program(tuple(map(dims.get, compiled.dim_names)))
    saved = current()
    _STATE.dtype, _STATE.device = dtype, device
    try:
        out = run(*args)
    finally:
        _STATE.dtype, _STATE.device = saved
    return _cast_all(lib, out, dtype, device)


def _cast_all(lib, out, dtype, device):
    """Every array of a result: one array, or ``(value, {name: gradient})`` (``joint``)."""
    if isinstance(out, tuple):
        return tuple(_cast_all(lib, x, dtype, device) for x in out)
    if isinstance(out, dict):
        return {k: _cast_all(lib, x, dtype, device) for k, x in out.items()}
    return lib.cast(out, dtype, device)


_MISSING = object()


def arguments(compiled, arrays: dict, ints: dict) -> list:
    """The bound values in the order of ``compiled.params`` (a missing one: its error)."""
    args = []
    for name in compiled.params:
        value = arrays.get(name, ints.get(name, _MISSING))
        if value is _MISSING:
            raise compiled.missing(name)
        args.append(value)
    return args
