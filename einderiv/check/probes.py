"""Numerical and exact probes for ``check``: where to evaluate a derivative and its claim, and
when two values are equal.

Input: the expression (an ``Expr``: its variables' kinds and dimensions, its term), a numpy
random generator, and values computed at a probe.
Output: several size assignments per dimension (``size_rounds``), values of integer symbols
(``INTEGERS``), one random value per variable (``sample``) in one of several ``MODES``, random
points mod a prime (``exact_point``), and the judgements ``close`` (equal up to rounding) and
``too_large`` (the declared sizes cannot be probed).
Invariants:
- probes come from the ORIGINAL expression's domain, never the claim's: entries of both signs,
  square matrices with determinants of both signs (``MODES``), positive entries tried as well
  only for variables the expression itself takes a log, root or real power of
  (``domain.restricted``); ``check`` keeps a probe only when the expression and its derivative
  are finite there;
- every named dimension takes several sizes (1, distinct sizes so matrices are not square,
  coinciding sizes), integer symbols take 0, 1, negative and large values;
- ``close`` is relative to the values (and to the largest term of a sum, which bounds its
  rounding error), with no absolute floor: ``1e-13 I`` and ``2e-13 I`` differ;
- a counterexample's probe is small integers where those show the mistake;
- draws are deterministic given the generator's seed.
"""

from __future__ import annotations

import math
import re

import numpy as np

from einderiv.api import Expr
from einderiv.backend.binding import dim_names
from einderiv.errors import EinderivError
from einderiv.ir.node import dim_factors, dim_size

__all__ = [
    "FIRST_MATRICES",
    "INTEGERS",
    "MAX_CONDITION",
    "MODES",
    "PROBES",
    "REDRAWS",
    "candidate_sizes",
    "close",
    "exact_point",
    "ill_conditioned",
    "integer_sizes",
    "probe_sizes",
    "sample",
    "size_rounds",
    "too_large",
    "undrawable",
]

PROBES = 12
REDRAWS = 40
MAX_CONDITION = 1e6
FIRST_MATRICES = 8  # matrices drawn well-conditioned though nothing inverts them (sampling)
MODES = ("signed", "near", "flipped", "positive")
INTEGERS = (2, 0, 1, -1, 3, -2, 5, 7, -3, 12, 1, 25, -6, 40)  # exact arithmetic
NUMERIC_INTEGERS = (2, 0, 1, -1, 3, -2, 5, 4, -3, 6)  # floats: X^40 would only be rounding
_ROUNDS = ((3, 4, 5, 2, 6), (1, 1, 1, 1, 1), (2, 5, 3, 4, 1), (4, 4, 4, 4, 4), (5, 2, 6, 3, 4))


def undrawable(value_of) -> str:
    """Why no probe was kept, from the expression's value at the last one drawn (``value_of()``):
    a size that no variable fixes, a value infinite there (a constant past float64: ``1e308 *
    1e308 x' x``), or else a point outside its domain."""
    try:
        value = value_of()
    except EinderivError as error:
        unfixed = re.search(r"the size (\S+) is not fixed by any array", str(error))
        if unfixed:
            return (
                f"cannot check: the size {unfixed.group(1)} of the expression is fixed by no "
                "variable (an `ones` or `I` that nothing sizes), and its value depends on it"
            )
        value = np.nan
    if np.size(value) and np.all(np.isinf(value)):
        return (
            "cannot check: the expression overflows float64 (it is infinite at every point "
            "drawn): a number in it is too large (beyond 1.8e308) to evaluate"
        )
    return "could not draw inputs where the expression is defined"


def too_large(f: Expr) -> bool:
    """Declared sizes whose arrays would not fit a probe (more than a million entries)."""
    for info in f.variables.values():  # Python ints: numpy's int64 product wraps at 2**64
        if math.prod(d for d in info.dims if isinstance(d, int)) > 1_000_000:
            return True
    return False


def candidate_sizes(f: Expr) -> list:
    """Sizes a size the claim leaves open may mean: the expression's named and literal sizes."""
    named = sorted(d for d in dim_names(f) if isinstance(d, str))
    literal = sorted({d for v in f.variables.values() for d in v.dims if isinstance(d, int)})
    return named + literal or [None]


def probe_sizes(f: Expr, probe: dict) -> dict:
    """The size of each named dimension of ``f`` in the arrays of ``probe``."""
    sizes = {}
    for name, info in f.variables.items():
        if name not in probe:  # a declared variable the expression does not use: not drawn
            continue
        shape = np.shape(probe[name])
        for d, n in zip(info.dims, shape):
            if isinstance(d, str):
                sizes[d] = n
    return _factor_sizes(sizes)


def _factor_sizes(sizes: dict) -> dict:
    """``sizes`` with the named factors of its compound sizes that the others fix: ``2*m`` of 8
    gives m = 4 (A: matrix(n, 2*m) inferred, its derivative's axes over m); ``p*m`` with p known
    gives m. A factor that stays open is left out, never guessed."""
    found = True
    while found:
        found = False
        for d, n in list(sizes.items()):
            parts = dim_factors(d)
            open_ = [p for p in parts if isinstance(p, str) and p not in sizes]
            if len(open_) != 1 or parts.count(open_[0]) != 1:
                continue
            known = math.prod(p if isinstance(p, int) else sizes[p] for p in parts if p != open_[0])
            if known and n % known == 0:
                sizes[open_[0]] = n // known
                found = True
    return sizes


