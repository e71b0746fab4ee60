"""Emission: index IR -> einsum contractions, evaluated by opt_einsum.

Input: a term, the ordered axes of its value, and numpy arrays for its variables.
Output: the value as a numpy array (0-D for scalars, 1-D for vectors); or the einsum program
(one contraction per product) as text.
Invariants:
- Every product is one ``opt_einsum.contract`` call whose subscripts come from
  ``opt_einsum.get_symbol``; path search is opt_einsum's, never ours.
- A subterm is evaluated once per call (a structural cache), so ``inv(X)`` or ``det(X)`` shared
  by many terms is computed once -- except inside a symbolic sum, whose body depends on the
  summation variable.
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache

import numpy as np
import opt_einsum as oe

from einderiv.backend import powersum
from einderiv.errors import EvaluationError
from einderiv.ir import index_ir as T
from einderiv.ir.canon import format_affine
from einderiv.ir.node import dim_size
from einderiv.ir.ops import ELEMENTWISE, ROW

EINSUM_LETTERS = 52  # einsum names each index of one product by a letter: a-z, A-Z


def _max_axes() -> int:
    """The most axes a numpy array may have: 64 from numpy 2, 32 before."""
    try:
        np.empty((1,) * 64)
    except ValueError:
        return 32
    return 64


MAX_AXES = _max_axes()


def evaluate(term: T.Term, axes, values: dict, dims: dict, ints: dict) -> np.ndarray:
    """The value of ``term`` with axes in the order ``axes``."""
    array, order = _Evaluator(values, dims, ints).ev(term)
    out = np.asarray(align(array, order, tuple(axes)), dtype=float)  # scalars come back 0-D
    if any(np.may_share_memory(out, v) for v in values.values()):
        out = out.copy()  # a variable or a view of one: the caller's array is never handed back
    return out


def align(array: np.ndarray, order, target) -> np.ndarray:
    """Transpose ``array`` (axes ``order``) to ``target``, broadcasting indices it lacks."""
    order = list(order)
    if order == list(target):
        return array
    missing = [i for i in target if i not in order]
    if missing:
        array = array.reshape(array.shape + (1,) * len(missing))
        order = order + missing
    return np.transpose(array, [order.index(i) for i in target])


def row_apply(fn, array, order, bound, indices, size) -> tuple[np.ndarray, tuple]:
    """A row function ``fn`` (on the last axis) of ``array`` (axes ``order``) along ``bound``:
    the value with axes ``rest + indices`` (an output index that is also a row index takes
    the diagonal)."""
    rest = tuple(i for i in order if i != bound)
    if bound not in order:  # constant along the row: broadcast it
        array = np.broadcast_to(array[..., None], array.shape + (size(bound.dim),))
        order = tuple(order) + (bound,)
    value = fn(align(array, order, rest + (bound,)))
    out = rest + tuple(indices)
    if len(set(out)) < len(out):  # softmax(X)[a,a]: the diagonal
        unique = tuple(dict.fromkeys(out))
        spec = "".join(oe.get_symbol(unique.index(i)) for i in out)
        value = np.einsum(f"{spec}->{''.join(oe.get_symbol(k) for k in range(len(unique)))}", value)
        out = unique
    return value, out


def _broadcast_product(operands, output) -> np.ndarray:
    """The product of (array, index order) operands summed to ``output``, one operand at a time
    by broadcasting (einsum names indices by letters and has only 52 of them). Greedy order:
    next, the operand that leaves the smallest partial product."""
    value, order = np.asarray(1.0), ()
    sizes = {i: n for array, own in operands for i, n in zip(own, array.shape)}
    left = list(operands)

    def after(order, k):
        union = order + tuple(i for i in left[k][1] if i not in order)
        needed = set(output).union(*(set(o) for j, (_, o) in enumerate(left) if j != k))
        kept = tuple(i for i in union if i in needed)
        return math.prod(sizes[i] for i in kept), union, kept

    while left:
        best = min(range(len(left)), key=lambda k: after(order, k)[0])
        _, union, kept = after(order, best)
        array, own = left.pop(best)
        value = align(value, order, union) * align(array, own, union)
        drop = tuple(n for n, i in enumerate(union) if i not in kept)
        value = value.sum(axis=drop) if drop else value
        order = kept
    return align(value, order, output)


@lru_cache(maxsize=100_000)
def _int_names(t: T.Term) -> frozenset:
    return T.int_names(t)


class _Evaluator:
    def __init__(self, values: dict, dims: dict, ints: dict):
        self.values = values
        self.dims = dims
        self.ints = dict(ints)
        self.loop_vars: set[str] = set()
        self.cache: dict = {}
        self.terms = 0  # terms of symbolic sums run as loops (at most powersum.MAX_SUM_TERMS)

    def size(self, dim) -> int:
        return dim_size(dim, self._named_size)

    def _named_size(self, dim) -> int:
        if dim not in self.dims:
            raise EvaluationError(
                f"the size {dim} is not fixed by any array; pass it as a keyword ({dim}=...)"
            )
        return self.dims[dim]

    def integer(self, a: T.Affine) -> int:
        total = a.const
        for name, coeff in zip(a.names, a.coeffs):
            if name not in self.ints:
                raise EvaluationError(f"no value for the integer {name}; pass {name}=...")
            total += coeff * self.ints[name]
        return total

    def ev(self, t: T.Term) -> tuple[np.ndarray, tuple]:
        cacheable = not (self.loop_vars and _int_names(t) & self.loop_vars)
        if cacheable and t in self.cache:
            return self.cache[t]
        result = self._ev(t)
        if cacheable:
            self.cache[t] = result
        return result

    def _ev(self, t: T.Term):
        match t:
            case T.Zero(indices=indices):
                return np.zeros(tuple(self.size(i.dim) for i in indices)), tuple(indices)
            case T.Num(value=value):
                return np.asarray(float(value)), ()
            case T.Affine():
                return np.asarray(float(self.integer(t))), ()
            case T.Size(dim=dim):
                return np.asarray(float(self.size(dim))), ()
            case T.Ones(index=index):
                return np.ones(self.size(index.dim)), (index,)
            case T.Delta(a=a, b=b):
                if a == b:
                    return np.ones(self.size(a.dim)), (a,)
                return np.eye(self.size(a.dim)), (a, b)
            case T.Pair(c=c, i=i, j=j):
                pair = pair_array(self.size(i.dim), self.size(j.dim))
                return (np.einsum("cii->ci", pair), (c, i)) if i == j else (pair, (c, i, j))
            case T.Var(name=name, indices=indices):
                return self._var(name, indices)
            case T.Add(terms=terms):
                first, order = self.ev(terms[0])
                total = np.array(first, dtype=float, copy=True)
                for x in terms[1:]:
                    array, own = self.ev(x)
                    total = total + align(array, own, order)
                return total, order
            case T.Prod(factors=factors, summed=summed):
                return self._prod(factors, summed, t)
            case T.Func(name=name, arg=arg):
                array, order = self.ev(arg)
                return ELEMENTWISE[name].numpy(array), order
            case T.Pow(base=base, exponent=exponent):
                b, border = self.ev(base)
                e, eorder = self.ev(exponent)
                order = tuple(border) + tuple(i for i in eorder if i not in border)
                with np.errstate(divide="ignore", invalid="ignore"):
                    value = np.power(align(b, border, order), align(e, eorder, order))
                return value, order
            case T.MatPow():
                return self._matpow(t)
            case T.Det(base=base, bound=bound):
                return np.asarray(np.linalg.det(self._square(base, bound))), ()
            case T.LogDet(base=base, bound=bound):
                sign, logabs = np.linalg.slogdet(self._square(base, bound))
                if sign <= 0:
                    warnings.warn(
                        "logdet of a matrix whose determinant is not positive: nan",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                    return np.asarray(np.nan), ()
                return np.asarray(logabs), ()
            case T.RowFunc(name=name, base=base, bound=bound, indices=indices):
                array, order = self.ev(base)
                return row_apply(ROW[name].numpy, array, order, bound, indices, self.size)
            case T.SumOver(var=var, count=count, body=body):
                return self._sumover(var, count, body, t)
        raise EvaluationError(f"cannot evaluate {type(t).__name__}")

    def _var(self, name, indices):
        if name not in self.values:
            raise EvaluationError(f"no value given for {name}")
        array = self.values[name]
        if len(set(indices)) < len(indices):  # X[a,a]: the diagonal
            unique = tuple(dict.fromkeys(indices))
            spec = "".join(oe.get_symbol(unique.index(i)) for i in indices)
            out = "".join(oe.get_symbol(k) for k in range(len(unique)))
            return np.einsum(f"{spec}->{out}", array), unique
        return array, tuple(indices)

    def _prod(self, factors, summed, t):
        operands = [self.ev(f) for f in factors if type(f) is not T.Pair]
        for pair in (f for f in factors if type(f) is T.Pair):
            if self._unpair(pair, operands, summed):
                summed = tuple(s for s in summed if s != pair.c)  # reshaped away
            else:
                operands.append(self.ev(pair))
        return self._contract(operands, summed, tuple(sorted(T.free(t), key=lambda i: i.name)))

    def _contract(self, operands, summed, output):
        """One einsum of ``operands`` ((array, index order) pairs), summing ``summed``."""
        symbols: dict = {}
        specs, arrays, orders = [], [], []
        scale = 1.0
        for array, order in operands:
            if not order:
                scale = scale * array
                continue
            for i in order:
                symbols.setdefault(i, oe.get_symbol(len(symbols)))
            specs.append("".join(symbols[i] for i in order))
            arrays.append(array)
            orders.append(tuple(order))
        for s in summed:  # a summed index no operand carries would be a bug upstream
            if s not in symbols:
                scale = scale * self.size(s.dim)
        if not arrays:
            return np.asarray(scale), ()
        out_spec = "".join(symbols[i] for i in output)
        if len(output) > MAX_AXES:
            raise EvaluationError(
                f"a value with {len(output)} axes: numpy arrays have at most {MAX_AXES}"
            )
        if len(arrays) == 1 and specs[0] == out_spec:
            value = arrays[0]
        elif len(symbols) > EINSUM_LETTERS:
            value = _broadcast_product(list(zip(arrays, orders)), tuple(output))
        else:
            value = oe.contract(",".join(specs) + "->" + out_spec, *arrays)
        if np.ndim(scale) != 0 or scale != 1.0:
            value = value * scale
        return value, output

    def _unpair(self, pair: T.Pair, operands: list, summed) -> bool:
        """``sum_c delta[c,(i,j)] u[c]`` as a reshape of ``u``'s axis c into (j, i) (c = i + m j),
        never a dense pair tensor; False (nothing done) when c is not summed or not carried."""
        c, i, j = pair.c, pair.i, pair.j
        hits = [k for k, (_, order) in enumerate(operands) if c in order]
        if c not in summed or not hits or i == j:
            return False
        if any(i in operands[k][1] or j in operands[k][1] for k in hits):
            return False  # a label twice in one operand: the dense tensor keeps it simple
        ni, nj = self.size(i.dim), self.size(j.dim)
        for k in hits:
            array, order = operands[k]
            p = order.index(c)
            array = array.reshape(array.shape[:p] + (nj, ni) + array.shape[p + 1 :])
            operands[k] = (array, order[:p] + (j, i) + order[p + 1 :])
        return True

    def _square(self, base, bound) -> np.ndarray:
        array, order = self.ev(base)
        extra = [i for i in order if i not in bound]
        if extra:
            raise EvaluationError("a matrix function of an expression with free indices")
        return align(array, order, tuple(bound))

    def _matpow(self, t: T.MatPow):
        power = self.integer(t.exponent)
        key = ("matrix power", t.base, t.bound, power)  # inv(X) once, whatever its indices
        value = self.cache.get(key) if not (self.loop_vars & _int_names(t.base)) else None
        if value is None:
            matrix = self._square(t.base, t.bound)
            try:
                if power < 0:
                    matrix = np.linalg.inv(matrix)
                    power = -power
                value = np.linalg.matrix_power(matrix, power)
            except np.linalg.LinAlgError as error:
                raise EvaluationError(f"cannot invert a singular matrix ({error})") from None
            self.cache[key] = value
        a, b = t.indices
        if a == b:
            return np.diagonal(value).copy(), (a,)
        return value, (a, b)

    def _sumover(self, var, count, body, t):
        n = self.integer(count)
        order = tuple(sorted(T.free(t), key=lambda i: i.name))
        closed = powersum.split(var, body)
        if closed is not None and n != 0:
            sizes = [self.size(p.bound[0].dim) for p in closed.powers]
            if powersum.closed_form_entries(sizes) <= powersum.CLOSED_FORM_ENTRIES:
                return self._power_sum(closed, n, order)
        self.terms += abs(n)
        if self.terms > powersum.MAX_SUM_TERMS:
            user = all(name[:1].isalpha() for name in count.names)  # not a sum's counter
            said = f" (with {format_affine(count)} = {n})" if user and count.names else ""
            raise EvaluationError(
                f"a symbolic sum of {abs(n):,} terms{said} has no closed form here, and "
                f"einderiv sums at most {powersum.MAX_SUM_TERMS:,} terms per evaluation "
                "(README, Limits)"
            )
        total = np.zeros(tuple(self.size(i.dim) for i in order))
        self.loop_vars.add(var)
        try:
            sign, values = (1.0, range(n)) if n >= 0 else (-1.0, range(n, 0))
            for r in values:
                self.ints[var] = r
                array, own = self.ev(body)
                total = total + sign * align(array, own, order)
        finally:
            self.loop_vars.discard(var)
            self.ints.pop(var, None)
        return total, order

    def _power_sum(self, closed: powersum.PowerSum, n: int, order):
        """``sum_r rest * prod_j P_j^(sign_j r + c_j)`` by doubling (``powersum``)."""
        powers, axes = [], []
        for p in closed.powers:
            powers.append((self._square(p.base, p.bound), p.sign, self.integer(p.const)))
            axes += list(p.indices)
        try:
            value = powersum._powsum(powers, n)
        except np.linalg.LinAlgError as error:
            raise EvaluationError(f"cannot invert a singular matrix ({error})") from None
        operands = [self.ev(f) for f in closed.rest] + [(value, tuple(axes))]
        return self._contract(operands, closed.summed, order)


def pair_array(m: int, n: int) -> np.ndarray:
    """``delta[c,(i,j)]`` as an (m n, m, n) array: 1 where c = i + m j."""
    return np.eye(m * n).reshape(m * n, n, m).transpose(0, 2, 1)


def einsum_program(term: T.Term, axes) -> list[str]:
    """The contractions that evaluate ``term``, innermost first, one line per product."""
    lines: list[str] = []
    names: dict = {}

    def describe(t: T.Term) -> str:
        match t:
            case T.Var(name=name):
                return name
            case T.Num(value=value):
                return str(value)
            case T.Delta():
                return "I"
            case T.Pair():
                return "pair"
            case T.Ones():
                return "ones"
        if t not in names:
            names[t] = f"t{len(names)}"
            lines.append(f"{names[t]} = {render(t)}")
        return names[t]

    def render(t: T.Term) -> str:
        match t:
            case T.Prod(factors=factors):
                symbols: dict = {}
                specs, args = [], []
                for f in factors:
                    order = _order_of(f)
                    for i in order:
                        symbols.setdefault(i, oe.get_symbol(len(symbols)))
                    specs.append("".join(symbols[i] for i in order))
                    args.append(describe(f))
                out = "".join(symbols[i] for i in sorted(T.free(t), key=lambda i: i.name))
                return f"einsum('{','.join(specs)}->{out}', {', '.join(args)})"
            case T.Add(terms=terms):
                return " + ".join(describe(x) for x in terms)
            case T.Func(name=name, arg=arg):
                return f"{name}({describe(arg)})"
            case T.Pow(base=base, exponent=exponent):
                return f"{describe(base)} ** {describe(exponent)}"
            case T.MatPow(base=base, exponent=e):
                return f"matrix_power({describe(base)}, {format_affine(e)})"
            case T.Det(base=base):
                return f"det({describe(base)})"
            case T.LogDet(base=base):
                return f"logdet({describe(base)})"
            case T.RowFunc(name=name, base=base):
                return f"{name}({describe(base)}, rows)"
            case T.SumOver(var=var, count=count, body=body):
                return f"sum({describe(body)} for {var} in range({format_affine(count)}))"
        return describe(t)

    result = describe(term)
    if not lines or not lines[-1].startswith(f"{result} ="):
        lines.append(f"result = {result}")
    return lines


def _order_of(t: T.Term) -> tuple:
    if isinstance(t, T.Var):
        return tuple(dict.fromkeys(t.indices))
    if isinstance(t, T.Delta):
        return (t.a, t.b)
    if isinstance(t, T.Pair):
        return (t.c, t.i, t.j)
    if isinstance(t, T.Ones):
        return (t.index,)
    return tuple(sorted(T.free(t), key=lambda i: i.name))
