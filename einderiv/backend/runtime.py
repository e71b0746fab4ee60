"""Run-time helpers of compiled programs: the names a rendered program calls, per backend.

Input: a backend name (``numpy``, ``torch``, ``jax``, ``dask``, or ``_generic_numpy`` for tests).
Output: ``namespace(backend)``, the globals a rendered program runs in; for standalone code,
``DEFINED``, the source of the numpy helpers a generated program defines, and ``ALIASES``, the
helpers it calls as numpy functions directly.
Invariants:
- ``numpy`` never imports torch, jax or dask; each is imported only when asked for.
- No global setting of a library is changed; constants a program makes take the dtype and device
  of the call (``native.current()``); dask's missing linear algebra is in ``dask_linalg``.
- Every helper a rendered program may call exists in every backend's namespace (a test checks).
- The standalone helpers are plain numpy: generated code imports nothing from einderiv.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
from types import SimpleNamespace

import numpy as np
import opt_einsum as oe

from einderiv.backend import native
from einderiv.backend.powersum import MAX_SUM_TERMS, _doubling, _powsum
from einderiv.errors import EinderivError, EvaluationError
from einderiv.ir.matrix_ops import MATRIX
from einderiv.ir.ops import ELEMENTWISE, ROW

BACKENDS = ("numpy", "torch", "jax", "dask")
FUNCTIONS = tuple(ELEMENTWISE)  # each one's implementations are in its registry record


def function_source(name: str) -> str:
    """What generated code calls for the elementwise function ``name``: a numpy function
    (``np.tanh``) or a helper it defines (``_sigmoid``, source in ``DEFINED``)."""
    return ELEMENTWISE[name].source or f"_{name}"


def _inv(m):
    try:
        return native.widened(np.linalg.inv)(m)  # float16: in float32
    except np.linalg.LinAlgError as error:
        raise EvaluationError(f"cannot invert a singular matrix ({error})") from None


def _matpow(m, power):
    power = int(power)
    if power < 0:
        m = _inv(m)
        power = -power
    return np.linalg.matrix_power(m, power)


def _pow(b, e):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.power(b, e)


def _tied(x, mask):  # x where a product of identities is 1, else 0 (never nan * 0)
    return np.where(mask != 0, x, 0.0)


def _generic_pow(b, e):
    """``b ** e`` on torch and jax; two Python numbers (a size folded at plan time, as the 1/n
    of mean(x) for n = 0) as numpy's (0.0 ** -1 is inf, where Python raises)."""
    if isinstance(b, (int, float)) and isinstance(e, (int, float)):
        return float(_pow(float(b), float(e)))
    return b**e


def _expand(core, shape, groups):
    """A zero array of ``shape`` with ``core`` written into its (diagonal) view: axis k of the
    result belongs to axis ``groups[k]`` of ``core``, so tied axes share one core axis."""
    out = np.zeros(shape)
    rank = max(groups) + 1
    vshape, strides = [0] * rank, [0] * rank
    step = out.itemsize
    for axis in reversed(range(len(shape))):
        vshape[groups[axis]] = shape[axis]
        strides[groups[axis]] += step
        step *= shape[axis]
    view = np.ndarray(tuple(vshape), dtype=out.dtype, buffer=out, strides=tuple(strides))
    view[...] = core
    return out


def _sum(x, axes):
    return x.sum(axis=axes)


def _tensordot(a, b, axes):
    return np.tensordot(a, b, axes=axes)


def _diagonal(x):
    return np.diagonal(x).copy()


def _pair(m, n):
    """``delta[c,(i,j)]`` as an (m n, m, n) array: 1 where c = i + m j (vec's order)."""
    return np.eye(m * n).reshape(m * n, n, m).transpose(0, 2, 1)


def _power_sum(powers, count, ops=np):
    """``powersum._powsum`` (on ``ops``, numpy's names) with einderiv's error for a singular
    base (float16 bases on numpy in float32: ``native.widened_powers``)."""
    try:
        return native.widened_powers(_powsum, powers, count, ops)
    except np.linalg.LinAlgError as error:
        raise EvaluationError(f"cannot invert a singular matrix ({error})") from None


def _too_many(count):
    from einderiv.backend.steps import too_many_terms

    raise too_many_terms(int(count), 0, ())


def _broadcast(x, shape):
    return np.broadcast_to(x, shape).copy()


def _copy(x):
    return np.array(x, dtype=float)


