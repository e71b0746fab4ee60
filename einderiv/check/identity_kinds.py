"""Kinds of names by the typesetting conventions of a LaTeX identity: a bold lower-case letter
is a vector, a plain one a scalar (where some vector is bold), a letter in a bold capital's
exponent an integer.

Input: the LaTeX text of an identity (both sides and the variable). Output: ``conventions``
(name -> "vector" / "scalar" / "integer" / "conflict"), ``braced_fonts`` (``\\mathbf x`` ->
``\\mathbf{x}``), ``FONT`` (the bold commands), ``as_scalars`` (an identity with its plain
letters beside bold capitals declared scalars, Wikipedia's ``\\ln|a\\mathbf{X}|``),
``plain_letters`` (the letters set plain in a text), ``transposed`` (those written transposed).
Invariants: pure functions of the text; a name set both bold and plain is a "conflict", never
guessed; ``\\delta`` is never a vector unsaid (it cannot be declared).
"""

from __future__ import annotations

import re
from dataclasses import replace

from einderiv.frontend.latex_commands import ACCENTS

__all__ = [
    "FONT",
    "TRANSPOSED",
    "as_scalars",
    "braced_fonts",
    "conventions",
    "plain_letters",
    "transposed",
]

FONT = r"\\(?:mathbf|boldsymbol|bm|vec|mathbfit|symbf)"
# an accented letter, \bar{x}, \hat y, \tilde{\mathbf{x}}: the name x_bar, y_hat, x_tilde
_ACCENT = re.compile(
    rf"\\({'|'.join(ACCENTS)})(?![A-Za-z])\s*(?:\{{\s*(?:{FONT}\s*\{{\s*([a-z])\s*\}}|([a-z]))"
    r"\s*\}|([a-z])(?![A-Za-z]))"
)
# after a name: a transpose mark (x', x^T, x^{\top}, x^\intercal, xᵀ, x⊤)
TRANSPOSED = r"\s*(?:'|\^\s*\{?\s*(?:\\top|T|\\intercal|\\mathsf\{T\})(?![A-Za-z])|ᵀ|⊤)"
_FONT = FONT


def conventions(text: str, capitals: bool = False) -> dict[str, str]:
    """Kinds by typesetting convention in a LaTeX text: name -> "vector" / "scalar" /
    "integer"; names written both bold and plain are "conflict"; plain lower-case letters are
    scalars only in a text that sets some vector in bold, or with ``capitals`` some capital
    (``\\ln|a\\mathbf{X}|``), else they are left to ``parse``."""
    text = braced_fonts(text)
    kinds: dict[str, str] = {}
    accented = {  # \bar{x} is its own name, x_bar: a vector when bold, never x itself
        f"{m.group(2) or m.group(3) or m.group(4)}_{ACCENTS[m.group(1)]}": m.group(2) is not None
        for m in _ACCENT.finditer(text)
    }
    text = _ACCENT.sub(" ", text)
    bold = set()
    for inside in re.findall(rf"{_FONT}\s*\{{([^{{}}]*)\}}", text):
        names = re.findall(r"\\([A-Za-z]+)", inside) or re.findall(r"[A-Za-z]", inside)
        bold.update(names)
    for name in bold:
        if name[0].islower() and name != "delta":  # \delta cannot be declared: a vector unsaid
            kinds[name] = "vector"
    exponents = set()
    for power in re.findall(rf"{_FONT}\s*\{{[A-Z]+\}}\s*\^\s*(\{{[^{{}}]*\}}|\w)", text):
        exponents.update(re.findall(r"(?<!\\)\b[a-z]\b", power.strip("{}")))
    plain = _plain(text)
    entries = _entries_only(text)  # \mathbf{x} and x_k: x_k is its entry, as papers print it
    vectors_bold = any(name[0].islower() or capitals for name in bold)
    vectors_bold = vectors_bold or any(accented.values())
    for name, in_bold in accented.items():
        if in_bold or vectors_bold:
            kinds[name] = "vector" if in_bold else "scalar"
    euler = re.search(r"\be\s*\^", plain) is not None  # e^{u}: parse reads exp(u), and says so
    counters = set(re.findall(r"\\sum\s*_\s*\{\s*([a-z])\s*=", text))  # \sum_{r=0}: bound, no kind
    for letter in set(re.findall(r"[a-z]", plain)) - counters:
        if letter == "e" and euler:
            continue
        if letter in exponents:
            kinds[letter] = "conflict" if letter in bold else "integer"
        elif vectors_bold:  # the text sets vectors in bold: a plain letter is a scalar
            if letter not in bold:
                kinds[letter] = "scalar"
            elif letter not in entries:  # x and \mathbf{x} both: which one is x?
                kinds[letter] = "conflict"
        # else no vector is bold: a plain letter's kind is parse's (a vector unless its use
        # makes it a scalar, SPEC 6.3), as in the same text given to ``ed.parse``
    return kinds


