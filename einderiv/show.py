"""``Expr.show``: a result as text, LaTeX or index notation, optionally with its shared
subexpressions named (SPEC section 7, ``--cse``).

Input: an ``Expr``, ``cse`` and the format (``text``, ``latex``, ``index``).
Output: without ``cse``, exactly ``str(g)``, ``g.latex()`` or ``g.index()``. With ``cse``, one
line per definition (``t1 = tanh(W1 x)``; LaTeX ``t_{1} = \\tanh(...)``; index notation
``t1[i] = tanh(W1[i,a] x[a])``) and last the result written with the names.
Invariants:
- never longer than the plain form: the named text is printed only when it is no longer than
  ``str(g)`` (``g.latex()``, ``g.index()``), which is written only when it could be shorter
  (its tree has fewer nodes than the named text characters), so the cost stays linear in the graph and
  the text printed (``_not_longer``); a gradient kept as adjoints whose forward form is costly to
  derive (more than ``_SMALL`` nodes and a chain rule tree past ``_TREE`` nodes a character),
  whose plain form is not derived, is the exception (``_shorter``);
- the definitions come in dependency order; substituting each, parenthesised, for its name
  (last to first) gives text of the same function; in index notation each definition reads back
  with the earlier names declared as variables of their shapes, and a scalar definition sums
  over index names the result line does not use (substituted there, it sums over its own);
- every definition line reads back alone, with the earlier names declared by their shapes: one
  whose text leaves a size unfixed (``ones t2'``, ``I - ones ones' / t1``: an ``I`` or ``ones``
  sized only where the name is used) is written out where it is used instead (``_sized``: each
  definition read once, only when one holds an ``I`` or ``ones``);
- a result of order 3 or 4 is named in its indexed Kronecker form (what ``str`` prints);
  one printed in index notation, without names;
- in index notation, when a definition's shape cannot be declared (a size over pairs ``n*m``,
  or one fixed only where the name is used), or when the result line does not read back with
  the names declared (``I_{3}`` written ``delta[a,b]`` leaves a size open), the result is
  printed without names;
- ``latex_steps``: the trace of ``pipeline.derive`` (the stages ``--steps`` prints), each stage
  a display line ``\\text{n. title:} \\quad <LaTeX>``, the result (``g.latex()``) last;
  ``text_steps`` (``g.steps()``): the same in index notation, a stage too long to write whole
  with its shared subexpressions named;
- this module sits above ``api`` (which imports it when asked), like ``codegen``; the index
  notation lines are ``show_index``'s.
"""

from __future__ import annotations

import warnings

from einderiv.errors import EinderivError, NoReadableText, TooLongToWrite
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.node import dim_factors
from einderiv.notation.cse import Shared, shared
from einderiv.notation.matrix_latex import matrix_latex
from einderiv.notation.printing import index_latex, index_notation
from einderiv.notation.transposing import own_transposes, transpose
from einderiv.notation.written import matrix_written_size, written_size
from einderiv.show_index import _declarations, _index_lines, _index_named, _kind

FORMATS = ("text", "latex", "index")


def show(g, cse: bool = False, format: str = "text") -> str:
    if format not in FORMATS:
        raise EinderivError(f"unknown format {format!r}; show takes one of {', '.join(FORMATS)}")
    plain = {"text": str, "latex": type(g).latex, "index": type(g).index}[format]
    if not cse:
        return plain(g)
    matrix = _adjoints_written(g) if format != "index" else None
    if matrix is None:
        matrix = forward = g.written()  # re-contracted once: None for index notation
        parts = named(g, matrix)
    else:
        matrix, parts, forward = _shorter(g, matrix)
    if parts is None:
        text = _index_named(g, latex=format == "latex") if matrix is None else None
    else:
        text = _named_text(g, parts, format)
    return plain(g) if text is None else _not_longer(g, format, text, forward)


def _named_text(g, parts: Shared, format: str) -> str | None:
    """``parts`` written in ``format``, or None (index notation that no declaration writes)."""
    if format == "text":
        lines = [f"{k} = {M.show(v)}" for k, v in parts.definitions]
        return "\n".join([*lines, M.show(parts.result)])
    if format == "latex":
        renames = {M.Name(k): M.Name(f"t_{k[1:]}") for k, _ in parts.definitions}
        lines = [
            f"{matrix_latex(_rename(M.Name(k), renames))} = {matrix_latex(_rename(v, renames))}"
            for k, v in parts.definitions
        ]
        return "\n".join([*lines, matrix_latex(_rename(parts.result, renames))])
    try:
        return _index_lines(g, parts)
    except EinderivError:  # a name's size no declaration can write (n*m; an unsized I)
        return None


