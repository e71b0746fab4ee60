"""Reading a claimed derivative: the first step of ``check``.

Input: the expression (an ``Expr``), the engine's derivative of it, and the claim: text in matrix
or index notation, or an ``Expr``.
Output: the claim as an ``Expr`` whose variables have the expression's kinds and dimensions, and
the claim's text as the user wrote it; an index-notation claim's axes in the derivative's order.
Invariants:
- the claim is read with the expression's declarations (``declarations_of``), so ``A`` means the
  same matrix in both, and at the derivative's shape when it has one (that sizes a bare ``I``);
  a claim that does not fit that shape is read without it, to be judged wrong, not refused;
  one whose open sizes fit it in more than one way (n*m = 6) is ``SeveralSizes`` (undecided);
- a claim naming a variable the expression does not have is an ``EinderivError``; a syntax error
  is a ``ParseError`` that points into the claim;
- a ``ShapeError`` is left to the caller: a claim that does not type-check is a wrong claim.
"""

from __future__ import annotations

import re

from einderiv.api import Expr, parse
from einderiv.errors import EinderivError, ParseError, SeveralSizes, ShapeError
from einderiv.frontend.lexing import RESERVED
from einderiv.ir.node import is_compound

__all__ = ["declarations_of", "other_readings", "read_claim"]


def read_claim(f: Expr, expected: Expr, claim, wrap=None) -> tuple[Expr, str]:
    """The claim as an ``Expr`` for judging against ``expected``, and its text (``wrap``: what
    the parsed text is made before it is typed, as ``kron_claim.as_entry`` says)."""
    if isinstance(claim, Expr):
        unknown = sorted(set(claim.variables) - set(f.variables))
        if unknown:
            raise EinderivError(f"the claim uses names not in the expression: {', '.join(unknown)}")
        return claim, str(claim)
    if not isinstance(claim, str):
        raise EinderivError(f"the claim must be text or an Expr, not {type(claim).__name__}")
    words = set(re.findall(r"[A-Za-z_]\w*", claim))  # declare only the names the claim can use
    declarations = declarations_of(f, words if len(f.variables) > 50 else None)
    if expected.slots is not None:
        root = tuple(None if i is None else i.dim for i in expected.slots)
    else:  # index notation: the sizes of its axes, which print as i, j, k, ... in order
        root = tuple(i.dim for i in expected.axes)
    try:
        try:
            parsed = parse(claim, where=declarations, what="claim", shape=root, wrap=wrap)
            if _specialized(parsed, f):  # commutation(n, 1)[...] at 1*n: not n = 1
                raise ShapeError("the derivative's shape fixes a size of the expression")
        except SeveralSizes:
            raise  # n*m = 6: its sizes fit in more than one way (undecided), never a wrong shape
        except ShapeError:
            parsed = parse(claim, where=declarations, what="claim", wrap=wrap)  # wrong shape
    except ParseError as error:
        raise ParseError(
            str(error).split("\n", 1)[0].split(": ", 1)[-1],
            text=claim,
            line=error.line,
            column=error.column,
            expected=error.expected,
            what="claim",
        ) from None
    unknown = sorted(set(parsed.variables) - set(f.variables))
    if unknown:
        raise EinderivError(
            f"the claim uses names that are not in the expression: {', '.join(unknown)}"
            + _size_hint(f, unknown)
        )
    return _match_indices(parsed, expected, strict=wrap is None), claim


def _size_hint(f: Expr, unknown: list) -> str:
    """How to write a size the claim names as a variable (the ``n`` of ``X: matrix(n, d)``),
    the commutation matrix written ``K_{mn}`` (Magnus & Neudecker), a name to einderiv, or
    the number pi (a name too)."""
    if "pi" in unknown and "pi" not in f.variables:  # erf'(u) = 2 exp(-u^2) / sqrt(pi)
        return "; einderiv has no constant pi (\\pi is a name): write 3.141592653589793"
    sizes = {d for info in f.variables.values() for d in info.dims if isinstance(d, str)}
    for name in unknown:
        pair = re.fullmatch(r"K_([a-z])([a-z])", name)
        if pair and {pair[1], pair[2]} <= sizes:
            m, n = pair[1], pair[2]
            return f"; for the commutation matrix write K_{{{m},{n}}} (commutation({m}, {n}))"
    for name in unknown:
        for var, info in sorted(f.variables.items()):
            if info.kind in ("vector", "matrix", "symmetric") and name in info.dims:
                of = var if info.dims.index(name) == 0 else f"{var}'"
                return f"; {name} is a size of the expression: write it len({of})"
    return ""


