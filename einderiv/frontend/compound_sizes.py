"""Compound sizes compared as products: the pairs of ``vec`` and ``kron``, however nested.

Input: two compound size classes (``dimensions.DimCell`` roots with ``factors``) of one
``Inference`` that are to be one size.
Output: ``align`` makes them one size by their leaves (their factors, fastest first, at any
depth) and says so, or says that it could not (the caller then compares them factor by
factor, as before); ``reordered`` says whether two compounds are the same factors in another
order (then, and only then, the "a vec position is a (row, column) pair" hint applies).
Invariants:
- A compound over (fast, slow) is the flat position i + dim(fast) j (column-major, as ``vec``
  stacks columns), so ((m, n), p) and (m, (n, p)) are the same positions: two compounds whose
  leaves are the same sizes in the same order are one size whatever their nesting
  (``kron(kron(I_q, K), I_m)`` against ``kron(vec(A), I_{mn})``).
- A size left open (the size of a bare ``I``) that stands where the other side has a run of
  leaves is the compound of that run; nothing else is guessed: two open runs, or an open size
  against nothing, are left to the caller.
- A number leaf against a run of the other side's numbers with that product lines up with
  that run (4, 6 against 2, 2, 2, 3: the columns of ``kron(D', C)``, C 3-by-4, against the
  rows of a Kronecker form), with at most one open size taking the run left between (it is
  their compound); the number stays one size, not made the run's compound (x's 6 against 3, 2
  in one term of a sum and 2, 3 in the other); never with a size 1 among them (it pairs with
  either neighbour: the factor by factor pairing decides), never runs on both sides (2, 3
  against 3, 2 is a reshape).
- ``I_{mn}`` (a size of two or more letters that is no size's name) is the identity of size m*n
  (pairs of m by n, m fastest), said with a ``ReadAsProduct`` note; never a new size "mn".
- The same factors in another order (m*n against n*m) are never one size: they pair the
  positions differently (a reshape, which a commutation matrix writes).
- ``solve``: a compound fixed to a number (``kron(ones ones', B)`` required 4-by-4, B 2-by-2)
  sizes its one open factor (n = 4 / 2), or fails when no whole number does (2*n = 5); open
  factors of several sizes (n*m = 6) have several solutions: ``SeveralSizes``, never a guess.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter

from einderiv.errors import ReadAsProduct, SeveralSizes, ShapeError

__all__ = [
    "align",
    "compound_text",
    "leaves",
    "may_be_equal",
    "not_product",
    "reordered",
    "solve",
    "written_size",
]


def leaves(cell) -> list:
    """The leaf classes of ``cell``'s class, fastest first (the class itself when it is not a
    compound)."""
    out, todo = [], [cell.root()]
    while todo:
        root = todo.pop()
        if root.factors is None:
            out.append(root)
        else:
            todo += [f.root() for f in reversed(root.factors)]
    return out


def _open(cell) -> bool:
    return cell.value is None and cell.factors is None


def _same(a, b) -> bool:
    return a is b or (a.value is not None and a.value == b.value)


def align(inference, a, b, context, what) -> bool:
    """Make the compounds ``a`` and ``b`` one size by their leaves: the same leaves at both
    ends, and between them nothing, or one open size against a run of the other's leaves (it
    is their compound). True when done; False (nothing changed) when they do not align so."""
    xs, ys = leaves(a), leaves(b)
    shorter = min(len(xs), len(ys))
    head = 0
    while head < shorter and _same(xs[head], ys[head]):
        head += 1
    tail = 0
    while tail < shorter - head and _same(xs[-1 - tail], ys[-1 - tail]):
        tail += 1
    rest_x, rest_y = xs[head : len(xs) - tail], ys[head : len(ys) - tail]
    segments = _number_runs(rest_x, rest_y)
    if segments is not None:  # 4 against 2*2: lined up; an open size is the run's compound
        for one, run in segments:
            if not _open(one):  # 6 against 3, 2: equal products, and 6 stays one size (a
                continue  # sum's other term may pair it 2, 3: kron(x', I) P + kron(I, x') P)
            made = run[0]
            for leaf in run[1:]:
                made = inference.product(made, leaf, one.origin)
            inference.unify(one, made, context, what)
        for x, y in zip(xs[:head] + xs[len(xs) - tail :], ys[:head] + ys[len(ys) - tail :]):
            inference.unify(x, y, context, what)
        return True
    if rest_x or rest_y:
        # (the open one of two single leaves: 3 against an open ?, as in kron(K, I_3) against
        # kron(I, vec(P A)), whichever side it stands on)
        x_open = len(rest_x) == 1 and (len(rest_y) != 1 or _open(rest_x[0]))
        one, run = (rest_x, rest_y) if x_open else (rest_y, rest_x)
        if len(one) != 1 or not _open(one[0]) or not run:
            return False
        made = run[0]
        for leaf in run[1:]:  # ((l1, l2), l3): the same positions as any other nesting
            made = inference.product(made, leaf, one[0].origin)
        inference.unify(one[0], made, context, what)
    for x, y in zip(leaves(a), leaves(b)):  # equal names or numbers: one class
        inference.unify(x, y, context, what)
    return True


def _number_runs(rest_x: list, rest_y: list) -> list | None:
    """(leaf, run) pairs: each number leaf of one side that is the product of a run of the
    other side's numbers, in order (4, 6 against 2, 2, 2, 3: 4 = 2*2, 6 = 2*3), and one open
    size (a bare ``I``) the run left between them; None when the rests are not so (2*3 against
    3*2: another order of positions, a reshape; 2, 2 against 1, 4: runs on both sides)."""
    cells = rest_x + rest_y
    if not rest_x or not rest_y or any(c.factors is not None for c in cells):
        return None
    opens = [c for c in cells if _open(c)]
    if len(opens) > 1 or not all(_open(c) or isinstance(c.value, int) for c in cells):
        return None
    if any(c.value == 1 for c in cells):
        return None  # (a size 1 pairs with any neighbour: left to the factor by factor pairing)
    if not opens:
        made = _segments(rest_x, rest_y, whole=True)
        return None if made is None or made[1] != len(rest_y) else made[0]
    side, other = (rest_x, rest_y) if any(c is opens[0] for c in rest_x) else (rest_y, rest_x)
    k = next(n for n, c in enumerate(side) if c is opens[0])
    head = _segments(side[:k], other)
    tail = _segments(side[k + 1 :][::-1], other[::-1])
    if head is None or tail is None or head[1] + tail[1] >= len(other):
        return None
    return [*head[0], *tail[0], (opens[0], other[head[1] : len(other) - tail[1]])]


def _segments(xs: list, ys: list, whole: bool = False) -> tuple | None:
    """(the (leaf, run) pairs, how many of ``ys`` they take) pairing all of the numbers ``xs``
    with a first part of the numbers ``ys`` (``whole``: all of it); a size 1 after a run's end
    joins the run, so that both sides keep the same leaves; None when they do not part so."""
    out, i, j = [], 0, 0
    while i < len(xs):
        if j == len(ys):
            return None
        run_x, run_y = [xs[i]], [ys[j]]
        i, j = i + 1, j + 1
        while _product(run_x) != _product(run_y):
            if _product(run_x) < _product(run_y):
                if i == len(xs):
                    return None
                run_x.append(xs[i])
                i += 1
            else:
                if j == len(ys):
                    return None
                run_y.append(ys[j])
                j += 1
        while True:  # 2 against 2, 1: the 1 joins (2 is the compound of 2 and 1)
            x_one = i < len(xs) and xs[i].value == 1
            y_one = j < len(ys) and ys[j].value == 1 and (whole or i < len(xs))
            if x_one == y_one:
                break
            if x_one:
                run_x.append(xs[i])
                i += 1
            else:
                run_y.append(ys[j])
                j += 1
        if len(run_x) > 1 and len(run_y) > 1:
            return None
        out.append((run_x[0], run_y) if len(run_x) == 1 else (run_y[0], run_x))
    return out, j


def _product(cells: list) -> int:
    product = 1
    for c in cells:
        product *= c.value
    return product


def may_be_equal(a, b) -> bool:
    """Whether the compounds ``a`` and ``b`` may have as many positions: a size left open in
    either, or the same names and the same product of numbers (``m*n`` and ``n*m``; ``2*3``
    and ``3*2``)."""
    sides = []
    for side in (leaves(a), leaves(b)):
        if any(_open(x) for x in side):
            return True
        number, names = 1, Counter()
        for x in side:
            if isinstance(x.value, int):
                number *= x.value
            else:
                names[x.value] += 1
        sides.append((number, names))
    return sides[0] == sides[1]


def not_product(value, compound) -> bool:
    """Whether a fixed size ``value`` cannot be the size of ``compound``: a name (a compound
    never equals a named size), or a number that its leaves, all numbers, do not multiply to."""
    if isinstance(value, str):
        return True
    product = 1
    for leaf in leaves(compound):
        if not isinstance(leaf.value, int):
            return False
        product *= leaf.value
    return isinstance(value, int) and value != product


def reordered(a, b) -> bool:
    """Whether the compounds ``a`` and ``b`` have the same leaves in another order."""
    xs, ys = leaves(a), leaves(b)
    keys = [[x.value if x.value is not None else id(x) for x in side] for side in (xs, ys)]
    return keys[0] != keys[1] and Counter(keys[0]) == Counter(keys[1])


def written_size(inference, dim, origin: str):
    """The size cell of ``I_{dim}`` or ``ones_{dim}`` as written: a name, a number, or letters
    that name no size (``I_{mn}``): the compound of one size per letter, said."""
    known = dim in inference.named or not isinstance(dim, str)
    if known or not re.fullmatch(r"[A-Za-z]{2,}", dim):
        return inference.cell(dim, origin)
    letters = [inference.named.get(c) or inference.cell(c, origin) for c in dim]
    made = letters[0]
    for letter in letters[1:]:
        made = inference.product(made, letter, origin)
    warnings.warn(
        f"read the size {dim} of {origin} as the product {'*'.join(dim)} (pairs, "
        f"{dim[0]} fastest), not as one size named {dim}: declare a size {dim} for that",
        ReadAsProduct,
        stacklevel=2,
    )
    return made


def solve(inference, context) -> None:
    """Size the open factors of the compounds fixed to a number (``2*n`` = 4: n = 2), until
    none is left to size. A ``ShapeError`` when no whole number fits (2*n = 5, n*n = 8);
    ``SeveralSizes`` when open factors of two or more sizes remain (n*m = 6: 2*3 or 3*2...)."""
    while True:
        todo = [c for c in inference.cells if c.root() is c and c.factors is not None]
        todo = [c for c in todo if isinstance(c.value, int) and not isinstance(c.value, bool)]
        for root in todo:
            sides = leaves(root)
            if any(isinstance(x.value, str) for x in sides):
                continue  # a named size: n*2 = 4 is not ours to solve
            known = 1
            for x in sides:
                known *= x.value if x.value is not None else 1
            free = Counter(x for x in sides if x.value is None)
            if not free:
                continue  # all numbers: checked when the names are resolved
            size = f"{compound_text(root)} = {root.value}"
            if root.value % known:
                raise ShapeError(f"shapes do not fit: no whole size makes {size}")
            rest = root.value // known
            if len(free) > 1 and rest != 1:
                places = "; ".join(dict.fromkeys(x.origin for x in free if x.origin))
                raise SeveralSizes(
                    f"the sizes {size} have more than one solution (sizes from {places}): "
                    "declare the shapes, write the sizes on I and ones, or give the result's "
                    "shape (ed.parse(text, shape=g.shape) for a printed derivative)"
                )
            for leaf, power in free.items():
                found = round(rest ** (1 / power))
                found = next((k for k in (found - 1, found, found + 1) if k**power == rest), 0)
                if found < 1:
                    raise ShapeError(f"shapes do not fit: no whole size makes {size}")
                inference.unify(leaf, inference.cell(found, root.origin), context, size)
            break  # a size found: the compounds are looked at again
        else:
            return


def compound_text(cell) -> str:
    """A compound's leaves, fastest first: ``m*n*p``, ``2*?``: ``?`` for a size left open."""
    return "*".join("?" if x.value is None else str(x.value) for x in leaves(cell))