def _numpy_namespace() -> dict:
    return {
        "np": np,
        "_asarray": lambda x: x,
        **{f"_{name}": op.numpy for name, op in ELEMENTWISE.items()},
        **{f"_{name}": op.numpy for name, op in ROW.items()},
        "_square": np.square,
        "_inv": _inv,
        "_matpow": _matpow,
        **{f"_{n}": native.widened(op.numpy) for n, op in MATRIX.items() if op.numpy},
        "_pow": _pow,
        "_perm": np.transpose,
        "_sum": _sum,
        "_tensordot": _tensordot,
        "_einsum": np.einsum,
        "_diagonal": _diagonal,
        "_eye": np.eye,
        "_pair": _pair,
        "_powsum": _power_sum,
        "_too_many": _too_many,
        "_zeros": np.zeros,
        "_broadcast": _broadcast,
        "_expand": _expand,
        "_tied": _tied,
        "_float": float,
        "_copy": _copy,
    }


def _generic_namespace(xp, name: str, *, to, linalg, permute, sum_, tensordot, diagonal) -> dict:
    """Helpers for an array library with a numpy-like API (torch, jax, or numpy for tests)."""

    def inv(m):
        try:
            return native.wide(linalg.inv, m)
        except Exception as error:
            if "singular" in str(error).lower():
                raise EvaluationError(f"cannot invert a singular matrix ({error})") from None
            raise

    def matpow(m, power):
        power = int(power)
        if power < 0:
            m = inv(m)
            power = -power
        return linalg.matrix_power(m, power)

    ops = SimpleNamespace(  # numpy's names for what powersum._powsum calls (the call's dtype)
        zeros=lambda shape, dtype=None: to(np.zeros(shape)),
        ones=lambda shape, dtype=None: to(np.ones(shape)),
        eye=lambda n, dtype=None: to(np.eye(n)),
        kron=getattr(xp, "kron", None),
        linalg=SimpleNamespace(inv=inv, matrix_power=linalg.matrix_power),
        transpose=permute,
        moveaxis=getattr(xp, "moveaxis", None),
        tensordot=lambda a, b, axes: tensordot(a, b, axes),
    )

    def logdet(m):
        sign, logabs = native.wide(linalg.slogdet, m)
        # no Python branch (jax traces it): log 0 = -inf for a singular m, nan for det < 0
        return xp.where(sign > 0, logabs, xp.where(sign == 0, -math.inf, math.nan))

    return {
        "np": np,
        "_asarray": to,
        **{f"_{name}": op.array_api(xp) for name, op in ELEMENTWISE.items()},
        **{f"_{name}": op.array_api(xp) for name, op in ROW.items()},
        "_square": xp.square,
        "_inv": inv,
        "_matpow": matpow,
        "_det": lambda m: native.wide(linalg.det, m),
        "_logdet": logdet,
        "_pow": _generic_pow,
        "_perm": permute,
        "_sum": sum_,
        "_tensordot": tensordot,
        "_einsum": functools.partial(oe.contract, backend=name),
        "_diagonal": diagonal,
        "_eye": lambda n: to(np.eye(n)),
        "_pair": lambda m, n: to(_pair(m, n)),
        "_powsum": (
            (lambda powers, count: _power_sum(powers, count, ops))
            if name != "dask"  # traced by jax and torch: in their own operations
            else lambda powers, count: to(
                _power_sum([(np.asarray(m), s, c) for m, s, c in powers], count)
            )
        ),
        "_too_many": _too_many,
        "_zeros": lambda shape: to(np.zeros(shape)),
        "_broadcast": lambda x, shape: x * to(np.ones(shape)),
        "_expand": None,
        "_tied": lambda x, mask: xp.where(mask != 0, x, xp.zeros_like(mask)),
        "_float": lambda value: to(float(value)),  # an array of the backend: torch.exp(2.0) fails
        "_copy": lambda x: to(x) * 1.0,
    }


