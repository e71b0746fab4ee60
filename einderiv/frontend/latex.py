"""LaTeX input: a lexer that reads LaTeX math into the grammar's own tokens (SPEC 6.2).

Input: a text containing a backslash command, as pasted from a paper
(``\\frac{1}{2}\\|\\mathbf{X}\\mathbf{w} - \\mathbf{y}\\|_2^2``, ``\\log\\det(\\Sigma)``).
Output: lark ``Token`` s of ``grammar/einderiv.lark`` (``NAME``, ``FUNC``, ``TOP`` ...), which
``parse`` feeds to the LALR parser of plain text; or a ``ParseError`` at the offending command.
Invariants:
* every token keeps offsets into the text as the user typed it, so each caret points at the
  LaTeX source; tokens the lexer adds (the parentheses of ``\\frac``, the ``)`` closing
  ``\\log x``) sit at the place they stand for;
* letters written together are separate symbols, as LaTeX typesets them (``Ax`` is ``A x``); a
  longer name is written ``\\mathrm{name}`` or with a subscript (``W_1``); a run of letters that
  spells a function or a Greek letter without its backslash is an error, never a product, and
  so are letters with digits (``W1``) unless declared;
* one pass, left to right, with a stack of open groups; a second pass closes the argument of a
  function written without parentheses (``\\log\\det\\Sigma``: the next symbol, with its
  superscripts);
* an unknown command is a ``ParseError`` naming it; nothing is ever skipped silently except the
  spacing commands and the ``\\left.``/``\\right.`` null delimiters.
"""

from __future__ import annotations

import re

from lark import Token

from einderiv.frontend import latex_commands, latex_notes, lexing
from einderiv.frontend.latex_calls import close_bare_calls
from einderiv.frontend.latex_commands import FUNCTION_WORDS, GREEK, TRANSPOSE, Commands, Group
from einderiv.frontend.latex_entries import Entries
from einderiv.frontend.latex_pairs import INDEX_SUM, Pairs, no_power_after_sum, sum_over_product
from einderiv.frontend.latex_unread import closing_punctuation, double_superscript
from einderiv.frontend.latex_words import Words
from einderiv.frontend.lexing import error_at
from einderiv.frontend.misreadings import left_division
from einderiv.frontend.parse_errors import barred_placeholder
from einderiv.ir.matrix_ops import SIZED_LETTERS, SUM

__all__ = ["is_latex", "tokens"]


def is_latex(text: str) -> bool:
    """Whether ``text`` is LaTeX: a backslash command (SPEC 6.2), or a braced subscript."""
    return ("\\" in text or "_" in text) and _LATEX_MARK.search(text) is not None


_CALLED = re.compile(r" *(?:\\!\s*)*(?:\(|\\left\s*\(|\\[bB]igg?l?\s*\()")  # h\!\left(x\right)
_DIGITS = frozenset("0123456789")  # str.isdigit also takes ², which no number holds
# a roman subscript, d_{\mathrm{k}}, d_{\text{model}}: a label of the name (as printed), never an index
_ROMAN = re.compile(r"\s*\\(?:mathrm|text|textrm|operatorname)\s*\{\s*(\w+(?:\\_\w+)*)\s*\}\s*")
# a command; a braced subscript of a one-letter name (W_{1}: plain text has only sum_{r=0})
_LATEX_MARK = re.compile(r"\\(?:[A-Za-z]+|[,;:!>| {}])|_\s*\{[^{}]*,|(?<![\w\\])[A-Za-z]_\{")


