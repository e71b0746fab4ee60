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

from fractions import Fraction
from functools import reduce

from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.canon import scope
from einderiv.ir.matrix_ops import DET, DIAG, LOGDET, TR
from einderiv.ir.node import dim_factors, is_compound
from einderiv.notation.algebra import Piece, factor, is_ones, join_sum
from einderiv.notation.free_pattern import pattern
from einderiv.notation.kronecker_inside import inside_groups
from einderiv.notation.scalars import affine_tree, scalar_power
from einderiv.notation.sizing import measured_size, sized_identities, witnesses
from einderiv.notation.transposing import (
    leading_scalar,
    own_transposes,
    product,
    transpose,
    transposes,
)
from einderiv.notation.views import NoMatrixForm, View, solve

_ONE, _INVERSE = Fraction(1), T.affine(-1)  # (an inverse's exponent: interned, so `is`)


def _has_pair_on(term: T.Term, ends) -> bool:
    """Whether a compound delta ``delta[c,(i,j)]`` with c one of ``ends`` is a factor of a term
    (then ``vec`` and ``kron`` can write it: ``notation.kronecker``)."""
    for t in term.terms if isinstance(term, T.Add) else (term,):
        factors = t.factors if isinstance(t, T.Prod) else (t,)
        if any(type(f) is T.Pair and f.c in ends and f.c is not None for f in factors):
            return True
    return False


_WRITTEN_OUT = 64  # the most terms writing products over wide sums out may add


def _distributed(terms) -> list[T.Term]:
    """The terms, with each product that has a sum over more than two free indices as a factor
    written out term by term: ``(T1 + T2)[a,i,j] v[a] -> T1[a,i,j] v[a] + T2[a,i,j] v[a]``
    (the derivative of a Jacobian, contracted with a vector: no view holds three indices,
    each term's factors may). At most ``_WRITTEN_OUT`` terms more than the wide sums have
    (linear in the input: dY = A0 dX B0 + .. + A99 dX B99; wide sums nested in each other
    would multiply): beyond that, index notation."""
    out: list[T.Term] = []
    written = budget = 0  # terms made by writing products out; terms of the wide sums
    for x in terms:
        wide = _wide_sum(x)
        if wide is None:
            out.append(x)
        else:
            rest = x.factors[:wide] + x.factors[wide + 1 :]
            around = set(x.summed).union(*map(T.free, rest))
            parts = []
            for sub in x.factors[wide].terms:
                if not isinstance(sub, T.Prod):
                    parts.append(T.Prod((*rest, sub), x.summed))
                elif around.isdisjoint(sub.summed):  # its own sums stay its own
                    parts.append(T.Prod(rest + sub.factors, x.summed + sub.summed))
                else:
                    raise NoMatrixForm
            made = _distributed(parts)
            out += made
            written += len(made)
            budget += len(parts)
            if written > _WRITTEN_OUT + budget:
                raise NoMatrixForm
    return out


def _wide_sum(x: T.Term) -> int | None:
    """The position of a factor of ``x`` that is a sum over more than two free indices."""
    if isinstance(x, T.Prod):
        for k, f in enumerate(x.factors):
            if type(f) is T.Add and len(T.free(f)) > 2:
                return k
    return None


def _leading_number(e: M.MExpr) -> tuple[Fraction, M.MExpr]:
    """The nonzero numbers at the head of a product chain, and the chain without them:
    ``(2 x') A -> (2, x' A)``. Numbers commute with everything, so the value is kept."""
    if type(e) is not M.MatMul:
        return _ONE, e
    if type(e.left) is M.Number and e.left.value:
        number, rest = _leading_number(e.right)
        return e.left.value * number, rest
    number, left = _leading_number(e.left)
    return (number, e) if left is e.left else (number, M.MatMul(left, e.right))


def recontract(term: T.Term, row, col, variables: dict, anchored=None, memo=None):
    """``term`` as a matrix expression with rows on ``row`` and columns on ``col``; an ``I``
    whose size the text does not fix otherwise is written with it (``notation.sizing``;
    ``anchored``: the sizes the surrounding text fixes, when it is a part of a larger one;
    ``memo``: a dict kept across calls with these variables: a subterm is done once in all)."""
    with scope():  # memo tables (transposes) for this call; the collector paused, as in simplify
        recontractor = _Recontractor(variables) if memo is None else memo.get(_Recontractor)
        if recontractor is None:
            recontractor = memo[_Recontractor] = _Recontractor(variables)
        try:
            made = recontractor.expression(term, row, col)
        except NoMatrixForm:
            return None
    if not recontractor.identities:  # no I written: nothing to size (the common case)
        return made
    return sized_identities(made, recontractor.witnesses, anchored, (row, col))


