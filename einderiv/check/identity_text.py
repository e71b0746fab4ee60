"""The text of an identity as written: brackets, labels and derivatives found in it.

Input: LaTeX or plain text of an identity, a display's row, or a side of one.
Output: ``split_top`` (the text split at a separator outside brackets, braces and
environments), ``unclosed`` (why an '=' is inside a bracket), ``unwrapped`` (the math of a text
pasted with its delimiters, ``$...$``, ``\\[...\\]``, an ``align`` row), ``mentions_derivative`` (a
derivative anywhere), ``LABEL`` and ``TRAILING_LABEL`` (an equation label such as ``(2)``,
``(C11)``, ``(3.1a)``, ``(D1-lit)``, ``(ii)``, and one written after an identity), ``TAGS``
(``\\tag{1}``, ``\\label{...}``, ``\\nonumber``), ``quad_tail`` (what a ``\\quad`` outside
brackets is followed by, other than an operator it spaces) and ``is_math`` (whether that is math,
``x^\\top``, rather than a remark: words, a relation, a quantifier, a parenthesis, a label).
Invariants: pure functions of the text, no reading of its mathematics; a label is never a
factor (``= x^\\top \\quad (2)``), and a remark in words is never a label.
"""

from __future__ import annotations

import functools
import re

__all__ = [
    "LABEL",
    "QUAD_MATH",
    "TAGS",
    "TRAILING_LABEL",
    "is_math",
    "mentions_derivative",
    "no_full_stop",
    "quad_tail",
    "split_top",
    "unclosed",
    "unwrapped",
]

_OPEN, _CLOSE = "({[", ")}]"
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)")


