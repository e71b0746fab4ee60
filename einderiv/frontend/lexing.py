"""The parser's first stage: the state of one parse and the post-lexer (bars, ``name(``).

Input: lark's token stream for one text (terminals of ``grammar/einderiv.lark``), read while a
``ParseState`` is set in ``STATE`` by ``parse``.
Output: the same stream with every ``BAR`` (``|``) made ``BAR_OPEN`` or ``BAR_CLOSE`` and every
``CALLNAME`` (``name(`` that is not a known function) split into ``NAME`` and ``LPAR``; or a
``ParseError`` (for an expression's text that ``refusals`` refuses, too). ``error_at`` turns a source offset into that ``ParseError`` for every later stage
(the tree builder, ``declarations``, ``parse_errors``).
Invariants:
* the state is a context variable, set for exactly one parse: the post-lexer and the callbacks
  read it, nothing else; concurrent or nested parses do not see each other's;
* tokens keep their source offsets, so every caret points into the text as written;
* the post-lexer only looks back: each token is decided by the ones before it, in one pass.
"""

from __future__ import annotations

import contextvars
import re
import unicodedata
import warnings
from dataclasses import dataclass, field

from lark import Token
from lark.lark import PostLex

from einderiv.errors import (
    ParseError,
    ReadAsCall,
    ReadAsGrouped,
    closest,
    say_reading,
)
from einderiv.frontend.missing_functions import unknown_function_hint
from einderiv.frontend.refusals import norm_script, refusal
from einderiv.frontend.subscript_digits import subscript_name
from einderiv.ir import greek
from einderiv.ir import matrix_ir as ir
from einderiv.ir.matrix_ops import MATRIX
from einderiv.ir.ops import BY_LATEX

__all__ = [
    "CALLED_NAMES",
    "ENDS_OPERAND",
    "FUNCTION_NAMES",
    "PASTED",
    "RESERVED",
    "STATE",
    "ParseState",
    "PostLexer",
    "error_at",
    "no_power_of_log_bars",
]

RESERVED = {"I": "the identity matrix", "ones": "the vector of ones", "delta": "Kronecker delta"}
FUNCTION_NAMES = ir.FUNCTIONS
# other spellings of functions (SPEC 6.2): trace(X), Tr(X), norm(x) (the registry's), ln(x), ln|X|
ALIASES = {alias: op.name for op in MATRIX.values() for alias in op.aliases} | {
    "ln": "log",
    "lse": "logsumexp",
    "LSE": "logsumexp",
}
CALLED_NAMES = frozenset(FUNCTION_NAMES) | ALIASES.keys()  # names a bare use of is refused
# Greek letters written as themselves (SPEC 6.2) and the names they stand for
GREEK_LETTERS = greek.LETTERS
SIGMA = r"\sigma"  # σ(z) and \sigma(z): the function the registry writes \sigma (sigmoid)
_SUPERSCRIPTS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
# characters pasted from PDFs and web pages, read as the ones they look like: the minus sign,
# the prime, the parallel sign, the variant Greek letters, a word processor's ’ and – (' and -),
# the asterisk operator, spaces (no-break, thin, ...); and the bold, italic and sans-serif
# letters and digits of Unicode's math alphabets (𝐱, 𝑥, 𝛂, 𝟐: as NFKC, U+1D400-U+1D7FF), not
# the script, fraktur, double-struck ones, which name other things (𝔼 an expectation, 𝓛 a
# loss), nor a styled 0 or 1 (𝟏, the vector of ones: refused with a hint, latex_unread)
_SPACES = "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_STYLED = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0x1D400, 0x1D800)}
PASTED = str.maketrans("−′∥ϵϕϑϱ’–∗" + _SPACES, "-'‖εφθρ'-*" + " " * len(_SPACES)) | {
    c: plain
    for c, plain in _STYLED.items()
    if len(plain) == 1 and (plain.isascii() or plain in GREEK_LETTERS) and plain != chr(c)
    if not re.search("SCRIPT|FRAKTUR|DOUBLE-STRUCK|MONOSPACE", unicodedata.name(chr(c), ""))
    if plain not in "01"  # a bold 𝟏 (𝟎) is the vector of ones (zeros): 𝐱 ⋅ 𝟏 is no x 1
}


