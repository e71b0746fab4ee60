"""The parser's first stage: the state of one parse and the post-lexer (bars, ``name(``).

Input: lark's token stream for one text (terminals of ``grammar/einderiv.lark``), read while a
``ParseState`` is set in ``STATE`` by ``parse``.
Output: the same stream with every ``BAR`` (``|``) made ``BAR_OPEN`` or ``BAR_CLOSE`` and every
``CALLNAME`` (``name(`` that is not a known function) split into ``NAME`` and ``LPAR``; or a
``ParseError``. ``error_at`` turns a source offset into that ``ParseError`` for every later stage
(the tree builder, ``declarations``, ``parse_errors``).
Invariants:
* the state is a context variable, set for exactly one parse: the post-lexer and the callbacks
  read it, nothing else; concurrent or nested parses do not see each other's;
* tokens keep their source offsets, so every caret points into the text as written;
* the post-lexer only looks back: each token is decided by the ones before it, in one pass.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from lark import Token
from lark.lark import PostLex

from einderiv.errors import ParseError, closest
from einderiv.ir import matrix_ir as ir

__all__ = ["RESERVED", "STATE", "ParseState", "PostLexer", "error_at"]

RESERVED = {"I": "the identity matrix", "ones": "the vector of ones", "delta": "Kronecker delta"}
_FUNCTION_NAMES = tuple(dict.fromkeys(ir.FUNCTIONS + ("inv",)))


@dataclass(frozen=True)
class ParseState:
    """What one parse needs to know besides the tokens."""

    text: str
    what: str  # the text's name in messages: "expression", "claim", "declarations"
    declared: frozenset  # names written against '(' that are products, not calls
    declarations: bool  # parsing a ``where`` list (every ``name(`` is a kind's dimensions)


STATE: contextvars.ContextVar[ParseState] = contextvars.ContextVar("einderiv_parse_state")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``, splitting lines as ``errors.caret_context`` does."""
    lines = text.splitlines(keepends=True) or [""]
    start = 0
    for number, piece in enumerate(lines, 1):
        if offset < start + len(piece) or number == len(lines):
            return number, offset - start + 1
        start += len(piece)
    raise AssertionError("unreachable")


def error_at(message: str, offset: int, expected: tuple[str, ...] = ()) -> ParseError:
    """A ``ParseError`` at ``offset`` of the text being parsed, with line, column and caret."""
    state = STATE.get()
    line, column = _line_col(state.text, offset)
    return ParseError(
        message, text=state.text, line=line, column=column, expected=expected, what=state.what
    )


# tokens after which a '|' inside bars closes them: those that can end an operand
_ENDS_OPERAND = frozenset(
    {"NAME", "NUMBER", "RPAR", "RSQB", "QUOTE", "DOT_T", "RBRACE", "BAR_CLOSE"}
)


class PostLexer(PostLex):
    """The post-lexer: calls (``_split_calls``), then bars (``_bars``)."""

    always_accept = ("CALLNAME", "BAR")

    def process(self, stream):
        text = STATE.get().text  # a stage with nothing to change is left out of the chain
        if "(" in text:  # CALLNAME ends in "("
            stream = _split_calls(stream)
        return _bars(stream) if "|" in text else stream  # BAR and LOGBAR contain "|"


def _bars(stream):
    """Each ``BAR`` (``|``) to ``BAR_OPEN`` or ``BAR_CLOSE`` (the rule is in the grammar).

    Outside bars a ``|`` opens; inside ``|...|`` or ``log|...|`` it closes after a token that
    can end an operand and opens otherwise. A bar still open at the end of the input is an
    error at that bar (the innermost one left open).
    """
    opened: list[int] = []  # start offsets of the open bars, LOGBAR included
    previous = None
    for token in stream:
        if token.type == "LOGBAR":
            opened.append(token.end_pos - 1)
        elif token.type == "BAR":
            if opened and previous in _ENDS_OPERAND:
                opened.pop()
                token = Token.new_borrow_pos("BAR_CLOSE", token.value, token)
            else:
                opened.append(token.start_pos)
                token = Token.new_borrow_pos("BAR_OPEN", token.value, token)
        previous = token.type
        yield token
    if opened:
        raise error_at("unmatched '|': no bar closes it", opened[-1], ("'|'",))


def _split_calls(stream):
    """``name(`` that is not a known function: a product ``name (`` or an unknown function.

    The upper bound of a finite sum written without braces (``sum_{r=0}^n(body)``) is followed
    by the body's ``(``: there ``name(`` is always the bound and ``(``, whatever the name.
    """
    braces: list[bool] = []  # the open '{'s: True for the one of a "sum_{"
    header_closed = False  # the previous token closed a "sum_{...}"
    bound = False  # the previous two were "sum_{...}" and "^": a bound comes now
    for token in stream:
        is_bound, bound = bound, header_closed and token.type == "CIRCUMFLEX"
        header_closed = False
        if token.type in ("SUM_OPEN", "LBRACE"):
            braces.append(token.type == "SUM_OPEN")
        elif token.type == "RBRACE" and braces:
            header_closed = braces.pop()
        if token.type != "CALLNAME":
            yield token
            continue
        name = token.value[:-1]
        state = STATE.get()
        known = name in state.declared or name in RESERVED or len(name) == 1
        if not (is_bound or state.declarations or known or name in _FUNCTION_NAMES):
            guess = closest(name, _FUNCTION_NAMES)
            hint = (
                f"; did you mean '{guess}'?"
                if guess
                else f"; for a product write '{name} * (...)' or declare {name}"
            )
            raise error_at(f"unknown function '{name}'{hint}", token.start_pos)
        end = token.start_pos + len(name)
        yield _token("NAME", name, token, token.start_pos, end)
        yield _token("LPAR", "(", token, end, end + 1)


def _token(type_: str, value: str, like: Token, start: int, end: int) -> Token:
    return Token(type_, value, start_pos=start, line=like.line, column=like.column, end_pos=end)
