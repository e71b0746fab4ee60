"""The forms a claim may take besides matrix notation (SPEC section 8): LaTeX, differentials,
index notation whose axes must be bound.

Input: the expression ``f`` (an ``Expr``), the variable, the layout, and the claim's text.
Output:
- ``normalize_claim``: LaTeX a person writes for zero (``\\mathbf{0}``, ``\\mathbf{0}^\\top``) as
  the language's ``0``;
- ``is_differential`` / ``differential_claim``: a claim ``d f = tr(G dX)`` or ``dY = A dX B``
  turned into the derivative it states, in the requested layout: its right side, linear in
  ``dX``, differentiated by ``dX`` (the identification rule of Magnus & Neudecker: dY = D dX for
  every dX exactly when D is the derivative); ``NotLinear`` when a probe shows the right side is
  not linear in ``dX`` (a witness), ``Unsure`` when the engine cannot tell;
- ``unbound_axes`` / ``reorderings``: an index-notation claim of order 3 or more whose indices are
  not bound by the derivative's own index names is read in alphabetical order (as ``Expr.index``
  prints); when that reading is not the derivative but another order of its indices is, the
  caller refuses the claim (``AMBIGUOUS``): which index is which would be a guess.
Invariants: ``dX`` takes X's kind and dimensions; the claim's other names are read with the
expression's declarations; nothing here judges the claim, it only says what it states.
"""

from __future__ import annotations

import re

import numpy as np

from einderiv.api import Expr, diff, hessian, parse
from einderiv.calculus.simplify import simplify
from einderiv.check.claims import declarations_of
from einderiv.check.conditions import TOP
from einderiv.check.identity_text import TRAILING_LABEL, is_math, quad_tail
from einderiv.errors import EinderivError, ShapeError
from einderiv.frontend.letters import splits
from einderiv.frontend.lexing import JUXTAPOSED_AFTER
from einderiv.ir import index_ir as T
from einderiv.notation.differential import declaration

__all__ = [
    "NotLinear",
    "Unsure",
    "differential_claim",
    "differential_right",
    "is_differential",
    "normalize_claim",
    "reorderings",
    "unbound_axes",
]

_BOLD = r"\\(?:mathbf|boldsymbol|bm|mathrm)"
_ZERO = re.compile(_BOLD + r"\s*\{\s*0\s*\}(?:\s*\^\s*(?:\\top|\{\s*\\top\s*\}|T|\{T\}))?")
_D_COMMAND = r"(?:\\mathrm\s*\{\s*d\s*\}|\\operatorname\s*\{\s*d\s*\}|\\text\s*\{\s*d\s*\})"
_D = rf"(?:{_D_COMMAND}|d)"
_LEFT = re.compile(
    rf"\s*{_D}\s*(?:{_BOLD}\s*\{{\s*\\?[A-Za-z]+\s*\}}|\\?[A-Za-z][A-Za-z0-9_]*"
    r"|\(\s*d[\s\w()/]*\))\s*"  # d(df/dx): a Hessian's, of the gradient (Expr.differential)
    r"(?:\^\s*(?:\\top|T))?\s*"
)


class NotLinear(Exception):
    """The right side of a differential is not linear in dX (witnessed at ``probe``, where it
    has the value ``claimed`` and the true differential ``true``)."""

    def __init__(self, message: str, probe: dict, claimed, true):
        super().__init__(message)
        self.probe, self.claimed, self.true = probe, claimed, true


class Unsure(Exception):
    """The engine cannot tell whether the right side is linear in dX."""


def normalize_claim(text: str) -> str:
    """``\\mathbf{0}`` and ``\\mathbf{0}^\\top`` (a zero vector or matrix) as ``0``; an
    ``EinderivError`` for a remark after a ``\\quad`` (``\\text{for all } x``, ``x \\neq 0``:
    ``identity_text.quad_tail``), which a claim, the right side alone, does not hold (math after
    it is read as written, the spacing ignored: SPEC 6.2)."""
    text = _ZERO.sub(" 0 ", text)
    tail = quad_tail(TRAILING_LABEL.sub("", text)) if "quad" in text else None
    if tail is not None and not is_math(tail):
        raise EinderivError(
            f"the claim goes on after \\quad with a remark (`{tail}`), which check does not "
            "read: drop it (declaring what it says with where=), or check the whole identity "
            "with check_identity (einderiv check --identity), which reads conditions"
        )
    return text


