"""Solving one product of views: contract matrix views until only free ends remain.

Input: the views of one product (each a matrix chain with the index of its rows and of its
columns), the product's summed indices, the result's row and column index, and the
re-contractor (``transpose`` and ``vectors``).
Output: the product's scalar factors and its matrix chain (``solve``), or ``NoMatrixForm``.
Invariants:
- The views live on a ``Board`` (``notation.board``) that keeps, incrementally, which views
  hold each index and which views and indices can be acted on next, so one step costs time
  proportional to the views it touches (not to the whole product): solving a product is
  linear in its size.
- Steps are taken in a fixed order, the same as a left-to-right scan would take: first a view
  that can be reduced on its own (a trace, a sum over a lone index), the earliest such view;
  then the earliest-met summed index that exactly two views share, multiplied; where Einstein
  counting fails, views are combined elementwise or through ``diag``.
"""

from __future__ import annotations

from dataclasses import dataclass

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import DIAG, SUM, TR
from einderiv.ir.node import fast_init
from einderiv.notation.algebra import is_one
from einderiv.notation.board import Board, ends
from einderiv.notation.transposing import is_column, product, transposes


@fast_init
@dataclass(frozen=True, slots=True)
class View:
    """A matrix expression whose rows are indexed by ``row`` and columns by ``col``."""

    chain: tuple[M.MExpr, ...]  # a product of factors; () is the identity / the number 1
    row: T.Index | None
    col: T.Index | None


class NoMatrixForm(Exception):
    """The term has no matrix form."""


def flip(v: View, rc) -> View:
    """The transposed view: ``(A B)' = B' A'``."""
    return View(tuple(rc.transpose(x) for x in reversed(v.chain)), v.col, v.row)


def column(v: View, rc) -> M.MExpr:
    """A vector view as a column vector expression."""
    chain = v.chain if v.row is not None else tuple(rc.transpose(x) for x in v.chain[::-1])
    return product(chain, 0, rc.vectors)


def chain_transposes(chain) -> int:
    return sum(map(transposes, chain))


def solve(views: list[View], summed: set, row, col, rc):
    """Contract ``views`` to scalars and a free matrix chain on ``row`` and ``col``."""
    walked = _walk(views, summed, row, col, rc)
    if walked is not None:
        return [], walked
    ordered = views  # one view and nothing summed: nothing to contract (and no board)
    if _one_pair(views, summed):  # two views over one index: the board's one step, taken
        ordered = [_multiply(views[0], views[1], next(iter(summed)), rc)]
    elif summed or len(views) > 1:
        board = Board(views, summed)
        while summed or len(board.views) > 1:
            if _contract_one(board, rc) or _combine_one(board, rc):
                continue
            break
        ordered = [v for _, v in board.ordered()]
    scalars = [product(v.chain, 0, rc.vectors) for v in ordered if v.row is None and v.col is None]
    rest = [v for v in ordered if v.row is not None or v.col is not None]
    if summed and any(i in summed for v in rest for i in (v.row, v.col) if i is not None):
        raise NoMatrixForm
    return [s for s in scalars if not is_one(s)], _assemble(rest, row, col, rc)


def _one_pair(views: list[View], summed: set) -> bool:
    """Two views that hold the one summed index once each: the board would multiply them over
    it (neither can be reduced alone) and find nothing more to do."""
    if len(views) != 2 or len(summed) != 1:
        return False
    (i,) = summed
    return ends(views[0]).count(i) == 1 and ends(views[1]).count(i) == 1


