"""Whole identities: ``\\frac{\\partial Y}{\\partial X} = RHS`` read and checked (SPEC 8).

Input: the identity's text, ``where`` declarations (they override the conventions), the layout.
Output: ``read_identity`` gives an ``Identity`` (the expression and the variable from the left
side, the claim from the right side, the declarations); ``check_identity`` its ``CheckResult``.
Left sides read: ``\\frac{\\partial Y}{\\partial X}``, ``\\frac{d Y}{d X}`` (also ``\\dfrac``,
``\\mathrm{d}``, and the operator form ``\\frac{\\partial}{\\partial X} Y``), ``\\partial Y /
\\partial X``, ``dY/dX``, the index form ``d Y[i,j] / d X[k,l]`` (the claim's free indices are
bound by name to the left side's, so their order is never guessed), and the gradient
``\nabla_{X} f`` (also ``∇_X f``) of a scalar ``f``, which has the shape of ``X`` whatever the
layout asked for (the denominator layout, where that is a choice); and a differential
``d \\log|X| = \\operatorname{tr}(X^{-1} dX)`` (``differential_identity``), by the one variable
whose differential the right side holds, checked as ``check``'s claim ``d f = ...``.
Invariants:
- kinds follow the usual typesetting conventions in LaTeX: a bold lower-case letter
  (``\\mathbf{x}``, ``\\boldsymbol{\\mu}``) is a vector, a bold or plain upper-case letter a
  matrix; when the identity sets a vector in bold, a plain lower-case letter is a scalar, and
  otherwise it is what ``parse`` reads (a vector unless its use makes it a scalar, SPEC 6.3); a
  plain letter in the exponent of a bold matrix (``\\mathbf{X}^k``) is an integer; ``where``
  overrides any of them;
- a text that is not an identity of one of these forms (no ``=``, several, a left side that is
  not a derivative, a variable that does not occur in the expression, a right side that contains
  derivatives) is an ``EinderivError`` saying why; the verdict itself is ``check``'s, with its
  soundness rule;
- a condition or remark after the identity (``\\quad \\text{if } B = B^\\top``, ``(B
  symmetric)``) is read as ``audit`` reads it (``audit_rows.chains``), never as a factor of the
  claim: one that says B is symmetric declares it (``conditions``), any other leaves a "wrong"
  undecided, quoted as written.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from functools import partial

from einderiv.api import parse
from einderiv.check.audit_rows import chains
from einderiv.check.conditions import said, symmetric, under
from einderiv.check.constant_terms import Dropped, decided
from einderiv.check.differential_identity import Differential, read_differential
from einderiv.check.forms import normalize_claim
from einderiv.check.identity_entries import by_entries, plain_entries
from einderiv.check.identity_kinds import as_scalars, conventions, plain_letters, transposed
from einderiv.check.identity_left import NABLA, hessian, hessian_differential, unfont, variable
from einderiv.check.identity_left import left as read_left
from einderiv.check.identity_text import (
    QUAD_MATH,
    TAGS,
    TRAILING_LABEL,
    is_math,
    mentions_derivative,
    no_full_stop,
    split_top,
    unclosed,
    unwrapped,
)
from einderiv.check.kron_claim import VEC_BY
from einderiv.check.latex_side import as_latex
from einderiv.check.readings import as_read
from einderiv.check.result import CheckResult
from einderiv.check.scalar_reading import scalar_hessian, scalar_reading
from einderiv.check.verdict import _check
from einderiv.errors import EinderivError, ShapeError, guarded
from einderiv.frontend.latex import is_latex
from einderiv.frontend.latex_entries import BY_ENTRIES
from einderiv.frontend.latex_notes import BY_CONVENTION
from einderiv.ir import index_ir as T

__all__ = [
    "Identity",
    "check_identity",
    "conventions",
    "read_identity",
    "split_top",
    "unclosed",
]

SPACE = "\\, "  # put before a LaTeX side that has no command of its own


@dataclass(frozen=True)
class Identity:
    """``d expr / d wrt = claim``, with the declarations it is read with."""

    text: str
    expr: str
    wrt: str
    claim: str
    where: str
    gradient: bool = False  # the left side is \nabla_X f: the shape of X, whatever the layout
    by_convention: frozenset[str] = frozenset()  # kinds in where that the user did not give
    condition: str = ""  # written after it, as written: \text{ if } B = B^T, (B symmetric)
    declares: str = ""  # what the condition declares (B: symmetric), or ""
    differential: bool = False  # d f = tr(G dX): no layout in its question
    # plain lower-case letters beside bold capitals (\ln|a\mathbf{X}|): their declarations as
    # scalars, tried when reading them as vectors gives no expression (a shape error)
    plain_scalars: str = ""
    order: int = 1  # 2: a Hessian (\nabla^2_{x} f), judged as check(..., order=2) judges it


def _declared(where: str | None) -> set[str]:
    return set(re.findall(r"([A-Za-z]\w*)\s*:", where or ""))


def _braces_open(text: str) -> bool:
    """Whether ``text`` has a ``{`` never closed or a ``}`` never opened (``\\{`` aside)."""
    text = re.sub(r"\\[{}]", "", text)
    return text.count("{") != text.count("}")


_SEPARATES = re.compile(
    r"\\(?:q?quad|text\w*|mbox|Leftarrow|Longleftarrow|impliedby|because|iff|[Ll]eftrightarrow"
    r"|Longleftrightarrow)(?![A-Za-z])"
)


# a plain-text condition at the end: (B symmetric), (if B = B'), for symmetric B, if B = B'
_PLAIN_CONDITION = re.compile(
    r"(?:\s*,)?\s+(?P<condition>\((?:[^()]*\bsymmetric\b|\s*(?:if|for|when|where)\b)[^()]*\)"
    r"|(?:if|for|when|where)\s+[^=]*(?:=[^=]*)?)\s*[.;]?\s*$"
)


def read_identity(text, where: str | None = None) -> Identity:
    """The identity ``text`` read (see the module docstring); an ``EinderivError`` says why not."""
    if not isinstance(text, str):
        raise EinderivError(f"an identity is text, not {type(text).__name__}")
    written, condition = text, ""
    text = unwrapped(text)  # $...$, \[...\], an align row (... &= ... \\): the math inside
    # A = B \quad \text{if } S = S^T: the condition is no factor (only spacing or words
    # separate one, so a text without them is not split into rows and cells at all)
    equations = chains(text) if _SEPARATES.search(text) else []
    if len(equations) == 1 and equations[0].condition:
        text, condition = equations[0].chain, equations[0].condition
        if is_math(condition):  # = 2 x^T \quad x^T: math, never dropped as a remark
            raise EinderivError(QUAD_MATH.format(tail=condition))
    plain = None if "\\" in text else _PLAIN_CONDITION.search(text)  # 2 B x (B symmetric)
    if plain is not None:
        text, condition = text[: plain.start()], plain.group("condition")
    sides = split_top(text, "=")
    if len(sides) == 1 and "=" in text:  # an '=' inside a bracket never closed
        raise EinderivError(f"not an identity: {unclosed(text)}")
    if len(sides) == 1:
        raise EinderivError("no '=': not an identity (write d Y / d X = the derivative)")
    if len(sides) > 2:
        raise EinderivError(
            "several '=': check one identity 'd Y / d X = ...' at a time; einderiv audit checks "
            "a chain A = B = C, each derivative side against each other side, in a file ($$...$$)"
        )
    left, claim = sides[0], no_full_stop(sides[1])
    # an equation number after spacing, ... = x^\top \quad (2): a label, never a factor 2
    claim = no_full_stop(TRAILING_LABEL.sub("", TAGS.sub(" ", claim)))  # \tag{1}, A^\top. \label
    second = hessian(left)  # \nabla^2_{x} f, \frac{\partial^2 f}{\partial x \partial x^\top}
    of_gradient = None if second else hessian_differential(left)  # d(df/dx) = (A + A') dx
    try:
        expr, var = second or of_gradient or read_left(left)
        differential = _of_gradient(left, claim, expr, var, where) if of_gradient else None
        second = second or of_gradient  # a Hessian, as check(..., order=2) judges it
        claim = differential.claim if differential else claim
    except EinderivError:
        if of_gradient:
            raise
        differential = read_differential(left, claim)  # d \log|X| = tr(X^{-1} dX)
        if differential is None:
            raise
        expr, var, claim = differential.expr, differential.wrt, differential.claim
    kinds = differential.plain if differential else claim  # d\mathbf{x}: no letter d
    gradient = NABLA.match(left.strip()) is not None and second is None
    # d vec(A X B) / d vec(X)' = kron(B', A): the Kronecker form (vec(\mathbf{X})^\top, \, too)
    by_vec = VEC_BY.fullmatch(unfont(re.sub(r"\\[,;:! ]|\\q?quad\b", " ", var)))
    wrt = by_vec.group("name") if by_vec else variable(var)
    if not claim:
        raise EinderivError("the right side is empty")
    by_wrt = rf"/\s*d\s*\(?\s*{re.escape(wrt)}(?![A-Za-z0-9_])"  # 2 dx/dx: plain text
    if mentions_derivative(claim) or (wrt and re.search(by_wrt, claim)):
        raise EinderivError(
            "the right side contains derivatives (a rule about unspecified functions), not an "
            "expression einderiv can check"
        )
    declared, conventional = _declared(where), set()
    parts = [where.strip()] if where and where.strip() else []
    declares = symmetric(condition, where, text)  # \text{ if } B = B^T: B symmetric
    parts += [declares] if declares else []
    plain_scalars = ""
    if "\\" in f"{expr} {var} {claim}":  # LaTeX: kinds by typesetting convention
        # a plain letter of the claim alone is no variable: never a scalar by convention (n
        # in d ln|a X| / da = n / a is X's size, which check names), refused as check does
        alone = plain_letters(kinds) - plain_letters(f"{expr} {var}")
        found = conventions(f"{expr} {var} {kinds}")
        capitals = conventions(f"{expr} {var} {kinds}", capitals=True)
        # x^\top (a\mathbf{A}) x: a a scalar, x a vector as written (not one of these scalars)
        vectors = transposed(f"{expr} {var} {kinds}", capitals)
        plain_scalars = "; ".join(
            f"{name}: scalar"
            for name, kind in sorted(capitals.items())
            if kind == "scalar" and name not in found and name not in declared | alone | vectors
        )
        # a bold letter of the right side alone (\mathbf{p} for softmax(x)) is no variable
        # either: left undeclared, check refuses it by name (declared, a "wrong shape")
        own = set(conventions(f"{expr} {var}")) | plain_letters(f"{expr} {var}")
        for name, kind in sorted(found.items()):
            if name in declared or (kind == "scalar" and name in alone):
                continue
            if kind == "vector" and name not in own:
                continue
            if kind == "conflict" and _braces_open(f"{expr} {var} {kinds}"):
                continue  # \mathbf{x never closed: not x plain, an error parse names
            if kind == "conflict":
                raise EinderivError(
                    f"{name} is written both bold and plain; declare its kind with where="
                )
            parts.append(f"{name}: {kind}")
            conventional.add(name)
    if "\\" in left and not is_latex(expr):  # \frac{d e^{x}}{dx}: e^{x} is exp(x) there too
        expr = as_latex(expr, "; ".join(parts))  # if it reads so (W1 x: plain text)
    if "\\" in f"{expr} {var}" and not is_latex(claim):  # a LaTeX identity's right side is
        claim = as_latex(claim, "; ".join(parts))  # LaTeX too (e^{t} is exp(t)) if it reads
    kronecker = differential is not None and differential.kronecker  # d vec(Y) = K d vec(X)
    if by_vec or kronecker:  # the claim keeps its left side: its axes are vec(Y)'s and vec(X)'s
        claim = f"d vec(Y) / d vec({wrt})' = {claim}"
    elif differential:  # d \log|X| = tr(X^{-1} dX): check's differential claim, d f = ...
        claim = f"d f = {claim}"
    where = "; ".join(parts)
    return Identity(
        written.strip(),
        expr,
        wrt,
        claim,
        where,
        gradient,
        frozenset(conventional),
        condition,
        declares,
        differential is not None,
        plain_scalars,
        2 if second else 1,
    )


def _of_gradient(left: str, claim: str, expr: str, var: str, where: str | None) -> Differential:
    """The right side of a Hessian's differential ``d(d f / dx) = H dx`` (``left``: its left
    side, of ``expr`` by ``var``) as check's differential claim reads it; ``d(df/dx)`` with f
    undeclared names no expression (it is how ``Expr.differential`` writes any f's): refused."""
    if expr.strip() == "f" and "f" not in _declared(where):
        raise EinderivError(
            f"{left.strip()} names no expression (f is einderiv's name for the function): write "
            f"it, d(d(x' A x)/dx) = (A + A') dx, or check the claim against the expression "
            f"with check(EXPR, {var}, claim, order=2) (check EXPR --wrt {var} --claim ... "
            "--hessian)"
        )
    if normalize_claim(claim).strip() == "0":  # d(d(a' x)/dx) = 0: no differential in it
        return Differential(expr, var, claim, claim)
    found = read_differential(left, claim)  # the one dX of the right side
    if found is None or variable(found.wrt) != variable(var):
        raise EinderivError(
            f"{left.strip()} is the differential of a derivative by {var}, but the right side "
            f"holds d{found.wrt if found else '?'}: write it in d{var}"
        )
    return found


@guarded
def check_identity(text, where: str | None = None, layout: str = "numerator") -> CheckResult:
    """Read ``d Y / d X = RHS`` (LaTeX or plain) and judge RHS as the derivative of Y by X
    (a "right" that rests on a reading einderiv chose among two is undecided: ``as_read``)."""
    again = partial(_constant_terms_dropped, text, where, layout)  # tr(exp(X)) + x' x by x
    return as_read(lambda: _check_identity(read_identity(text, where), where, layout), again=again)


def _constant_terms_dropped(text, where: str | None, layout: str) -> CheckResult | None:
    """The verdict with the expression's terms that hold tr(fn(M)) and not the variable dropped
    (``constant_terms``: their derivative is zero in either reading of tr(fn(M))), or None."""
    identity = read_identity(text, where)
    with warnings.catch_warnings():  # its notes were said reading it the first time
        warnings.simplefilter("ignore")
        f = parse(identity.expr, identity.where or None)
    name = identity.wrt.split("[")[0]
    entry = re.fullmatch(r"([A-Za-z][A-Za-z0-9]*)_([a-z]+)", name)  # X_{ij}: X's entry
    name = entry[1] if entry and name not in f.variables else name

    def judge(dropped: Dropped) -> CheckResult:
        rest = replace(identity, expr=dropped.text, where=dropped.where)
        return _check_identity(rest, where, layout)

    return decided(f, name, judge)


def _check_identity(identity: Identity, where: str | None, layout: str) -> CheckResult:
    try:
        result = _conventional(identity, where, layout)
    except ShapeError:  # \ln|a\mathbf{X}|, (\mathbf{A} + x\mathbf{B})^{-1}: a plain
        if not identity.plain_scalars:  # letter cannot be a vector there, and beside bold
            raise  # capitals the text sets scalars plain (Wikipedia's convention)
        other, read = as_scalars(identity)
        try:
            result = _conventional(other, where, layout)
        except ShapeError as again:  # e^{x\mathbf{A}}: what that reading meets, said as such
            raise ShapeError(f"{again} ({read})") from None
        identity = other
        result = replace(result, reason=f"{result.reason} ({read})")
    result = under(result, identity.condition, identity.declares)  # unread: never wrong
    note = said(identity.condition, identity.declares)
    return replace(result, reason=result.reason + note) if note else result


def _conventional(identity: Identity, where: str | None, layout: str) -> CheckResult:
    token = BY_CONVENTION.set(identity.by_convention)  # h(\mathbf{x}) said, h a scalar by them
    try:
        try:
            result = _judged(identity, where, layout)
        except EinderivError as error:  # d^2 sin(x) / dx^2 = -sin(x): no scalar with x a vector
            if identity.order != 2 or not str(error).startswith("hessian needs a scalar"):
                raise
            return scalar_hessian(identity, error, lambda other: _judged(other, where, layout))
        # d log(1 + e^x) / dx = sigma(x), x a vector by parse's reading: right with x a scalar
        return scalar_reading(identity, result, lambda other: _judged(other, where, layout))
    finally:
        BY_CONVENTION.reset(token)


def _judged(identity: Identity, where: str | None, layout: str) -> CheckResult:
    f = parse(identity.expr, identity.where or None)
    entry = re.fullmatch(r"([A-Za-z][A-Za-z0-9]*)_([a-z]+)", identity.wrt)  # \partial x_k
    # x_j: scalar declared (a name x_j in the expression): x_k is a name as x_j is, not x[k]
    own = any(v.startswith(f"{entry[1]}_") for v in f.variables) if entry else False
    written = identity.wrt  # X[i,j], or X_{ij} read as that entry
    if entry and identity.wrt not in f.variables and entry[1] in f.variables and not own:
        axes = len(f.variables[entry[1]].dims)  # x_j is x's entry in the expression: so is x_k
        kind = f.variables[entry[1]].kind  # S_{ij} of a symmetric S too: SPEC 2's entry
        if axes == len(entry[2]) and kind in ("vector", "matrix", "symmetric"):
            identity = replace(identity, wrt=f"{entry[1]}[{','.join(entry[2])}]")
            braced = f"{{{entry[2]}}}" if len(entry[2]) > 1 else entry[2]  # X_{ij}, x_k
            written = f"{entry[1]}_{braced}" if "\\" in identity.text else written
    if entry and identity.wrt not in f.variables and "[" not in identity.wrt:
        raise EinderivError(f"the variable {identity.wrt!r} is not a variable of the expression "
                            "(entries are written X[i,j], in LaTeX X_{i,j})")  # fmt: skip
    name = identity.wrt.split("[")[0]
    if name not in f.variables or (not T.mentions(f.term, name) and name not in _declared(where)):
        raise EinderivError(
            f"{name} does not occur in {identity.expr.removeprefix(SPACE)}; declare it with "
            "where= to check a zero derivative"
        )
    if identity.gradient:  # \nabla_X f: the gradient of a scalar has the shape of X
        if f.axes:
            raise EinderivError(
                f"\\nabla_{{{name}}} is the gradient of a scalar; "
                f"{identity.expr.removeprefix(SPACE)} has shape "
                f"{f.shape}: write d Y / d {name} and choose the layout"
            )
        layout = layout if "[" in identity.wrt else "denominator"  # by X[i,j]: no layout
    question = f"{identity.text} ({layout} layout)"
    if identity.order == 2:  # H[I, J] = d2 f / dX[I] dX[J], as ed.hessian and check --hessian
        if "[" in identity.wrt:
            raise EinderivError(
                "a second derivative by an entry is not read: write it by the "
                f"variable, {name}, and read the entry off the Hessian"
            )
        layout = "jacobian"
        question = f"{identity.text} (the Hessian: H[I, J] = d2f / d{name}[I] d{name}[J])"
    elif "[" in identity.wrt or identity.differential:  # by entries, a differential: no layout
        question = identity.text
    elif identity.gradient:
        question = f"{identity.text} (the gradient: the shape of {name})"
    by = by_entries(f, identity.wrt, written)  # by X_{ij}: A_{ji} is A's entry too
    claim = plain_entries(identity.claim, f, by)
    token = BY_ENTRIES.set(by)
    try:
        result = _check(
            f, identity.wrt, claim, layout, True, order=identity.order, question=question
        )
    finally:
        BY_ENTRIES.reset(token)
    result = replace(result, claim_text=identity.claim) if claim != identity.claim else result
    shown = result.claim_text.removeprefix("d f = ").removeprefix("\\, ")  # as written
    return replace(result, claim_text=shown) if shown != result.claim_text else result
