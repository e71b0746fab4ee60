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

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

from . import index_ir as T
from . import matrix_ir as M


@dataclass(frozen=True)
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
        self.variables = variables

    # -- sums -------------------------------------------------------------------------------

    def expression(self, term: T.Term, row, col) -> M.MExpr:
        if isinstance(term, T.Zero):
            raise NoMatrixForm
        if (T.free(term) - {row, col}) or (row is not None and row == col):
            raise NoMatrixForm
        terms = term.terms if isinstance(term, T.Add) else (term,)
        signed = [self.signed_term(x, row, col) for x in terms]
        if len(signed) > 1:  # ones + v -> 1 + v: a scalar in a sum is added to every entry
            signed = [
                p.replace(chain=()) if p.chain and all(map(_is_ones, p.chain)) else p
                for p in signed
            ]
        return _join_sum(_factor(signed))

    def signed_term(self, term: T.Term, row, col) -> Piece:
        """One term of a sum: its coefficient, scalar factors and matrix chain."""
        factors = term.factors if isinstance(term, T.Prod) else (term,)
        summed = set(term.summed) if isinstance(term, T.Prod) else set()
        coeff = Fraction(1)
        views: list[View] = []
        for f in factors:
            if isinstance(f, T.Num):
                coeff *= f.value
            else:
                views.append(self.view(f))
        scalars, main = _solve(views, summed, row, col, self)
        return Piece(coeff, tuple(scalars), tuple(main))

    # -- single factors ---------------------------------------------------------------------

    def view(self, f: T.Term) -> View:
        match f:
            case T.Var(name=name, indices=()):
                return View((M.Name(name),), None, None)
            case T.Var(name=name, indices=(a,)):
                return View((M.Name(name),), a, None)
            case T.Var(name=name, indices=(a, b)) if a == b:
                return View((M.Call("diag", (M.Name(name),)),), a, None)
            case T.Var(name=name, indices=(a, b)):
                return View((M.Name(name),), a, b)
            case T.Delta(a=a, b=b):
                return View((M.Identity(),), a, b)
            case T.Ones(index=index):
                return View((M.Ones(),), index, None)
            case T.Affine():
                return View((_affine_tree(f),), None, None)
            case T.Size():
                return View((M.Call("tr", (M.Identity(),)),), None, None)
            case T.Func(name=name, arg=arg):
                inner = self.sub_view(arg)
                return View((M.Call(name, (_product(inner.chain),)),), inner.row, inner.col)
            case T.Pow(base=base, exponent=exponent):
                inner = self.sub_view(base)
                power = self.expression(exponent, None, None) if not T.free(exponent) else None
                if power is None:
                    raise NoMatrixForm
                op = M.Power if inner.row is None and inner.col is None else M.ElemPow
                return View((op(_product(inner.chain), power),), inner.row, inner.col)
            case T.MatPow(base=base, bound=bound, exponent=e, indices=(a, b)):
                matrix = self.expression(base, *bound)
                made = M.Inverse(matrix) if e == T.affine(-1) else M.Power(matrix, _affine_tree(e))
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
        if _transposes(other) < _transposes(one):
            return View((other,), b, a)
        return View((one,), a, b)

    def transpose(self, e: M.MExpr) -> M.MExpr:
        vectors = {n for n, v in self.variables.items() if v.kind == "vector"}
        return transpose(e, self.symmetric, vectors)


# ---------------------------------------------------------------------------------------------
# Solving one product: contract views until only free ends remain.


def _solve(views: list[View], summed: set, row, col, rc: _Recontractor):
    views = list(views)
    while True:
        if _contract_one(views, summed, rc) or _combine_one(views, summed, row, col, rc):
            continue
        break
    scalars = [_product(v.chain) for v in views if v.row is None and v.col is None]
    rest = [v for v in views if v.row is not None or v.col is not None]
    if any(i in summed for v in rest for i in (v.row, v.col) if i is not None):
        raise NoMatrixForm
    return [s for s in scalars if not _is_one(s)], _assemble(rest, row, col, rc)


