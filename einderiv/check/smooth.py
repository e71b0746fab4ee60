"""The conditions a claim needs that the expression does not impose, and where only the
derivative's form is undefined: is the expression differentiable there?

Input: a ``Sampler`` (the expression ``f``, its derivative, the claim, probes from the domain).
Output: ``missing_conditions(sampler)``: the claim's conditions that neither ``f`` nor its
derivative imposes, where a condition of the derivative counts only when it is ``f``'s too, or
``f`` is not differentiable where it fails. ``form_only(sampler)``: the conditions of the derivative that ``f`` does not impose and
that are artefacts of the derivative's form, not of ``f``: on their boundary ``f`` looks
differentiable. ``d norm2(x)^3 / dx`` is written ``3 x' x x' / norm2(x)``, undefined at x = 0,
where ``norm2(x)^3`` is differentiable (its gradient is 0), so a claim that needs x != 0 is not
"right" there. ``d norm2(x) / dx = x' / norm2(x)`` needs x != 0 too, but there ``norm2`` has a
kink (no derivative at all): that condition stays, and the claim can be right.
Invariants:
- a boundary point is a probe with the condition's variables set to 0 where ``f`` is finite
  and the derivative is not; a condition whose boundary is not found that way stays imposed;
- ``f`` looks differentiable at a point when its symmetric second difference
  ``f(p + t v) + f(p - t v) - 2 f(p)`` vanishes faster than ``t`` (a kink keeps it of order t),
  along two random directions; ``f`` undefined beside the point (a root at 0) is a kink;
- only scalar conditions (positive, nonnegative, nonzero) are considered here; Jacobi's
  ``det(X) X^-1`` is ``domain.differentiable_singular``'s.
"""

from __future__ import annotations

import re

import numpy as np

from einderiv.check.domain import (
    Condition,
    conditions,
    differentiable_singular,
    implied,
    uncovered,
)
from einderiv.errors import EinderivError
from einderiv.ir import matrix_ir as M

__all__ = ["form_only", "missing_conditions"]

_STEPS = (1e-3, 1e-5)  # a kink's second difference over t stays; a smooth one's shrinks with t
_KINDS = ("positive", "nonnegative", "nonzero")
_ADJ = re.compile(r"\badj\(")  # the expression uses the adjugate


def missing_conditions(sampler) -> list[Condition]:
    """Conditions the claim needs that the expression and the derivative do not impose (the
    derivative's form |X| X^-1 of d|X|/dX imposes nothing: |X| is smooth at singular X; nor
    does x' x x' / norm2(x) of d norm2(x)^3/dx: norm2(x)^3 is smooth at x = 0)."""
    f, expected, claim = sampler.f, sampler.expected, sampler.claim
    ignored = differentiable_singular(f.term, expected.term)
    if uncovered(claim.term, f.term):  # only then can a derivative's condition matter
        ignored |= form_only(sampler)
    missing = uncovered(claim.term, f.term, expected.term, ignored=ignored)
    if f.source is not None and _ADJ.search(M.show(f.source)):
        # adj(X) is defined for every X but evaluated as det(X) inv(X): the invertibility
        # lowering imposes is not the expression's; probes at invertible X prove nothing
        needs = conditions(claim.term)
        missing += [c for c in needs if c.kind.startswith("invertible") and c not in missing]
    return missing


def form_only(sampler) -> frozenset[Condition]:
    """The derivative's conditions (scalar kinds) that ``f`` does not imply and at whose
    boundary ``f`` looks differentiable."""
    own = implied(conditions(sampler.f.term))
    candidates = [c for c in conditions(sampler.expected.term) if c.kind in _KINDS and c not in own]
    return frozenset(c for c in candidates if _smooth_at_boundary(sampler, c))


def _smooth_at_boundary(sampler, condition: Condition) -> bool:
    used = sampler.used
    names = [n for n in condition.names if n in used and used[n].kind != "integer"]
    if not names:
        return False
    for k in range(3):
        try:
            base = sampler.draw(k)
        except EinderivError:
            continue
        point = {**base, **{n: np.zeros_like(np.asarray(base[n], dtype=float)) for n in names}}
        value, derivative = (
            _value(sampler.call, sampler.f, point),
            _value(sampler.call, sampler.expected, point),
        )
        if value is None or derivative is not None:
            continue  # not on the boundary this way (f undefined, or the derivative defined)
        return _looks_differentiable(sampler, point, names, value)
    return False


def _looks_differentiable(sampler, point: dict, names: list, value: np.ndarray) -> bool:
    rng = np.random.default_rng(20261205)
    for _ in range(2):
        direction = {n: _direction(rng, point[n], sampler.used[n].kind) for n in names}
        ratios = []
        for t in _STEPS:
            plus = _value(sampler.call, sampler.f, _moved(point, direction, t))
            minus = _value(sampler.call, sampler.f, _moved(point, direction, -t))
            if plus is None or minus is None:
                return False  # undefined beside the point: not differentiable there
            second = float(np.max(np.abs(plus + minus - 2 * value), initial=0.0)) / t
            slope = float(np.max(np.abs(plus - minus), initial=0.0)) / (2 * t)
            ratios.append((second, max(slope, 1.0)))
        (big, scale), (small, _) = ratios
        if big > 1e-6 * scale and small > 0.1 * big:
            return False  # the second difference over t does not shrink: a kink
    return True


def _direction(rng, value, kind: str) -> np.ndarray:
    v = rng.normal(size=np.shape(value))
    if kind == "symmetric" and v.ndim == 2:
        v = (v + v.T) / 2
    return v


def _moved(point: dict, direction: dict, t: float) -> dict:
    return {**point, **{n: point[n] + t * v for n, v in direction.items()}}


def _value(call, e, point: dict) -> np.ndarray | None:
    """``e`` at ``point`` as floats, or None where it is undefined (not finite, or an error)."""
    try:
        value = np.asarray(call(e, point), dtype=float)
    except (EinderivError, np.linalg.LinAlgError):
        return None
    return value if np.all(np.isfinite(value)) else None
