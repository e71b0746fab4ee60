"""Numerical probes for ``check``: where to evaluate a derivative and its claim, and when two
values are equal.

Input: the expression (an ``Expr``: its variables' kinds and dimensions, its term), a numpy
random generator, and values computed at a probe.
Output: sizes for each named dimension, one random value per variable (``sample``), and the
judgements ``close`` (equal up to rounding) and ``too_large`` (the declared sizes cannot be
probed).
Invariants:
- a probe lies in each variable's domain: square matrices well-conditioned with positive
  determinant (near the identity, or diagonally dominant small integers), positive entries where
  logs, roots or non-integer powers need them (``needs_positive``), symmetric for symmetric
  variables, integers in 2..4 for integer variables;
- a counterexample's probe is small integers, so a person can check it by hand;
- draws are deterministic given the generator's seed; ``check`` redraws (up to ``REDRAWS``) a
  probe whose matrices have a condition number above ``MAX_CONDITION`` or whose values are not
  finite, and decides on ``PROBES`` good ones.
"""

from __future__ import annotations

import math

import numpy as np

from einderiv.api import Expr
from einderiv.backend.binding import dim_names
from einderiv.ir import index_ir as T
from einderiv.ir.ops import ELEMENTWISE

__all__ = [
    "MAX_CONDITION",
    "PROBES",
    "REDRAWS",
    "candidate_sizes",
    "close",
    "draw_sizes",
    "needs_positive",
    "probe_sizes",
    "sample",
    "too_large",
]

PROBES = 6
REDRAWS = 50
MAX_CONDITION = 1e4


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
        shape = np.shape(probe.get(name, ()))
        for d, n in zip(info.dims, shape):
            if isinstance(d, str):
                sizes[d] = n
    return sizes


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to rounding, relative to the values themselves (no floor at 1), so a factor of
    two shows even where the values are small; 1e-12 absorbs cancellation noise at O(1) inputs."""
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b)))) if a.size else 0.0
    return bool(np.allclose(a, b, rtol=1e-6, atol=1e-12 + 1e-9 * scale))


def draw_sizes(f: Expr, integer: bool) -> dict:
    """A size for each named dimension of ``f``: distinct small ones, smaller for integer probes."""
    names = sorted({d for v in f.variables.values() for d in v.dims if isinstance(d, str)})
    base = [2, 3, 4, 5, 6] if integer else [3, 4, 5, 2, 6]
    return {name: base[k % len(base)] + (k // len(base)) for k, name in enumerate(names)}


def sample(rng, info, sizes: dict, positive: bool, integer: bool):
    """A random value for the variable ``info`` (a ``VarInfo``) in its domain."""
    if info.kind == "integer":
        return int(rng.integers(2, 5))
    shape = tuple(d if isinstance(d, int) else sizes[d] for d in info.dims)
    if integer:
        values = rng.integers(1 if positive else -2, 3, size=shape).astype(float)
    else:
        values = rng.uniform(0.5, 1.5, size=shape) if positive else rng.normal(size=shape)
    if info.kind == "scalar":
        return float(values) if np.ndim(values) == 0 else float(values.flat[0])
    if len(shape) == 2 and shape[0] == shape[1]:
        n = shape[0]
        if integer:  # small integers, diagonally dominant: invertible, easy to check by hand
            values = values + (n + 1) * np.eye(n)
        else:  # near the identity: det ~ 1, so sigmoid(det(X)) or exp(tr(X)) do not saturate
            values = np.eye(n) + values * (0.5 / n)
        if info.kind == "symmetric":
            values = (values + values.T) / 2
    return values


def needs_positive(t: T.Term) -> bool:
    """``t`` takes a log, a root or a non-integer power: probe with positive entries."""
    match t:
        case T.Func(name=name) if ELEMENTWISE[name].domain in ("positive", "nonnegative"):
            return True
        case T.Pow(exponent=T.Num(value=v)) if v.denominator != 1:
            return True
        case T.Pow(exponent=exponent) if not isinstance(exponent, T.Num):
            return True
    return any(needs_positive(c) for c in T.children(t))
