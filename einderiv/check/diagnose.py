"""Diagnoses of wrong claims: what kind of mistake a claimed derivative looks like.

Input: the engine's derivative and the claim (``Expr`` s), and for a claim of the right shape
their values at a probe where they differ (``probes``).
Output: a diagnosis in words, or None when the mistake is none of the known kinds: the other
layout (the transpose), a wrong sign, a constant factor, products in reverse order; and the words
for shapes and orientations that ``check`` uses when the claim's shape is wrong.
Invariants:
- a diagnosis is only ever a finding about values (or shapes) actually computed: a claim is said
  to be "the transpose" or "off by a factor" only when that holds at the probe;
- reversing products (``reverse_products``) reverses the order of the factors of every matrix
  product, through sums and negations, and adds no transposes;
- a claim whose reversed form cannot be read or evaluated (an ``EinderivError``) gets no
  diagnosis, never an error.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np

from einderiv.api import Expr, parse
from einderiv.check.claims import declarations_of
from einderiv.check.probes import close
from einderiv.errors import EinderivError
from einderiv.ir import matrix_ir as M
from einderiv.ir.ops import SQRT

__all__ = [
    "describe_array_shape",
    "diagnosis",
    "diagonal",
    "flipped_symmetric",
    "layout_hint",
    "orientation",
    "proved_diagonal",
    "reverse_products",
    "sums_to_one",
]


def _tiny(got: np.ndarray, want: np.ndarray) -> str:
    """A difference that floating point barely sees, or not at all: a factor (1 + 1e-11) only
    when every entry has it (``I + 1e-13 ones ones'`` is no multiple of I)."""
    scale = float(np.max(np.abs(want))) if want.size and got.shape == want.shape else 0.0
    if scale == 0:
        return "off by an amount too small for floating point (exact arithmetic)"
    apart = float(np.max(np.abs(got - want))) / scale
    if apart == 0:
        return "off by a relative amount too small for floating point (exact arithmetic)"
    nonzero = want != 0
    ratios = got[nonzero] / want[nonzero]
    spread = float(np.max(ratios) - np.min(ratios))
    if np.any(got[~nonzero] != 0) or spread > 8 * np.finfo(float).eps * float(np.max(ratios)):
        return f"off by a tiny amount, about {apart:.1g} of its largest entry (not one factor)"
    relative = float(ratios[0]) - 1.0
    return f"off by a factor of about 1 {'+-'[relative < 0]} {abs(relative):.1g}"


def diagnosis(
    expected: Expr, claim: Expr, probe: dict, want: np.ndarray, got: np.ndarray
) -> str | None:
    """The kind of mistake, from the true value ``want`` and the claim's ``got`` at ``probe``
    (none where the claim is not finite)."""
    if not np.all(np.isfinite(got)):
        return None
    if close(got, want):  # equal as far as floats tell (1.00000000001 A for A): no kind of
        return _tiny(got, want)  # mistake below can be told apart from a tiny difference
    if want.ndim >= 2 and close(got, np.transpose(want)):
        return layout_hint(expected)
    found = (
        _symmetric_convention(expected, want, got)
        or _symmetric_constant(expected, claim, probe, want)
        or sums_to_one(expected, claim, probe)
    )
    if not found and want.ndim >= 2:  # 2 A X for d tr(X' A X)/dX: two mistakes at once
        found = flipped_symmetric(expected, claim, probe)
    if found:
        return found
    ratio = _constant_ratio(got, want)
    if ratio is not None:
        if ratio == -1:
            return "the sign is wrong"
        if ratio == 0:
            return "the claim is zero, the derivative is not"
        if ratio == 1:  # a tiny factor (1 + 1e-12), or none that floating point can see
            return _tiny(got, want)
        return f"off by a factor of {_nice(ratio)}"
    reversed_claim = _reversed_products(claim)
    if reversed_claim is not None:
        try:
            value = np.asarray(
                reversed_claim(**{k: v for k, v in probe.items() if k in reversed_claim.variables})
            )
        except EinderivError:
            value = None
        if value is not None and value.shape == want.shape and close(value, want):
            return "the product order is reversed"
    return _not_symmetrised(want, got) or _symmetric_constant(
        expected, claim, probe, None, scaled=True
    )


def _not_symmetrised(want: np.ndarray, got: np.ndarray) -> str | None:
    """A symmetric derivative (a Hessian) claimed as a matrix C that is not symmetric, where
    a multiple of C + C' is right: ``A`` for the Hessian of x' A x, which is A + A'."""
    if want.ndim != 2 or got.shape != want.shape or not close(want, want.T):
        return None
    if close(got, got.T):
        return None
    ratio = _constant_ratio(got + got.T, want)  # C + C' = ratio * derivative
    if ratio is None or ratio == 0:
        return None
    factor = 1 / ratio  # the derivative is factor (C + C')
    forms = {1: "C + C'", -1: "-(C + C')", 0.5: "(C + C')/2", -0.5: "-(C + C')/2"}
    form = forms.get(factor, f"{_nice(factor)} (C + C')")
    return f"not symmetrised: the derivative is symmetric and the claim C is not; {form} is right"


def _target(expected: Expr):
    origin = expected._origin
    return None if origin is None else expected.variables.get(origin[2].name)


def _symmetric_convention(expected: Expr, want: np.ndarray, got: np.ndarray) -> str | None:
    """G + G' - G .* I (= 2G - diag(G)) for a symmetric variable, G the unconstrained gradient:
    the derivative there is (G + G')/2 = ``want``, so the claim is 2 want - want .* I."""
    info = _target(expected)
    if info is None or info.kind != "symmetric" or want.ndim != 2 or got.shape != want.shape:
        return None
    if close(want, 2 * want - want * np.eye(len(want))):  # diagonal: no difference to show
        return None
    if not close(got, 2 * want - want * np.eye(len(want))):
        return None
    return (
        "this is the convention G + G' - G .* I (2G - diag(G)) for a symmetric matrix, which "
        'is not the gradient (Srinivasan & Panda, "What is the gradient of a scalar function '
        "of a symmetric matrix?\", 2023); the derivative over symmetric matrices is (G + G')/2: "
        f"{expected}"
    )


def flipped_symmetric(expected: Expr, claim: Expr, probe: dict) -> str | None:
    """The claim's transpose is right at the probe once a square constant matrix is made
    symmetric: ``2 A x`` for d(x' A x)/dx in numerator layout, the other layout's answer with
    A + A' taken for 2 A (``x' (A + A')`` is right)."""
    found = _symmetric_constant(expected, claim, probe, None, flip=True)
    found = found or sums_to_one(expected, claim, probe, flip=True)
    if found is None:
        return None
    layout = expected.layout or "numerator"
    other = {"numerator": "denominator", "denominator": "numerator"}.get(layout, "numerator")
    return (
        f"this is the {other}-layout answer (the transpose), and it is {found}; "
        f"in {layout} layout it is {expected}"
    )


def _symmetric_constant(
    expected: Expr, claim: Expr, probe: dict, want, flip: bool = False, scaled: bool = False
) -> str | None:
    """The claim (its transpose with ``flip``) is right at the probe once a square constant
    matrix is made symmetric; with ``scaled``, a constant multiple of it is (``x' A`` for
    d(x' A x)/dx = x' (A + A'): 2 x' A, right only for A = A')."""
    target = expected._origin[2].name if expected._origin is not None else None
    for name, info in claim.variables.items():
        value = probe.get(name)
        if name == target or info.kind != "matrix" or value is None:
            continue
        value = np.asarray(value, dtype=float)
        if value.ndim != 2 or value.shape[0] != value.shape[1] or close(value, value.T):
            continue
        both = _both_at(expected, claim, {**probe, name: (value + value.T) / 2})
        if both is None:
            continue
        true, said = both
        said = np.transpose(said) if flip else said
        dim = info.dims[0]
        only = f"right only if {name} is symmetric; declare `{name}: symmetric({dim})`"
        if not scaled and true.shape == said.shape and close(said, true):
            return only
        ratio = _constant_ratio(said, true) if scaled else None
        if ratio not in (None, 0, 1, -1):  # -1: a sign, not a factor
            shown = claim.matrix()
            fixed = f"{_nice(1 / ratio)} ({claim if shown is None else M.show(shown)})"
            return f"off by a factor of {_nice(ratio)}, and {fixed} is {only}"
    return None


def _both_at(expected: Expr, claim: Expr, values: dict):
    """(the derivative's value, the claim's) at ``values``, or None where either is refused."""
    try:
        true = expected(**{k: v for k, v in values.items() if k in expected.variables})
        said = claim(**{k: v for k, v in values.items() if k in claim.variables})
    except EinderivError:
        return None
    return np.asarray(true), np.asarray(said)


_TRIED = 4  # the variables ``sums_to_one`` shifts to sum 1, at most


def sums_to_one(expected: Expr, claim: Expr, probe: dict, flip: bool = False) -> str | None:
    """The claim (its transpose with ``flip``) is right at the probe once a constant vector of
    the expression sums to 1, or each row of a constant matrix does: ``(softmax(z) - y)'`` for
    d(-y' log(softmax(z)))/dz, which is ``sum(y) softmax(z)' - y'``, right for labels y that
    are a distribution (one-hot). The entries are shifted to sum 1 (``y + (1 - sum(y)) / n``),
    never divided by their sum."""
    target = expected._origin[2].name if expected._origin is not None else None
    tried = 0  # labels are one or a few variables: at most _TRIED (x' (A0 + ... + A999) x
    for name, info in expected.variables.items():  # evaluated both 8,000 times, 54 s)
        value = probe.get(name)
        if name == target or info.kind not in ("vector", "matrix") or value is None:
            continue
        tried += 1
        if tried > _TRIED:
            break
        value = np.asarray(value, dtype=float)
        if value.ndim not in (1, 2) or value.shape[-1] < 2:
            continue
        totals = value.sum(axis=-1, keepdims=True)
        if np.all(np.abs(totals - 1) < 1e-9):
            continue
        both = _both_at(expected, claim, {**probe, name: value + (1 - totals) / value.shape[-1]})
        if both is None:
            continue
        true, said = both
        said = np.transpose(said) if flip else said
        if true.shape == said.shape and np.all(np.isfinite(true)) and close(said, true):
            if value.ndim == 1:
                what = f"sum({name}) = 1 ({name} a probability vector"
            else:
                what = f"each row of {name} sums to 1 ({name} ones = ones: rows of probabilities"
            return f"right only if {what}, as one-hot labels are)"
    return None


DIAGONAL = "the derivative of an elementwise function is diagonal: "


def diagonal(expected: Expr, claim: Expr, probe: dict) -> str | None:
    """A vector claimed for a derivative that is the diagonal matrix of it at the probe: ``2 x``
    for d(x .* x)/dx = diag(2 x), an elementwise function's derivative taken entry by entry."""
    if len(claim.shape) != 1 or len(expected.shape) != 2 or claim.matrix() is None:
        return None
    try:
        text = f"diag({M.show(claim.matrix())})"
        said = parse(text, where=declarations_of(claim))
        true = np.asarray(expected(**{k: v for k, v in probe.items() if k in expected.variables}))
        got = np.asarray(said(**{k: v for k, v in probe.items() if k in said.variables}))
    except EinderivError:
        return None
    if got.shape != true.shape or not close(got, true):
        return None
    return f"{DIAGONAL}{text} is right"


def proved_diagonal(result, again):
    """``result`` whose diagonal diagnosis (found at probes) says "is right" only when ``again``
    (check without diagnoses) proves the suggested claim right: ``diag(x ./ x)`` for dx/dx is
    undefined at 0 and ``diag(0 x)`` for a Hessian of sum(abs(x)) is across the kink."""
    said = result.diagnosis or ""
    if not said.startswith(DIAGONAL):
        return result
    suggested = said[len(DIAGONAL) :].removesuffix(" is right")
    try:
        verdict = again(claim=suggested).verdict
    except EinderivError:
        verdict = "not readable"
    if verdict == "right":
        return result
    agrees = f"{DIAGONAL}{suggested} agrees with it at the probes; check calls it {verdict}"
    return dataclasses.replace(result, diagnosis=agrees)


def _constant_ratio(got: np.ndarray, want: np.ndarray) -> float | None:
    if got.shape != want.shape or not want.size or not np.all(np.isfinite(want)):
        return None  # a probe made symmetric may leave the domain: nan in the values
    if np.max(np.abs(want)) == 0 or not np.all(np.isfinite(got)):
        return None
    k = int(np.argmax(np.abs(want)))
    ratio = float(got.flat[k] / want.flat[k])
    snapped = Fraction(ratio).limit_denominator(12)
    if abs(float(snapped) - ratio) <= 1e-9 * abs(ratio):  # -0.9999999999 is a sign error
        ratio = float(snapped)
    if close(got, ratio * want):
        return ratio
    return None


# constants a factor is often a fraction of: a base's log lost or doubled (d 2^x = log(2) 2^x)
_CONSTANTS = {f"log({b})": math.log(b) for b in (2, 3, 10)}
_CONSTANTS |= {"pi": math.pi, f"{SQRT.name}(2)": 2**0.5}  # the registry's sqrt


def _nice(x: float) -> str:
    """``x`` as a fraction of denominator at most 12 (``1/2``), or such a fraction times or over
    one of ``_CONSTANTS`` (``1/log(2)``, ``2 pi``), else 12 digits."""
    fraction = Fraction(x).limit_denominator(12)
    if abs(float(fraction) - x) < 1e-9 * max(1.0, abs(x)):
        return M.format_number(fraction)
    for name, c in _CONSTANTS.items():
        for value, over in ((x / c, False), (x * c, True)):
            f = Fraction(value).limit_denominator(12)
            if not f or abs(float(f) - value) > 1e-9 * max(1.0, abs(value)):
                continue
            if over:  # x = f / c: 1/log(2), 2/(3 pi)
                under = name if f.denominator == 1 else f"({f.denominator} {name})"
                return f"{f.numerator}/{under}"
            coefficient = {1: "", -1: "-"}.get(f.numerator, f"{f.numerator} ")
            return f"{coefficient}{name}" + (f"/{f.denominator}" if f.denominator != 1 else "")
    return f"{x:.12g}"


def orientation(e: Expr):
    """'row' or 'column' for a vector in matrix form; None otherwise."""
    if e.slots is None or len(e.axes) != 1:
        return None
    return "column" if e.slots[0] is not None else "row"


def layout_hint(expected: Expr) -> str:
    """The diagnosis of a claim that is the derivative in the other layout."""
    layout = expected.layout or "numerator"
    other = {"numerator": "denominator", "denominator": "numerator"}.get(layout, "numerator")
    return f"this is the {other}-layout answer (the transpose); in {layout} layout it is {expected}"


def describe_array_shape(e: Expr) -> str:
    """The shape of ``e``'s value in words: "a scalar", "a row vector of length n", ..."""
    if not e.shape:
        return "a scalar"
    kind = orientation(e)
    if kind:
        return f"a {kind} vector of length {e.shape[0]}"
    return "an array of shape " + " x ".join(map(str, e.shape))


def _reversed_products(claim: Expr) -> Expr | None:
    """The claim with every matrix product's factors in reverse order (no transposes added)."""
    tree = claim.matrix()
    if tree is None:
        return None
    flipped = reverse_products(tree)
    if flipped == tree:
        return None
    try:
        return parse(M.show(flipped), where=declarations_of(claim))
    except EinderivError:
        return None


def reverse_products(e: M.MExpr) -> M.MExpr:
    """``e`` with the factors of every matrix product in reverse order."""
    match e:
        case M.MatMul():
            factors = _chain(e)
            return _rebuild([reverse_products(f) for f in reversed(factors)])
        case M.Add(left=a, right=b):
            return M.Add(reverse_products(a), reverse_products(b))
        case M.Sub(left=a, right=b):
            return M.Sub(reverse_products(a), reverse_products(b))
        case M.Neg(operand=x):
            return M.Neg(reverse_products(x))
    return e


def _chain(e: M.MExpr) -> list[M.MExpr]:
    if isinstance(e, M.MatMul):
        return _chain(e.left) + _chain(e.right)
    return [e]


def _rebuild(factors: list[M.MExpr]) -> M.MExpr:
    out = factors[0]
    for f in factors[1:]:
        out = M.MatMul(out, f)
    return out
