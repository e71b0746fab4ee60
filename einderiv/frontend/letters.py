"""Letters written together: ``x'Ax`` is ``x' A x`` (SPEC 6.3).

Input: the matrix IR of a plain-text expression and the names declared for it.
Output: the same tree with every undeclared name of two or more letters (no digit, no ``_``)
that is not a Greek letter, a function or a constant replaced by the product of its letters,
and the notes saying so (one per name), which the caller shows (``warnings.warn`` in Python,
a note on the command line).
Invariants:
* declared names are never split (``lr: scalar`` keeps ``lr`` one name);
* the tree is rebuilt only when some name is split; spans point at each letter;
* the product keeps the letters' order, so ``Ax`` is ``A x``; a postfix operator right after
  the letters applies to the last one, so ``xy'`` is ``x y'`` and ``AB^-1`` is ``A B^-1``.
* right after a superscript, an undeclared name that is a letter, a declared name with a digit
  or ``_``, then letters, is each of them (``X^TW_1x`` is ``X' W_1 x``, with the note).
* ``identity_size``: an undeclared ``I_n``, ``I_3`` in plain text is the identity of that size,
  as LaTeX's ``I_n`` and ``I_{n}`` (SPEC 6.2), never a new matrix variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from einderiv.errors import EinderivError
from einderiv.frontend.depth import MAX_HEIGHT
from einderiv.frontend.lexing import RESERVED, STATE, error_at
from einderiv.frontend.name_uses import child_fields
from einderiv.ir import greek
from einderiv.ir import matrix_ir as M

__all__ = ["identity_size", "named", "split_letters", "splits"]

_LETTERS = re.compile(r"[A-Za-z]{2,}")
_SIZED_I = re.compile(r"I_([A-Za-z][A-Za-z0-9]*|[0-9]+)")  # I_n, I_3, I_mn
_SIZED = {"I": M.Identity, "ones": M.Ones}  # names that are nodes with a size


def named(name: str, span: tuple[int, int]) -> M.MExpr:
    """The node of the NAME token ``name`` at ``span``: ``I`` and ``ones`` of the size LaTeX's
    lexer wrote for them (``I_n``, ``\\mathbf{1}_3``; else open), plain ``I_n`` the identity
    (``identity_size``), any other a ``Name``."""
    size = identity_size(name, span[0])
    if size is not None:
        return M.Identity(size, span=span)
    made = _SIZED.get(name)
    return made(STATE.get().sizes.get(span[0]), span=span) if made else M.Name(name, span=span)


def identity_size(name: str, start: int) -> str | int | None:
    """The size of the identity ``name`` (a NAME token at offset ``start``) written ``I_n``,
    ``I_3`` in plain text and not declared: the name or number after ``_`` (``I_mn``: the size
    mn, which sizing reads as m*n when no size is named mn); None for any other name, in LaTeX
    (its lexer reads ``I_n``) or declared (``I_n: matrix(n, n)`` is that variable). ``I_0`` is
    refused, as LaTeX's ``I_{0}``."""
    if name[:2] != "I_":  # (what _SIZED_I needs first: most names are not searched)
        return None
    state = STATE.get()
    found = _SIZED_I.fullmatch(name)
    if found is None or state.latex or name in state.declared:
        return None
    if found[1].strip("0") == "":
        raise error_at(f"the size of {name} is a name or a positive number (declare {name} "
                       "for a matrix of that name)", start)  # fmt: skip
    return int(found[1]) if found[1].isdigit() else found[1]


def splits(name: str, declared: frozenset) -> bool:
    """Whether the undeclared run of letters ``name`` reads as the product of its letters."""
    return (
        name not in declared
        and _LETTERS.fullmatch(name) is not None
        and name not in greek.NAMES  # π is pi, one name
        and name not in RESERVED
        and name not in M.FUNCTIONS
    )


def _glued(name: str, declared: frozenset, longest: int) -> int:
    """The length of the declared name with a digit or ``_`` that the undeclared ``name``
    holds after its first letter, followed only by letters (``TW1``, ``nW_1``, ``TW_1X`` with
    W1, W_1 declared: 2, 3, 3), else 0. After a superscript it is that letter, that name, then
    the letters (``X^TW_1X`` is ``X' W_1 X``, as TeX reads it), never a new variable.
    ``longest``: the longest declared name's length; nothing longer is looked up."""
    if name in declared or not (name[:1].isascii() and name[:1].isalpha()):
        return 0
    for end in range(min(len(name), longest + 1), 1, -1):  # the longest declared name first
        rest, letters = name[1:end], name[end:]
        if rest in declared and re.fullmatch("[A-Za-z]+", rest) is None:
            return end - 1 if re.fullmatch("[A-Za-z]*", letters) else 0
    return 0