def _ends(v: View) -> list:
    return [i for i in (v.row, v.col) if i is not None]


def _contract_one(views: list[View], summed: set, rc) -> bool:
    """Multiply two views over a summed index they alone share, or trace a view."""
    for k, v in enumerate(views):
        looped = v.row is not None and v.row == v.col and v.row in summed
        if looped and sum(v.row in _ends(w) for w in views) == 1:
            chain = min(v.chain, _flip(v, rc).chain, key=lambda c: sum(map(_transposes, c)))
            views[k] = View((M.Call("tr", (_product(chain),)),), None, None)  # tr(M) = tr(M')
            return True
        lone = [i for i in _ends(v) if i in summed and sum(i in _ends(w) for w in views) == 1]
        if lone and len(lone) == len(_ends(v)):  # sum_a v[a] = sum(v); sum_ab M[a,b] = sum(M)
            whole = _column(v, rc) if len(lone) == 1 else _product(v.chain)
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
    if row is None and col is None:  # an inner product: keep the orientation with fewer '
        flipped = tuple(rc.transpose(x) for x in reversed(chain))
        if sum(map(_transposes, flipped)) < sum(map(_transposes, chain)):
            chain = flipped
        return View((_product(chain),), None, None)
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
                    made = View((M.Hadamard(_product(p.chain), _product(q.chain)),), p.row, p.col)
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
    return _product(v.chain if v.row is not None else tuple(rc.transpose(x) for x in v.chain[::-1]))


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


# ---------------------------------------------------------------------------------------------
# Sums: factor common scalars, left and right factors, and coefficients.


@dataclass(frozen=True)
class Piece:
    """One term of a sum: ``coeff * scalars * chain`` (a product of matrices, left to right)."""

    coeff: Fraction
    scalars: tuple[M.MExpr, ...]
    chain: tuple[M.MExpr, ...]

    def replace(self, **changes) -> Piece:
        return dataclasses.replace(self, **changes)


def _factor(terms: list[Piece]) -> list[Piece]:
    """``det(M) A + det(M) B -> det(M) (A + B)``, ``X'A + X'A' -> X'(A + A')``, ``2A + 2B``."""
    if len(terms) < 2:
        return terms
    for made in (_factor_scalar(terms), _factor_side(terms, 0), _factor_side(terms, -1)):
        if made is not None:
            return made
    return _factor_coefficient(terms)


def _split(terms: list[Piece], members: list[int]):
    return [terms[p] for p in members], [t for p, t in enumerate(terms) if p not in members]


def _factor_scalar(terms: list[Piece]) -> list[Piece] | None:
    counts: dict = {}
    for position, t in enumerate(terms):
        for sc in dict.fromkeys(t.scalars):
            counts.setdefault(sc, []).append(position)
    best = max(counts.values(), key=len, default=[])
    if len(best) < 2:
        return None
    shared = next(sc for sc, members in counts.items() if members is best)
    chosen, others = _split(terms, best)
    inner = [t.replace(scalars=_without(t.scalars, shared)) for t in chosen]
    coeff, inner = _common_coefficient(inner)
    inside = _join_sum(_factor(inner))
    if all(not t.chain for t in inner):
        piece = Piece(coeff, (shared, inside), ())
    else:
        piece = Piece(coeff, (shared,), (inside,))
    return _factor(others) + [piece] if others else [piece]


