"""Lowering: matrix IR -> index IR, the way the lecture notes write a matrix expression as sums.

Input: a ``Typed`` tree (shapes resolved).
Output: ``Lowered(term, axes)``: an index-IR term and the ordered free indices that are the axes
of its value (rows then columns; for index notation, the free indices sorted by name).
Invariants:
- Output indices are passed top-down, so no subterm is ever renamed here:
  ``(A B)[a,b] = sum_c A[a,c] B[c,b]``, ``X'[a,b] = X[b,a]``, ``tr(X) = sum_a X[a,a]``.
- A short literal power is a chain: ``tr(X^3) = X[a,b] X[b,c] X[c,a]``. ``inv``, ``det``,
  ``logdet``, symbolic powers ``X^k`` and long literal powers are atoms with their own rules.
- Sums stay nested: ``(X + A)[a,b]`` is one factor, never distributed.
- Index notation uses Einstein summation, decided in ``_einstein`` alone: in a product, a user
  index written two or more times (whatever the factor: ``A[i,i]``, ``(A B)[i,i]``, ``delta``) is
  summed over once; written once, it is free.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from einderiv.errors import ShapeError, UnpairedSizes
from einderiv.frontend.lower_compound import CompoundLowering, tied
from einderiv.frontend.misreadings import (
    backward_sum,
    elementwise_entries,
    entries_of_call,
    free_indices_differ,
)
from einderiv.frontend.name_uses import child_fields
from einderiv.frontend.shape_walk import integer_power
from einderiv.frontend.shapes import Typed
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import DET, INV, LOGDET, MATRIX
from einderiv.ir.ops import ROW

_FUNCS = frozenset(M.SCALAR_FUNCTIONS)  # elementwise: from the registry (ir/ops.py)
CHAIN_LIMIT = 4  # X^n for n <= 4 is written out as a chain, as the notes do for tr(X^3)
WRITTEN_LIMIT = 64  # ... when its base written n times stays within this many factors


@dataclass(frozen=True)
class Lowered:
    """An index-IR term with the ordered indices that are the axes of its value."""

    term: T.Term
    axes: tuple[T.Index, ...]
    slots: tuple | None = None  # (row index, column index), each possibly None; None: index form


def is_user_index(i: T.Index) -> bool:
    return not i.name.startswith(("_", "%"))


def user_free(t: T.Term) -> frozenset[T.Index]:
    return frozenset(i for i in T.free(t) if is_user_index(i))


def lower(typed: Typed) -> Lowered:
    """Lower the whole typed tree."""
    lowerer = _Lowerer(typed)
    rows, cols = typed.shape(typed.tree)
    out = tuple(None if d is None else T.fresh(d) for d in (rows, cols))
    try:
        term = lowerer.lo(typed.tree, out)
    except ValueError as error:  # an index node refused sizes inference left unpaired
        said = isinstance(error, ShapeError)  # x[i] + x[j]: its own words, no sizes to declare
        raise UnpairedSizes(  # (kron(I_{s}, I) commutation(1, q): q*s against q*1)
            str(error)
            if said
            else f"einderiv cannot pair the sizes of `{M.show(typed.tree)}` ({error}); "
            "declare the sizes of the identities and variables"
        ) from None
    axes = tuple(i for i in out if i is not None)
    # user indices come only from index notation, whose names shape inference recorded
    users = sorted(user_free(term), key=lambda i: i.name) if typed.index_dims else ()
    if users and axes:
        raise ShapeError(
            f"`{M.show(typed.tree)}` mixes index notation with a matrix-valued result; "
            "index every matrix (e.g. `A[i,j]`) so that the expression is a scalar entry"
        )
    return Lowered(term, axes + tuple(users), None if users else out)


class _Lowerer(CompoundLowering):
    def __init__(self, typed: Typed):
        self.typed = typed
        self.shapes = typed.shapes  # (Typed.shape, read without the method call: every node)
        self.weights: dict = {}  # id -> factors a node is written out to (``chain_weight``)
        self.free_of: dict = {}  # id -> (a call's argument, its free user indices)

    def index(self, name: str) -> T.Index:
        return T.Index(name, self.typed.index_dims[name])

    def lo(self, e: M.MExpr, out: tuple) -> T.Term:
        """``e`` with its rows on ``out[0]`` and columns on ``out[1]`` (None: no such axis)."""
        shape = self.shapes[id(e)]
        if (shape[0] is None) is (out[0] is None) and (shape[1] is None) is (out[1] is None):
            return self._lower(e, out)  # the axes match: nothing to broadcast or drop
        inner, broadcast, summed = [], [], []
        for axis, index in zip(shape, out):
            if axis is None and index is not None:  # e has no such axis: broadcast (size 1)
                inner.append(None)
                broadcast.append(T.Ones(index))
            elif axis is not None and index is None:  # a size-1 axis that the context drops
                extra = T.fresh(axis)
                inner.append(extra)
                summed.append(extra)
            else:
                inner.append(index)
        term = self._lower(e, tuple(inner))
        if broadcast or summed:
            term = T.Prod((term, *broadcast), tuple(summed))
        return term

    def scalar(self, e: M.MExpr) -> T.Term:
        return self.lo(e, (None, None))

    def _lower(self, e: M.MExpr, out: tuple) -> T.Term:
        a, b = out
        match e:
            case M.Name(name=name):
                info = self.typed.variables.get(name)
                if info is None or info.kind == "integer":  # integers, and a sum's variable
                    return T.affine(0, {name: 1})
                return T.Var(name, tuple(i for i in out if i is not None))
            # (the commonest kinds first: the cases are of distinct classes)
            case M.MatMul() | M.Hadamard() | M.ElemDiv() | M.Div() if self._scalar_product(e):
                elementwise_entries(self, e)  # A[i,j] .* B[i,j]: refused
                return self._einstein([self._raw(f) for f in self._chain(e)])
            case M.MatMul(left=l, right=r):
                return self._matmul(l, r, out)
            case M.Transpose(operand=x):
                return self.lo(x, (b, a))
            case M.Call(fn=fn, args=args) if fn in MATRIX:  # the record's lowering
                if fn != DET.name and fn != LOGDET.name:  # det(W[i,j]): W's determinant
                    entries_of_call(self, fn, e, args)
                return MATRIX[fn].lower(self, args, out)
            case M.Call(fn=fn, args=(x,)):
                return self._call(fn, x, out)
            case M.Number(value=value):
                return T.Num(value)
            case M.Identity():
                return T.Delta(a, b)
            case M.Ones():
                return T.Ones(a)
            case M.Add(left=l, right=r):
                return self._sum(e, self.lo(l, out), self.lo(r, out))
            case M.Sub(left=l, right=r):
                return self._sum(e, self.lo(l, out), _negate(self.lo(r, out)))
            case M.Neg(operand=x):
                return _negate(self.lo(x, out))
            case M.Hadamard(left=l, right=r):
                return T.Prod((self.lo(l, out), self.lo(r, out)))
            case M.ElemDiv(left=l, right=r):
                return T.Prod((self.lo(l, out), _reciprocal(self.lo(r, out))))
            case M.Div(left=l, right=r):
                return T.Prod((self.lo(l, out), _reciprocal(self.scalar(r))))
            case M.ElemPow(base=base, exponent=p):
                exponent = self.scalar(p) if self.is_scalar(p) else self.lo(p, out)
                return T.Pow(self.lo(base, out), exponent)
            case M.Power(base=base, exponent=p):
                return self._power(e, base, p, out)
            case M.Inverse(operand=x):
                return INV.lower(self, (x,), out)
            case M.Entry():
                return self._einstein([self._raw(e)])
            case M.FiniteSum(var=var, lower=lower, upper=upper, body=body):
                # sum_{r=lo}^{hi} u(r) = sum_{s=0}^{hi-lo} u(s + lo)
                low = _affine(lower)
                count = T.affine_add(T.affine_add(_affine(upper), low, -1), T.affine(1))
                if count.is_literal and count.const < 0:
                    backward_sum(e, count.const)
                new = T.fresh_int()
                shifted = T.affine_add(T.affine(0, {new: 1}), low)
                return T.SumOver(new, count, T.subst_int(self.lo(body, out), var, shifted))
            case M.KDelta():
                return self._einstein([self._raw(e)])
        raise ShapeError(f"cannot lower `{M.show(e)}`")

    def is_scalar(self, e: M.MExpr) -> bool:
        return self.shapes[id(e)] == (None, None)

    # -- products ---------------------------------------------------------------------------

    def _matmul(self, left: M.MExpr, right: M.MExpr, out: tuple) -> T.Term:
        """``(L R)[a,b] = sum_c L[a,c] R[c,b]``, or scaling when one side is a scalar."""
        a, b = out
        if self.is_scalar(left):
            return T.Prod((self.scalar(left), self.lo(right, out)))
        if self.is_scalar(right):
            return T.Prod((self.lo(left, out), self.scalar(right)))
        inner_dim = self.typed.shape(left)[1] or self.typed.shape(right)[0]
        if inner_dim is None:  # column times row: an outer product
            return T.Prod((self.lo(left, (a, None)), self.lo(right, (None, b))))
        c = T.fresh(inner_dim)
        return T.Prod((self.lo(left, (a, c)), self.lo(right, (c, b))), (c,))

    def _scalar_product(self, e: M.MExpr) -> bool:
        """A product, quotient or Hadamard product of two scalars (entries, in index notation)."""
        return (
            isinstance(e, (M.MatMul, M.Hadamard, M.ElemDiv, M.Div))
            and self.is_scalar(e.left)
            and self.is_scalar(e.right)
        )

    def _chain(self, e: M.MExpr) -> list:
        """Flatten a product of scalars into its factors (divisors marked as reciprocals)."""
        if not self._scalar_product(e):
            return [e]
        if isinstance(e, (M.Div, M.ElemDiv)):
            return self._chain(e.left) + [_Reciprocal(e.right)]
        return self._chain(e.left) + self._chain(e.right)

    def _raw(self, e) -> _Factor:
        """A factor of a scalar product, before Einstein summation of its user indices, with
        the user indices as written: ``A[i,i]``, ``(A B)[i,i]``, ``delta[i,i]`` each write
        ``i`` twice; a function call, a sum or a power counts each of its free indices once."""
        if isinstance(e, _Reciprocal):
            term = _reciprocal(self.scalar(e.operand))
            return _Factor(term, tuple(sorted(user_free(term), key=lambda i: i.name)))
        pairs: list[T.Pair] = []  # a compound index (i,j) is a fresh c and delta[c,(i,j)]
        if isinstance(e, M.Entry) and self._is_tensor(e.base):  # T[i,j,k]
            indices = tuple(self.compound(n, pairs) for n in e.indices)
            return _Factor(tied(T.Var(e.base.name, indices), pairs), self._written(e.indices))
        if isinstance(e, M.Entry):
            rows, cols = self.typed.shape(e.base)
            names = iter(e.indices)
            out = tuple(
                None if d is None else self.compound(next(names), pairs) for d in (rows, cols)
            )
            return _Factor(tied(self.lo(e.base, out), pairs), self._written(e.indices))
        if isinstance(e, M.KDelta):  # delta[i,j,k] = delta[i,j] delta[i,k]
            first, *others = (self.compound(n, pairs) for n in e.indices)
            deltas = tuple(T.Delta(first, j) for j in others)
            if not pairs:
                term = deltas[0] if len(deltas) == 1 else T.Prod(deltas)
            else:
                term = tied(T.Prod(deltas), pairs)
            return _Factor(term, self._written(e.indices))
        term = self.scalar(e)
        return _Factor(term, tuple(sorted(user_free(term), key=lambda i: i.name)))

    def _einstein(self, factors: list[_Factor]) -> T.Term:
        """THE summation rule of index notation, for every factor form alike: a user index
        written two or more times in one product is summed over, once, by that product
        (numpy's implicit einsum: ``A[i,i] x[i] = sum_i A[i,i] x[i]``, ``(A B)[i,i]`` is
        ``tr(A B)``); an index written once stays free. The factors of one product are its
        juxtaposed, ``*``- and ``/``-joined entries, deltas and scalars, parentheses or not."""
        counts: Counter = Counter()
        for f in factors:
            counts.update(i for i in f.written if is_user_index(i))
        summed = tuple(sorted((i for i, n in counts.items() if n >= 2), key=lambda i: i.name))
        if len(factors) == 1 and not summed:
            return factors[0].term
        return T.Prod(tuple(f.term for f in factors), summed)

    def _sum(self, e: M.MExpr, left: T.Term, right: T.Term) -> T.Term:
        """``A + B``; a scalar side is broadcast, index-notation terms must agree on indices."""
        lf, rf = user_free(left), user_free(right)
        if lf != rf:
            free_indices_differ(e, left, right, lf, rf)  # unless a side is a scalar: broadcast
            if not lf:
                left = T.Prod((left, *(T.Ones(i) for i in sorted(rf, key=str))))
            else:
                right = T.Prod((right, *(T.Ones(i) for i in sorted(lf, key=str))))
        if type(left) is T.Add:  # a + b + c: one sum of three (simplifying nested ones,
            return T.Add((*left.terms, right))  # a sum of 2,000 terms was quadratic)
        return T.Add((left, right))

    # -- powers, functions -----------------------------------------------------

    def _power(self, e, base, exponent, out) -> T.Term:
        if self.is_scalar(base):
            return T.Pow(self.scalar(base), self.scalar(exponent))
        power = _affine(exponent)
        if not power.is_literal:
            return self.matpow(base, power, out)
        n = power.const
        a, b = out
        dim = self.typed.shape(base)[0]
        # X^0 stays an atom, so its size stays tied to X; long powers are atoms, so
        # d tr(X^64) costs what tr(X^k) does
        if n <= 0 or n > CHAIN_LIMIT or n * chain_weight(base, self.weights) > WRITTEN_LIMIT:
            return self.matpow(base, power, out)  # ((X^3)^3)^3...: not 3^depth factors
        # X^n[a,b] = sum_{c1..c(n-1)} X[a,c1] X[c1,c2] ... X[c(n-1),b]
        links = [a] + [T.fresh(dim) for _ in range(n - 1)] + [b]
        factors = tuple(self.lo(base, (links[k], links[k + 1])) for k in range(n))
        return factors[0] if n == 1 else T.Prod(factors, tuple(links[1:-1]))

    def matpow(self, base: M.MExpr, power: T.Affine, out) -> T.Term:
        bound = T.bound_pair(self.typed.shape(base)[0])
        return T.MatPow(self.lo(base, bound), bound, power, out)

    def _row_function(self, fn: str, x: M.MExpr, shape: tuple, out: tuple) -> T.Term:
        """softmax(X)[a,i] = f(X[a,:])[i]; logsumexp(X)[a] = f(X[a,:]); a vector (a column or
        a row) is one row: the bound index ``%s`` runs along it."""
        rows, cols = shape
        if rows is not None and cols is not None:  # a matrix, row by row
            # its row may be the bound of a row function around this one, which the bound
            # avoids: logsumexp(logsumexp(B)) is B[%s,%s1], not B[%s,%s] (T.row_bound)
            bound = T.row_bound(cols, (out[0],))
            base_out = (out[0], bound)
        else:
            bound = T.row_bound(rows if rows is not None else cols)
            base_out = (bound, None) if rows is not None else (None, bound)
        if ROW[fn].reduces:
            return T.RowFunc(fn, self.lo(x, base_out), bound)
        entry = out[1] if rows is not None and cols is not None else next(i for i in out if i)
        return T.RowFunc(fn, self.lo(x, base_out), bound, (entry,))

    def _call(self, fn: str, x: M.MExpr, out: tuple) -> T.Term:
        shape = self.typed.shape(x)
        if fn in _FUNCS:
            if (
                fn == "log"
                and isinstance(x, M.Call)
                and x.fn == DET.name
                and not self.is_scalar(x.args[0])
            ):
                return LOGDET.lower(self, x.args, out)  # log|X| = logdet(X)
            if fn == "log" and isinstance(x, M.Call) and x.fn == "softmax":
                # log(softmax(u)) = log_softmax(u) (softmax > 0): stable where softmax underflows
                return self._call("log_softmax", x.args[0], out)
            return T.Func(fn, self.lo(x, out))
        if fn in M.ROW_FUNCTIONS:
            return self._row_function(fn, x, shape, out)
        raise ShapeError(f"cannot lower function {fn}")

    # -- what a registry lowering asks (ir.matrix_ops.Lowering) -----------------------------

    def shape(self, e: M.MExpr) -> tuple:
        return self.typed.shape(e)

    def free_indices(self, t: T.Term) -> list[T.Index]:
        return sorted(user_free(t), key=lambda i: i.name)

    def fail(self, message: str):
        raise ShapeError(message)


@dataclass(frozen=True)
class _Factor:
    """A factor of an index-notation product and the user indices written on it."""

    term: T.Term
    written: tuple[T.Index, ...]


@dataclass(frozen=True)
class _Reciprocal:
    """Marks a divisor inside a flattened scalar product."""

    operand: M.MExpr


def _negate(t: T.Term) -> T.Term:
    return T.Prod((T.MINUS_ONE, t))


def _reciprocal(t: T.Term) -> T.Term:
    return T.Pow(t, T.MINUS_ONE)


def _affine(e: M.MExpr) -> T.Affine:
    """An integer exponent expression as an affine form (shape inference checked it)."""
    match e:
        case M.Number(value=value):
            return T.affine(int(value))
        case M.Name(name=name):
            return T.affine(0, {name: 1})
        case M.Add(left=l, right=r):
            return T.affine_add(_affine(l), _affine(r))
        case M.Sub(left=l, right=r):
            return T.affine_add(_affine(l), _affine(r), -1)
        case M.Neg(operand=x):
            return T.affine_scale(_affine(x), -1)
        case M.Power(base=M.Number(), exponent=M.Number()):  # 10^9 (shapes checked it is one)
            value = integer_power(e)
            if value is not None:
                return T.affine(value)
        case M.MatMul(left=M.Number(value=v), right=x) | M.MatMul(left=x, right=M.Number(value=v)):
            return T.affine_scale(_affine(x), int(v))
    raise ShapeError(f"`{M.show(e)}` is not an integer exponent")


def chain_weight(e: M.MExpr, memo: dict) -> int:
    """How many leaves ``e`` lowers to, a short literal power written out as its chain."""
    found = memo.get(id(e))
    if found is None:
        found = sum(chain_weight(c, memo) for _, c in child_fields(e)) or 1
        if type(e) is M.Power and type(e.exponent) is M.Number:
            n = e.exponent.value
            written = n.denominator == 1 and 0 < n <= CHAIN_LIMIT
            found = chain_weight(e.base, memo) * (int(n) if written else 1) + 1
        memo[id(e)] = found  # (the typed tree keeps every node alive: ids stay theirs)
    return found
