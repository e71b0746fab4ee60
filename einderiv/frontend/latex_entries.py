"""Index notation in LaTeX: subscripts that are entries (a mixin of ``latex._Lexer``).

Input: a subscript after a name, after ``\\delta`` or ``\\mathbf{1}``, or after a closing
parenthesis, in the LaTeX text being lexed.
Output: the tokens of the entry as plain text writes it: ``W_{a,b}`` -> ``W[a,b]``,
``\\delta_{c,(i,j)}`` -> ``delta[c,(i,j)]``, ``\\mathbf{1}_{a}`` -> ``ones[a]``,
``\\left(A^{-1}\\right)_{i,j}`` -> ``(A^-1)[i,j]``, ``(...)_{(i,j) (l,k)}`` -> ``(...)[(i,j),(l,k)]``;
and a function of two sizes written as a letter, ``K_{m,n}`` -> ``commutation(m, n)``.
Invariants (one reading for one text, never a guess):
* a subscript with a comma or a parenthesised pair is an entry; so is any subscript of
  ``\\delta`` and of a closing parenthesis, and of ``\\mathbf{1}`` unless ``ones_size`` reads
  it as a size (``\\mathbf{1}_3``; ``\\mathbf{1}_n`` beside a transpose);
* a subscript of one index (``x_{a}``, ``x_a``) is an entry only in a text written in index
  notation -- one that has an entry of the kinds above -- or when ``x`` is a declared variable
  and ``x_a`` is not; otherwise it names a variable, as ``W_1`` and ``x_a`` always have (and
  always when ``x_a`` is declared and ``x`` is not);
* an index is a name (letters, then letters or digits); anything else in an entry's subscript
  is a ``ParseError`` at it.
"""

from __future__ import annotations

import re
import warnings
from contextvars import ContextVar
from dataclasses import dataclass

from einderiv.errors import ReadAsEntry
from einderiv.frontend import lexing
from einderiv.frontend.latex_commands import GREEK, TRANSPOSE
from einderiv.frontend.name_uses import AS_ENTRIES


@dataclass(frozen=True)
class ByEntries:
    """An identity by an entry: its variable as written (``X_{ij}``), and its matrices, each
    with a variable named like its entries that the expression has (``A_jk``), or ``""``."""

    variable: str
    matrices: dict
    names: frozenset = frozenset()  # all the expression's variables (``(A x)_iy``: y is one)


# set by check_identity while it reads a claim of an identity by an entry (``X_{ij}``)
BY_ENTRIES: ContextVar[ByEntries | None] = ContextVar("einderiv_by_entries", default=None)


def _spelt(shown: str, parts: list[str], latex: bool) -> str:
    """``A_{ji}``, ``A_{j,i}`` in LaTeX; ``A_ji``, ``A[j,i]`` in plain text."""
    if latex:
        return f"{shown}_{{{','.join(parts)}}}"
    return f"{shown}[{','.join(parts)}]" if len(parts) > 1 else f"{shown}_{parts[0]}"


def letter_refusal(shown: str, name: str, word: str, by: ByEntries, latex=True) -> str | None:
    """Why ``A_{word}`` (``shown`` as written: ``\\Sigma``) reads two ways in an identity by an
    entry: three letters or more (``A_{jik}``: ``A_{j,ik}`` or ``A_{ji,k}``), or a variable of
    the expression named like it (``A_jk``); None for two letters (``A_{ji}``: ``A_{j,i}``).
    ``name`` is None for a parenthesised expression (``(A')_{jik}``), which names no variable."""
    own = by.matrices.get(name, "") if name else ""
    if len(word) == 2 and not own:
        return None
    splits = [_spelt(shown, [word[:k], word[k:]], latex) for k in range(1, len(word))]
    said = f"{_spelt(shown, [word], latex)} reads two ways here: the entry {' or '.join(splits)}"
    if name is None:
        return f"{said} of {shown} ({by.variable} is read as an entry): write the entry"
    why = f"the expression has {own}" if own else "an entry has two indices"
    return (
        f"{said} of the matrix {shown} ({by.variable} is read as an entry), or a variable "
        f"{name}_{word} ({why}): write the entry, or declare {name}_{word}"
    )