def is_differential(text) -> bool:
    """Whether ``text`` is a differential ``d f = ...`` / ``dY = ...``."""
    if not isinstance(text, str) or text.count("=") != 1:
        return False
    return _LEFT.fullmatch(text.split("=")[0]) is not None


def differential_claim(f: Expr, wrt: str, text: str, layout: str, order: int = 1) -> Expr:
    """The derivative of ``f`` by ``wrt`` (in ``layout``) that the differential ``text`` states."""
    if "[" in wrt or order not in (1, 2):
        raise EinderivError("a differential claim is for a derivative by a whole variable")
    if wrt not in f.variables:
        raise EinderivError(f"{wrt} is not a variable of the expression")
    if order == 2:  # the Hessian's: d(df/dx) = H dx, the differential of the gradient
        f = diff(f, wrt, layout=layout)
    rhs, right, d, where = differential_right(f, wrt, text)
    _same_orientation(f, rhs, right)
    stated = diff(rhs, d, layout=layout)
    if T.mentions(stated.term, d):
        _witness_nonlinear(f, rhs, d, wrt)
        raise Unsure(f"einderiv cannot tell whether {right.strip()} is linear in {d}")
    _witness_nonlinear(f, rhs, d, wrt, constant_only=True)
    token = "\\mathrm{" + d + "}" if "\\" in right else d
    zeroed = parse(right.replace(token, f"(0 {token})"), where, what="claim")
    if not isinstance(simplify(zeroed.term), T.Zero):  # a constant term no probe showed
        raise Unsure(f"einderiv cannot show that the right side is 0 at {d} = 0")
    variables = {k: v for k, v in stated.variables.items() if k != d}
    return Expr(
        stated.term, stated.axes, variables, stated.index_dims, None, None, layout, stated.slots
    )


def differential_right(f: Expr, wrt: str, text: str) -> tuple[Expr, str, str, str]:
    """The right side of the differential ``text`` read: a function of the variables and of
    ``dX`` (X's kind and dimensions), e.g. ``tr(adj(X) dX)``; with its text as read, the name
    ``dX`` and the declarations it was read with."""
    right = normalize_claim(text.split("=", 1)[1])
    d = f"d{wrt}"
    if d in f.variables:  # d f = x' dx with a variable dx: which dx is which?
        raise EinderivError(f"a variable is named {d}, which a differential by {wrt} writes for "
                            f"d {wrt}: rename it to check a differential")  # fmt: skip
    bold = rf"(?:{_BOLD}\s*\{{\s*{re.escape(wrt)}\s*\}}|{re.escape(wrt)}(?![A-Za-z0-9_]))"
    # d x (apart) is dx, unless a variable is named d: then d x is that variable times x
    apart = r"\s*" if "d" not in f.variables else ""
    operator = rf"(?:{_D_COMMAND}\s*|d{apart})"
    literal = rf"\mathrm{{{d}}}" if "\\" in right else d  # dX as the claim's notation writes it

    # d(X^T) is (dX)^T: the differential of a transpose
    right = _mark(rf"{operator}\(\s*{bold}\s*{TOP}\s*\)", "(\x00)^T", right, f, d)
    bold = rf"(?:\(\s*{bold}\s*\)|{bold})"  # d(X) too, as d(X)^T X + X^T dX writes it
    glued = rf"{re.escape(wrt)}(?=[A-Za-z]+(?![A-Za-z0-9_]))"  # dXAX, when it reads dX A X
    right = _mark(rf"{operator}(?:{bold}|{glued})", literal, right, f, d).replace("\x00", literal)
    if not re.search(rf"(?<![A-Za-z0-9_]){re.escape(d)}(?![A-Za-z0-9_])", right):
        if right.strip() != "0":
            named = f" (a variable is named d, so d {wrt} is d times {wrt}: write {d})"
            raise EinderivError(
                f"the differential {text.strip()!r} does not mention {d}"
                + (named if "d" in f.variables else "")
            )
        right = f"0 sum({d})"
    info = f.variables[wrt]
    dims = tuple(x for x in info.dims if x is not None)
    where = "; ".join(p for p in (declarations_of(f), declaration(d, info.kind, dims)) if p)
    return parse(right, where, what="claim"), right, d, where