@dataclass(frozen=True)
class ParseState:
    """What one parse needs to know besides the tokens."""

    text: str
    what: str  # the text's name in messages: "expression", "claim", "declarations"
    declared: frozenset  # names written against '(' that are products, not calls
    declarations: bool  # parsing a ``where`` list (every ``name(`` is a kind's dimensions)
    integers: frozenset = frozenset()  # names declared ``integer``: ``X^T`` is then a power
    latex: bool = False  # the text is LaTeX (a / 2 \\sigma^2 is then refused: see below)
    plain: dict = field(default_factory=dict)  # id -> node seen to hold no index notation
    sizes: dict = field(default_factory=dict)  # offset -> the size written on I_n, 1_n (LaTeX)


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
_ENDS = ("NAME", "NUMBER", "RPAR", "RSQB", "QUOTE", "DOT_T", "RBRACE", "BAR_CLOSE", "NORM_CLOSE")
ENDS_OPERAND = frozenset((*_ENDS, "NORM_SUB", "TOP", "INV_T", "SUP"))


class PostLexer(PostLex):
    """The post-lexer: calls (``_split_calls``), then bars (``_bars``)."""

    always_accept = ("CALLNAME", "BAR", "NORM_BAR", "DOUBLE_BAR")

    def process(self, stream):
        state = STATE.get()
        text = state.text  # a stage with nothing to change is left out of the chain
        refused = None if state.declarations else refusal(text, state.declared, state.integers)
        if refused is not None:  # x^1/2, I(3), sum_j: what a reader takes otherwise
            raise error_at(refused.message, refused.at)
        if "'" in text and "(" in text and not _NO_GREEK_PRIME.isdisjoint(text):
            _greek_derivative(text)
        if "(" in text and ("sigma" in text or "σ" in text):
            _sigma_power(text)
        if not text.isascii():  # Greek letters, ‖
            stream = _greek(stream)
        if "(" in text:  # CALLNAME ends in "("
            stream = _split_calls(stream)
        # BAR, DOUBLE_BAR and LOGBAR contain "|"
        return _bars(stream, text) if "|" in text or "‖" in text else stream


# sigma'(z), σ'(z), phi'(u): in a paper the derivative of a function written with a Greek letter
_GREEK_PRIME = re.compile(r"(?<![A-Za-z0-9_])(sigma|σ|phi|φ|ϕ|psi|ψ)\s*'\s*\(")
_NO_GREEK_PRIME = frozenset("sσpφϕψ")  # a text with none of the names' first letters: no match


def _greek_derivative(text: str) -> None:
    """``sigma'(z)`` reads as the product sigma' (z) (sigma a scalar): say so."""
    for found in _GREEK_PRIME.finditer(text):
        name = GREEK_LETTERS.get(found.group(1), found.group(1))
        if name not in STATE.get().declared:  # a reading among two: check is undecided
            say_reading(
                f"read {found.group(1)}'(...) as the product {name}' (...): a function's "
                "derivative written with a prime is not read; write it out (sigmoid'(z) is "
                f"sigmoid(z) .* (1 - sigmoid(z))), or declare `{name}: scalar` for a product",
                ReadAsCall,
                1,
            )


# σ²(x), sigma^-1(x): a power of the letter of the sigmoid touching a parenthesis (plain text;
# sigma^2 (x - y)', with a space, is a product as einderiv prints it)
_SIGMA_POWER = re.compile(
    r"(?<![A-Za-z0-9_\\])(sigma|σ)\s*(\^\s*(?:\{\s*-?\s*\w+\s*\}|-?\s*\w+)|[⁻¹²³⁴⁵⁶⁷⁸⁹⁰]+)\("
)


