"""Notes the LaTeX reader gives where a paper's symbol has a reading einderiv does not take.

Input: the names just read, and the set of names already said for this text (``said``: each
note once per name and text). Output: nothing; a ``warnings.warn`` of a ``ReadAsProduct`` kind
(shown on the command line as a note). Invariants: a name declared in ``where`` is never noted
(declaring it is how to say what it is); nothing read is changed here.
"""

from __future__ import annotations

import re
import warnings
from contextvars import ContextVar

from einderiv.errors import ReadAsCall, ReadAsLabel, ReadAsName, ReadAsScalar, say_reading
from einderiv.frontend import lexing
from einderiv.frontend.name_uses import greek_scalar

__all__ = [
    "AGAINST",
    "BY_CONVENTION",
    "CALLED",
    "CLAIM_IS_RIGHT_SIDE",
    "ONE_ARGUMENT",
    "declared_by_user",
    "derivative_hint",
    "is_leibniz",
    "name_script",
    "say_bold_greek",
    "say_greek_call",
    "say_index_name",
    "say_letter_call",
    "say_pi",
]

# a Greek letter written as a function: \phi(x), \phi\left(x\right), \sigma'(z) (group 1: ')
CALLED = re.compile(r"(')?(?:\s|\\[,;:! ])*(?:\(|\\left\s*\()")
# the same with no spacing command between: \alpha \, \left(A + A^\top\right), as einderiv
# prints a product, says nothing (\sigma\,(x) is still the sigmoid: TeX sets them alike)
AGAINST = re.compile(r"(')?\s*(?:\(|\\left\s*\()")
# a power written between a Greek letter and its parenthesis: \sigma^2(x), as \sin^2(x) is set
# (a lower-case letter, a positive power: \Sigma^{-1}(x - \mu) is the matrix's inverse times;
# a negative one on \sigma only, the sigmoid's letter: \sigma^{-1}(p) may be the logit)
POWER_AGAINST = re.compile(r"\s*\^\s*(\{\s*\w+\s*\}|\w)\s*(?:\(|\\left\s*\()")
SIGMA_POWER_AGAINST = re.compile(r"\s*\^\s*(\{\s*-?\s*\w+\s*\}|\w)\s*(?:\(|\\left\s*\()")


def _declared() -> frozenset:
    state = lexing.STATE.get(None)
    return state.declared if state is not None else frozenset()


# names an identity gives a kind by typesetting convention (a plain h is a scalar), not the
# user's where=: a call of one, h(\mathbf{x}), is still said (check_identity sets it)
BY_CONVENTION: ContextVar[frozenset] = ContextVar("einderiv_by_convention", default=frozenset())


def declared_by_user() -> frozenset:
    """The names the user declared (``where``), not those an identity gave by convention."""
    return _declared() - BY_CONVENTION.get()


_DERIVATIVE = (
    "write the function only (tr(X^\\top A X)) and give the variable as wrt (--wrt X); to "
    "check a derivative, use check or an identity"
)
# in check's claim: the derivative's right side, or the whole identity through check_identity
CLAIM_IS_RIGHT_SIDE = (
    "a claim is the derivative's right side (A^\\top) or a differential d f = ...; check a "
    "whole identity with check_identity (einderiv check --identity TEXT)"
)


def derivative_hint() -> str:
    """What to write instead of ``\\partial``, ``\\nabla`` or ``\\frac{d}{dx}`` in the text
    being read: the expression alone, or, in a claim, its right side only."""
    return CLAIM_IS_RIGHT_SIDE if lexing.STATE.get().what == "claim" else _DERIVATIVE


def is_leibniz(top: str, after: str) -> bool:
    """Whether ``\\frac{top}`` then ``after`` is a derivative in Leibniz's notation,
    ``\\frac{d}{dx}`` or ``\\frac{df}{d\\mathbf{x}}`` (d not a declared variable): refused as
    ``\\partial`` is, never read as a quotient of d and x."""
    bottom = re.match(r"\s*\{\s*d\s*(?:[A-Za-z]|\\(?:math|bold|bm))", after)
    numerator = re.match(r"\s*d(?![0-9_])", top)
    return bool(bottom and numerator) and "d" not in _declared()


def say_bold_greek(tokens, said: set) -> None:
    """A bold Greek letter reads as a scalar like any other (SPEC 6.3), but bold usually
    means a vector or a matrix: say so, never silently (declare it to make it one)."""
    for token in tokens:
        name = token.value
        if token.type == "NAME" and greek_scalar(name) and name not in _declared() | said:
            said.add(name)
            warnings.warn(
                f"read the bold Greek letter '{name}' as a scalar (Greek letters are "
                f"scalars); declare it (`{name}: vector(n)`, ...) for a vector",
                ReadAsScalar,
                stacklevel=3,
            )


# two letters that papers use as indices (A_{ij}, x_{kl}); W_{hh} or \Sigma_{xy} are labels
_TWO_INDICES = re.compile(r"[ijkl][ijkl]")  # not W_{in}, K_{nm}: labels (inputs, blocks)