def _mark(pattern: str, by: str, text: str, f: Expr, d: str) -> str:
    """``text`` with each differential ``d X`` that ``pattern`` finds written ``by`` (the
    variable dX): ``x'Adx`` -> ``x'A dx``; a d that ends a name (``sigmoid(x)``) is kept."""
    return re.sub(pattern, lambda found: _marked(found, by, text, f, d), text)


def _marked(found: re.Match, by: str, text: str, f: Expr, d: str) -> str:
    """What one match of ``_mark`` becomes: ``by`` (spaced off the letters around it when the
    d is the operator), or the match itself when its d belongs to a name."""
    before = re.search(r"[A-Za-z0-9_\\]*$", text[: found.start()]).group()
    space = " " if re.match(r"\w", text[found.end() :]) else ""  # dXAX: dX AX
    glued = space and found.group()[-1].isalpha()  # dX against the letters after it
    if found.group()[0] != "d" or not (before or glued):
        out = by + space
    elif _operator_after(before, found, f, text):
        out = f" {by}{space}"
    else:
        return found.group()
    lead = text[: found.start() - len(before)].rstrip()
    if (before or space) and lead.endswith(tuple(JUXTAPOSED_AFTER)):
        raise EinderivError(  # X.*AdX: X .* (A dX) as papers mean it, or (X .* A) dX?
            f"{lead[-2:].strip()} before letters written against {d} in "
            f"{text.strip()!r} is ambiguous: write A .* (B {d}), or (A .* B) {d}"
        )
    return out


def _operator_after(before: str, found: re.Match, f: Expr, text: str) -> bool:
    """Whether the plain d of ``found``, written against ``before`` (letters, digits, ``_``) or
    the letters after it, is the differential operator: it is where those letters read as a
    product (``x'Adx`` is x' A dx, ``X^TdX``, ``2dx``, ``dXAX`` dX A X; in LaTeX every run of
    letters, ``A dX``); not where the d ends a name kept whole (``sigmoid(x)``, a declared
    ``Wd x``, ``x_d x``, ``2adx`` with ``ad`` declared), ends a LaTeX command, or a variable is
    named d (``Adx`` is then A d x)."""
    if "d" in f.variables or "\\" in before or "_" in before:
        return False
    letters = before.lstrip("0123456789")  # 2XdX: 2 X dX
    if (before and not letters) or "\\" in text:
        return True
    if any((letters + "d").endswith(v) for v in f.variables if len(v) > 1):
        return False  # 2adx with a declared ad: not 2 a dx
    after = re.match(r"[A-Za-z0-9_]*", found.string[found.start() + 1 :]).group()
    return splits(letters + "d" + after, frozenset(f.variables))


def _same_orientation(f: Expr, rhs: Expr, right: str) -> None:
    """A vector's differential is a vector of the same orientation: ``dy = dx' A'`` for the
    column y = A x states a row (its entries are those of A dx), a wrong shape as the claim
    ``a`` for d(a'x)/dx is."""
    if len(f.axes) != 1 or len(rhs.axes) != 1 or f.slots is None or rhs.slots is None:
        return
    if 1 in (f.axes[0].dim, rhs.axes[0].dim):  # of length 1: a row and a column are one number
        return
    kinds = ["a column" if slots[0] is not None else "a row" for slots in (f.slots, rhs.slots)]
    if kinds[0] != kinds[1]:
        raise ShapeError(
            f"the differential of {kinds[0]} vector is {kinds[0]}, and `{right.strip()}` is "
            f"{kinds[1]}: transpose the right side"
        )


