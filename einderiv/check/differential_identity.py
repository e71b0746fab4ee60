"""Differential identities, as Magnus & Neudecker write them: ``d \\log|X| = \\operatorname{tr}(X^{-1}
dX)``, ``d(X^{-1}) = -X^{-1} dX X^{-1}``, ``d\\,\\mathrm{vec}(AXB) = (B^\\top \\otimes A)\\, d\\,
\\mathrm{vec}\\,X``.

Input: the two sides of an identity as written (LaTeX or plain text).
Output: ``read_differential(left, right)``: a ``Differential`` (the expression after the left
side's d, the variable, the right side as ``check``'s differential claim reads it, and the text
with the differentials as plain names, for the kinds by typesetting convention), or None when
the left side is no differential; ``is_differential_identity(sides)``: whether ``audit`` should
read the sides as one.
Invariants:
- the left side is ``d`` (``\\mathrm{d}``, ``\\operatorname{d}``, ``\\text{d}``) then an
  expression: ``d`` followed by spacing, a command, a bracket, a bar or one letter (``dY``),
  never a word (``\\det``, ``dist``);
- the variable is the one name whose differential (``dX``, ``d\\mathbf{X}``, ``\\mathrm{d}X``,
  ``d\\,\\mathrm{vec}(X)``, read as ``vec(dX)``) the right side holds; none, or several, is an
  ``EinderivError`` saying so, as is a left side that is the differential of a bare name other
  than the variable (``dY = A dX B``: Y is not an expression einderiv can differentiate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from einderiv.check.conditions import TOP
from einderiv.check.identity_text import split_top
from einderiv.errors import EinderivError
from einderiv.ir.greek import NAMES

__all__ = ["Differential", "is_differential_identity", "read_differential"]

_D_COMMAND = r"\\(?:mathrm|operatorname|text)\s*\{\s*d\s*\}"
_LEFT = re.compile(rf"\s*(?:{_D_COMMAND}|d(?=\s|\\|[(\[{{|]|[A-Za-z](?![A-Za-z])))")
_SPACING = r"(?:\s|\\[,;:!])*"
_FONTED = r"\\(?:mathbf|boldsymbol|bm|vec|mathbfit|symbf|mathit|mathrm)\s*\{\s*\\?[A-Za-z]+\s*\}"
_GREEK = r"\\(?:" + "|".join(sorted(NAMES, key=len, reverse=True)) + r")(?![A-Za-z])"
_NAME = rf"(?P<name>{_FONTED}|{_GREEK}|[A-Za-z](?![A-Za-z0-9]))"
_OPERATOR = rf"(?:{_D_COMMAND}|(?<![A-Za-z0-9_\\])d)"
_VEC = r"(?:\\(?:mathrm|operatorname|text)\s*\{\s*vec\s*\}|vec)"
# d vec(X), d\,\mathrm{vec}\,\mathbf{X}: the differential of vec(X), which is vec(dX)
_OF_VEC = re.compile(
    rf"{_OPERATOR}{_SPACING}(?P<vec>{_VEC}){_SPACING}(?P<open>(?:\\left\s*)?\()?{_SPACING}"
    rf"{_NAME}{_SPACING}(?(open)(?:\\right\s*)?\))"
)
# dX, d\mathbf{X}, d(X) (as d(X)^T X + X^T dX writes it)
_OF_NAME = re.compile(  # d(X^T) too: (dX)^T
    rf"{_OPERATOR}{_SPACING}(?P<open>\()?{_SPACING}{_NAME}(?(open){_SPACING}{TOP}?{_SPACING}\))"
)


# the Matrix Cookbook writes the differential with \partial: \partial(X^{-1}) = -X^{-1}
# (\partial X) X^{-1}; a left side that starts with it (no fraction, no ratio) is read as d
_PARTIAL = re.compile(r"(?:\\partial(?![A-Za-z])|\u2202)\s*")


def _as_d(left: str, right: str) -> tuple[str, str]:
    """``left`` and ``right`` with the Cookbook's ``\\partial`` written ``d`` when ``left`` is
    ``\\partial`` of an expression (never ``\\partial Y / \\partial X``); else unchanged."""
    if not _PARTIAL.match(left.strip()) or "/" in left or "frac" in left:
        return left, right
    return _PARTIAL.sub("d ", left), _PARTIAL.sub(" d ", right)  # X^T d X: not X^(Td)


@dataclass(frozen=True)
class Differential:
    """``d expr = right``: the identity's expression, its variable as written (``\\mathbf{X}``),
    the right side as ``check``'s ``d f = ...`` reads it (``vec(dX)``), and the right side with
    each dX as X (for the kinds by typesetting convention)."""

    expr: str
    wrt: str
    claim: str
    plain: str
    kronecker: bool = False  # d vec(Y) = K d vec(X): the claim is K, as d vec(Y) / d vec(X)'


def _expression(left: str) -> str | None:
    """What the left side is the differential of (``\\ln\\det(X)`` of ``d\\ln\\det(X)``)."""
    match = _LEFT.match(left)
    if match is None:
        return None
    expr = re.sub(rf"^{_SPACING}", "", left[match.end() :]).strip()
    return expr or None


def _bare(name: str) -> str:
    """``\\mathbf{X}`` -> ``X``; ``\\Sigma`` -> ``Sigma``."""
    return re.sub(r"^\\[A-Za-z]+\s*\{\s*\\?|\s*\}$|^\\", "", name.strip())


def _differentials(right: str) -> list[str]:
    """The names (bare) whose differentials ``right`` holds, in order, each once."""
    found = [*_OF_VEC.finditer(right), *_OF_NAME.finditer(_OF_VEC.sub(" ", right))]
    names: list[str] = []
    for match in found:
        name = _bare(match.group("name"))
        if name not in names:
            names.append(name)
    return names


def _by_each(left: str, right: str, names: list[str]) -> str:
    """The identities to write instead of a total differential, one per variable:
    ``d(X Y) = dX Y, then d(X Y) = X dY``; in words when a term holds several differentials."""
    terms = [t.strip() for t in split_top(right, "+")]  # as written (\partial X too)
    held = [_differentials(_as_d(left, t)[1]) for t in terms]
    if any(len(h) != 1 for h in held):
        return f"{left} = the terms in d{names[0]}, then in " + ", ".join(
            f"d{n}" for n in names[1:]
        )
    each = [" + ".join(t for t, h in zip(terms, held) if h == [n]) for n in names]
    return ", then ".join(f"{left} = {side}" for side in each)


def is_differential_identity(sides: list[str]) -> bool:
    """Whether ``sides`` (of ``A = B = ...``) read as a differential identity: the first is
    ``d`` of something and another holds a differential (``dX``)."""
    if len(sides) < 2:
        return False
    sides = [sides[0], *(_as_d(sides[0], side)[1] for side in sides[1:])]
    return _expression(_as_d(sides[0], "")[0]) is not None and any(
        _differentials(side) for side in sides[1:]
    )


def read_differential(left: str, right: str) -> Differential | None:
    """``d expr = right`` read (see the module docstring); None when ``left`` is no
    differential; an ``EinderivError`` when the variable is not clear."""
    written = (left.strip(), right)
    left, right = _as_d(left, right)
    expr = _expression(left)
    if expr is None:
        return None
    names = _differentials(right)
    if not names:
        raise EinderivError(
            f"the left side is a differential, d {expr}, but the right side holds no "
            "differential of a variable (dX, d\\mathbf{X}): write d f = tr(G dX)"
        )
    if len(names) > 1:
        raise EinderivError(
            f"the right side holds the differentials of several variables ({', '.join(names)}), "
            "a total differential, which is not read: a differential identity is checked by one "
            "variable, the others held constant. Write one identity per variable with that "
            f"variable's terms only ({_by_each(*written, names)}), or check the "
            f"expression by each variable (--wrt {names[0]}, a claim with the terms in "
            f"d{names[0]}; check(expr, wrt, claim) in Python)"
        )
    wrt = names[0]
    if re.fullmatch(rf"{_FONTED}|{_GREEK}|[A-Za-z]\w*", expr) and _bare(expr) != wrt:
        raise EinderivError(
            f"the left side is the differential of a name, {expr}, not of an expression in "
            f"{wrt}: write the expression, d(A {wrt} B) = A d{wrt} B"
        )
    if (matrix := _kronecker(expr, right)) is not None:  # d vec(AXB) = (B' kron A) d vec(X)
        name = next(m.group("name") for m in _OF_VEC.finditer(right))
        return Differential(expr, name, matrix, matrix + " " + name, kronecker=True)
    latex = "\\" in f"{left} {right}"
    vec = "\\operatorname{vec}" if latex else "vec"
    claim = _OF_VEC.sub(lambda m: f"{vec}(d {m.group('name')})", right)
    plain = _OF_NAME.sub(lambda m: f" {m.group('name')}", claim)
    written = next(m.group("name") for m in _OF_NAME.finditer(claim))
    return Differential(expr, written, claim, plain)


_VEC_CALL = re.compile(rf"{_VEC}{_SPACING}(?:\\left\s*)?\(")


def _kronecker(expr: str, right: str) -> str | None:
    """``K`` of Magnus & Neudecker's Kronecker form ``d vec(Y) = K d vec(X)``: ``expr`` is one
    ``vec(...)`` and each term of ``right`` is a factor (no differential in it) then ``d vec(X)``,
    last (``K1 d vec(X) + K2 d vec(X)``: ``(K1) + (K2)``); else None (the claim is then read as
    a differential, ``K vec(dX)``)."""
    opened = _VEC_CALL.match(expr)
    if opened is None:
        return None
    depth, j = 1, opened.end()  # vec(...) must close at the end of expr
    while j < len(expr) and depth:
        depth += {"(": 1, ")": -1}.get(expr[j], 0)
        j += 1
    if depth or expr[j:].strip():
        return None
    factors = []
    for term in split_top(right, "+"):  # K1 d vec(X) + K2 d vec(X): K1 + K2
        found = list(_OF_VEC.finditer(term))
        if len(found) != 1 or term[found[0].end() :].strip():
            return None
        matrix = re.sub(rf"{_SPACING}$", "", term[: found[0].start()]).strip()
        if not matrix or _differentials(matrix) or _looser(matrix):
            return None
        factors.append(matrix)
    return factors[0] if len(factors) == 1 else " + ".join(f"({k})" for k in factors)


# operators that bind more loosely than the product K d vec(X): A - B d vec(X) is not
# (A - B) d vec(X), and A \otimes B d vec(X) is refused as ambiguous; such a side stays as read
_LOOSER = ("-", "\\otimes", "\u2297", "\\odot", "\u2299", "\\circ", "\u2218", "/", "\\oslash", ".")


def _looser(factor: str) -> bool:
    """Whether ``factor`` has an operator outside brackets that binds more loosely than a
    product (a leading minus sign aside)."""
    factor = factor.strip().removeprefix("-")
    return any(len(split_top(factor, op)) > 1 for op in _LOOSER)
