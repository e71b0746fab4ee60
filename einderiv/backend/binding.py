"""Binding arrays to an expression's variables: the checks every evaluation makes.

Input: an ``Expr`` (its variables with kinds and dimensions) and the keyword values of a call.
Output: ``bind(f, values)`` -> (arrays by name, sizes by dimension name, integers by name).
Invariants:
- Every array is float64 with the variable's rank, and sizes agree across arrays; anything else
  raises an ``EvaluationError`` naming the variable and the sizes (``bind_checked``).
- ``f`` is only read: the plan of its variables is cached beside it (weakly, by the ``Expr``).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from einderiv.errors import EvaluationError
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors, is_compound

_HUGE = 2**1000  # a Python int beyond this may not fit a float: the careful path says so


def bind_checked(f, values: dict) -> tuple[dict, dict, dict]:
    arrays: dict = {}
    ints: dict = {}
    dims: dict = {}
    where: dict = {}
    compounds: list = []
    sizes = dim_names(f)
    for name, value in values.items():
        if name in f.variables:
            continue
        if name in sizes:
            dims[name] = positive_int(name, value)
            where[name] = f"{name}={dims[name]}"
            continue
        known = ", ".join(sorted(f.variables))
        raise EvaluationError(
            f"{name} is not a variable of the expression (its variables: {known})"
        )
    for name, info in f.variables.items():
        value = values.get(name)
        if value is None:  # not given (None counts as not given)
            continue
        if info.kind == "integer":
            ints[name] = _integer(name, value)
            continue
        if isinstance(value, (str, bytes)):
            raise EvaluationError(f"{name} must be an array of numbers, not {value!r:.60}")
        array = as_float_array(name, value)
        wanted = {"scalar": 0, "vector": 1, "matrix": 2, "symmetric": 2}.get(
            info.kind, len(info.dims)
        )  # a tensor: its order
        if array.ndim != wanted:
            raise EvaluationError(
                f"{name} is a {info.kind}{_dims_text(info.dims)}, "  # x is a scalar, but ..
                f"but the array given has shape {array.shape}"
            )
        for dim, size in zip(info.dims, array.shape):
            if is_compound(dim):  # checked once the plain sizes are known
                compounds.append((name, dim, size, array.shape))
                continue
            _bind_dim(name, info, dim, size, array.shape, dims, where)
        if info.kind == "symmetric" and not np.allclose(  # nan where its mirror is nan: nan in,
            array,
            array.T,
            rtol=1e-10,
            atol=1e-12,
            equal_nan=True,  # nan out, as elsewhere
        ):
            raise EvaluationError(f"{name} is declared symmetric, but the array is not symmetric")
        arrays[name] = array
    for name, dim, size, shape in compounds:
        _bind_compound(name, dim, size, shape, dims, where)
    _tie_sizes(f, dims, ints, where)
    return arrays, dims, ints


def _tie_sizes(f, dims: dict, ints: dict, where: dict) -> None:
    """An integer variable named as a size (``sum(x) / n`` with ``x: vector(n); n: integer``)
    is that size: given, it must agree with the arrays; not given, it is the arrays' size."""
    for name in tied(f):
        size = dims.get(name)
        if size is None:  # no array fixes it: the integer given is the size
            if name in ints:
                dims[name] = positive_int(name, ints[name])
                where[name] = f"{name}={ints[name]}"
            continue
        if name not in ints:
            ints[name] = size
        elif ints[name] != size:
            raise EvaluationError(
                f"{name} is a size and an integer variable of the expression: the arrays give "
                f"{name} = {size} ({where[name]}), but {name}={ints[name]} was passed"
            )


def tied(f) -> tuple:
    sizes = dim_names(f)
    return tuple(n for n, v in f.variables.items() if v.kind == "integer" and n in sizes)