def integer_sizes(f: Expr) -> frozenset:
    """The integer symbols named as sizes (``x: vector(n); n: integer``): each takes its size's
    value, at least 1, at every probe and exact point (``sample``'s callers, ``exact_point``)."""
    dims = {d for v in f.variables.values() for d in v.dims if isinstance(d, str)}
    return frozenset(n for n in dims if n in f.variables and f.variables[n].kind == "integer")


def ill_conditioned(value) -> bool:
    """Whether ``value`` is a square matrix whose condition number exceeds ``MAX_CONDITION``
    (or is not finite: such a matrix never reaches LAPACK, which prints about it)."""
    array = np.asarray(value, dtype=float)
    square = array.ndim == 2 and array.shape[0] == array.shape[1] and array.size
    if square and not np.all(np.isfinite(array)):
        return True
    return bool(square and not np.linalg.cond(array) <= MAX_CONDITION)  # nan: ill too


def size_rounds(f: Expr) -> list[dict]:
    """Size assignments to try: distinct sizes (non-square), all 1, others, all equal."""
    dims = {d for v in f.variables.values() for d in v.dims if isinstance(d, str)}
    factors = {p for d in dims for p in dim_factors(d) if isinstance(p, str)}  # m*n: m, n too
    names = sorted(dims | factors)
    rounds = []
    for base in _ROUNDS:
        rounds.append({name: base[k % len(base)] + k // len(base) for k, name in enumerate(names)})
    return rounds


def close(a: np.ndarray, b: np.ndarray, reference: float = 0.0) -> bool:
    """Equal up to rounding, relative to the values themselves (no absolute floor, so a factor
    of two shows even where the values are tiny); ``reference`` is the size of the largest term
    the values are sums of (their rounding error grows with it)."""
    if a.shape != b.shape:
        return False
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return bool(np.array_equal(a, b, equal_nan=True)) and bool(np.all(np.isfinite(a)))
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b)))) if a.size else 0.0
    return bool(np.allclose(a, b, rtol=1e-7, atol=1e-9 * max(scale, reference)))


def sample(rng, info, sizes: dict, mode: str, positive: bool, integer: bool = False):
    """A random value for the variable ``info`` (a ``VarInfo``), drawn as ``mode`` says:
    signed: normal entries (square matrices have determinants of both signs); near: square
    matrices near the identity; flipped: near the identity with the first row negated
    (determinant < 0); positive: positive entries when ``positive`` (the variable is under a
    log or root of the expression), else as signed. ``integer``: small integers."""
    if info.kind == "integer":
        return NUMERIC_INTEGERS[int(rng.integers(len(NUMERIC_INTEGERS)))]
    shape = tuple(dim_size(d, sizes.__getitem__) for d in info.dims)
    positive = positive and mode == "positive"
    if integer:
        values = rng.integers(1 if positive else -2, 3, size=shape).astype(float)
    elif positive:  # in every restricted domain: > 0, in (-1, 1), > -1
        values = rng.uniform(0.2, 0.9, size=shape)
    else:
        values = rng.normal(size=shape)
    if info.kind == "scalar":
        return float(values) if np.ndim(values) == 0 else float(values.flat[0])
    if len(shape) == 2 and shape[0] == shape[1] and mode != "signed":
        n = shape[0]
        if integer:  # small integers, diagonally dominant: invertible, easy to check by hand
            values = values + (n + 1) * np.eye(n)
        else:  # near the identity: sigmoid(det(X)) or exp(tr(X)) do not saturate
            values = np.eye(n) + values * (0.5 / n)
        if mode == "flipped" and not positive:
            values[0] = -values[0]
    if info.kind == "symmetric" and len(shape) == 2:
        values = (values + values.T) / 2
    return values


def exact_point(rng, variables: dict, sizes: dict, p: int) -> tuple[dict, dict]:
    """A uniformly random point mod ``p`` (object arrays of ints) and integer-symbol values,
    for ``variables`` (name -> ``VarInfo``)."""
    values, ints = {}, {}
    for name, info in variables.items():
        if info.kind == "integer":  # an integer that is a size (x: vector(n); n: integer) is it
            ints[name] = sizes.get(name, INTEGERS[int(rng.integers(len(INTEGERS)))])
            continue
        shape = tuple(d if isinstance(d, int) else sizes[d] for d in info.dims)
        count = math.prod(shape)
        high, low = rng.integers(0, 2**62, size=count), rng.integers(0, 2**40, size=count)
        flat = [(int(a) * 2**40 + int(b)) % p for a, b in zip(high.tolist(), low.tolist())]
        array = np.array(flat, dtype=object).reshape(shape)
        if info.kind == "symmetric" and len(shape) == 2:
            array = np.triu(array) + np.triu(array, 1).T
        values[name] = array if shape else array.item()
    return values, ints
