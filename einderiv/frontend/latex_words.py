"""Font and word commands of LaTeX (a mixin of ``latex._Lexer``): ``\\mathbf{x}``,
``\\boldsymbol\\mu``, ``\\mathbf{1}``, ``\\mathrm{lr}``, ``\\operatorname{tr}``.

Input: the text after such a command, in the LaTeX text being lexed.
Output: the tokens of what the font holds: its letters as separate symbols (``\\mathbf{Ax}``
is A x), the vector of ones, a function, or one multi-letter name (``\\mathrm{lr}``).
Invariants: a name that is no function written against a parenthesis (``\\mathrm{Softmax}(x)``)
is an unknown function, a ``ParseError`` with the product's spelling, unless it is declared;
a font group holds a symbol; fonts nest at most ``MAX_GROUPS`` deep.
"""

from __future__ import annotations

import re

from einderiv.errors import closest
from einderiv.frontend import lexing
from einderiv.frontend.latex_commands import FUNCTION_WORDS, GREEK, Group
from einderiv.frontend.latex_notes import (
    ONE_ARGUMENT,
    declared_by_user,
    say_bold_greek,
    say_greek_call,
    say_letter_call,
)
from einderiv.frontend.latex_unread import expectation, optimisation_word

__all__ = ["MAX_GROUPS", "Words"]

# a parenthesis or bracket right after a name, as a call is set: (x), \left(x\right), \Big(x\Big),
# \!\left(x\right) (a negative thin space tightens a call; \, (x) is a product)
_CALL = re.compile(r" *(?:\\! *)*(?:[(\[]|\\left *[(\[]|\\[bB]igg?l? *[(\[])")

_PAREN = re.compile(r" *(?:\\!\s*)*(?:\(|\\left\s*\(|\\[bB]igg?l?\s*\()")  # u(x), u\left(x
_ONE_SYMBOL = re.compile(r"\\[A-Za-z]+|[A-Za-z0-9]")  # what a font command takes without braces
MAX_GROUPS = 100  # groups open around a font group: each is read by a nested call (3 frames)