def _sigma_power(text: str) -> None:
    """``σ²(x)`` reads as the product sigma^2 (x), a variance times x, where sin²(x) is a
    power of the value, and ``σ⁻¹(p)`` may be the logit: say so, as LaTeX's \\sigma^2(x) is."""
    for found in _SIGMA_POWER.finditer(text):
        if "sigma" in STATE.get().declared:
            return
        power = superscript_value(found.group(2)).lstrip("^ ").strip("{} ")
        say_reading(
            f"read {found.group(1)}{found.group(2)}(...) as the product sigma^{power} (...), "
            f"sigma a scalar; for the sigmoid to a power write sigmoid(x) .^ {power}"
            + ("; for its inverse (the logit) log(p ./ (1 - p))" if "-" in power else ""),
            ReadAsCall,
            1,
        )
        return


def superscript_value(text: str) -> str:
    """``²`` -> ``2``, ``⁻¹`` -> ``-1``."""
    return text.translate(_SUPERSCRIPTS)


def _greek(stream):
    """``λ`` -> the name ``lambda`` (same place); ``σ(`` -> ``sigmoid(`` (SPEC 6.2); ``W₁``
    -> ``W_1``."""
    for token in stream:
        if token.type in ("NAME", "CALLNAME") and token.value[0] in GREEK_LETTERS:
            name = GREEK_LETTERS[token.value[0]] + token.value[1:]
            if token.type == "CALLNAME" and name == "sigma(":  # σ(z): the function written σ
                token = Token.new_borrow_pos("FUNC", BY_LATEX[SIGMA] + "(", token)
            else:
                token = Token.new_borrow_pos(token.type, name, token)
                state = STATE.get()
                after = state.text[token.end_pos :].lstrip()[:1]
                if name == "sigma" and after == "(" and name not in state.declared:
                    _sigma_times("σ (", "σ(")  # σ (x): a space apart
        yield subscript_name(token)  # W₁: the name W_1


def _sigma_times(written: str, function: str) -> None:
    """``sigma(x)``: the scalar sigma times x, or the sigmoid? Say so (check: undecided)."""
    said = f"read '{written}x)' as the scalar sigma times (x); write {function}x) or sigmoid(x)"
    say_reading(f"{said} for the sigmoid, or declare `sigma: scalar`", ReadAsCall, 1)


def _bars(stream, text: str):
    """Each ``BAR`` (``|``) to ``BAR_OPEN`` or ``BAR_CLOSE`` (the rule is in the grammar), and
    each norm bar (``‖``, ``||``) to ``NORM_OPEN`` or ``NORM_CLOSE``.

    Outside bars a ``|`` opens; inside ``|...|`` or ``log|...|`` it closes after a token that
    can end an operand and opens otherwise; ``‖`` does the same with norms. ``||`` closes a
    norm after an operand; elsewhere it opens a norm where a bar would open and a later ``||``
    or ``‖`` can close it, and is two single bars otherwise (``||X| A|`` is ``det(det(X) A)``,
    ``|A |X||`` closes two bars). A bar still open at the end of the input is an error at that
    bar (the innermost one left open).
    """
    opened: list[tuple[int, bool]] = []  # (start offset, is a norm) of the open bars
    logs: set[int] = set()  # the start offsets of the bars of log|...|
    previous = None
    for token in stream:
        ends = previous in ENDS_OPERAND
        in_norm = bool(opened) and opened[-1][1]
        if token.type == "LOGBAR":
            opened.append((token.end_pos - 1, False))
            logs.add(token.end_pos - 1)
        elif token.type == "BAR" and ends and opened and opened[-1][0] in logs:
            token = _single_bar(token, opened, ends)
            no_power_of_log_bars(text, token.end_pos)
        elif token.type == "NORM_BAR" or (token.type == "DOUBLE_BAR" and in_norm and ends):
            start = opened[-1][0] if opened else 0
            token = _norm_bar(token, opened, closes=in_norm and ends)
            if token.type == "NORM_CLOSE" and (said := norm_script(text, start, token.end_pos)):
                raise error_at(said, token.end_pos)  # ‖X‖F: a subscript flattened by a PDF?
        elif token.type == "DOUBLE_BAR":
            rest = text[token.end_pos :]
            if not (opened and ends) and ("||" in rest or "‖" in rest):
                token = _norm_bar(token, opened, closes=False)
            else:  # two single bars
                first = _single_bar(_token("BAR", "|", token, token.start_pos, token.start_pos + 1),
                                    opened, ends)  # fmt: skip
                yield first
                end = token.end_pos
                token = _single_bar(_token("BAR", "|", token, end - 1, end), opened,
                                    first.type == "BAR_CLOSE")  # fmt: skip
        elif token.type == "BAR":
            token = _single_bar(token, opened, ends)
        previous = token.type
        yield token
    if opened:
        start, norm = opened[-1]
        raise error_at(f"unmatched {'norm bar' if norm else repr('|')}: no bar closes it",
                       start, ("'|'",))  # fmt: skip


