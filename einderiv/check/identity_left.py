"""The left side of an identity: the expression and the variable differentiated by.

Input: one side of an ``=`` as written: ``\\frac{\\partial f}{\\partial X}``, ``d f / d X``,
``\\frac{\\partial}{\\partial x} f``, ``\\nabla_{X} f``, ``\\partial_{X} f``.
Output: ``left`` (the expression and the variable, as written), ``hessian`` (the same of a
second derivative by one variable twice: ``\\nabla^2_{x} f``, ``\\frac{\\partial^2 f}{\\partial x
\\partial x^\\top}``, ``d^2 f / dx^2``; None for any other side), ``variable`` (``X`` or
``X[k,l]`` from ``\\mathbf{X}``, ``X_{k,l}``), ``unfont``, ``is_derivative``.
Invariants: text only, no reading of its mathematics; an operator written in front whose scope
is unclear (a sum follows it) is refused, never guessed; a mixed second derivative (two
variables), a derivative by a transpose and a side that is no derivative are refused with what
to write.
"""

from __future__ import annotations

import re

from einderiv.check.identity_kinds import FONT as _FONT
from einderiv.check.identity_kinds import braced_fonts
from einderiv.check.identity_text import split_top
from einderiv.errors import EinderivError
from einderiv.frontend.latex_commands import ACCENTS

__all__ = [
    "NABLA",
    "hessian",
    "hessian_differential",
    "is_derivative",
    "left",
    "unfont",
    "variable",
]

_D = r"(?:\\partial(?![A-Za-z])|\\mathrm\s*\{\s*d\s*\}|\\operatorname\s*\{\s*d\s*\}|d)"


# norm and absolute-value bars and braces, with what they hold (one level)
_BARS = re.compile(
    r"\\left\s*\\\|.*?\\right\s*\\\||\\\|.*?\\\||\\lVert.*?\\rVert|\\lvert.*?\\rvert"
    r"|\\left\s*\|.*?\\right\s*\||(?<!\\)\|.*?(?<!\\)\||\\\{.*?\\\}"
)