def _factor_side(terms: list[Piece], side: int) -> list[Piece] | None:
    groups: dict = {}
    for position, t in enumerate(terms):
        if t.chain:
            groups.setdefault(t.chain[side], []).append(position)
    best = max(groups.values(), key=len, default=[])
    if len(best) < 2:
        return None
    chosen, others = _split(terms, best)
    shared = chosen[0].chain[side]
    rests = []
    for t in chosen:
        rest = t.chain[1:] if side == 0 else t.chain[:-1]
        rests.append(t.replace(chain=rest or (M.Identity(),)))  # X' + X' A -> X' (I + A)
    coeff, inner = _common_coefficient(rests)
    inside = _join_sum(_factor(inner))
    chain = (shared, inside) if side == 0 else (inside, shared)
    piece = Piece(coeff, (), chain)
    return _factor(others) + [piece] if others else [piece]


def _factor_coefficient(terms: list[Piece]) -> list[Piece]:
    by_coeff: dict = {}
    for position, t in enumerate(terms):
        if abs(t.coeff) != 1:
            by_coeff.setdefault(abs(t.coeff), []).append(position)
    best = max(by_coeff.values(), key=len, default=[])
    if len(best) < 2:
        return terms
    c = abs(terms[best[0]].coeff)  # 2 A + 2 B -> 2 (A + B)
    chosen, others = _split(terms, best)
    inside = _join_sum([t.replace(coeff=t.coeff / c) for t in chosen])
    if all(not t.chain for t in chosen):
        return others + [Piece(c, (inside,), ())]
    return others + [Piece(c, (), (inside,))]


def _without(items: tuple, item) -> tuple:
    k = items.index(item)
    return items[:k] + items[k + 1 :]


def _common_coefficient(terms: list[Piece]) -> tuple[Fraction, list[Piece]]:
    first = terms[0].coeff
    if all(t.coeff == first for t in terms):
        return first, [t.replace(coeff=Fraction(1)) for t in terms]
    return Fraction(1), terms


def _join_sum(terms: list[Piece]) -> M.MExpr:
    """``c1 f1 + c2 f2 - ...`` with positive terms first, fewer transposes first."""

    def order(t: Piece):
        return (t.coeff < 0, sum(map(_transposes, t.scalars + t.chain)))

    out: M.MExpr | None = None
    for t in sorted(terms, key=order):
        magnitude = abs(t.coeff)
        factors = list(t.scalars + t.chain)
        lead = [] if magnitude == 1 and factors else [M.Number(magnitude)]
        if out is None and t.coeff < 0:
            lead = [M.Number(-magnitude)] if lead else []
            if not lead:
                factors = [M.Neg(factors[0])] + factors[1:]
        piece = _product(tuple(lead) + tuple(factors))
        if out is None:
            out = piece
        else:
            out = M.Sub(out, piece) if t.coeff < 0 else M.Add(out, piece)
    return out if out is not None else M.Number(Fraction(0))


def _product(chain) -> M.MExpr:
    """A left-to-right product; nested products are flattened (no needless parentheses)."""
    flat: list[M.MExpr] = []
    for x in chain:
        flat.extend(_chain_of(x))
    factors = [x for x in flat if not _is_one(x)] or flat[:1]
    if not factors:
        return M.Number(Fraction(1))
    out = factors[0]
    for x in factors[1:]:
        out = M.MatMul(out, x)
    return out


def _chain_of(e: M.MExpr) -> list[M.MExpr]:
    if isinstance(e, M.MatMul):
        return _chain_of(e.left) + _chain_of(e.right)
    return [e]


def _is_ones(e: M.MExpr) -> bool:
    return isinstance(e, M.Ones) or (isinstance(e, M.Transpose) and isinstance(e.operand, M.Ones))


def _is_one(e: M.MExpr) -> bool:
    return isinstance(e, M.Number) and e.value == 1


# ---------------------------------------------------------------------------------------------
# Transposes


