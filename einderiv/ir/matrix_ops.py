"""The operator registry, part two: every matrix function declared once, as one record.

Input: nothing (a table built at import).
Output: ``MATRIX``, name -> ``MatrixFunction`` record (``tr``, ``det``, ``logdet``, ``diag``,
``sum``, ``mean``, ``len``, ``norm1``, ``norm2``, ``inv``, ``adj``, ``vec``, ``kron``, ``commutation``),
the records by name (``TR``, ``DET``, ...) for code that builds a call, ``BY_ATOM`` (the records
with an index-IR atom of their own: ``T.Det`` -> ``DET``) and ``NORM_SUBSCRIPTS`` (``‖x‖_1`` ->
``norm1``). Every stage reads the record: the grammar's function names and the text aliases
(``frontend.lexing``), the LaTeX commands (``frontend.latex_commands``), the shape rule (both
passes of ``frontend.shapes``), the lowering to index form (``frontend.lower``), LaTeX printing
(``notation.printing``), the plan step of an atom (``backend``), and the probes' domain.
Invariants:
* one record per function; the lowering's formula is the comment above its function;
* this module imports only ``ir`` modules: a shape rule and a lowering are plain functions of a
  small interface the front end implements (``ShapeRules``, ``Lowering``), so the front end
  calls the record and the record calls back; nothing here names a front-end class;
* a shape is ``(rows, cols)``, an absent axis ``None``; ``shape`` is the ONE shape rule, run by
  the first pass (union-find cells, checking) and the second (resolved sizes, no checks);
* a lowering returns an index term whose free indices are the non-None entries of ``out``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import numpy as np

from einderiv.ir import index_ir as T
from einderiv.ir.signs import sign_of

__all__ = ["BY_ATOM", "MATRIX", "NORM_SUBSCRIPTS", "Lowering", "MatrixFunction", "ShapeRules"]


class ShapeRules(Protocol):
    """What a shape rule may ask of shape inference (``e`` is the call, for messages)."""

    def shape(self, x): ...  # the shape of the argument x
    def square(self, e, x, fn: str, shape=None): ...  # x's shape, checked square
    def product(self, fast, slow, e): ...  # the compound size of (fast, slow) pairs
    def size(self, e, x): ...  # the argument x as a size (commutation(m, n))
    def fail(self, message: str, e=None): ...  # raise the ShapeError (placed at e when given)


class Lowering(Protocol):
    """What a lowering may ask of the lowerer (matrix IR -> index IR)."""

    def lo(self, x, out: tuple) -> T.Term: ...  # x with rows on out[0], columns on out[1]
    def scalar(self, x) -> T.Term: ...  # x, a scalar
    def is_scalar(self, x) -> bool: ...
    def shape(self, x) -> tuple: ...  # x's (rows, cols), sizes resolved
    def matpow(self, x, power: T.Affine, out: tuple) -> T.Term: ...  # the atom X^power
    def free_indices(self, t: T.Term) -> list: ...  # the user's free indices of t, sorted
    def fail(self, message: str): ...  # raise the ShapeError


@dataclass(frozen=True)
class MatrixFunction:
    """A function of whole matrices or vectors: its spellings, shape rule, lowering, LaTeX."""

    name: str
    shape: Callable  # (rules: ShapeRules, e: the call, args) -> the call's (rows, cols)
    lower: Callable  # (lowering: Lowering, args, out) -> the index term, free indices out's
    latex: str  # LaTeX, #1 and #2 standing for the arguments' LaTeX
    arity: int = 1
    aliases: tuple[str, ...] = ()  # other spellings in text: trace(X), Tr(X)
    latex_commands: tuple[str, ...] = ()  # LaTeX commands naming it: \det, \Tr
    latex_words: tuple[str, ...] = ()  # other words naming it in \operatorname{...}
    norm_subscripts: tuple[str, ...] = ()  # the subscripts of ‖x‖ that select it: _1, _F
    infix: bool = False  # LaTeX between its arguments (A \otimes B), at the loosest level
    scalar: bool = False  # its value is a scalar (its own transpose)
    atom: type | None = None  # its own index-IR atom (T.Det); None: sums of products
    numpy: Callable | None = None  # the implementation a plan step of its atom calls
    domain: str = "any"  # what a probe's argument must be: "invertible", "det positive"

    def to_latex(self, args: tuple[str, ...]) -> str:
        """The LaTeX of a call, given the LaTeX of its arguments."""
        return re.sub(r"#([1-9])", lambda m: args[int(m.group(1)) - 1], self.latex)


# ---------------------------------------------------------------------------------------------
# Shape rules (one per shape class; the messages name the call)


def _square_to_scalar(rules: ShapeRules, e, args):
    """tr, det, logdet: of a square matrix (or a scalar), a scalar."""
    rules.square(e, args[0], e.fn)
    return (None, None)


def _square_to_square(rules: ShapeRules, e, args):
    """inv, adj: of a square matrix, a matrix of its shape."""
    return rules.square(e, args[0], e.fn)


def _reduction(rules: ShapeRules, e, args):
    """sum, mean, norm1, norm2: of anything, a scalar."""
    rules.shape(args[0])
    return (None, None)


def _len_shape(rules: ShapeRules, e, args):
    """len: of a column vector, its length; of a matrix, its number of rows; a scalar."""
    rows, cols = rules.shape(args[0])
    if rows is None:
        kind = "a scalar" if cols is None else "a row vector"
        hint = "" if cols is None else " (its length is that of its transpose: len(x) for x')"
        rules.fail(f"len counts rows, and the argument of `{e}` is {kind}: it has none{hint}", e)
    return (None, None)


def _diag_shape(rules: ShapeRules, e, args):
    """diag(x) is n-by-n for a vector of n; diag(X) is the diagonal of a square X."""
    (x,) = args
    rows, cols = rules.shape(x)
    if rows is not None and cols is None:
        return (rows, rows)
    if rows is None and cols is not None:
        return (cols, cols)
    if rows is None:
        rules.fail(f"`{e}`: diag needs a vector or a square matrix")
    rules.square(e, x, e.fn, (rows, cols))
    return (rows, None)


def _vec_shape(rules: ShapeRules, e, args):
    """The columns stacked: entry (i, j) of an m-by-n matrix is entry i + m j of m n."""
    (x,) = args
    rows, cols = rules.shape(x)
    if rows is None and cols is None:
        rules.fail(f"`{e}`: vec needs a vector or a matrix; `{x}` is a scalar", e)
    if rows is None or cols is None:
        return (rows or cols, None)
    return (rules.product(rows, cols, e), None)


def _kron_shape(rules: ShapeRules, e, args):
    """kron(A, B) is (p m)-by-(q n) for A m-by-n and B p-by-q, B's index fastest (the row
    (b, a) is b + p a, as numpy.kron); a vector has one axis, which it keeps."""
    shapes = []
    for x in args:
        shape = rules.shape(x)
        if shape[0] is None and shape[1] is None:
            rules.fail(
                f"`{e}`: kron takes matrices or vectors, and `{x}` is a scalar (write a scalar "
                "multiple as a product: a B)",
                e,
            )
        shapes.append(shape)
    (ar, ac), (br, bc) = shapes
    return tuple(
        rules.product(b, a, e) if a is not None and b is not None else a or b
        for a, b in ((ar, br), (ac, bc))
    )


def _commutation_shape(rules: ShapeRules, e, args):
    """commutation(m, n), K with K vec(X) = vec(X') for X m-by-n: its rows are pairs of n by m,
    its columns pairs of m by n (m and n: sizes)."""
    m, n = (rules.size(e, x) for x in args)
    return (rules.product(n, m, e), rules.product(m, n, e))


# ---------------------------------------------------------------------------------------------
# Lowerings: the formula of each is the comment above it


# tr(X) = sum_a X[a,a];  tr(s) = s
def _lower_tr(lw: Lowering, args, out):
    (x,) = args
    if lw.is_scalar(x):
        return lw.scalar(x)
    c = T.fresh(lw.shape(x)[0])
    return T.Prod((lw.lo(x, (c, c)),), (c,))


def _determinant(lw: Lowering, x, atom: type) -> T.Term:
    """``atom(X[p,q], (p, q))``; for index notation ``det(W[i,j])`` the matrix whose entries
    the two free indices range over (det(A') = det(A): which is the row does not matter)."""
    if not lw.is_scalar(x):
        bound = T.bound_pair(lw.shape(x)[0])
        return atom(lw.lo(x, bound), bound)
    inner = lw.scalar(x)
    free = lw.free_indices(inner)
    fn = BY_ATOM[atom].name
    if not free:  # of a scalar: det(s) = s, logdet(s) = log(s)
        return inner if atom is T.Det else T.Func("log", inner)
    if len(free) != 2:
        names = ", ".join(i.name for i in free)
        lw.fail(
            f"`{fn}({x})`: a determinant of index notation needs two free indices "
            f"(the rows and the columns); this one has {len(free)}: {names}"
        )
    if free[0].dim != free[1].dim:
        (i, di), (j, dj) = ((k.name, k.dim) for k in free)
        lw.fail(
            f"`{fn}({x})`: a determinant needs a square matrix, but {i} ranges over "
            f"{di} and {j} over {dj}; declare the matrix square (e.g. `A: matrix(n, n)`)"
        )
    bound = T.bound_pair(free[0].dim)
    return atom(T.rename(inner, dict(zip(free, bound))), bound)


# det(X): an atom (T.Det, d det(X) = det(X) tr(inv(X) dX));  det(s) = s
def _lower_det(lw: Lowering, args, out):
    return _determinant(lw, args[0], T.Det)


# logdet(X) = log(det(X)): an atom (T.LogDet, d logdet(X) = tr(inv(X) dX));  logdet(s) = log(s)
def _lower_logdet(lw: Lowering, args, out):
    return _determinant(lw, args[0], T.LogDet)


def _entries(lw: Lowering, x):
    """x over fresh indices (one per axis), and the indices to sum."""
    axes = tuple(None if d is None else T.fresh(d) for d in lw.shape(x))
    return axes, tuple(i for i in axes if i is not None)


# sum(X) = sum_{a,b} X[a,b]
def _lower_sum(lw: Lowering, args, out):
    axes, summed = _entries(lw, args[0])
    inner = lw.lo(args[0], axes)
    return T.Prod((inner,), summed) if summed else inner


# len(x) = n, the size of x's rows (len(X') = the number of columns): a constant
def _lower_len(lw: Lowering, args, out):
    rows = lw.shape(args[0])[0]
    return T.Num(Fraction(rows)) if isinstance(rows, int) else T.Size(rows)


# mean(X) = sum_{a,b} X[a,b] / (m n)
def _lower_mean(lw: Lowering, args, out):
    axes, summed = _entries(lw, args[0])
    inner = lw.lo(args[0], axes)
    sizes = tuple(T.Pow(T.Size(i.dim), T.MINUS_ONE) for i in summed)
    return T.Prod((inner, *sizes), summed) if summed else inner


# norm1(X) = sum_{a,b} abs(X[a,b])
def _lower_norm1(lw: Lowering, args, out):
    axes, summed = _entries(lw, args[0])
    inner = T.Func("abs", lw.lo(args[0], axes))
    return T.Prod((inner,), summed) if summed else inner


# norm2(X) = (sum_{a,b} X[a,b] X[a,b]) ^ (1/2);  norm2(s) = (s ^ 2) ^ (1/2)
# norm2(s) = s where s >= 0 by its form: norm2(x' x) = x' x (the Cookbook's ||x' x||_2)
def _lower_norm2(lw: Lowering, args, out):
    (x,) = args
    axes, summed = _entries(lw, x)
    inner = lw.lo(x, axes)
    if not summed and sign_of(inner) is not None:  # |s| = s: sqrt(s^2) was 0/0 at s = 0
        return inner
    if not summed:  # s written once: nesting stays linear
        return T.Pow(T.Pow(inner, T.Num(Fraction(2))), T.Num(Fraction(1, 2)))
    # the same term twice, not x lowered twice: nested norms stay linear as a graph (each
    # lowering names its own summed indices afresh, so two lowerings are two different terms)
    return T.Pow(T.Prod((inner, inner), summed), T.Num(Fraction(1, 2)))


# inv(X): the atom X^-1 (T.MatPow, exponent -1);  inv(s) = s^-1
def _lower_inv(lw: Lowering, args, out):
    (x,) = args
    if lw.is_scalar(x):
        return T.Pow(lw.scalar(x), T.MINUS_ONE)
    return lw.matpow(x, T.affine(-1), out)


# adj(X) = det(X) inv(X) (X invertible);  adj(s) = 1 (the adjugate of a 1-by-1 matrix)
def _lower_adj(lw: Lowering, args, out):
    (x,) = args
    if lw.is_scalar(x):
        return T.ONE
    return T.Prod((_lower_det(lw, args, (None, None)), lw.matpow(x, T.affine(-1), out)))


# diag(x)[a,b] = x[a] delta[a,b];  diag(X)[a] = X[a,a]
def _lower_diag(lw: Lowering, args, out):
    (x,) = args
    rows, cols = lw.shape(x)
    a, b = out
    if rows is None or cols is None:
        vector_out = (a, None) if cols is None else (None, a)
        return T.Prod((lw.lo(x, vector_out), T.Delta(a, b)))
    return lw.lo(x, (a, a))


# vec(X)[c] = sum_{i,j} delta[c,(i,j)] X[i,j];  vec(x) = x
def _lower_vec(lw: Lowering, args, out):
    (x,) = args
    rows, cols = lw.shape(x)
    a = out[0]
    if rows is None or cols is None:
        return lw.lo(x, (a, None) if cols is None else (None, a))
    i, j = T.fresh(rows), T.fresh(cols)
    return T.Prod((T.Pair(a, i, j), lw.lo(x, (i, j))), (i, j))


# kron(A, B)[(b,a),(d,c)] = A[a,c] B[b,d]: each axis the pair of B's and A's (B's fastest, as
# numpy.kron), or the one axis that is there
def _lower_kron(lw: Lowering, args, out):
    x, y = args
    sx, sy = lw.shape(x), lw.shape(y)
    ax, ay, pairs, summed = [], [], [], []
    for k, o in enumerate(out):
        if sx[k] is not None and sy[k] is not None:
            i, j = T.fresh(sy[k]), T.fresh(sx[k])
            pairs.append(T.Pair(o, i, j))
            summed += [j, i]
            ax.append(j)
            ay.append(i)
        else:
            ax.append(o if sx[k] is not None else None)
            ay.append(o if sy[k] is not None else None)
    factors = (lw.lo(x, tuple(ax)), lw.lo(y, tuple(ay)), *pairs)
    return T.Prod(factors, tuple(summed))


# commutation(m, n)[(j,i),(k,l)] = delta[j,l] delta[i,k]: K vec(X) = vec(X')
def _lower_commutation(lw: Lowering, args, out):
    r, s = out
    fast, slow = (T.fresh(lw.shape(x)[0]) for x in args)  # over m and n
    return T.Prod((T.Pair(r, slow, fast), T.Pair(s, fast, slow)), (fast, slow))


# ---------------------------------------------------------------------------------------------
# Implementations of the atoms (plan steps call them; compiled programs on torch and jax use
# the backend's own ``_det``/``_logdet``)


def _logdet(m):
    sign, logabs = np.linalg.slogdet(m)
    if sign == 0:  # a singular matrix: log 0 = -inf (as np.log(0.0)), its limit from det > 0
        return -np.inf
    if sign < 0:
        warnings.warn(
            "logdet of a matrix whose determinant is negative: nan", RuntimeWarning, stacklevel=3
        )
        return np.nan
    return logabs


def _operator(name: str) -> str:
    return rf"\operatorname{{{name}}}\left(#1\right)"


TR = MatrixFunction(
    "tr", _square_to_scalar, _lower_tr, _operator("tr"), aliases=("trace", "Tr"),
    latex_commands=("tr", "Tr", "trace"), latex_words=("Trace",), scalar=True,
)  # fmt: skip
DET = MatrixFunction(
    "det", _square_to_scalar, _lower_det, r"\det\left(#1\right)", latex_commands=("det",),
    scalar=True, atom=T.Det, numpy=np.linalg.det,
)  # fmt: skip
LOGDET = MatrixFunction(
    "logdet", _square_to_scalar, _lower_logdet, r"\log\det\left(#1\right)",
    scalar=True, atom=T.LogDet, numpy=_logdet, domain="det positive",
)  # fmt: skip
DIAG = MatrixFunction("diag", _diag_shape, _lower_diag, _operator("diag"))
SUM = MatrixFunction("sum", _reduction, _lower_sum, _operator("sum"), scalar=True)
MEAN = MatrixFunction("mean", _reduction, _lower_mean, _operator("mean"), scalar=True)
LEN = MatrixFunction("len", _len_shape, _lower_len, _operator("len"), scalar=True)
NORM1 = MatrixFunction(
    "norm1", _reduction, _lower_norm1, r"\left\lVert #1 \right\rVert_1",
    norm_subscripts=("1", "₁"), scalar=True,
)  # fmt: skip
NORM2 = MatrixFunction(
    "norm2", _reduction, _lower_norm2, r"\left\lVert #1 \right\rVert", aliases=("norm",),
    norm_subscripts=("2", "F", "₂"), scalar=True,
)  # fmt: skip
INV = MatrixFunction(
    "inv", _square_to_square, _lower_inv, r"\left(#1\right)^{-1}", domain="invertible"
)
ADJ = MatrixFunction("adj", _square_to_square, _lower_adj, _operator("adj"), domain="invertible")
VEC = MatrixFunction("vec", _vec_shape, _lower_vec, _operator("vec"))
KRON = MatrixFunction("kron", _kron_shape, _lower_kron, r"#1 \otimes #2", arity=2, infix=True)
COMMUTATION = MatrixFunction(
    "commutation", _commutation_shape, _lower_commutation, "K_{#1,#2}", arity=2
)

MATRIX: dict[str, MatrixFunction] = {
    r.name: r
    for r in (TR, DET, LOGDET, DIAG, SUM, MEAN, LEN, NORM1, NORM2, INV, ADJ, VEC, KRON, COMMUTATION)
}
BY_ATOM: dict[type, MatrixFunction] = {r.atom: r for r in MATRIX.values() if r.atom}
NORM_SUBSCRIPTS = {sub: r.name for r in MATRIX.values() for sub in r.norm_subscripts}
# functions of two sizes written as a letter with a subscript (template "K_{#1,#2}"): in LaTeX
# K_{m,n} is commutation(m, n), so an entry of a matrix named K is written \left(K\right)_{a,b}
SIZED_LETTERS = {
    m.group(1): r.name
    for r in MATRIX.values()
    if (m := re.fullmatch(r"([A-Za-z])_\{#1,#2\}", r.latex))
}
