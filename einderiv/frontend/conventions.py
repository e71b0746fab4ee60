"""Conventions that depend on shapes: checked on the typed tree, with the text as written.

Input: the typed tree of an expression (``shapes.Typed``) and its source text.
Output: nothing, or a ``ShapeError`` for a reading einderiv does not have, or a
``ReadAsEntrywise`` note for one that has two conventional meanings.
Invariants: one walk over the tree, only when the text can hold such a construct; nothing is
rewritten (the tree is already final).
* ``e^{A}`` (read as ``exp(A)`` by the LaTeX lexer) of a matrix would be the matrix exponential,
  which einderiv does not have: refused (``exp(A)``, elementwise, is written so);
* ``‖X‖_2`` of a matrix is its spectral norm in linear algebra and often its Frobenius norm in
  machine learning (``‖W‖_2^2``): read as Frobenius (``norm2``), and said so;
* ``‖A‖`` of a matrix (no subscript) is read as the Frobenius norm too, and said so;
* ``‖X‖_1`` of a matrix is its induced 1-norm (the largest column sum) in linear algebra:
  read entrywise (``norm1``, the sum of absolute values), and said so;
* an undeclared Greek letter transposed or added to a vector or matrix (``\\theta^\\top x``,
  ``x - \\mu``) is a scalar (SPEC 6.3) where a vector is most likely meant: said so;
  so is a lower-case name a divisor or an elementwise exponent made a scalar (``sum(y .^ x) /
  x + a' x``: ``a' x`` scales the row ``a'``);
* ``tr(sin(X))`` of a matrix is the trace of the matrix function in the Matrix Cookbook
  (``d tr(sin(X)) / dX = cos(X)'``), while einderiv's functions are entrywise (SPEC 6.1): read
  entrywise (the sum of sin over the diagonal), and said so;
* an undeclared lower-case name added to a scalar (``x' A x + b' x + c``) is a vector by the
  case rule, where a constant is most likely meant: said so.
"""

from __future__ import annotations

import re
import warnings

from einderiv.errors import (
    ReadAsEntrywise,
    ReadAsIndexName,
    ReadAsMatrixFunction,
    ReadAsName,
    ReadAsScalar,
    ShapeError,
    say_reading,
)
from einderiv.frontend.forced_kinds import bold, note_forced_kinds
from einderiv.frontend.latex import is_latex
from einderiv.frontend.name_uses import GREEK_SCALARS, child_fields, greek_scalar
from einderiv.frontend.norm_scripts import subscript_first
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import NORM1, NORM2, TR
from einderiv.ir.ops import ELEMENTWISE

__all__ = ["check_conventions"]

_SCALAR = (None, None)  # the shape of a scalar in the typed tree (rows, columns)
_NORM_MARKS = frozenset("2₂|‖1₁")  # characters a norm's text holds

# the subscript 2 of a norm, inside the call's span (plain text) or right after it (LaTeX)
_TWO_INSIDE = re.compile(r"(?:_\s*\{?\s*2\s*\}?|₂)\s*$")
# e^{...} as the LaTeX lexer reads it (e or \mathrm{e}, then ^)
_EULER = re.compile(r"(?:e|\\(?:mathrm|operatorname)\s*\{\s*e\s*\})\s*\^")
_BARE_NORM = re.compile(r"\s*(?:\|\||‖|\\\||\\lVert|\\left\s*\\\|)")  # not norm2(A)
_SUBSCRIPT_INSIDE = re.compile(r"(?:_\s*\{?\s*\w+\s*\}?|₂)\s*$")  # ||X||_F, ||X||_2
_POWER = r"(?:(?:\^\s*(?:\{\s*\d+\s*\}|\d)|[²³])\s*)?"  # ^2, ^{2}, ² before a subscript
_SUBSCRIPT_AFTER = re.compile(r"\s*" + _POWER + r"(?:_|₂)")
_TWO_AFTER = re.compile(r"\s*" + _POWER + r"(?:_\s*\{?\s*2\s*\}?|₂)")
_ONE_INSIDE = re.compile(r"(?:_\s*\{?\s*1\s*\}?|₁)\s*$")  # ||X||_1: the induced norm?
_ONE_AFTER = re.compile(r"\s*" + _POWER + r"(?:_\s*\{?\s*1\s*\}?|₁)")