def transpose(e: M.MExpr, symmetric=frozenset(), vectors=frozenset()) -> M.MExpr:
    """``e'`` with the transpose pushed inward (``vectors``: names of vector variables)."""

    def t(x: M.MExpr) -> M.MExpr:
        return transpose(x, symmetric, vectors)

    match e:
        case M.Name(name=name) if name in symmetric:
            return e
        case M.Transpose(operand=x):
            return x
        case M.Number() | M.Identity():
            return e
        case M.MatMul(left=a, right=b):
            return M.MatMul(t(b), t(a))
        case M.Neg(operand=x):
            return M.Neg(t(x))
        case M.Call(fn="diag", args=(x,)) if is_column(x, vectors):
            return e  # diag(v) is symmetric
        case M.Call(fn=fn) if fn in ("tr", "det", "logdet", "sum", "norm2"):
            return e
        case M.Inverse(operand=M.Name(name=name)) | M.Power(base=M.Name(name=name)) if (
            name in symmetric
        ):
            return e
        case M.Power(base=b, exponent=p):  # (X^k)' = X'^k
            return M.Power(t(b), p)
        case M.Add(left=a, right=b):
            ta, tb = t(a), t(b)
            if _transposes(tb) < _transposes(ta):  # (A + A')' = A + A', not A' + A
                ta, tb = tb, ta
            return _fewer(M.Add(ta, tb), e)
        case M.Sub(left=a, right=b):
            return _fewer(M.Sub(t(a), t(b)), e)
        case M.Hadamard(left=a, right=b):
            return _fewer(M.Hadamard(t(a), t(b)), e)
        case M.Call(fn=fn, args=(x,)) if fn in M.SCALAR_FUNCTIONS:
            return _fewer(M.Call(fn, (t(x),)), e)
        case M.ElemPow(base=b, exponent=p):
            return _fewer(M.ElemPow(t(b), p), e)
    return M.Transpose(e)


def _fewer(pushed: M.MExpr, original: M.MExpr) -> M.MExpr:
    """``pushed`` (the transpose moved inward) unless ``(original)'`` has fewer transposes."""
    if _transposes(pushed) <= _transposes(original) + 1:
        return pushed
    return M.Transpose(original)


def is_column(e: M.MExpr, vectors) -> bool:
    """Whether ``e`` (built by re-contraction) is a column vector."""
    match e:
        case M.Name(name=name):
            return name in vectors
        case M.Ones():
            return True
        case M.MatMul(right=b):
            return is_column(b, vectors)
        case M.Add(left=a, right=b) | M.Sub(left=a, right=b):
            return is_column(a, vectors) or is_column(b, vectors)
        case M.Neg(operand=a) | M.ElemPow(base=a):
            return is_column(a, vectors)
        case M.Hadamard(left=a, right=b):
            return is_column(a, vectors) or is_column(b, vectors)
        case M.Call(fn="diag", args=(x,)):
            return not is_column(x, vectors)
        case M.Call(fn=fn, args=(x,)) if fn in M.SCALAR_FUNCTIONS:
            return is_column(x, vectors)
    return False


def _transposes(e: M.MExpr) -> int:
    count = 1 if isinstance(e, M.Transpose) else 0
    for name in ("left", "right", "operand", "base", "exponent"):
        child = getattr(e, name, None)
        if isinstance(child, M.MExpr):
            count += _transposes(child)
    for child in getattr(e, "args", ()):
        count += _transposes(child)
    return count


def _affine_tree(a: T.Affine) -> M.MExpr:
    out: M.MExpr | None = None
    for name, coeff in zip(a.names, a.coeffs):
        term: M.MExpr = M.Name(name)
        if abs(coeff) != 1:
            term = M.MatMul(M.Number(Fraction(abs(coeff))), term)
        if out is None:
            out = term if coeff > 0 else M.Neg(term)
        else:
            out = M.Add(out, term) if coeff > 0 else M.Sub(out, term)
    if out is None:
        return M.Number(Fraction(a.const))
    if a.const:
        constant = M.Number(Fraction(abs(a.const)))
        out = M.Add(out, constant) if a.const > 0 else M.Sub(out, constant)
    return out


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
    return _product([M.Number(Fraction(0)), *parts])


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
