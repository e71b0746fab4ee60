"""Readings refused or said because a reader would take the text otherwise (SPEC 6.3).

Input: a node being built or lowered, with what its stage knows (the parse's text, the shape
walk's names and indices, the lowering's terms).
Output: nothing, a ``ParseError``/``ShapeError`` that says how to write what is meant, or a
``ReadAsBackward`` note.
Invariants: nothing is rewritten; each check is called by one stage, at one place:
* ``A \\ b`` (MATLAB's left division) in text with no other LaTeX command: refused (the
  LaTeX lexer would read ``\\ `` as a space, so a product);
* ``inv(A[i,j])``: refused at the call (``A[i,j]^-1`` is the reciprocal of an entry);
* ``tr(A[i,j])``, ``sum(x[i])``, ...: a matrix function of index notation with free indices
  would take each entry as a number: refused when lowered (``det(W[i,j])`` is W's determinant);
* ``A[i,j] .* B[i,j]``, ``x[i] ./ y[i]``: an elementwise operator between entries that share an
  index, which Einstein summation sums over where ``.*`` says entry by entry: refused;
* ``sum_{i=1}^{3}(x[i])``, ``\\sum_i x_i``: a sum's counter never picks entries: refused;
* ``sum_{r=5}^{2}(u)``: minus the sum over r = 3, 4, and said so;
* ``X^H`` (the conjugate transpose of the Matrix Cookbook): refused, ``X^T`` suggested;
* ``X^{T-1}`` (T undeclared beside other terms: an integer), ``X^t``: said (``ReadAsPower``);
* ``A[i,j]'``, ``A_{i,j}^\\top``: an entry transposed is itself, where ``(A')[i,j]`` is meant:
  refused (``(A[i,j])'`` stays the number);
* ``1ᵀx``, ``1' x``, ``1^\\top x``: a number transposed is itself, so ``x``, where the vector of
  ones is meant (``sum(x)``): refused, ``ones'`` suggested;
* ``X 1``, ``x' 1``, ``A^T 1``: a 1 written after a factor is the vector of ones in a paper
  (``X 1`` the row sums), while the number 1 leaves the factor as it is: refused, ``ones``
  suggested (``juxtaposed``; ``2 x`` and ``x * 1`` stay products);
* ``e .^ x``, ``e .^ (-y .* (X w))`` with ``e`` undeclared: Euler's number to a reader (as
  ``e^x``, refused by the shape walk), a vector variable to the grammar: refused, ``exp(...)``
  suggested (``e .^ 2`` stays a square of a vector ``e``; ``shapes.infer`` calls it);
* ``X^(-1)^k``: powers group from the right, so ``X^((-1)^k)``, whose exponent is no integer
  einderiv reads: its refusal says so and writes the power of a power, ``(X^-1)^k``.
"""

from __future__ import annotations

import re
import warnings

from einderiv.errors import ReadAsBackward, ReadAsPower, ShapeError, say_reading
from einderiv.frontend.lexing import STATE, error_at, factor_after
from einderiv.frontend.name_uses import child_fields, nodes
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M

__all__ = [
    "backward_sum",
    "counter_uses",
    "elementwise_entries",
    "entries_of_call",
    "euler_power",
    "inverse_of_entries",
    "juxtaposed",
    "left_division",
    "transpose_letter",
    "transposed",
]