def transposed(text: str, names) -> set[str]:
    """Those of ``names`` that ``text`` writes transposed (``x^\\top``): vectors as written."""
    return {n for n in names if re.search(rf"(?<![A-Za-z\\]){re.escape(n)}{TRANSPOSED}", text)}


def plain_letters(text: str) -> set[str]:
    """The plain lower-case letters of a LaTeX text, as ``conventions`` sees them (no command,
    font group, subscript or bracketed index)."""
    return set(re.findall(r"[a-z]", _plain(braced_fonts(text))))


def _entries_only(text: str) -> set[str]:
    """The plain lower-case letters of ``text`` (fonts braced) written only with a subscript of
    index letters (``x_k``, ``x_{ij}``, ``x_{i,j}``): entries, as papers print those of a bold
    vector, never a plain letter of their own (``x_1``, a label, is plain)."""
    plain = _unformatted(text)
    subscripted, bare = set(), set()
    for m in re.finditer(r"_\s*(?:\{[^{}]*\}|\w)|([a-z])(?:\s*_\s*(\{[^{}]*\}|\w))?", plain):
        if m.group(1) is None:  # )_i: a subscript of no letter
            continue
        index = (m.group(2) or "").strip("{}")
        by_indices = re.fullmatch(r"\s*[a-z](?:\s*,?\s*[a-z])*\s*", index) is not None
        (subscripted if by_indices else bare).add(m.group(1))
    return subscripted - bare


def _unformatted(text: str) -> str:
    """``text`` (fonts braced) without bold groups, commands, words, ``^T`` and ``[...]``."""
    plain = re.sub(rf"{_FONT}\s*\{{[^{{}}]*\}}", " ", _ACCENT.sub(" ", text))
    plain = re.sub(r"\\(?:operatorname|text\w*|mathrm|mathit)\s*\{[^{}]*\}", " ", plain)
    return re.sub(r"\\[A-Za-z]+|\^\s*T\b|\[[^\]]*\]", " ", plain)


def _plain(text: str) -> str:
    """``text`` (fonts braced) without bold groups, commands, words, ``^T``, ``[...]`` and
    subscripts: what is left of it is set in plain letters."""
    return re.sub(r"_\s*(\{[^{}]*\}|\w)", " ", _unformatted(text))


def braced_fonts(text: str) -> str:
    """``\\mathbf x`` and ``\\boldsymbol\\mu`` (TeX: a font takes one symbol without braces)
    written with braces, ``\\mathbf{x}``, as the rules here read them."""
    return re.sub(rf"({_FONT})(?:\s+([A-Za-z0-9])|\s*(\\[A-Za-z]+))", _brace, text)


def _brace(m: re.Match) -> str:
    return f"{m.group(1)}{{{m.group(2) or m.group(3)}}}"


def as_scalars(identity):
    """``identity`` (``check.identity.Identity``) with its plain letters beside bold capitals
    declared scalars (``plain_scalars``, by ``conventions(capitals=True)``), and words that say
    so: ``(other, "x read as a scalar: plain beside bold capitals")``."""
    names = frozenset(re.findall(r"(\w+): scalar", identity.plain_scalars))
    where = "; ".join(p for p in (identity.where, identity.plain_scalars) if p)
    scalars = "a scalar" if len(names) == 1 else "scalars"
    read = f"{', '.join(sorted(names))} read as {scalars}: plain beside bold capitals"
    return replace(identity, where=where, by_convention=identity.by_convention | names), read
