"""What papers write that einderiv does not read, and what to write instead.

Input: the name of a LaTeX command that no table of ``latex_commands`` knows (``\\mathbb``,
``\\int``, ``\\vec``), or a word in a roman font (``\\operatorname{argmin}``, ``\\mathrm{E}``) and
the text after it.
Output: the message of the ``ParseError`` that refuses it, naming the command and saying what
to write (or the closest known command, for a typing slip).
Invariants: nothing here reads anything: each entry is a refusal, never a silent reading; an
expectation, an optimisation, an integral or a set is never taken for a product of names.
"""

from __future__ import annotations

import re
import unicodedata

from einderiv.errors import closest
from einderiv.ir.matrix_ops import VEC
from einderiv.ir.ops import ABS

__all__ = [
    "OPTIMISATION",
    "character_hint",
    "closing_punctuation",
    "declaration_hint",
    "double_superscript",
    "expectation",
    "optimisation_word",
    "plus_superscript",
    "transpose_outside",
    "unknown_command",
]

_EXPECTATION = (
    "an expectation is not read: write the expression inside it (einderiv differentiates "
    "expressions in vectors and matrices)"
)
OPTIMISATION = (
    "an optimisation over a variable (argmin, min_w ...) is not an expression: write the "
    "objective alone and differentiate it by that variable"
)
PSEUDO_INVERSE = (
    "einderiv has no pseudo-inverse; for an invertible X write X^{-1} (for a full-rank X, "
    "(X^\\top X)^{-1} X^\\top)"
)
_FONT = "write \\mathbf{x} for a bold symbol (\\mathrm{...} for an upright name)"
_ACCENT = (
    "name the symbol with an accent einderiv reads (\\hat{x}, \\bar{x}, \\tilde{x}) or a "
    "subscript (x_{0})"
)
_HINTS = {
    "mathbb": "\\mathbb{E}[...] (an expectation) is not read: write the expression inside it; "
    "\\mathbb{R}^{n} is a set: give sizes as declarations (x: vector(n)); the vector of ones "
    "is \\mathbf{1}, the identity \\mathbf{I}; the indicator \\mathbb{1}[u > 0] is "
    "\\operatorname{step}(u)",
    "mathcal": "a calligraphic letter names a loss, a density or a set (\\mathcal{L} = ..., "
    "\\mathcal{N}(x | \\mu, \\Sigma)): write the expression itself, e.g. the right side of "
    "\\mathcal{L} = ..., or the log-density in vectors and matrices",
    "int": "an integral is not read: einderiv differentiates expressions in vectors and matrices",
    "prod": "a product over an index is not read: for positive entries write "
    "\\exp(\\operatorname{sum}(\\log x))",
    "ell": "write a letter, l, for a variable (declare l: scalar for a length-scale), or the "
    "loss function's expression itself",
    "mathop": "write \\operatorname{...}",
    "Pr": "a probability is not read: write the expression (a log-likelihood) itself",
    "E": _EXPECTATION,
    "dagger": "X^\\dagger (the pseudo-inverse, or the conjugate transpose) is not read: "
    + PSEUDO_INVERSE
    + ", for the transpose of a real X write X^\\top",
}
# \vec, the arrow accent, is spelt as the registry's vec (whose name only its record quotes)
_HINTS[VEC.name] = (
    "write \\mathbf{x} for a vector, \\operatorname{vec}(X) for the columns of X stacked"
)
_HINTS |= dict.fromkeys(("mathfrak", "mathscr"), _HINTS["mathcal"])
_HINTS |= dict.fromkeys(("mathds", "bbold", "mathbbm"), _HINTS["mathbb"])
_HINTS |= dict.fromkeys(("iint", "oint"), _HINTS["int"])
_HINTS |= dict.fromkeys(("arg", "argmin", "argmax", "min", "sup", "inf", "lim"), OPTIMISATION)
_HINTS |= dict.fromkeys(("bf", "it", "sf", "rm", "cal", "pmb", "vb", "vv", "textbf"), _FONT)
_HINTS |= dict.fromkeys(("boldmath", "mathbold"), _FONT)
_HINTS |= dict.fromkeys(("dot", "ddot", "check", "breve", "acute", "grave", "mathring"), _ACCENT)
# a space of a given length (\hspace{1em}; it was "did you mean \trace?"): \, \; \quad are read
_HINTS |= dict.fromkeys(
    ("hspace", "hskip", "mkern", "mskip", "kern", "phantom", "hphantom"),
    r"a space of a given length is not read: leave it out, or write \, \; \quad",
)
# a formula's frame in a paper (it was "did you mean \sin?" for \begin, "\tau?" for \tag)
_HINTS |= dict.fromkeys(
    ("[", "]", "(", ")", "begin", "end"),
    "display delimiters and environments are not part of a formula: paste the math inside "
    "them (check_identity and audit take an identity with them)",
)
_HINTS |= dict.fromkeys(
    ("label", "tag", "nonumber", "notag"),
    "an equation's label or number is not part of the formula: leave it out",
)
_HINTS["\\"] = "a row break of an align is not part of a formula: paste one row at a time"
# what a paper says about a symbol beside the formula: X \in \mathbb{R}^{n}, \Sigma \succ 0
_HINTS |= dict.fromkeys(
    ("in", "succ", "succeq", "forall"),
    "a condition on a symbol is not part of the formula: declare its kind instead "
    "(where='X: matrix(n, m); S: symmetric(n); x: vector(n)')",
)
_HINTS["mid"] = (
    "\\mid is a relation's bar (p(x \\mid y)); a determinant is |X| or \\lvert X \\rvert"
)
# macros of a preamble (physics, commath): \norm{x} is \|x\|, \abs{a} is |a|
_HINTS["norm"] = "a macro of your preamble: write \\|x\\| (\\|x\\|_2^2 for the squared norm)"
_HINTS[ABS.name] = (  # \abs{x}, commath's
    "a macro of your preamble: write |a| (a scalar's absolute value, a matrix's determinant) "
    "or \\operatorname{abs}(x) for each entry"
)
# upright words that are operators of papers, never names: argmin_w f, min_w f, E[x], Var[x]
_WORDS = {"argmin", "argmax", "arg min", "arg max", "argsup", "arginf"}
_SCRIPTED = {"min", "max", "sup", "inf"}  # an optimisation when a subscript follows
_BRACKETED = {"E", "Var", "Cov", "Pr", "KL"}  # an expectation, a variance: [ or _ follows
_SPACE = r"(?:\s|\\[,;:! ]|~)*"  # \mathrm{E}\,[x]: spacing commands before the bracket
_AFTER = re.compile(_SPACE + r"(?:_|\[|\\left\s*\[|\\[bB]igg?l?\s*\[)")
_NUMBERED = re.compile(_SPACE + r"_\s*(?:\{\s*\d+\s*\}|\d)")  # a label, never a variable
# E(x), E\{x\}: an upright E, Var, Pr before a parenthesis or brace is the operator too
_OPENED = re.compile(_SPACE + r"(?:\\left\s*|\\[bB]igg?l?\s*)?(?:\(|\\\{)")