# a LaTeX command other than the control space ``\ ``: text with one is LaTeX as a whole
_OTHER_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[,;:!|{}])|(?<![\w\\])[A-Za-z]_\{")


def left_division(text: str, start: int) -> None:
    """``A \\ b``: the control space ``\\ `` at ``start`` in text with no other command."""
    if not _OTHER_COMMAND.search(text):
        raise error_at(
            "`\\` is read as LaTeX, where `\\ ` is a space; einderiv has no left division "
            "(MATLAB's A \\ b): write inv(A) b",
            start,
        )


def conjugate_transpose(exponent: M.MExpr, start: int) -> None:
    """``X^H``, ``X^{H}``: the conjugate transpose in a paper, which is the transpose for real
    matrices (einderiv's are real); read as a power H it was silently another function."""
    if type(exponent) is M.Neg:  # X^-H, X^{-H}
        exponent = exponent.operand
    if type(exponent) is M.Name and exponent.name == "H" and "H" not in STATE.get().integers:
        raise error_at(
            "X^H is the conjugate transpose, which for real matrices (einderiv's) is the "
            "transpose: write X^T (or X'); declare H: integer for a power",
            start,
        )


def transpose_letter(base: M.MExpr, exponent: M.MExpr) -> None:
    """``X^{T-1}``, ``X^(2 T)``: ``T`` in an exponent with more than ``T`` or ``-T`` in it, not
    declared (declared, it is what it is declared: ``T: scalar``, ``T: integer``), is an integer
    (``W^{T-t}``, T steps), while ``X^T`` alone is the transpose and a reader may mean
    ``(X^T)^{-1}``: said (``ReadAsPower``), never silently a power, as ``X^t`` (a transpose in
    some texts). Not of a number or a lower-case name (``a^{T-1}``: a scalar's power)."""
    bare = exponent.operand if type(exponent) is M.Neg else exponent
    named = type(base) is M.Name  # X^t of a matrix's name: a power (P^t), or the transpose?
    t = named and type(exponent) is M.Name and exponent.name == "t" and base.name[:1].isupper()
    skip = type(base) is M.Number or (named and base.name[:1].islower())
    if skip or "Tt"[t] in STATE.get().declared or (type(bare) is M.Name and not t):
        return
    if t or any(type(node) is M.Name and node.name == "T" for node in nodes(bare)):
        say_reading(
            f"read {'X^t as a power by' if t else 'T in a power (X^{T-1}) as'} an integer: the "
            f"transpose is X^T, the inverse transpose X^{{-T}}; declare `{'Tt'[t]}: integer` "
            "for the power",
            ReadAsPower,
            stacklevel=4,
        )


def power_tower(base, exponent) -> None:
    """``X^(-1)^2``, ``X^2^3``, ``a^(k-1)^2`` in plain text: an ``exponent`` (a node with its
    span, as is the ``base``; not in parentheses) that is a power of a number or of a bracket.
    ``a^b^c`` is ``a^(b^c)``, as is a number's ``9^9^9``; but powers group from the right in
    Python and from the left in MATLAB, whose ``X'`` and ``.^`` einderiv reads: ``X^(-1)^2``
    was ``X^((-1)^2)``, X itself, silently. Refused, both groupings written out (LaTeX:
    ``latex_unread.double_superscript``); ``X^T^T`` too (``transpose_tower``)."""
    transpose_tower(base, exponent)
    if exponent.op != "^":
        return
    tower = exponent.node.operand if type(exponent.node) is M.Neg else exponent.node
    state = STATE.get()
    x, written = state.text[base.start : base.end], state.text[exponent.start : exponent.end]
    bracketed = written.lstrip("- ").startswith(("(", "{"))  # a^(k - 1)^2, not a^b^c
    if type(tower) is not M.Power or not (type(tower.base) is M.Number or bracketed):
        return
    if state.latex or re.fullmatch(r"[0-9.]+", x):
        return  # 9^9^9, 2^k^2: a number's tower is one number, grouped from the right
    at = written.index("^", 1) if "^" in written[1:] else len(written)
    raise error_at(
        f"`^{written}`: a power of a power needs parentheses (powers group from the right in "
        f"Python, from the left in MATLAB): write `{x}^({written})` for one exponent, or "
        f"`({x}^{written[:at]})^{written[at + 1 :]}` for a power of a power",
        exponent.start,
    )


def transpose_tower(base, exponent) -> None:
    """``X^T^T``, ``X^T^-1``, ``X^{T}^{2}``: an ``exponent`` (with its span, as is the ``base``)
    written ``T^...`` (or ``-T^...``, ``{T}^...``) without parentheses, ``T`` not a declared
    integer. The grammar groups it ``X^(T^T)``, a power by a matrix (X^T^T is no (X')' to it),
    while a reader means the transpose, then a superscript of it: refused, the grouping
    written out, as ``power_tower`` refuses ``X^2^3`` (``X^\\top^\\top``, a transpose token,
    is X'' as written)."""
    state = STATE.get()
    x, written = state.text[base.start : base.end], state.text[exponent.start : exponent.end]
    head = _TRANSPOSE_HEAD.match(written)
    if head is None or "T" in state.integers:
        return
    at = head.end() - 1
    tail = written[at + 1 :].strip()
    itself = f" (that is {x} itself, as is {x}'')" if tail.strip("{} ") == "T" else ""
    raise error_at(
        f"`{x}^{written}`: a transpose then another superscript needs parentheses: write "
        f"`({x}^{written[:at].strip()})^{tail}`{itself}",
        exponent.start,
    )


_TRANSPOSE_HEAD = re.compile(r"-?\s*(?:T|\{\s*-?\s*T\s*\})\s*\^")


def transposed(node: M.MExpr, start: int, end: int | None = None) -> M.MExpr:
    """``node``, the operand of a transpose at ``start`` (written up to ``end``), unless it is a
    number: ``1ᵀx`` is the sum of x's entries in a paper (1 the vector of ones), while the
    number 1 transposed is 1; or an entry of a matrix written bare: ``A_{i,j}^\\top`` is
    ``(A^\\top)_{i,j}`` to a reader, while the number A[i,j] transposed is A[i,j]."""
    if type(node) is M.Entry and len(node.indices) > 1 and node.span and node.span[1] == end:
        meant = M.show(M.Entry(M.Transpose(node.base), node.indices))
        raise error_at(
            "an entry is a number, and a number transposed is itself: for the entry of the "
            f"transpose write {meant} ((A^\\top)_{{i,j}} in LaTeX), or swap the indices",
            start,
        )
    if type(node) is M.Number:
        raise error_at(
            "a number transposed is itself: for the vector of ones write ones' "
            "(\\mathbf{1}^\\top in LaTeX)",
            start,
        )
    return node


def juxtaposed(left, right) -> None:
    """Two factors written side by side (parse.py's nodes with their spans): ``a / 2 b`` is said
    or refused (``lexing.factor_after``), and a bare 1 after a factor is refused: ``X 1`` is X
    times the vector of ones in a paper, where the number 1 would leave X as it is (the printers
    write ``x (1)`` for ``x * 1``)."""
    factor_after(left.op, left.node, left.end, right.start, STATE.get().latex)
    bare = STATE.get().text[right.start : right.start + 1].isdigit()  # (x) (1) is a product
    if bare and type(right.node) is M.Number and right.node.value == 1:
        raise error_at(
            "a 1 written after a factor is the number 1, which changes nothing: for the vector "
            "of ones write ones (X ones, x' ones; \\mathbf{1} in LaTeX)",
            right.start,
        )


def inverse_of_entries(node: M.MExpr, start: int) -> M.MExpr:
    """``node``, the argument of ``inv(`` at ``start``, unless it holds index notation. The
    nodes seen are remembered for the parse, so nested calls walk each node once."""
    plain = STATE.get().plain
    todo, seen = [node], []
    while todo:
        e = todo.pop()
        if id(e) in plain:
            continue
        seen.append(e)
        if type(e) in (M.Entry, M.KDelta):
            raise error_at(
                "inv of index notation: write inv(A) for the inverse matrix (its entries: "
                "inv(A)[i,j]), or 1 / A[i,j] for the reciprocal of an entry",
                start,
            )
        todo.extend([child for _, child in child_fields(e)])
    plain.update((id(e), e) for e in seen)  # kept alive with their ids for the parse
    return node


def entries_of_call(lw, fn: str, e: M.MExpr, args: tuple) -> None:
    """``tr(A[i,j])``, ``sum(x[i])``: refused (``lw``, the lowering, finds free indices)."""
    if not lw.typed.index_dims:  # no index notation in the text
        return
    for x in args:  # each argument lowered once for this check: tr(tr(...)) stays polynomial
        if id(x) not in lw.free_of:  # (x kept with it: its id is not reused meanwhile)
            lw.free_of[id(x)] = (x, lw.is_scalar(x) and lw.free_indices(lw.scalar(x)))
        free = lw.free_of[id(x)][1]
        if free:
            names = ", ".join(i.name for i in free)
            raise ShapeError(
                f"`{M.show(e)}`: {fn} of index notation with free indices ({names}) would take "
                f"each entry as a number; write {fn} of the matrix ({fn}(A), not "
                f"{fn}(A[i,j])), or the sum in index notation (A[i,i] for tr(A))"
            )


def elementwise_entries(lw, e: M.MExpr) -> None:
    """``A[i,j] .* B[i,j]``, ``x[i] ./ y[i]`` (``e``, a product of scalars that ``lw``, the
    lowering, sums by Einstein's rule): an index written on both sides of ``.*`` or ``./`` is
    summed over, while the operator says entry by entry (no sum): refused, both meanings
    written. ``x[i] .* y[j]`` (no index shared) is the product ``x[i] y[j]``."""
    if not lw.typed.index_dims or not lw._scalar_product(e):
        return
    if isinstance(e, (M.Hadamard, M.ElemDiv)):
        left, right = (
            {i.name for f in lw._chain(x) for i in lw._raw(f).written} for x in (e.left, e.right)
        )
        shared = sorted(n for n in left & right if not n.startswith(("_", "%")))
        if shared:
            op, word = (".*", "product") if isinstance(e, M.Hadamard) else ("./", "quotient")
            plain = (M.MatMul if op == ".*" else M.Div)(e.left, e.right)
            index = "index" if len(shared) == 1 else "indices"
            raise ShapeError(
                f"`{M.show(e)}`: `{op}` between entries that share the {index} "
                f"{', '.join(shared)}, which Einstein summation sums over; write "
                f"`{M.show(plain)}` for that sum, or index the elementwise {word} of the "
                f"arrays, (A {op} B)[i,j], for its entries"
            )
    for x in (e.left, e.right):
        elementwise_entries(lw, x)


def counter_uses(name: str, e: M.FiniteSum) -> None:
    """``sum_{i=1}^{3}(x[i])``, ``\\sum_{i=1}^{3} x_i``: the counter ``name`` of ``e`` used in
    its body as an index, or as the subscript of a name: refused."""
    indices, names, todo = set(), set(), [e.body]
    while todo:
        u = todo.pop()
        if type(u) in (M.Entry, M.KDelta):  # a compound index (i, j) holds i and j
            indices.update(j for i in u.indices for j in (i if type(i) is tuple else (i,)))
        elif type(u) is M.Name:
            names.add(u.name)
        todo.extend(child for _, child in child_fields(u))
    named = sorted(v for v in names if v.endswith(f"_{name}") and len(v) > len(name) + 1)
    if name in indices or named:
        used = f"`{named[0]}` is a name of its own" if named else f"`{name}` is an index"
        raise ShapeError(
            f"`{M.show(e)}`: the sum's counter `{name}` picks no entries ({used}): a finite "
            f"sum adds its body once per integer value of the counter; for the sum of the "
            f"entries write sum(x), or index notation with a repeated index (x[i] ones[i])"
        )


def backward_sum(e: M.FiniteSum, count: int) -> None:
    """Say how ``sum_{r=5}^{2}(u)`` is read: minus the sum over r = 3, 4 (``count`` -2)."""
    low, high = f"{M.show(e.upper)} + 1", f"{M.show(e.lower)} - 1"
    if isinstance(e.upper, M.Number) and isinstance(e.lower, M.Number):
        low, high = M.format_number(e.upper.value + 1), M.format_number(e.lower.value - 1)
    warnings.warn(
        f"read `{M.show(e)}` (upper bound below the lower one) as minus the sum over "
        f"{e.var} = {low} .. {high}, {-count} term(s): the convention under which "
        "sum_{r=0}^{k-1} formulas hold for every integer k; an empty sum has upper bound "
        "= lower bound - 1",
        ReadAsBackward,
        stacklevel=5,
    )


def power_of_power(e: M.MExpr) -> str | None:
    """For a matrix power whose exponent is a power, ``X^(k^2)``, ``X^k^2``: what its refusal
    (the exponent not linear in integers) says: the power of a power ``(X^k)^2`` and what it
    is, ``X^(k 2)`` (never the same as the exponent written); else None."""
    x = getattr(e, "exponent", None)
    if type(x) is not M.Power:
        return None
    instead = M.show(M.Power(M.Power(e.base, x.base), x.exponent))
    product = M.show(M.MatMul(x.base, x.exponent))  # (X^k)^2 is X^(k 2), not X^(k^2)
    return (
        f"`{M.show(e)}`: a matrix power takes an exponent linear in integers (2 k - 1), not "
        f"`{M.show(x)}`: a power of a power is written `{instead}`, which is X^({product})"
    )


def euler_power(nodes_met) -> None:
    """Refuse ``e .^ x`` (see the module docstring) among ``nodes_met``, the nodes of a text
    whose undeclared names include ``e``: the first whose exponent holds a name."""
    for e in nodes_met:
        if type(e) is not M.ElemPow or e.base != M.Name("e"):
            continue
        if any(isinstance(node, M.Name) for node in nodes(e.exponent)):
            error = ShapeError(
                f"`{M.show(e)}`: `e` is an undeclared vector here; for the exponential "
                "write exp(...), or declare `e: vector(n)` for a variable named e"
            )
            error.span = getattr(e, "span", None)  # the front end adds a caret
            raise error


def entry_count(e: M.Entry, axes: list, undeclared: set) -> ShapeError:
    """The refusal of an entry with as many indices as its base has no axes: ``A_{ij}`` may
    mean ``A_{i,j}``; an undeclared name (taken as a vector or a matrix) is given the
    declaration its indices ask for (``T[i,j,k]``: ``T: tensor(n1, n2, n3)``)."""
    b, indices = e.base, e.indices
    one = indices[0] if len(indices) == 1 and isinstance(indices[0], str) else ""
    pair, name = ",".join(one), M.show(b)  # A_{ij}: A_{i,j}?
    # (X A)_{ij}: (X A)[i,j], bracketed as written; X A[i,j] would index A alone
    whole = name if isinstance(b, M.Name) else f"({name})"
    hint = (
        f" (write {whole}[{pair}], in LaTeX {whole}_{{{pair}}})"
        if len(one) == len(axes) == 2
        else ""
    )
    wanted = {2: "matrix(m, n)", 3: "tensor(n1, n2, n3)", 4: "tensor(n1, n2, n3, n4)"}
    if not hint and isinstance(b, M.Name) and b.name in undeclared and len(indices) in wanted:
        hint = f"; declare `{b.name}: {wanted[len(indices)]}` for an array of {len(indices)} axes"
    return ShapeError(
        f"`{M.show(e)}`: `{name}` has {len(axes)} {'axis' if len(axes) == 1 else 'axes'} but "
        f"{len(indices)} indices are given{hint}"
    )


def upper_index(e: M.MExpr) -> str:
    """The hint for a vector to a one-letter power, ``x^i y_i``: a physicist's upper index,
    which einderiv does not read (an entry is ``x[i]``, ``\\left(x\\right)_{i}``), else ``""``."""
    exponent = getattr(e, "exponent", None)
    if not (isinstance(e, M.Power) and isinstance(exponent, M.Name) and len(exponent.name) == 1):
        return ""
    entry, name = M.show(M.Entry(e.base, (exponent.name,))), exponent.name  # (x + y)[i]
    # in LaTeX, x_{i} is the name x_i in a text with no entry of two indices (x^i y_i)
    latex = f"\\left({M.show(e.base)}\\right)_{{{name}}}"
    return f"; or, for an upper index (not read), the entry {entry} ({latex} in LaTeX)"


def vector_power(e: M.MExpr) -> str:
    """The hint for a power of a vector, ``x^2`` (pasted ``\\mathbf{x}^2``): the readings people
    mean, each entry's power and (for a square) the squared length, named, never picked; and
    for ``x^i`` the upper index (``upper_index``)."""
    if not isinstance(e, M.Power):
        return ""
    if upper_index(e):
        return upper_index(e)
    each = M.show(M.ElemPow(e.base, e.exponent))
    if M.show(e.exponent) != "2":
        return f"; for each entry's power write {each}"
    length = M.show(M.Power(M.Call("norm2", (e.base,)), e.exponent))
    return f"; for each entry squared write {each}, for the squared length {length}"


def free_indices_differ(e, left, right, lf, rf) -> None:
    """For a sum ``e`` of index terms lowered to ``left`` and ``right`` whose user free indices
    ``lf`` and ``rf`` differ: a ``ShapeError`` unless a side is a scalar (broadcast), and also
    then when that scalar sums an index the other side keeps free (``x[i] y[i] + z[i]``: by
    Einstein's rule ``x' y + z``, though written entry by entry it means ``x .* y + z``; was read
    silently as the first)."""
    sides = ((left, lf, rf, e.left), (right, rf, lf, e.right))
    why = ""
    for term, free, other, side in sides:
        lost = sorted(i.name for i in other - free if isinstance(term, T.Prod) and i in term.summed)
        if lost and not why:
            why = (
                f" ({', '.join(lost)} is written twice in `{M.show(side)}`, so it is summed over"
                " there, by Einstein's rule: an index is never both summed and free"
                + _DIAGONAL * any(isinstance(f, T.Delta) for f in term.factors)
                + ")"
            )
    if why or (lf and rf):
        names = ", ".join(sorted(i.name for i in lf)), ", ".join(sorted(i.name for i in rf))
        raise ShapeError(
            f"`{M.show(e)}`: the terms have different free indices ({names[0] or 'none'} vs "
            f"{names[1] or 'none'}); every term of a sum needs the same free indices" + why
        )


# s_i delta_ij - s_i s_j as papers write the softmax's Jacobian: the diagonal as einderiv prints it
_DIAGONAL = "; a diagonal entry by entry is diag(s)[i,j] or delta[i,a,j] s[a]"
