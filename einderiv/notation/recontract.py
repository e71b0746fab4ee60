"""Re-contraction: index IR -> matrix IR, the way a person writes a derivative on paper.

Input: a simplified term, the index on the result's rows and the one on its columns (either may
be None: a column, a row, or a scalar), and the variables (for symmetric matrices).
Output: a matrix-IR expression with that value, or None when matrix notation cannot say it
(order above 2, an index shared by three matrices, a symbolic sum).
Invariants:
- Each factor is a *view*: a matrix expression with the index of its rows and of its columns.
  Views that share a summed index are multiplied (a chain), a view whose two indices are the
  same summed index is traced, two vectors meeting make an inner product, free ends that do
  not meet make an outer product. Where Einstein counting does not hold (an index in three
  places, or a free index in two), views are combined elementwise (``.*``) or through ``diag``.
- Transposes are pushed inward, ``(A B)' = B' A'``, and a transposed symmetric variable is
  itself; of two orientations of a scalar the one with fewer transposes is kept.
- Terms of a sum that share a left or right factor are factored: ``X'A + X'A' = X'(A + A')``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.notation.algebra import (
    Piece,
    affine_tree,
    factor,
    is_column,
    is_one,
    is_ones,
    join_sum,
    product,
    transpose,
    transposes,
)

_ONE = Fraction(1)


@dataclass(frozen=True, slots=True)
class View:
    """A matrix expression whose rows are indexed by ``row`` and columns by ``col``."""

    chain: tuple[M.MExpr, ...]  # a product of factors; () is the identity / the number 1
    row: T.Index | None
    col: T.Index | None


class NoMatrixForm(Exception):
    """The term has no matrix form."""


def recontract(term: T.Term, row, col, variables: dict) -> M.MExpr | None:
    """``term`` as a matrix expression with rows on ``row`` and columns on ``col``."""
    try:
        return _Recontractor(variables).expression(term, row, col)
    except NoMatrixForm:
        return None


class _Recontractor:
    def __init__(self, variables: dict):
        self.symmetric = {n for n, v in variables.items() if v.kind == "symmetric"}
        self.vectors = {n for n, v in variables.items() if v.kind == "vector"}
        self.variables = variables
        self.memo: dict = {}  # a shared subterm is re-contracted once (DAG, not tree, cost)

    # -- sums -------------------------------------------------------------------------------

    def expression(self, term: T.Term, row, col) -> M.MExpr:
        key = ("expression", term, row, col)
        if key not in self.memo:
            try:
                self.memo[key] = self._expression(term, row, col)
            except NoMatrixForm:
                self.memo[key] = None
        if self.memo[key] is None:
            raise NoMatrixForm
        return self.memo[key]

    def _expression(self, term: T.Term, row, col) -> M.MExpr:
        if isinstance(term, T.Zero):
            raise NoMatrixForm
        if (T.free(term) - {row, col}) or (row is not None and row == col):
            raise NoMatrixForm
        terms = term.terms if isinstance(term, T.Add) else (term,)
        signed = [self.signed_term(x, row, col) for x in terms]
        mixed = any(p.chain and not all(map(is_ones, p.chain)) for p in signed)
        if len(signed) > 1 and mixed:  # ones + v -> 1 + v: a scalar is added to every entry
            signed = [
                p.replace(chain=()) if p.chain and all(map(is_ones, p.chain)) else p for p in signed
            ]
        return join_sum(factor(signed))

    def signed_term(self, term: T.Term, row, col) -> Piece:
        """One term of a sum: its coefficient, scalar factors and matrix chain."""
        factors = term.factors if isinstance(term, T.Prod) else (term,)
        summed = set(term.summed) if isinstance(term, T.Prod) else set()
        coeff = _ONE
        views: list[View] = []
        for f in factors:
            if type(f) is T.Num:
                coeff = f.value if coeff is _ONE else coeff * f.value
            else:
                views.append(self.view(f))
        scalars, main = _solve(views, summed, row, col, self)
        return Piece(coeff, tuple(scalars), tuple(main))

    # -- single factors ---------------------------------------------------------------------

    def view(self, f: T.Term) -> View:
        key = ("view", f)
        if key not in self.memo:
            try:
                self.memo[key] = self._view(f)
            except NoMatrixForm:
                self.memo[key] = None
        if self.memo[key] is None:
            raise NoMatrixForm
        return self.memo[key]

    def _view(self, f: T.Term) -> View:
        match f:
            case T.Var(name=name, indices=()):
                return View((M.Name(name),), None, None)
            case T.Var(name=name, indices=(a,)):
                return View((M.Name(name),), a, None)
            case T.Var(name=name, indices=(a, b)) if a == b:
                return View((M.Call("diag", (M.Name(name),)),), a, None)
            case T.Var(name=name, indices=(a, b)):
                return View((M.Name(name),), a, b)
            case T.Delta(a=a, b=b) if a == b:  # delta[c,c] = 1[c]
                return View((M.Ones(),), a, None)
            case T.Delta(a=a, b=b):
                return View((M.Identity(),), a, b)
            case T.Ones(index=index):
                return View((M.Ones(),), index, None)
            case T.Affine():
                return View((affine_tree(f),), None, None)
            case T.Size(dim=dim):
                return View((self.size(dim),), None, None)
            case T.Func(name=name, arg=arg):
                inner = self.sub_view(arg)
                return View((M.Call(name, (product(inner.chain),)),), inner.row, inner.col)
            case T.Pow(base=base, exponent=exponent):
                inner = self.sub_view(base)
                power = self.expression(exponent, None, None) if not T.free(exponent) else None
                if power is None:
                    raise NoMatrixForm
                op = M.Power if inner.row is None and inner.col is None else M.ElemPow
                return View((op(product(inner.chain), power),), inner.row, inner.col)
            case T.MatPow(base=base, bound=bound, exponent=e, indices=(a, b)):
                matrix = self.expression(base, *bound)
                made = M.Inverse(matrix) if e == T.affine(-1) else M.Power(matrix, affine_tree(e))
                if a == b:
                    return View((M.Call("diag", (made,)),), a, None)
                return View((made,), a, b)
            case T.Det(base=base, bound=bound):
                return View((M.Call("det", (self.expression(base, *bound),)),), None, None)
            case T.LogDet(base=base, bound=bound):
                return View((M.Call("logdet", (self.expression(base, *bound),)),), None, None)
            case T.Add() | T.Prod():
                return self.sub_view(f)
        raise NoMatrixForm

    def size(self, dim) -> M.MExpr:
        """The size of a dimension: ``3``, or measured on a variable: ``tr(A .^ 0)``."""
        if isinstance(dim, int):
            return M.Number(Fraction(dim))
        for name, info in sorted(self.variables.items()):
            if info.kind == "vector" and info.dims[0] == dim:
                return M.Call("sum", (M.ElemPow(M.Name(name), M.Number(Fraction(0))),))
            if info.kind in ("matrix", "symmetric") and info.dims == (dim, dim):
                return M.Call("tr", (M.ElemPow(M.Name(name), M.Number(Fraction(0))),))
        return M.Call("tr", (M.Identity(),))

    def sub_view(self, t: T.Term) -> View:
        """A nested term as one view, in the orientation with fewer transposes."""
        free = sorted(T.free(t), key=lambda i: i.name)
        if len(free) > 2:
            raise NoMatrixForm
        if len(free) < 2:
            row = free[0] if free else None
            return View((self.expression(t, row, None),), row, None)
        a, b = free
        one, other = self.expression(t, a, b), self.expression(t, b, a)
        if transposes(other) < transposes(one):
            return View((other,), b, a)
        return View((one,), a, b)

    def transpose(self, e: M.MExpr) -> M.MExpr:
        return transpose(e, self.symmetric, self.vectors)


# ---------------------------------------------------------------------------------------------
# Solving one product: contract views until only free ends remain.


def _solve(views: list[View], summed: set, row, col, rc: _Recontractor):
    views = list(views)
    while summed or len(views) > 1:  # one view and nothing summed: nothing to contract
        if _contract_one(views, summed, rc) or _combine_one(views, summed, row, col, rc):
            continue
        break
    scalars = [product(v.chain) for v in views if v.row is None and v.col is None]
    rest = [v for v in views if v.row is not None or v.col is not None]
    if any(i in summed for v in rest for i in (v.row, v.col) if i is not None):
        raise NoMatrixForm
    return [s for s in scalars if not is_one(s)], _assemble(rest, row, col, rc)


def _ends(v: View) -> list:
    row, col = v.row, v.col
    if row is None:
        return [] if col is None else [col]
    return [row] if col is None else [row, col]


def _contract_one(views: list[View], summed: set, rc) -> bool:
    """Multiply two views over a summed index they alone share, or trace a view."""
    holders: dict = {}  # index -> how many views have it (counted once per view)
    for w in views:
        row, col = w.row, w.col
        holders[row] = holders.get(row, 0) + 1
        if col != row:
            holders[col] = holders.get(col, 0) + 1
    for k, v in enumerate(views):
        looped = v.row is not None and v.row == v.col and v.row in summed
        if looped and holders[v.row] == 1:
            chain = min(v.chain, _flip(v, rc).chain, key=lambda c: sum(map(transposes, c)))
            views[k] = View((M.Call("tr", (product(chain),)),), None, None)  # tr(M) = tr(M')
            return True
        lone = [i for i in _ends(v) if i in summed and holders[i] == 1]
        if lone and len(lone) == len(_ends(v)):  # sum_a v[a] = sum(v); sum_ab M[a,b] = sum(M)
            whole = _column(v, rc) if len(lone) == 1 else product(v.chain)
            if (
                isinstance(whole, M.Call)
                and whole.fn == "diag"
                and not is_column(whole.args[0], rc.vectors)
            ):
                views[k] = View((M.Call("tr", whole.args),), None, None)  # sum(diag(X)) = tr(X)
            else:
                views[k] = View((M.Call("sum", (whole,)),), None, None)
            return True
        if lone and v.row in lone:  # sum_a M[a,b] = (ones' M)[b]
            views[k] = View((M.Transpose(M.Ones()),) + v.chain, None, v.col)
            return True
        if lone:  # sum_b M[a,b] = (M ones)[a]
            views[k] = View(v.chain + (M.Ones(),), v.row, None)
            return True
    counts = _counts(views)
    for index in [i for i in counts if i in summed]:  # in order of appearance: deterministic
        users = [k for k, v in enumerate(views) if index in _ends(v)]
        if counts.get(index) != 2 or len(users) != 2:
            continue
        j, k = users
        made = _multiply(views[j], views[k], index, rc)
        for m in sorted((j, k), reverse=True):
            del views[m]
        views.append(made)
        return True
    return False


def _multiply(a: View, b: View, index, rc) -> View:
    """``a`` and ``b`` contracted over ``index`` (which each has on one side)."""
    a = a if a.col == index else _flip(a, rc)
    b = b if b.row == index else _flip(b, rc)
    if a.col != index or b.row != index:
        raise NoMatrixForm
    chain = a.chain + b.chain
    row, col = a.row, b.col
    if row is not None and row == col:  # sum_a A[a,i] B[a,i] = diag(A' B)[i]: a diagonal
        return View((M.Call("diag", (product(chain),)),), row, None)
    if row is None and col is None:  # an inner product: keep the orientation with fewer '
        flipped = tuple(rc.transpose(x) for x in reversed(chain))
        if sum(map(transposes, flipped)) < sum(map(transposes, chain)):
            chain = flipped
        return View((product(chain),), None, None)
    return View(chain, row, col)


def _flip(v: View, rc) -> View:
    """The transposed view: ``(A B)' = B' A'``."""
    return View(tuple(rc.transpose(x) for x in reversed(v.chain)), v.col, v.row)


