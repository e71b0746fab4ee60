"""Text to matrix IR: the parser of SPEC section 1 (expressions) and of ``where`` declarations.

Input: a string in the expression language (``tr(X' A X)``, ``log|X| + x' inv(S) x``) or a
declaration list (``X: matrix(m, n); S: symmetric(n)``).
Output: a ``matrix_ir`` expression (``parse_expression``) or ``Decl`` s (``parse_declarations``).
Stages, in import order: ``lexing`` (the parse's state, the post-lexer: bars and ``name(``) ->
``declarations`` (the ``where`` rules) -> ``parse_errors`` (lark's errors to ``ParseError``) ->
this module (the grammar, the expression rules, the entry points).
Invariants:
* the grammar is ``grammar/einderiv.lark``, loaded once, LALR; the transformer runs inside the
  parser, so no parse tree is built and nothing recurses on deep input; ``lalr`` runs lark's
  tables with a tighter loop (same tokens, same callbacks, same errors);
* every node that has a ``span`` gets the (start, end) offsets of its source text;
* numbers are exact ``Fraction`` s; ``-2`` is ``Number(-2)`` and a quotient of two number literals
  (``1/3``) is one ``Number``, so ``show`` output reads back to the same tree; ``-A`` is ``Neg``;
* any string either parses or raises an ``EinderivError`` (``ParseError`` with line, column,
  caret and expected tokens for syntax errors); a tree nested deeper than ``MAX_DEPTH`` (a flat
  chain ``a + b + c`` one level) or higher than ``depth.MAX_HEIGHT`` is refused, so later
  recursive passes never hit ``RecursionError``.
"""

from __future__ import annotations

import re
import sys
from fractions import Fraction

from lark import Lark, Token
from lark.exceptions import UnexpectedInput

from einderiv.errors import ParseError
from einderiv.frontend import latex, letters, misreadings
from einderiv.frontend.declarations import DeclarationRules
from einderiv.frontend.depth import MAX_DEPTH, MAX_HEIGHT, refuse_too_deep
from einderiv.frontend.grammar_file import grammar_text
from einderiv.frontend.lalr import fast_parse, plain_rule_names
from einderiv.frontend.lexing import (
    CALLED_NAMES,
    PASTED,
    RESERVED,
    STATE,
    ParseState,
    PostLexer,
    error_at,
    superscript_value,
)
from einderiv.frontend.norm_scripts import subscript_first
from einderiv.frontend.parse_errors import from_lark
from einderiv.ir import matrix_ir as ir
from einderiv.ir.matrix_ops import INV, KRON, NORM2, NORM_SUBSCRIPTS

__all__ = ["MAX_DEPTH", "parse_declarations", "parse_expression"]

_NOT_SUMMATION_VARIABLES = {**RESERVED, "T": "in an exponent T means transpose"}
_FLOAT_MAX = Fraction(sys.float_info.max)
_STARS = re.compile(r"(?<!_\{)\*\*")  # ** (not K_{**}, a label)
_LABEL = re.compile(r"\^\s*\{\s*\(\s*(\w+)\s*\)\s*\}")  # W^{(1)}


class _S:
    """A node under construction with the source span it covers (parentheses included)."""

    __slots__ = ("depth", "end", "node", "op", "start")

    def __init__(self, node, start: int, end: int, depth: int, op: str | None = None):
        self.node, self.start, self.end, self.depth = node, start, end, depth
        if depth > MAX_HEIGHT:  # refused now, not after the rest (1 MB of a chain: minutes)
            refuse_too_deep(node, depth, STATE.get().what)
        self.op = op  # the explicit operator written last at its top (a / b: "/"), if any


def _start(c) -> int:
    return c.start_pos if isinstance(c, Token) else c.start


def _end(c) -> int:
    return c.end_pos if isinstance(c, Token) else c.end


def _binary(cls):
    def build(self, children):
        left, right = (c for c in children if isinstance(c, _S))
        start, end = _start(children[0]), _end(children[-1])
        node = _fold(cls, left.node, right.node) or cls(left.node, right.node, span=(start, end))
        op = next((c.value for c in children if isinstance(c, Token)), None)
        return _S(node, start, end, 1 + max(left.depth, right.depth), op)

    return build


def _fold(cls, left, right):
    """``1/3`` is the number 1/3 (so that ``show`` of a fraction reads back)."""
    numbers = isinstance(left, ir.Number) and isinstance(right, ir.Number)
    if cls is ir.Div and numbers and right.value != 0:
        return ir.Number(left.value / right.value)
    return None


def _index_of(c):
    return c if isinstance(c, tuple) else c.value