class Words:
    """Uses the lexer's ``text``, ``pos``, ``out``, ``stack``, ``functions``, ``said``, ``step``,
    ``name``, ``function``, ``euler``, ``braced_raw``, ``peek`` and ``fail``."""

    def word(self, start: int) -> None:
        """``\\operatorname{tr}``, ``\\mathrm{lr}``: a function or one multi-letter name."""
        if self.text[self.pos : self.pos + 1] == "*":  # \operatorname*{argmin}: limits below
            self.pos += 1
        raw, _, _ = self.braced_raw()
        word = raw.strip().rstrip("*").replace("\\_", "_")  # \operatorname{log\_softmax}
        if refused := optimisation_word(word, self.text, self.pos):  # argmin_w, \mathrm{E}[x]
            self.fail(refused, start)
        if word in FUNCTION_WORDS or word in self.functions:
            self.function(FUNCTION_WORDS.get(word, word), start)
        elif word == "e" and self.euler(start):  # \mathrm{e}^{u}: exp(u), as e^{u}
            return
        elif word in ("T", "d"):
            self.fail(f"'{word}' here is not supported in an expression", start)
        elif self.called(word):  # \operatorname{foo}(x), \mathrm{Softmax}\left(x\right)
            guess = closest(word, (*FUNCTION_WORDS, *self.functions))
            font = re.match(r"\\[A-Za-z]+", self.text[start:]).group()
            self.fail(f"unknown function '{word}'" + (f"; did you mean {guess}? F" if guess else
                      "; f") + f"or a product write {font}{{{word}}} \\, (...) or declare {word}",
                      start)  # fmt: skip
        elif raw != raw.strip() and re.match(r"\\text\s*\{", self.text[start:]):  # x \text{ and } y
            self.fail(f"'\\text{{{raw}}}' is words between formulas, not a name: leave it out "
                      f"(\\mathrm{{{word}}} is a variable)", start)  # fmt: skip
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", word):
            self.name(word, start)
        else:
            self.fail(f"'{raw}' is not a name", start)

    def called(self, word: str) -> bool:
        """Whether the name ``word`` (not a function) is written as a call, ``word(``,
        ``word\\left(``, ``word\\Big(``: a name of letters only, not declared (a declared name,
        or a label such as ``W_1``, is a product)."""
        state = lexing.STATE.get(None)
        if not re.fullmatch(r"[A-Za-z]{2,}", word) or word in getattr(state, "declared", ()):
            return False  # \mathrm{W_1}(x + b): a label, a product
        return _CALL.match(self.text, self.pos) is not None

    def bold(self, start: int) -> None:
        """``\\mathbf{x}``, ``\\boldsymbol{\\Sigma}``, ``\\mathbf{1}`` (ones), ``\\mathbf{I}``; as
        in TeX, without braces the font takes one symbol (``\\mathbf x``, ``\\boldsymbol\\mu``)."""
        self.skip_space()
        one = _ONE_SYMBOL.match(self.text, self.pos) if self.peek(False) != "{" else None
        if one is not None and one.group() == "0":
            self.fail("a zero matrix is written 0", start)
        if one is not None:
            self.expectation(one.group(), one.end(), start)
            first = len(self.out)
            if one.group().startswith("\\"):  # \boldsymbol\mu: the command, as written
                self.step()
            else:  # \mathbf x_1: the letter x (with its subscript), never x and what follows
                self.pos = one.end()
                self.name(one.group(), start if one.group() in "01" else one.start())
            say_bold_greek(self.out[first:], self.said)
            self.bold_call(first)
            return
        raw, brace, end = self.braced_raw()
        inner = raw.strip()
        upright = re.fullmatch(r"\\[A-Za-z]+\s*\{\s*(E)\s*\}", inner)  # \mathbf{\mathrm{E}}
        self.expectation(upright.group(1) if upright else inner, end, start)
        if inner == "1":
            self.name("1", start)
        elif inner == "0":
            self.fail("a zero matrix is written 0", start)
        elif not inner:
            self.fail("an empty font group: write the symbol inside, \\mathbf{x}", start)
        else:  # the letters inside, as separate symbols (\mathbf{Ax} is A x)
            self.pos = brace + 1
            first = len(self.out)
            depth = len(self.stack)
            if depth >= MAX_GROUPS:  # \mathbf{\mathbf{...}}: read by recursion, so bounded
                self.fail(f"the fonts are nested too deeply (the limit is {MAX_GROUPS})", start)
            self.stack.append(Group("brace", (), brace))
            while len(self.stack) > depth:
                self.skip_space()
                self.step()
            if len(self.out) == first:  # \mathbf{\,}: only spacing inside
                self.fail("an empty font group: write the symbol inside, \\mathbf{x}", start)
            if self.out[-1].type == "NAME" and self.scripted():
                token = self.out.pop()  # \mathbf{x}_{1}, \mathbf{W}_{a,b}, \mathbf{W}^Q_i: as x_{1}
                self.name(token.value, token.start_pos)
            say_bold_greek(self.out[first:], self.said)
            self.bold_call(first)

    def bold_call(self, first: int) -> None:
        """``\\mathbf{u}(x)``, ``\\mathbf{g}(\\mathbf{u})``: a bold letter written as a call,
        a function of x in papers (Wikipedia's u = u(x)), is read as a product: said, as for a
        plain letter (``latex_notes.say_letter_call``; ``first``: the group's first token)."""
        letter = self.out[-1].value if len(self.out) == first + 1 else ""
        paren = _PAREN.match(self.text, self.pos)
        # a bold capital, a matrix, before a bracket of more than one symbol is a product, as
        # \boldsymbol{\Sigma}(\mathbf{x} - \boldsymbol{\mu}) and \mathbf{L}(\mathbf{x} + \mathbf{b})
        one = paren is not None and ONE_ARGUMENT.match(self.text, paren.end()) is not None
        if self.out[-1].type != "NAME" or (letter[:1].isupper() and paren and not one):
            return
        if re.fullmatch("[A-Za-z]", letter):
            say_letter_call(letter, self.text, self.pos, paren, self.said)
        elif paren and letter in GREEK:  # \boldsymbol{\mu}(x)
            say_greek_call(letter, False, self.said)

    def expectation(self, letter: str, after: int, start: int, bold: bool = True) -> None:
        """``\\mathbf{E}[x]``, ``\\boldsymbol{E}_{q}\\left[x\\right]``, ``E\\left[x\\right]``: an
        expectation, refused (never the matrix E times the bracket), unless the user declared E."""
        refused = expectation(letter, self.text, after, bold, declared_by_user())
        if refused:
            self.fail(refused, start)

    def last_letter(self, letter: str, after: int, paren, start: int) -> None:
        """The last letter of a word (ending at ``after``; ``paren``, a ``(`` after it): an
        expectation ``E\\left[x\\right]`` refused, a call ``h(\\mathbf{x})`` said."""
        self.expectation(letter, after, start, bold=False)
        say_letter_call(letter, self.text, after, paren, self.said)