# a bracket after E, a subscript first or not: \mathbf{E}[x], \mathbf{E}_{q}\left[x\right],
# E\left[x\right], \mathbf{E}\{x\}, \mathbf{E}{\left[x\right]}; after a plain E, a bare bracket
# only when it holds more than indices (E[i,j] is index notation); never \mathbf{E}_{ij} nor
# \mathbf{E}(x): an entry, a product
_GAP = r"(?:\s|\\[,;:! ]|~|\{)*"  # spacing, or a group opened before the bracket
_SCRIPT = _GAP + r"(?:_\s*(?:\{(?P<braced>[^{}]*)\}|(?P<one>\w))" + _GAP + r")?"
_SIZED_BRACKET = r"(?:\\left|\\[bB]igg?l?)\s*(?:\[|\\\{)|\\\{"  # \left[, \Big[, \{
_CLOSED = r"(?:\s*\})?"  # {\mathbf E}[x], {\bf E_q}\left[x\right]: the font's group closed first
_BOLD_AFTER = re.compile(_CLOSED + _SCRIPT + _CLOSED + rf"\s*(?:\[|{_SIZED_BRACKET})")
_PLAIN_AFTER = re.compile(_SCRIPT + rf"(?:\[(?![\s\w,()]*\])|{_SIZED_BRACKET})")


def expectation(letter: str, text: str, pos: int, bold: bool, declared=()) -> str | None:
    """The refusal of an ``E`` written before a bracket at ``text[pos:]`` (``\\mathbf{E}[x]``,
    ``\\boldsymbol{E}\\left[x\\right]``, ``E\\left[x\\right]``), the expectation as papers
    set it, or None: no bracket, or E (``E_q`` with its subscript) is ``declared``."""
    found = (_BOLD_AFTER if bold else _PLAIN_AFTER).match(text, pos)
    if letter != "E" or found is None:
        return None
    script = (found.group("braced") or found.group("one") or "").strip()
    name = f"E_{script}" if script else "E"
    if letter in declared or name in declared:
        return None
    written = "\\mathbf{E}" if bold else "E"
    return (
        f"{written} before a bracket ({written}[...], {written}\\left[...\\right]): "
        f"{_EXPECTATION}; for a matrix {name} times the bracket, declare it ({name}: matrix)"
    )