def no_power_of_log_bars(text: str, end: int) -> None:
    """``log|X|^2``: the square of the log, or the log of the square? Refused, both spelled."""
    power = re.compile(r"\s*(\.?\^|[⁰¹²³⁴⁵⁶⁷⁸⁹⁻])").match(text, end)
    if power is not None:
        raise error_at("log|X|^2 reads two ways: write log(|X|^2) for the log of the power, "
                       "(log|X|)^2 for the power of the log", power.start(1))  # fmt: skip


def _single_bar(token, opened: list, ends: bool):
    """One ``|``: it closes the innermost bar after an operand, and opens one otherwise."""
    if opened and not opened[-1][1] and ends:
        opened.pop()
        return Token.new_borrow_pos("BAR_CLOSE", token.value, token)
    opened.append((token.start_pos, False))
    return Token.new_borrow_pos("BAR_OPEN", token.value, token)


def _norm_bar(token, opened: list, closes: bool):
    if closes:
        opened.pop()
        return Token.new_borrow_pos("NORM_CLOSE", token.value, token)
    opened.append((token.start_pos, True))
    return Token.new_borrow_pos("NORM_OPEN", token.value, token)


def _split_calls(stream):
    """``name(`` that is not a known function: a product ``name (`` or an unknown function.

    The upper bound of a finite sum written without braces (``sum_{r=0}^n(body)``) is followed
    by the body's ``(``: there ``name(`` is always the bound and ``(``, whatever the name.
    """
    braces: list[bool] = []  # the open '{'s: True for the one of a "sum_{"
    header_closed = bound = after = False  # closed a "sum_{...}"; then "^" (a bound comes); "^"
    for token in stream:
        is_bound, bound = bound, header_closed and token.type == "CIRCUMFLEX"
        letters, after = after and token.value[:1] == "T", token.type == "CIRCUMFLEX"  # x^TC(..)
        header_closed = False
        if token.type in ("SUM_OPEN", "LBRACE"):
            braces.append(token.type == "SUM_OPEN")
        elif token.type == "RBRACE" and braces:
            header_closed = braces.pop()
        if token.type != "CALLNAME":
            yield token
            continue
        name = token.value[:-1]
        if name == "sigma" and name not in STATE.get().declared:
            _sigma_times("sigma(", "σ(")
        elif name in GREEK_LETTERS.values() and name not in STATE.get().declared:
            scalar = name in greek.LOWER and name != "delta"  # Phi is a matrix, delta Kronecker's
            what = f"the scalar {name} times (...)" if scalar else f"the product {name} (...)"
            say_reading(
                f"read '{name}(...)' as {what}: einderiv has no function {name}; write "
                f"the function itself (sigmoid, tanh, ...), or declare `{name}: scalar`",
                ReadAsCall,
                1,
            )  # a reading among two, as \phi(x): check is undecided
        if name in ALIASES:  # trace(X) is tr(X)
            yield Token.new_borrow_pos("FUNC", f"{ALIASES[name]}(", token)
            continue
        state = STATE.get()
        known = (
            name in state.declared
            or name in RESERVED
            or len(name) == 1
            or name in GREEK_LETTERS.values()
        )
        if not (is_bound or letters or state.declarations or known or name in FUNCTION_NAMES):
            guess = closest(name, FUNCTION_NAMES + tuple(ALIASES))
            hint = unknown_function_hint(name, guess)
            raise error_at(f"unknown function '{name}'{hint}", token.start_pos)
        end = token.start_pos + len(name)
        yield _token("NAME", name, token, token.start_pos, end)
        yield _token("LPAR", "(", token, end, end + 1)


