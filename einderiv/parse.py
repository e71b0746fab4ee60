"""Text to matrix IR: the parser of SPEC section 1 (expressions) and of ``where`` declarations.

Input: a string in the expression language (``tr(X' A X)``, ``log|X| + x' inv(S) x``) or a
declaration list (``X: matrix(m, n); S: symmetric(n)``).
Output: a ``matrix_ir`` expression (``parse_expression``) or a tuple of ``Decl``
(``parse_declarations``).
Invariants:
* the grammar is ``grammar/einderiv.lark``, loaded once, LALR; the transformer runs inside the
  parser, so no parse tree is built and nothing recurses on deep input;
* every node that has a ``span`` gets the (start, end) offsets of its source text;
* numbers are exact ``Fraction`` s; ``-2`` is ``Number(-2)`` and a quotient of two number literals
  (``1/3``) is one ``Number``, so ``show`` output reads back to the same tree; ``-A`` is ``Neg``;
* any string either parses or raises an ``EinderivError`` (``ParseError`` with line, column,
  caret and expected tokens for syntax errors); a tree deeper than ``MAX_DEPTH`` is refused, so
  later recursive passes never hit ``RecursionError``.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.resources
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lark import PostLex

from . import matrix_ir as ir
from .errors import EinderivError, ParseError, closest

__all__ = ["MAX_DEPTH", "parse_declarations", "parse_expression"]

MAX_DEPTH = 400
_RESERVED = {"I": "the identity matrix", "ones": "the vector of ones", "delta": "Kronecker delta"}
_NOT_SUMMATION_VARIABLES = {**_RESERVED, "T": "in an exponent T means transpose"}
_FUNCTION_NAMES = tuple(dict.fromkeys(ir.FUNCTIONS + ("inv",)))


@dataclass(frozen=True)
class _State:
    text: str
    what: str
    declared: frozenset
    declarations: bool


_STATE: contextvars.ContextVar[_State] = contextvars.ContextVar("einderiv_parse_state")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``, splitting lines as ``errors.caret_context`` does."""
    lines = text.splitlines(keepends=True) or [""]
    start = 0
    for number, piece in enumerate(lines, 1):
        if offset < start + len(piece) or number == len(lines):
            return number, offset - start + 1
        start += len(piece)
    raise AssertionError("unreachable")


def _error(message: str, offset: int, expected: tuple[str, ...] = ()) -> ParseError:
    state = _STATE.get()
    line, column = _line_col(state.text, offset)
    return ParseError(
        message, text=state.text, line=line, column=column, expected=expected, what=state.what
    )


class _S:
    """A node under construction with the source span it covers (parentheses included)."""

    __slots__ = ("depth", "end", "node", "start")

    def __init__(self, node, start: int, end: int, depth: int):
        self.node, self.start, self.end, self.depth = node, start, end, depth


def _start(c) -> int:
    return c.start_pos if isinstance(c, Token) else c.start


def _end(c) -> int:
    return c.end_pos if isinstance(c, Token) else c.end


def _binary(cls):
    def build(self, children):
        left, right = (c for c in children if isinstance(c, _S))
        start, end = _start(children[0]), _end(children[-1])
        node = _fold(cls, left.node, right.node) or cls(left.node, right.node, span=(start, end))
        return _S(node, start, end, 1 + max(left.depth, right.depth))

    return build


def _fold(cls, left, right):
    """``1/3`` is the number 1/3 (so that ``show`` of a fraction reads back)."""
    numbers = isinstance(left, ir.Number) and isinstance(right, ir.Number)
    if cls is ir.Div and numbers and right.value != 0:
        return ir.Number(left.value / right.value)
    return None


def _exponent(base, exponent, span):
    match exponent:
        case ir.Name(name="T"):
            return ir.Transpose(base, span=span)
        case ir.Neg(operand=ir.Name(name="T")):
            return ir.Transpose(ir.Inverse(base, span=span), span=span)
        case ir.Number(value=-1):
            return ir.Inverse(base, span=span)
    return ir.Power(base, exponent, span=span)


