"""Capitals read as scalars by their use: said, never silent (SPEC 6.3).

Input: the typed tree of an expression (``shapes.Typed``), its source text and the declared
names.
Output: nothing, or one ``ReadAsScalarByUse`` note per undeclared capital (a matrix by its case,
SPEC 1) that a scalar-forcing place made a scalar: a divisor (``y / (W x)``, ``sum(x) / (N
k)``), an elementwise exponent (``x .^ A``), the exponent of a scalar (``2^(A b)``, ``(x'
x)^P``). The note names the place, the names read there as scalars (``W`` and ``x``) and the
fix if the capital is a matrix (``y ./ (W x)``, ``2 .^ (A b)``, ``A: matrix(m, n)``), or the
declaration that says it is a number (``W: scalar``), which silences it. A lower-case letter
set in bold in LaTeX (``\\frac{1}{\\mathbf{x}}``) is a vector as written: said likewise.
So is a lower-case name in the elementwise exponent of a base that is a scalar by its shape
only (``((y' y)^2) .^ x``: ``.^`` is ``^`` there; ``2 .^ x``, ``(a' y) .^ x`` keep x a vector).
Invariants: nothing is read differently (the kinds are those ``name_uses`` and ``shapes``
gave); the places are those of ``name_uses`` (and a power whose base is a scalar by shape,
``shapes._real_exponents``), their names those of ``forced_scalars``; lower-case names alone
(``sum(x) / n``, ``x .^ p``: SPEC 6.3's own examples), Greek letters, integers (``X^K``, SPEC 1) and
declared names and names of sizes (said by ``conventions``) are never noted; a tree with no
undeclared capital read as a scalar costs one pass over its variables.
"""

from __future__ import annotations

import re
import warnings

from einderiv.errors import ReadAsScalarByUse
from einderiv.frontend.latex import is_latex
from einderiv.frontend.name_uses import array_exponent, by_matrix, greek_scalar, nodes, scalar_base
from einderiv.ir import matrix_ir as M
from einderiv.ir.scalar_use import forced_scalars, negative_number

__all__ = ["bold", "note_forced_kinds"]


def note_forced_kinds(typed, text, declared: frozenset = frozenset()) -> None:
    """Warn once per undeclared capital of ``typed`` (or lower-case name set in bold in LaTeX,
    ``\\mathbf{x}``: a vector as written) that a scalar-forcing place made a scalar (the
    module's docstring); ``text``: the source, quoted when it is plain text."""
    scalars = {
        n
        for n, v in typed.variables.items()
        if v.kind == "scalar" and n not in declared and not greek_scalar(n)
    }
    latex = isinstance(text, str) and is_latex(text)
    looks = {n: "matrix" for n in scalars if n[0].isupper()}  # the kind each name looks
    looks |= {n: "vector" for n in scalars if latex and n not in looks and bold(text, n)}
    # a lower-case name (a vector by its case) in the elementwise exponent of a base that is a
    # scalar by its shape only (``((y' y)^2) .^ x``): ``.^`` is then ``^``, said too
    lower = {n: "lower" for n in scalars if n not in looks and n[0].islower()}
    if not looks and not lower:
        return
    kinds = {n: typed.variables[n].kind for n in declared if n in typed.variables}
    for e in nodes(typed.tree):
        place = _place(typed, e, kinds)
        if place is None:
            continue
        what, child = place
        names = forced_scalars(child) & scalars
        if type(e) is M.ElemPow and typed.shapes.get(id(e.base)) == (None, None):
            looks |= {n: lower.pop(n) for n in names & lower.keys()}
        said = sorted(names & looks.keys())
        if not said:
            continue
        others = sorted(names - set(said))
        site = M.show(e) if latex or not e.span else text[e.span[0] : e.span[1]]
        note = _note({n: looks.pop(n) for n in said}, others, what, site, e, kinds)
        warnings.warn(note, ReadAsScalarByUse, stacklevel=6)
        if not looks and not lower:
            return


def _place(typed, e: M.MExpr, kinds: dict) -> tuple[str, M.MExpr] | None:
    """(what the place is, the sub-expression there) when ``e`` makes the names of one of its
    parts scalars (``name_uses.name_uses``), else None."""
    kind = type(e)
    if kind is M.Div:
        return "the divisor of", e.right
    if kind is M.ElemPow and not array_exponent(e, kinds):
        return "the elementwise exponent of", e.exponent
    if kind is M.Power and not negative_number(e.base):
        shape = typed.shapes.get(id(e.base))
        if scalar_base(e.base, kinds) or shape == (None, None):  # 2^t, (x' x)^P
            return "the exponent of the scalar power", e.exponent
    return None


_WHY = {
    "matrix": "a matrix by its case (SPEC 1)",
    "vector": "set in bold, a vector",
    "lower": "a vector by its case (SPEC 1) and the base is a scalar, so `.^` is `^` there",
}
_KIND = {"lower": "vector"}
_DIMS = {"matrix": "matrix(m, n)", "vector": "vector(n)", "lower": "vector(n)"}


def _note(said: dict, others: list, what: str, site: str, e: M.MExpr, kinds: dict) -> str:
    """The note: what was read (``said``: name -> the kind it looks), where, why, two fixes."""
    every = list(said) + others
    names = " and ".join([", ".join(every[:-1]), every[-1]] if len(every) > 1 else every)
    why = " and ".join(f"{n} is {_WHY[k]}" for n, k in said.items())
    meant = " and ".join(
        f"{n} {'is ' * (i == 0)}a {_KIND.get(k, k)}" for i, (n, k) in enumerate(said.items())
    )
    if type(e) is M.Div:
        fix = f"write `{M.show(M.ElemDiv(e.left, e.right))}` for the entrywise quotient"
    elif type(e) is M.Power and by_matrix(e.exponent, kinds):
        fix = f"write `{M.show(M.ElemPow(e.base, e.exponent))}` for the entrywise power"
    else:
        fix = f"declare `{'; '.join(f'{n}: {_DIMS[k]}' for n, k in said.items())}`"
        if type(e) is M.Power:
            fix += f" and write `{M.show(M.ElemPow(e.base, e.exponent))}`"
        fix += " (an exponent of that shape is taken entry by entry)"
    scalar = "; ".join(f"{n}: scalar" for n in said)
    one = len(every) == 1
    return (
        f"read {names} in {what} `{site}` as {'a scalar' if one else 'scalars'} (SPEC 6.3), "
        f"though {why}: if {meant}, {fix}; declare `{scalar}` to say "
        f"{'it is a number' if len(said) == 1 else 'they are numbers'}"
    )


def bold(text: str, name: str) -> bool:
    """Whether LaTeX ``text`` sets ``name`` in bold (``\\mathbf{b}``): a vector, as written."""
    found = rf"\\(?:mathbf|boldsymbol|bm)\s*\{{?\s*\\?{re.escape(name)}\b"  # \boldsymbol{\alpha}
    return re.search(found, text) is not None