class _Lexer(Commands, Words, Entries, Pairs):
    """One LaTeX text to tokens (see the module docstring)."""

    def __init__(self, text: str, symbols: dict[str, str]):
        self.text = text
        self.pos = 0
        self.out: list[Token] = []
        self.stack: list[Group] = []
        self.symbols = symbols  # "(" -> "LPAR", ...: the grammar's anonymous terminals
        self.functions = set(lexing.FUNCTION_NAMES)
        self.said: set = set()  # the names a note was given for (latex_notes): once each
        self.ahead: dict[int, int] = {}  # W^Q_i: the subscript's '_' -> its end (read with W)

    # ---- emitting ------------------------------------------------------------------------

    def emit(self, type_: str, value: str, start: int, end: int) -> Token:
        token = Token(type_, value, start_pos=start, end_pos=end, line=1, column=start + 1)
        self.out.append(token)
        return token

    def symbol(self, text: str, start: int, end: int) -> Token:
        return self.emit(self.symbols[text], text, start, end)

    def fail(self, message: str, at: int):
        raise error_at(message, at)

    # ---- reading -------------------------------------------------------------------------

    def peek(self, skip_space: bool = True) -> str:
        if skip_space:
            self.skip_space()
        return self.text[self.pos : self.pos + 1]

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n~":
            self.pos += 1

    def command(self) -> tuple[str, int]:
        """The command at ``pos`` (which is a backslash): its name and start; ``pos`` after it."""
        start = self.pos
        match = re.compile(r"\\([A-Za-z]+|.)").match(self.text, self.pos)
        if match is None:
            self.fail("a backslash must start a LaTeX command", start)
        self.pos = match.end()
        name, digits = match.group(1), re.compile(r"\d+[A-Za-z]*").match(self.text, self.pos)
        if digits and (name in FUNCTION_WORDS or name in GREEK):  # never \log(1) p, \alpha 1
            fix = rf"\{name}_{{{digits.group()}}}" if name in GREEK else None
            fix = fix or rf"\operatorname{{{name}{digits.group()}}}"
            self.fail(f"'\\{name}{digits.group()}': write {fix}", start)
        return name, start

    def braced_raw(self) -> tuple[str, int, int]:
        """The raw text of a ``{...}`` group at ``pos`` (nested braces kept), and its span."""
        self.skip_space()
        start = self.pos
        if self.peek(False) != "{":
            self.fail("expected '{'", start)
        i = self.closing_braces().get(start)
        if i is None:
            self.fail("unmatched '{': no '}' closes it", start)
        self.pos = i + 1
        return self.text[start + 1 : i], start, i + 1

    def closing_braces(self) -> dict[int, int]:
        """The position of the ``}`` that closes each ``{`` of the text, found in one pass (so
        nested groups cost linear time, not a scan of the rest of the text per group)."""
        found = self.__dict__.get("_closing")
        if found is None:
            found, open_at = {}, []
            for match in re.finditer(r"[{}]", self.text):
                if match.group() == "{":
                    open_at.append(match.start())
                elif open_at:
                    found[open_at.pop()] = match.start()
            self.__dict__["_closing"] = found
        return found

    # ---- the main loop -------------------------------------------------------------------

    def run(self) -> list[Token]:
        if (placeholder := barred_placeholder(self.text)) is not None:
            raise placeholder  # \|\cdot\|: a placeholder, not bars that nothing closes
        while True:
            self.skip_space()
            if self.pos >= len(self.text):
                break
            self.step()
        for group in reversed(self.stack):
            named = {"bar": "'|'", "norm": "'\\|'", "angle": "'\\langle'", "angle,": "'\\langle'"}
            opener = re.match(
                r"\\[A-Za-z]+\s*(?:\\[{|]|[(\[|])?|\\[{}]|.", self.text[group.start :]
            )
            what = named.get(group.kind, f"'{opener.group()}'")  # '(', '\left\{', '\{
            self.fail(f"unmatched {what}: nothing closes it", group.start)
        return close_bare_calls(self.out, self.symbols)

    def step(self) -> None:
        c, start = self.text[self.pos], self.pos
        if c == "\\":
            name, start = self.command()
            if name == " ":  # A \ b: MATLAB's left division, unless the text is LaTeX
                left_division(self.text, start)
            self.on_command(name, start)
        elif not c.isascii():
            self.unicode(c, start)
        elif c.isalpha():
            self.letters()
        elif c.isdigit() or (c == "." and self.text[start + 1 : start + 2] in _DIGITS):
            self.number(start)
        elif c == "^":
            self.pos += 1
            self.superscript(start)
        elif c == "_" and start in self.ahead:  # W^Q_i: the subscript, read with W
            self.pos = self.ahead.pop(start)
        elif c == "_" and self.out and self.out[-1].type == "RPAR" and self.text[start - 1] == ")":
            self.pos += 1
            self.entry_subscript(start)
        elif c == "_":
            self.fail("a subscript must follow a name (W_1) or a norm (\\|x\\|_2)", start)
        elif c == "|":
            self.bars(start)
        elif c in "{([":
            self.pos += 1
            self.open_group(c, start)
        elif c in "})]":
            self.pos += 1
            self.close_group(c, start)
        elif self.text.startswith((".*", "./", ".^"), start):
            self.pos += 2
            self.symbol(self.text[start : start + 2], start, self.pos)
        elif (said := closing_punctuation(self.text, start)) or c in "&$":  # \tr(AX).
            self.fail(f"'{c}' is not part of a formula ({said or 'paste the math only'})", start)
        elif c == "," and self.pair_comma(start):
            pass
        elif c in "+-*/@',=":
            self.pos += 1
            self.symbol(c, start, self.pos)
        else:
            self.fail(f"unexpected character {c!r}", start)

    def unicode(self, c: str, start: int) -> None:
        """Unicode in LaTeX text, read as in plain text: ``λ``, ``Xᵀ``, ``X⁻¹``, ``‖x‖``, ``⊙``."""
        sup = re.compile(r"⁻ᵀ|⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+").match(self.text, start)
        self.pos = sup.end() if sup else start + 1
        if c in lexing.GREEK_LETTERS:
            self.pos = start + 1
            self.greek(lexing.GREEK_LETTERS[c], start)
        elif c in "ᵀ⊤":
            self.emit("TOP", c, start, self.pos)
        elif sup is not None:
            kind = "INV_T" if sup.group() == "⁻ᵀ" else "SUP"
            self.emit(kind, sup.group(), start, self.pos)
        elif c == "‖":
            self.norm(start)
        elif c in "⟨⟩":
            self.angle(start, c == "⟨")
        elif c in "⊙∘·⋅":
            self.symbol(".*" if c in "⊙∘" else "·", start, self.pos)
        else:
            self.unexpected(c, start)

    # ---- names ---------------------------------------------------------------------------

    def letters(self) -> None:
        start = self.pos
        word = re.compile(r"[A-Za-z][A-Za-z0-9]*").match(self.text, start).group()  # log1p
        if word not in FUNCTION_WORDS and word not in self.functions:
            word = re.compile(r"[A-Za-z]+\d*").match(self.text, start).group()
        match = re.compile(r"[A-Za-z]+(\d*)").match(word)
        after = start + len(word)
        paren = _CALLED.match(self.text, after)
        if len(word) > 1 and word in FUNCTION_WORDS | dict.fromkeys(self.functions):
            if paren:  # tr(X), norm2(x): the call, its "(" read here
                self.pos = paren.end()
                self.call(FUNCTION_WORDS.get(word, word), start)
                return
            if word == SUM.name and re.compile(r"\s*_").match(self.text, after):  # sum_{i,j} X
                self.fail(INDEX_SUM, start)
            fix = rf"\operatorname{{{word}}}" if match.group(1) else f"\\{word}"
            self.fail(f"'{word}' reads as the letters {' '.join(word)}: write {fix}", start)
        if match.group(1):  # W1: one declared name, else refused (never W times 1)
            if word in getattr(lexing.STATE.get(None), "declared", ()):
                self.pos = after
                self.name(word, start)
                return
            letters = word[: match.start(1)]
            self.fail(f"'{word}' reads as {letters} times {match.group(1)} in LaTeX: write "
                      f"{letters}_{match.group(1)} for a name (or declare {word})", start)  # fmt: skip
        word = word[: match.start(1)]
        if len(word) > 1 and (word in GREEK or word in lexing.RESERVED):
            self.fail(f"'{word}' reads as the letters {' '.join(word)}: write \\{word}", start)
        for i, letter in enumerate(word):  # separate symbols, as LaTeX typesets them
            self.pos = start + i + 1
            if letter == "e" and i == len(word) - 1 and self.euler(start + i):  # e^{u}: exp(u)
                return
            if i == len(word) - 1:  # h(\mathbf{x}), f'(x): said; E\left[x\right]: refused
                self.last_letter(letter, after, paren, start + i)
            self.name(letter, start + i, subscript=(i == len(word) - 1))

    def named(self, name: str, start: int, subscript: bool = True) -> None:
        """A symbol; a subscript that follows makes it part of the name (``W_1``, ``I_n``); see
        ``Entries.name`` for one written after a superscript (``W^Q_i``)."""
        end = self.pos
        if subscript and self.text[self.pos : self.pos + 1] == "_":
            under = self.pos
            self.pos += 1
            script, opened, end = self.script(start)
            script, end = self.unbraced_letters(name, script, opened, end)  # A_ji by X_ij
            plain = latex_commands.plain_script(script)  # K_{\mathrm{d1},3}
            sizes = re.fullmatch(r"\s*(\w+)\s*,\s*(\w+)\s*", plain)
            if name in SIZED_LETTERS and sizes:  # K_{m,n} is commutation(m, n)
                self.sized_call(SIZED_LETTERS[name], sizes.groups(), start, end)
                return
            roman = _ROMAN.fullmatch(script)  # d_{\mathrm{k}}: a label, never an index
            if roman:
                script = roman.group(1)
            elif self.is_entry(name, script):  # W_{a,b}, \delta_{i,j}, \mathbf{1}_{a}: W[a,b]
                self.entry(name, script, (start, opened, end, under))
                return
            script = latex_notes.name_script(name, script, start, self.said)  # W_{1\_2}, k_*
            named = f"{name}_{script}" in getattr(lexing.STATE.get(None), "declared", ())
            if name in ("I", "1") and not named:  # I_n, \mathbf{1}_3: of that size
                self.sized(name, script, start, end)
                return
            if not roman:  # A_{ji}: not A_{j,i} (W_{\mathrm{in}} is a label, as printed)
                latex_notes.say_index_name(name, script, self.said)
            name = f"{name}_{script}"
        self.emit("NAME", {"1": "ones"}.get(name, name), start, end)

    def script(self, at: int) -> tuple[str, int, int]:
        """A sub- or superscript's raw text: ``{...}``, a command, or one character."""
        self.skip_space()
        if self.peek(False) == "{":
            return self.braced_raw()
        start = self.pos
        if self.peek(False) == "\\":
            name, start = self.command()
            return "\\" + name + self.font_t(name), start, self.pos
        if self.pos >= len(self.text):
            self.fail("a script needs something after '_' or '^'", at)
        self.pos += 1
        return self.text[start], start, self.pos

    def superscript(self, at: int) -> None:
        if (refused := double_superscript(self.text, at)) is not None:  # X^{-1}^{2}
            self.fail(refused, at)
        save = self.pos
        raw, start, end = self.script(at)
        key = re.sub(r"\\(?:[,;:!]|[a-z]*style\b)|\s", "", raw).lstrip("\\")  # X^{\!\top}
        if key in TRANSPOSE - {"T"}:  # X^\top: always a transpose (X^T goes by the parser)
            self.emit("TOP", self.text[at:end], at, end)
            return
        if key.startswith("-") and key[1:].lstrip("\\") in TRANSPOSE - {"T"}:
            self.emit("INV_T", self.text[at:end], at, end)
            return
        if self.label(raw, at, end):  # W^{(1)}: the name W_1
            return
        self.pos = save
        if key.startswith(("circ", "odot")) and self.circle_power(at):
            return
        self.symbol("^", at, at + 1)
        self.skip_space()
        if self.peek(False) == "{":
            self.pos += 1
            self.symbol("{", self.pos - 1, self.pos)
            self.stack.append(Group("brace", ("RBRACE",), self.pos - 1))
        elif self.peek(False) == "\\":
            name, start = self.command()
            self.on_command(name, start)
        elif self.peek(False) == "-":  # X^-1 (LaTeX would typeset X^{-}1: never meant)
            self.pos += 1
            self.symbol("-", self.pos - 1, self.pos)
        elif self.pos < len(self.text) and not self.text[self.pos].isascii():
            self.fail(f"'{self.text[self.pos]}' after '^': write X^\\top for a transpose, "
                      "x^{2} for a power", self.pos)  # fmt: skip
        elif self.pos < len(self.text) and self.text[self.pos].isalnum():
            if re.match(r"\d\d", self.text[self.pos : self.pos + 2]):  # X^10: X^1 0 in TeX
                self.fail("a superscript of several digits needs braces: ^{10}", self.pos)
            start = self.pos
            self.pos += 1
            kind = "NUMBER" if self.text[start].isdigit() else "NAME"
            self.emit(kind, self.text[start], start, self.pos)

    def circle_power(self, at: int) -> bool:
        """``A^{\\circ 2}``, ``A^{\\odot 2}``: the elementwise power ``A .^ (2)`` (printed so)."""
        self.skip_space()
        brace = self.pos
        if self.peek(False) != "{":
            return False
        self.pos += 1
        self.skip_space()
        if not (found := re.match(r"\\(?:circ|odot)(?![A-Za-z])", self.text[self.pos :])):
            self.pos = brace
            return False
        self.pos += found.end()
        self.symbol(".^", at, at + 1)
        self.symbol("(", brace, brace + 1)
        self.stack.append(Group("brace", ("RPAR",), brace))
        return True

    # ---- groups, bars and norms ----------------------------------------------------------

    def open_group(self, c: str, start: int, sized: bool = False) -> None:
        previous = self.out[-1] if self.out else None
        index = (
            c == "["
            and not sized
            and previous is not None
            and previous.end_pos == start
            and previous.type in ("NAME", "RPAR")
        )
        if c == "{":
            self.symbol("(", start, start + 1)
            self.stack.append(Group("brace", ("RPAR",), start))
        elif index:  # X[i,j]: an entry
            self.symbol("[", start, start + 1)
            self.stack.append(Group("paren", ("RSQB",), start))
        else:
            self.symbol("(", start, start + 1)
            self.stack.append(Group("paren", ("RPAR",), start))

    def close_group(self, c: str, start: int) -> None:
        want = "brace" if c == "}" else "paren"
        if not self.stack or self.stack[-1].kind != want:
            opener = self.stack[-1] if self.stack else None
            why = f"; the innermost open one is at column {opener.start + 1}" if opener else ""
            self.fail(f"unmatched '{c}'{why}", start)
        group = self.stack.pop()
        for type_ in group.close:
            text = {"RPAR": ")", "RSQB": "]", "RBRACE": "}"}[type_]
            self.emit(type_, text, start, start + 1)
        if group.power:  # \sin^2(x): sin(x)^2
            self.emit_power(group.power, start, entrywise=True)
        if group.then == "denominator":
            _, brace, _ = self.braced_raw()
            self.pos = brace + 1
            self.symbol("/", brace, brace)
            self.symbol("(", brace, brace + 1)
            self.stack.append(Group("brace", ("RPAR", "RPAR"), brace))


def tokens(text: str, symbols: dict[str, str]) -> list[Token]:
    """The tokens of LaTeX ``text``; ``symbols`` maps ``(``, ``+`` ... to terminal names.
    Call while ``lexing.STATE`` is set (errors point into ``text``)."""
    return sum_over_product(no_power_after_sum(_Lexer(text, symbols).run()))