class _Build:
    """Callbacks of the LALR parser: each rule's children (tokens and ``_S``) to an ``_S``."""

    add = _binary(ir.Add)
    sub = _binary(ir.Sub)
    matmul = _binary(ir.MatMul)
    hadamard = _binary(ir.Hadamard)
    elemdiv = _binary(ir.ElemDiv)
    div = _binary(ir.Div)
    elempow = _binary(ir.ElemPow)

    def power(self, children):
        base, exponent = children[0], children[-1]
        span = (base.start, exponent.end)
        node = _exponent(base.node, exponent.node, span)
        if isinstance(node, ir.Power):
            return _S(node, *span, 1 + max(base.depth, exponent.depth))
        twice = isinstance(node, ir.Transpose) and node.operand is not base.node
        return _S(node, *span, base.depth + 1 + twice)

    def neg(self, children):
        minus, operand = children
        span = (minus.start_pos, operand.end)
        if isinstance(operand.node, ir.Number):
            return _S(ir.Number(-operand.node.value), *span, operand.depth)
        return _S(ir.Neg(operand.node, span=span), *span, operand.depth + 1)

    def transpose(self, children):
        operand, op = children
        span = (operand.start, op.end_pos)
        return _S(ir.Transpose(operand.node, span=span), *span, operand.depth + 1)

    def entry(self, children):
        base, _, indices, close = children
        span = (base.start, close.end_pos)
        names = tuple(t.value for t in indices)
        if isinstance(base.node, ir.Name) and base.node.name == "delta":
            if len(names) < 2:
                raise _error(f"delta takes two or more indices, not {len(names)}", base.start)
            return _S(ir.KDelta(names, span=span), *span, 1)
        return _S(ir.Entry(base.node, names, span=span), *span, base.depth + 1)

    def indices(self, children):
        return [t for t in children if t.type == "NAME"]

    def name(self, children):
        (token,) = children
        span = (token.start_pos, token.end_pos)
        if token.value == "I":
            return _S(ir.Identity(span=span), *span, 1)
        if token.value == "ones":
            return _S(ir.Ones(span=span), *span, 1)
        return _S(ir.Name(token.value, span=span), *span, 1)

    def number(self, children):
        (token,) = children
        mantissa, _, power = token.value.lower().partition("e")
        if len(mantissa) > 400 or len(power) > 5 or (power and abs(int(power)) > 1000):
            raise _error(f"the number {token.value[:20]}... is out of range", token.start_pos)
        return _S(ir.Number(Fraction(token.value)), token.start_pos, token.end_pos, 1)

    def group(self, children):
        open_, inner, close = children
        return _S(inner.node, open_.start_pos, close.end_pos, inner.depth)

    def call(self, children):
        func, arg, close = children
        fn = func.value[:-1].rstrip()
        span = (func.start_pos, close.end_pos)
        if fn == "inv":
            return _S(ir.Inverse(arg.node, span=span), *span, arg.depth + 1)
        return _S(ir.Call(fn, (arg.node,), span=span), *span, arg.depth + 1)

    def bar(self, children):
        open_, inner, close = children
        span = (open_.start_pos, close.end_pos)
        return _S(ir.Call("det", (inner.node,), span=span), *span, inner.depth + 1)

    def logbar(self, children):
        func, inner, close = children
        span = (func.start_pos, close.end_pos)
        det = ir.Call("det", (inner.node,), span=(func.end_pos - 1, close.end_pos))
        return _S(ir.Call("log", (det,), span=span), *span, inner.depth + 2)

    def finite_sum(self, children):
        open_, var, close = children[0], children[1], children[-1]
        lower, upper, body = (c for c in children if isinstance(c, _S))
        if var.value in _NOT_SUMMATION_VARIABLES:
            what = _NOT_SUMMATION_VARIABLES[var.value]
            raise _error(f"'{var.value}' cannot be a summation variable ({what})", var.start_pos)
        span = (open_.start_pos, close.end_pos)
        node = ir.FiniteSum(var.value, lower.node, upper.node, body.node, span=span)
        return _S(node, *span, 1 + max(lower.depth, upper.depth, body.depth))

    # ---- declarations

    def dims(self, children):
        return _Dims([t for t in children if t.type in ("NAME", "NUMBER")], children[-1].end_pos)

    def decl(self, children):
        colon = next(i for i, c in enumerate(children) if isinstance(c, Token) and c.value == ":")
        names = [t for t in children[:colon] if t.type == "NAME"]
        kind = children[colon + 1]
        dims = children[colon + 2] if len(children) > colon + 2 else None
        end = dims.end if dims else kind.end_pos
        shape = _dims(kind, dims)
        for t in names:
            if t.value in _RESERVED:
                raise _error(f"'{t.value}' is reserved ({_RESERVED[t.value]})", t.start_pos)
        return [ir.Decl(t.value, kind.value, shape, span=(t.start_pos, end)) for t in names]

    def declarations(self, children):
        seen: set[str] = set()
        decls = []
        for group in children:
            if isinstance(group, Token):
                continue
            for d in group:
                if d.name in seen:
                    raise _error(f"'{d.name}' is declared twice", d.span[0])
                seen.add(d.name)
                decls.append(d)
        return tuple(decls)


class _Dims:
    __slots__ = ("end", "tokens")

    def __init__(self, tokens, end):
        self.tokens, self.end = tokens, end


