"""A Kronecker form whose text reads back (SPEC 7: a printed form parses to the same function).

Input: ``notation.kronecker.kronecker_form``'s answer for a derivative (its matrix IR and
whether its indexed entry reads) and the result's variables.
Output: the same answer; or the form with every ``I`` written with its size (``kron(x',
I_{6})``); or ``(None, False)``: no Kronecker form (``str`` prints index notation, ``kronecker()``
says there is none) -- never a text that einderiv cannot read.
Why: the reader pairs the factors of Kronecker sizes one term after another, so an ``I`` that
only its neighbours size can be paired in one term so that the next term no longer pairs:
``0.5 kron(x', I) kron(I_{2}, kron(commutation(3, 2), I_{3})) kron(I, vec(W')) + 0.5 kron(I,
x') ..`` of d (x' kron(S, W)) / dS, S symmetric: each term reads alone, the sum (in this order)
did not. Each ``I`` takes the size that its term, read alone, gives it.
Invariants:
- a form is returned only when its text reads with the variables declared by their shapes
  (by their kinds only where a size is over pairs, ``n*m``);
- a sized form also passes ``sized_text_reads`` (``I_{6}`` makes the text LaTeX: no name or
  function that LaTeX reads otherwise), and sizes are numbers or one name, never ``m*n``;
- cost: one parse of the form's text; when it fails, one per term and one of the sized text;
- ``closed`` (what ``kronecker()`` writes): a form that reads but leaves an ``I``'s size open
  (``kron(kron(I, p), I)``, 1 by 3 or 3 by 1) is written with the engine's numbers
  (``I_{1}``, ``I_{3}``) when that text reads with every size fixed; ``str``'s indexed entry
  keeps ``I`` (read with ``shape=``). Two more parses when asked. So is a form whose chain
  holds two bare ``I`` apart (``kron(I, kron(p, I))`` of d kron(p, X) / dX: its size k n
  splits as k, n or n, k, another matrix each), each ``I`` with its number or one name
  (``kron(I_{k}, kron(p, I_{n}))``), when that text reads with no such chain left.
This module sits above ``api`` (which imports it when asked), like ``show``.
"""

from __future__ import annotations

import warnings

from einderiv.errors import EinderivError
from einderiv.ir import matrix_ir as M
from einderiv.ir.kron_chains import open_split
from einderiv.notation.cse_names import map_subterms
from einderiv.notation.kronecker_nested import sized_text_reads


def readable_kronecker(found: tuple, variables: dict) -> tuple:
    """``found`` (matrix IR or None, whether its entry reads) when its text reads back; else
    the matrix with its identities sized, when that reads; else ``(None, False)``."""
    matrix, entry_reads = found
    if matrix is None:
        return found
    where = _declarations(variables)
    if _reads(matrix, where):
        return found
    try:
        sized = _each_term(matrix, lambda term: _sized(term, where))
    except EinderivError:
        return (None, False)
    if sized_text_reads(sized) and _reads(sized, where):
        return (sized, entry_reads)
    return (None, False)


def _reads(e: M.MExpr, where: str) -> bool:
    return _read(e, where) is not None


def _read(e: M.MExpr, where: str):
    """``e``'s text parsed with the variables declared, or None when it does not read."""
    from einderiv.api import parse

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return parse(M.show(e), where=where)
    except EinderivError:
        return None


def closed(matrix: M.MExpr, variables: dict) -> M.MExpr:
    """The Kronecker form's right side as ``kronecker()`` writes it: ``matrix``, or, when its
    text reads leaving a size no variable holds, with every ``I`` written with the size the
    engine gave it, if that text reads to sizes all fixed. ``kron(kron(I, p), I)`` of d
    kron(P, p') / dP (P 3-by-1) reads ``m*2*n`` by ``m*n``, 1 by 3 or 3 by 1, two functions;
    ``kron(kron(I_{1}, p), I_{3})`` one. (The indexed entry ``str`` prints keeps the plain
    ``I``: there its indices' sizes are read with the shape.)"""
    where = _declarations(variables)
    read = _read(matrix, where)
    split = _bare_split(matrix)  # kron(I, kron(p, I)): 12-by-4 is I_4, p, I_1 or I_2, p, I_2
    if read is None or not (split or _open_sizes(read, variables)):
        return matrix
    sized = _engine_sized(matrix, names=split)
    again = _read(sized, where) if sized is not None and sized_text_reads(sized) else None
    if again is None or _open_sizes(again, variables) or _bare_split(sized):
        return matrix
    return sized