def _not_longer(g, format: str, text: str, forward: M.MExpr | None) -> str:
    """``text``, the named form, or the plain form (``str(g)``, ``g.latex()``, ``g.index()``)
    when that is shorter (issue 13: names never lengthen a result; a tie keeps the names). The
    plain form is written only when it could be shorter: its tree (``forward``, the matrix form
    ``str`` writes, or the index term) prints at least a character a node, so one of as many
    nodes as ``text`` has characters is no shorter, and is not written (a result written whole
    may be a huge tree). A gradient kept as adjoints whose forward form was not derived (not
    ``_forward_cheap``: a long chain's is quadratic) keeps ``text``."""
    if forward is None and format != "index" and getattr(g, "_adjoints", None) is not None:
        return text
    if forward is not None and format != "index":
        size = matrix_written_size(forward)
        write = M.show if format == "text" else matrix_latex
    else:
        size = written_size(g.term)
        write = None
    if size >= len(text):
        return text
    try:
        plain = write(forward) if write else (g.latex() if format == "latex" else g.index())
    except EinderivError:  # (no readable index text: the named one stays)
        return text
    return plain if len(plain) < len(text) else text


def _adjoints_written(g) -> M.MExpr | None:
    """A gradient kept as shared adjoints (``calculus.reverse``: an RNN's steps) in matrix
    form, its parts re-contracted once each (``backprop``); None for any other result."""
    if getattr(g, "_adjoints", None) is None:
        return None
    from einderiv.backprop import matrix_form

    return matrix_form(g._adjoints, g.variables, g.slots)


_SMALL = 120  # adjoints of at most this many nodes (an RNN of 7 steps): forward is cheap
_TREE = 3  # ... or whose chain rule written out is at most this many nodes a named character


def _forward_cheap(g, length: int) -> bool:
    """Whether the forward form of ``g`` (kept as adjoints; ``length``: the characters of its
    backpropagated named text) is derived to be compared: its adjoints have at most
    ``_SMALL`` nodes, or the tree they stand for (the chain rule written out, which deriving
    it walks) at most ``_TREE`` nodes a character of the named text, so the work stays linear
    in the text printed. Past it (an RNN's steps, a long chain's n rotations: trees quadratic
    in the steps) the forward form is not derived, and the named text is kept."""
    from einderiv.backprop import node_count, tree_size

    if node_count(g._adjoints, _SMALL + 1) <= _SMALL:
        return True
    return tree_size(g._adjoints, _TREE * length) <= _TREE * length


def compares_plain(g) -> bool:
    """Whether ``show(g, cse=True)`` compares its named text with the plain one: not a
    gradient kept as adjoints, or one whose forward form is derived (``_forward_cheap``)."""
    backward = _adjoints_written(g)
    if backward is None:
        return True
    return _forward_cheap(g, _length(_backward_named(g, backward), backward))


def _backward_named(g, backward: M.MExpr) -> Shared:
    """The backpropagated form ``backward`` named, or with no name when that is shorter (its
    chains written as powers: ``(A X)^19 y x' + ...``, not ``t1 = A X y``, ``t2 = A X t1``)."""
    parts = named(g, backward)
    alone = Shared((), backward)
    return alone if parts is None or _length(alone, backward) < _length(parts, backward) else parts