_COUNTS = {"scalar": (0,), "integer": (0,), "vector": (1,), "matrix": (2,), "symmetric": (1, 2)}
_WORDS = {0: "no dimensions", 1: "one dimension", 2: "two dimensions"}


def _dims(kind: Token, dims: _Dims | None) -> tuple:
    if kind.value not in ir.KINDS:
        guess = closest(kind.value, ir.KINDS)
        hint = f"; did you mean '{guess}'?" if guess else f" (kinds: {', '.join(ir.KINDS)})"
        raise _error(f"unknown kind '{kind.value}'{hint}", kind.start_pos)
    if dims is None:
        return ()
    values = []
    for t in dims.tokens:
        if t.type == "NUMBER":
            if not t.value.isdigit() or len(t.value) > 18 or int(t.value) == 0:
                raise _error("a dimension is a name or a positive integer", t.start_pos)
            values.append(int(t.value))
        else:
            values.append(t.value)
    allowed = _COUNTS[kind.value]
    if len(values) not in allowed:
        wanted = " or ".join(_WORDS[n] for n in allowed)
        raise _error(f"'{kind.value}' takes {wanted}, not {len(values)}", dims.tokens[0].start_pos)
    if kind.value == "symmetric":
        if len(values) == 2 and values[0] != values[1]:
            raise _error(
                "a symmetric matrix is square: give one dimension", dims.tokens[0].start_pos
            )
        values = [values[0], values[0]]
    return tuple(values)


# tokens after which a '|' inside bars closes them: those that can end an operand
_ENDS_OPERAND = frozenset(
    {"NAME", "NUMBER", "RPAR", "RSQB", "QUOTE", "DOT_T", "RBRACE", "BAR_CLOSE"}
)


class _PostLex(PostLex):
    """The post-lexer: calls (``_split_calls``), then bars (``_bars``)."""

    always_accept = ("CALLNAME", "BAR")

    def process(self, stream):
        return _bars(_split_calls(stream))


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
        raise _error("unmatched '|': no bar closes it", opened[-1], ("'|'",))


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
        state = _STATE.get()
        known = name in state.declared or name in _RESERVED or len(name) == 1
        if not (is_bound or state.declarations or known or name in _FUNCTION_NAMES):
            guess = closest(name, _FUNCTION_NAMES)
            hint = (
                f"; did you mean '{guess}'?"
                if guess
                else f"; for a product write '{name} * (...)' or declare {name}"
            )
            raise _error(f"unknown function '{name}'{hint}", token.start_pos)
        end = token.start_pos + len(name)
        yield _token("NAME", name, token, token.start_pos, end)
        yield _token("LPAR", "(", token, end, end + 1)


def _token(type_: str, value: str, like: Token, start: int, end: int) -> Token:
    return Token(type_, value, start_pos=start, line=like.line, column=like.column, end_pos=end)


def _grammar_text() -> str:
    with contextlib.suppress(ImportError, OSError, TypeError, ValueError, NotImplementedError):
        packaged = importlib.resources.files("einderiv") / "grammar" / "einderiv.lark"
        if packaged.is_file():  # an installed wheel
            return packaged.read_text(encoding="utf-8")
    source = Path(__file__).resolve().parent.parent / "grammar" / "einderiv.lark"
    if source.is_file():
        return source.read_text(encoding="utf-8")
    raise RuntimeError(  # pragma: no cover - a broken installation, not a user error
        "einderiv: grammar file einderiv.lark not found (looked in the einderiv package and in "
        f"{source}); reinstall einderiv"
    )


_LARK = Lark(
    _grammar_text(),
    start=["expression", "declarations"],
    parser="lalr",
    lexer="contextual",
    transformer=_Build(),
    postlex=_PostLex(),
    keep_all_tokens=True,
    maybe_placeholders=False,
)


def _plain_rule_names(lark: Lark) -> None:
    """Speed only: the LALR parser looks the name of every reduced rule up in its tables, and
    lark keeps those names as ``Token`` s (a ``str`` subclass whose ``__eq__`` is Python code),
    so each reduction paid a Python call; as plain strings they compare in C. Best effort: a
    lark version laid out differently is left as it is."""
    try:
        states = lark.parser.parser.parser.parse_table.states
        origins = [
            arg.origin
            for state in states.values()
            for _action, arg in state.values()
            if getattr(arg, "origin", None) is not None
        ]
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - another lark version
        return
    for origin in origins:
        if isinstance(origin.name, str) and type(origin.name) is not str:
            origin.name = str(origin.name)


_plain_rule_names(_LARK)

