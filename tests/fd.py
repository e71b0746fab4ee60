"""Finite-difference helpers for the numerical acceptance suite.

Everything here is plain numpy and independent of einderiv: the reference derivatives are central
finite differences of the ORIGINAL function, written by hand in numpy in each test.

Layouts (SPEC section 2), for Y of shape S_Y differentiated by X of shape S_X:
    jacobian    D[I, J] = dY[I] / dX[J]          shape S_Y + S_X
    numerator   the X axes of the jacobian reversed  shape S_Y + reversed(S_X)
    denominator every axis of the numerator reversed
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

LAYOUTS = ("numerator", "denominator", "jacobian")


# --------------------------------------------------------------------------------------------
# directions of perturbation
# --------------------------------------------------------------------------------------------


def _directions(x0: np.ndarray, sym: bool) -> Iterator[tuple[tuple, np.ndarray]]:
    """(index J, direction E_J) for every entry of x0.

    Unconstrained: E_J is the unit array at J. Symmetric (SPEC section 2): E_ij = (e_i e_j' +
    e_j e_i') / 2, so that dS[a,b]/dS[i,j] = (delta[a,i] delta[b,j] + delta[a,j] delta[b,i]) / 2 and
    the derivative of a scalar f is (G + G') / 2 of the unconstrained gradient G.
    """
    for idx in np.ndindex(x0.shape):
        e = np.zeros(x0.shape)
        if sym:
            i, j = idx
            e[i, j] += 0.5
            e[j, i] += 0.5
        else:
            e[idx] = 1.0
        yield idx, e


def _call(f: Callable, args: dict, wrt: str, x: np.ndarray) -> np.ndarray:
    new = dict(args)
    new[wrt] = x
    return np.asarray(f(**new), dtype=float)


def jacobian_fd(f: Callable, args: dict, wrt: str, eps: float = 1e-6, sym: bool = False):
    """Central differences dF/dArg of the numpy function ``f(**args)``: shape S_Y + S_X."""
    x0 = np.array(args[wrt], dtype=float)
    y0 = _call(f, args, wrt, x0)
    jac = np.zeros(y0.shape + x0.shape)
    for idx, e in _directions(x0, sym):
        yp = _call(f, args, wrt, x0 + eps * e)
        ym = _call(f, args, wrt, x0 - eps * e)
        jac[(Ellipsis,) + idx] = (yp - ym) / (2 * eps)
    return jac


def symmetric_fd(f: Callable, args: dict, wrt: str, eps: float = 1e-6):
    """Jacobian with respect to a symmetric matrix variable: X[i,j] and X[j,i] move together with
    half weight each. For scalar f this is (G + G') / 2 of the unconstrained gradient G."""
    return jacobian_fd(f, args, wrt, eps=eps, sym=True)


def hessian_fd(f: Callable, args: dict, wrt: str, eps: float = 1e-4, sym: bool = False):
    """H[I, J] = d2 f / dX[I] dX[J] of a scalar numpy function by the four-point formula."""
    x0 = np.array(args[wrt], dtype=float)
    dirs = list(_directions(x0, sym))
    hes = np.zeros(x0.shape + x0.shape)
    for a, (ia, ea) in enumerate(dirs):
        for b, (ib, eb) in enumerate(dirs):
            if b < a:
                hes[ia + ib] = hes[ib + ia]
                continue
            pp = _call(f, args, wrt, x0 + eps * (ea + eb))
            pm = _call(f, args, wrt, x0 + eps * (ea - eb))
            mp = _call(f, args, wrt, x0 + eps * (-ea + eb))
            mm = _call(f, args, wrt, x0 - eps * (ea + eb))
            hes[ia + ib] = (pp - pm - mp + mm) / (4 * eps * eps)
    return hes


def to_layout(jac: np.ndarray, ndim_y: int, ndim_x: int, layout: str) -> np.ndarray:
    """Rearrange a jacobian (S_Y + S_X) into the requested layout of SPEC section 2."""
    jac = np.asarray(jac)
    assert jac.ndim == ndim_y + ndim_x, (jac.shape, ndim_y, ndim_x)
    if layout == "jacobian":
        return jac
    axes = list(range(ndim_y)) + list(reversed(range(ndim_y, ndim_y + ndim_x)))
    num = np.transpose(jac, axes)
    if layout == "numerator":
        return num
    if layout == "denominator":
        return np.transpose(num)
    raise ValueError(layout)


# --------------------------------------------------------------------------------------------
# comparison
# --------------------------------------------------------------------------------------------


def close(got, expected, rtol: float = 1e-5, atol: float = 1e-7) -> bool:
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol * scale))


def assert_close(got, expected, rtol: float = 1e-5, atol: float = 1e-7, what: str = "") -> None:
    """Same shape, and equal up to rtol and atol scaled by the magnitude of ``expected``."""
    got_arr = np.asarray(got)
    expected = np.asarray(expected, dtype=float)
    assert got_arr.shape == expected.shape, (
        f"{what}: shape {got_arr.shape} != expected {expected.shape}"
    )
    assert np.all(np.isfinite(got_arr.astype(float))), f"{what}: non-finite value {got_arr}"
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(
        got_arr.astype(float), expected, rtol=rtol, atol=atol * scale, err_msg=what
    )


# --------------------------------------------------------------------------------------------
# samplers (all take a seeded numpy Generator)
# --------------------------------------------------------------------------------------------


def rng_for(name: str, salt: int = 0) -> np.random.Generator:
    """A Generator seeded from a stable hash of the case id."""
    return np.random.default_rng(zlib.crc32(name.encode()) + salt)


def gen(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    """A general array (vector or matrix) of standard normal entries."""
    return scale * rng.standard_normal(shape)


def scalar(rng: np.random.Generator, lo: float = -1.0, hi: float = 1.0) -> float:
    return float(rng.uniform(lo, hi))


def positive(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Entries in [0.5, 2]."""
    return rng.uniform(0.5, 2.0, shape)


def invertible(rng: np.random.Generator, n: int, posdet: bool = True) -> np.ndarray:
    """A well-conditioned invertible matrix I + 0.3 randn (cond < 10, det > 0 if posdet)."""
    while True:
        x = np.eye(n) + 0.3 * rng.standard_normal((n, n))
        if np.linalg.cond(x) < 10 and (not posdet or np.linalg.det(x) > 0.2):
            return x


def spd(rng: np.random.Generator, n: int) -> np.ndarray:
    """Symmetric positive definite: B B' / n + I."""
    b = rng.standard_normal((n, n))
    return b @ b.T / n + np.eye(n)


def symmetric(rng: np.random.Generator, n: int) -> np.ndarray:
    b = rng.standard_normal((n, n))
    return (b + b.T) / 2


# --------------------------------------------------------------------------------------------
# rule tables
# --------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One row of a rule table.

    id      the identity's label, e.g. "DT5"
    expr    the expression string given to einderiv
    wrt     the variable (or "X[i,j]" for elementwise derivatives)
    where   declarations
    fn      the ORIGINAL function, in plain numpy, called as fn(**args)
    sample  rng -> dict of arguments (the point of evaluation, plus integers such as k)
    notes   the notes' printed right-hand side in numerator layout, as numpy (optional)
    den     the notes' printed right-hand side in denominator layout (optional)
    true    the correct right-hand side in numerator layout when the notes are wrong
    notes_error  why the notes' claim is wrong (None when the notes are right)
    sym     the variable is declared symmetric
    """

    id: str
    expr: str
    wrt: str
    where: str
    fn: Callable
    sample: Callable[[np.random.Generator], dict]
    notes: Callable | None = None
    den: Callable | None = None
    true: Callable | None = None
    notes_error: str | None = None
    sym: bool = False
    rtol: float = 1e-5
    marks: list = field(default_factory=list)

    @property
    def var(self) -> str:
        return self.wrt.split("[")[0]

    def point(self, salt: int = 0) -> dict:
        return self.sample(rng_for(self.id, salt))

    def reference(self, args: dict) -> tuple[np.ndarray, int, int]:
        """(FD jacobian of the original function, ndim of Y, ndim of X)."""
        jac = jacobian_fd(self.fn, args, self.var, sym=self.sym)
        ndim_x = np.ndim(args[self.var])
        return jac, jac.ndim - ndim_x, ndim_x


def param(cases: list[Case]):
    """pytest parameters with the case id as the test id."""
    import pytest

    return [pytest.param(c, id=c.id, marks=c.marks) for c in cases]


def central_gradient(f: Callable, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """The gradient of a scalar numpy function of one array by central differences."""
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        out.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def vec_jacobian(fun: Callable, X0: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d vec(fun(X)) / d vec(X)' at X0 by central differences (vec stacks columns)."""
    x0 = X0.ravel(order="F")

    def vec_y(x):
        return np.asarray(fun(x.reshape(X0.shape, order="F"))).ravel(order="F")

    return np.stack([(vec_y(x0 + h * e) - vec_y(x0 - h * e)) / (2 * h) for e in np.eye(x0.size)], 1)


def commutation(m: int, n: int) -> np.ndarray:
    """K_{m,n}: K vec(A) = vec(A') for an m-by-n A (vec stacks columns)."""
    out = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            out[i * n + j, j * m + i] = 1.0
    return out