def _walk(views: list[View], summed: set, row, col, rc):
    """The common case in one pass: the views form one open chain from ``row`` to ``col``
    (every view a matrix, every summed index shared by two views, each free index held once),
    so the board's steps would multiply them in chain order -- walk it instead (linear).
    None when the product is anything else."""
    if row is None or col is None or row == col or len(views) < 2:
        return None
    holders: dict = {}
    for k, v in enumerate(views):
        if v.row is None or v.col is None or v.row == v.col:
            return None
        holders.setdefault(v.row, []).append(k)
        holders.setdefault(v.col, []).append(k)
    if len(holders.get(row, ())) != 1 or len(holders.get(col, ())) != 1:
        return None
    if len(holders) != len(views) + 1 or len(summed) != len(views) - 1:
        return None
    for i, at in holders.items():
        if (i in summed) != (len(at) == 2) or (i not in summed and i not in (row, col)):
            return None
    chain: list = []
    index, previous, steps = row, None, 0
    while index != col:  # a disjoint loop (a trace) left over: not one chain
        at = holders[index]
        k = at[0] if at[0] != previous else at[-1]
        if k == previous:
            return None
        v = views[k]
        if v.row != index:
            v = flip(v, rc)
        chain.extend(v.chain)
        index, previous, steps = v.col, k, steps + 1
    return tuple(chain) if steps == len(views) else None


def _contract_one(board: Board, rc) -> bool:
    """Reduce a view on its own (a trace, a sum), or multiply two views over a summed index
    they alone share."""
    at = board.next_lone()
    if at is not None:
        board.replace(at, _reduce(board.views[at], board, rc))
        return True
    index = board.next_pair()
    if index is None:
        return False
    j, k = sorted(board.holders[index])
    made = _multiply(board.views[j], board.views[k], index, rc)
    board.merge((j, k), made)
    return True


def _reduce(v: View, board: Board, rc) -> View:
    summed, holders = board.summed, board.holders
    looped = v.row is not None and v.row == v.col and v.row in summed
    if looped:
        chain = min(v.chain, flip(v, rc).chain, key=chain_transposes)
        return View(
            (M.Call(TR.name, (product(chain, 0, rc.vectors),)),), None, None
        )  # tr(M) = tr(M')
    lone = [i for i in ends(v) if i in summed and len(holders[i]) == 1]
    if len(lone) == len(ends(v)):  # sum_a v[a] = sum(v); sum_ab M[a,b] = sum(M)
        whole = column(v, rc) if len(lone) == 1 else product(v.chain, 0, rc.vectors)
        if (
            isinstance(whole, M.Call)
            and whole.fn == DIAG.name
            and not is_column(whole.args[0], rc.vectors)
        ):
            return View((M.Call(TR.name, whole.args),), None, None)  # sum(diag(X)) = tr(X)
        return View((M.Call(SUM.name, (whole,)),), None, None)
    if v.row in lone:  # sum_a M[a,b] = (ones' M)[b]
        return View((M.Transpose(M.Ones(v.row.dim)),) + v.chain, None, v.col)
    return View(v.chain + (M.Ones(v.col.dim),), v.row, None)  # sum_b M[a,b] = (M ones)[a]


def _multiply(a: View, b: View, index, rc) -> View:
    """``a`` and ``b`` contracted over ``index`` (which each has on one side)."""
    a = a if a.col == index else flip(a, rc)
    b = b if b.row == index else flip(b, rc)
    if a.col != index or b.row != index:
        raise NoMatrixForm
    chain = a.chain + b.chain
    row, col = a.row, b.col
    if row is not None and row == col:  # sum_a A[a,i] B[a,i] = diag(A' B)[i] = diag(B' A)[i]
        square = product(_fewer_transposes(chain, rc), 0, rc.vectors)  # (so tr(X B), not tr(B' X'))
        return View((M.Call(DIAG.name, (square,)),), row, None)
    if row is None and col is None:  # an inner product: keep the orientation with fewer '
        return View((product(_fewer_transposes(chain, rc), 0, rc.vectors),), None, None)
    return View(chain, row, col)