_NAMED = {
    "NAME": "a name",
    "NUMBER": "a number",
    "FUNC": "a function call",
    "LOGBAR": "'log|'",
    "DOT_T": "'.T'",
    "BAR_OPEN": "'|'",
    "BAR_CLOSE": "'|'",
    "_NL": "a new line",
    "$END": "end of input",
}
_HIDDEN = {"CALLNAME", "BAR", "SPACES", "NEWLINES"}
_OPERAND = {"a name", "a number", "a function call", "'('", "'log|'", "'|'", "'sum_{'"}
_OPERATOR = {"'+'", "'-'", "'*'", "'@'", "'.*'", "'./'", "'/'", "'^'", "'.^'", '"\'"', "'.T'"}


def _human(term: str) -> str | None:
    if term in _HIDDEN:
        return None
    if term in _NAMED:
        return _NAMED[term]
    for t in _LARK.terminals:
        if t.name == term and t.pattern.type == "str":
            value = t.pattern.value
            return f'"{value}"' if "'" in value else f"'{value}'"
    return term.lower()


def _expected(terms) -> tuple[str, ...]:
    names = {h for h in map(_human, terms or ()) if h}
    groups = []
    for label, members in (("an operand", _OPERAND), ("an operator", _OPERATOR)):
        if len(names & members) >= 3:
            names -= members
            groups.append(label)
    return tuple(sorted(names, key=lambda n: (n == "end of input", n)) + groups)


_SUM_HEADER = ({"'='"}, {"'^'"}, {"'('"})  # what only the parts of a finite sum expect


def _sum_hint(expected: tuple[str, ...]) -> str:
    if set(expected) not in _SUM_HEADER:
        return ""
    hint = " (a finite sum is written sum_{r=0}^{k-1}(body)"
    if "'('" in expected:
        hint += ": the body in parentheses, the upper bound in braces unless it is one atom"
    return hint + ")"


def _from_lark(e: UnexpectedInput, text: str) -> ParseError:
    at_end = isinstance(e, UnexpectedToken) and e.token.type == "$END"
    if at_end or not isinstance(e, (UnexpectedToken, UnexpectedCharacters)):
        expected = _expected(getattr(e, "expected", ()))
        message = "unexpected end of input" + _sum_hint(expected)
        return _error(message, len(text.rstrip()), expected)
    if isinstance(e, UnexpectedCharacters):
        char = text[e.pos_in_stream]
        return _error(f"unexpected character {char!r}", e.pos_in_stream, _expected(e.allowed))
    token = e.token
    expected = _expected(e.accepts or e.expected)
    kind = {"NAME": "name ", "NUMBER": "number ", "_NL": "line break"}.get(token.type, "")
    shown = "" if token.type == "_NL" else repr(token.value[:30])
    message = f"unexpected {kind}{shown}"
    if token.value == "," and "')'" in expected:
        message += " (functions take one argument)"
    message += _sum_hint(expected)
    return _error(message, token.start_pos, expected)


def _parse(text: str, start: str, state: _State):
    if not isinstance(text, str):
        raise TypeError(f"expected a string to parse, got {type(text).__name__}")
    reset = _STATE.set(state)
    try:
        return _LARK.parse(text, start=start)
    except UnexpectedInput as e:
        raise _from_lark(e, text) from None
    finally:
        _STATE.reset(reset)


def parse_expression(
    text: str, *, declared: frozenset[str] = frozenset(), what: str = "expression"
) -> ir.MExpr:
    """Parse ``text`` (SPEC section 1) to matrix IR.

    ``declared`` names written against ``(`` are products (``a(b+c)``), as single letters are;
    ``what`` names the text in error messages ("expression", "claim", ...).
    Raises ``ParseError`` for bad syntax, ``EinderivError`` for a tree deeper than ``MAX_DEPTH``.
    """
    state = _State(text, what, frozenset(declared), False)
    if isinstance(text, str) and not text.strip():
        raise ParseError(f"empty {what}", text=text, what=what)
    result = _parse(text, "expression", state)
    if result.depth > MAX_DEPTH:
        raise EinderivError(
            f"{what} is nested too deeply (depth {result.depth}; the limit is {MAX_DEPTH})"
        )
    return result.node


def parse_declarations(text: str) -> tuple[ir.Decl, ...]:
    """Parse ``where`` declarations: ``X: matrix(m, n); S: symmetric(n); k: integer``.

    Separated by ``;`` or new lines; ``X, Y: matrix(n, n)`` declares both; kinds without
    dimensions (``matrix``) leave them to inference; ``symmetric(n)`` has dims ``(n, n)``.
    Raises ``ParseError`` (with a caret) for bad syntax, unknown kinds, wrong dimension counts,
    zero dimensions, reserved or duplicate names.
    """
    if isinstance(text, str) and not text.strip():
        return ()
    return _parse(text, "declarations", _State(text, "declarations", frozenset(), True))