def as_float_array(name: str, value) -> np.ndarray:
    """``value`` as a float64 array, or an ``EvaluationError`` that says why it is not one:
    ragged nested lists, complex values, dates or durations, a masked array with masked
    entries, an integer beyond float64, not numbers."""
    try:
        raw = np.asarray(value)
    except ValueError:  # numpy: "setting an array element with a sequence ... inhomogeneous"
        raise EvaluationError(
            f"{name} is not a rectangular array: its nested lists have different lengths"
        ) from None
    except (TypeError, RuntimeError) as e:  # a torch tensor that requires grad, or on a GPU;
        # a jax tracer (jax.grad of a numpy program)
        lib = "jax" if type(value).__module__.startswith("jax") else "torch"
        raise EvaluationError(
            f"{name} cannot be read as a numpy array ({e}); compile for its library "
            f"(backend='{lib}') or pass a numpy array"
        ) from None
    if np.iscomplexobj(raw):
        raise EvaluationError(f"{name} has complex values; einderiv evaluates real arrays")
    if raw.dtype.kind in "mM":  # dates and durations: not numbers to differentiate
        raise EvaluationError(f"{name} holds {raw.dtype} values; pass numbers")
    if isinstance(value, np.ma.MaskedArray) and np.ma.is_masked(value):
        raise EvaluationError(  # a mask would be dropped silently, its hidden values used
            f"{name} is a masked array with masked entries; fill them first (value.filled(...))"
        )
    try:
        return np.asarray(raw, dtype=float)
    except OverflowError:
        raise EvaluationError(
            f"{name} has an integer too large for a float (float64 reaches about 1.8e308)"
        ) from None
    except (TypeError, ValueError):
        raise EvaluationError(f"{name} must be an array of numbers, not {value!r:.60}") from None


def bind(f, values: dict) -> tuple[dict, dict, dict]:
    """Arrays, sizes and integers for an evaluation (every uncompiled evaluation pays it, and
    compiled functions on their careful path). Well-formed input costs a few dictionary
    operations; anything unusual goes to ``bind_checked``, which raises the precise error."""
    plan = _plan_of(f)
    arrays: dict = {}
    dims: dict = {}
    ints: dict = {}
    if not values.keys() <= plan.accepted:
        return bind_checked(f, values)
    for name, kind, ndim, var_dims in plan.variables:
        value = values.get(name)
        if value is None:
            continue
        if kind == "integer":
            if type(value) is not int or not -_HUGE < value < _HUGE:  # 10^400: no float
                return bind_checked(f, values)
            ints[name] = value
            continue
        if type(value) is np.ndarray and value.dtype == np.float64:
            array = value
        elif type(value) in (float, int) and ndim == 0 and -_HUGE < value < _HUGE:
            array = np.asarray(float(value))
        else:
            return bind_checked(f, values)
        if array.ndim != ndim or kind == "symmetric" or plan.compound:
            return bind_checked(f, values)
        for dim, size in zip(var_dims, array.shape):
            known = dim if isinstance(dim, int) else dims.setdefault(dim, size)
            if known != size:
                return bind_checked(f, values)
        arrays[name] = array
    for name in plan.sizes & values.keys():
        return bind_checked(f, values)  # sizes passed by keyword: the careful path
    if plan.tied:  # an integer variable that is also a size: checked on the careful path
        return bind_checked(f, values)
    return arrays, dims, ints


@dataclass(frozen=True)
class _Plan:
    variables: tuple  # (name, kind, ndim, dims) per variable
    accepted: frozenset  # keyword names an evaluation accepts
    sizes: frozenset
    compound: bool  # some variable is sized by a compound dimension ("m*n"): the careful path
    tied: bool  # an integer variable is named as a size (``_tie_sizes``): the careful path


# caches beside each Expr (never written into it): id(f) -> (weak reference to f, value); an
# entry leaves with its Expr. Keyed by identity: Expr's own == and hash compare canonical forms.
_PLANS: dict = {}
_DIMS: dict = {}


def _cached(table: dict, f):
    entry = table.get(id(f))
    return entry[1] if entry is not None and entry[0]() is f else None