def _specialized(parsed: Expr, f: Expr) -> bool:
    """Whether reading the claim at the derivative's shape made a size of a variable a number
    the expression does not give it (an open size made 1 to fit a compound split another way).
    Other names are no specialization: a variable of a product size (``A`` n-by-2*m) is
    declared to the claim by its kind alone, so its sizes there are fresh names."""
    return any(
        isinstance(mine, int) and mine != theirs
        for name, info in parsed.variables.items()
        if name in f.variables
        for mine, theirs in zip(info.dims, f.variables[name].dims)
    )


def _match_indices(claim: Expr, expected: Expr, strict: bool = True) -> Expr:
    """An index-notation claim's axes in the derivative's order: an index named like one of the
    derivative's (the ``k`` of ``wrt="X[k,l]"``) is bound to it by name; the others fill the
    remaining axes in alphabetical order (``A[i,a]`` for d(A x)/dx[a] is D[i,a], as printed).
    An axis the user named is bound by its name only (``strict``; a Kronecker claim's entry
    letters avoid those names): ``2 x[i]`` for d(x[i] x[i])/dx[k] or ``A[j,k]`` for
    d(A[i,j] x[j])/dx[k] writes another free index than the derivative's, a ShapeError (a wrong
    claim), never the renaming that would make it right."""
    if claim.slots is not None or len(claim.axes) != len(expected.axes):
        return claim
    by_name = {i.name: i for i in claim.axes}
    bound = [by_name.get(i.name) for i in expected.axes]
    named = [i.name for i in expected.axes if not i.name.startswith(("_", "%"))]
    if strict and (any(bound) or len(named) == len(expected.axes)):
        missing = [n for n, b in zip(named, bound) if n not in by_name]
        if missing:
            other = sorted(n for n in by_name if n not in {i.name for i in expected.axes})
            raise ShapeError(
                f"the claim's free indices ({', '.join(i.name for i in claim.axes)}) are not "
                f"the derivative's: it has {', '.join(missing)} (named by the expression or by "
                f"wrt) where the claim writes {', '.join(other)}; a free index keeps its name "
                "on both sides"
            )
    if not any(bound):
        return claim
    rest = iter([a for a in claim.axes if a not in bound])
    axes = tuple(b if b is not None else next(rest) for b in bound)
    return Expr(claim.term, axes, claim.variables, claim.index_dims)


def _keeps(other: Expr, claimed: Expr, bound: set) -> bool:
    """Whether ``other`` leaves every axis bound by name where ``claimed`` has it."""
    return all(a == b for a, b in zip(other.axes, claimed.axes) if b.name in bound)


def declarations_of(f: Expr, names: set | None = None) -> str:
    """``where`` text that gives the claim the expression's kinds and dimensions (of ``names``
    only, when given)."""
    parts = []
    for name, info in sorted(f.variables.items()):
        if (names is not None and name not in names) or name in RESERVED:
            continue  # a bare ``delta`` is a variable, but cannot be declared: read by its use
        dims = f"({', '.join(map(str, info.dims))})" if info.dims else ""
        # "m*n" is not declared, nor a size of 19 digits or more (commutation(10^9, 10^9)), which
        # a declaration cannot state: inferred from use
        if any(is_compound(d) or (isinstance(d, int) and d >= 10**18) for d in info.dims):
            dims = ""
        kind = info.kind
        if kind == "symmetric":
            dims = f"({info.dims[0]})"
        parts.append(f"{name}: {kind}{dims}")
    return "; ".join(parts)


def other_readings(f: Expr, expected: Expr, claimed: Expr, claim) -> list[Expr]:
    """The other readings of an unbound index claim (Y's indices among themselves, X's among
    themselves; the alphabetical order is the claim): its axes reordered or, when the claim
    did not fit the derivative's sizes in alphabetical order (a rectangular X), the text read
    again at the sizes of each other order, its axes then put in the derivative's order."""
    from itertools import permutations

    from einderiv.check.forms import reorderings

    y_order, axes = len(f.axes), expected.axes
    if sorted(map(str, (a.dim for a in claimed.axes))) == sorted(map(str, (a.dim for a in axes))):
        bound = {a.name for a in axes} & {a.name for a in claimed.axes}
        return [o for o in reorderings(claimed, y_order) if _keeps(o, claimed, bound)]
    if not isinstance(claim, str):
        return []
    declarations, out = declarations_of(f), []
    for ys in permutations(range(y_order)):
        for xs in permutations(range(y_order, len(axes))):
            order = ys + xs
            if order == tuple(range(len(axes))) or len(out) >= 23:
                continue
            try:  # the claim's j-th index (alphabetically) is the derivative's axis order[j]
                read = parse(
                    claim, where=declarations, what="claim", shape=tuple(axes[k].dim for k in order)
                )
            except EinderivError:
                continue
            placed = dict(zip(order, read.axes))
            out.append(
                Expr(
                    read.term,
                    tuple(placed[k] for k in range(len(axes))),
                    read.variables,
                    read.index_dims,
                )
            )
    return out
