"""``show(cse=True)`` in index notation (``einderiv.show``): the definitions and the result.

Input: an ``Expr`` and either its shared subexpressions named in matrix form (``Shared``, from
``show.named``) or none (a result with no matrix form, named in index notation here).
Output: ``_index_lines``: each definition ``t1[i,j] = ...`` read with the earlier names declared
as variables of their shapes, then the result; ``_index_named``: a result with no matrix form
(or a stage of its derivation) with its shared subterms named (``notation.index_cse``), in index
notation or its LaTeX; ``_declarations``, ``_kind``: ``where`` text of variables and values.
Invariants: every line returned reads back (a scalar definition sums over index names of its
own, so substituted it clashes with none of the result's); text that does not read back raises
``EinderivError`` (the caller prints without names).
"""

from __future__ import annotations

import re

from einderiv.errors import EinderivError
from einderiv.frontend.latex import is_latex
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.notation.cse import Shared
from einderiv.notation.cse_names import _rename
from einderiv.notation.index_cse import index_shared
from einderiv.notation.printing import index_definition, index_latex, index_notation


def _index_named(g, latex: bool, term: T.Term | None = None) -> str | None:
    """A result in index notation (no matrix form) with its shared subexpressions named:
    ``t1[i] = softmax(softmax(x))[i]`` lines, then the result (``notation.index_cse``);
    ``term``: a stage of ``g``'s derivation over its axes, instead of ``g`` itself."""
    term = g.term if term is None else term
    if isinstance(term, T.Zero):
        return None
    taken = set(g.variables) | set(getattr(g, "index_dims", {}))
    parts = index_shared(term, taken, "t_{}" if latex else "t{}")
    if not parts.definitions:
        return None
    printed = (index_latex if latex else index_notation)(parts.result, g.axes, g.variables)
    used = _index_names(printed)  # a scalar definition sums over others: it can be substituted
    lines = []
    for d in parts.definitions:
        avoid = frozenset() if d.axes else used  # a scalar is substituted: its own names
        line = index_definition(d.name, d.body, d.axes, g.variables, latex, avoid=avoid)
        left, body = line.split(" = ", 1)
        if latex and not is_latex(body):  # x_{i} + y_{i} alone would read as plain text
            line = f"{left} = \\left({body}\\right)"
        lines.append(line)
    return "\n".join([*lines, printed])


def _index_lines(g, parts: Shared) -> str:
    """Each definition and the result in index notation, read with the earlier names declared
    as variables of their shapes (a row is named as its column and used transposed)."""
    from einderiv.api import parse

    where = _declarations(g)
    values = []
    rows: dict = {}
    sized = {d for info in g.variables.values() for d in info.dims}
    for k, body in parts.definitions:
        body = _rename(body, rows)
        value = parse(M.show(body), where=where)
        if any(isinstance(d, str) and d not in sized for d in value.shape):
            raise EinderivError(f"{k} has a size only its uses fix")  # (ones' in diag(A) ones')
        if value.slots is not None and value.slots[0] is None and value.slots[1] is not None:
            rows[M.Name(k)] = M.Transpose(M.Name(k))  # a row: named as its column
            value = parse(M.show(M.Transpose(body)), where=where)
        values.append((k, value))
        where += f"; {k}: {_kind(value)}"
    result = parse(M.show(_rename(parts.result, rows)), where=where).index()
    # The result's index text loses what sized its matrix text (I_{3} is delta[a,b]): read it
    # back, as a reader would, so that text which no longer reads is never returned.
    parse(result, where=where)
    used = _index_names(result)  # a scalar definition sums over others: it can be substituted
    lines = []
    for k, value in values:
        if not value.axes:
            lines.append(index_definition(k, value.term, (), value.variables, avoid=used))
            continue
        free = ",".join("ijklmn"[: len(value.axes)])
        lines.append(f"{k}[{free}] = {value.index()}")
    return "\n".join([*lines, result])


def _index_names(printed: str) -> frozenset:
    """The index names of index notation (text ``x[a]`` or LaTeX ``x_{a}``)."""
    groups = re.findall(r"[\[_]\{?([^\]}]*)", printed)
    return frozenset(re.findall(r"[A-Za-z]\w*", " ".join(groups)))


def _kind(value) -> str:
    dims = [str(d) for d in value.shape]
    if not dims:
        return "scalar"
    return f"vector({dims[0]})" if len(dims) == 1 else f"matrix({', '.join(dims)})"


def _declarations(g) -> str:
    parts = []
    for name, info in sorted(g.variables.items()):
        dims = info.dims[:1] if info.kind == "symmetric" else info.dims
        parts.append(f"{name}: {info.kind}" + (f"({', '.join(map(str, dims))})" if dims else ""))
    return "; ".join(parts)