def letter_note(shown: str, name: str, word: str, by: ByEntries, latex=True, braced=True) -> str:
    """The note for ``A_{ji}`` read as the entry ``A_{j,i}`` (``letter_indices``); ``name`` None
    for ``(A')_{ji}`` (no variable to declare); ``braced`` False for ``A_ji`` (TeX: ``A_j i``)."""
    written = _spelt(shown, [word], latex) if braced else f"{shown}_{word}"
    tex = f", not as TeX sets it ({shown}_{word[0]} {word[1:]})" if not braced else ""
    what = f"the matrix {shown}" if name else shown
    declare = f"; declare {name}_{word} for a variable of that name" if name else ""
    return (
        f"read {written} as the entry {_spelt(shown, list(word), latex)} of {what}{tex}, as "
        f"{by.variable} is read as an entry (one index per letter){declare}"
    )


def identity_note(word: str, by: ByEntries, latex=True) -> str:
    """The note for ``I_{ij}`` read as the entry ``\\delta_{i,j}`` of the identity matrix."""
    pair = ",".join(word)
    written, delta = (
        (f"I_{{{word}}}", f"\\delta_{{{pair}}}") if latex else (f"I_{word}", f"delta[{pair}]")
    )
    return (
        f"read {written} as the entry {delta} of the identity matrix, "
        f"as {by.variable} is read as an entry, not as an identity matrix of size "
        f"{'*'.join(word)}; declare I_{word} for a variable of that name"
    )


def opened(text: str, close: int) -> int:
    """Where the parenthesis closed at ``close`` opens (with its ``\\left``, ``\\bigl``)."""
    depth = 0
    for k in range(close, -1, -1):
        depth += {")": 1, "(": -1}.get(text[k], 0)
        if depth == 0:
            sized = re.search(r"\\(?:left|[bB]igg?l?)\s*$", text[:k])
            return sized.start() if sized else k
    return close


# an entry of index notation somewhere in the text: A_{i,a}, \delta_{...}; \mathbf{1}_{a} is one
# in a text with no transpose (``Entries.index_text``)
_ENTRY_TEXT = re.compile(r"_\s*\{[^{}]*[,(][^{}]*\}|\\delta\s*_")
_ONES_ENTRY = re.compile(r"\\mathbf\s*\{\s*1\s*\}\s*_\s*(\{[^{}]*\}|\w)")
_ONE_INDEX = re.compile(r"\s*[A-Za-z][A-Za-z0-9]*\s*")
# the argument of a call, \operatorname{len}\left(X^{\top}\right) (one level of parentheses)
_CALL_ARGUMENT = re.compile(
    r"\\(?:operatorname|mathrm)\s*\{[^{}]*\}\s*(?:\\left\s*\((?:(?!\\right).)*\\right\s*\)|\([^()]*\))"
)
# a transpose (matrix notation: index notation has none outside the entries of parentheses);
# a transposed vector of ones, \mathbf{1}_n^\top; a vector of ones right after a transpose
_TOP = r"(?:\^\s*\{?\s*(?:\\top|\\intercal|\\prime|\\mathsf\s*\{\s*T|\\mathrm\s*\{\s*T|T\b)|')"
# before a subscript: the names whose subscript is a size (\mathbf{1}_n, I_n, \mathbf{I}_n),
# a transpose between too (\mathbf{1}^\top_n, as TeX sets \mathbf{1}_n^\top)
_SIZED = re.compile(rf"(?:\\mathbf\s*\{{\s*[1I]\s*\}}|(?<![A-Za-z\\])I)\s*(?:{_TOP}\s*\}}?\s*)?$")
_ONES_TRANSPOSED = re.compile(r"\\mathbf\s*\{\s*1\s*\}\s*_\s*(?:\{[^{}]*\}|\w)\s*" + _TOP)
_TRANSPOSE_TEXT = re.compile(_TOP)
_TRANSPOSED_ONES = re.compile(_TOP + r"\s*\}?\s*(?:\\[,;:! ]\s*)*\\mathbf\s*\{\s*1\s*\}\s*_")
_SIZE = re.compile(r"\s*([A-Za-z][A-Za-z0-9]*|[1-9][0-9]*)\s*")
# a bold matrix right before the ones: \mathbf{X}\mathbf{1}_n (index notation subscripts X)
_MATRIX_ONES = re.compile(
    r"\\(?:mathbf|boldsymbol)\s*\{\s*\\?[A-Z][A-Za-z]*\s*\}\s*(?:\\[,;:! ]\s*)*"
    r"\\mathbf\s*\{\s*1\s*\}\s*_"
)