def name_script(name: str, script: str, at: int, said: set) -> str:
    """The subscript ``script`` of ``name`` (at ``at``) as the end of one name: ``W_{1\\_2}`` is
    ``W_1_2``, as printed; R&W's test point ``\\mathbf{k}_*``, ``K_{**}``, the label ``k_star``,
    ``K_starstar``, said with a ``ReadAsLabel`` note (once: ``said``); anything else but letters
    and digits is a ``ParseError``."""
    script = script.replace("\\_", "_")
    stars = re.sub(r"\s|\\ast(?![A-Za-z])", lambda m: "*" if m.group().strip() else "", script)
    if stars in ("*", "**"):  # k_*, K_{**}, k_{\ast}: R&W's test points
        label = "star" * len(stars)
        if f"{name}_{label}" in said:
            return label
        said.add(f"{name}_{label}")
        warnings.warn(f"read {name}_{{{script}}} as the name {name}_{label} (a label, as a "
                      f"test point is written); write {name}_{{{label}}} to say so", ReadAsLabel,
                      stacklevel=4)  # fmt: skip
        return label
    if not re.fullmatch(r"[A-Za-z0-9]+(_[A-Za-z0-9]+)*", script):
        raise lexing.error_at(f"a subscript of a name is letters or digits, not '{script}'", at)
    return script


def say_index_name(name: str, script: str, said: set) -> None:
    """``A_{ji}`` without a comma names a variable ``A_ji`` (as ``W_1`` does), while in a paper
    it is often the entry of A in row j, column i: say so, with the entry's spelling."""
    full = f"{name}_{script}"
    if not _TWO_INDICES.fullmatch(script) or full in _declared() or full in said:
        return
    said.add(full)
    i, j = script
    say_reading(
        f"read {name}_{{{script}}} as one variable named {full} (a subscript is part of a "
        f"name); for the entry of {name} in row {i}, column {j} write {name}_{{{i},{j}}}",
        ReadAsName,
        stacklevel=4,
    )


def say_greek_call(name: str, primed: bool, said: set, written: str = "") -> None:
    """``\\phi(x)`` in a paper is a function φ applied to x; einderiv has no function φ, so it
    reads the product phi (x) (and ``\\sigma'(z)`` the product sigma' (z)): say so. ``written``:
    the name as written, when not ``\\name`` (``h(\\mathbf{x})``, ``J(\\theta)``)."""
    if name in declared_by_user() or (name, "call") in said:
        return
    said.add((name, "call"))
    if primed:
        why = (f"a function's derivative written {name}'(...) is not read; write it out "
               "(sigmoid'(z) is sigmoid(z) .* (1 - sigmoid(z)))")  # fmt: skip
    else:
        why = f"einderiv has no function {name}; write the function itself (sigmoid, tanh, ...)"
    prime = "'" if primed else ""
    written = written or "\\" + name
    say_reading(
        f"read {written}{prime}(...) as the product {name}{prime} (...): {why}, or declare "
        f"`{name}: scalar` for a product",
        ReadAsCall,
        stacklevel=3,
    )


def say_letter_call(letter: str, text: str, after: int, paren, said: set) -> None:
    """``h(\\mathbf{x})`` (``paren``, the ``(`` matched after the letter) or ``f'(x)``: a letter
    that names a function in papers (f g h J L), read as a product (``f'``: f transposed), or
    any other letter before one argument alone (``p(\\theta)``, ``E(\\mathbf{w})``): said."""
    primed = AGAINST.match(text, after)
    if letter not in "fghJL" and not (paren and ONE_ARGUMENT.match(text, paren.end())):
        return
    if paren or (primed and primed.group(1)):
        say_greek_call(letter, not paren, said, written=letter)


# one symbol, then the parenthesis closes: the argument of p(\theta), E(\mathbf{w}), u(x)
ONE_ARGUMENT = re.compile(
    r"\s*(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*\\?[A-Za-z]+\s*\}|\\[A-Za-z]+|[A-Za-z])"
    r"\s*(?:\)|\\right\s*\))"
)


def say_power_call(name: str, power: str, said: set) -> None:
    """``\\sigma^2(x)``: \\sin^2(x) is sin(x)^2, but einderiv has no function sigma (\\sigma(x)
    alone is the sigmoid), so it reads the product sigma^2 (x), a variance times x: say so."""
    if name in declared_by_user() or (name, "power call") in said:
        return
    said.add((name, "power call"))
    if name == "sigma":
        how = f"for the sigmoid to a power write \\sigma(x)^{{{power}}}"
        how += "; for its inverse (the logit) \\log(p) - \\log(1 - p)" if "-" in power else ""
    else:
        how = f"einderiv has no function {name}; write the function itself (tanh(x)^{power}, ...)"
    say_reading(
        f"read \\{name}^{power}(...) as the product {name}^{power} (...), {name} a scalar; {how}",
        ReadAsCall,
        stacklevel=3,
    )


def say_pi(said: set) -> None:
    """``\\pi`` is the scalar name pi, as every Greek letter (SPEC 6.2), while papers mostly
    mean the number: say so once (its value is then asked for, ``pi=np.pi``)."""
    if "pi" in _declared() or "pi" in said:
        return
    said.add("pi")
    warnings.warn(
        "read \\pi as the scalar variable pi, as every Greek letter: give its value when "
        "evaluating (pi=3.141592653589793), or write the number",
        ReadAsScalar,
        stacklevel=3,
    )