def unknown_command(name: str, known) -> str:
    """The message for the unknown command ``\\name``; ``known`` are the commands read."""
    message = f"unknown LaTeX command '\\{name}'"
    if name in _HINTS:
        return f"{message}: {_HINTS[name]}"
    guess = closest(name, known)
    return f"{message}; did you mean \\{guess}?" if guess else message


def optimisation_word(word: str, text: str, pos: int) -> str | None:
    """The message refusing the roman ``word`` written before ``text[pos:]`` when it is an
    operator of papers (``\\operatorname{argmin}_{w}``, ``\\mathrm{E}[x]``); else None."""
    plain = re.sub(r"\\[,;:! ]|~", " ", word).strip()
    plain = re.sub(r"\s+", " ", plain)
    after = _AFTER.match(text, pos) is not None
    numbered = _NUMBERED.match(text, pos) is not None  # \mathrm{inf}_{1}: the name inf_1 as
    if plain in _WORDS or (plain in _SCRIPTED and after and not numbered):  # printed
        return f"'{word}': {OPTIMISATION}"
    if plain in _BRACKETED and (after or _OPENED.match(text, pos)):
        what = "a variance, a probability or a divergence is not read: write the expression"
        return f"'{word}': {_EXPECTATION if plain == 'E' else what}"
    return None


# characters of papers that no notation of einderiv's uses, and what to write instead
_BOLD_DIGITS = {
    "1": (
        "a bold 1 is the vector of ones, as papers write it: write ones (ones' x for its inner"
        " product with x), or 1 for the number"
    ),
    "0": "a bold 0 is a vector or matrix of zeros: write 0, or 0 * x for the zero vector",
}
_CHARACTERS = (
    {
        "⟨": "the inner product ⟨a, b⟩ is read in LaTeX input; here write a' b, or sum(A .* B)",
        "×": "write * or juxtaposition for a product; einderiv has no cross product",
        "∇": "write the function only and give the variable as wrt (--wrt X)",
        "∂": "write the function only and give the variable as wrt (--wrt X)",
        "∫": _HINTS["int"],
        "∑": "write sum(...) of the vector or matrix, or index notation (A[i,j] x[j])",
        "∏": "a product over an index is not read: for positive entries write exp(sum(log(x)))",
        "𝔼": _EXPECTATION,
        "√": "write sqrt(...)",
        # relu'(u) as ML papers write it, 1[u > 0]: the indicator is step(u) (0 at u = 0)
        ">": "comparisons are not read: the indicator of u > 0 (1 where u > 0, else 0) is step(u)",
        "<": "comparisons are not read: the indicator of u < 0 (1 where u < 0, else 0) is step(-u)",
        "½": "write 1/2",
        # (X^{-1})_{ij} in plain text: the entry of a power (LaTeX reads \left(X^{-1}\right)_{i,j})
        "_": "a subscript follows a name (W_1); an entry of a product or power is (X^-1)[i,j]",
        "ℓ": _HINTS["ell"],
        "ℒ": _HINTS["mathcal"],
    }
    | {
        chr(c): _BOLD_DIGITS[unicodedata.normalize("NFKC", chr(c))]
        for c in range(0x1D7CE, 0x1D800)  # 𝟏, 𝟎 and the other styles of 0 and 1 (lexing.PASTED)
        if unicodedata.normalize("NFKC", chr(c)) in _BOLD_DIGITS
    }
    | {  # subscript letters and (in LaTeX, where the plain text's W₁ is not read) digits typed
        c: f"a subscript is written with _: W_1, I_n, x_i ({c} here)"  # in Unicode or pasted
        for c in "ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ₀₁₂₃₄₅₆₇₈₉"
    }
)


# what may follow a sentence's punctuation at the end of a formula: spaces, LaTeX spacing
_TO_END = re.compile(r"(?:\s|~|\\[,;:! ]|\\q?quad(?![A-Za-z]))*")


def closing_punctuation(text: str, pos: int) -> str:
    """Why a ``.``, ``,`` or ``;`` at ``text[pos]`` that ends the text is refused
    (``\\operatorname{tr}(AX).``, pasted with its sentence's full stop), or ``""``."""
    if text[pos : pos + 1] not in (".", ",", ";") or not _TO_END.fullmatch(text, pos + 1):
        return ""
    return "the punctuation of the sentence around it: leave it out"


def declaration_hint(text: str, char: str) -> str:
    """What to write for ``char`` in ``where`` declarations pasted from a paper's LaTeX
    (``X \\in \\mathbb{R}^{n \\times m}``, ``\\Sigma: symmetric``, ``mu: vector, S: matrix``),
    or ``""``."""
    if char in "\\∈" and re.search(r"\\in(?![A-Za-z])|∈", text):
        return " (a set is declared by its kind: X: matrix(n, m), x: vector(n), a: scalar)"
    if char == "\\":
        return (
            " (declarations are plain text: a LaTeX name is declared by its plain name, Sigma "
            "for \\Sigma, X for \\mathbf{X}, mu for \\boldsymbol{\\mu})"
        )
    if char == ",":
        return " (declarations are separated by ';' or new lines; X, Y: matrix declares both)"
    return ""