def _fewer_transposes(chain: tuple, rc) -> tuple:
    """The chain of a product or of its transpose, whichever writes fewer transposes (the
    chain if as many): for a value the same for both (a diagonal, a trace, an inner product)."""
    flipped = tuple(rc.transpose(x) for x in reversed(chain))
    return flipped if chain_transposes(flipped) < chain_transposes(chain) else chain


def _combine_one(board: Board, rc) -> bool:
    """Where Einstein counting fails, combine views elementwise or through diag."""
    looked: list = []  # (every view's ends were counted at each step: quadratic in a product)
    try:
        while (index := board.next_crowded(looked)) is not None:
            if _combine_at(board, index, rc):
                return True
        return False
    finally:
        board.put_back(looked)


def _combine_at(board: Board, index, rc) -> bool:
    """Combine two of the views that hold the crowded ``index``, if any two can be."""
    views = board.views
    users = sorted(board.holders[index])
    vectors = [k for k in users if len(ends(views[k])) == 1]
    if len(vectors) >= 2:  # u[a] v[a] -> (u .* v)[a]
        j, k = vectors[:2]
        made = View((elementwise(column(views[j], rc), column(views[k], rc)),), index, None)
        board.merge((j, k), made)
        return True
    matrices = [k for k in users if len(ends(views[k])) == 2]
    for x in range(len(matrices)):
        for y in range(x + 1, len(matrices)):
            p, q = views[matrices[x]], views[matrices[y]]
            if set(ends(p)) == set(ends(q)):  # A[a,b] B[a,b] -> (A .* B)[a,b]
                q = q if (q.row, q.col) == (p.row, p.col) else flip(q, rc)
                made = View(
                    (
                        elementwise(
                            product(p.chain, 0, rc.vectors), product(q.chain, 0, rc.vectors)
                        ),
                    ),
                    p.row,
                    p.col,
                )
                board.merge((matrices[x], matrices[y]), made)
                return True
    if vectors and matrices:  # u[a] M[a,b] -> (diag(u) M)[a,b]
        v, m = views[vectors[0]], views[matrices[0]]
        m = m if m.row == index else flip(m, rc)
        made = View((M.Call(DIAG.name, (column(v, rc),)),) + m.chain, index, m.col)
        board.merge((vectors[0], matrices[0]), made)
        return True
    return False


def elementwise(a: M.MExpr, b: M.MExpr) -> M.MExpr:
    """``a .* b``, or a quotient where one side is an elementwise reciprocal:
    ``u .^ -1 .* x`` -> ``x ./ u``, ``x .^ 2 .* u .^ -2`` -> ``x .^ 2 ./ u .^ 2``."""
    for num, den in ((a, b), (b, a)):
        if _reciprocal(den) and not _reciprocal(num):
            p = -den.exponent.value
            return M.ElemDiv(num, den.base if p == 1 else M.ElemPow(den.base, M.Number(p)))
    return M.Hadamard(a, b)


def _reciprocal(e: M.MExpr) -> bool:
    """``u .^ -p`` for a number p > 0."""
    return type(e) is M.ElemPow and type(e.exponent) is M.Number and e.exponent.value < 0


def _assemble(rest: list[View], row, col, rc) -> tuple[M.MExpr, ...]:
    """The free part of a product: a matrix, a column, a row, or an outer product."""
    if not rest:
        if row is not None or col is not None:
            raise NoMatrixForm
        return ()
    if len(rest) == 1:
        v = rest[0]
        if (v.row, v.col) == (row, col):
            return v.chain
        if (v.col, v.row) == (row, col):
            return flip(v, rc).chain
        raise NoMatrixForm
    if len(rest) == 2 and row is not None and col is not None:
        left = next((v for v in rest if row in ends(v)), None)
        right = next((v for v in rest if col in ends(v)), None)
        if left is None or right is None or left is right:
            raise NoMatrixForm
        column_part = left.chain if left.row == row else flip(left, rc).chain
        row_vector = right.chain if right.col == col else flip(right, rc).chain
        return column_part + row_vector
    raise NoMatrixForm