def check_conventions(typed, text, declared: frozenset = frozenset()) -> None:
    """Raise or warn for the constructs of the module's docstring found in ``typed``
    (``declared``: the names declared in ``where``, never noted)."""
    if not isinstance(text, str):
        return
    text = text if is_latex(text) else subscript_first(text)  # ‖X‖²_F: as parse read it
    scalars = {n for n, v in typed.variables.items() if v.kind == "scalar"} - declared
    greeks = {n for n in scalars if greek_scalar(n)}
    sized = _scalar_named_as_a_size(typed, declared)
    # lower-case names that a divisor or an elementwise exponent made scalars (SPEC 6.3)
    greeks |= {n for n in scalars - greeks - sized if n[:1].islower()}
    note_forced_kinds(typed, text, declared | sized)  # y / (W x): W a scalar, said
    if "pi" in greeks and "\\" not in text:  # LaTeX's \pi is said by its lexer
        warnings.warn(  # the same note for plain text: log(2 pi) has a variable pi
            "read pi as the scalar variable pi, as every Greek letter: give its value when "
            "evaluating (pi=3.141592653589793), or write the number",
            ReadAsScalar,
            stacklevel=5,
        )
    _subscript_as_entry(typed, declared, text if "\\" in text else "")
    euler, norms = "e" in text, not _NORM_MARKS.isdisjoint(text)
    traces = "tr" in text.lower()
    said: set = set()
    plus = "+" in text or "-" in text
    defaults: set = set()  # undeclared lower-case names read as vectors by the case rule (SPEC 1)
    if plus:
        known = declared | sized
        defaults = {n for n, v in typed.variables.items() if v.kind == "vector" and n[:1].islower()}
        defaults -= known
    if defaults:
        _vector_added_to_scalar(typed, defaults, text)
    todo = [typed.tree] if euler or norms or traces or greeks else []
    while todo:
        e = todo.pop()
        todo.extend([child for _, child in child_fields(e)])
        if traces and type(e) is M.Call and e.fn == TR.name:
            _entrywise_in_trace(typed, e.args[0])
        if greeks:
            _greek_used_as_array(typed, e, greeks, said, text)
        if type(e) is not M.Call or e.span is None or None in typed.shape(e.args[0]):
            continue  # a matrix's function, written at a known place
        start, end = e.span
        written = text[start:end]
        matrix = e.fn == NORM2.name and len(typed.shape(e.args[0])) == 2
        bare = matrix and _BARE_NORM.match(written) and not _SUBSCRIPT_INSIDE.search(written)
        if bare and not _SUBSCRIPT_AFTER.match(text, end):
            say_reading(  # ‖A‖ of a matrix, no subscript: Frobenius, said
                f"read `{written.strip()}` of a matrix as its Frobenius norm (the square "
                "root of the sum of squares); einderiv has no spectral norm: write _F to "
                "say Frobenius",
                ReadAsEntrywise,
                stacklevel=5,
            )
        if euler and _EULER.match(text, start):
            raise ShapeError(
                f"`{text[start:end]}`: e to the power of a matrix is the matrix exponential, "
                "which einderiv does not have; write exp(...) for the elementwise exponential"
            )
        if norms and e.fn in _SUBSCRIPTED:  # ‖X‖_2, ‖X‖_1 of a matrix: read, and said how
            inside, after, reading = _SUBSCRIPTED[e.fn]
            sub = inside.search(text, start, end) or after.match(text, end)
            if sub:
                written = text[start : sub.end()].strip()
                say_reading(f"read `{written}` of a matrix as {reading}", ReadAsEntrywise, 5)


# a norm's subscript and how a matrix's norm so written is read (linear algebra means another)
_SUBSCRIPTED = {
    NORM2.name: (
        _TWO_INSIDE,
        _TWO_AFTER,
        (
            "its Frobenius norm (the square root of the sum of squares); einderiv has no spectral "
            "norm: write _F to say Frobenius"
        ),
    ),
    NORM1.name: (
        _ONE_INSIDE,
        _ONE_AFTER,
        (
            "its entrywise 1-norm (the sum of absolute values); einderiv has no induced 1-norm (the "
            "largest column sum)"
        ),
    ),
}


_ENTRIES = {1: ("vector",), 2: ("matrix", "symmetric")}  # a subscript's letters: an entry's


