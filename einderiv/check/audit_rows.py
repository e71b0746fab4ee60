"""The equations of a display: its rows, columns and separators, for ``audit``.

Input: the body of a display (``$$...$$``, ``align``, ``multline``, ...) as written.
Output: ``chains(body, multline)``: an ``Equation`` (label, chain, condition as written) for
each ``A = B = ...`` of the display.
Invariants:
- rows are split at ``\\\\`` outside environments and braces; a row starting with ``&`` that goes on
  with a relation or an operator (``&= R2``, ``&\\quad + R3``, ``&\\phantom{=} + R3``) continues the
  equation above, as does a row without ``&`` that starts with a relation, or with an operator
  and has no relation nor text of its own (any row that goes on, in ``multline``);
- in a row, a cell after a complete equation that does not go on starts another equation
  (``L1 &= R1 & L2 &= R2``, ``&&``); ``\\quad``, ``\\text{ and }``, ``, \\;`` and
  ``\\Rightarrow`` separate equations, while ``\\quad`` before an operator is spacing; after a
  relation other than ``=`` (``\\neq``, ``\\leq``) nothing is claimed equal; a segment after
  ``\\text{ if }`` (``when``, ``for``, ...) without a derivative is the condition of the equation
  before it; separators count only outside braces and environments (not in ``cases``);
- a segment ``(C11)`` is the label of the identities after it (or, last in its row, of the
  row's unlabelled ones before it); ``\\tag{...}`` labels its row; a remark after an
  identity (``(\\mathbf{B} \\text{ symmetric})``, words with no ``=``) is its condition, never
  dropped nor a factor, and a condition is kept as written (its words too, for quoting).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from einderiv.check.conditions import readable
from einderiv.check.identity_text import LABEL, mentions_derivative, split_top

__all__ = ["Equation", "chains"]


@dataclass(frozen=True)
class Equation:
    """A chain ``A = B = ...`` of a display, its label, and the condition written after it
    (``S = S^\\top`` of ``\\text{ if } S = S^\\top``; empty when there is none)."""

    label: str
    chain: str
    condition: str = ""


_TEXT = r"\\(?:text|textrm|textnormal|textit|mbox|mathrm)\s*\{\s*[,;]?\s*(?:"
# words between two identities of one row (`A = B \text{ and } C = D`, `A = B, \; C = D`), and
# implications (`A = B \Rightarrow C = D`)
_BETWEEN = re.compile(
    _TEXT + r"(?:and |, ?)?(?:so|so that|hence|thus|then|therefore|whence|which gives|giving"
    r"|i\.e\.|e\.g\.)|and|or|while|as well as|otherwise|but|versus|vs\.?"
    r")\s*[,;:]?\s*\}|(?<!\\)[,;]\s*(?:\\[;:, ]|\\q?quad\b|~)"  # not \;\; (a wide space)
    r"|\\(?:[Rr]ightarrow|Longrightarrow|implies|therefore)(?![A-Za-z])"
)
# words before a condition on the identity before them: `A = B \text{ if } S = S^\top`, and
# the converse arrows and equivalences (`A = B \Leftarrow S = S^\top`, `\iff`)
_IF = re.compile(
    _TEXT + r"if(?: and only if)?|only if|iff|when|whenever|unless|provided(?: that)?|assuming"
    r"|given|since|because|where|with|for(?: all| every| any)?)\s*[,;:]?\s*\}"
    r"|\\(?:Leftarrow|Longleftarrow|impliedby|because|iff|[Ll]eftrightarrow"
    r"|Longleftrightarrow)(?![A-Za-z])"
)
# prose: a \text{...} with a space, ~ or ( in it (a name such as \text{loss} has none)
_PROSE = re.compile(r"\\(?:text|textrm|textnormal|textit|mbox)\s*\{([^{}]*(?:\s|~|\()[^{}]*)\}")
# relations other than equality: what follows one is not claimed equal (`A = B \neq C`)
_UNEQUAL = ("\\neq", "\\ne", "\\not=", "\\leq", "\\le", "\\geq", "\\ge", "\\approx",
            "\\simeq", "\\sim", "\\propto", "\\ll", "\\gg", "<", ">")  # fmt: skip
# a part that starts with one of them states more of the right side (B \neq 0, B \leq 1)
_STATES = re.compile(
    r"\s*(?:\\(?:neq|ne|not\s*=|leq|le|geq|ge|approx|simeq|sim|propto|ll|gg)(?![A-Za-z])|[<>])"
)
# a cell or a row that goes on with the equation before: a relation, an operator, spacing
_GOES_ON = re.compile(
    r"\s*(?:[=+\-<>:]|\\(?:cdot|times|pm|mp|le|ge|leq|geq|approx|equiv|sim|simeq|propto|ne|neq"
    r"|to|iff|implies|[Rr]ightarrow|q?quad)\b)"
)
_SPACING = re.compile(r"\\quad(?=\s*(?:[+\-]|\\(?:cdot|times|pm|mp)\b))|^\s*\\quad")
# spacing that may stand before an operator that goes on: \phantom{=}, \mathrel{...}, \;, {}
_LEADING = re.compile(
    r"^\s*(?:\\(?:phantom|hphantom|mathrel|mathbin|hspace\*?)\s*\{(?:[^{}]|\{[^{}]*\})*\}"
    r"|\\[;:,! ]|\{\s*\}|&)"
)
# a row that goes on with a factor: a parenthesis, a product sign
_FACTOR = re.compile(r"\(|\[|\\left\s*[(\[]|\\[bB]igg?l?\s*[(\[]|\\cdot(?![A-Za-z])|\\times")
_RELATION = re.compile(r"\s*(?:[=<>]|\\(?:le|ge|leq|geq|approx|equiv|sim|simeq|propto|ne|neq)\b)")
_SEPARATOR = "\x00"  # where _BETWEEN found two identities: no spacing rule removes it
_CONDITION = "\x01"  # where _IF found a condition: it starts the segment after it
_KEPT = "\x02"  # around the number of words a marker replaced (``_Words``)
_LABEL = re.compile(LABEL)


def chains(body: str, multline: bool = False) -> list[Equation]:
    """The ``Equation`` of each ``A = B = ...`` of a display."""
    body = re.sub(r"\\label\{[^{}]*\}|\\nonumber|\\notag", " ", body)
    # \intertext{so} between rows: prose, and a row break
    body = re.sub(r"\\(?:short)?intertext\s*\{(?:[^{}]|\{[^{}]*\})*\}", r" \\\\ ", body)
    body = re.sub(r"^\s*\{\d+\}", " ", body)  # alignat{2}: its number of columns
    body = re.sub(  # spacing: \phantom{=}, \hspace{1em}, then an empty \mathrel{ }
        r"\\(?:h|v)?phantom\s*\{(?:[^{}]|\{[^{}]*\})*\}|\\hspace\*?\s*\{[^{}]*\}", " ", body
    )
    body = re.sub(r"\\(?:mathrel|mathbin)\s*\{\s*\}", " ", body)
    body = re.sub(r"(?<![A-Za-z}_^])\{\s*\}", " ", body)  # = {} & x: an empty group, for spacing
    body = re.sub(r"\\(?:begin|end)\{(?:aligned|split|gathered|alignedat)\}(?:\{\d+\})?", " ", body)
    rows: list[str] = []
    for row in _rows(body):
        rest = row.lstrip()[1:] if row.lstrip().startswith("&") else None
        # a row with no relation of its own goes on with the one above: a factor, (I + A)
        lead = re.sub(r"^(?:\s|&|\\q?quad(?![A-Za-z])|\\[,;:! ]|~)*", "", row)
        loose = rows and _FACTOR.match(lead) and not _LABEL.fullmatch(lead.strip())
        loose = loose and "\\text" not in row  # (\mathbf{A} \text{ symmetric}): a remark
        if loose and not _RELATION.search(row):  # (I + A) after \\: a factor of the row above
            rows[-1] += " " + lead
        elif rest is None and rows and (multline or _continues(row)):
            rows[-1] += " " + _columns(row, continued=True)
        elif rest is not None and rows and (not rest.strip() or _goes_on(rest)):
            rows[-1] += " " + _columns(rest, continued=True)  # &= R2, &\quad + R3: one chain
        else:
            rows.append(_columns(row if rest is None else rest))  # & L = R: left-aligned
    out: list[Equation] = []
    for row in rows:
        tags = re.findall(r"\\tag\*?\{\(?([^{}]*?)\)?\}", row)  # \tag{1.2}, \tag*{(C9)}
        row = re.sub(r"\\tag\*?\{[^{}]*\}", " ", row)
        words = _Words()  # what the markers replace, kept to quote a condition as written
        row = row.replace("\\qquad", "\\quad")
        row = _top_sub(_BETWEEN, words.between, row)  # A = B \text{ and } C = D
        row = _top_sub(_IF, words.condition, row)  # A = B \text{ if } S = S^T
        row = _top_sub(_PROSE, words.prose, row)  # \text{ as }, \text{for symmetric }
        for relation in _UNEQUAL:  # A = B \neq C: the identity A = B, then C (no derivative)
            parts = split_top(row, relation) if relation in row else [row]
            row = parts[0] + "".join(_SEPARATOR + words.keep(relation) + p for p in parts[1:])
        row = _SPACING.sub(" ", row)  # \quad + x' A': spacing before an operator, no separator
        row = row.replace(_SEPARATOR, " \\quad ")
        out += _labelled(_segments(row, words), f"({tags[0]})" if tags else "")
    return out


class _Words:
    """The words of a row that markers replace (``\\text{ if }``, ``\\text{ and }``, ``\\neq``),
    each kept as a numbered placeholder that no bracket count or separator sees."""

    def __init__(self) -> None:
        self.kept: list[str] = []

    def keep(self, text: str) -> str:
        self.kept.append(text)
        return f"{_KEPT}{len(self.kept) - 1}{_KEPT}"

    def between(self, match: re.Match) -> str:
        """Words between two identities: a separator."""
        return _SEPARATOR + self.keep(match.group(0))

    def condition(self, match: re.Match) -> str:
        """Words before a condition (``\\text{ if }``, ``\\Leftarrow``): it starts there."""
        return _SEPARATOR + _CONDITION + self.keep(match.group(0))

    def prose(self, match: re.Match) -> str:
        """Words that no rule reads (``\\text{ in case }``, ``\\text{(if }``) start a condition
        (never part of the chain); a label is left as it is, and a bracket written as text
        (``\\text{(}``) is kept out of the bracket count."""
        inside = match.group(1).strip(" ~()")
        if _LABEL.fullmatch(f"({inside})"):
            return match.group(0)
        if not re.search(r"[A-Za-z]{2,}", inside):
            return self.keep(match.group(0))
        return _SEPARATOR + _CONDITION + self.keep(match.group(0))

    def restored(self, text: str, leading: bool = True) -> str:
        """``text`` with its words put back (without the ones it starts with, unless
        ``leading``: the separator's own words, such as ``\\text{ and }``)."""
        if not leading:
            text = re.sub(rf"^(?:\s*{_KEPT}\d+{_KEPT})+", "", text)
        return re.sub(rf"{_KEPT}(\d+){_KEPT}", lambda m: self.kept[int(m.group(1))], text)


def _segments(row: str, words: _Words) -> list[tuple[str, object]]:
    """The row's parts in order: ("label", "(C1)"), ("eq", chain), ("if", condition as
    written). A condition goes on over the parts after it that hold no derivative (``\\text{ if
    } A = A^T \\text{ or } A = B`` is one condition, so not read as A symmetric); a remark after
    an identity (``(\\mathbf{B} \\text{ symmetric})``, ``\\mathbf{B}\\ \\text{symmetric}``) is one
    too, never a factor nor dropped."""
    parts: list[tuple[str, object]] = []
    for segment in _quad_segments(row):
        condition = segment.lstrip().startswith(_CONDITION)
        segment = segment.replace(_CONDITION, " ")
        body = words.restored(segment, leading=False)
        written = readable(words.restored(segment))
        bare = readable(body)
        named = _LABEL.fullmatch(bare)
        derivative = mentions_derivative(body)
        after_eq = any(kind == "eq" for kind, _ in parts)
        if named:
            parts.append(("label", f"({named.group(1)})"))
        elif parts and parts[-1][0] == "if" and written and not derivative:
            parts[-1] = ("if", f"{parts[-1][1]} {written}")  # and, or, \neq: part of it
        elif after_eq and not derivative and _STATES.match(written):
            continue  # A = B \neq 0: a statement about B, never a condition that B needs
        elif (condition or _remark(bare)) and written and not derivative and after_eq:
            parts.append(("if", written))  # \text{ if } A = A^T, (A = A^T): a condition
        elif bare and "=" not in bare and not derivative and after_eq:
            parts.append(("if", written))  # \mathbf{B}\ \text{symmetric}: a remark
        elif bare:
            parts.append(("eq", body.strip()))
    return parts


def _quad_segments(row: str) -> list[str]:
    """``row`` split at ``\\quad`` outside brackets, braces and environments; in a row whose
    brackets do not balance (``d tr(X / dX = I \\quad (C11)``), outside braces and
    environments only, so that an unclosed ``(`` keeps neither the label nor the next identity
    (its identity is then unreadable, and says why)."""
    if split_top(row + "\\quad", "\\quad")[-1] == "":  # balanced: the \quad added splits
        return split_top(row, "\\quad")
    cuts = [m for m in re.finditer(r"\\quad(?![A-Za-z])", row) if _depth(row, m.start()) == 0]
    starts, ends = [0] + [m.end() for m in cuts], [m.start() for m in cuts] + [len(row)]
    return [row[a:b] for a, b in zip(starts, ends)]


def _remark(bare: str) -> bool:
    """Text in one pair of parentheses: ``(A = A^T)``."""
    return (
        bare.startswith("(") and bare.endswith(")") and split_top(bare[1:-1], ")") == [bare[1:-1]]
    )


def _labelled(parts: list[tuple[str, object]], tag: str) -> list[Equation]:
    """The row's equations with their labels and conditions. A row that starts with a label
    has leading labels (``(C1) A = B \\quad (C2) C = D``), else trailing ones (``A = B \\quad
    (C1) \\qquad C = D \\quad (C2)``); ``\\tag`` labels the row's unlabelled equations."""
    leading = bool(parts) and parts[0][0] == "label"
    out: list[Equation] = []
    label, since = "", 0
    for kind, value in parts:
        if kind == "label":
            label = str(value)
            if not leading:  # the equations since the last label are this one's
                out[since:] = [replace(o, label=o.label or label) for o in out[since:]]
                since = len(out)
        elif kind == "if" and out:
            out[-1] = replace(out[-1], condition=str(value))
        elif kind == "eq":
            out.append(Equation(label if leading else "", str(value)))
            label = "" if leading else label  # a leading label is its equation's alone
    if leading and label and out and not out[-1].label:  # (C1) A = B \quad C = D \quad (C2)
        out[-1] = replace(out[-1], label=label)
    return [replace(o, label=o.label or tag) for o in out]


def _top_sub(pattern: re.Pattern, marker, row: str) -> str:
    """``row`` with each match of ``pattern`` outside braces and environments (not the
    ``\\text{if }`` of a ``cases``) replaced by ``marker(match)``."""
    out, last = [], 0
    for match in pattern.finditer(row):
        if _depth(row, match.start()) == 0:
            out += [row[last : match.start()], marker(match)]
            last = match.end()
    return "".join(out) + row[last:]


def _depth(text: str, stop: int) -> int:
    """How many braces and environments are open at ``stop``."""
    depth, i = 0, 0
    while i < stop:
        if text.startswith("\\begin", i) or text[i] == "{":
            depth += 1
        elif text.startswith("\\end", i) or text[i] == "}":
            depth -= 1
        i += 2 if text[i] == "\\" else 1
    return depth


def _columns(row: str, continued: bool = False) -> str:
    """The row with its alignment marks dropped, and ``\\quad`` between its equations: a cell
    after a complete equation (a right side already written) that does not go on with a
    relation or an operator starts another (``L1 &= R1 & L2 &= R2``, ``&&`` too); a row
    ``continued`` goes on with an equation of the row before."""
    cells = [cell.replace("&", " ") for cell in split_top(row, "&")]  # bmatrix's: spaces
    out = since = cells[0]
    complete = continued
    for cell in cells[1:]:
        complete = complete or _complete(since)
        if complete and cell.strip() and not _goes_on(cell):
            out, since, complete = out + " \\quad " + cell, cell, False
        else:
            out, since = out + " " + cell, since + " " + cell
    return out


def _continues(row: str) -> bool:
    """Outside multline, whether a row without ``&`` goes on with the equation above: it
    starts with a relation (``= 3 x'``), or with an operator and has no relation nor text of
    its own (``+ x'``; not ``- x' x <= 0`` nor ``-d tr(X)/dX = -I``)."""
    row = _after_spacing(row)
    if _RELATION.match(row):
        return True
    return _goes_on(row) and not _RELATION.search(row) and "\\text" not in row


def _goes_on(text: str) -> bool:
    """Whether ``text`` goes on with the equation before: a relation or an operator first,
    after any spacing (``&\\phantom{=} + b'``, ``&\\; + b'``)."""
    return _GOES_ON.match(_after_spacing(text)) is not None


def _after_spacing(text: str) -> str:
    """``text`` without the spacing it starts with (``\\phantom{=}``, ``\\;``, ``{}``, ``&``)."""
    while (spacing := _LEADING.match(text)) is not None and spacing.end() > 0:
        text = text[spacing.end() :]
    return text


def _complete(text: str) -> bool:
    """An equation with a right side written (``L = R``; not ``L = {}`` nor ``L``)."""
    sides = split_top(text, "=")
    return len(sides) > 1 and bool(re.sub(r"[{}\s]|\\[,;:! ]", "", sides[-1]))


_ROW_SPACING = re.compile(r"\*?\s*(?:\[[^\]]*\])?")


def _rows(body: str) -> list[str]:
    """``body`` split at ``\\\\`` outside environments and braces."""
    rows, depth, start, i = [], 0, 0, 0
    while i < len(body):
        if body.startswith("\\\\", i) and depth == 0:
            rows.append(body[start:i])
            i += 2
            i = _ROW_SPACING.match(body, i).end()  # \\[4pt], \\*: spacing (no copy of the rest)
            start = i
            continue
        if body.startswith("\\begin", i) or body[i] == "{":
            depth += 1
        elif body.startswith("\\end", i) or body[i] == "}":
            depth -= 1
        i += 2 if body[i] == "\\" else 1
    rows.append(body[start:])
    return [r for r in rows if r.strip()]
