"""LaTeX in pairs: two arguments apart by a comma, bars, and a sum's two bounds (a mixin of
``latex._Lexer``).

Input: ``\\langle``/``\\rangle`` (``⟨``/``⟩``), ``\\max``, the commas, the bars ``|`` and
norm bars ``\\|``, and ``\\sum`` of the text being lexed.
Output: the tokens plain text writes for them: ``\\langle a, b \\rangle`` -> ``sum((a) .* (b))``,
``\\max(0, u)`` and ``\\max(u, 0)`` -> ``relu(u)``; ``|X|`` -> ``BAR_OPEN``/``BAR_CLOSE``,
``\\|x\\|_1`` -> ``norm1(x)`` (``\\|x\\|^2_2`` too: the subscript is the norm's);
``\\sum_{r=0}^{k-1}`` -> ``sum_{r=0}^{k-1}``, and a sum over an index (``\\sum_j``) refused, as is
a power after a sum's body (``\\sum_{r=1}^{3} (a + r)^2``: ``no_power_after_sum``).
Invariants: a comma means something here only directly inside one of these groups (never inside
``kron(A, B)`` or ``X_{i,j}``, which are groups of their own); ``\\max`` of anything but zero
and one argument is a ``ParseError`` naming ``relu``, never another reading.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lark import Token

from einderiv.frontend import lexing
from einderiv.frontend.latex_commands import FUNCTION_WORDS, Group, plain_script
from einderiv.frontend.latex_unread import OPTIMISATION
from einderiv.frontend.refusals import INDEX_SUM, norm_script
from einderiv.ir.matrix_ops import NORM2, NORM_SUBSCRIPTS, SUM

__all__ = ["INDEX_SUM", "Pairs", "no_power_after_sum", "sum_over_product"]

_RELU = FUNCTION_WORDS["ReLU"]  # the function \max(0, u) is
_ONLY_MAX = r"only \max(0, u) and \max(u, 0) are read (as relu(u)); write relu(u)"
# the opener of \max's argument, and "0 ," first (\max(0, u)) or not (\max(u, 0))
_MAX_OPEN = re.compile(r"\s*(?:\\left\s*)?(\(|\\\{)\s*(0\s*,)?")
# what follows the comma of \max(u, 0): the zero, then the closer (spacing \, around it)
_MAX_ZERO = re.compile(r",(?:\s|\\[,;:! ])*0(?:\s|\\[,;:! ])*(?=\\right|\)|\\\})")
# a power written before a norm's subscript, \|x\|^2_2 or \|x\|^p_2 (a number or a one-letter
# scalar, never the T of a transpose): its text
_POWER_FIRST = re.compile(
    r"(?:\^\s*(?:\{\s*(\d+|[A-SU-Za-z])\s*\}|(\d|[A-SU-Za-z]))|([²³]))(?=\s*[_₁₂])"
)  # ‖X‖²_F, ‖x‖²₂ pasted: the same
# the subscript of a sum over an index, \sum_j or \sum_{i,j} (no "=": not a finite sum's bounds)
_INDEX_SUM = re.compile(r"[A-Za-z]|\{[\sA-Za-z,]*\}")
# a norm's subscript in a text font without braces round it: _\mathrm{F}, _\text F
_FONT_SCRIPT = re.compile(
    r"\s*\\(?:mathrm|text|textrm|mathit|mathsf|rm)\s*(?:\{\s*(\w+)\s*\}|(\w))"
)
# brackets (and inner products) whose commas are their own; the thin space \, is no comma
_BRACKETS = re.compile(r"\\[lr]angle|\\,|[⟨⟩()\[\]{},]")


_OPEN = {"LPAR": "RPAR", "LBRACE": "RBRACE", "LSQB": "RSQB"}
_POWER_OF_SUM = (
    "a power after a sum's body is ambiguous: in a paper \\sum_{r=1}^{3} (a + r)^2 is the sum "
    "of the squares, while to einderiv the body in parentheses ends the sum (as it prints one): "
    "write \\sum_{r=1}^{3} \\left((a + r)^2\\right) for the sum of the squares, or "
    "\\left(\\sum_{r=1}^{3} (a + r)\\right)^2 for the square of the sum"
)


def no_power_after_sum(tokens: list[Token]) -> list[Token]:
    """``tokens``, after a ``ParseError`` if a power (``^2``, ``^{-1}``) follows the body of a
    finite sum: a paper's \\sum_{r=1}^{3} (a + r)^2 is the sum of squares, where the grammar
    would square the sum; an inverse transpose (``^{-\\top}``) too. A transpose there (``^T``,
    ``^\\top``) means either (it is linear): read."""
    for at, token in enumerate(tokens):
        if token.type == "SUM_OPEN":
            upper = _closed(tokens, at) + 2  # sum_{ r = 1 } ^ upper
            body = _closed(tokens, upper) + 1 if _kind(tokens, upper) in _OPEN else upper + 1
            after = _closed(tokens, body) + 1 if _kind(tokens, body) == "LPAR" else len(tokens)
            if _kind(tokens, after) == "INV_T" or (
                _kind(tokens, after) == "CIRCUMFLEX" and not _transpose(tokens, after + 1)
            ):  # (a + r)^2, ^{-1}, ^{-\top}; never ^T, ^{T}, ^\top (a transpose: linear)
                raise lexing.error_at(_POWER_OF_SUM, tokens[after].start_pos)
    return tokens


_ENDS_PRODUCT = {"PLUS", "MINUS", "COMMA", "EQUAL"}  # at depth 0, after a sum's body


def sum_over_product(tokens: list[Token]) -> list[Token]:
    """``tokens``, with a finite sum's bracketed body run on over the rest of its product when
    that rest uses the counter: the Matrix Cookbook's ``\\sum_{r=0}^{k-1}(X^r)^T a b^T
    (X^{k-1-r})^T`` sums the whole product, as a paper's \\sum does, where the grammar's body
    is the bracket alone (and r after it is no name). A rest without the counter is left: the
    sum of (a_r) times B is the sum of (a_r B), either reading; so is a rest that sums over a
    counter of the same name (``\\sum_{r}(A^r) \\sum_{r}(B^r)``, two sums). A body with no
    bracket (Wikipedia's ``\\sum_{i=0}^{n-1} X^i A X^{n-i-1}``) is the product that follows, to
    the next + or - outside brackets, as TeX typesets it."""
    at = len(tokens) - 1
    while at >= 0:  # from the right: an inner sum's body is run on before its outer one's
        if tokens[at].type == "SUM_OPEN" and _kind(tokens, at + 1) == "NAME":
            tokens = _run_on(tokens, at, str(tokens[at + 1]))
        at -= 1
    return tokens


def _run_on(tokens: list[Token], at: int, counter: str) -> list[Token]:
    upper = _closed(tokens, at) + 2  # sum_{ r = 0 } ^ upper
    body = _closed(tokens, upper) + 1 if _kind(tokens, upper) in _OPEN else upper + 1
    bare = _kind(tokens, body) != "LPAR"  # \sum_{i=0}^{n-1} X^i A X^{n-1-i}: the product
    end = rest = body if bare else _closed(tokens, body) + 1
    depth = 0
    while end < len(tokens):
        text, kind = str(tokens[end]), tokens[end].type
        if (text and text[-1] in "({[") or kind == "BAR_OPEN":
            depth += 1
        elif text in (")", "}", "]") or kind == "BAR_CLOSE":  # |sum_r (s^r) r| t: r, not t
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and kind in _ENDS_PRODUCT and _kind(tokens, end - 1) != "CIRCUMFLEX":
            break
        end += 1
    names = [str(t) for t in tokens[rest:end] if t.type == "NAME"]
    rebound = any(
        t.type == "SUM_OPEN" and str(tokens[rest + i + 1]) == counter
        for i, t in enumerate(tokens[rest : end - 1])
    )
    if end == body or (not bare and (counter not in names or rebound)):
        return tokens
    start = tokens[body].start_pos
    opened = Token("LPAR", "(", start_pos=start, end_pos=start, line=1, column=start + 1)
    last = tokens[end - 1]
    closed = Token(
        "RPAR", ")", start_pos=last.end_pos, end_pos=last.end_pos, line=1, column=last.end_pos + 1
    )
    return tokens[:body] + [opened] + tokens[body:end] + [closed] + tokens[end:]


def _transpose(tokens: list[Token], at: int) -> bool:
    """``T`` or ``{T}`` at ``at``: the exponent of a transpose."""
    texts = [str(t) for t in tokens[at : at + 3]]
    return texts[:1] == ["T"] or texts == ["{", "T", "}"]


def _kind(tokens: list[Token], at: int) -> str:
    return tokens[at].type if at < len(tokens) else ""


def _closed(tokens: list[Token], at: int) -> int:
    """The position of the token that closes the group opened at ``at`` (``sum_{`` and
    ``exp(`` open one too); past the end when nothing closes it (the parser then says so)."""
    depth = 0
    for i in range(at, len(tokens)):
        text = str(tokens[i])
        if text and text[-1] in "({[":  # (, {, exp(, sum_{: every opener ends in its bracket
            depth += 1
        elif text in (")", "}", "]"):
            depth -= 1
            if depth == 0:
                return i
    return len(tokens)


def _top_commas(text: str, pos: int) -> int:
    """The number of commas outside any bracket from ``pos`` to the closer of the group open
    there (-1 when nothing closes it)."""
    depth, commas = 0, 0
    for found in _BRACKETS.finditer(text, pos):
        c = found.group()
        if c == "\\,":  # \max(0, 1 - y\,w^\top x): a space
            continue
        if c in ("(", "[", "{", "⟨", "\\langle"):
            depth += 1
        elif c == "," and depth == 0:
            commas += 1
        elif c != ",":
            if depth == 0:
                return commas
            depth -= 1
    return -1


class Pairs:
    """Uses the lexer's ``text``, ``pos``, ``stack``, ``emit``, ``symbol``, ``script``, ``fail``,
    ``peek`` and ``skip_space``."""

    def finite_sum(self, start: int) -> None:
        """``\\sum_{r=0}^{k-1}``: the grammar's ``sum_{`` then the bounds, as plain text has."""
        self.skip_space()
        if self.peek(False) != "_":
            self.fail(  # \sum \log(1 + e^{-y_i w^T x_i}): a sum of entries, as papers write
                r"\sum with no bounds is not read: the sum of all entries of a vector or matrix"
                r" is \operatorname{sum}(...) (\sum \log(1 + e^{u}) is"
                r" \operatorname{sum}(\log(1 + e^{u}))); a finite sum needs its bounds,"
                r" \sum_{r=0}^{k-1} \left(X^r\right)",
                start,
            )
        self.pos += 1
        self.skip_space()
        if _INDEX_SUM.match(self.text, self.pos):  # \sum_j e^{z_j}: a sum over an index
            self.fail(INDEX_SUM, start)
        if self.peek(False) != "{":
            self.fail(r"\sum needs its bounds in braces: \sum_{r=0}^{k-1}", start)
        brace = self.pos
        self.pos += 1
        self.emit("SUM_OPEN", "sum_{", start, self.pos)
        self.stack.append(Group("brace", ("RBRACE",), brace))

    def angle(self, start: int, opening: bool) -> None:
        """``\\langle a, b \\rangle`` (``⟨a, b⟩``), the inner product: ``sum((a) .* (b))``,
        which is ``a' b`` for two vectors and ``tr(A' B)`` for two matrices; an optional
        ``_F`` (Frobenius) after it is read too. The comma is ``pair_comma``'s."""
        if opening:
            self.emit("FUNC", f"{SUM.name}(", start, self.pos)
            self.symbol("(", start, self.pos)
            self.stack.append(Group("angle", (), start))
            return
        group = self.stack[-1] if self.stack else None
        if group is None or not group.kind.startswith("angle"):
            self.fail("unmatched '\\rangle': no \\langle opens it", start)
        if group.kind == "angle":
            self.fail("an inner product has two arguments: \\langle a, b \\rangle", start)
        self.stack.pop()
        self.symbol(")", start, self.pos)
        self.symbol(")", start, self.pos)
        if self.text[self.pos : self.pos + 1] == "_":
            self.pos += 1
            script, at, _ = self.script(start)
            if plain_script(script) != "F":
                self.fail(f"unknown inner product '_{script}' (use _F, or nothing)", at)

    def max_zero(self, start: int) -> None:
        """``\\max(0, u)``, ``\\max(u, 0)``, ``\\max\\{0, u\\}``: ``relu(u)``, elementwise."""
        if re.match(r"\s*_", self.text[self.pos :]):  # \max_{w} f: not an expression
            self.fail(f"\\max_{{...}}: {OPTIMISATION}", start)
        found = _MAX_OPEN.match(self.text, self.pos)
        if found is None or _top_commas(self.text, found.end()) != (0 if found[2] else 1):
            self.fail(_ONLY_MAX, start)
        self.pos = found.end()
        self.emit("FUNC", f"{_RELU}(", start, self.pos)
        kind = "paren" if found.group(1) == "(" else "brace"
        self.stack.append(Group(kind, ("RPAR",), start, then="" if found[2] else "max"))

    def pair_comma(self, start: int) -> bool:
        """A comma directly inside ``\\langle ... \\rangle`` separates its two arguments:
        ``) .* (``; the comma of ``\\max(u, 0)`` ends ``u`` (the zero is skipped). False for
        any other comma (``kron(A, B)``, ``X_{i,j}``)."""
        group = self.stack[-1] if self.stack else None
        if group is not None and group.then == "max":  # \max(u, 0): relu(u)
            zero = _MAX_ZERO.match(self.text, start)
            if zero is None:
                self.fail(_ONLY_MAX, start)
            self.pos = zero.end()
            self.stack[-1] = replace(group, then="")
            return True
        if group is None or not group.kind.startswith("angle"):
            return False
        if group.kind != "angle":
            self.fail("an inner product has two arguments: \\langle a, b \\rangle", start)
        self.pos += 1
        self.stack[-1] = Group("angle,", (), group.start)
        self.symbol(")", start, self.pos)
        self.symbol(".*", start, self.pos)
        self.symbol("(", start, self.pos)
        return True

    def bars(self, start: int) -> None:
        """``|`` (``bar``), or ``||`` as plain text reads it: it closes a norm after an operand;
        it is two bars after an operand inside bars (``|A||X|`` is det(A) det(X)) or where no
        later ``||`` or ``‖`` could close a norm (``||X| A|``); it opens a norm otherwise."""
        if not self.text.startswith("||", start):
            self.pos = start + 1
            self.bar(start)
            return
        top = self.stack[-1].kind if self.stack else None
        ends = bool(self.out) and self.out[-1].type in lexing.ENDS_OPERAND
        rest = self.text[start + 2 :]
        if (top == "bar" and ends) or (top != "norm" and "||" not in rest and "‖" not in rest):
            self.pos = start + 1
            self.bar(start)
            self.pos = start + 2
            self.bar(start + 1)
            return
        self.pos = start + 2
        self.norm(start)

    def bar(self, start: int, side: str = "") -> None:
        """``|`` opens outside bars and after an operator; after an operand it closes."""
        inside = bool(self.stack) and self.stack[-1].kind == "bar"
        ends_operand = bool(self.out) and self.out[-1].type in lexing.ENDS_OPERAND
        if side == "close" or (side == "" and inside and ends_operand):
            if not inside:
                self.fail("unmatched '|': no bar opens it", start)
            if self.stack.pop().then == "log":  # \log|X|^2: the log's power or the power's log?
                lexing.no_power_of_log_bars(self.text, self.pos)
            self.emit("BAR_CLOSE", "|", start, self.pos)
        else:
            self.stack.append(Group("bar", (), start))
            self.emit("BAR_OPEN", "|", start, self.pos)

    def norm(self, start: int, side: str = "") -> None:
        """``\\|x\\|``, ``||x||``, ``\\|x\\|_2``, ``\\|X\\|_F``: norm2; ``\\|x\\|_1``: norm1."""
        inside = bool(self.stack) and self.stack[-1].kind == "norm"
        ends_operand = bool(self.out) and self.out[-1].type in lexing.ENDS_OPERAND
        if side == "open" or not (inside and (side == "close" or ends_operand)):
            self.emit("FUNC", f"{NORM2.name}(", start, self.pos)  # \\|x\\| is norm2(x)
            self.stack.append(Group("norm", (), start, opener=len(self.out) - 1))
            return
        group = self.stack.pop()
        self.emit("RPAR", ")", start, self.pos)
        pasted = self.text[start] == "‖" and norm_script(self.text, group.start, self.pos)
        if pasted:  # \frac{1}{2}‖X‖F: copied from a PDF (in LaTeX source, \|X\|F is X's norm F)
            self.fail(pasted, self.pos)
        power = _POWER_FIRST.match(self.text, self.pos)  # \|x\|^2_2: the subscript is the norm's
        if power is not None:
            self.pos = power.end()
        sub = self.text[self.pos : self.pos + 1]
        if sub in ("_", "₁", "₂"):  # \frac{1}{2}‖x‖₂²: a subscript digit pasted in LaTeX too
            self.pos += 1
            font = _FONT_SCRIPT.match(self.text, self.pos)  # \|X\|_\mathrm{F}: no braces round
            if sub != "_":
                script, at = "12"["₁₂".index(sub)], self.pos - 1
            elif font is not None:
                script, at, self.pos = font[1] or font[2], self.pos, font.end()
            else:
                script, at, _ = self.script(start)
            kind = NORM_SUBSCRIPTS.get(plain_script(script))
            if kind is None:
                self.fail(f"unknown norm '_{script}' (use _2, _F or _1)", at)
            if kind not in self.functions:
                self.fail(f"the function '{kind}' is not available", at)
            opener = self.out[group.opener]
            self.out[group.opener] = Token.new_borrow_pos("FUNC", f"{kind}(", opener)
        if power is not None:
            written = power.group(1) or power.group(2) or "23"["²³".index(power.group(3))]
            self.emit_power(written, power.start())