def _bare_split(matrix: M.MExpr) -> bool:
    """``open_split`` of ``matrix`` as its text reads: an ``I`` printed without its size is
    bare, whatever size the engine knows it by."""

    def bare(x: M.MExpr) -> M.MExpr | None:
        return M.Identity() if isinstance(x, M.Identity) and not x.sized else None

    return open_split(map_subterms(matrix, bare, {}))


def _open_sizes(read, variables: dict) -> bool:
    """Whether the text read leaves a size that no variable holds (``kron(kron(I, p), I)`` of
    d kron(P, p') / dP with P 3-by-1 is ``m*2*n`` by ``m*n``: 1 by 3 or 3 by 1, asked for by
    keyword when evaluated)."""
    held = {p for v in variables.values() for d in v.dims for p in str(d).split("*")}
    return any(p not in held and not p.isdigit() for d in read.shape for p in str(d).split("*"))


def _engine_sized(matrix: M.MExpr, names: bool = False) -> M.MExpr | None:
    """``matrix`` with every ``I`` written with the number the engine sized it by (``I_{1}``),
    or None when one is sized by a name (``kron(I, x')`` by X m-by-n, whose entry ``str``
    writes as the same text: ``I`` there is X's m, given by keyword as before). ``names``:
    one sized by a name is written with it too (``I_{k}``; one of a product, ``n*k``, or of
    no size stays ``I``), for a chain whose bare ``I`` split a size only as a product."""
    dims = []

    def size(x: M.MExpr) -> M.MExpr | None:
        if not isinstance(x, M.Identity):
            return None
        if isinstance(x.dim, int) or names and isinstance(x.dim, str) and x.dim.isidentifier():
            return M.Identity(x.dim, sized=True)
        if not names:
            dims.append(x.dim)
        return None

    sized = map_subterms(matrix, size, {})
    return None if dims else sized


def _each_term(e: M.MExpr, fn) -> M.MExpr:
    """``e`` with each term of its sum (the operands of ``+`` and ``-``) replaced by ``fn``'s."""
    if isinstance(e, (M.Add, M.Sub)):
        return e.replace(left=_each_term(e.left, fn), right=_each_term(e.right, fn))
    return fn(e)


def _sized(term: M.MExpr, where: str) -> M.MExpr:
    """``term`` as its own text reads (``I`` sized by shape inference), every ``I`` written
    with its size; an ``EinderivError`` when it does not read or a size is a product."""
    from einderiv.api import parse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read = parse(M.show(term), where=where).source

    def size(x: M.MExpr) -> M.MExpr | None:
        if not isinstance(x, M.Identity):
            return None
        if isinstance(x.dim, int) or (isinstance(x.dim, str) and x.dim.isidentifier()):
            return M.Identity(x.dim, sized=True)
        raise EinderivError(f"an identity of size {x.dim} has no one-name size")

    return map_subterms(read, size, {})


def _declarations(variables: dict) -> str:
    """The variables declared by their shapes (a size over pairs, ``n*n``, which declarations
    cannot write, by its kind only: inferred from use, as when the user wrote none)."""
    parts = []
    for name, info in sorted(variables.items()):
        dims = info.dims[:1] if info.kind == "symmetric" else info.dims
        if any(isinstance(d, str) and not d.isidentifier() for d in dims):
            dims = ()
        parts.append(f"{name}: {info.kind}" + (f"({', '.join(map(str, dims))})" if dims else ""))
    return "; ".join(parts)