def _cache(table: dict, f, value):
    key = id(f)
    table[key] = (weakref.ref(f, lambda _, key=key: table.pop(key, None)), value)
    return value


def _plan_of(f) -> _Plan:
    made = _cached(_PLANS, f)
    if made is None:
        ndims = {"scalar": 0, "integer": 0, "vector": 1, "matrix": 2, "symmetric": 2}
        variables = tuple(
            (name, info.kind, ndims.get(info.kind, len(info.dims)), info.dims)
            for name, info in f.variables.items()
        )
        sizes = dim_names(f)
        compound = any(is_compound(d) for v in f.variables.values() for d in v.dims)
        accepted = frozenset(f.variables) | sizes
        made = _cache(_PLANS, f, _Plan(variables, accepted, sizes, compound, bool(tied(f))))
    return made


def dim_names(f) -> frozenset:
    """Size names the caller may pass: the variables' and any the term uses (``ed.parse('I')``)."""
    made = _cached(_DIMS, f)
    if made is None:
        names = {d for v in f.variables.values() for d in v.dims if isinstance(d, str)}
        names |= {i.dim for i in f.axes if isinstance(i.dim, str)}
        names |= {d for d in f.index_dims.values() if isinstance(d, str)}
        names |= term_dims(f.term)
        plain = {p for d in names for p in dim_factors(d) if isinstance(p, str)}
        made = _cache(_DIMS, f, frozenset(plain))
    return made


def term_dims(t: T.Term) -> set:
    """The named sizes ``t`` mentions anywhere (indices, sums, ones, sizes, matrix bases); each
    shared subterm of the graph ``t`` is stored as is looked at once."""
    found: set = set()
    todo, seen = [t], set()
    while todo:
        u = todo.pop()
        if u in seen:
            continue
        seen.add(u)
        match u:
            case T.Var(indices=indices) | T.Zero(indices=indices):
                found.update(i.dim for i in indices)
            case T.Delta(a=a):
                found.add(a.dim)
            case T.Pair(c=c):
                found.add(c.dim)
            case T.Ones(index=index):
                found.add(index.dim)
            case T.Size(dim=dim):
                found.add(dim)
            case T.Prod(summed=summed):
                found.update(i.dim for i in summed)
            case T.MatPow(bound=bound) | T.Det(bound=bound) | T.LogDet(bound=bound):
                found.add(bound[0].dim)
        todo.extend(T.children(u))
    return {d for d in found if isinstance(d, str)}


def _dims_text(dims) -> str:
    """`` (n x m)`` after a kind, nothing for a scalar (not "a scalar (scalar)")."""
    return f" ({' x '.join(map(str, dims))})" if dims else ""


def _bind_dim(name, info, dim, size, shape, dims, where):
    if isinstance(dim, int):
        if size != dim:
            raise EvaluationError(
                f"{name} is declared {info.kind}({', '.join(map(str, info.dims))}), "
                f"but the array given has shape {shape}"
            )
        return
    if dim in dims and dims[dim] != size:
        raise EvaluationError(
            f"the arrays disagree on the size {dim}: {where[dim]} but {name} has shape {shape}"
        )
    if dim not in dims:
        dims[dim] = size
        where[dim] = f"{dim} = {size} from the shape of {name}"


def _bind_compound(name, dim, size, shape, dims, where):
    """An axis over pairs ("m*n"): its length is the product of the sizes; one unknown factor is
    found by division."""
    factors = dim_factors(dim)
    known = [f if isinstance(f, int) else dims.get(f) for f in factors]
    missing = [f for f, k in zip(factors, known) if k is None]
    product = 1
    for k in known:
        product *= k if k is not None else 1
    if len(missing) == 1 and size % product == 0:
        dims[missing[0]] = size // product
        where[missing[0]] = f"{missing[0]} = {size // product} from the shape of {name}"
        return
    if missing:
        raise EvaluationError(
            f"{name} has shape {shape}, of length {dim}, but the sizes "
            f"{', '.join(map(str, missing))} are not fixed by any array; pass them by keyword"
        )
    if product != size:
        raise EvaluationError(
            f"{name} has shape {shape}, but its length is {dim} = {product} ("
            + "; ".join(where[f] for f in factors if isinstance(f, str) and f in where)
            + ")"
        )