def _exponent(base, exponent, span, base_end=None):
    """``X^T`` is a transpose, ``X^-T`` the transposed inverse, unless ``T`` is declared an
    integer (SPEC 6.3: a declared integer is a power, never the transpose); ``X^H`` refused."""
    transpose = "T" not in STATE.get().integers
    misreadings.conjugate_transpose(exponent, span[0])  # X^H: refused, X^T suggested
    misreadings.transpose_letter(base, exponent)  # X^{T-1}: T an integer, said
    match exponent:
        case ir.Name(name="T") if transpose:
            return ir.Transpose(misreadings.transposed(base, span[0], base_end), span=span)
        case ir.Neg(operand=ir.Name(name="T")) if transpose:
            return ir.Transpose(ir.inverse(base, span=span), span=span)
        case ir.Number(value=-1):
            return ir.inverse(base, span=span)
    return ir.Power(base, exponent, span=span)


class _Build(DeclarationRules):
    """Callbacks of the LALR parser: each rule's children (tokens and ``_S``) to an ``_S``; the
    declaration rules come from ``declarations.DeclarationRules``."""

    add = _binary(ir.Add)
    sub = _binary(ir.Sub)
    _matmul = _binary(ir.MatMul)
    dot = _binary(ir.Dot)  # a · b: a' b for two columns (shape inference decides)
    hadamard = _binary(ir.Hadamard)
    elemdiv = _binary(ir.ElemDiv)
    div = _binary(ir.Div)
    elempow = _binary(ir.ElemPow)

    def matmul(self, children):
        """``A B``, ``A * B``; side by side, ``a / 2 \\sigma^2`` and ``X 1`` are misreadings."""
        if len(children) == 2:
            misreadings.juxtaposed(*children)
        return self._matmul(children)

    def power(self, children):
        base, exponent = children[0], children[-1]
        misreadings.power_tower(base, exponent)  # X^2^3, X^(-1)^2, X^T^T: refused
        span = (base.start, exponent.end)
        node = _exponent(base.node, exponent.node, span, base.end)
        if isinstance(node, ir.Power):
            return _S(node, *span, 1 + max(base.depth, exponent.depth), "^")
        twice = isinstance(node, ir.Transpose) and node.operand is not base.node
        return _S(node, *span, base.depth + 1 + twice)

    def neg(self, children):
        minus, operand = children
        span = (minus.start_pos, operand.end)
        if isinstance(operand.node, ir.Number):
            return _S(ir.Number(-operand.node.value), *span, operand.depth)
        return _S(ir.Neg(operand.node, span=span), *span, operand.depth + 1, operand.op)

    def transpose(self, children):
        operand, op = children[0], children[-1]  # X', X.T, Xᵀ, X⊤, X^⊤ and X^{⊤} (^ kept)
        span = (operand.start, op.end_pos)
        node = ir.Transpose(misreadings.transposed(operand.node, span[0], operand.end), span=span)
        return _S(node, *span, operand.depth + 1)

    def superscript(self, children):
        operand, sup = children
        span = (operand.start, sup.end_pos)
        exponent = ir.Number(Fraction(superscript_value(sup.value)))
        node = _exponent(operand.node, exponent, span)
        return _S(node, *span, operand.depth + 1)

    def inverse_transpose(self, children):
        operand, op = children[0], children[-1]  # X⁻ᵀ, X^-⊤, X^{-⊤} (all tokens kept)
        span = (operand.start, op.end_pos)
        node = ir.Transpose(ir.inverse(operand.node, span=span), span=span)
        return _S(node, *span, operand.depth + 2)

    def entry(self, children):
        base, _, indices, close = children
        span = (base.start, close.end_pos)
        names = tuple(indices)
        if isinstance(base.node, ir.Name) and base.node.name == "delta":
            if len(names) < 2:
                raise error_at(f"delta takes two or more indices, not {len(names)}: delta[i,j] "
                               r"(\delta_{i,j} in LaTeX)", base.start)  # fmt: skip
            return _S(ir.KDelta(names, span=span), *span, 1)
        return _S(ir.Entry(base.node, names, span=span), *span, base.depth + 1)

    def indices(self, children):
        return [_index_of(c) for c in children if isinstance(c, tuple) or c.type == "NAME"]

    def compound(self, children):
        """``(i,j)``: a compound index, kept as the tuple of its two indices."""
        return tuple(_index_of(c) for c in children if isinstance(c, tuple) or c.type == "NAME")

    def name(self, children):
        (token,) = children
        span, name = (token.start_pos, token.end_pos), token.value
        if name in CALLED_NAMES and name not in STATE.get().declared:  # exp alpha, norm x
            raise error_at(f"'{name}' is a function: write {name}(...)", token.start_pos)
        node = letters.named(name, span)  # I_n (plain or LaTeX), I: sizes written or not
        return _S(node, *span, 1)

    def number(self, children):
        (token,) = children
        dot = token.value[0] == "." and token.start_pos > 0  # .3 right after 1.2 (1.2.3)?
        if dot and STATE.get().text[token.start_pos - 1] in "0123456789.":
            raise error_at("two numbers written together: a number has one decimal point",
                           token.start_pos)  # fmt: skip
        mantissa, _, power = token.value.lower().partition("e")
        if len(mantissa) > 400 or len(power) > 5 or (power and abs(int(power)) > 1000):
            raise error_at(f"the number {token.value[:20]}... is out of range", token.start_pos)
        value = Fraction(token.value)
        if abs(value) > _FLOAT_MAX:  # evaluation is float64: 1e400 would overflow there
            too_large = f"the number {token.value[:20]} is too large for float64 (at most 1.8e308)"
            raise error_at(too_large, token.start_pos)
        return _S(ir.Number(value), token.start_pos, token.end_pos, 1)

    def group(self, children):
        open_, inner, close = children
        return _S(inner.node, open_.start_pos, close.end_pos, inner.depth)

    def call(self, children):
        func, close = children[0], children[-1]
        args = [c for c in children if isinstance(c, _S)]
        fn = func.value[:-1].rstrip()
        span = (func.start_pos, close.end_pos)
        arity = ir.ARITY.get(fn, 1)
        if len(args) != arity:  # the caret at the first extra ',' or at the early ')'
            words = {1: "one argument", 2: "two arguments"}
            commas = [c for c in children if isinstance(c, Token) and c.value == ","]
            place = commas[arity - 1] if len(args) > arity else close
            norms = fn == NORM2.name and len(args) == 2  # norm(x, 1): which norm is meant
            raise error_at(
                f"{fn} takes {words[arity]}, not {len(args)}"
                + (f": write {fn}(A, B)" if arity == 2 else "")
                + (": the 1-norm is norm1(x), the 2-norm norm2(x)" if norms else ""),
                place.start_pos,
                ("')'",) if len(args) > arity else ("','",),
            )
        depth = 1 + max(a.depth for a in args)
        if fn == INV.name:  # inv(X) is X^-1; not inv(A[i,j]) (``misreadings``)
            node = ir.inverse(misreadings.inverse_of_entries(args[0].node, span[0]), span=span)
            return _S(node, *span, depth)
        return _S(ir.Call(fn, tuple(a.node for a in args), span=span), *span, depth)

    def kron(self, children):
        """``A ⊗ B`` is ``kron(A, B)``."""
        left, right = (c for c in children if isinstance(c, _S))
        span = (left.start, right.end)
        node = ir.Call(KRON.name, (left.node, right.node), span=span)
        return _S(node, *span, 1 + max(left.depth, right.depth), "⊗")

    def bar(self, children):
        open_, inner, close = children
        span = (open_.start_pos, close.end_pos)
        return _S(ir.Bars(inner.node, span=span), *span, inner.depth + 1)  # det or abs

    def norm(self, children):
        """``‖x‖``, ``||x||_2``, ``||X||_F``: norm2; ``||x||_1``: norm1."""
        open_, inner = children[:2]
        sub = children[3].value.strip("_{}") if len(children) == 4 else "2"
        fn = NORM_SUBSCRIPTS[sub]  # the grammar admits only the registry's subscripts
        span = (open_.start_pos, children[-1].end_pos)
        return _S(ir.Call(fn, (inner.node,), span=span), *span, inner.depth + 1)

    def logbar(self, children):
        func, inner, close = children
        span = (func.start_pos, close.end_pos)
        det = ir.Bars(inner.node, span=(func.end_pos - 1, close.end_pos))  # log|X|, log|a|
        return _S(ir.Call("log", (det,), span=span), *span, inner.depth + 2)

    def finite_sum(self, children):
        open_, var, close = children[0], children[1], children[-1]
        lower, upper, body = (c for c in children if isinstance(c, _S))
        if var.value in _NOT_SUMMATION_VARIABLES:
            what = _NOT_SUMMATION_VARIABLES[var.value]
            raise error_at(f"'{var.value}' cannot be a summation variable ({what})", var.start_pos)
        span = (open_.start_pos, close.end_pos)
        node = ir.FiniteSum(var.value, lower.node, upper.node, body.node, span=span)
        return _S(node, *span, 1 + max(lower.depth, upper.depth, body.depth))