def _counts(views) -> dict:
    counts: dict = {}
    for v in views:
        for i in _ends(v):
            counts[i] = counts.get(i, 0) + 1
    return counts


def _combine_one(views: list[View], summed: set, row, col, rc) -> bool:
    """Where Einstein counting fails, combine views elementwise or through diag."""
    counts = _counts(views)
    crowded = [
        i for i, n in counts.items() if (i in summed and n > 2) or (i not in summed and n > 1)
    ]
    for index in crowded:
        users = [k for k, v in enumerate(views) if index in _ends(v)]
        vectors = [k for k in users if len(_ends(views[k])) == 1]
        if len(vectors) >= 2:  # u[a] v[a] -> (u .* v)[a]
            j, k = vectors[:2]
            made = View((M.Hadamard(_column(views[j], rc), _column(views[k], rc)),), index, None)
            _replace(views, (j, k), made)
            return True
        matrices = [k for k in users if len(_ends(views[k])) == 2]
        for x in range(len(matrices)):
            for y in range(x + 1, len(matrices)):
                p, q = views[matrices[x]], views[matrices[y]]
                if set(_ends(p)) == set(_ends(q)):  # A[a,b] B[a,b] -> (A .* B)[a,b]
                    q = q if (q.row, q.col) == (p.row, p.col) else _flip(q, rc)
                    made = View((M.Hadamard(product(p.chain), product(q.chain)),), p.row, p.col)
                    _replace(views, (matrices[x], matrices[y]), made)
                    return True
        if vectors and matrices:  # u[a] M[a,b] -> (diag(u) M)[a,b]
            v, m = views[vectors[0]], views[matrices[0]]
            m = m if m.row == index else _flip(m, rc)
            made = View((M.Call("diag", (_column(v, rc),)),) + m.chain, index, m.col)
            _replace(views, (vectors[0], matrices[0]), made)
            return True
    return False