def _group(text: str, pos: int) -> tuple[str, int]:
    """The braced group starting at ``pos`` (after spaces): its inside and the end position."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text) or text[pos] != "{":
        raise EinderivError("a \\frac without its two braced groups")
    depth = 0
    for i in range(pos, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[pos + 1 : i], i + 1
    raise EinderivError("an unclosed brace in \\frac")


def _fraction(s: str) -> tuple[str, str, str]:
    """``\\frac{top}{bottom} rest`` or ``top / bottom`` (rest empty): the three texts; an
    ``EinderivError`` when ``s`` is neither (unbraced ``\\frac``, not one ``/`` at the top)."""
    frac = re.match(r"\\[dt]?frac\s*", s)
    if frac:
        top, end = _group(s, frac.end())
        bottom, end = _group(s, end)
        return top, bottom, s[end:].strip()
    halves = split_top(s, "/")
    if len(halves) != 2:
        raise EinderivError("the left side is not a derivative such as dY/dX")
    return halves[0], halves[1], ""


def is_derivative(text: str) -> bool:
    """Whether ``text`` (one side of an ``=``) is a derivative of the forms read here (or the
    differential of one, a Hessian's: ``d(df/dx)``)."""
    if hessian(text) is not None or hessian_differential(text) is not None:
        return True
    try:
        left(text)
    except EinderivError:
        return False
    return True


def left(text: str) -> tuple[str, str]:
    """The expression and the variable of a left side, as written."""
    s = text.strip().replace("\u2202", "\\partial ")
    nabla = NABLA.match(s) or _PARTIAL_BY.match(s)  # \partial_X f: \frac{\partial f}{\partial X}
    if nabla:
        return _gradient(s, nabla.end())
    top, bottom, rest = _fraction(s)
    expr, var = _strip_d(top), _strip_d(bottom)
    if expr is None or var is None:
        raise EinderivError("the left side is not a derivative: write d or \\partial on both")
    if re.match(r"\s*\^", expr) or re.search(r"\^\s*\{?\s*2", bottom):
        raise EinderivError(  # the library's call and the command line's, as said elsewhere
            "a second derivative in an identity is read by one variable twice (\\frac{\\partial^2 "
            "f}{\\partial x \\partial x^\\top}, \\nabla^2_{x} f); for another, check the Hessian "
            "H of EXPR by X with check(EXPR, X, claim=H, order=2), on the command line "
            "einderiv check EXPR --wrt X --claim H --hessian"
        )
    if not expr.strip():
        expr, rest = _operand(rest), ""
    if rest or not expr.strip():
        raise EinderivError("the left side is not a derivative of one expression")
    return expr.strip(), var.strip()


NABLA = re.compile(r"(?:\\nabla(?![A-Za-z])|\u2207)\s*")
# \partial_X f, \partial_{\mathbf{x}} f (∂ is \partial here): the derivative by X, in the layout
# asked (never the differential d _X f, nor the gradient's shape as \nabla_X f has)
_PARTIAL_BY = re.compile(r"\\partial(?![A-Za-z])\s*(?=_)")


# the square of a second derivative: ^2, ^{2}, ²
_SQUARE = re.compile(r"\s*(?:\^\s*(?:2|\{\s*2\s*\})|\u00b2)\s*")
# a transpose written on the second variable of d2 f / dx dx'
_TRANSPOSE = re.compile(
    r"\s*(?:\^\s*(?:\\top|\\intercal|T|\{\s*(?:\\top|\\intercal|T|\\mathsf\s*\{\s*T\s*\})\s*\})"
    r"|')\s*$"
)


def hessian(text: str) -> tuple[str, str] | None:
    """The expression and the variable of a second derivative by one variable twice, as
    written, or None: ``\\nabla^2_{x} f``, ``\\nabla_{x}^2 f``, ``\\frac{\\partial^2 f}{\\partial x
    \\partial x^\\top}`` (also ``\\partial x^2``, ``d^2``, the operator form
    ``\\frac{\\partial^2}{\\partial x^2} f``) and plain ``d^2 f / dx^2``. Two variables
    (``\\partial x \\partial y^\\top``) or a transpose first are None (``left`` refuses them)."""
    s = text.strip().replace("\u2202", "\\partial ")
    nabla = NABLA.match(s)
    if nabla:  # \nabla^2_{x} f, \nabla_{x}^2 f: a gradient with the square dropped
        first = _SQUARE.match(s, nabla.end())
        if first and not s.startswith("_", first.end()):  # \nabla^2 f: which variable?
            raise EinderivError("a Hessian needs its variable: write \\nabla^2_{x} f")
        if first:
            return _gradient(s[: nabla.end()] + s[first.end() :], nabla.end())
        if not s.startswith("_", nabla.end()):
            return None
        var, end = _subscript(s, nabla.end() + 1)
        after = _SQUARE.match(s, end)
        return (
            None
            if after is None
            else _gradient(s[: nabla.end()] + f"_{{{var}}}" + s[after.end() :], nabla.end())
        )
    try:
        top, bottom, rest = _fraction(s)
    except EinderivError:
        return None
    top_d = re.match(rf"\s*{_D}", top)
    square = _SQUARE.match(top, top_d.end()) if top_d else None
    inner = top[square.end() :].strip() if square else ""
    bottom = re.sub(r"\\[,;:! ]", " ", bottom)
    twice = re.fullmatch(rf"\s*{_D}\s*(.+?)(?:{_SQUARE.pattern}|\s*{_D}\s*(.+?))\s*", bottom)
    if square is None or twice is None or (inner and rest) or not (inner or rest):
        return None
    var = twice.group(1).strip()
    if twice.group(2) is not None:  # d x d x^T: the same variable twice
        other = _TRANSPOSE.sub("", twice.group(2))
        if re.sub(r"\s+", "", unfont(other)) != re.sub(r"\s+", "", unfont(var)):
            return None
    return (inner or _operand(rest)).strip(), var


# d(...), \mathrm{d}\left(...\right), d\bigl(...\bigr): the differential of a bracketed side
_D_OF = re.compile(
    r"\s*(?:\\(?:mathrm|operatorname|text)\s*\{\s*d\s*\}|d)(?:\s|\\[,;:!])*"
    r"(?:\\left|\\[bB]igg?l?)?\s*\("
)
_CLOSE = re.compile(r"(?:\\right|\\[bB]igg?r?)?\s*\)\s*$")


def hessian_differential(text: str) -> tuple[str, str] | None:
    """The expression and the variable of the differential of a first derivative, as written
    (``d(d(x' A x)/dx)``, ``\\mathrm{d}\\left(\\frac{\\partial f}{\\partial \\mathbf{x}}\\right)``,
    as ``Expr.differential`` writes a Hessian's, ``d(df/dx) = (A + A') dx``), or None."""
    s = text.strip().replace("\u2202", "\\partial ")
    opened, closed = _D_OF.match(s), _CLOSE.search(s)
    if opened is None or closed is None or closed.start() < opened.end():
        return None
    inner = s[opened.end() : closed.start()]
    depth = 0
    for c in inner:  # d(a) (b): not one bracket around the whole
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth < 0:
            return None
    try:
        return left(inner)
    except EinderivError:
        return None


def _subscript(s: str, at: int) -> tuple[str, int]:
    """The subscript starting at ``at`` (after the ``_``): a braced group or one symbol, as
    TeX reads it (x, \\theta, \\mathbf{x}); the subscript and the position after it."""
    while at < len(s) and s[at].isspace():
        at += 1
    if s.startswith("{", at):
        return _group(s, at)
    token = re.match(r"\\[A-Za-z]+(?:\s*\{[^{}]*\})?|[A-Za-z]", s[at:])
    if token is None:
        raise EinderivError("a gradient needs its variable: write \\nabla_{X} f")
    return token.group(0), at + token.end()


def _gradient(s: str, at: int) -> tuple[str, str]:
    """``\\nabla_{X} f`` from position ``at`` (after the nabla): the expression and variable."""
    if not s.startswith("_", at):
        raise EinderivError(
            "a gradient needs its variable: write \\nabla_{X} f (or d f / d X with a layout)"
        )
    var, end = _subscript(s, at + 1)
    expr = _operand(s[end:].strip())
    if not expr:
        raise EinderivError("the gradient \\nabla_{X} of what? Write \\nabla_{X} f = ...")
    return expr, var


def _operand(text: str) -> str:
    """What an operator written in front (``\\frac{\\partial}{\\partial x} f``, ``\\nabla_x f``)
    applies to: all of it, unless a sum follows at the top level, whose scope is unclear (the
    operator's term only, by precedence, or the whole sum, as often meant): refused."""
    # \|A x - b\|^2: a sum inside bars is inside them (a leading minus is a sign, not a sum)
    bare = _BARS.sub(" ", re.sub(r"^\s*-", "", text))
    if len(split_top(bare, "+")) > 1 or len(split_top(bare, "-")) > 1:
        raise EinderivError(
            "the operator's scope is unclear: a sum follows it; write it around the sum, "
            "\\frac{\\partial}{\\partial x}\\left(a + b\\right), or on each term"
        )
    return text


def _strip_d(text: str) -> str | None:
    match = re.match(rf"\s*{_D}\s*", text)
    return text[match.end() :] if match else None


def unfont(text: str) -> str:
    """``\\mathbf{X}``, ``\\boldsymbol{\\Sigma}``, ``\\mathrm{X}`` -> ``X``, ``Sigma``."""
    text = braced_fonts(text)
    return re.sub(rf"(?:{_FONT}|\\mathrm|\\mathit)\s*\{{\s*\\?([A-Za-z]\w*)\s*\}}", r"\1", text)


# \bar{x}, \hat\mu, \tilde{\mathbf{x}} (fonts taken off): the names x_bar, mu_hat, x_tilde
_ACCENTED = re.compile(
    rf"^\\({'|'.join(ACCENTS)})\s*(?:\{{\s*\\?([A-Za-z]\w*)\s*\}}|\\?([A-Za-z]+))$"
)


def variable(text: str) -> str:
    """``X`` or ``X[k,l]`` from ``\\mathbf{X}``, ``\\boldsymbol{\\Sigma}``, ``X[k,l]``."""
    s = unfont(re.sub(r"\\[,;:! ]", " ", text)).strip()
    s = _ACCENTED.sub(lambda m: f"{m.group(2) or m.group(3)}_{ACCENTS[m.group(1)]}", s)  # x_bar
    s = re.sub(r"^\\([A-Za-z]+)(?=\s*_|$)", r"\1", s)  # \alpha, \alpha_i: alpha, alpha_i
    if not s:
        raise EinderivError("the left side names no variable to differentiate by")
    if re.search(r"\^\s*(?:\\top|\{\s*\\top\s*\}|T\b|\{T\})|'", s):
        raise EinderivError(
            f"a derivative by a transpose ({text.strip()}) is layout notation; write it by the "
            "variable itself and choose the layout"
        )
    s = re.sub(r"^([A-Za-z][A-Za-z0-9]*)_\{\s*(\w+)\s*\}$", r"\1_\2", s)  # x_{k}: x_k, read below
    s = re.sub(r"^([A-Za-z][A-Za-z0-9]*)_\{\s*(\w+(?:\s*,\s*\w+)+)\s*\}$", r"\1[\2]", s)  # X_{k,l}
    if not re.fullmatch(r"[A-Za-z]\w*(?:\s*\[\s*\w+(?:\s*,\s*\w+)*\s*\])?", s):
        raise EinderivError(
            f"the variable {text.strip()!r} is not a variable name (entries are written X[i,j])"
        )
    return re.sub(r"\s+", "", s)