class _Recontractor:
    def __init__(self, variables: dict):
        self.symmetric = set(own_transposes(variables))  # symmetric matrices, scalars
        self.vectors = {n: v.dims[0] for n, v in variables.items() if v.kind == "vector"}
        self.scalars = {n for n, v in variables.items() if v.kind in ("scalar", "integer")}
        self.variables = variables
        self.witnesses = witnesses(variables)  # what a size's text may name (``0 x``, len(x))
        self.memo: dict = {}  # a shared subterm is re-contracted once (DAG, not tree, cost)
        self.views: dict = {}  # factor -> its View (None: none)
        self.names: dict = {}
        self.identities = False  # whether an I was written (``notation.sizing`` then looks)
        self.turned: dict = {}  # kron(y', A) <-> kron(y, A')' (``notation.kronecker_inside``)
        self.transposed: dict = {}  # node -> its transpose: a shared subterm turned once

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
        try:
            return self._plain_expression(term, row, col)
        except NoMatrixForm:
            if not _has_pair_on(term, (row, col)):
                raise
        from einderiv.notation.kronecker import kronecker_terms  # it re-contracts its parts

        made = kronecker_terms(term, row, col, self.variables)
        if made is None:
            raise NoMatrixForm
        return made

    def _plain_expression(self, term: T.Term, row, col) -> M.MExpr:
        if isinstance(term, T.Zero):  # the base of X^k, det(..) that cancelled: 0 W, sized
            return self.zero(row, col)
        if (T.free(term) - {row, col}) or (row is not None and row == col):
            raise NoMatrixForm
        terms = term.terms if isinstance(term, T.Add) else (term,)
        signed = [self.signed_term(x, row, col) for x in _distributed(terms)]
        # ones + v -> 1 + v: a scalar is added to every entry, but not beside I: there
        # I - ones ones' / n, not I - 1 / n (which a reader may take for (1 - 1/n) I)
        if len(signed) > 1 and any(p.chain and not all(map(is_ones, p.chain)) for p in signed):
            eye = any(isinstance(x, M.Identity) for p in signed for x in p.chain)
            signed = [
                p.replace(chain=())
                if p.chain and all(map(is_ones, p.chain)) and not (eye and len(p.chain) > 1)
                else p
                for p in signed
            ]
        return join_sum(factor(signed, self.vectors), self.vectors)

    def signed_term(self, term: T.Term, row, col) -> Piece:
        """One term of a sum: its coefficient, scalar factors and matrix chain."""
        factors = term.factors if isinstance(term, T.Prod) else (term,)
        summed = set(term.summed) if isinstance(term, T.Prod) else set()
        coeff = _ONE
        views: list[View] = []
        factors = inside_groups(factors, summed, self)  # kron(y', A) V: one view per group
        for f in factors:
            if type(f) is T.Num:
                coeff = f.value if coeff is _ONE else coeff * f.value
            else:
                views.append(f if type(f) is View else self.view(f))
        scalars, main = solve(views, summed, row, col, self)
        scalars, main = list(scalars), list(main)
        # x (2 (x - a)') 0.5: the 2 joins the coefficient (not a 0: 0 W keeps W's shape);
        # so does the number that leads a chain: exp(u) ((-0.5 x') A) -> -0.5 exp(u) x' A
        for part in (scalars, main):
            for k, e in enumerate(part):
                if type(e) is M.MatMul:  # (a Fraction product per factor would cost 30%)
                    number, part[k] = _leading_number(e)
                    coeff *= number
        # W' (alpha J) W -> alpha W' J W: a scalar variable that leads a chain joins the
        # scalars in front (W' alpha J W reads as if a vector alpha were meant)
        for k, e in enumerate(main):
            while type(e) is M.MatMul and (found := leading_scalar(e, self.scalars))[0]:
                scalars.append(found[0])
                main[k] = e = found[1]
        return Piece(coeff, tuple(scalars), tuple(main))

    # -- single factors ---------------------------------------------------------------------

    def view(self, f: T.Term) -> View:
        found = self.views.get(f, self.views)
        if found is self.views:
            made = pattern(f)  # f under the names of another product: done once (free_pattern)
            try:
                found = self._view(f) if made is None else self.view(made[0])
            except NoMatrixForm:
                found = None
            if made is not None and found is not None:
                back = made[1].get
                found = View(found.chain, back(found.row, found.row), back(found.col, found.col))
            self.views[f] = found
        if found is None:
            raise NoMatrixForm
        return found

    def name(self, name: str) -> M.Name:
        """One ``Name`` node per variable (hashed once, compared by identity)."""
        found = self.names.get(name)
        if found is None:
            found = self.names[name] = M.Name(name)
        return found

    def _view(self, f: T.Term) -> View:
        if type(f) is T.Var and len(f.indices) == 2 and f.indices[0] != f.indices[1]:
            return View((self.name(f.name),), *f.indices)  # the common case, before the match
        match f:
            case T.Var(name=name, indices=()):
                return View((self.name(name),), None, None)
            case T.Var(name=name, indices=(a,)):
                return View((self.name(name),), a, None)
            case T.Var(name=name, indices=(a, b)) if a == b:
                return View((M.Call(DIAG.name, (self.name(name),)),), a, None)
            case T.Var(name=name, indices=(a, b)):
                return View((self.name(name),), a, b)
            case T.Delta(a=a, b=b) if a == b:  # delta[c,c] = 1[c]
                return View((M.Ones(a.dim),), a, None)
            case T.Delta(a=a, b=b):
                self.identities = True
                return View((M.Identity(a.dim),), a, b)
            case T.Ones(index=index):
                return View((M.Ones(index.dim),), index, None)
            case T.Zero(indices=(a,)):  # a zero factor: softplus(0 C')
                return View((self.zero(a, None),), a, None)
            case T.Zero(indices=(a, b)) if a != b:
                return View((self.zero(a, b),), a, b)
            case T.Affine():
                return View((affine_tree(f),), None, None)
            case T.Size(dim=dim):
                return View((self.size(dim),), None, None)
            case T.Func(name=name, arg=arg):
                inner = self.sub_view(arg)
                return View(
                    (M.Call(name, (product(inner.chain, 0, self.vectors),)),), inner.row, inner.col
                )
            case T.Pow(base=base, exponent=exponent) if _broadcast_number(base, exponent):
                # (2 ones[i]).^(z[i]) is 2 .^ z: the number, broadcast over the exponent's axes;
                # (ones[i] A[b,b]).^(z[i]) is tr(A) .^ z
                rest = tuple(f for f in base.factors if type(f) is not T.Ones)
                number = T.Prod(rest, base.summed)
                power = self.sub_view(exponent)
                tree = M.ElemPow(
                    self.expression(number, None, None), product(power.chain, 0, self.vectors)
                )
                return View((tree,), power.row, power.col)
            case T.Pow(base=base, exponent=exponent):
                inner = self.sub_view(base)
                axes = {i for i in (inner.row, inner.col) if i is not None}
                if T.free(exponent) and T.free(exponent) == axes:  # z .^ (z - 1), X .^ X
                    power = self.expression(exponent, inner.row, inner.col)
                    if power is None:
                        raise NoMatrixForm
                    base_tree = product(inner.chain, 0, self.vectors)
                    return View((M.ElemPow(base_tree, power),), inner.row, inner.col)
                power = self.expression(exponent, None, None) if not T.free(exponent) else None
                if power is None:
                    raise NoMatrixForm
                op = scalar_power if inner.row is None and inner.col is None else M.ElemPow
                return View(
                    (op(product(inner.chain, 0, self.vectors), power),), inner.row, inner.col
                )
            case T.MatPow(base=base, bound=bound, exponent=e, indices=(a, b)):
                matrix = self.expression(base, *bound)
                made = M.Inverse(matrix) if e is _INVERSE else M.Power(matrix, affine_tree(e))
                if a == b:
                    return View((M.Call(DIAG.name, (made,)),), a, None)
                return View((made,), a, b)
            case T.Det(base=base, bound=bound):
                return View((M.Call(DET.name, (self.expression(base, *bound),)),), None, None)
            case T.LogDet(base=base, bound=bound):
                return View((M.Call(LOGDET.name, (self.expression(base, *bound),)),), None, None)
            case T.RowFunc():
                return self.row_view(f)
            case T.Add() | T.Prod():
                return self.sub_view(f)
        raise NoMatrixForm

    def row_view(self, f: T.RowFunc) -> View:
        """softmax(X)[a,i]: the call on the matrix with rows a and columns the bound index (or
        on the column vector over it); logsumexp(X)[a], a column over the rows."""
        rest = sorted(T.free(f.base) - {f.bound}, key=lambda i: i.name)
        if len(rest) > 1:
            raise NoMatrixForm
        row = rest[0] if rest else None
        if row is None:
            call = M.Call(f.name, (self.expression(f.base, f.bound, None),))
            return View((call,), f.indices[0] if f.indices else None, None)
        call = M.Call(f.name, (self.expression(f.base, row, f.bound),))
        if not f.indices:
            return View((call,), row, None)
        if f.indices[0] == row:  # softmax(X)[a,a]
            return View((M.Call(DIAG.name, (call,)),), row, None)
        return View((call,), row, f.indices[0])

    def zero(self, row, col) -> M.MExpr:
        """A zero over (row, col) whose text fixes its size: ``0 W`` (W a matrix of that shape),
        ``0 v`` or ``0 v v'`` (v a vector), ``0``; else no matrix form (a bare ``0`` base, as in
        ``(0)^(3 - k)``, would read back as a scalar)."""
        dims = tuple(i.dim for i in (row, col) if i is not None)
        zero = M.Number(Fraction(0))
        if not dims:
            return zero
        for name, info in sorted(self.witnesses.items()):
            if info.kind in ("matrix", "symmetric") and len(dims) == 2 and info.dims == dims:
                return M.MatMul(zero, self.name(name))
        for name, info in sorted(self.witnesses.items()):  # 0 W' for W of the other shape
            if info.kind == "matrix" and len(dims) == 2 and info.dims == dims[::-1]:
                return M.MatMul(zero, M.Transpose(self.name(name)))
        vectors = {info.dims[0]: self.name(n) for n, info in sorted(self.witnesses.items())[::-1]
                   if info.kind == "vector"}  # fmt: skip
        if all(d in vectors for d in dims):  # 0 v, 0 v', 0 u v'
            if len(dims) == 2:
                return M.MatMul(zero, M.MatMul(vectors[dims[0]], M.Transpose(vectors[dims[1]])))
            v = vectors[dims[0]]
            return M.MatMul(zero, v if row is not None else M.Transpose(v))
        raise NoMatrixForm

    def size(self, dim) -> M.MExpr:
        """The size of a dimension: ``3``, or measured on a variable: ``len(x)`` of a vector,
        ``len(A)`` (rows) or ``len(A')`` (columns) of a matrix. ``tr(I)`` (whose size nothing
        fixes) only when no variable has it."""
        if isinstance(dim, int):
            return M.Number(Fraction(dim))
        if is_compound(dim):  # the size of vec(X), m n: len(X) len(X')
            return reduce(M.MatMul, [self.size(d) for d in dim_factors(dim)])
        found = measured_size(dim, self.witnesses)
        return found if found is not None else M.Call(TR.name, (M.Identity(),))

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
        turned = self.turned.get(e)  # a Kronecker group's other orientation, as made
        if turned is not None:
            return turned
        return transpose(e, self.symmetric, self.vectors, self.transposed, scalars=self.scalars)


def _broadcast_number(base: T.Term, exponent: T.Term) -> bool:
    """``c ones[i]`` (a scalar c spread over axes the exponent has: a number, ``alpha``, or
    ``A[b,b]``, tr(A), summed within c) as the base of a power."""
    if type(base) is not T.Prod or not any(type(f) is T.Ones for f in base.factors):
        return False
    ones = [f for f in base.factors if type(f) is T.Ones]
    rest = tuple(f for f in base.factors if type(f) is not T.Ones)
    return (
        not any(T.free(f) & set(base.summed) for f in ones)
        and not T.free(T.Prod(rest, base.summed))
        and T.free(base) <= T.free(exponent)
    )