def _replace(views: list, gone: tuple, made: View) -> None:
    for m in sorted(gone, reverse=True):
        del views[m]
    views.append(made)


def _column(v: View, rc) -> M.MExpr:
    """A vector view as a column vector expression."""
    return product(v.chain if v.row is not None else tuple(rc.transpose(x) for x in v.chain[::-1]))


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
            return _flip(v, rc).chain
        raise NoMatrixForm
    if len(rest) == 2 and row is not None and col is not None:
        left = next((v for v in rest if row in _ends(v)), None)
        right = next((v for v in rest if col in _ends(v)), None)
        if left is None or right is None or left is right:
            raise NoMatrixForm
        column = left.chain if left.row == row else _flip(left, rc).chain
        row_vector = right.chain if right.col == col else _flip(right, rc).chain
        return column + row_vector
    raise NoMatrixForm


def zero_matrix(row, col, variables: dict) -> M.MExpr | None:
    """A zero of the right shape, written with the expression's own variables (``0 a x'``)."""
    if row is None and col is None:
        return M.Number(Fraction(0))
    parts = []
    for index, as_row in ((row, False), (col, True)):
        if index is None:
            continue
        column = _column_of(index.dim, variables)
        if column is None:
            return None
        parts.append(M.Transpose(column) if as_row else column)
    return product([M.Number(Fraction(0)), *parts])


def _column_of(dim, variables: dict) -> M.MExpr | None:
    """A column vector of length ``dim`` made of a variable: ``x``, ``A ones`` or ``A' ones``."""
    for name, info in sorted(variables.items()):
        if info.kind == "vector" and info.dims[0] == dim:
            return M.Name(name)
    for name, info in sorted(variables.items()):
        if info.kind in ("matrix", "symmetric"):
            if info.dims[0] == dim:
                return M.MatMul(M.Name(name), M.Ones())
            if info.dims[1] == dim:
                return M.MatMul(M.Transpose(M.Name(name)), M.Ones())
    return None