def _token(type_: str, value: str, like: Token, start: int, end: int) -> Token:
    return Token(type_, value, start_pos=start, line=like.line, column=like.column, end_pos=end)


# a factor written after the right operand of these explicit operators: papers write a / 2\sigma^2
# for a / (2 σ²) and M \odot Q K^\top for M ⊙ (Q Kᵀ), which the one level of all products reads
# (a / 2) σ² and (M ⊙ Q) Kᵀ. Refused in LaTeX, and in plain text when written against the
# operand (a/2b, x'x/2n); apart from it in plain text (x'x / 2 n) read (a / b) c with a note,
# silently for a coefficient (1/2 x' A x, lambda/2 w' w). op -> its LaTeX
JUXTAPOSED_AFTER = {
    "/": "/",
    "./": "./",
    ".*": "\\odot",
    "⊙": "\\odot",
    "∘": "\\circ",
    "⊗": "\\otimes",
}


def _grouping(op: str, latex: bool) -> str:
    """The two spellings to write instead: ``a/(b c), or (a/b) c``; ``A ⊙ (B C), or (A ⊙ B) C``
    (in LaTeX with the operator's command, and ``\\frac{a}{b c}`` for a division)."""
    shown = JUXTAPOSED_AFTER[op] if latex else op
    if op == "/":
        return "a/(b c) or \\frac{a}{b c}, or (a/b) c" if latex else "a/(b c), or (a/b) c"
    return f"A {shown} (B C), or (A {shown} B) C"


def factor_after(op: str, left: ir.MExpr, end: int, factor: int, latex: bool) -> None:
    """A factor at ``factor`` after ``left``, whose last explicit operator is ``op`` and whose
    right operand ends at ``end``: refused, said or accepted as the table above says."""
    if op not in JUXTAPOSED_AFTER:
        return
    if latex or factor == end:
        raise error_at(
            f"a factor written after the right side of {JUXTAPOSED_AFTER[op] if latex else op} "
            "is ambiguous: papers mean it inside the right side, while einderiv reads products "
            f"left to right; write {_grouping(op, latex)}",
            factor,
        )
    top = left.operand if isinstance(left, ir.Neg) else left  # -n/2 log|S|
    numerator, divisor = getattr(top, "left", None), getattr(top, "right", None)
    numerator = numerator.operand if isinstance(numerator, ir.Neg) else numerator
    coefficient = isinstance(numerator, ir.Name) and isinstance(divisor, ir.Number)
    if isinstance(top, ir.Number) or isinstance(numerator, ir.Number) or coefficient:
        return  # 1/2 x' A x, 1/n sum(x), lambda/2 w' w, -n/2 log|S|: a coefficient, a product
    warnings.warn(
        f"read a {op} b c as (a {op} b) c, products left to right; write "
        f"{_grouping(op, False).split(', or ')[0]} to take the product on the right side",
        ReadAsGrouped,
        stacklevel=2,
    )