def _shorter(g, backward: M.MExpr) -> tuple[M.MExpr, Shared | None, M.MExpr | None]:
    """The backpropagated matrix form ``backward`` and its names (none when that is shorter:
    ``_backward_named``), or, for a small gradient
    (``_forward_cheap``: no long chain, whose forward form is quadratic to derive),
    the forward form (``str``'s), named or not (None), when its text is shorter:
    ``tr(A X A X A X A X)``'s ``4 A X A X A X A`` rather than ``t1 = A X A X``, ``t2 = t1 +
    t1``, ``A X t2 A + ...``; last the forward form, or None when it was not derived. Ties keep
    the backpropagated form, then the forward named one. The forward form is named only when ``str`` may be
    shorter than the backpropagated named text (its tree has fewer nodes than that has
    characters): named, a longer one was never found shorter (an RNN's ``str``, three to six
    times as long, named is longer than the backpropagated names)."""
    parts = _backward_named(g, backward)
    if not _forward_cheap(g, _length(parts, backward)):
        return backward, parts, None
    try:
        forward = g.written()
    except EinderivError:  # (none written: the backpropagated form is kept)
        return backward, parts, None
    if forward is None:
        return backward, parts, None
    length = _length(parts, backward)
    if matrix_written_size(forward) >= length:  # str as long at least: a character a node
        return backward, parts, forward
    choices = [(backward, parts), (forward, named(g, forward)), (forward, None)]  # None: str
    return *min(choices, key=lambda c: _length(c[1], c[0])), forward  # the first shortest


def _length(parts: Shared | None, matrix: M.MExpr) -> int:
    """The length of the named text of ``matrix`` (``parts``; None: ``matrix`` unnamed)."""
    if parts is None:
        return len(M.show(matrix))
    return sum(len(M.show(v)) + len(k) + 4 for k, v in parts.definitions) + len(
        M.show(parts.result)
    )


def named(g, matrix: M.MExpr | None) -> Shared | None:
    """The shared subexpressions of what ``str(g)`` writes, ``matrix`` (``g.written()``: its
    matrix form, or its indexed Kronecker form), or None (none repeated, or index notation)."""
    if matrix is None:
        return None
    kinds = {name: info.kind for name, info in g.variables.items()}
    parts = shared(
        matrix,
        set(g.variables) | set(getattr(g, "index_dims", {})),
        symmetric=own_transposes(g.variables),
        vectors=frozenset(k for k, kind in kinds.items() if kind == "vector"),
        scalars=frozenset(k for k, kind in kinds.items() if kind in ("scalar", "integer")),
    )
    if not parts.definitions:
        return None
    return (
        _sized(g, parts) if any(map(_unsized_inside, (v for _, v in parts.definitions))) else parts
    )


def _unsized_inside(e: M.MExpr) -> bool:
    """Whether ``e`` holds an ``I`` or a ``ones``, whose size only what is around it fixes."""
    from einderiv.notation.cse_names import subterms

    stack, seen = [e], set()
    while stack:
        node = stack.pop()
        if isinstance(node, (M.Identity, M.Ones)):
            return True
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(subterms(node))
    return False


def _sized(g, parts: Shared) -> Shared:
    """``parts`` with each definition whose text alone leaves a size unfixed (``t5 = ones t2'``:
    the length of ``ones`` is fixed only where ``t5`` is used) written out where it is used
    (transposed inward where it is used transposed: ``t1'`` of ``t1 = kron(A, I)`` is ``kron(A',
    I)``), so that every definition line reads back with the earlier names declared. Each
    definition is read once, as ``_index_lines`` reads them; ``parts`` unchanged when one does
    not read."""
    from einderiv.api import parse
    from einderiv.notation.cse_names import _ordered

    where = _declarations(g)
    sized = {f for info in g.variables.values() for d in info.dims for f in dim_factors(d)}
    kinds = {name: info.kind for name, info in g.variables.items()}
    vectors = frozenset(k for k, kind in kinds.items() if kind == "vector")
    scalars = frozenset(k for k, kind in kinds.items() if kind in ("scalar", "integer"))

    def turned(body: M.MExpr) -> M.MExpr:  # its transpose pushed inward, as printing writes it
        return transpose(body, own_transposes(g.variables), vectors, scalars=scalars)

    out: dict = {}  # a definition written out: its name (or transposed) -> its body
    kept: dict[str, M.MExpr] = {}
    try:
        for k, body in parts.definitions:
            body = _rename(body, out)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = parse(M.show(body), where=where)
            if not _sizes(value.term, value.axes) <= sized:
                out[M.Name(k)] = body
                out[M.Transpose(M.Name(k))] = turned(body)  # t1' of kron(A, I): kron(A', I)
                continue
            kept[k] = body
            where += f"; {k}: {_kind(value)}"
    except EinderivError:
        return parts
    if not out:
        return parts
    taken = set(g.variables) | set(getattr(g, "index_dims", {}))
    return _ordered(kept, _rename(parts.result, out), "t{}".format, taken)


