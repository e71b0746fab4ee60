"""Capitals read as scalars by their use: said, never silent (SPEC 6.3).

Input: the typed tree of an expression (``shapes.Typed``), its source text and the declared
names.
Output: nothing, or one ``ReadAsScalarByUse`` note per undeclared capital (a matrix by its case,
SPEC 1) that a scalar-forcing place made a scalar: a divisor (``y / (W x)``, ``sum(x) / (N
k)``), an elementwise exponent (``x .^ A``), the exponent of a scalar (``2^(A b)``, ``(x'
x)^P``). The note names the place, the names read there as scalars (``W`` and ``x``) and the
fix if the capital is a matrix (``y ./ (W x)``, ``2 .^ (A b)``, ``A: matrix(m, n)``), or the
declaration that says it is a number (``W: scalar``), which silences it.
Invariants: nothing is read differently (the kinds are those ``name_uses`` and ``shapes``
gave); the places are those of ``name_uses`` (and a power whose base is a scalar by shape,
``shapes._real_exponents``), their names those of ``forced_scalars``; lower-case names alone
(``sum(x) / n``, SPEC 6.3's own example), Greek letters, integers (``X^K``, SPEC 1) and
declared names are never noted; a tree with no undeclared capital read as a scalar costs one
pass over its variables.
"""

from __future__ import annotations

import warnings

from einderiv.errors import ReadAsScalarByUse
from einderiv.frontend.latex import is_latex
from einderiv.frontend.name_uses import by_matrix, greek_scalar, nodes, scalar_base
from einderiv.ir import matrix_ir as M
from einderiv.ir.scalar_use import forced_scalars, negative_number

__all__ = ["note_forced_kinds"]


def note_forced_kinds(typed, text, declared: frozenset = frozenset()) -> None:
    """Warn once per undeclared capital of ``typed`` that a scalar-forcing place made a scalar
    (the module's docstring); ``text``: the source, quoted when it is plain text."""
    scalars = {
        n
        for n, v in typed.variables.items()
        if v.kind == "scalar" and n not in declared and not greek_scalar(n)
    }
    capitals = {n for n in scalars if n[0].isupper()}
    if not capitals:
        return
    kinds = {n: typed.variables[n].kind for n in declared if n in typed.variables}
    plain = isinstance(text, str) and not is_latex(text)  # LaTeX: places shown in plain text
    for e in nodes(typed.tree):
        place = _place(typed, e, kinds)
        if place is None:
            continue
        what, child = place
        names = forced_scalars(child) & scalars
        said = sorted(names & capitals)
        if not said:
            continue
        capitals -= names
        others = sorted(names - set(said))
        site = text[e.span[0] : e.span[1]] if plain and e.span else M.show(e)
        warnings.warn(_note(said, others, what, site, e, kinds), ReadAsScalarByUse, stacklevel=5)
        if not capitals:
            return


def _place(typed, e: M.MExpr, kinds: dict) -> tuple[str, M.MExpr] | None:
    """(what the place is, the sub-expression there) when ``e`` makes the names of one of its
    parts scalars (``name_uses.name_uses``), else None."""
    kind = type(e)
    if kind is M.Div:
        return "the divisor of", e.right
    if kind is M.ElemPow and not by_matrix(e.exponent, kinds):
        return "the elementwise exponent of", e.exponent
    if kind is M.Power and not negative_number(e.base):
        shape = typed.shapes.get(id(e.base))
        if scalar_base(e.base, kinds) or shape == (None, None):  # 2^t, (x' x)^P
            return "the exponent of the scalar power", e.exponent
    return None


def _note(said: list, others: list, what: str, site: str, e: M.MExpr, kinds: dict) -> str:
    """The note: what was read, where, why, and the two fixes."""
    every = said + others
    names = " and ".join([", ".join(every[:-1]), every[-1]] if len(every) > 1 else every)
    one = len(said) == 1
    caps = " and ".join(said)
    case = f"{caps} {'is a matrix by its' if one else 'are matrices by their'} case (SPEC 1)"
    if type(e) is M.Div:
        fix = f"write `{M.show(M.ElemDiv(e.left, e.right))}` for the entrywise quotient"
    elif type(e) is M.Power and by_matrix(e.exponent, kinds):
        fix = f"write `{M.show(M.ElemPow(e.base, e.exponent))}` for the entrywise power"
    else:
        decls = "; ".join(f"{n}: matrix(m, n)" for n in said)
        fix = f"declare `{decls}`"
        if type(e) is M.Power:
            fix += f" and write `{M.show(M.ElemPow(e.base, e.exponent))}`"
        fix += " (an exponent of that shape is taken entry by entry)"
    scalar = "; ".join(f"{n}: scalar" for n in said)
    return (
        f"read {names} in {what} `{site}` as {'a scalar' if len(every) == 1 else 'scalars'} "
        f"(SPEC 6.3), though {case}: if {caps} {'is a matrix' if one else 'are matrices'}, "
        f"{fix}; declare `{scalar}` to say {'it is a number' if one else 'they are numbers'}"
    )