# a superscript written before a subscript, W^Q_i, W^{(1)}_j, W^\top_i, W^{k-1}_i: up to its "_"
# the subscript after it: {...} or one character (its text in group 1 or 2)
_SUBSCRIPT = re.compile(r"_\s*(?:\{([^{}]*)\}|(\w))")
_POWER_FIRST = re.compile(
    r"\^\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+(?:\s*\{[^{}]*\})?|[^\s{}\\^_])\s*(?=_)"
)


class Entries:
    """Uses the lexer's ``text``, ``symbol``, ``emit``, ``script``, ``named`` and ``fail``."""

    def name(self, name: str, start: int, subscript: bool = True) -> None:
        """A symbol and its subscript (``named``), also when a superscript is written first:
        TeX sets ``W^Q_i`` as ``W_i^Q``, so it reads alike (the name ``W_i`` read here, the
        superscript then, its subscript skipped once reached: ``ahead``)."""
        first = _POWER_FIRST.match(self.text, self.pos) if subscript else None
        if first is None:
            return self.named(name, start, subscript)
        caret, self.pos = self.pos, first.end()
        self.power_of_entry(name, first.group(), caret)
        self.named(name, start)
        self.ahead[first.end()], self.pos = self.pos, caret

    def power_of_entry(self, name: str, written: str, at: int) -> None:
        """``X^{-1}_{i,j}``, ``W^{(1)}_{i,j}``: a superscript written before the subscript of an
        entry is refused. A paper means the entry of the power, (X^{-1})_{i,j} (or of the label's
        matrix), which TeX sets as the power of the entry, X_{i,j}^{-1}. A transpose is read
        (x^\\top_i; X^\\top_{i,j} is refused later), and a power of a vector's entry (x^2_i)."""
        sub = _SUBSCRIPT.match(self.text, self.pos)
        index = sub and (sub.group(1) or sub.group(2))
        if not index or not self.is_entry(name, index):
            return
        sup = re.sub(r"^\^\s*\{?|\}?\s*$", "", written.strip())
        key = re.sub(r"\\(?:[,;:!]|[a-z]*style\b)|\s", "", sup).lstrip("\\")
        label = key.startswith(("(", "mathrm", "text")) or re.fullmatch(r"[A-Z]", key)
        # A^{2}_{ji} by X_{ij}: the entry A_{j,i} (A_{jik}: refused by ``letter_indices``)
        letters = self.by_letters(name, index) and len(index.strip()) == 2
        if key in TRANSPOSE or not (label or letters or "," in index or "(" in index):
            return
        index = ",".join(index.strip()) if letters else index
        name = f"\\{name}" if name in GREEK else name  # \Sigma^{-1}_{i,j}
        entry = f"\\left({name}^{{{sup}}}\\right)_{{{index}}}"
        power = "" if label else f", or {name}_{{{index}}}^{{{sup}}} for the power of the entry"
        self.fail(
            f"{name}^{{{sup}}}_{{{index}}} reads two ways: write {entry} for the entry of "
            f"{name}^{{{sup}}} (as a paper means it){power}",
            at,
        )

    def scripted(self) -> bool:
        """Whether a subscript follows (``_``, or ``^Q_`` with a superscript first)."""
        return self.text[self.pos : self.pos + 1] == "_" or bool(
            _POWER_FIRST.match(self.text, self.pos)
        )

    def index_text(self) -> bool:
        """Whether the text writes index notation (an entry with several indices, a delta)."""
        found = self.__dict__.get("_index_text")
        if found is None:
            text = self.text
            found = bool(_ENTRY_TEXT.search(text)) or any(
                self.ones_size(m.group(1).strip("{}")) is None for m in _ONES_ENTRY.finditer(text)
            )
            self.__dict__["_index_text"] = found
        return found

    def is_entry(self, name: str, script: str) -> bool:
        """Whether ``name_{script}`` is an entry of ``name`` (see the module's invariants)."""
        if name == "1" and self.ones_size(script) is not None:
            return False  # 1_n 1_n^\top: the ones vector of size n
        if name in ("1", "delta") or "," in script or "(" in script:
            return True
        if (name, script.strip()) in AS_ENTRIES.get():  # x_i read as x[i]: check.readings
            return True
        if not _ONE_INDEX.fullmatch(script):
            return False
        state = lexing.STATE.get(None)
        declared = state.declared if state is not None else frozenset()
        if f"{name}_{script.strip()}" in declared and name not in declared:
            return False  # \mathrm{pos}_{v} names the declared pos_v, in index notation too
        if name == "I":  # I_n: a size; I_{ij} by X_{ij}: the entry \delta_{i,j}
            return BY_ENTRIES.get() is not None and bool(re.fullmatch(r"\s*[a-z]{2}\s*", script))
        if self.index_text():
            return True
        return name in declared and f"{name}_{script.strip()}" not in declared

    def ones_size(self, script: str) -> str | None:
        """The size of ``\\mathbf{1}_{script}`` read as the vector of ones of that size, or None
        for an entry: a number is a size; a name is one in a text in matrix notation
        (``matrix_ones``) unless it is also the subscript of another name (``x_i
        \\mathbf{1}_i``: an index)."""
        match = _SIZE.fullmatch(script)
        if match is None:
            return None
        size = match.group(1)
        if size[0].isdigit():
            return size
        if not self.matrix_ones():
            return None
        for other in re.finditer(rf"_\s*\{{?\s*{size}(?![A-Za-z0-9])", self.text):
            if not _SIZED.search(self.text[: other.start()]):  # x_i beside \mathbf{1}_i
                return None
        return size

    def matrix_ones(self) -> bool:
        """Whether the text is in matrix notation, where ``\\mathbf{1}_n`` is the vector of ones
        of size n: it has a transpose outside the parentheses of a call (``(\\mathbf{x} -
        \\mathbf{1}_n)^\\top``; the index forms einderiv prints have none, ``\\mathbf{1}_{i} /
        \\operatorname{len}\\left(X^{\\top}\\right)``) or a bold matrix right before the ones
        (``\\mathbf{X}\\mathbf{1}_n``), and no entry of index notation."""
        found = self.__dict__.get("_matrix_ones")
        if found is None:
            text = self.text
            outside = _CALL_ARGUMENT.sub(" ", text)
            found = not (_ENTRY_TEXT.search(text) or re.search(r"\)\s*_", text)) and bool(
                _TRANSPOSE_TEXT.search(outside)
                or _ONES_TRANSPOSED.search(text)  # tr(X^\top 1_n 1_n^\top X): inside a call
                or _TRANSPOSED_ONES.search(text)
                or _MATRIX_ONES.search(text)
            )
            self.__dict__["_matrix_ones"] = found
        return found

    def sized(self, name: str, script: str, start: int, end: int) -> None:
        """``I_n``, ``I_3``, ``\\mathbf{1}_n``: the identity or the vector of ones whose size is
        the subscript, a name or a positive number (kept in the parse state by offset)."""
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*|[1-9][0-9]*", script):
            what = "I" if name == "I" else "\\mathbf{1}"
            self.fail(f"the size of {what}_{{{script}}} is a name or a positive number", start)
        state = lexing.STATE.get(None)
        if state is not None:
            state.sizes[start] = int(script) if script.isdigit() else script
        self.emit("NAME", {"1": "ones"}.get(name, name), start, end)

    def entry(self, name: str, script: str, at: tuple[int, int, int, int]) -> None:
        """The entry ``name_{script}`` (``at``: where the name starts, the subscript opens and
        ends, and its ``_``): ``W[a,b]``; ``A[j,i]`` for ``A_{ji}`` in an identity by entries."""
        start, opened, end, under = at
        self.emit("NAME", {"1": "ones", "I": "delta"}.get(name, name), start, under)
        inside = opened + 1 if self.text[opened] == "{" else opened
        braced = self.text[opened] == "{"
        if not self.letter_indices(name, script, start, braced):
            return self.entry_tokens(script, inside, end, under)
        self.letter_tokens(script, inside, end, under)

    def letter_tokens(self, script: str, inside: int, end: int, under: int) -> None:
        """``[j,i]`` for the letters ``ji`` of a subscript read one index per letter."""
        self.symbol("[", under, under + 1)
        for k, letter in enumerate(re.finditer(r"[a-z]", script)):
            if k:
                self.symbol(",", inside + letter.start(), inside + letter.start())
            self.emit("NAME", letter.group(), inside + letter.start(), inside + letter.end())
        self.symbol("]", end - 1, end)

    @staticmethod
    def by_letters(name: str, script: str) -> bool:
        """Whether ``name_{script}`` is read one index per letter (``letter_indices``)."""
        by = BY_ENTRIES.get()
        word = re.fullmatch(r"[a-z]{2,}", script.strip())
        return by is not None and name in by.matrices and word is not None

    def unbraced_letters(self, name: str | None, script: str, at: int, end: int):
        """``A_ji``, ``(A')_ij``, ``\\delta_ij``, ``I_ij`` by ``X_ij``: TeX sets ``_ji`` as
        ``_j i``, yet the identity's ``X_ij`` is read as ``X_{i,j}``, so the two letters are the
        subscript here too (a matrix's entry needs two indices); where the second letter is a
        variable of the expression (``(A x)_iy``) the text reads two ways: refused. Returns the
        subscript and its end (``script`` and ``end`` as they were otherwise)."""
        by = BY_ENTRIES.get()
        second = re.compile(r"[a-z](?![A-Za-z0-9])").match(self.text, end)
        if (
            by is None
            or second is None
            or self.text[at] == "{"
            or not re.fullmatch("[a-z]", script)
        ):
            return script, end
        if name is not None and name not in by.matrices and name not in ("delta", "I"):
            return script, end
        if (other := second.group()) in by.names:  # (A x)_iy: an entry, or (A x)_i y?
            shown = self.text[opened(self.text, at - 2) : at - 1] if name is None else name
            entry = f"{shown}_{{{script},{other}}}"
            self.fail(f"{shown}_{script}{other} reads two ways here: the entry {entry} "
                      f"({by.variable} is read as an entry), or {shown}_{script} times the "
                      f"variable {other} (as TeX sets it): write {entry} or {shown}_{{{script}}} "
                      f"{other}", at)  # fmt: skip
        self.pos = second.end()
        return script + second.group(), second.end()

    def letter_indices(self, name: str | None, script: str, at: int, braced=True) -> bool:
        """Whether ``A_{ji}`` is two indices j, i: in an identity by an entry (``X_{ij}``,
        ``BY_ENTRIES``), on one of its matrices, or a parenthesised expression (``name``
        None, ``at`` its ``_``: ``(A')_{ji}``); said (``ReadAsEntry``); a ``ParseError`` where
        it reads two ways (``letter_refusal``)."""
        by, word = BY_ENTRIES.get(), script.strip()
        if name in ("delta", "I") and by is not None and re.fullmatch(r"[a-z]{2}", word):
            if name == "I" and (word, "identity") not in self.said:  # I_{ij}: \delta_{i,j}
                self.said.add((word, "identity"))
                warnings.warn(identity_note(word, by), ReadAsEntry, stacklevel=6)
            return True  # \delta_{ij} by X_{ij}: \delta_{i,j}, a delta's only reading
        if name is not None and not self.by_letters(name, script):
            return False
        if by is None or not re.fullmatch(r"[a-z]{2,}", word):
            return False
        if name is None:
            shown = self.text[opened(self.text, at - 1) : at].strip()
        else:
            shown = f"\\{name}" if name in GREEK else name
        if refused := letter_refusal(shown, name, word, by):
            self.fail(refused, at)
        if (shown, word, "entry") not in self.said:
            self.said.add((shown, word, "entry"))
            note = letter_note(shown, name, word, by, braced=braced)
            warnings.warn(note, ReadAsEntry, stacklevel=6 if name else 5)
        return True

    def entry_subscript(self, at: int) -> None:
        """``\\left(...\\right)_{(i,j) (l,k)}``: the entry of a parenthesised expression;
        ``(A')_{ji}`` by ``X_{ij}`` is ``(A')[j,i]`` (``letter_indices``)."""
        raw, start, end = self.script(at)
        raw, end = self.unbraced_letters(None, raw, start, end)
        braced = self.text[start] == "{"
        inside = start + 1 if braced else start
        if self.letter_indices(None, raw, at, braced):
            return self.letter_tokens(raw, inside, end, at)
        self.entry_tokens(raw, inside, end, at)

    def entry_tokens(self, raw: str, start: int, end: int, at: int) -> None:
        """``[`` the indices of ``raw`` (apart by commas or spaces; pairs in parentheses) ``]``."""
        self.symbol("[", at, at + 1)
        depth, after_one, any_index = 0, False, False
        for match in re.finditer(r"[(),]|[A-Za-z][A-Za-z0-9_]*|\S", raw):
            piece, where = match.group(), start + match.start()
            if piece == ",":
                after_one = after_one and depth > 0
            elif depth == 0 and after_one:  # (i,j) (l,k): a space between two indices
                self.symbol(",", where, where)
            if piece in "(),":
                depth += {"(": 1, ")": -1, ",": 0}[piece]
                self.symbol(piece, where, where + 1)
            elif piece[0].isascii() and piece[0].isalpha():  # é, j¹: no index (nor read back)
                self.emit("NAME", piece, where, where + len(piece))
                any_index = True
            else:
                self.fail(f"an entry's subscript holds indices, not '{piece}'", where)
            after_one = depth == 0 and piece != ","
        if not any_index:
            self.fail("an entry's subscript needs an index: A_{i,j}", at)
        if re.search(r",\s*\)?\s*$", raw):  # A_{i,}: a comma with no index after it
            self.fail(f"an entry's subscript ends with ',' (`{raw.strip()}`): write A_{{i,j}}", at)
        self.symbol("]", end - 1, end)

    def sized_call(self, fn: str, sizes: tuple[str, ...], start: int, end: int) -> None:
        """``K_{m,n}``: the call ``fn(m, n)`` of sizes (names or integers), spanning the text."""
        self.emit("FUNC", f"{fn}(", start, end)
        for k, size in enumerate(sizes):
            if k:
                self.symbol(",", start, end)
            self.emit("NUMBER" if size.isdigit() else "NAME", size, start, end)
        self.emit("RPAR", ")", start, end)
