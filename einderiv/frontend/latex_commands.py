"""LaTeX commands: what each command of SPEC 6.2 means to the LaTeX lexer.

Input: a command read by ``latex._Lexer`` (``\\frac``, ``\\left``, ``\\operatorname``, ``\\log``,
a Greek letter, a font) at its offset.
Output: the grammar's tokens for it, emitted through the lexer (``Commands`` is its mixin);
or a ``ParseError`` naming an unknown command.
Invariants: the tables below are the whole LaTeX vocabulary; a command not in them is an
error, never skipped.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace

from einderiv.errors import ReadAsExp, ReadAsLabel
from einderiv.frontend import lexing
from einderiv.frontend.latex_notes import (
    AGAINST,
    CALLED,
    POWER_AGAINST,
    SIGMA_POWER_AGAINST,
    derivative_hint,
    is_leibniz,
    say_bold_greek,
    say_greek_call,
    say_pi,
    say_power_call,
)
from einderiv.frontend.latex_scientific import scientific
from einderiv.frontend.latex_unread import character_hint, transpose_outside, unknown_command
from einderiv.ir import greek
from einderiv.ir.matrix_ops import MATRIX
from einderiv.ir.ops import BY_LATEX, ELEMENTWISE

__all__ = ["FUNCTION_WORDS", "GREEK", "TRANSPOSE", "Commands", "Group", "plain_script"]

GREEK = greek.NAMES - {"delta"}  # \delta: the Kronecker delta is written delta[i,j]
_VARIANTS = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho"}

# LaTeX function commands and the function each names: the registry's (\\tanh, \\log, and the
# matrix functions' \\det, \\tr, \\Tr, \\trace), and the natural logarithm \\ln
_FUNCTION_COMMANDS = (
    {latex[1:]: name for latex, name in BY_LATEX.items() if re.fullmatch(r"\\[a-z]+", latex)}
    | {command: op.name for op in MATRIX.values() for command in op.latex_commands}
    | {"ln": BY_LATEX[r"\log"]}
)
_BRACED = {op.latex[1:]: name for name, op in ELEMENTWISE.items() if op.braced}  # \sqrt{x}
for _command in (*_BRACED, "sigma"):  # \sigma is a Greek letter; \sigma( is sigmoid (``greek``)
    _FUNCTION_COMMANDS.pop(_command)
# words that name a function inside \operatorname{...}, \mathrm{...} or written before "("
FUNCTION_WORDS = {
    **_FUNCTION_COMMANDS,
    **{word: op.name for op in MATRIX.values() for word in op.latex_words},
    "LSE": "logsumexp",
    "ReLU": "relu",
    "Relu": "relu",
}
# accents make one symbol, named with a suffix: \hat{y} is y_hat (printed back as \hat{y})
ACCENTS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde",
           "widetilde": "tilde"}  # fmt: skip
_SPACING = {",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "limits"}
_SPACING |= {"scriptstyle", "scriptscriptstyle"}  # sizes only: ^{\scriptscriptstyle\top}
_SPACING |= {f"{w}space" for w in ("thin", "med", "thick", "en", "negthin", "negmed")} | {">"}
_WORD_FONTS = {"operatorname", "mathrm", "text", "textrm", "textit", "mathit", "mathsf"}
_SYMBOL_FONTS = {"mathbf", "boldsymbol", "bm", "mathbfit", "symbf", "mathnormal"}
_SIZES = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
          "biggl", "biggr", "Biggl", "Biggr"}  # fmt: skip
_OPERATORS = {"cdot": "·", "times": "*", "ast": "*", "odot": ".*", "circ": ".*", "oslash": "./"}
_OPERATORS["otimes"] = "⊗"  # kron (SPEC 6.2)
TRANSPOSE = {"top", "intercal", "T", "mathsf{T}", "mathrm{T}", "prime"}
# the T of a transpose set in a text font: ^{\rm T}, ^{\text{T}}, ^{\mathsf T}, ^\mathsf{T}
_T_FONTS = ("text", "textrm", "textsf", "textup", "rm", "sf", "mathsf", "mathrm")
TRANSPOSE |= {f"{font}{t}" for font in _T_FONTS for t in ("{T}", "T")}
_OPEN, _CLOSE = "([{", ")]}"
_KNOWN = {*_FUNCTION_COMMANDS, *GREEK, *_WORD_FONTS, *_SYMBOL_FONTS, *_BRACED, *_OPERATORS,
          *ACCENTS, "frac", "sum", "max", "langle", "lvert", "lVert"}  # fmt: skip
_NUMBER = re.compile(r"\d*\.?\d+(?:[eE][+-]?\d+)?|\d+", re.ASCII)
_ALNUM = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# a power by a whole number, ^2 or ^{10}: its digits are group 1 or 2
NUMBER_POWER = r"\^\s*(?:\{\s*(\d+)\s*\}|(\d))"
# \frac12, \frac1n: the two one-character arguments
_SHORT_FRAC = re.compile(r"\s*([0-9A-Za-z])\s*([0-9A-Za-z])")
# the "(" of a call's argument: (, \left(, \bigl( ...
# a font command and its argument, as an accent without braces takes them: \hat\mathbf{y}
_FONT_ARGUMENT = re.compile(r"\s*(\\[A-Za-z]+\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z]))")
# a call's parenthesis, after spacing that is read as nothing (\exp\!\left(a\right), \exp\,(a))
_OPEN_PAREN = re.compile(
    r"(?:(?:\\[,;:!> ]|\\(?:q?quad|[a-z]*space)(?![A-Za-z])|~)\s*)*"  # \exp\thinspace(a)
    r"(?:\(|\\(left|bigl?|Bigl?|biggl?|Biggl?)\s*\()"
)


def plain_script(script: str) -> str:
    """A norm's or inner product's subscript without its font: ``\\mathrm{F}`` -> ``F``."""
    return re.sub(
        r"\\(?:mathrm|text|textrm|mathit|mathsf)\s*\{\s*(\w+)\s*\}", r"\1", script
    ).strip()


@dataclass(frozen=True)
class Group:
    """An open ``{``/``(``/``[``/bar/norm and what closing it emits."""

    kind: str  # "brace", "paren", "bar", "norm"
    close: tuple[str, ...]  # token types emitted when it closes (brace groups)
    start: int  # offset of the opener, for "unmatched" errors
    then: str = ""  # after a \frac numerator: "denominator"
    opener: int = -1  # index in the token list of a norm's FUNC token
    power: str = ""  # the digits of a power written on a function, \sin^2(x): "2"


class Commands:
    """The command handlers of the LaTeX lexer (a mixin of ``latex._Lexer``)."""

    # ---- commands ------------------------------------------------------------------------

    def on_command(self, name: str, start: int) -> None:
        if name in _SPACING:
            return
        if name in _SIZES:
            self.delimiter(name, start)
        elif name in _FUNCTION_COMMANDS:
            self.function(_FUNCTION_COMMANDS[name], start)
        elif name == "sum":  # \sum_{r=0}^{k-1} \left(...\right): a finite sum, as printed
            self.finite_sum(start)
        elif name == "delta":  # the Kronecker delta of index notation: \delta_{i,j}
            self.name("delta", start)
        elif name in GREEK or name in _VARIANTS:
            self.greek(_VARIANTS.get(name, name), start)
        elif name in _WORD_FONTS:
            self.word(start)
        elif name in _SYMBOL_FONTS:
            self.bold(start)
        elif name in ("frac", "dfrac", "tfrac"):
            self.frac(start)
        elif name in _BRACED:
            if self.peek() == "[":
                self.fail(f"only square roots are supported: \\{name}{{x}}", self.pos)
            self.open_call(_BRACED[name], start)
        elif name in _OPERATORS:
            self.symbol(_OPERATORS[name], start, self.pos)
        elif name in ("|", "Vert", "lVert", "rVert"):
            self.norm(start, {"lVert": "open", "rVert": "close"}.get(name, ""))
        elif name in ("vert", "lvert", "rvert"):
            self.bar(start, {"lvert": "open", "rvert": "close"}.get(name, ""))
        elif name in ("langle", "rangle"):
            self.angle(start, name == "langle")
        elif name in ACCENTS:
            self.accent(name, start)
        elif name == "max":  # \max(0, u): relu(u)
            self.max_zero(start)
        elif name in ("partial", "nabla"):
            self.fail(f"\\{name}: " + derivative_hint(), start)
        elif name in ("{", "}"):
            (self.open_group if name == "{" else self.close_group)(name, start)  # \{ x \}
        elif name in ("top", "intercal"):
            self.fail(transpose_outside(name, self.text, start), start)  # or ^{\\top -1}
        else:
            self.fail(unknown_command(name, _KNOWN), start)

    def unexpected(self, c: str, start: int) -> None:
        """A character no notation uses (``∇``, ``√``): refused, with what to write."""
        self.fail(f"unexpected character {c!r}{character_hint(c)}", start)

    def font_t(self, name: str) -> str:
        """After a font command in a superscript, its letter T (``^\\mathsf{T}``, ``^{\\rm T}``,
        ``^{\\mathsf T}``: TeX's font takes one symbol) consumed and returned as ``{T}``."""
        if name not in _WORD_FONTS | set(_T_FONTS):
            return ""
        m = re.compile(r"\s*(?:\{\s*T\s*\}|T(?![A-Za-z]))").match(self.text, self.pos)
        if m is None:
            return ""
        self.pos = m.end()
        return "{T}"

    def delimiter(self, size: str, start: int) -> None:
        """``\\left(``, ``\\right|``, ``\\bigl[`` ...: the delimiter, sized."""
        self.skip_space()
        side = "open" if size == "left" or size.endswith("l") else ""
        side = "close" if size == "right" or size.endswith("r") else side
        if self.peek(False) == "\\":
            name, _ = self.command()
            if name in ("|", "Vert", "lVert", "rVert"):
                return self.norm(start, side)
            if name in ("vert", "lvert", "rvert"):
                return self.bar(start, side)
            if name in ("langle", "rangle"):
                return self.angle(start, name == "langle")
            if name in ("{", "}"):
                return (self.open_group if name == "{" else self.close_group)(name, start)
            self.fail(f"'\\{name}' is not a delimiter after \\{size}", start)
        c = self.peek(False)
        self.pos += 1
        if c == ".":
            return None
        if c == "|":
            return self.bar(start, side)
        if c in _OPEN:
            return self.open_group(c, start, sized=True)
        if c in _CLOSE:
            return self.close_group(c, start)
        self.fail(f"'{c}' is not a delimiter after \\{size}", start)

    def accent(self, accent: str, start: int) -> None:
        """``\\hat{y}``, ``\\bar{x}``, ``\\tilde{\\mu}``, ``\\hat{\\mathbf{y}}``: one symbol, the
        name ``y_hat`` (``x_bar``, ``mu_tilde``), of the kind the letter has; without braces the
        accent takes one symbol, as in TeX (``\\hat y``, ``\\hat\\beta``)."""
        one = re.compile(r"\s*(\\[A-Za-z]+|[A-Za-z])").match(self.text, self.pos)
        if one and self.text[one.start(1)] == "\\" and one[1][1:] in _SYMBOL_FONTS | _WORD_FONTS:
            one = _FONT_ARGUMENT.match(self.text, self.pos)  # \hat\mathbf{y} is \hat{\mathbf{y}}
        if one is not None:
            raw, self.pos = one[1], one.end()
        else:
            raw, _, _ = self.braced_raw()
        # \hat{\mathbf{y}}, \hat{\boldsymbol\beta} (a font takes one symbol without braces)
        font = r"\\(?:mathbf|boldsymbol|bm|mathrm|mathit)\s*(?:\{\s*(\\?[A-Za-z]+)\s*\}|(\\[A-Za-z]+|[A-Za-z]))"
        found = re.fullmatch(rf"\s*(?:{font}|(\\?[A-Za-z]+))\s*", raw)
        letter = found and (found.group(1) or found.group(2) or found.group(3))
        name = letter[1:] if letter and letter.startswith("\\") else letter
        name = _VARIANTS.get(name, name)
        if (
            not name
            or (letter.startswith("\\") and name not in GREEK)
            or (not letter.startswith("\\") and len(name) > 1)
        ):
            self.fail(
                f"\\{accent}{{...}} takes one letter: \\{accent}{{y}}, \\{accent}{{\\mu}}", start
            )
        first = len(self.out)
        self.name(f"{name}_{ACCENTS[accent]}", start)
        if not found.group(3) and re.match(r"\\(?:mathbf|boldsymbol|bm)", raw.strip()):
            say_bold_greek(self.out[first:], self.said)  # \hat{\boldsymbol{\beta}}

    def label(self, raw: str, at: int, end: int) -> bool:
        """``W^{(1)}``, ``x^{(i)}``: a label, as in layer 1 or sample i (never a power): the
        name ``W_1``, said with a ``ReadAsLabel`` note. False for anything else."""
        found = re.fullmatch(r"\s*\(\s*([A-Za-z0-9]+)\s*\)\s*", raw)
        last = self.out[-1] if self.out else None
        if last is None or last.type != "NAME" or self.text[last.end_pos : at].strip(" }"):
            return False  # not right after a name (or \mathbf{W})
        # W^Q, W^{K} (attention's projections): a power of a matrix by an undeclared capital
        # letter is never what a paper means (X^T is the transpose, X^H refused as conjugate)
        capital = re.fullmatch(r"\s*([A-GI-SU-Z])\s*", raw)
        declared = getattr(lexing.STATE.get(None), "declared", ())
        if capital and last.value[:1].isupper() and capital[1] not in declared:
            found = capital
        if re.fullmatch(r"\s*\\(?:mathrm|text|textrm)\s*", raw):  # ^\mathrm{Q}: its group
            group = re.compile(r"\s*\{[^{}]*\}").match(self.text, end)
            raw, end = (raw + group[0], group.end()) if group else (raw, end)
        # W^{\mathrm{Q}}, x^{\text{out}}: an upright word is a label (^{\mathrm{T}}: transpose)
        upright = re.fullmatch(r"\s*\\(?:mathrm|text|textrm)\s*\{\s*([A-Za-z]+)\s*\}\s*", raw)
        if upright and upright[1] != "H" and upright[1] not in declared:
            found, self.pos = upright, end
        if found is None and re.fullmatch(r"\s*\(.*[A-Za-z].*\)\s*", raw):  # W^{(l+1)}
            self.fail(f"^{{{raw.strip()}}} is a label, as in layer l+1, and not one name: write "
                      "a name per layer (W_1, W_2), or a power without parentheses", at)  # fmt: skip
        if found is None:
            return False
        self.out.pop()
        name = f"{last.value}_{found.group(1)}"
        self.emit("NAME", name, last.start_pos, end)
        script = found.group(1)
        written, power = f"({script})", f"write {last.value}^{{{script}}}"
        if found is capital or found is upright:
            written, power = raw.strip(), f"declare {script}: integer"
        warnings.warn(f"read {last.value}^{{{written}}} as the name {name} (a label); "
                      f"{power} for a power", ReadAsLabel, stacklevel=2)  # fmt: skip
        return True

    def euler(self, at: int) -> bool:
        """``e^{u}`` (``e`` undeclared): ``exp(u)``, said with a ``ReadAsExp`` note; ``e^x``
        takes one symbol. False (``e`` is a name) when no ``^`` follows or ``e`` is declared."""
        state = lexing.STATE.get(None)
        if self.text[self.pos : self.pos + 1] != "^" or (state and "e" in state.declared):
            return False
        save, self.pos = self.pos, self.pos + 1
        key = self.script(at)[0].replace(" ", "").lstrip("\\")
        self.pos = save + 1
        declared_t = key == "T" and state is not None and "T" in state.declared  # exp(T)
        if not declared_t and (key in TRANSPOSE or key.lstrip("-\\") in TRANSPOSE):  # e^\top
            self.pos = save
            return False
        self.skip_space()
        if self.peek(False) == "{":
            _, brace, _ = self.braced_raw()
            self.pos = brace + 1
            self.emit("FUNC", "exp(", at, self.pos)
            self.stack.append(Group("brace", ("RPAR",), brace))
        elif self.text[self.pos : self.pos + 1] in _ALNUM:
            if re.match(r"\d\d", self.text[self.pos : self.pos + 2]):
                self.fail("a superscript of several digits needs braces: e^{10}", self.pos)
            symbol = self.text[self.pos]
            self.emit("FUNC", "exp(", at, self.pos)
            self.pos += 1
            self.emit("NUMBER" if symbol.isdigit() else "NAME", symbol, self.pos - 1, self.pos)
            self.emit("RPAR", ")", self.pos - 1, self.pos)
        else:
            self.fail("write the exponent of e in braces: e^{...}", at)
        warnings.warn("read e^{...} as exp(...), e being Euler's number; declare `e: scalar` "
                      "for a variable named e", ReadAsExp, stacklevel=2)  # fmt: skip
        return True

    def function(self, fn: str, start: int) -> None:
        """``\\log(x)``, ``\\log x``, ``\\log|X|``, ``\\log\\det X``."""
        self.skip_space()
        rest = self.text[self.pos :]
        if rest.startswith("^"):  # \sin^2(x) is sin(x)^2
            return self.function_power(fn, start, rest)
        if fn == "log" and re.match(r"\|(?!\|)|\\left\s*\||\\[lv]vert\b", rest):
            bar = re.match(r"\||\\left\s*\||\\lvert|\\vert", rest)
            self.pos += bar.end()
            self.emit("LOGBAR", "log|", start, self.pos)
            self.stack.append(Group("bar", (), self.pos - 1, then="log"))
        elif paren := _OPEN_PAREN.match(rest):
            self.pos += paren.end()
            self.call(fn, start)
        else:
            self.emit("BARE_FUNC", f"{fn}(", start, self.pos)

    def function_power(self, fn: str, start: int, rest: str) -> None:
        """``\\sin^2(x)``, ``\\tanh^{2}\\left(u\\right)``: ``sin(x)^2``, the power of the value;
        ``\\sin^{-1}`` (the inverse function) and a power without parentheses are refused."""
        power = re.match(NUMBER_POWER + r"\s*", rest)
        paren = power and _OPEN_PAREN.match(rest, power.end())
        if power is None:
            self.fail(f"\\{fn}^{{...}} here is not a power of its value (\\{fn}^{{-1}} would be "
                      f"the inverse function): write \\{fn}(x)^{{2}} for a power", start)  # fmt: skip
        if not paren:
            self.fail(f"write \\{fn}^{{2}}(x) with parentheses around the argument", start)
        self.pos += paren.end()
        self.call(fn, start)
        self.stack[-1] = replace(self.stack[-1], power=power.group(1) or power.group(2))

    def emit_power(self, power: str, at: int, entrywise: bool = False) -> None:
        """``^`` and ``power`` (digits, or a one-letter name) at offset ``at``: a power written
        apart from its base (``\\|x\\|^p_2``), emitted where the base ends; ``entrywise``:
        ``.^`` (``\\tanh^2(W x)`` is tanh(W x) .^ 2 in papers, the function's value squared)."""
        self.symbol(".^" if entrywise else "^", at, at + 1)
        self.emit("NUMBER" if power.isdigit() else "NAME", power, at, at + 1)

    def call(self, fn: str, start: int) -> None:
        """A function whose ``(`` has been read: ``FUNC`` and a parenthesis group."""
        if fn not in self.functions:
            self.fail(f"the function '{fn}' is not available", start)
        self.emit("FUNC", f"{fn}(", start, self.pos)
        self.stack.append(Group("paren", ("RPAR",), self.pos - 1))

    def open_call(self, fn: str, start: int) -> None:
        """``\\sqrt{...}``: the braces are the call's parentheses."""
        _, brace, _ = self.braced_raw()
        self.pos = brace + 1
        self.emit("FUNC", f"{fn}(", start, self.pos)
        self.stack.append(Group("brace", ("RPAR",), brace))

    def greek(self, name: str, start: int) -> None:
        called = CALLED.match(self.text, self.pos)  # \phi(x), \sigma'(z)
        if name == "sigma" and called and not called.group(1):  # \sigma(z): sigmoid
            self.function(BY_LATEX[lexing.SIGMA], start)
            return
        if called and AGAINST.match(self.text, self.pos):
            say_greek_call(name, bool(called.group(1)), self.said)
        against = SIGMA_POWER_AGAINST if name == "sigma" else POWER_AGAINST
        powered = name.islower() and against.match(self.text, self.pos)
        if powered:  # \sigma^2(x): a variance times x, not sigmoid(x)^2 as \sin^2(x) reads
            say_power_call(name, powered.group(1).strip("{} "), self.said)
        if name == "pi":  # a name, as every Greek letter (SPEC 6.2), though papers mean 3.14...
            say_pi(self.said)
        self.name(name, start)

    def number(self, start: int) -> None:
        """``2``, ``0.5``, ``1e-3``; never right after a braced name (``\\mathbf{x}2``, which
        TeX sets as x2: a name x_2, or a product 2 x?)."""
        last, match = self.out[-1] if self.out else None, _NUMBER.match(self.text, start)
        if last is not None and last.type == "NAME" and self.text[start - 1] == "}":
            name, digits = last.value, match.group()
            self.fail(f"a number right after a name: write {name}_{{{digits}}} for a name, "
                      f"{digits} {name} for a product", start)  # fmt: skip
        self.pos, text = scientific(self.text, start, match)  # 2 \cdot 10^{-7}: 2e-7
        self.emit("NUMBER", text, start, self.pos)

    def frac(self, start: int) -> None:
        """``\\frac{a}{b}`` is ``((a) / (b))``; ``\\frac12`` (one character each) is ``(1 / 2)``."""
        short = _SHORT_FRAC.match(self.text, self.pos)
        if short is not None:  # \frac12, \frac1n: TeX takes one token for each argument
            self.symbol("(", start, start)
            for k, after in ((1, "/"), (2, ")")):
                kind = "NUMBER" if short[k].isdigit() else "NAME"
                self.emit(kind, short[k], short.start(k), short.end(k))
                self.symbol(after, short.end(k), short.end(k))
            self.pos = short.end()
            return
        top, brace, end = self.braced_raw()
        if is_leibniz(top, self.text[end:]):  # \frac{d}{dx} f: refused, as \partial is
            self.fail("\\frac{d}{dx}: " + derivative_hint(), start)
        self.pos = brace + 1
        self.symbol("(", start, start)
        self.symbol("(", brace, brace + 1)
        self.stack.append(Group("brace", ("RPAR",), brace, then="denominator"))
