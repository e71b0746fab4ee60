"""Reading a result back: the declarations its text needs that the user never wrote.

Input: a result ``g`` (an ``Expr``), its text (``str(g)``) and the ``where`` declarations it
was derived with.
Output: ``kinds_to_declare``: declarations such as ``s: scalar`` for the names whose kind the
expression fixed by their use (SPEC 6.3: ``/ sqrt(s)`` makes ``s`` a scalar) where the result's
text no longer does (``d/dx (s x' x) / sqrt(s)`` is ``2 sqrt(s) x'``, in which plain text reads
``s`` as a vector); ``readback_note``: the note the command line and the web page print for them.
Invariants:
- a name is listed only when reading the text back with ``where`` gives it another kind (or
  fails), and reading it with the listed declarations added gives every name its kind: the note
  never suggests declarations that do not make the text read back;
- only undeclared, non-Greek scalars are candidates (the kinds a use decides), and vectors when
  the text has an elementwise power (``y .^ x``, x a vector by ``a' x`` in the expression), so
  a result without either costs nothing; otherwise one or two parses of the result's text.
This module sits above ``api``, like ``show``.
"""

from __future__ import annotations

import re
import warnings

from einderiv.errors import EinderivError
from einderiv.frontend.parse import parse_declarations
from einderiv.ir import greek

__all__ = ["kinds_to_declare", "readback_note"]

_SCALAR_KINDS = ("scalar", "integer")


def kinds_to_declare(g, text: str, where: str | None = None) -> tuple[str, ...]:
    """Declarations (``"s: scalar"``) that ``text``, the printed form of ``g``, needs besides
    ``where`` to read back with every name of the kind it has in ``g``; () when it needs none
    (or when no declarations would make it read back, which this does not claim to fix)."""
    from einderiv.api import parse  # above api: imported when asked, as show is

    declared = {d.name for d in parse_declarations(where)} if where else set()
    # a vector in an elementwise exponent (x of ``y .^ x``, a vector by ``a' x``) is a
    # candidate only when the text holds one, so a result without ``.^`` costs nothing more
    kinds = _SCALAR_KINDS + (("vector",) if ".^" in text or "circ" in text else ())
    candidates = [
        name
        for name, info in g.variables.items()
        if info.kind in kinds
        and name not in declared
        and name not in greek.NAMES
        and re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text)
    ]
    if not candidates:
        return ()
    wrong = _misread(parse, g, text, where, candidates)
    if not wrong:
        return ()
    extra = [_declaration(g.variables[name]) for name in wrong]
    fuller = "; ".join(([where] if where else []) + extra)
    if _misread(parse, g, text, fuller, candidates):  # declarations would not fix it: no claim
        return ()
    return tuple(extra)


def _declaration(info) -> str:
    """``s: scalar``, ``k: integer``, ``x: vector(n)``."""
    sizes = f"({', '.join(map(str, info.dims))})" if info.kind == "vector" else ""
    return f"{info.name}: {info.kind}{sizes}"


def _misread(parse, g, text: str, where: str | None, names: list[str]) -> list[str]:
    """The ``names`` that reading ``text`` with ``where`` gives another kind than in ``g`` (all
    of them when it does not read)."""
    try:
        with warnings.catch_warnings():  # einderiv's own text: its notes are not the user's
            warnings.simplefilter("ignore")  # (W x^2 read as a scalar, said of the expression)
            back = parse(text, where)
    except EinderivError:
        return names
    kinds = back.variables
    return [n for n in names if n in kinds and kinds[n].kind != g.variables[n].kind]


def readback_note(g, text: str, where: str | None = None) -> str | None:
    """The note for ``kinds_to_declare`` (None when there is nothing to say)."""
    extra = kinds_to_declare(g, text, where)
    if not extra:
        return None
    names = [e.split(":")[0] for e in extra]
    kinds = {e.split(": ")[1].split("(")[0] for e in extra}
    what = (
        f"`{names[0]}` is {'an' if extra[0].endswith('integer') else 'a'} {kinds.pop()} by its use"
        if len(extra) == 1
        else f"{', '.join(f'`{n}`' for n in names)} are {' or '.join(sorted(kinds))}s by their use"
    )
    return (
        f"{what} in the expression, which the result no longer shows: read the result back "
        f"with --where '{'; '.join(extra)}'"
    )