def _names(tree: M.MExpr) -> set[str]:
    found, todo = set(), [tree]
    while todo:
        e = todo.pop()
        if isinstance(e, M.Name):
            found.add(e.name)
        todo.extend([child for _, child in child_fields(e)])
    return found


def split_letters(
    tree: M.MExpr, declared: frozenset, names: set[str] | None = None
) -> tuple[M.MExpr, tuple[str, ...]]:
    """``tree`` with run-together letters read as products, and a note per split name;
    ``names``: the names of ``tree`` when the caller has them (``name_uses.name_uses``)."""
    names = _names(tree) if names is None else names
    split = sorted(n for n in names if splits(n, declared))
    longest = max(map(len, declared), default=0)
    glued = {n: k for n in names if (k := _glued(n, declared, longest))}  # ^TW_1X: ^T, W_1, X
    if not (split or glued):
        return tree, ()
    longest = max(split, key=len, default="")
    if len(longest) > MAX_HEIGHT:  # a chain of its letters
        raise EinderivError(
            f"'{_cut(longest)}' read as a product of its letters is too long a chain "
            f"({len(longest)} factors; the limit is {MAX_HEIGHT}): declare it to keep one name"
        )
    read = _Superscripts(transpose="T" not in declared, glued=glued)
    rebuilt = _rebuild(tree, frozenset(split), read)
    if rebuilt is tree:  # (only names such as TW1 met, none after a superscript)
        return tree, ()
    words = lambda n: " ".join([n[1 : 1 + glued[n]], *n[1 + glued[n] :]] if n in glued else n[1:])
    split = sorted({*split, *(n for n in glued if n in read.transposed + read.powered)})
    notes = tuple(
        f"read '^{_cut(n)}' as ^T {_cut(words(n))}: the transpose, then a product"
        if n in read.transposed
        else f"read '^{_cut(n)}' as ^{n[0]} {_cut(words(n))}: the power of {n[0]} only, "
        f"then a product, as TeX reads it (^({_cut(n)}) raises to {_cut(n[0] + ' ' + words(n))})"
        if n in read.powered
        else f"read '{_cut(n)}' as the product {_cut(' '.join(n))}; declare it "
        f"({f'`{n}: scalar`, ' if _cut(n) == n else ''}...) to keep one name"
        for n in split
    )
    return rebuilt, notes


def _cut(text: str, most: int = 60) -> str:
    """``text`` as a note shows it: a run of 200,000 letters is not repeated in full."""
    return text if len(text) <= most else f"{text[: most - 20]}... ({len(text)} characters)"


# the postfix operators and the field holding what they apply to: X', X^-1, X^2, x .^ 2
_POSTFIX = {M.Transpose: "operand", M.Inverse: "operand", M.Power: "base", M.ElemPow: "base"}


def _letters(e: M.Name) -> list[M.MExpr]:
    """The letters of ``e``, each a name; ``I`` is the identity, as written apart (``x'Ix``)."""
    start = e.span[0] if e.span else None
    letters = []
    for i, c in enumerate(e.name):
        span = (start + i, start + i + 1) if start is not None else None
        letters.append(M.Identity(span=span) if c == "I" else M.Name(c, span=span))
    return letters


def _product(factors: list[M.MExpr], span) -> M.MExpr:
    product = factors[0]
    for factor in factors[1:]:
        product = M.MatMul(product, factor, span=span)
    return product


def _on_last_letter(e: M.MExpr, split: frozenset) -> M.MExpr | None:
    """``AB'`` is ``A B'``, ``AB^-1`` is ``A B^-1``, ``ab^2`` is ``a b^2``: postfix operators
    written right after run-together letters (no parenthesis between) apply to the last letter,
    as LaTeX typesets ``AB^\\top``; ``(AB)'`` keeps the product's transpose. None when ``e``
    is not such an operator."""
    chain, node = [], e
    while type(node) in _POSTFIX:
        chain.append(node)
        node = getattr(node, _POSTFIX[type(node)])
    if not chain or not isinstance(node, M.Name) or node.name not in split or not node.span:
        return None
    if any(op.span is None or op.span[0] != node.span[0] for op in chain):
        return None  # (AB)': the operator applies to the parenthesised product
    letters = _letters(node)
    inner = letters[-1]
    for op in reversed(chain):
        changes = {_POSTFIX[type(op)]: inner}
        if isinstance(op, (M.Power, M.ElemPow)):
            changes["exponent"] = _rebuild(op.exponent, split)
        inner = op.replace(**changes, span=(letters[-1].span[0], op.span[1]))
    return _product([*letters[:-1], inner], e.span)