def split_top(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside brackets, braces and environments."""
    parts, depth, start, i = [], 0, 0, 0
    plain = _plain(sep[0])
    while i < len(text):
        if run := plain.match(text, i):  # nothing to count or split at: skipped whole
            i = run.end()
            continue
        if (
            depth <= 0
            and text.startswith(sep, i)
            and not re.match(
                r"[A-Za-z]", text[i + len(sep) : i + len(sep) + 1] if sep[-1].isalpha() else ""
            )
        ):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        if text.startswith("\\begin", i):
            depth += 1
        elif text.startswith("\\end", i):
            depth -= 1
        elif text.startswith("\\", i):  # a command (\{ or \left( are not brackets of ours)
            match = _COMMAND.match(text, i)  # at i: no copy of the rest (linear time)
            i += len(match.group(0)) if match else 1
            continue
        c = text[i]
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        i += 1
    parts.append(text[start:])
    return parts


@functools.cache
def _plain(first: str) -> re.Pattern:
    """A run of characters that are neither ``first`` (a separator's) nor a backslash or a
    bracket: ``split_top`` passes over them one by one, and at once with this."""
    return re.compile(f"[^{re.escape(first + chr(92) + _OPEN + _CLOSE)}]+")


def mentions_derivative(text: str) -> bool:
    """Whether ``text`` contains a derivative anywhere (a rule rather than a claim)."""
    pattern = r"\\partial(?![A-Za-z])|\\nabla(?![A-Za-z])|[\u2202\u2207]|\\[dt]?frac\s*\{\s*(?:d(?![a-ce-z]{2})|\\mathrm\s*\{\s*d\s*\})"
    return re.search(pattern, text) is not None


def unclosed(text: str) -> str:
    """Why an '=' of ``text`` is inside brackets: the bracket before it that is never closed
    (or closed by a bracket of another kind), as ``split_top`` counts them."""
    stack: list[tuple[int, str]] = []  # (column, opener): "(", "[", "{" or "\\begin"
    i, stop = 0, text.index("=")
    while i < stop:
        if text.startswith("\\begin", i) or text.startswith("\\end", i):
            if text.startswith("\\begin", i):
                stack.append((i, "\\begin"))
            elif stack and stack[-1][1] == "\\begin":
                stack.pop()
            i += 4
            continue
        if text.startswith("\\", i):  # a command: \{ and \left( are not brackets of ours
            match = _COMMAND.match(text, i)  # at i: no copy of the rest (linear time)
            i += len(match.group(0)) if match else 1
            continue
        c = text[i]
        if c in _OPEN:
            stack.append((i, c))
        elif c in _CLOSE and stack:
            if stack[-1][1] != _OPEN[_CLOSE.index(c)]:
                break  # closed by another kind: the one open is the culprit
            stack.pop()
        i += 1
    at, opener = stack[-1] if stack else (0, text[:1])
    what = "\\begin{...} has no \\end" if opener == "\\begin" else f"{opener!r} is never closed"
    return f"the {what} (column {at + 1}: {text[at : at + 16]!r}), so '=' is inside it"


# an equation number or label: (2), (C11), (3.1a), (2.3.4), with words after hyphens (D1-lit),
# (D1-inv-not-T); a roman numeral (i), (iv), (xii) (not (x-1): a difference)
LABEL = (
    r"\(\s*((?:[A-Za-z]{0,6}\s?\d+(?:\.\d+)*[A-Za-z]*(?:-[A-Za-z0-9]+)*"
    r"|(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})))\s*\)"
)
# \tag{1}, \tag*{(C9)}, \label{eq:d}, \nonumber: typesetting of a display, never a factor
# a sentence's punctuation at the end of a side: never the , or ; of a spacing command (\, \;)
_FULL_STOP = re.compile(r"(?:(?<!\\)[.,;]\s*)+$")


def no_full_stop(text: str) -> str:
    """``text`` without the punctuation that ends it (``A^\\top.``, ``A^\\top\\,,``), keeping
    a spacing command's own ``,`` or ``;`` (``A^\\top\\;\\;``: it was cut to ``A^\\top\\;\\``)."""
    return _FULL_STOP.sub("", text.strip()).strip()


TAGS = re.compile(r"\\(?:tag\*?|label)\s*\{[^{}]*\}|\\(?:nonumber|notag)(?![A-Za-z])")
TRAILING_LABEL = re.compile(  # after a wide space: \quad, ~, or two spacing commands (\, (2): 2)
    r"(?:\s*\\q?quad(?![A-Za-z])|\s*~|(?:\s*(?:\\[,;: ]|~)){2,})+\s*" + LABEL + r"\s*[.,;]?\s*$"
)


# what makes the text after a \quad a remark rather than math: words in \text, quantifiers,
# relations (\forall x \in S, \Sigma \succ 0, x > 0: a condition), implications
_REMARK = re.compile(
    r"\\(?:text\w*|mbox|forall|exists|in|notin|ni|succ|succeq|prec|preceq|neq|ne|leq|le|geq"
    r"|ge|approx|sim|simeq|propto|mid|subset|subseteq|iff|implies|[Rr]ightarrow|[Ll]eftarrow)"
    r"(?![A-Za-z])"
)
# an operator that a \quad before it only spaces: x^\top \quad + x^\top is one sum
_SPACED = re.compile(r"\s*(?:[+\-]|\\(?:cdot|times|pm|mp)(?![A-Za-z]))")


# math after an identity's \quad: never dropped as its remark (\quad parts the two)
QUAD_MATH = (
    "the right side goes on after \\quad with math (`{tail}`), neither a remark nor a "
    "condition: in an identity \\quad parts the right side from its remark or label, so write "
    "it without \\quad (a product: 2 x^\\top x^\\top), or put a remark in \\text{{...}}"
)


def quad_tail(text: str) -> str | None:
    """What follows the first ``\\quad`` or ``\\qquad`` of ``text`` outside brackets and braces
    that is no spacing before an operator (``x^\\top \\quad + x^\\top``), stripped; None when
    there is none (or only spacing after it)."""
    parts = split_top(re.sub(r"\\qquad(?![A-Za-z])", r"\\quad", text), "\\quad")
    for k, part in enumerate(parts[1:], 1):
        if part.strip() and not _SPACED.match(part):
            return "\\quad".join(parts[k:]).strip()
    return None


def is_math(tail: str) -> bool:
    """Whether ``tail``, written after a ``\\quad``, is math (``x^\\top``, ``\\mathbf{A}
    \\mathbf{x}``) rather than a remark: no words (``symmetric``, ``\\text{for all } x``), no
    relation or quantifier (``\\Sigma \\succ 0``, ``x \\in S``, ``B = B^T``), no parenthesis
    around it (``(B symmetric)``), no label (``(2)``)."""
    bare = tail.strip().strip(".,;").strip()
    if not bare or re.fullmatch(LABEL, bare) or _REMARK.search(bare):
        return False
    if bare.startswith("(") and bare.endswith(")"):
        return False
    return re.search(r"[A-Za-z]{2,}|[=<>]", _COMMAND.sub(" ", bare)) is None


# a display or inline formula pasted whole: $...$, $$...$$, \[...\], \(...\), an environment
_DELIMITERS = re.compile(
    r"\s*(?:\$\$(?P<a>.*)\$\$|\$(?P<b>[^$]*)\$|\\\[(?P<c>.*)\\\]|\\\((?P<d>.*)\\\)"
    r"|\\begin\s*\{(?P<env>equation|align|gather|displaymath|multline|math)(?P<star>\*?)\}"
    r"(?P<e>.*)\\end\s*\{(?P=env)(?P=star)\})\s*[.,;]?\s*",
    re.DOTALL,
)


# an align row's alignment point: before or after its '=' (&=, =&) or at the row's start; an
# '&' elsewhere starts another column (a second equation, a remark: 2 & x^T is not read as a
# product) and stays, refused
_ALIGNMENT = re.compile(r"(?<!\\)&(?=\s*=)|(?<==)\s*&|^\s*&")


def unwrapped(text: str) -> str:
    """The math of ``text`` pasted with its delimiters (``$...$``, ``$$...$$``, ``\\[...\\]``,
    ``\\(...\\)``, ``\\begin{equation}...\\end{equation}``, also ``align``, ``gather``):
    the inside, with the alignment ``&`` at its ``=`` or start (not ``\\&``, nor another
    column's) a space and a row break ``\\\\`` at its end dropped, as an ``align`` row is
    pasted (``... &= 2 x^\\top \\\\``); ``text`` itself when it is none of these (a row break
    inside stays, and is refused as before)."""
    whole = _DELIMITERS.fullmatch(text)
    inside = (
        text
        if whole is None
        else next(g for g in whole.group("a", "b", "c", "d", "e") if g is not None)
    )
    row = re.sub(r"(?:\\\\\s*)+$", "", inside.strip())  # a row break at the end
    row = _ALIGNMENT.sub(" ", row)  # the alignment point at a relation or the row's start
    return text if row == text.strip() and whole is None else row