def _subscript_as_entry(typed, declared: frozenset, latex: str) -> None:
    """``A_ij x_j`` with A and x declared (or used): two new variables named A_ij and x_j (a
    subscript is part of a name, as in W_1), where the entries A[i,j] and x[j] were meant:
    said. (LaTeX's A_{ij}, two letters, is said by the LaTeX reader.) In LaTeX (``latex``, the
    text) a plain letter with an index i, j, k or l (``\\frac{x_i}{y_i}``) is said even where x
    is not used: a paper's x_i is the entry i of x (a bold ``\\mathbf{x}_i`` is a vector)."""
    for name in sorted(n for n in typed.variables.keys() - declared if "_" in n):  # (A_ij)
        base, _, script = name.partition("_")
        used = typed.variables.get(base)  # x_j beside x: only where x has entries to pick
        other = base in declared if used is None else used.kind in _ENTRIES.get(len(script), ())
        if not (other and script.isalpha() and script.islower()):
            alone = used is None and _INDEX_OF_LETTER.fullmatch(name)  # x_i: no x to be apart
            if latex and alone and not bold(latex, base):  # from (\mathbf{x}_i: a vector)
                greek = f"declare {base}: vector(n) and " if greek_scalar(base) else ""
                note = (f"read {name} as one variable named {name} (a subscript is part of a "
                        f"name); for the entry {script} of a vector {base} {greek}write "
                        f"{base}[{script}] (index notation, where an index repeated in a product "
                        "is summed)")  # fmt: skip
                say_reading(ReadAsIndexName(note, (base, script)), ReadAsIndexName, 4)
            continue
        if latex and len(script) == 2:
            continue
        entry = f"{base}[{','.join(script)}]"
        say_reading(
            f"read {name} as one variable named {name} (a subscript is part of a name), apart "
            f"from {base}; for the entry of {base} write {entry} (index notation)",
            ReadAsName,
            4,
        )


# x_i, \alpha_i: a lower-case letter (Latin or Greek) and an index letter
_INDEX_OF_LETTER = re.compile(rf"(?:[a-z]|{'|'.join(sorted(GREEK_SCALARS))})_[ijkl]")


def _scalar_named_as_a_size(typed, declared: frozenset) -> set:
    """An undeclared scalar named as a size (``\\frac{1}{n} \\mathbf{1}_n``, ``sum(x) / n`` with
    ``x: vector(n)``) is another number than that size unless declared an integer (then it is
    the size, ``backend.binding``): said, as a size and a scalar given apart may disagree. So is
    an undeclared vector named as a size (``m logdet(S)`` with ``Y: matrix(m, n)``: a vector of
    another length by the case rule, where the count m is meant). Returns the names said."""
    kinds = {  # not a vector of length n named n (n' x with x: vector(n))
        n: v.kind
        for n, v in typed.variables.items()
        if v.kind == "scalar" or v.kind == "vector" and v.dims != (n,)
    }
    if not kinds.keys() - declared:
        return set()
    sizes = {d for v in typed.variables.values() for d in v.dims if isinstance(d, str)}
    todo = [typed.tree]
    while todo:  # I_n, \mathbf{1}_n: sizes written in the text
        e = todo.pop()
        if type(e) in (M.Identity, M.Ones) and isinstance(e.dim, str):
            sizes.add(e.dim)
        todo.extend([child for _, child in child_fields(e)])
    said = (kinds.keys() - declared) & (sizes - typed.invented)
    for name in sorted(said):
        what = (
            "a scalar variable and also the name of a size, two numbers given apart"
            if kinds[name] == "scalar"
            else "read as a vector (an undeclared lower-case name), of another length than the "
            "size it names"
        )
        warnings.warn(
            f"`{name}` is {what}; declare `{name}: integer` to make it that size",
            ReadAsScalar,
            stacklevel=5,
        )
    return said