_LARK = Lark(
    grammar_text(),
    start=["expression", "declarations"],
    parser="lalr",
    lexer="contextual",
    transformer=_Build(),
    postlex=PostLexer(),
    keep_all_tokens=True,
    maybe_placeholders=False,
)


plain_rule_names(_LARK)
_TUNED, _RUN = _LARK, fast_parse(_LARK)  # lark's tables, run by a tighter loop (``lalr``)


# the grammar's terminals for fixed strings ("(" -> "LPAR", ".*" -> "__ANON_0"): the LaTeX lexer
# emits the same terminals as lark's lexer
_SYMBOLS = {t.pattern.value: t.name for t in _LARK.terminals if t.pattern.type == "str"}


def _parse(text: str, start: str, state: ParseState):
    if not isinstance(text, str):
        raise TypeError(f"expected a string to parse, got {type(text).__name__}")
    reset = STATE.set(state)
    try:
        if start == "expression" and state.latex:  # read once, by parse_expression
            return _parse_tokens(latex.tokens(text, _SYMBOLS))
        if _RUN is not None and _LARK is _TUNED:
            return _RUN(text, start)
        return _LARK.parse(text, start=start)
    except UnexpectedInput as e:
        raise from_lark(e, text, _LARK.terminals) from None
    finally:
        STATE.reset(reset)


