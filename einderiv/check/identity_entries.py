"""An identity by an entry reads the entries of its claim as it reads its variable's.

Input: the identity's expression (an ``Expr``), its variable as ``check`` takes it (``X[i,j]``)
and as written (``X_{ij}``, read as the entry ``X[i,j]`` by ``identity._judged``), its claim.
Output: ``by_entries`` gives the ``ByEntries`` the LaTeX reader consults while the claim is
read (``frontend.latex_entries.BY_ENTRIES``): there ``A_{ji}``, two one-letter indices on a
matrix of the expression, is the entry ``A_{j,i}``, with a ``ReadAsEntry`` note, as ``X_{ij}``
is X's. ``plain_entries`` does the same for a plain-text claim (``A_ji`` is ``A[j,i]``, ``x_j``
of a vector ``x`` is ``x[j]``).
Invariants: only a name that is no variable of the expression is read so (``A_ji`` declared or
used stays a name; before, such a claim was refused or not well-formed: the entry is the only
reading under which it names the expression's variables); where it reads two ways (three
letters or more, ``A_{jik}``; a variable ``A_jk`` of the expression's own) it is an
``EinderivError`` that spells both readings, never a guess.
"""

from __future__ import annotations

import re
import warnings

from einderiv.api import Expr
from einderiv.errors import EinderivError, ReadAsEntry
from einderiv.frontend.latex_entries import (
    ByEntries,
    identity_note,
    letter_note,
    letter_refusal,
    opened,
)

__all__ = ["by_entries", "plain_entries"]

_MATRIX = ("matrix", "symmetric")
# a plain-text name with a subscript of letters: A_ji, x_j (not A_ji[...], f_i(...), A_j2)
_SCRIPTED = re.compile(r"(?<![\w\[.])([A-Za-z][A-Za-z0-9]*)_([a-z]+)(?![\w\[(])")
_CLOSED = re.compile(r"\)_([a-z]+)(?![\w\[(])")  # (A')_ji: an entry of the parenthesis


def by_entries(f: Expr, wrt: str, written: str) -> ByEntries | None:
    """The entries' reading of an identity by ``wrt`` (``written`` as the text has it), or
    None when ``wrt`` is a whole variable (``X``)."""
    if "[" not in wrt:
        return None
    matrices = {}
    for name, info in f.variables.items():
        if info.kind in _MATRIX:
            own = sorted(v for v in f.variables if re.fullmatch(rf"{re.escape(name)}_[a-z]+", v))
            matrices[name] = own[0] if own else ""
    return ByEntries(written, matrices, frozenset(f.variables))


def plain_entries(claim: str, f: Expr, by: ByEntries | None) -> str:
    """A plain-text ``claim`` (no LaTeX command) with ``A_ji`` written ``A[j,i]`` and ``x_j``
    written ``x[j]`` (see the module docstring); any other text as it is."""
    if by is None or "\\" in claim:
        return claim

    def entry(found: re.Match) -> str:
        name, word = found.groups()
        info = f.variables.get(name)
        if name == "delta" and len(word) == 2 and info is None:  # delta_ij: delta[i,j]
            return f"delta[{word[0]},{word[1]}]"
        if name == "I" and len(word) == 2 and found.group() not in f.variables:  # delta[i,j]
            warnings.warn(identity_note(word, by, latex=False), ReadAsEntry, stacklevel=2)
            return f"delta[{word[0]},{word[1]}]"
        if found.group() in f.variables or info is None:
            return found.group()
        if info.kind == "vector" and len(word) == 1:
            return f"{name}[{word}]"
        if name not in by.matrices or len(word) < 2:  # A_j: no entry of a matrix
            return found.group()
        if refused := letter_refusal(name, name, word, by, latex=False):
            raise EinderivError(refused)
        warnings.warn(letter_note(name, name, word, by, latex=False), ReadAsEntry, stacklevel=2)
        return f"{name}[{word[0]},{word[1]}]"

    def closed(found: re.Match) -> str:  # (A')_ji: (A')[j,i]
        word, shown = found.group(1), claim[opened(claim, found.start()) : found.start() + 1]
        if len(word) < 2:  # (A x)_k: the entry k, as x_k of a vector is x[k]
            return f")[{word}]"
        if refused := letter_refusal(shown, None, word, by, latex=False):
            raise EinderivError(refused)
        warnings.warn(letter_note(shown, None, word, by, latex=False), ReadAsEntry, stacklevel=2)
        return f")[{word[0]},{word[1]}]"

    return _CLOSED.sub(closed, _SCRIPTED.sub(entry, claim))