def _optional(module: str, name: str):
    """Import an optional backend, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise EinderivError(
            f"backend {module!r} needs {name}, which is not installed (pip install {module})"
        ) from None


def _torch_to(torch):
    def to(x):  # the call's dtype and device (native.current) for anything not yet a tensor
        if isinstance(x, torch.Tensor):
            return x
        dtype, device = native.current()
        return torch.as_tensor(x, dtype=dtype or torch.float64, device=device)

    return to


def _jax_to(jax, jnp):
    def to(x):  # the call's dtype, else jax's default float (float32 unless x64 is enabled)
        if isinstance(x, jax.Array):
            return x
        return jnp.asarray(x, dtype=native.current()[0])

    return to


def namespace(backend: str) -> dict:
    if backend == "numpy":
        return _numpy_namespace()
    if backend == "torch":
        torch = _optional("torch", "PyTorch")
        return _generic_namespace(
            torch,
            "torch",
            to=_torch_to(torch),
            linalg=torch.linalg,
            permute=torch.permute,
            sum_=lambda x, axes: torch.sum(x, dim=axes),
            tensordot=lambda a, b, axes: torch.tensordot(a, b, dims=axes),
            diagonal=lambda x: torch.diagonal(x).clone(),
        )
    if backend == "jax":  # no global setting: float64 needs the user's jax_enable_x64
        jax = _optional("jax", "JAX")
        jnp = importlib.import_module("jax.numpy")
        return _generic_namespace(
            jnp,
            "jax",
            to=_jax_to(jax, jnp),
            linalg=jnp.linalg,
            permute=jnp.transpose,
            sum_=lambda x, axes: jnp.sum(x, axis=axes),
            tensordot=lambda a, b, axes: jnp.tensordot(a, b, axes=axes),
            diagonal=jnp.diagonal,
        )
    if backend == "dask":
        _optional("dask", "dask")
        from einderiv.backend import dask_linalg

        da = importlib.import_module("dask.array")
        ns = _generic_namespace(
            da,
            "dask",
            to=dask_linalg.to,
            linalg=dask_linalg,
            permute=da.transpose,
            sum_=lambda x, axes: da.sum(x, axis=axes),
            tensordot=lambda a, b, axes: da.tensordot(a, b, axes=axes),
            diagonal=da.diagonal,
        )
        # the registry's numpy implementations, block by block: every function, lazily
        ns.update({f"_{n}": dask_linalg.elementwise(op.numpy) for n, op in ELEMENTWISE.items()})
        ns.update({f"_{n}": dask_linalg.rowwise(op.numpy, op.reduces) for n, op in ROW.items()})
        ns["_einsum"] = dask_linalg.einsum  # a diagonal needs equal chunks on its axes
        return ns
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
# standalone source (ed.codegen): helpers as numpy calls or small definitions

# helpers that are one numpy function: generated code calls numpy directly
ALIASES = {f"_{name}": op.source for name, op in ELEMENTWISE.items() if op.source} | {
    "_square": "np.square",
    "_inv": "np.linalg.inv",
    "_det": "np.linalg.det",
    "_perm": "np.transpose",
    "_einsum": "np.einsum",
    "_eye": "np.eye",
    "_zeros": "np.zeros",
    "_float": "float",
    "_copy": "np.array",
}
# helpers generated code defines: name -> source, copied from this module where the function is
# plain numpy, written out where the run-time version raises einderiv's errors or warns
DEFINED = (
    {
        fn.__name__: inspect.getsource(fn)
        for fn in (_pow, _expand, _sum, _tensordot, _diagonal, _broadcast, _pair, _tied)
    }
    | {f"_{name}": inspect.getsource(op.numpy) for name, op in ELEMENTWISE.items() if not op.source}
    | {f"_{name}": inspect.getsource(op.numpy) for name, op in ROW.items()}
    | {
        "_matpow": (
            "def _matpow(m, power):\n"
            "    power = int(power)\n"
            "    if power < 0:\n"
            "        m = np.linalg.inv(m)\n"
            "        power = -power\n"
            "    return np.linalg.matrix_power(m, power)\n"
        ),
        "_powsum": inspect.getsource(_powsum) + "\n\n" + inspect.getsource(_doubling),
        "_too_many": (
            "def _too_many(count):\n"
            f"    raise ValueError('a symbolic sum of more than {MAX_SUM_TERMS} terms')\n"
        ),
        "_logdet": (
            "def _logdet(m):\n"
            "    sign, logabs = np.linalg.slogdet(m)\n"
            "    if sign == 0:  # singular: log 0\n"
            "        return -np.inf\n"
            "    return logabs if sign > 0 else np.nan  # the log of a negative determinant\n"
        ),
    }
)


def jit_or_eager(run, static: tuple):
    """``run`` compiled by ``jax.jit`` (integers static), or ``run`` itself if it cannot be
    traced (a step that needs concrete values): decided by the first call, which then runs
    eagerly, so a genuine error still surfaces as itself."""
    import jax

    jitted = jax.jit(run, static_argnums=static)
    chosen = []

    def call(*args):
        if chosen:
            return chosen[0](*args)
        try:
            value = jitted(*args)
        except Exception:  # noqa: BLE001 - not traceable: run eagerly from now on
            value = run(*args)
            chosen.append(run)
            return value
        chosen.append(jitted)
        return value

    return call


# every helper name a rendered program or generated source may use
HELPER_NAMES = (
    frozenset(_numpy_namespace())
    | frozenset(DEFINED)
    | {
        "_asarray",
        "_run",
    }
)