@dataclass
class _Superscripts:
    """The run-together names read after a superscript, for the notes: ``^TX`` (``transposed``:
    the transpose, then a product; only when ``transpose``, T not declared) and ``^nb``
    (``powered``: the power of its first letter, then a product)."""

    transpose: bool
    glued: dict = field(default_factory=dict)  # TW1: T, then the declared W1 (its length)
    transposed: list[str] = field(default_factory=list)
    powered: list[str] = field(default_factory=list)


def _transpose_then(e: M.MExpr, split: frozenset, read: _Superscripts | None) -> M.MExpr | None:
    """``X^TX`` is ``X^T X`` (``X' X``), ``x^TAx`` is ``x' A x``: ``^T`` written against more
    letters (no parenthesis) is the transpose, as TeX reads ``X^TX``; the names met are added to
    ``read.transposed``. None for anything else (and when ``T`` is declared: then a power)."""
    found = _letters_after(e, split, read) if read is not None and read.transpose else None
    if found is None or type(found[0]) is not M.Name or found[0].name != "T":  # (^IA: I)
        return None
    first, rest, name, negated = found
    read.transposed.append(name)
    base = M.Inverse(e.base, span=e.base.span) if negated else e.base  # X^-TX: X^-T X
    head = M.Transpose(base, span=(e.span[0], first.span[1]))
    return _product([_rebuild(head, split, read), *rest], e.span)


def _power_then(e: M.MExpr, split: frozenset, read: _Superscripts | None) -> M.MExpr | None:
    """``X^kb`` is ``X^k b``, ``AB^kX`` is ``A B^k X``: any other superscript written against
    more letters is its first letter, as TeX reads it (it was ``X^(k b)``); the rest multiply."""
    found = _letters_after(e, split, read)
    if found is None:
        return None
    first, rest, name, negated = found
    if type(first) is M.Identity:  # X^IA: no power of I, the exponent as written (refused)
        glued = read is not None and name in read.glued  # X^IW1: I W1, not a new name IW1
        written = _product([first, *rest], e.exponent.span)
        written = M.Neg(written, span=e.exponent.span) if negated else written
        return e.replace(exponent=written) if glued else None
    if read is not None:
        read.powered.append(name)
    exponent = M.Neg(first, span=first.span) if negated else first  # X^-kb: X^-k b
    head = e.replace(exponent=exponent, span=(e.span[0], first.span[1]))
    return _product([_rebuild(head, split, read), *rest], e.span)


def _letters_after(e: M.MExpr, split: frozenset, read: _Superscripts | None):
    """(the first letter, the factors after it, the name, whether a ``-`` leads) of the
    superscript of the power ``e``
    written as run-together letters: ``X^TX^{-1}``'s exponent ``TX^-1`` is T, then X^-1 (the
    operators written after the letters apply to the last, as TeX reads them); None for any
    other exponent, or one in parentheses or braces (``X^(TX^2)``: as written)."""
    x = getattr(e, "exponent", None)
    if type(e) is not M.Power or x is None:
        return None
    negated = type(x) is M.Neg  # X^-TX: the exponent -(T X), read -T then X
    chain, node = [], x.operand if negated else x
    while type(node) in _POSTFIX:
        chain.append(node)
        node = getattr(node, _POSTFIX[type(node)])
    glued = read is not None and isinstance(node, M.Name) and node.name in read.glued
    if not isinstance(node, M.Name) or not (node.name in split or glued):
        return None
    start = x.span[0] + 1 if negated and x.span else x.span and x.span[0]
    if not x.span or not node.span or x.span[1] != e.span[1] or node.span[0] != start:
        return None
    first, *rest = _letters(node) if not glued else _letter_then_name(node, read.glued)
    last = rest[-1]
    for op in reversed(chain):
        last = op.replace(**{_POSTFIX[type(op)]: last}, span=(rest[-1].span[0], op.span[1]))
    last = _rebuild(last, split, read) if chain else last
    return first, [*rest[:-1], last], node.name, negated


def _letter_then_name(e: M.Name, glued: dict) -> list[M.MExpr]:
    """``TW_1X`` as T, the name W_1, then X (``_glued``), each with its span."""
    start, end = e.span[0], e.span[0] + 1 + glued[e.name]
    first = _letters(M.Name(e.name[0], span=(start, start + 1)))  # (I: the identity)
    after = e.name[end - start :]
    tail = _letters(M.Name(after, span=(end, e.span[1]))) if after else []
    return [*first, M.Name(e.name[1 : end - start], span=(start + 1, end)), *tail]


def _rebuild(e: M.MExpr, split: frozenset, read: _Superscripts | None = None) -> M.MExpr:
    if isinstance(e, M.Name):
        return _product(_letters(e), e.span) if e.name in split else e
    last = _transpose_then(e, split, read) or _power_then(e, split, read)
    last = last or _on_last_letter(e, split)
    if last is not None:
        return last
    return M.map_children(e, lambda c: _rebuild(c, split, read))