def _witness_nonlinear(f: Expr, rhs: Expr, d: str, wrt: str, constant_only: bool = False):
    """Raise ``NotLinear`` with the probe where the right side is not 0 at dX = 0, or where
    doubling dX does not double it."""
    rng = np.random.default_rng(5)
    sizes = {}
    for _ in range(6):
        probe = {}
        for name, info in rhs.variables.items():
            if info.kind == "integer":
                probe[name] = int(rng.integers(1, 4))
                continue
            shape = tuple(sizes.setdefault(x, int(rng.integers(2, 4))) for x in info.dims)
            value = rng.integers(-3, 4, size=shape).astype(float)
            if info.kind == "symmetric":
                value = value + value.T
            probe[name] = value
        try:
            zero = np.asarray(rhs(**{**probe, d: 0 * probe[d]}))
            one = np.asarray(rhs(**probe))
            two = np.asarray(rhs(**{**probe, d: 2 * probe[d]}))
        except EinderivError:
            continue
        if not (np.all(np.isfinite(zero)) and np.all(np.isfinite(one))):
            continue
        scale = 1.0 + float(np.max(np.abs(one), initial=0.0))
        if np.max(np.abs(zero), initial=0.0) > 1e-9 * scale:
            message = f"the right side is not 0 at {d} = 0, so it is not a differential"
        elif not constant_only and np.max(np.abs(two - 2 * one), initial=0.0) > 1e-9 * scale:
            message = f"the right side is not linear in {d}"
        else:
            continue
        try:
            true = _true_differential(f, wrt, probe, d)
        except EinderivError:
            continue
        raise NotLinear(message, probe, one, true)


def _true_differential(f: Expr, wrt: str, probe: dict, d: str) -> np.ndarray:
    """dY at ``probe``: the Jacobian contracted with the direction ``probe[d]``."""
    jacobian = diff(f, wrt, layout="jacobian")
    values = {k: v for k, v in probe.items() if k in f.variables}
    array = np.asarray(jacobian(**values))
    direction = np.asarray(probe[d])
    return np.tensordot(array, direction, axes=direction.ndim)


def unbound_axes(claim: Expr, expected: Expr) -> bool:
    """An index-notation claim of order >= 3 whose indices do not name the derivative's: its
    free indices are read in alphabetical order (the order ``Expr.index`` prints)."""
    if claim.slots is not None or len(claim.axes) < 3:
        return False
    named = {i.name for i in expected.axes}
    return sum(i.name not in named for i in claim.axes) >= 2  # two or more: which is which?


def reorderings(claim: Expr, y_order: int) -> list[Expr]:
    """The claim with its axes in the other orders a reader could mean: Y's indices among
    themselves, X's among themselves (the alphabetical order itself excluded)."""
    from itertools import permutations

    axes = claim.axes
    out = []
    for ys in permutations(axes[:y_order]):
        for xs in permutations(axes[y_order:]):
            if ys + xs != axes:
                out.append(Expr(claim.term, ys + xs, claim.variables, claim.index_dims))
    return out[:23]


AMBIGUOUS = (
    "the index claim has {n} free indices and nothing says which is which: read in alphabetical "
    "order ({names}) it is not the derivative, but in another order it is; bind them with an "
    "identity such as 'd (A X B)[i,j] / d X[k,l] = A[i,k] B[l,j]' (check_identity, einderiv "
    "check --identity), or differentiate by X[k,l] with the expression's own indices written, "
    "e.g. (A X B)[i,j]"
)


def expected_derivative(f: Expr, wrt: str, layout: str, order: int) -> Expr:
    """The engine's derivative (``order`` 1) or Hessian (``order`` 2) in ``layout``."""
    if order == 1:
        return diff(f, wrt, layout=layout)
    if order != 2:
        raise EinderivError(f"order must be 1 or 2, not {order!r}")
    if "[" in wrt:
        raise EinderivError("a Hessian claim is by a whole variable, such as x or X")
    return hessian(f, wrt, layout=layout)