def _greek_used_as_array(typed, e: M.MExpr, greeks: set, said: set, text: str) -> None:
    """An undeclared Greek letter is a scalar (SPEC 6.3); transposed (``\\theta^\\top x``),
    added to a vector that a matrix multiplies (``S (x - \\mu)``) or on the right of a matrix or
    a row (``X \\beta``) it is most likely meant as a vector: say so."""
    uses = []
    span = getattr(e, "span", None)
    called = span is not None and text[span[1] :].lstrip()[:1] == "("  # sigma'(z): noted
    if type(e) is M.Transpose and type(e.operand) is M.Name and not called:
        uses.append((e.operand.name, f"{e.operand.name}' is {e.operand.name} itself"))
    # X beta, y' X beta, sum(X theta): a scalar on the right of a matrix or a row, where papers
    # write a coefficient on the left (beta X): a vector is most likely meant (not I lambda)
    left = e.left if type(e) is M.MatMul and type(e.right) is M.Name else None
    if left is not None and type(left) is not M.Identity and typed.shape(left)[1] is not None:
        uses.append((e.right.name, f"`{M.show(e)}` scales `{M.show(e.left)}` by it"))
    # a sum a matrix or a row multiplies, S (x - mu) in (x - mu)' S (x - mu); not log(x +
    # epsilon), 2 (x' - mu) or (beta + 2 alpha x') dx, as einderiv prints derivatives
    total = e.right if type(e) is M.MatMul and typed.shape(e.left) != _SCALAR else None
    if type(total) in (M.Add, M.Sub):
        for side, other in ((total.left, total.right), (total.right, total.left)):
            if type(side) is M.Name and typed.shape(other) != _SCALAR:
                uses.append((side.name, f"it is added to every entry of `{M.show(other)}`"))
    for name, how in uses:
        if name in greeks and name not in said:
            said.add(name)
            why = (
                f"the Greek letter {name} as a scalar (Greek letters are scalars)"
                if greek_scalar(name)
                else f"{name} as a scalar (its use as a divisor or an exponent makes it one)"
            )
            warnings.warn(
                f"read {why}: {how}; declare it (`{name}: vector(n)`, ...) for a vector",
                ReadAsScalar,
                stacklevel=6,
            )


def _vector_added_to_scalar(typed, defaults: set, text: str) -> None:
    """``x' A x + b' x + c``: an undeclared lower-case ``c`` is a vector (SPEC 1), so a scalar
    is added to every entry of it and the result is a vector, where a constant is most likely
    meant: said, when the name is used nowhere else (``x' x + x`` shows x is a vector) and
    the scalar is computed (``1 + exp(z)`` and ``x - mu`` are meant entrywise)."""
    uses: dict = {}
    added: list = []
    todo = [typed.tree]
    while todo:
        e = todo.pop()
        if type(e) is M.Name and e.name in defaults:
            uses[e.name] = uses.get(e.name, 0) + 1
        if type(e) in (M.Add, M.Sub):
            for side, other in ((e.left, e.right), (e.right, e.left)):
                name = _scaled_name(typed, side)
                scalar = typed.shape(other) == _SCALAR and _computed(other)
                if name in defaults and scalar:
                    added.append((name, other))
        todo.extend([child for _, child in child_fields(e)])
    for name, other in dict(added).items():
        if uses.get(name) == 1 and not bold(text, name):
            warnings.warn(
                f"read {name} as a vector (an undeclared lower-case name), so the scalar "
                f"`{M.show(other)}` is added to every entry of it and the result is a vector; "
                f"declare `{name}: scalar` for a constant",
                ReadAsScalar,
                stacklevel=6,
            )


def _scaled_name(typed, e: M.MExpr) -> str | None:
    """The name of ``c`` or of a scalar multiple of it (``c s``, ``s c``, ``-c``, ``c / s``,
    nested: ``-(n / 2) log(2 pi)``; s a scalar), else None."""
    while type(e) is not M.Name:
        if type(e) is M.Neg:
            e = e.operand
        elif type(e) is M.Div and typed.shape(e.right) == _SCALAR:
            e = e.left
        elif type(e) is M.MatMul and typed.shape(e.left) == _SCALAR:
            e = e.right
        elif type(e) is M.MatMul and typed.shape(e.right) == _SCALAR:
            e = e.left
        else:
            return None
    return e.name


def _computed(e: M.MExpr) -> bool:
    """Whether the scalar ``e`` is computed (``x' A x``, ``tr(X)``), not a number or a name
    (``1 + exp(z)`` and ``x - mu`` are meant entrywise)."""
    while type(e) is M.Neg:
        e = e.operand
    return type(e) not in (M.Number, M.Name)


def _entrywise_in_trace(typed, inner: M.MExpr) -> None:
    """Say so when ``inner``, the argument of a trace, is an elementwise function of a matrix."""
    if type(inner) is not M.Call or inner.fn not in ELEMENTWISE:
        return
    shape = typed.shape(inner.args[0])
    if len(shape) != 2 or None in shape:
        return
    say_reading(
        f"read tr({inner.fn}(...)) of a matrix entrywise: {inner.fn} of each diagonal entry, "
        f"summed (einderiv's functions are entrywise); einderiv has no matrix {inner.fn}, the "
        f"function of the Matrix Cookbook's tr({inner.fn}(X))",
        ReadAsMatrixFunction,
        stacklevel=6,
    )