def _sizes(term: T.Term, axes: tuple) -> set:
    """The named sizes of every index of ``term`` (free, summed, of a delta or ones) and of
    ``axes``, compound sizes by their factors."""
    found = {f for i in axes for f in dim_factors(i.dim)}
    stack, seen = [term], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, T.Size):  # len(x): a size, not an index
            found.update(dim_factors(node.dim))
        for field in node._init:
            value = getattr(node, field)
            for v in value if isinstance(value, tuple) else (value,):
                if isinstance(v, T.Index):
                    found.update(dim_factors(v.dim))
                elif isinstance(v, T.Term):
                    stack.append(v)
    return {f for f in found if isinstance(f, str)}


def _rename(e: M.MExpr, renames: dict) -> M.MExpr:
    from einderiv.notation.cse_names import map_subterms

    return map_subterms(e, renames.get, {})


def latex_steps(g) -> str:
    """The derivation of ``g`` in LaTeX: one display line per stage, then the result. A
    derivative of a derivative (a Hessian) shows each differentiation in order, under a line
    ``\\text{First differentiation, by x:}``, numbered on; the first ends with its result."""
    if not g.stages:
        return g.latex()
    chain, lines, n = _chain(g), [], 1
    for k, h in enumerate(chain):
        if len(chain) > 1:
            lines.append(rf"\text{{{_heading(chain, k)}}}")
        for stage in h.stages:
            text = index_latex(stage.term, h.axes, h.variables, readable=False)
            lines.append(rf"\text{{{n}. {stage.title}:}} \quad {text}")
            n += 1
        try:
            result = h.latex()
        except NoReadableText:  # shown, not read back: its index form as the steps are
            result = index_latex(h.term, h.axes, h.variables, readable=False)
        lines.append(rf"\text{{{n}. {_result_title(chain, k)}:}} \quad {result}")
        n += 1
    return "\n".join(lines)


def text_steps(g) -> str:
    """The derivation of ``g`` as text, each stage in index notation, the result last. A stage
    or result too long to write whole (a tree of millions of nodes stored as a small graph) is
    written with its shared subexpressions named, as ``--cse`` writes a result. A derivative of
    a derivative (a Hessian) shows each differentiation in order under a heading line
    (``First differentiation, by x:``), numbered on; the first ends with its result."""
    if not g.stages:
        return f"{g}\n(no derivation: this expression was not produced by diff)"
    chain, lines, n = _chain(g), [], 1
    for k, h in enumerate(chain):
        if len(chain) > 1:
            lines.append(_heading(chain, k))
        for stage in h.stages:
            try:
                text = index_notation(stage.term, h.axes, h.variables, readable=False)
            except TooLongToWrite:
                text = _index_named(h, False, stage.term)
            lines += [f"{n}. {stage.title}:", *(f"   {line}" for line in text.split("\n"))]
            n += 1
        try:
            result = str(h)
        except TooLongToWrite:
            result = show(h, True, "text")
        except NoReadableText:  # shown, not read back: its index form as the steps are
            result = index_notation(h.term, h.axes, h.variables, readable=False)
        title = _result_title(chain, k)
        lines += [f"{n}. {title}:", *(f"   {line}" for line in result.split("\n"))]
        n += 1
    return "\n".join(lines)


def _chain(g) -> list:
    """The derivatives ``g`` was made by, first differentiated first, ``g`` last: ``[g]``, or
    for a Hessian ``[gradient, g]`` (``Expr._origin``'s last field: the function
    differentiated, itself a derivative)."""
    chain = [g]
    while len(origin := chain[0]._origin or ()) > 5 and origin[5]._origin is not None:
        chain.insert(0, origin[5])
    return chain


_ORDINALS = ("First", "Second", "Third")


def _heading(chain: list, k: int) -> str:
    """``First differentiation, by x:``; the later ones say what they differentiate."""
    nth = _ORDINALS[k] if k < len(_ORDINALS) else f"Differentiation {k + 1}"
    by = chain[k]._origin[2].name
    if k == 0:
        return f"{nth} differentiation, by {by}:"
    return f"{nth} differentiation, by {by} (of {_result_title(chain, k - 1)}):"


def _result_title(chain: list, k: int) -> str:
    """``the result`` for the last, ``the gradient`` for the derivative of a scalar below it."""
    if k == len(chain) - 1:
        return "the result"
    return "the gradient" if not chain[k]._origin[1] else "the derivative"
