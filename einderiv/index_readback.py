"""Index notation whose text reads back with the sizes it was printed with (SPEC 7: a printed
form parses to the same function).

Input: an index-IR term, its axes, shape and variables (an ``Expr``'s).
Output: ``index_notation``'s text (``index_latex``'s); a ``NoReadableText`` when that text,
read back with the variables declared, sizes one of its indices otherwise than the term does.
Why: index text writes no size. An index of a pair (``delta[c,(i,j)]``) whose size no variable
fixes is sized by the reader's pairing of compound sizes (factor by factor where their leaves
do not line up), which may split a size otherwise than the term: ``y' kron(I_{3},
kron(commutation(3, 3), I_{3})) kron(vec(A), I)`` (y of 81, A 3-by-3) printed ``y[a]
delta[b,c] .. delta[a,(h,b)] delta[q,(p,c)] .. delta[q,(u,t)]``, read with b of 9, not 3:
another value, silently.
Invariants:
- only a text with a pair is read back: without one every index takes the size of what it
  indexes, or of an index it equals, as in the term;
- the text is read as a reader would, without the shape, and when that does not read, with it
  (``parse(text, shape=g.shape)``, as a refusal for sizes the text leaves open says); one that
  does not read either way (the known class) is returned as before: this module only refuses a
  text that reads to other sizes;
- sizes compare by their factors' product and names (``3*3`` is 9); a size the text leaves
  open (a name no variable holds) is not compared;
- cost: one or two parses of a text with a pair, cached by its term, axes and variables.
This module sits above ``api`` (which imports it), like ``kron_readback``.
"""

from __future__ import annotations

import warnings
from collections import Counter
from functools import lru_cache

from einderiv.errors import EinderivError, NoReadableText
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_factors
from einderiv.notation.compound_names import units_dropped
from einderiv.notation.printing import _Printer, index_latex, index_notation
from einderiv.notation.written import printable


def readable_index(term: T.Term, axes, shape, variables: dict) -> str:
    """``index_notation(term, axes, variables)``, checked as the module says."""
    if isinstance(term, T.Zero) or not any(type(n) is T.Pair for n in T.nodes(term)):
        return index_notation(term, axes, variables)
    text, other = _checked(term, axes, shape, tuple(sorted(variables.items())))
    if other is not None:
        raise NoReadableText(
            "this result has no index notation that reads back: its text writes no size, and "
            f"read back it sizes {other} (a pair of sizes that no variable fixes is paired "
            "otherwise); its matrix or Kronecker form, its value, g.einsum() and g.compile() "
            "are unaffected"
        )
    return text


def readable_index_latex(term: T.Term, axes, shape, variables: dict) -> str:
    """``index_latex(term, axes, variables)``, refused where ``readable_index`` refuses the
    text of the same term (its LaTeX has the same indices, read the same way)."""
    readable_index(term, axes, shape, variables)
    return index_latex(term, axes, variables)


@lru_cache(maxsize=256)
def _checked(term: T.Term, axes, shape, items: tuple) -> tuple[str, str | None]:
    """The text of a term with a pair and, when it reads back so, the index it sizes otherwise
    (``the index b 9, not 3``); once for each term, axes and variables."""
    variables = dict(items)
    printable(term := units_dropped(term))  # as index_notation prints it
    printer = _Printer(term, axes, variables=variables)
    text = printer.text(term) if isinstance(term, T.Add) else printer.term(term)
    held = {p for v in variables.values() for d in v.dims for p in dim_factors(d)}
    read = _read(text, None, variables) or _read(text, shape, variables)
    return text, None if read is None else _other_size(read, printer.names, held)


def _other_size(read, names: dict, held: set) -> str | None:
    """The first index of ``names`` (index -> its name in the text) that ``read`` sizes
    otherwise than the term, said; a size it leaves open (a name no variable holds, asked for
    by keyword when evaluated: ``kron(I, x')``'s) is no other size."""
    for index, name in names.items():
        got = read.index_dims.get(name)
        if got is None or index.dim is None:
            continue
        if any(
            isinstance(f, str) and f not in held for d in (got, index.dim) for f in dim_factors(d)
        ):
            continue
        if _size(got) != _size(index.dim):
            return f"the index {name} {got}, not {index.dim}"
    return None


def _read(text: str, shape, variables: dict):
    """``text`` parsed with the variables declared (and ``shape`` required), or None."""
    from einderiv.api import parse
    from einderiv.kron_readback import _declarations

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return parse(text, where=_declarations(variables) or None, shape=shape)
    except EinderivError:
        return None


def _size(dim) -> tuple:
    """A size as (the product of its numbers, its names counted): ``3*3`` and 9 are one."""
    number, names = 1, Counter()
    for factor in dim_factors(dim):
        if isinstance(factor, int):
            number *= factor
        else:
            names[factor] += 1
    return number, tuple(sorted(names.items()))
