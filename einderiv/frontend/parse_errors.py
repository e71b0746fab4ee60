"""Syntax errors: lark's ``UnexpectedInput`` to our ``ParseError``.

Input: the exception lark raised while parsing one text, that text, and the parser's terminal
definitions (``Lark.terminals``); called by ``parse`` while the parse's ``lexing.STATE`` is set.
Output: a ``ParseError`` with line, column and caret (``lexing.error_at``), a message in the
language's words ("unexpected end of input", "unexpected name 'x'", a hint for the finite-sum
syntax) and the expected tokens as a person names them.
Invariants:
* tokens a user never writes (``CALLNAME``, ``BAR``, whitespace) are never listed as expected;
  three or more operands or operators are summed up as "an operand" / "an operator";
* the expected list is sorted, with "end of input" last among the named tokens;
* an error at the end of the input points just past its last non-blank character.
"""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from einderiv.errors import ParseError
from einderiv.frontend.latex_notes import CLAIM_IS_RIGHT_SIDE
from einderiv.frontend.latex_unread import (
    character_hint,
    closing_punctuation,
    declaration_hint,
    plus_superscript,
)
from einderiv.frontend.lexing import STATE, error_at

__all__ = ["from_lark"]

# \sigma(\cdot), \left(\cdot\right), f(·): a dot alone between an opening and a closing bracket
_PLACEHOLDER_BEFORE = re.compile(r"(?:[({,|‖]|\\left\s*[(|.]|\\[lv]?[Vv]ert|\\\|)\s*$")
_PLACEHOLDER_AFTER = re.compile(r"\s*(?:[)},|‖]|\\right|\\[rv]?[Vv]ert|\\\|)")
_CALLED_BEFORE = re.compile(r"(\\?[^\W\d_]+)\s*(?:\\left\s*)?\(\s*$")

_NAMED = {
    "NAME": "a name",
    "NUMBER": "a number",
    "FUNC": "a function call",
    "LOGBAR": "'log|'",
    "DOT_T": "'.T'",
    "BAR_OPEN": "'|'",
    "BAR_CLOSE": "'|'",
    "NORM_OPEN": "'||'",
    "NORM_CLOSE": "'||'",
    "NORM_SUB": "'_2'",
    "TOP": "'ᵀ'",
    "SUP": "a superscript",
    "_NL": "a new line",
    "$END": "end of input",
}
# what the lexer always accepts (lexing.Postlex.always_accept): a norm's bars are expected only
# where an operand may begin (a number, a parenthesis, a call), not in a declaration
_BARS = {"NORM_BAR", "DOUBLE_BAR"}
_OPENS = {"NUMBER", "LPAR", "FUNC", "NORM_OPEN", "NORM_CLOSE"}
_HIDDEN = {"CALLNAME", "BAR", "SPACES", "NEWLINES"}
_OPERAND = {"a name", "a number", "a function call", "'('", "'log|'", "'|'", "'||'", "'sum_{'"}
_OPERATOR = {"'+'", "'-'", "'*'", "'@'", "'.*'", "'./'", "'/'", "'^'", "'.^'", '"\'"', "'.T'"}
_OPERATOR |= {"'ᵀ'", "'⁻ᵀ'", "a superscript", "'·'", "'⋅'", "'⊙'", "'∘'", "'⊗'"}


def _human(term: str, terminals) -> str | None:
    if term in _HIDDEN:
        return None
    if term in _NAMED:
        return _NAMED[term]
    for t in terminals:
        if t.name == term and t.pattern.type == "str":
            value = t.pattern.value
            return f'"{value}"' if "'" in value else f"'{value}'"
    return term.lower()


def _expected(terms, terminals) -> tuple[str, ...]:
    terms = set(terms or ())
    if not terms & _OPENS:
        terms -= _BARS
    names = {h for h in (_human(term, terminals) for term in terms) if h}
    groups = []
    for label, members in (("an operand", _OPERAND), ("an operator", _OPERATOR)):
        if len(names & members) >= 3:
            names -= members
            groups.append(label)
    return tuple(sorted(names, key=lambda n: (n == "end of input", n)) + groups)


# text ending in an exponent: X^2, X^-1, x .^ k, X^(k-1), X^{-T}
_EXPONENT_END = re.compile(r"\^\s*(?:-\s*)?(?:[A-Za-z0-9_.]+|\([^()]*\)|\{[^{}]*\})\s*$")


def _quoted(char: str) -> str:
    """A character as typed, quoted: '\\' is one backslash, not repr's two."""
    return f"'{char}'" if char.isprintable() and char != "'" else repr(char)


_SUM_HEADER = ({"'='"}, {"'^'"}, {"'('"})  # what only the parts of a finite sum expect


def _sum_hint(expected: tuple[str, ...]) -> str:
    if set(expected) not in _SUM_HEADER:
        return ""
    hint = " (a finite sum is written sum_{r=0}^{k-1}(body)"
    if "'('" in expected:
        hint += ": the body in parentheses, the upper bound in braces unless it is one atom"
    return hint + ")"


def _placeholder(text: str, token) -> str | None:
    """The message for a dot written alone as an argument (``\\sigma(\\cdot)``, ``f(·)``, a
    paper's name of the function itself), or None: a placeholder, not an expression."""
    before, after = text[: token.start_pos], text[token.end_pos :]
    if not (_PLACEHOLDER_BEFORE.search(before) and _PLACEHOLDER_AFTER.match(after)):
        return None
    written = text[token.start_pos : token.end_pos]
    called = _CALLED_BEFORE.search(before)
    return _placeholder_message(written, f"{called.group(1) if called else chr(92) + 'sigma'}(W x)")