def _parse_tokens(tokens) -> _S:
    """Feed tokens made by another lexer (LaTeX) to the same LALR parser and tree builder."""
    parser = _LARK.parse_interactive("", start="expression")
    for token in tokens:
        parser.feed_token(token)
    return parser.feed_eof(tokens[-1] if tokens else None)


def parse_expression(
    text: str,
    *,
    declared: frozenset[str] = frozenset(),
    what: str = "expression",
    integers: frozenset[str] = frozenset(),
) -> ir.MExpr:
    """Parse ``text`` (SPEC section 1) to matrix IR.

    ``declared`` names written against ``(`` are products (``a(b+c)``), as single letters are;
    ``what`` names the text in error messages ("expression", "claim", ...); ``integers`` are
    the names declared ``integer`` (``X^T`` is a power when ``T`` is one of them).
    Raises ``ParseError`` for bad syntax, ``EinderivError`` for a tree too deep (``depth``).
    """
    if isinstance(text, str) and not text.isascii():  # x − y pasted from a PDF: x - y
        text = text.translate(PASTED)  # one character for one: carets stay in place
    is_tex = isinstance(text, str) and latex.is_latex(text)
    state = ParseState(text, what, frozenset(declared), False, frozenset(integers), is_tex)
    if isinstance(text, str) and not text.strip():
        raise ParseError(f"empty {what}", text=text, what=what)
    stars = _STARS.search(text) if isinstance(text, str) and "**" in text else None
    if stars is not None:  # not K_{**}, a label (R&W's test points)
        _refuse(state, "'**' is not an operator: write ^ for a matrix power (X^2) or .^ for an "
                "elementwise power (x .^ 2)", stars.start())  # fmt: skip
    label = _LABEL.search(text) if isinstance(text, str) and "^" in text else None
    if label is not None and not is_tex:  # W^{(1)}: a label or a power?
        script = label.group(1)
        _refuse(
            state,
            f"^{{({script})}} is a label or a power: write a label as a subscript (W_{script}) "
            f"or a power as ^{script} (W^{script}); in LaTeX it is read as a label",
            label.start(),
        )
    read = text if is_tex else subscript_first(text)  # ‖X‖²_F: ‖X‖_F² (carets: the user's)
    result = _parse(read, "expression", state)
    refuse_too_deep(result.node, result.depth, what)  # sin(sin(...)) 401 deep; a + b + c: 1
    return result.node


def _refuse(state: ParseState, message: str, at: int):
    """Raise a ``ParseError`` with ``message`` and a caret at offset ``at`` of the text."""
    reset = STATE.set(state)
    try:
        raise error_at(message, at)
    finally:
        STATE.reset(reset)


def parse_declarations(text: str) -> tuple[ir.Decl, ...]:
    """Parse ``where`` declarations: ``X: matrix(m, n); S: symmetric(n); k: integer``.

    Separated by ``;`` or new lines; ``X, Y: matrix(n, n)`` declares both; kinds without
    dimensions (``matrix``) leave them to inference; ``symmetric(n)`` has dims ``(n, n)``.
    Raises ``ParseError`` (with a caret) for bad syntax, unknown kinds, wrong dimension counts,
    zero dimensions, reserved or duplicate names.
    """
    if isinstance(text, str) and not text.strip():
        return ()
    return _parse(text, "declarations", ParseState(text, "declarations", frozenset(), True))