def character_hint(char: str) -> str:
    """What to write instead of ``char`` (`` (write sqrt(...))``), or ``""``."""
    return f" ({_CHARACTERS[char]})" if char in _CHARACTERS else ""


# a power's exponent as written: a number, a lowercase letter, k - 1 (not a transpose, not a
# label such as W^Q or W^{(1)}, which are read before a power)
_EXPONENT = re.compile(r"-?[0-9a-z][-+0-9a-z]*")


def double_superscript(text: str, at: int) -> str | None:
    """The refusal of a ``^`` at offset ``at`` written right after a power's superscript
    (``X^{-1}^{2}``, ``X^2^3``, ``X^{2}^\\top``), or None. TeX refuses a double superscript;
    read as the grammar's right-grouped powers, ``X^{-1}^{2}`` was ``X^((-1)^2)``, X itself.
    After a transpose (``X^\\top^{-1}``) the ``^`` is a power of the transpose, as written."""
    before = text[:at].rstrip()
    if before.endswith("}") and not before.endswith("\\}"):
        depth, j = 0, len(before) - 1
        while j >= 0:
            depth += {"}": 1, "{": -1}.get(before[j], 0)
            if depth == 0:
                break
            j -= 1
        script, base = before[j + 1 : -1], before[:j].rstrip()
    else:
        script, base = before[-1:], before[:-1].rstrip()
    if not base.endswith("^") or not _EXPONENT.fullmatch(re.sub(r"\s", "", script)):
        return None
    return (
        f"a double superscript (TeX refuses it too): ^{{{script}}}^ is no one power; write a "
        f"power of a power with parentheses, \\left(X^{{{script}}}\\right)^{{2}}, or one "
        "exponent, X^{2 k}"
    )


# the base before a superscript, as written: \mathbf{A}, \Sigma, X, x_{i} (else "X")
_BASE = re.compile(r"(?:\\[A-Za-z]+\s*\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z](?:_\{[^{}]*\}|_\w)?)\s*$")


def transpose_outside(name: str, text: str, start: int) -> str:
    """The refusal of ``\\top`` (``\\intercal``) at ``text[start]``, read where no transpose
    is: beside other symbols in one superscript (``\\mathbf{A}^{\\top -1}``, ``A^{\\top 2}``:
    what to write instead), or outside any superscript."""
    depth, j = 0, start - 1  # the brace the command is in, if any
    while j >= 0 and depth >= 0:
        depth += {"}": 1, "{": -1}.get(text[j], 0) if text[j - 1 : j] != "\\" else 0
        j -= 1
    before = text[: j + 1].rstrip()
    if depth >= 0 or not before.endswith("^"):
        return f"\\{name} (transpose) belongs in a superscript: X^\\top"
    close, depth = j + 1, 0  # the superscript's text, to its closing brace
    while close < len(text):
        depth += {"{": 1, "}": -1}.get(text[close], 0)
        if depth == 0:
            break
        close += 1
    script = text[j + 2 : close].strip()
    base = _BASE.search(before[:-1])
    base = base.group(0).strip() if base else "X"
    rest = re.sub(r"\s", "", script.replace(f"\\{name}", ""))
    head = f"^{{{script}}} holds \\{name} beside other symbols, which einderiv does not read"
    if rest == "-1":
        return (
            f"{head}: for the inverse transpose write {base}^{{-\\top}} or "
            f"({base}^{{\\top}})^{{-1}}"
        )
    if _EXPONENT.fullmatch(rest):
        return f"{head}: for a power of the transpose write ({base}^{{\\top}})^{{{rest}}}"
    return (
        f"{head}: a superscript is \\top alone ({base}^{{\\top}}) or -\\top, the inverse "
        f"transpose ({base}^{{-\\top}}); write ({base}^{{\\top}})^{{...}} for more"
    )


_PLUS_AFTER = re.compile(r"\^\s*(?:\{\s*(?:\\[,;:!]\s*)*)?$")  # X^+, X^{+}, X^{\!+}


def plus_superscript(text: str, pos: int) -> str:
    """What to write for a ``+`` at ``text[pos]`` that opens a superscript: ``X^{+}`` (the
    pseudo-inverse, which einderiv does not have) or ``x^{+1}`` (a signed exponent); else ""."""
    if not _PLUS_AFTER.search(text[:pos]):
        return ""
    if re.match(r"\s*[0-9a-z(]", text[pos + 1 :]):
        return " (an exponent is written without a '+' sign: X^{2})"
    return f" (X^{{+}}, the pseudo-inverse, is not read: {PSEUDO_INVERSE})"