def _placeholder_message(written: str, example: str) -> str:
    return (
        f"{written} alone is a placeholder for an argument (\\sigma(\\cdot) names the function "
        f"itself): einderiv differentiates an expression, so write the argument, e.g. {example}"
    )


# \|\cdot\|, |\cdot|, \lVert \cdot \rVert: a paper's name of the norm (absolute value) itself,
# its first bar an opening one (at the start, or after a space, an operator or a bracket)
_BARRED_DOT = re.compile(
    r"(?:^|(?<=[\s({\[,+\-=*/]))(\\\||\\[lv]?[Vv]ert|\||‖)\s*(\\cdot|·)\s*"
    r"(\\\||\\[rv]?[Vv]ert|\||‖)"
)


def barred_placeholder(text: str) -> ParseError | None:
    """The error for a dot alone between bars (``\\|\\cdot\\|``, ``\\|\\cdot\\|_2``), which
    the LaTeX lexer would read as bars that nothing closes (a bar after an operator opens), or
    None: a placeholder, as in ``\\sigma(\\cdot)``."""
    found = _BARRED_DOT.search(text) if "cdot" in text or "·" in text else None
    if found is None:
        return None
    example = f"{found.group(1)}W x{found.group(3)}"
    return error_at(_placeholder_message(found.group(2), example), found.start(2))


def from_lark(e: UnexpectedInput, text: str, terminals) -> ParseError:
    """The ``ParseError`` for lark's ``e`` on ``text``; ``terminals`` name the expected tokens."""
    at_end = isinstance(e, UnexpectedToken) and e.token.type == "$END"
    if at_end or not isinstance(e, (UnexpectedToken, UnexpectedCharacters)):
        expected = _expected(getattr(e, "expected", ()), terminals)
        message = "unexpected end of input" + _sum_hint(expected)
        return error_at(message, len(text.rstrip()), expected)
    if isinstance(e, UnexpectedCharacters):
        char = text[e.pos_in_stream]
        expected = _expected(e.allowed, terminals)
        said = closing_punctuation(text, e.pos_in_stream)  # x' A x. (a sentence's full stop)
        hint = f" ({said})" if said else character_hint(char)
        hint = declaration_hint(text, char) if STATE.get().declarations else hint  # \Sigma: ...
        claim = STATE.get().what == "claim" and char in "∂∇"  # check(..., claim="∂f/∂X = ...")
        hint = f" ({CLAIM_IS_RIGHT_SIDE})" if claim else hint
        return error_at(f"unexpected character {_quoted(char)}{hint}", e.pos_in_stream, expected)
    token = e.token
    expected = _expected(e.accepts or e.expected, terminals)
    kind = {"NAME": "name ", "NUMBER": "number ", "_NL": "line break"}.get(token.type, "")
    # the token as written: LaTeX's "}" is read as ")", "\cdot" as "*"
    written = text[token.start_pos : token.end_pos] if token.end_pos else ""
    shown = "" if token.type == "_NL" else repr((written or token.value)[:30])
    message = f"unexpected {kind}{shown}"
    if token.value == "·" and (placeholder := _placeholder(text, token)):
        return error_at(placeholder, token.start_pos)
    if written in ("'", ".T") and _EXPONENT_END.search(text[: token.start_pos]):
        message += " (a transpose right after an exponent: write (X^2)' for the transpose of"
        message += " the power, X'^2 for the power of the transpose)"
    if written == "}" and text[: token.start_pos].rstrip().endswith("{"):
        message += " (an empty group {} holds nothing"
        if text[token.end_pos :].lstrip().startswith("^"):  # TeX's X^{2}{}^\top
            message += ": a transpose is written X^\\top, of a power \\left(X^{2}\\right)^\\top"
        message += ")"
    if written in ("\\otimes", "⊗") and re.search(r"\^\s*\{?\s*$", text[: token.start_pos]):
        message += " (a Kronecker power is not read: write X \\otimes X)"  # X^{\otimes 2}
    if written in ("*", "\\ast") and re.search(r"\^\s*\{?\s*$", text[: token.start_pos]):
        message += " (X^{*}, the adjoint, or an optimum x^*, is not read: write X^\\top, or x_{*})"
    if written == "+":  # X^{+}: a pseudo-inverse; x^{+1}: a signed exponent
        message += plus_superscript(text, token.start_pos)
    if STATE.get().what == "claim" and written == "=":  # d\log|X| = ..., df/dX = ...
        message += f" ({CLAIM_IS_RIGHT_SIDE})"
    if STATE.get().declarations and token.value == "," and "';'" in expected:  # a: vector, b
        message += declaration_hint(text, ",")
    elif said := closing_punctuation(text, token.start_pos):  # tr(A X), (a sentence's comma)
        message += f" ({said})"
    elif token.value == "," and "')'" in expected:
        message += " (functions take one argument)"
    if token.value == ".^" and ".^" in text[: token.start_pos]:  # x.^2.^3: which grouping?
        message += (
            " (a power of a power needs parentheses: (u .^ a) .^ b for a power of a power, "
            "u .^ (a .^ b) for one exponent)"
        )
    message += _sum_hint(expected)
    return error_at(message, token.start_pos, expected)
