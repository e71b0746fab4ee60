"""Exact evaluation of rational index-IR terms modulo a large prime: the proof step of ``check``.

Input: an index-IR term, the sizes of its dimensions, the values of its integer symbols, and one
value per variable (numpy object arrays of Python ints in ``0 .. p-1``) with the prime ``p``.
Output: the term's value as an ``Exact`` tensor (its free indices in a fixed order and an object
array of residues mod ``p``), or ``NotRational`` when the term is not built of rational
operations, or ``Undefined`` when a denominator vanishes at the point.
Invariants:
- rational operations only: sums, products and contractions, Kronecker deltas, sizes, exact
  numbers, integer powers (elementwise and of matrices, any integer exponent by repeated
  squaring), inverses and determinants (Gaussian elimination mod ``p``, of at most
  ``MAX_MATRIX`` rows: beyond, ``NotRational``), finite sums over an
  integer (at most ``MAX_SUM`` terms). exp, log, roots, non-integer powers: ``NotRational``;
- with ``atoms``, each non-rational sub-term is an unknown instead: a random tensor over its
  free indices, shared by equal sub-terms (canonical forms, free indices named by position).
  Two terms equal as rational functions of the variables AND these unknowns are equal whatever
  values the unknowns take, so equality still proves the identity; a difference proves nothing
  (exp(u) / (1 + exp(u)) and sigmoid(u) are different unknowns). With ``atoms["signs"]`` a
  square root is a root mod p of its value instead (``NonResidue`` when there is none), times
  the sign ``signs`` gives that value (default +1): equal for every choice of signs is equal
  modulo r^2 - u (``proof``); a real power b^(e + c) (c the exponent's integer constant) is
  an unknown function of the values of b and e times b^c;
- every intermediate value is reduced mod ``p`` (``primes``: drawn in each process), so the
  cost does not grow with the exponents;
- two rational functions with integer coefficients that differ, evaluated at a uniformly random
  point mod a prime ``p`` not dividing every coefficient of their difference's numerator, differ
  with probability at least ``1 - degree / p`` (Schwartz-Zippel); ``check`` uses ``p`` of 61 and
  89 bits, so a few points make a wrong "equal" vanishingly unlikely.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from einderiv.backend.runtime import _pair as pair_array  # delta[c,(i,j)] as an array
from einderiv.calculus.rewriting import split_coefficient
from einderiv.check.affine import as_affine
from einderiv.check.contract import contract, contract_all
from einderiv.check.modp import NonResidue, Undefined, square_root
from einderiv.check.modp import determinant as _determinant
from einderiv.check.modp import inverse as _inverse
from einderiv.check.modp import matmul as _matmul
from einderiv.check.primes import PRIMES
from einderiv.check.roots import half_power as _half_power
from einderiv.check.roots import merged_roots as _merged_roots
from einderiv.check.roots import root_power as _root_power
from einderiv.check.roots import roots_product as _roots_product
from einderiv.check.roots import shifted_exponent as _shifted_exponent
from einderiv.ir import index_ir as T
from einderiv.ir.node import dim_size
from einderiv.ir.ops import ELEMENTWISE, ROW, SQRT
from einderiv.ir.unbind import subterm_key

__all__ = ["PRIMES", "Exact", "NonResidue", "NotRational", "Undefined", "evaluate", "is_rational"]
MAX_SUM = 256
MAX_MATRIX = 100  # a larger inverse, power or determinant: NotRational (cubic big-int work)


class NotRational(Exception):
    """The term uses an operation that is not rational (or a sum too long to run exactly)."""


@dataclass(frozen=True)
class Exact:
    """A tensor of residues mod p: ``array`` has one axis per index of ``indices``."""

    indices: tuple
    array: np.ndarray

    def __post_init__(self):
        # arithmetic on a 0-D object array gives a plain int: always keep an array
        if not isinstance(self.array, np.ndarray):
            object.__setattr__(self, "array", np.array(self.array, dtype=object))

    def aligned(self, order: tuple) -> np.ndarray:
        """The array with its axes in the order ``order`` (the same set of indices)."""
        return np.transpose(self.array, [self.indices.index(i) for i in order])


def is_rational(t: T.Term) -> bool:
    """Whether ``t`` is built only of rational operations (integer exponents); each node of
    the graph ``t`` is stored as is looked at once."""
    todo, seen = [t], set()
    while todo:
        u = todo.pop()
        if u not in seen:
            if not _rational_node(u):
                return False
            seen.add(u)
            todo.extend(T.children(u))
    return True


def _rational_node(t: T.Term) -> bool:
    match t:
        case T.Func() | T.LogDet() | T.RowFunc():
            return False
        case T.Pow(exponent=e) if not _integer_exponent(e):
            return False
    return True


def _integer_exponent(e: T.Term) -> bool:
    e = e if isinstance(e, (T.Num, T.Affine)) else as_affine(e)  # 2^(k + 1): one affine form
    return isinstance(e, T.Affine) or (isinstance(e, T.Num) and e.value.denominator == 1)


class _Evaluator:
    def __init__(self, sizes: dict, ints: dict, values: dict, p: int, atoms: dict | None):
        self.sizes, self.ints, self.values, self.p = sizes, ints, values, p
        self.atoms, self.memo = atoms, {}  # memo: term -> its value at these integers

    def size(self, dim) -> int:
        return dim_size(dim, self.sizes.__getitem__)

    def number(self, value: Fraction) -> int:
        p = self.p
        if value.denominator % p == 0:
            raise Undefined
        return value.numerator * pow(value.denominator, -1, p) % p

    def affine(self, a: T.Affine) -> int:
        return a.const + sum(c * self.ints[n] for n, c in zip(a.names, a.coeffs))

    def scalar(self, x: int) -> Exact:
        return Exact((), np.array(x % self.p, dtype=object))

    def run(self, t: T.Term) -> Exact:
        value = self.memo.get(t)  # each node of a graph once, not each of the tree it stands for
        if value is None:
            rational = _rational_node(t)
            method = getattr(self, "_" + type(t).__name__.lower(), None) if rational else self.atom
            if method is None:
                raise NotRational(type(t).__name__)
            value = self.memo[t] = method(t)
        return value

    def atom(self, t: T.Term) -> Exact:
        """A non-rational term (exp(u), log(u), u^0.5, logdet(B)) as an unknown: a random
        tensor over its free indices, the same for every occurrence of the same function."""
        if self.atoms is None:
            raise NotRational(type(t).__name__)
        if type(t) is T.RowFunc and ROW[t.name].definition is not None:
            # softmax(x)[i] = exp(x[i]) / sum_s exp(x[s]): unknowns exp(x[i]) shared with a
            # claim written out
            return self.row_function(t)
        if type(t) is T.Func and ELEMENTWISE[t.name].definition is not None:
            return self.run(ELEMENTWISE[t.name].definition(t.arg))  # tanh, sigmoid: by exp
        if type(t) is T.Func and t.name == "exp":
            powers = self.exp_powers(t)
            if powers is not None:
                return powers
        half = _half_power(t)
        if half is not None:  # sqrt(s), s^(1/2) and s^(3/2) = s sqrt(s): one unknown root
            return self.root_power(*half)
        if type(t) is T.Pow and not T.free(t.exponent):  # b^(e - 1) = b^e / b: one unknown
            return self.real_power(t)
        if type(t) is T.Func:  # a function of its argument's values: exp(S[i,j]) = exp(S[j,i])
            return self.function_of(t.name, self.run(t.arg))
        form, order = subterm_key(t)
        ints = tuple(sorted((n, self.ints[n]) for n in T.int_names(t) if n in self.ints))
        shape = tuple(self.size(i.dim) for i in order)
        # the key is blind to index names and sizes: exp(0[m,n]) and exp(0[n,m]) differ
        name = (form, ints, tuple(i.dim for i in order))
        if name not in self.atoms:
            rng = self.atoms["rng"]  # the caller's generator
            count = int(np.prod(shape)) if shape else 1
            draws = [int(rng.integers(0, 2**62)) % self.p for _ in range(count)]
            self.atoms[name] = np.array(draws, dtype=object).reshape(shape)
        return Exact(order, self.atoms[name])

    def row_function(self, t: T.RowFunc) -> Exact:
        """``t`` by its definition, once for every name of its entry index: the definition
        writes t's argument thrice (exp(u[i]) / sum_s exp(u[s])): nested, 3^depth copies."""
        named = {i: T.Index(f"#row{k}", i.dim) for k, i in enumerate(t.indices)}
        key = T.rename(t, named) if T.free(t) == set(t.indices) else t
        value = self.memo[key] = self.memo.get(key) or self.run(ROW[t.name].definition(key))
        back = {v: i for i, v in named.items()} if key is not t else {}
        return Exact(tuple(back.get(i, i) for i in value.indices), value.array)

    def real_power(self, t: T.Pow) -> Exact:
        """``b^(e + c)`` as ``P(b, e) b^c`` (``roots.shifted_exponent``): P an unknown function
        of the values of b and e, so b^(tanh(s) - 1) of ``tr(I + Q' Q)`` is P(3 + tr(Q' Q),
        tanh(s)) / (3 + tr(Q' Q)); b^(e + c) = b^e b^c for b > 0, where a real power is."""
        e, c = _shifted_exponent(t.exponent)
        base = self.run(t.base)
        if e is None:
            return self._raise(base, c)
        unknown = self.function_of("^", base, int(self.run(e).array)).array
        return Exact(base.indices, unknown * self._raise(base, c).array % self.p)

    def function_of(self, name: str, arg: Exact, at: int | None = None) -> Exact:
        """The unknown function ``name`` at the values of ``arg`` (and the value ``at``: a
        power's exponent): one random value per value."""
        table, rng = self.atoms.setdefault(("function", name), {}), self.atoms["rng"]
        draw = np.vectorize(
            lambda v: table.setdefault((int(v), at), int(rng.integers(0, 2**62)) % self.p),
            otypes=[object],
        )
        return Exact(arg.indices, np.asarray(draw(arg.array), dtype=object))

    def root_power(self, base: T.Term, odd: int) -> Exact:
        """``base^(odd/2)`` as ``base^((odd-1)/2) r`` with r the unknown root of ``base``'s
        values (so sqrt(s), s^(1/2) and s^(-1/2) s agree; r r is not s), or with
        ``atoms["signs"]`` a root mod p of each value, times its sign there (r r is s)."""
        value = self.run(base)
        lifted = self._raise(value, (odd - 1) // 2)
        signs = self.atoms.get("signs")
        if signs is None:
            root = self.function_of(SQRT.name, value).array
        else:  # the values met, in atoms["roots"]: the caller tries both signs of each
            self.atoms["roots"].update(int(v) for v in value.array.reshape(-1))
            root = np.vectorize(
                lambda v: signs.get(int(v), 1) * square_root(int(v), self.p), otypes=[object]
            )(value.array)
        return Exact(value.indices, lifted.array * root % self.p)

    def exp_powers(self, t: T.Func) -> Exact | None:
        """exp(u + 2 v - w) as exp(u) exp(v)^2 / exp(w), each exp of a term without a number an
        unknown (exact: exp is a homomorphism), so exp(-x) is 1 / exp(x); None when a term's
        number is not an integer (exp(x / 2) stays one unknown)."""
        terms = t.arg.terms if type(t.arg) is T.Add else (t.arg,)
        split = [split_coefficient(u) for u in terms]
        if any(c.denominator != 1 for c, _ in split) or split == [(1, t.arg)]:
            return None
        value = self.scalar(1)
        for c, rest in split:
            if c == 0:
                continue
            base = self.atom(t.replace(arg=rest))
            if c < 0 and any(int(x) % self.p == 0 for x in base.array.reshape(-1)):
                raise Undefined
            exponent = int(c) if c > 0 else int(-c) * (self.p - 2)  # Fermat: x^-1 = x^(p-2)
            array = np.vectorize(lambda x, e=exponent: pow(int(x), e, self.p), otypes=[object])
            part = Exact(base.indices, array(base.array))
            keep = tuple(dict.fromkeys(value.indices + part.indices))
            value = Exact(keep, contract([value, part], keep) % self.p)  # entry by entry
        return value

    # -- leaves ---------------------------------------------------------------------------------

    def _zero(self, t: T.Zero) -> Exact:
        shape = tuple(self.size(i.dim) for i in t.indices)
        return Exact(t.indices, np.zeros(shape, dtype=int).astype(object))

    def _num(self, t: T.Num) -> Exact:
        return self.scalar(self.number(t.value))

    def _affine(self, t: T.Affine) -> Exact:
        return self.scalar(self.affine(t))

    def _size(self, t: T.Size) -> Exact:
        return self.scalar(self.size(t.dim))

    def _ones(self, t: T.Ones) -> Exact:
        return Exact((t.index,), np.ones(self.size(t.index.dim), dtype=int).astype(object))

    def _delta(self, t: T.Delta) -> Exact:
        if t.a == t.b:
            return self._ones(T.Ones(t.a))
        return Exact((t.a, t.b), np.eye(self.size(t.a.dim), dtype=int).astype(object))

    def _pair(self, t: T.Pair) -> Exact:
        pair = pair_array(self.size(t.i.dim), self.size(t.j.dim)).astype(int).astype(object)
        if t.i == t.j:
            return Exact((t.c, t.i), np.einsum("cii->ci", pair))
        return Exact((t.c, t.i, t.j), pair)

    def _var(self, t: T.Var) -> Exact:
        if t.name in self.ints:
            return self.scalar(self.ints[t.name])
        value = self.values[t.name]
        if np.shape(value) != tuple(self.size(i.dim) for i in t.indices):  # S[(i,j),(k,l)]
            raise NotRational(f"{t.name} has another shape here")  # of a 3-by-3 S: no value
        order = tuple(dict.fromkeys(t.indices))  # X[a,a]: the diagonal
        if len(order) == len(t.indices):  # no index repeated (or none): the array as it is
            return Exact(order, np.asarray(value, dtype=object))
        letters = {i: chr(97 + k) for k, i in enumerate(order)}
        spec = "".join(letters[i] for i in t.indices) + "->" + "".join(letters[i] for i in order)
        return Exact(order, np.einsum(spec, value))

    # -- sums and products ------------------------------------------------------------------------

    def _add(self, t: T.Add) -> Exact:
        parts = [self.run(x) for x in t.terms]
        order = parts[0].indices
        total = parts[0].array
        for part in parts[1:]:
            total = total + part.aligned(order)
        return Exact(order, total % self.p)

    def _prod(self, t: T.Prod) -> Exact:
        factors = t.factors if self.atoms is None else _merged_roots(t.factors)
        parts = [self.run(f) for f in factors]
        out = tuple(sorted(T.free(t), key=lambda i: i.name))
        if len(parts) > 2:  # pairs in a greedy order (left to right, outer products grow)
            return Exact(out, contract_all(parts, out, self.p))
        acc = self.scalar(1)
        for k, part in enumerate(parts):
            later = set(out).union(*(p.indices for p in parts[k + 1 :]))
            keep = tuple(dict.fromkeys(i for i in acc.indices + part.indices if i in later))
            acc = Exact(keep, contract([acc, part], keep) % self.p)
        return Exact(out, acc.aligned(out))

    def _sumover(self, t: T.SumOver) -> Exact:
        count = self.affine(t.count)
        if abs(count) > MAX_SUM:
            raise NotRational("a sum too long to run exactly")
        values = range(count) if count >= 0 else range(count, 0)
        sign = 1 if count >= 0 else -1
        outer, memo = self.ints, self.memo
        total = None
        try:
            for r in values:
                self.ints, self.memo = {**outer, t.var: r}, {}  # values at this r only
                part = self.run(t.body)
                total = (
                    part
                    if total is None
                    else Exact(total.indices, total.array + part.aligned(total.indices))
                )
        finally:
            self.ints, self.memo = outer, memo
        if total is None:
            return self.run(T.Prod((T.Num(Fraction(0)), t.body)))
        return Exact(total.indices, sign * total.array % self.p)

    # -- powers, inverses, determinants -----------------------------------------------------------

    def _pow(self, t: T.Pow) -> Exact:
        if T.free(t.exponent):
            raise NotRational("an exponent with indices")
        e = t.exponent
        if not isinstance(e, (T.Num, T.Affine)):  # 2^(k + 1), s^((k + 1)/1): one affine form
            e = as_affine(e) or e
        if isinstance(e, T.Num) and e.value.denominator == 1:
            n = int(e.value)
        elif isinstance(e, T.Affine):
            n = self.affine(e)
        else:
            raise NotRational("a non-integer power")
        base = t.base
        if _roots_product(base) and self.atoms is not None:  # (r s)^2 = r^2 s^2, each
            power = T.Num(Fraction(n))  # root's power then by its base: r^2 = the base of r
            return self.run(T.Prod(tuple(T.Pow(f, power) for f in base.factors)))
        half = _root_power(base)
        if half is not None and self.atoms is not None:  # (sqrt(s)^3)^-1 = s^(-3/2): one form
            inner, odd = half
            return (
                self.root_power(inner, odd * n)
                if odd * n % 2
                else self.run(T.Pow(inner, T.Num(Fraction(odd * n, 2))))
            )
        return self._raise(self.run(t.base), n)

    def _raise(self, base: Exact, n: int) -> Exact:
        """``base`` to the integer power ``n``, entry by entry (Undefined: 0 to a negative n)."""
        p, flat = self.p, base.array.reshape(-1)
        if n < 0 and any(x % p == 0 for x in flat):
            raise Undefined
        powered = np.array([pow(int(x), n, p) for x in flat], dtype=object)
        return Exact(base.indices, powered.reshape(base.array.shape))

    def _square(self, t) -> np.ndarray:
        base = self.run(t.base)
        if set(base.indices) != set(t.bound):
            raise NotRational("a matrix function of a base with outer indices")
        matrix = base.aligned(t.bound)
        if matrix.shape[0] > MAX_MATRIX:  # inv(kron(A, B)) of 20-by-20 A, B: minutes (n^3)
            raise NotRational(f"a {matrix.shape[0]}-by-{matrix.shape[0]} matrix: too large")
        return matrix

    def _matpow(self, t: T.MatPow) -> Exact:
        matrix = self._square(t)
        n = self.affine(t.exponent)
        if n < 0:
            matrix, n = _inverse(matrix, self.p), -n
        result = np.eye(matrix.shape[0], dtype=int).astype(object)
        while n:
            if n & 1:
                result = _matmul(result, matrix, self.p)
            matrix, n = _matmul(matrix, matrix, self.p), n >> 1
        if t.indices[0] == t.indices[1]:
            return Exact((t.indices[0],), np.diagonal(result).copy())
        return Exact(t.indices, result)

    def _det(self, t: T.Det) -> Exact:
        return self.scalar(_determinant(self._square(t), self.p))


def evaluate(
    t: T.Term, sizes: dict, ints: dict, values: dict, p: int, atoms: dict | None = None
) -> Exact:
    """The value of ``t`` mod ``p`` (see the module docstring for the exceptions). With
    ``atoms`` (a dict shared by the terms compared, holding a numpy generator under "rng"),
    non-rational sub-terms are unknowns."""
    return _Evaluator(sizes, ints, values, p, atoms).run(t)
