"""Plain-matrix values of a Kronecker claim's right side R, for ``kron_plain``.

Input: R's parsed tree (``matrix_ir``), the expression (its variables' kinds and sizes), the
sizes at a probe, and the sizes of R's bare ``I`` and ``ones`` (a ``sizing``, in the order the
tree is walked).
Output: ``plain(tree, f)``: whether R is built only of what is evaluated here (variables,
numbers, I, ones, transposes, inverses, sums, products, division by a number, kron,
commutation, vec);
``bare``: its unsized I and ones; ``sizings``: the sizings that make R a matrix of a shape;
``misfit``: why R, with none, is not; the evaluators ``Shapes`` (only shapes), ``Floats`` (at a
float probe) and ``Mod`` (mod a prime, object arrays of ints).
Invariants: plain matrix algebra -- ``np.kron``, K_{m,n} vec(A) = vec(A') (column-major vec),
a vector a column, a scalar scales -- whatever pairs einderiv's own reading gives the sizes; a
product or sum of shapes that do not fit is ``Misfit``, a size or name not known ``Unknown``,
and so is a misfit with a 1-by-1 or scalar operand (x' y is a scalar in einderiv's language).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from einderiv.api import Expr
from einderiv.check.modp import Undefined
from einderiv.check.modp import inverse as inverse_mod
from einderiv.check.modp import matmul as matmul_mod
from einderiv.ir import matrix_ir as M
from einderiv.ir.matrix_ops import COMMUTATION, KRON, VEC
from einderiv.ir.node import dim_size

__all__ = [
    "Floats",
    "Misfit",
    "Mod",
    "Shapes",
    "Unknown",
    "bare",
    "kind",
    "misfit",
    "plain",
    "sizings",
]

MAX_SIZINGS = 20000  # sizes tried for the bare I and ones of R, in all


class Misfit(Exception):
    """Shapes that do not fit as plain matrices."""


class Unknown(Misfit):
    """A size or a name that R's plain reading does not know (``I_{mn}``, ``commutation(p,
    q)`` of sizes no variable has)."""


def plain(e: M.MExpr, f: Expr) -> bool:
    """Whether ``e`` is built only of what ``Values`` evaluates."""
    match e:
        case M.Name(name=name):
            return name in f.variables
        case M.Number() | M.Identity() | M.Ones():
            return True
        case M.Transpose(operand=x) | M.Neg(operand=x) | M.Inverse(operand=x):
            return plain(x, f)
        case M.Add(left=x, right=y) | M.Sub(left=x, right=y) | M.MatMul(left=x, right=y):
            return plain(x, f) and plain(y, f)
        case M.Dot(left=x, right=y):
            return plain(x, f) and plain(y, f)
        case M.Div(left=x, right=M.Number(value=v)):
            return v != 0 and plain(x, f)
        case M.Call(fn=KRON.name, args=(x, y)):
            return plain(x, f) and plain(y, f)
        case M.Call(fn=VEC.name, args=(x,)):
            return plain(x, f)
        case M.Call(fn=COMMUTATION.name, args=(M.Number() | M.Name(), M.Number() | M.Name())):
            return True
    return False


def kind(e: M.MExpr, f: Expr) -> str:
    """What ``e`` is in einderiv's language, as far as a scalar product needs: "col" (a vector,
    ``A x``, ``vec(X)``, ``ones``), "row" (its transpose), "scalar" (a number, ``x' y``), or
    "mat"; a row times a column is a scalar there, where plain matrices make it 1-by-1."""
    match e:
        case M.Name(name=name):
            return {"vector": "col", "scalar": "scalar"}.get(f.variables[name].kind, "mat")
        case M.Number():
            return "scalar"
        case M.Ones() | M.Call(fn=VEC.name):
            return "col"
        case M.Transpose(operand=x):
            return {"col": "row", "row": "col"}.get(kind(x, f), kind(x, f))
        case M.Neg(operand=x) | M.Div(left=x):
            return kind(x, f)
        case M.Add(left=x, right=y) | M.Sub(left=x, right=y):
            return kind(x, f) if kind(x, f) == kind(y, f) else "mat"
        case M.MatMul(left=x, right=y) | M.Dot(left=x, right=y):
            a, b = kind(x, f), kind(y, f)
            if "scalar" in (a, b):
                return b if a == "scalar" else a
            return {("row", "col"): "scalar", ("mat", "col"): "col", ("row", "mat"): "row"}.get(
                (a, b), "mat"
            )
    return "mat"


def bare(e: M.MExpr) -> list[str]:
    """The ``I`` and ``ones`` of ``e`` that have no size written, in the order met."""
    found = []

    def visit(c: M.MExpr) -> M.MExpr:
        if isinstance(c, (M.Identity, M.Ones)) and c.dim is None:
            found.append("I" if isinstance(c, M.Identity) else "ones")
        M.map_children(c, visit)
        return c

    visit(e)
    return found


def sizings(tree: M.MExpr, f: Expr, sizes: dict, shape: tuple) -> list[tuple]:
    """The sizes of R's bare I and ones (in the order met) that make it a matrix of ``shape``;
    none when there are too many to try."""
    count = len(bare(tree))
    dims = [d for v in f.variables.values() for d in v.dims]
    top = 2 * max([*shape, *(dim_size(d, sizes.__getitem__) for d in dims)]) + 2
    if top**count > MAX_SIZINGS:
        return []
    found = []
    for sizing in itertools.product(range(1, top + 1), repeat=count):
        try:
            if Shapes(f, {}, sizes, sizing).run(tree) == shape:
                found.append(sizing)
        except Misfit:
            continue
    return found


def misfit(tree: M.MExpr, f: Expr, sizes: dict, shape: tuple) -> str | None:
    """Why R, with no bare I or ones, is no matrix of ``shape`` ("a sum of terms in it has
    sizes that do not fit", "it is 2-by-3"); None when it has a bare one (another size might
    fit) or holds a size that is not known."""
    if bare(tree):
        return None
    try:
        found = Shapes(f, {}, sizes, ()).run(tree)
    except Unknown:
        return None
    except Misfit as error:
        return f"a {error} in it has sizes that do not fit, so it is not"
    return f"it is {'-by-'.join(map(str, found or (1, 1)))}, not"


class Values:
    """R's value: a scalar (0-d) or a 2-d array; bare I and ones take ``sizing`` in turn."""

    def __init__(self, f: Expr, values: dict, sizes: dict, sizing: tuple):
        self.f, self.values, self.sizes, self.sizing = f, values, sizes, iter(sizing)

    def size(self, dim) -> int:
        if dim is None:
            return next(self.sizing)
        try:
            return dim_size(dim, self.sizes.__getitem__)
        except KeyError:  # a size nothing gives (I_{mn} of no sizes m and n)
            raise Unknown(str(dim)) from None

    def run(self, e: M.MExpr):
        match e:
            case M.Name(name=name):
                return self.variable(name)
            case M.Number(value=v):
                return self.number(v)
            case M.Identity(dim=d):
                return self.eye(self.size(d))
            case M.Ones(dim=d):
                return self.ones(self.size(d))
            case M.Transpose(operand=x):
                return self.transpose(self.run(x))
            case M.Inverse(operand=x):
                return self.inverse(self.run(x))
            case M.Neg(operand=x):
                return self.scale(self.number(Fraction(-1)), self.run(x))
            case M.Add(left=x, right=y) | M.Sub(left=x, right=y):
                a, b = self.run(x), self.run(y)
                if type(e) is M.Sub:
                    b = self.scale(self.number(Fraction(-1)), b)
                return self.add(a, b)
            case M.Dot(left=x, right=y) if kind(x, self.f) == kind(y, self.f) == "col":
                return self.inner(self.product(self.transpose(self.run(x)), self.run(y)))
            case M.MatMul(left=x, right=y) | M.Dot(left=x, right=y):
                value = self.product(self.run(x), self.run(y))
                inner = kind(x, self.f) == "row" and kind(y, self.f) == "col"
                return self.inner(value) if inner else value  # x' y: a scalar
            case M.Div(left=x, right=M.Number(value=v)):
                return self.scale(self.number(1 / v), self.run(x))
            case M.Call(fn=KRON.name, args=(x, y)):
                return self.kron(self.run(x), self.run(y))
            case M.Call(fn=VEC.name, args=(x,)):
                return self.vec(self.run(x))
            case M.Call(fn=COMMUTATION.name, args=(m, n)):
                return self.commutation(*(self.count(a) for a in (m, n)))
        raise Unknown(M.show(e))

    def count(self, e: M.MExpr) -> int:
        """A size written in commutation(m, n): a whole number, or a size's name."""
        if isinstance(e, M.Number) and e.value.denominator == 1 and e.value > 0:
            return int(e.value)
        if isinstance(e, M.Name) and e.name not in self.f.variables:
            return self.size(e.name)
        raise Unknown(M.show(e))

    def product(self, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            return self.scale(a, b) if np.ndim(a) == 0 else self.scale(b, a)
        if np.shape(a)[1] != np.shape(b)[0]:
            raise _misfit("product of factors", np.shape(a), np.shape(b))
        return self.matmul(a, b)

    def add(self, a, b):
        if np.shape(a) != np.shape(b):
            raise _misfit("sum of terms", np.shape(a), np.shape(b))
        return a + b


class Floats(Values):
    """At a float probe (numpy arrays of the variables: vectors as columns)."""

    def variable(self, name: str):
        if name not in self.values:
            raise Unknown(name)
        value = np.asarray(self.values[name], dtype=float)
        return value.reshape(-1, 1) if value.ndim == 1 else value

    def number(self, v: Fraction):
        return np.asarray(float(v))

    def eye(self, n: int):
        return np.eye(n)

    def ones(self, n: int):
        return np.ones((n, 1))

    def transpose(self, a):
        return np.transpose(a)

    def inner(self, a):
        return np.asarray(a).reshape(())

    def inverse(self, a):
        if np.ndim(a) and np.shape(a)[0] != np.shape(a)[1]:
            raise Misfit("inverse of a matrix not square")
        if np.linalg.cond(np.atleast_2d(a)) > 1e6:  # singular here, or nearly: no witness
            raise Unknown("an inverse of a singular matrix")
        return np.linalg.inv(a) if np.ndim(a) else 1 / a

    def scale(self, c, a):
        return c * a

    def matmul(self, a, b):
        return a @ b

    def kron(self, a, b):
        return np.kron(np.atleast_2d(a), np.atleast_2d(b))

    def vec(self, a):
        return np.reshape(np.atleast_2d(a), (-1, 1), order="F")

    def commutation(self, m: int, n: int):
        return _commutation(m, n, float)


class Mod(Floats):
    """At a point mod the prime ``p`` (object arrays of ints)."""

    p = 0

    def variable(self, name: str):
        value = np.array(self.values[name], dtype=object)
        return value.reshape(-1, 1) if value.ndim == 1 else value

    def number(self, v: Fraction):
        return np.array(v.numerator * pow(v.denominator, -1, self.p) % self.p, dtype=object)

    def eye(self, n: int):
        return np.array(np.eye(n, dtype=int), dtype=object)

    def ones(self, n: int):
        return np.array(np.ones((n, 1), dtype=int), dtype=object)

    def scale(self, c, a):
        return c * a % self.p

    def matmul(self, a, b):
        return matmul_mod(a, b, self.p)

    def inverse(self, a):  # modp.Undefined where singular mod p (the caller redraws)
        if np.ndim(a) and np.shape(a)[0] != np.shape(a)[1]:
            raise Misfit("inverse of a matrix not square")
        if not np.ndim(a):
            if int(a) % self.p == 0:
                raise Undefined
            return np.array(pow(int(a), -1, self.p), dtype=object)
        return inverse_mod(a, self.p)

    def add(self, a, b):
        return super().add(a, b) % self.p

    def kron(self, a, b):
        return np.kron(np.atleast_2d(a), np.atleast_2d(b)) % self.p

    def commutation(self, m: int, n: int):
        return np.array(_commutation(m, n, int), dtype=object)


class Shapes(Values):
    """Only the shapes: () for a scalar, (rows, columns) for a matrix."""

    def variable(self, name: str):
        info = self.f.variables[name]
        dims = tuple(self.size(d) for d in info.dims)
        return dims + (1,) if len(dims) == 1 else dims

    def number(self, v):
        return ()

    def eye(self, n: int):
        return (n, n)

    def ones(self, n: int):
        return (n, 1)

    def transpose(self, a):
        return a[::-1]

    def inner(self, a):
        return ()

    def inverse(self, a):
        if a and a[0] != a[1]:
            raise Misfit("inverse of a matrix not square")
        return a

    def scale(self, c, a):
        return a

    def product(self, a, b):
        if not a or not b:
            return b if not a else a
        if a[1] != b[0]:
            raise _misfit("product of factors", a, b)
        return (a[0], b[1])

    def add(self, a, b):
        if a != b:
            raise _misfit("sum of terms", a, b)
        return a

    def kron(self, a, b):
        a, b = a or (1, 1), b or (1, 1)
        return (a[0] * b[0], a[1] * b[1])

    def vec(self, a):
        return (math.prod(a or (1,)), 1)

    def commutation(self, m: int, n: int):
        return (m * n, m * n)


def _misfit(what: str, a: tuple, b: tuple) -> Misfit:
    """Shapes that do not fit: ``Unknown`` where one is a scalar or 1-by-1 (``(a' b) kron(A,
    I)``: a'b is a scalar in einderiv's language, 1-by-1 here; a scalar plus a matrix may be a
    broadcast), so that no "wrong" rests on it; else ``Misfit``."""
    if any(tuple(s) in ((), (1, 1)) for s in (a, b)):
        return Unknown(f"a {what} with a scalar or a 1-by-1 matrix")
    return Misfit(what)


def _commutation(m: int, n: int, dtype) -> np.ndarray:
    """K_{m,n}: K vec(A) = vec(A') for an m-by-n A (column-major vec)."""
    out = np.zeros((m * n, m * n), dtype=dtype)
    for i in range(m):
        for j in range(n):
            out[i * n + j, j * m + i] = 1
    return out