MAX_SIZE = 2**62  # numpy's dimensions are 64-bit signed; no array has a larger axis


def _masked(value) -> bool:
    """A masked entry (``np.ma.masked``): its ``item()`` is a hidden value (0.0), not given."""
    return isinstance(value, np.ma.MaskedArray) and bool(np.ma.is_masked(value))


# torch's integer dtypes by name (torch is not imported here): torch.tensor(3) is a size 3
_TORCH_INTEGERS = {f"torch.{k}int{b}" for k in ("", "u") for b in (8, 16, 32, 64)}


def positive_int(name, value) -> int:
    given = value
    dtype = getattr(value, "dtype", None)
    numpy = isinstance(dtype, np.dtype) and dtype.kind in "iu"  # np.array(3), jnp.asarray(3)
    traced = "Tracer" in type(value).__name__  # jax.jit: no number to read yet
    zero_d = (
        getattr(value, "ndim", None) == 0 and hasattr(value, "item") and not traced
    )  # dask's: lazy
    if zero_d and (numpy or str(dtype) in _TORCH_INTEGERS):
        value = value if _masked(value) else value.item()  # np.array(3): a size 3
    if isinstance(value, (bool, np.bool_)):  # True is 1 to Python, never a size
        raise EvaluationError(f"the size {name} must be a positive integer, not {given!r}")
    if isinstance(value, (int, np.integer)) and MAX_SIZE < value:
        shown = f"{value:.3g}" if value < 10**300 else f"a number of {len(str(value))} digits"
        raise EvaluationError(f"the size {name} = {shown} is too large (at most 2^62)")
    if isinstance(value, (int, np.integer)) and value > 0:
        return int(value)
    hint = f"; under jax.jit, make {name} a static argument (static_argnums)" if traced else ""
    raise EvaluationError(f"the size {name} must be a positive integer, not {given!r}{hint}")


def _integer(name, value) -> int:
    """The integer ``value`` given for ``name``: a Python or numpy integer, a 0-d array of one
    (``np.array(3)``, ``torch.tensor(3)``), or a float whose value is a whole number (``3.0``,
    ``np.array(3.0)``); a traced value (``jax.jit``) has no number to read."""
    given, traced = value, "Tracer" in type(value).__name__
    if not traced and getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        # np.array(3), torch.tensor(3), np.int8(3): the number it holds (a masked one: none)
        value = value if _masked(value) else value.item()
    if isinstance(value, (bool, np.bool_)):
        raise EvaluationError(f"{name} is an integer, not {given!r}")
    if isinstance(value, (int, np.integer)) or (
        isinstance(value, (float, np.floating)) and float(value).is_integer()
    ):
        if abs(int(value)) >= 2**1024:  # computed with as a float: 10^400 overflowed one
            digits = len(str(abs(int(value))))
            raise EvaluationError(f"{name} = a number of {digits} digits is too large for a "
                                  "float (at most about 1.8e308)")  # fmt: skip
        return int(value)
    if isinstance(value, (float, np.floating)):
        raise EvaluationError(f"{name} is an integer, not {given!r} (not a whole number)")
    hint = f"; give it as a Python int ({name}=3)"
    if traced:  # jax.jit traced it: its value is not known yet
        hint = f"; under jax.jit, make {name} a static argument (static_argnums) or close over it"
    raise EvaluationError(f"{name} is an integer, not {given!r}{hint}")


def positional_message(f) -> str:
    example = ", ".join(f"{name}=..." for name in list(f.variables)[:3]) or "..."
    return f"pass the values by keyword: ({example})"
