"""Every identity of the lecture notes (/work/shared/matrix-differentiation-notes.txt), checked
numerically against central finite differences of the original function, in numerator AND
denominator layout.

Three things are checked per identity:
  * the engine's derivative agrees with FD (test_engine_matches_fd), in both layouts;
  * the notes' printed right-hand side, written as numpy, agrees with FD in numerator layout
    (test_notes_claim). Where it does not, the case carries ``notes_error`` (marked
    ``# NOTES ERROR:`` below), the test asserts the claim is indeed false, and that the correct
    form ``true`` agrees with FD;
  * the table "Notes on Denominator Layout" (test_denominator_table).

Rule identities (SS, VS, MS, SV, SM, VV) are instantiated with concrete inner functions, and the
notes' right-hand side is the rule applied by hand (e.g. SS2: u dv/dt + v du/dt).
"""

from __future__ import annotations

import inspect
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import (
    Case,
    assert_close,
    close,
    gen,
    invertible,
    jacobian_fd,
    param,
    scalar,
    spd,
    to_layout,
)

ed = pytest.importorskip("einderiv")

inv = np.linalg.inv
det = np.linalg.det
mpow = np.linalg.matrix_power


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softplus(z):
    return np.logaddexp(0.0, z)


def dtanh(z):
    return 1.0 - np.tanh(z) ** 2


m, n, p, q = 3, 2, 4, 2  # different sizes wherever the identity allows non-square shapes

# ============================================================================================
# (C1)-(C11) commonly used derivatives
# ============================================================================================

C_CASES = [
    # (C1) da/dx = 0 (column): a vector, x scalar
    Case(
        "C1",
        "a",
        "t",
        "a: vector(m); t: scalar",
        fn=lambda a, t: a + 0 * t,
        sample=lambda r: {"a": gen(r, m), "t": scalar(r)},
        notes=lambda a, t: np.zeros(m),
    ),
    # (C2) da/dx = 0' (row): a scalar, x vector
    Case(
        "C2",
        "a",
        "x",
        "a: scalar; x: vector(n)",
        fn=lambda a, x: a + 0 * np.sum(x),
        sample=lambda r: {"a": scalar(r), "x": gen(r, n)},
        notes=lambda a, x: np.zeros(n),
    ),
    # (C3) da/dX = 0' (matrix): a scalar, X m-by-n, numerator result n-by-m
    Case(
        "C3",
        "a",
        "X",
        "a: scalar; X: matrix(m, n)",
        fn=lambda a, X: a + 0 * np.sum(X),
        sample=lambda r: {"a": scalar(r), "X": gen(r, m, n)},
        notes=lambda a, X: np.zeros((n, m)),
    ),
    # (C4) da/dx = 0 (matrix): a vector(m), x vector(n)
    Case(
        "C4",
        "a",
        "x",
        "a: vector(m); x: vector(n)",
        fn=lambda a, x: a + 0 * np.sum(x),
        sample=lambda r: {"a": gen(r, m), "x": gen(r, n)},
        notes=lambda a, x: np.zeros((m, n)),
    ),
    # (C5) dx/dx = I
    Case(
        "C5",
        "x",
        "x",
        "x: vector(n)",
        fn=lambda x: x,
        sample=lambda r: {"x": gen(r, n)},
        notes=lambda x: np.eye(n),
    ),
    # (C6) d a'x/dx = a'
    Case(
        "C6-a'x",
        "a' x",
        "x",
        "a: vector(m); x: vector(m)",
        fn=lambda a, x: a @ x,
        sample=lambda r: {"a": gen(r, m), "x": gen(r, m)},
        notes=lambda a, x: a,
    ),
    # (C6) d x'a/dx = a'
    Case(
        "C6-x'a",
        "x' a",
        "x",
        "a: vector(m); x: vector(m)",
        fn=lambda a, x: x @ a,
        sample=lambda r: {"a": gen(r, m), "x": gen(r, m)},
        notes=lambda a, x: a,
    ),
    # (C7) d x'x/dx = 2x'
    Case(
        "C7",
        "x' x",
        "x",
        "x: vector(n)",
        fn=lambda x: x @ x,
        sample=lambda r: {"x": gen(r, m)},
        notes=lambda x: 2 * x,
    ),
    # (C8) d (x'a)^2/dx = 2 x'a a'
    Case(
        "C8",
        "(x' a)^2",
        "x",
        "a: vector(m); x: vector(m)",
        fn=lambda a, x: (x @ a) ** 2,
        sample=lambda r: {"a": gen(r, m), "x": gen(r, m)},
        notes=lambda a, x: 2 * (x @ a) * a,
    ),
    # (C9) d Ax/dx = A   (A m-by-n, non-square)
    Case(
        "C9",
        "A x",
        "x",
        "A: matrix(m, n); x: vector(n)",
        fn=lambda A, x: A @ x,
        sample=lambda r: {"A": gen(r, m, n), "x": gen(r, n)},
        notes=lambda A, x: A,
    ),
    # (C10) d x'A/dx = A'   (x'A is a row of length n; x of length m)
    Case(
        "C10",
        "x' A",
        "x",
        "A: matrix(m, n); x: vector(m)",
        fn=lambda A, x: x @ A,
        sample=lambda r: {"A": gen(r, m, n), "x": gen(r, m)},
        notes=lambda A, x: A.T,
    ),
    # (C11) d x'Ax/dx = x'(A + A')
    Case(
        "C11",
        "x' A x",
        "x",
        "A: matrix(m, m); x: vector(m)",
        fn=lambda A, x: x @ A @ x,
        sample=lambda r: {"A": gen(r, m, m), "x": gen(r, m)},
        notes=lambda A, x: x @ (A + A.T),
    ),
]

# ============================================================================================
# (SS1)-(SS4) scalar by scalar, t: scalar
# ============================================================================================

SS = "t: scalar"
SS_CASES = [
    # (SS1) d(u + v)/dt = du/dt + dv/dt,  u = exp(t^2), v = sin(t)
    Case(
        "SS1",
        "exp(t^2) + sin(t)",
        "t",
        SS,
        fn=lambda t: np.exp(t**2) + np.sin(t),
        sample=lambda r: {"t": scalar(r)},
        notes=lambda t: 2 * t * np.exp(t**2) + np.cos(t),
    ),
    # (SS2) d(uv)/dt = u dv/dt + v du/dt  (product rule)
    Case(
        "SS2",
        "exp(t^2) sin(t)",
        "t",
        SS,
        fn=lambda t: np.exp(t**2) * np.sin(t),
        sample=lambda r: {"t": scalar(r)},
        notes=lambda t: np.exp(t**2) * np.cos(t) + np.sin(t) * 2 * t * np.exp(t**2),
    ),
    # (SS2) again with an explicit product operator
    Case(
        "SS2-star",
        "exp(t^2) * sin(t)",
        "t",
        SS,
        fn=lambda t: np.exp(t**2) * np.sin(t),
        sample=lambda r: {"t": scalar(r)},
        notes=lambda t: np.exp(t**2) * np.cos(t) + np.sin(t) * 2 * t * np.exp(t**2),
    ),
    # (SS3) dg(u)/dt = dg/du du/dt,  g = exp, u = sin(t)
    Case(
        "SS3",
        "exp(sin(t))",
        "t",
        SS,
        fn=lambda t: np.exp(np.sin(t)),
        sample=lambda r: {"t": scalar(r)},
        notes=lambda t: np.exp(np.sin(t)) * np.cos(t),
    ),
    # (SS4) df(g(u))/dt = df/dg dg/du du/dt,  f = log(1 + exp(.)), g = sin, u = t^2
    Case(
        "SS4",
        "log(1 + exp(sin(t^2)))",
        "t",
        SS,
        fn=lambda t: np.log(1 + np.exp(np.sin(t**2))),
        sample=lambda r: {"t": scalar(r)},
        notes=lambda t: sigmoid(np.sin(t**2)) * np.cos(t**2) * 2 * t,
    ),
]

# ============================================================================================
# (VS1)-(VS6) vector by scalar: u = t a + t^2 b, du/dt = a + 2 t b
# ============================================================================================

VS = "t: scalar; c: scalar; a: vector(m); b: vector(m); A: matrix(p, m); B: matrix(p, m)"


def vs_sample(r):
    return {
        "t": scalar(r),
        "c": scalar(r),
        "a": gen(r, m),
        "b": gen(r, m),
        "A": gen(r, p, m),
        "B": gen(r, p, m),
    }


def vs_u(t, a, b):
    return t * a + t**2 * b


def vs_du(t, a, b):
    return a + 2 * t * b


VS_CASES = [
    # (VS1) d(c u)/dt = c du/dt
    Case(
        "VS1",
        "c (t a + t^2 b)",
        "t",
        VS,
        fn=lambda t, c, a, b, **_: c * vs_u(t, a, b),
        sample=vs_sample,
        notes=lambda t, c, a, b, **_: c * vs_du(t, a, b),
    ),
    # (VS2) d(A u)/dt = A du/dt
    Case(
        "VS2",
        "A (t a + t^2 b)",
        "t",
        VS,
        fn=lambda t, a, b, A, **_: A @ vs_u(t, a, b),
        sample=vs_sample,
        notes=lambda t, a, b, A, **_: A @ vs_du(t, a, b),
    ),
    # (VS3) d(u')/dt = (du/dt)'
    Case(
        "VS3",
        "(t a + t^2 b)'",
        "t",
        VS,
        fn=lambda t, a, b, **_: vs_u(t, a, b),
        sample=vs_sample,
        notes=lambda t, a, b, **_: vs_du(t, a, b),
    ),
    # (VS4) d(u + v)/dt = du/dt + dv/dt,  u = sin(t) a, v = exp(t) b
    Case(
        "VS4",
        "sin(t) a + exp(t) b",
        "t",
        VS,
        fn=lambda t, a, b, **_: np.sin(t) * a + np.exp(t) * b,
        sample=vs_sample,
        notes=lambda t, a, b, **_: np.cos(t) * a + np.exp(t) * b,
    ),
    # (VS5) dg(u)/dt = dg/du du/dt,  g = tanh elementwise: dg/du = diag(1 - tanh(u)^2)
    Case(
        "VS5",
        "tanh(t a + t^2 b)",
        "t",
        VS,
        fn=lambda t, a, b, **_: np.tanh(vs_u(t, a, b)),
        sample=vs_sample,
        notes=lambda t, a, b, **_: np.diag(dtanh(vs_u(t, a, b))) @ vs_du(t, a, b),
    ),
    # (VS6) df(g(u))/dt = df/dg dg/du du/dt,  f(g) = sin(B g), g = tanh(u)
    Case(
        "VS6",
        "sin(B tanh(t a + t^2 b))",
        "t",
        VS,
        fn=lambda t, a, b, B, **_: np.sin(B @ np.tanh(vs_u(t, a, b))),
        sample=vs_sample,
        notes=lambda t, a, b, B, **_: (
            np.diag(np.cos(B @ np.tanh(vs_u(t, a, b))))
            @ B
            @ np.diag(dtanh(vs_u(t, a, b)))
            @ vs_du(t, a, b)
        ),
    ),
]

# ============================================================================================
# (MS1)-(MS4) matrix by scalar: U = t A + t^2 B, dU/dt = A + 2 t B
# ============================================================================================

MS = (
    "t: scalar; c: scalar; A: matrix(m, n); B: matrix(m, n); C: matrix(n, q); D: matrix(n, q); "
    "P: matrix(p, m); Q: matrix(n, q)"
)


def ms_sample(r):
    return {
        "t": scalar(r), "c": scalar(r), "A": gen(r, m, n), "B": gen(r, m, n), "C": gen(r, n, q),
        "D": gen(r, n, q), "P": gen(r, p, m), "Q": gen(r, n, q),
    }  # fmt: skip


MS_CASES = [
    # (MS1) d(c U)/dt = c dU/dt
    Case(
        "MS1",
        "c (t A + t^2 B)",
        "t",
        MS,
        fn=lambda t, c, A, B, **_: c * (t * A + t**2 * B),
        sample=ms_sample,
        notes=lambda t, c, A, B, **_: c * (A + 2 * t * B),
    ),
    # (MS2) d(P U Q)/dt = P dU/dt Q
    Case(
        "MS2",
        "P (t A + t^2 B) Q",
        "t",
        MS,
        fn=lambda t, A, B, P, Q, **_: P @ (t * A + t**2 * B) @ Q,
        sample=ms_sample,
        notes=lambda t, A, B, P, Q, **_: P @ (A + 2 * t * B) @ Q,
    ),
    # (MS3) d(U + V)/dt = dU/dt + dV/dt,  U = sin(t) A, V = exp(t) B
    Case(
        "MS3",
        "sin(t) A + exp(t) B",
        "t",
        MS,
        fn=lambda t, A, B, **_: np.sin(t) * A + np.exp(t) * B,
        sample=ms_sample,
        notes=lambda t, A, B, **_: np.cos(t) * A + np.exp(t) * B,
    ),
    # (MS4) d(U V)/dt = U dV/dt + dU/dt V,  U = t A + B, V = C + t^2 D
    Case(
        "MS4",
        "(t A + B) (C + t^2 D)",
        "t",
        MS,
        fn=lambda t, A, B, C, D, **_: (t * A + B) @ (C + t**2 * D),
        sample=ms_sample,
        notes=lambda t, A, B, C, D, **_: (t * A + B) @ (2 * t * D) + A @ (C + t**2 * D),
    ),
]

# ============================================================================================
# (SV1)-(SV7) scalar by vector, x: vector(n)
# ============================================================================================

SV = "x: vector(n); a: vector(n); c: scalar; A: matrix(m, n); B: matrix(m, n); M: matrix(m, m)"


def sv_sample(r):
    return {
        "x": gen(r, m + 1, scale=0.5), "a": gen(r, m + 1), "c": scalar(r), "A": gen(r, m, m + 1),
        "B": gen(r, m, m + 1), "M": gen(r, m, m),
    }  # fmt: skip


SV_CASES = [
    # (SV1) d(c u)/dx = c du/dx,  u = sin(a'x)
    Case(
        "SV1",
        "c sin(a' x)",
        "x",
        SV,
        fn=lambda x, a, c, **_: c * np.sin(a @ x),
        sample=sv_sample,
        notes=lambda x, a, c, **_: c * np.cos(a @ x) * a,
    ),
    # (SV2) d(u + v)/dx = du/dx + dv/dx,  u = x'x, v = sin(a'x)
    Case(
        "SV2",
        "x' x + sin(a' x)",
        "x",
        SV,
        fn=lambda x, a, **_: x @ x + np.sin(a @ x),
        sample=sv_sample,
        notes=lambda x, a, **_: 2 * x + np.cos(a @ x) * a,
    ),
    # (SV3) d(u v)/dx = u dv/dx + v du/dx
    Case(
        "SV3",
        "(x' x) sin(a' x)",
        "x",
        SV,
        fn=lambda x, a, **_: (x @ x) * np.sin(a @ x),
        sample=sv_sample,
        notes=lambda x, a, **_: (x @ x) * np.cos(a @ x) * a + np.sin(a @ x) * 2 * x,
    ),
    # (SV4) dg(u)/dx = dg/du du/dx,  g = exp, u = x'x
    Case(
        "SV4",
        "exp(x' x)",
        "x",
        SV,
        fn=lambda x, **_: np.exp(x @ x),
        sample=sv_sample,
        notes=lambda x, **_: np.exp(x @ x) * 2 * x,
    ),
    # (SV5) df(g(u))/dx = df/dg dg/du du/dx,  f = exp, g = sin, u = x'x
    Case(
        "SV5",
        "exp(sin(x' x))",
        "x",
        SV,
        fn=lambda x, **_: np.exp(np.sin(x @ x)),
        sample=sv_sample,
        notes=lambda x, **_: np.exp(np.sin(x @ x)) * np.cos(x @ x) * 2 * x,
    ),
    # (SV6) d(u'v)/dx = u' dv/dx + v' du/dx,  u = A x, v = tanh(B x)
    Case(
        "SV6",
        "(A x)' tanh(B x)",
        "x",
        SV,
        fn=lambda x, A, B, **_: (A @ x) @ np.tanh(B @ x),
        sample=sv_sample,
        notes=lambda x, A, B, **_: (A @ x) @ np.diag(dtanh(B @ x)) @ B + np.tanh(B @ x) @ A,
    ),
    # (SV7) d(u'Mv)/dx = u'M dv/dx + v'M' du/dx,  u = A x, v = sin(B x)
    Case(
        "SV7",
        "(A x)' M sin(B x)",
        "x",
        SV,
        fn=lambda x, A, B, M, **_: (A @ x) @ M @ np.sin(B @ x),
        sample=sv_sample,
        notes=lambda x, A, B, M, **_: (
            (A @ x) @ M @ np.diag(np.cos(B @ x)) @ B + np.sin(B @ x) @ M.T @ A
        ),
    ),
]

# ============================================================================================
# (SM1)-(SM5) scalar by matrix, X: matrix(m, n); numerator results are n-by-m
# ============================================================================================

SM = "X: matrix(m, n); A: matrix(m, m); B: matrix(n, m); c: scalar"


def sm_sample(r):
    return {
        "X": gen(r, m, n, scale=0.5),
        "A": gen(r, m, m),
        "B": gen(r, n, m, scale=0.5),
        "c": scalar(r),
    }


def dt5(X, A):  # the numerator derivative of tr(X'AX), from (DT5)
    return X.T @ (A + A.T)


SM_CASES = [
    # (SM1) d(c u)/dX = c du/dX,  u = tr(X'AX)
    Case(
        "SM1",
        "c tr(X' A X)",
        "X",
        SM,
        fn=lambda X, A, c, **_: c * np.trace(X.T @ A @ X),
        sample=sm_sample,
        notes=lambda X, A, c, **_: c * dt5(X, A),
    ),
    # (SM2) d(u + v)/dX = du/dX + dv/dX,  v = sum(sin(X)), dv/dX = cos(X)'
    Case(
        "SM2",
        "tr(X' A X) + sum(sin(X))",
        "X",
        SM,
        fn=lambda X, A, **_: np.trace(X.T @ A @ X) + np.sum(np.sin(X)),
        sample=sm_sample,
        notes=lambda X, A, **_: dt5(X, A) + np.cos(X).T,
    ),
    # (SM3) d(u v)/dX = u dv/dX + v du/dX
    Case(
        "SM3",
        "tr(X' A X) sum(sin(X))",
        "X",
        SM,
        fn=lambda X, A, **_: np.trace(X.T @ A @ X) * np.sum(np.sin(X)),
        sample=sm_sample,
        notes=lambda X, A, **_: np.trace(X.T @ A @ X) * np.cos(X).T + np.sum(np.sin(X)) * dt5(X, A),
    ),
    # (SM4) dg(u)/dX = dg/du du/dX,  g = exp, u = tr(BX), du/dX = B  (DT3)
    Case(
        "SM4",
        "exp(tr(B X))",
        "X",
        SM,
        fn=lambda X, B, **_: np.exp(np.trace(B @ X)),
        sample=sm_sample,
        notes=lambda X, B, **_: np.exp(np.trace(B @ X)) * B,
    ),
    # (SM5) df(g(u))/dX = df/dg dg/du du/dX,  f = exp, g = sin, u = tr(BX)
    Case(
        "SM5",
        "exp(sin(tr(B X)))",
        "X",
        SM,
        fn=lambda X, B, **_: np.exp(np.sin(np.trace(B @ X))),
        sample=sm_sample,
        notes=lambda X, B, **_: np.exp(np.sin(np.trace(B @ X))) * np.cos(np.trace(B @ X)) * B,
    ),
]

# ============================================================================================
# (VV1)-(VV5) vector by vector, x: vector(n)
# ============================================================================================

VV = (
    "x: vector(n); c: vector(n); A: matrix(m, n); B: matrix(m, n); F: matrix(m, p); G: matrix(p, n)"
)


def vv_sample(r):
    k = m + 1  # length of x
    return {
        "x": gen(r, k, scale=0.5), "c": gen(r, k), "A": gen(r, m, k), "B": gen(r, m, k),
        "F": gen(r, m, p), "G": gen(r, p, k),
    }  # fmt: skip


def vv5_notes(x, F, G, **_):
    g = np.tanh(G @ x)
    return np.diag(np.cos(F @ g)) @ F @ np.diag(1 - g**2) @ G


VV_CASES = [
    # (VV1) d(a u)/dx = a du/dx + u da/dx,  scalar a = sin(c'x), u = A x
    Case(
        "VV1",
        "sin(c' x) * (A x)",
        "x",
        VV,
        fn=lambda x, c, A, **_: np.sin(c @ x) * (A @ x),
        sample=vv_sample,
        notes=lambda x, c, A, **_: np.sin(c @ x) * A + np.outer(A @ x, np.cos(c @ x) * c),
    ),
    # (VV2) d(F u)/dx = F du/dx,  u = tanh(G x)
    Case(
        "VV2",
        "F tanh(G x)",
        "x",
        VV,
        fn=lambda x, F, G, **_: F @ np.tanh(G @ x),
        sample=vv_sample,
        notes=lambda x, F, G, **_: F @ np.diag(dtanh(G @ x)) @ G,
    ),
    # (VV3) d(u + v)/dx = du/dx + dv/dx,  u = A x, v = tanh(B x)
    Case(
        "VV3",
        "A x + tanh(B x)",
        "x",
        VV,
        fn=lambda x, A, B, **_: A @ x + np.tanh(B @ x),
        sample=vv_sample,
        notes=lambda x, A, B, **_: A + np.diag(dtanh(B @ x)) @ B,
    ),
    # (VV4) dg(u)/dx = dg/du du/dx,  g = tanh elementwise, u = A x
    Case(
        "VV4",
        "tanh(A x)",
        "x",
        VV,
        fn=lambda x, A, **_: np.tanh(A @ x),
        sample=vv_sample,
        notes=lambda x, A, **_: np.diag(dtanh(A @ x)) @ A,
    ),
    # (VV5) df(g(u))/dx = df/dg dg/du du/dx,  f(g) = sin(F g), g = tanh(u), u = G x
    Case(
        "VV5",
        "sin(F tanh(G x))",
        "x",
        VV,
        fn=lambda x, F, G, **_: np.sin(F @ np.tanh(G @ x)),
        sample=vv_sample,
        notes=vv5_notes,
    ),
]

# ============================================================================================
# (DT1)-(DT8) derivatives of the trace
# ============================================================================================

SQ = "X: matrix(n, n); A: matrix(n, n)"
N = 3  # size of square matrices


def square_sample(r):
    return {"X": gen(r, N, N, scale=0.5), "A": gen(r, N, N)}


def inv_sample(r):
    return {"X": invertible(r, N), "A": gen(r, N, N)}


DT_CASES = [
    # (DT1) d tr(X)/dX = I
    Case(
        "DT1",
        "tr(X)",
        "X",
        SQ,
        fn=lambda X, **_: np.trace(X),
        sample=square_sample,
        notes=lambda X, **_: np.eye(N),
    ),
]
for _k in (1, 2, 3, 5):
    # (DT2) d tr(X^k)/dX = k X^(k-1), literal k
    DT_CASES.append(
        Case(
            f"DT2-k={_k}",
            f"tr(X^{_k})",
            "X",
            SQ,
            fn=lambda X, _k=_k, **_: np.trace(mpow(X, _k)),
            sample=square_sample,
            notes=lambda X, _k=_k, **_: _k * mpow(X, _k - 1),
        )
    )
for _k in (4, 2):
    # (DT2) d tr(X^k)/dX = k X^(k-1), symbolic k: integer, evaluated at k = 4 (and 2)
    DT_CASES.append(
        Case(
            f"DT2-symbolic-k={_k}",
            "tr(X^k)",
            "X",
            "X: matrix(n, n); k: integer",
            fn=lambda X, k, **_: np.trace(mpow(X, k)),
            sample=lambda r, _k=_k: {"X": gen(r, N, N, scale=0.5), "k": _k},
            notes=lambda X, k, **_: k * mpow(X, k - 1),
        )
    )

for _k in (-1, -2, 0):
    # (DT2) also holds for k <= 0 with invertible X: d tr(X^k)/dX = k X^(k-1)
    DT_CASES.append(
        Case(
            f"DT2-symbolic-k={_k}",
            "tr(X^k)",
            "X",
            "X: matrix(n, n); k: integer",
            fn=lambda X, k, **_: np.trace(mpow(X, k)),
            sample=lambda r, _k=_k: {"X": invertible(r, N), "k": _k},
            notes=lambda X, k, **_: k * mpow(X, k - 1),
        )
    )

NS = "X: matrix(m, n); A: matrix(p, m); B: matrix(n, p)"


def ns_sample(r):
    return {"X": gen(r, m, n), "A": gen(r, p, m), "B": gen(r, n, p)}


DT_CASES += [
    # (DT3) d tr(AX)/dX = A   (A n-by-m, X m-by-n)
    Case(
        "DT3-tr(AX)",
        "tr(A X)",
        "X",
        "X: matrix(m, n); A: matrix(n, m)",
        fn=lambda X, A, **_: np.trace(A @ X),
        sample=lambda r: {"X": gen(r, m, n), "A": gen(r, n, m)},
        notes=lambda X, A, **_: A,
    ),
    # (DT3) d tr(XA)/dX = A
    Case(
        "DT3-tr(XA)",
        "tr(X A)",
        "X",
        "X: matrix(m, n); A: matrix(n, m)",
        fn=lambda X, A, **_: np.trace(X @ A),
        sample=lambda r: {"X": gen(r, m, n), "A": gen(r, n, m)},
        notes=lambda X, A, **_: A,
    ),
    # (DT4) d tr(AX')/dX = A'   (A, X m-by-n)
    Case(
        "DT4-tr(AX')",
        "tr(A X')",
        "X",
        "X: matrix(m, n); A: matrix(m, n)",
        fn=lambda X, A, **_: np.trace(A @ X.T),
        sample=lambda r: {"X": gen(r, m, n), "A": gen(r, m, n)},
        notes=lambda X, A, **_: A.T,
    ),
    # (DT4) d tr(X'A)/dX = A'
    Case(
        "DT4-tr(X'A)",
        "tr(X' A)",
        "X",
        "X: matrix(m, n); A: matrix(m, n)",
        fn=lambda X, A, **_: np.trace(X.T @ A),
        sample=lambda r: {"X": gen(r, m, n), "A": gen(r, m, n)},
        notes=lambda X, A, **_: A.T,
    ),
    # (DT5) d tr(X'AX)/dX = X'(A + A')   (X m-by-n, A m-by-m)
    Case(
        "DT5",
        "tr(X' A X)",
        "X",
        "X: matrix(m, n); A: matrix(m, m)",
        fn=lambda X, A, **_: np.trace(X.T @ A @ X),
        sample=lambda r: {"X": gen(r, m, n), "A": gen(r, m, m)},
        notes=lambda X, A, **_: X.T @ (A + A.T),
    ),
    # (DT6) d tr(X^-1 A)/dX = -X^-T A X^-T
    # NOTES ERROR: in numerator layout the derivative is -X^-1 A X^-1 (the gradient, i.e. the
    # denominator layout, is -X^-T A' X^-T). The printed form is right in neither layout
    # unless A and X are symmetric.
    Case(
        "DT6-X^-1",
        "tr(X^-1 A)",
        "X",
        SQ,
        fn=lambda X, A, **_: np.trace(inv(X) @ A),
        sample=inv_sample,
        notes=lambda X, A, **_: -inv(X).T @ A @ inv(X).T,
        true=lambda X, A, **_: -inv(X) @ A @ inv(X),
        notes_error="DT6: -X^-T A X^-T is wrong; numerator layout is -X^-1 A X^-1",
    ),
    Case(
        "DT6-inv",
        "tr(inv(X) A)",
        "X",
        SQ,
        fn=lambda X, A, **_: np.trace(inv(X) @ A),
        sample=inv_sample,
        notes=lambda X, A, **_: -inv(X).T @ A @ inv(X).T,
        true=lambda X, A, **_: -inv(X) @ A @ inv(X),
        notes_error="DT6: -X^-T A X^-T is wrong; numerator layout is -X^-1 A X^-1",
    ),
    # (DT7) d tr(AXB)/dX = BA   (A p-by-m, X m-by-n, B n-by-p)
    Case(
        "DT7-tr(AXB)",
        "tr(A X B)",
        "X",
        NS,
        fn=lambda X, A, B, **_: np.trace(A @ X @ B),
        sample=ns_sample,
        notes=lambda X, A, B, **_: B @ A,
    ),
    # (DT7) d tr(BAX)/dX = BA
    Case(
        "DT7-tr(BAX)",
        "tr(B A X)",
        "X",
        NS,
        fn=lambda X, A, B, **_: np.trace(B @ A @ X),
        sample=ns_sample,
        notes=lambda X, A, B, **_: B @ A,
    ),
    # (DT8) d tr(A X B X' C)/dX = B X' C A + B' X' A' C'  (A p-by-m, X m-by-n, B n-by-n, C m-by-p)
    Case(
        "DT8",
        "tr(A X B X' C)",
        "X",
        "X: matrix(m, n); A: matrix(p, m); B: matrix(n, n); C: matrix(m, p)",
        fn=lambda X, A, B, C, **_: np.trace(A @ X @ B @ X.T @ C),
        sample=lambda r: {
            "X": gen(r, m, n),
            "A": gen(r, p, m),
            "B": gen(r, n, n),
            "C": gen(r, m, p),
        },
        notes=lambda X, A, B, C, **_: B @ X.T @ C @ A + B.T @ X.T @ A.T @ C.T,
    ),
]

# ============================================================================================
# (DD1)-(DD5) derivatives of the determinant. X invertible.
# ============================================================================================

SQX = "X: matrix(n, n)"
DD_CASES = [
    # (DD1) d|X|/dX = |X| X^-1   (numerator layout; the gradient is |X| X^-T)
    Case(
        "DD1-|X|",
        "|X|",
        "X",
        SQX,
        fn=lambda X: det(X),
        sample=lambda r: {"X": invertible(r, N)},
        notes=lambda X: det(X) * inv(X),
    ),
    Case(
        "DD1-det",
        "det(X)",
        "X",
        SQX,
        fn=lambda X: det(X),
        sample=lambda r: {"X": invertible(r, N)},
        notes=lambda X: det(X) * inv(X),
    ),
]
for _k in (1, 2, 3, 5):
    # (DD2) d|X^k|/dX = k |X^k| X^-1, literal k
    DD_CASES.append(
        Case(
            f"DD2-k={_k}",
            f"|X^{_k}|",
            "X",
            SQX,
            fn=lambda X, _k=_k: det(mpow(X, _k)),
            sample=lambda r: {"X": invertible(r, N)},
            notes=lambda X, _k=_k: _k * det(mpow(X, _k)) * inv(X),
        )
    )
for _k in (4, 3):
    # (DD2) d|X^k|/dX = k |X^k| X^-1, symbolic k
    DD_CASES.append(
        Case(
            f"DD2-symbolic-k={_k}",
            "det(X^k)",
            "X",
            "X: matrix(n, n); k: integer",
            fn=lambda X, k: det(mpow(X, k)),
            sample=lambda r, _k=_k: {"X": invertible(r, N), "k": _k},
            notes=lambda X, k: k * det(mpow(X, k)) * inv(X),
        )
    )
DD_CASES += [
    # (DD3) d log|X|/dX = X^-1   (numerator layout; the gradient is X^-T)
    Case(
        "DD3-log|X|",
        "log|X|",
        "X",
        SQX,
        fn=lambda X: np.log(det(X)),
        sample=lambda r: {"X": invertible(r, N)},
        notes=lambda X: inv(X),
    ),
    Case(
        "DD3-logdet",
        "logdet(X)",
        "X",
        SQX,
        fn=lambda X: np.log(det(X)),
        sample=lambda r: {"X": invertible(r, N)},
        notes=lambda X: inv(X),
    ),
    Case(
        "DD3-log(det)",
        "log(det(X))",
        "X",
        SQX,
        fn=lambda X: np.log(det(X)),
        sample=lambda r: {"X": invertible(r, N)},
        notes=lambda X: inv(X),
    ),
    # (DD4) d|AXB|/dX = |AXB| X^-1   (A, X, B square and invertible)
    Case(
        "DD4",
        "|A X B|",
        "X",
        "X: matrix(n, n); A: matrix(n, n); B: matrix(n, n)",
        fn=lambda X, A, B: det(A @ X @ B),
        sample=lambda r: {"X": invertible(r, N), "A": invertible(r, N), "B": invertible(r, N)},
        notes=lambda X, A, B: det(A @ X @ B) * inv(X),
    ),
    # (DD4) with non-square A (p-by-m), X (m-by-n), B (n-by-p): X^-1 does not exist.
    # NOTES ERROR (scope): the notes state DD4 for any constant A, B; it needs A, X, B square.
    # The general form is |AXB| B (AXB)^-1 A.
    Case(
        "DD4-nonsquare",
        "|A X B|",
        "X",
        "X: matrix(m, n); A: matrix(p, m); B: matrix(n, p)",
        fn=lambda X, A, B: det(A @ X @ B),
        sample=lambda r: {"X": gen(r, m, n), "A": gen(r, 2, m), "B": gen(r, n, 2) + 2 * np.eye(n)},
        true=lambda X, A, B: det(A @ X @ B) * B @ inv(A @ X @ B) @ A,
        notes_error="DD4 holds only for square A, X, B; in general |AXB| B (AXB)^-1 A",
    ),
    # (DD5) d|X'AX|/dX = 2 |X'AX| X^-1   (X square invertible, A SPD)
    Case(
        "DD5",
        "|X' A X|",
        "X",
        "X: matrix(n, n); A: matrix(n, n)",
        fn=lambda X, A: det(X.T @ A @ X),
        sample=lambda r: {"X": invertible(r, N), "A": spd(r, N)},
        notes=lambda X, A: 2 * det(X.T @ A @ X) * inv(X),
    ),
    # (DD5) also holds for square X and a non-symmetric invertible A (|X'AX| = |X|^2 |A|)
    Case(
        "DD5-nonsymmetric-A",
        "|X' A X|",
        "X",
        "X: matrix(n, n); A: matrix(n, n)",
        fn=lambda X, A: det(X.T @ A @ X),
        sample=lambda r: {"X": invertible(r, N), "A": invertible(r, N)},
        notes=lambda X, A: 2 * det(X.T @ A @ X) * inv(X),
    ),
    # (DD5) with X m-by-n (m > n), A SPD m-by-m: X^-1 does not exist.
    # NOTES ERROR (scope): only for square X. In general, with M = X'AX,
    # d|M|/dX = |M| (M^-1 X'A + M^-T X'A'), = 2 |M| M^-1 X'A for symmetric A.
    Case(
        "DD5-nonsquare",
        "|X' A X|",
        "X",
        "X: matrix(m, n); A: matrix(m, m)",
        fn=lambda X, A: det(X.T @ A @ X),
        sample=lambda r: {"X": gen(r, m, n), "A": spd(r, m)},
        true=lambda X, A: 2 * det(X.T @ A @ X) * inv(X.T @ A @ X) @ X.T @ A,
        notes_error="DD5 holds only for square X; in general 2|X'AX| (X'AX)^-1 X'A (A symmetric)",
    ),
]

ALL_CASES = C_CASES + SS_CASES + VS_CASES + MS_CASES + SV_CASES + SM_CASES + VV_CASES
ALL_CASES += DT_CASES + DD_CASES


# ============================================================================================
# tests
# ============================================================================================


def engine(case: Case, layout: str):
    return ed.diff(case.expr, case.wrt, where=case.where, layout=layout)


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("case", param(ALL_CASES))
def test_engine_matches_fd(case: Case, layout: str):
    g = engine(case, layout)
    for salt in (0, 2):  # two points: the same Expr evaluated twice
        args = case.point(salt)
        jac, ny, nx = case.reference(args)
        expected = to_layout(jac, ny, nx, layout)
        got = g(**args)
        assert_close(got, expected, rtol=case.rtol, what=f"{case.id} {case.expr} ({layout})")


@pytest.mark.parametrize("case", param(ALL_CASES))
def test_compiled_matches_fd(case: Case):
    # g.compile() is a second evaluation path (contraction paths planned once)
    args = case.point(salt=3)
    jac, ny, nx = case.reference(args)
    fn = engine(case, "numerator").compile()
    assert_close(fn(**args), to_layout(jac, ny, nx, "numerator"), rtol=case.rtol, what=case.id)


@pytest.mark.parametrize(
    ("form", "layout"),
    [("python", "numerator"), ("einsum", "numerator"), ("einsum", "denominator")],
)
@pytest.mark.parametrize("case", param(ALL_CASES))
def test_codegen_matches_fd(case: Case, form: str, layout: str):
    # ed.codegen(g) is the compiled plan as standalone numpy source, for any sizes; g.einsum()
    # is the same program with each product one np.einsum, in g's layout
    args = case.point(salt=4)
    jac, ny, nx = case.reference(args)
    g = engine(case, layout)
    source = ed.codegen(g, name="grad") if form == "python" else g.einsum("grad")
    namespace: dict = {}
    exec(compile(source, "<codegen>", "exec"), namespace)  # noqa: S102
    sizes = {
        dim: np.shape(args[name])[axis]
        for name, info in g.variables.items()
        for axis, dim in enumerate(info.dims)
        if name in args
    }
    wanted = inspect.signature(namespace["grad"]).parameters
    got = namespace["grad"](**{k: args[k] if k in args else sizes[k] for k in wanted})
    assert_close(got, to_layout(jac, ny, nx, layout), rtol=case.rtol, what=case.id)


@pytest.mark.parametrize("case", param(ALL_CASES))
def test_engine_from_parsed_expr(case: Case):
    # diff accepts an Expr as well as a string; same answer as FD
    args = case.point(salt=1)
    jac, ny, nx = case.reference(args)
    f = ed.parse(case.expr, where=case.where)
    assert_close(f(**args), case.fn(**args), what=f"{case.id}: value of {case.expr}")
    got = ed.diff(f, case.wrt)(**args)
    assert_close(got, to_layout(jac, ny, nx, "numerator"), rtol=case.rtol, what=case.id)


@pytest.mark.parametrize("case", param([c for c in ALL_CASES if c.notes or c.true]))
def test_notes_claim(case: Case):
    """The notes' printed right-hand side (numerator layout) against FD of the original."""
    args = case.point()
    jac, ny, nx = case.reference(args)
    expected = to_layout(jac, ny, nx, "numerator")
    if case.notes_error is None:
        assert_close(case.notes(**args), expected, rtol=case.rtol, what=f"notes {case.id}")
        return
    # NOTES ERROR: the printed form must really be false here, and the corrected one true
    if case.notes is not None:
        assert not close(case.notes(**args), expected), f"{case.id}: the notes were right"
    assert_close(case.true(**args), expected, rtol=case.rtol, what=f"corrected {case.id}")


# --------------------------------------------------------------------------------------------
# "Notes on Denominator Layout"
# --------------------------------------------------------------------------------------------

DEN_CASES = [
    # (C6; the table labels it "C7") d a'x/dx = a in denominator layout
    Case(
        "den-C6",
        "a' x",
        "x",
        "a: vector(m); x: vector(m)",
        fn=lambda a, x: a @ x,
        sample=lambda r: {"a": gen(r, m), "x": gen(r, m)},
        den=lambda a, x: a,
    ),
    # (C11) d x'Ax/dx = (A + A') x in denominator layout
    Case(
        "den-C11",
        "x' A x",
        "x",
        "A: matrix(m, m); x: vector(m)",
        fn=lambda A, x: x @ A @ x,
        sample=lambda r: {"A": gen(r, m, m), "x": gen(r, m)},
        den=lambda A, x: (A + A.T) @ x,
    ),
    # (VV5) denominator chain rule goes right to left: du/dx dg/du df/dg
    Case(
        "den-VV5",
        "sin(F tanh(G x))",
        "x",
        VV,
        fn=lambda x, F, G, **_: np.sin(F @ np.tanh(G @ x)),
        sample=vv_sample,
        den=lambda x, F, G, **_: (
            G.T @ np.diag(1 - np.tanh(G @ x) ** 2) @ F.T @ np.diag(np.cos(F @ np.tanh(G @ x)))
        ),
    ),
    # (DT3) in denominator layout: d tr(AX)/dX = A'  (SPEC section 2 example)
    Case(
        "den-DT3",
        "tr(A X)",
        "X",
        "X: matrix(m, n); A: matrix(n, m)",
        fn=lambda X, A: np.trace(A @ X),
        sample=lambda r: {"X": gen(r, m, n), "A": gen(r, n, m)},
        den=lambda X, A: A.T,
    ),
    # (DT6) in denominator layout: -X^-T A' X^-T
    Case(
        "den-DT6",
        "tr(inv(X) A)",
        "X",
        SQ,
        fn=lambda X, A: np.trace(inv(X) @ A),
        sample=inv_sample,
        den=lambda X, A: -inv(X).T @ A.T @ inv(X).T,
    ),
    # (DD3) in denominator layout: X^-T
    Case(
        "den-DD3",
        "log|X|",
        "X",
        SQX,
        fn=lambda X: np.log(det(X)),
        sample=lambda r: {"X": invertible(r, N)},
        den=lambda X: inv(X).T,
    ),
]


@pytest.mark.parametrize("case", param(DEN_CASES))
def test_denominator_table(case: Case):
    args = case.point()
    jac, ny, nx = case.reference(args)
    expected = to_layout(jac, ny, nx, "denominator")
    assert_close(case.den(**args), expected, what=f"notes (denominator) {case.id}")
    got = engine(case, "denominator")(**args)
    assert_close(got, expected, what=f"engine (denominator) {case.id}")


# --------------------------------------------------------------------------------------------
# The elementwise lines of the derivations: d(.)/dx_ij, compared in jacobian layout, and the
# engine's elementwise derivative diff(Y, "X[i,j]") (shape S_Y + S_X).
# --------------------------------------------------------------------------------------------

DERIVATION_CASES = [
    # (DT1) d tr(X)/dx_ij = delta_ij
    Case(
        "deriv-DT1",
        "tr(X)",
        "X[i,j]",
        SQX,
        fn=lambda X: np.trace(X),
        sample=lambda r: {"X": gen(r, N, N)},
        notes=lambda X: np.eye(N),
    ),
    # (DT2) d tr(X^k)/dx_ij = k (X^(k-1))_ji, k = 3
    Case(
        "deriv-DT2",
        "tr(X^3)",
        "X[i,j]",
        SQX,
        fn=lambda X: np.trace(mpow(X, 3)),
        sample=lambda r: {"X": gen(r, N, N)},
        notes=lambda X: 3 * mpow(X, 2).T,
    ),
    # (DT3) d tr(AX)/dx_ij = a_ji
    Case(
        "deriv-DT3",
        "tr(A X)",
        "X[i,j]",
        "X: matrix(m, n); A: matrix(n, m)",
        fn=lambda X, A: np.trace(A @ X),
        sample=lambda r: {"X": gen(r, m, n), "A": gen(r, n, m)},
        notes=lambda X, A: A.T,
    ),
    # (DT4) d tr(AX')/dx_ij = a_ij
    Case(
        "deriv-DT4",
        "tr(A X')",
        "X[i,j]",
        "X: matrix(m, n); A: matrix(m, n)",
        fn=lambda X, A: np.trace(A @ X.T),
        sample=lambda r: {"X": gen(r, m, n), "A": gen(r, m, n)},
        notes=lambda X, A: A,
    ),
    # (DT5) d tr(X'AX)/dx_ij = sum_l a_il x_lj + sum_k x_kj a_ki
    Case(
        "deriv-DT5",
        "tr(X' A X)",
        "X[i,j]",
        "X: matrix(m, n); A: matrix(m, m)",
        fn=lambda X, A: np.trace(X.T @ A @ X),
        sample=lambda r: {"X": gen(r, m, n), "A": gen(r, m, m)},
        notes=lambda X, A: np.einsum("il,lj->ij", A, X) + np.einsum("kj,ki->ij", X, A),
    ),
    # (DT8) d tr(AXBX'C)/dx_ij = sum a_ki b_jr x_sr c_sk + sum a_kp x_pq b_qj c_ik
    Case(
        "deriv-DT8",
        "tr(A X B X' C)",
        "X[i,j]",
        "X: matrix(m, n); A: matrix(p, m); B: matrix(n, n); C: matrix(m, p)",
        fn=lambda X, A, B, C: np.trace(A @ X @ B @ X.T @ C),
        sample=lambda r: {
            "X": gen(r, m, n),
            "A": gen(r, p, m),
            "B": gen(r, n, n),
            "C": gen(r, m, p),
        },
        notes=lambda X, A, B, C: (
            np.einsum("ki,jr,sr,sk->ij", A, B, X, C) + np.einsum("kp,pq,qj,ik->ij", A, X, B, C)
        ),
    ),
    # (DD1) d|X|/dx_ij = adj(X)_ji, with adj(X) = |X| X^-1
    Case(
        "deriv-DD1",
        "|X|",
        "X[i,j]",
        SQX,
        fn=lambda X: det(X),
        sample=lambda r: {"X": invertible(r, N)},
        notes=lambda X: (det(X) * inv(X)).T,
    ),
    # (C9) s = Ax: ds_i/dx_j = a_ij
    Case(
        "deriv-C9",
        "A x",
        "x[j]",
        "A: matrix(m, n); x: vector(n)",
        fn=lambda A, x: A @ x,
        sample=lambda r: {"A": gen(r, m, n), "x": gen(r, n)},
        notes=lambda A, x: A,
    ),
    # (C7) d x'x/dx_i = 2 x_i
    Case(
        "deriv-C7",
        "x' x",
        "x[i]",
        "x: vector(n)",
        fn=lambda x: x @ x,
        sample=lambda r: {"x": gen(r, m)},
        notes=lambda x: 2 * x,
    ),
]


@pytest.mark.parametrize("case", param(DERIVATION_CASES))
def test_derivation_elementwise(case: Case):
    args = case.point()
    jac, _, _ = case.reference(args)
    assert_close(case.notes(**args), jac, what=f"notes derivation {case.id}")
    got = ed.diff(case.expr, case.wrt, where=case.where)(**args)
    assert_close(got, jac, what=f"engine elementwise {case.id}")


def test_notes_DT4_derivation_text():
    # NOTES ERROR (typo in the DT4 derivation): it writes "tr(AX) = sum_l sum_k a_lk x_lk";
    # that sum is tr(AX'), not tr(AX).
    r = np.random.default_rng(4)
    A, X = gen(r, N, N), gen(r, N, N)
    printed = np.einsum("lk,lk->", A, X)
    assert not np.isclose(printed, np.trace(A @ X))
    assert np.isclose(printed, np.trace(A @ X.T))


def test_notes_DD1_adjugate_relation():
    # (DD1) derivation: |X| I = adj(X) X, and d|X|/dx_ij = adj(X)_ji (checked against FD)
    r = np.random.default_rng(5)
    X = invertible(r, N)
    adj = det(X) * inv(X)
    assert_close(adj @ X, det(X) * np.eye(N))
    jac = jacobian_fd(lambda X: det(X), {"X": X}, "X")
    assert_close(jac, adj.T)


def test_notes_DD2_power_of_det():
    # (DD2) derivation: |X^k| = |X|^k
    r = np.random.default_rng(6)
    X = invertible(r, N)
    for k in (1, 2, 3, 5):
        assert np.isclose(det(mpow(X, k)), det(X) ** k)


NOTES_ERRORS = sorted({c.notes_error for c in ALL_CASES if c.notes_error})


def test_list_of_notes_errors():
    # The identities of the notes that are false as printed (numerator layout).
    assert NOTES_ERRORS == sorted(
        [
            "DT6: -X^-T A X^-T is wrong; numerator layout is -X^-1 A X^-1",
            "DD4 holds only for square A, X, B; in general |AXB| B (AXB)^-1 A",
            "DD5 holds only for square X; in general 2|X'AX| (X'AX)^-1 X'A (A symmetric)",
        ]
    )


# --------------------------------------------------------------------------------------------
# ed.check on the notes' printed claims: its verdict must agree with the FD verdict above
# (test_notes_claim), i.e. ok exactly when the case has no notes_error.
# --------------------------------------------------------------------------------------------

CLAIMS = {
    "C5": "I",
    "C6-a'x": "a'",
    "C7": "2 x'",
    "C8": "2 x' a a'",
    "C9": "A",
    "C10": "A'",
    "C11": "x' (A + A')",
    "DT1": "I",
    "DT2-k=3": "3 X^2",
    "DT3-tr(AX)": "A",
    "DT4-tr(AX')": "A'",
    "DT5": "X' (A + A')",
    "DT6-inv": "-X^-T A X^-T",  # NOTES ERROR: false
    "DT7-tr(AXB)": "B A",
    "DT8": "B X' C A + B' X' A' C'",
    "DD1-|X|": "|X| X^-1",
    "DD3-log|X|": "X^-1",
    "DD4": "|A X B| X^-1",
    "DD5": "2 * |X' A X| X^-1",  # the grammar needs '*' before |...| after an operand
}
BY_ID = {c.id: c for c in ALL_CASES}
# |X| X^-1, |AXB| X^-1 and 2 |X'AX| X^-1 hold where X is invertible, but the expression (a
# polynomial in X) is differentiable at singular X too, where the claims are undefined: check
# cannot call them right (its own derivative, Jacobi's det(M) M^-1, has the same gap)
UNDECIDED = {"DD1-|X|", "DD4", "DD5"}


@pytest.mark.parametrize("cid", list(CLAIMS))
def test_check_verdict_on_notes_claim(cid):
    case = BY_ID[cid]
    r = ed.check(case.expr, case.wrt, where=case.where, claim=CLAIMS[cid])
    if cid in UNDECIDED:
        assert r.verdict == "undecided" and r.ok is None and not r, str(r)
        assert "wherever X is invertible" in r.reason, r.reason  # proved equal there, and
        assert "undefined where X is singular" in r.reason, r.reason  # undefined there:
        X = case.point()["X"]
        X[0] = X[1]  # singular X: det(A X B) is still differentiable (its gradient is 0 here
        # for DD5, adj-based for DD4), while X^-1 does not exist
        assert abs(np.linalg.det(X)) < 1e-9
        return
    assert bool(r) == r.ok == (case.notes_error is None), str(r)
    if not r.ok:
        assert r.counterexample is not None
    # the engine's derivative, as returned by check, agrees with FD
    args = case.point()
    jac, ny, nx = case.reference(args)
    assert_close(r.expected(**args), to_layout(jac, ny, nx, "numerator"), what=cid)


def test_check_corrected_dt6():
    # NOTES ERROR: (DT6) the correct numerator-layout form is -X^-1 A X^-1
    case = BY_ID["DT6-inv"]
    assert ed.check(case.expr, case.wrt, where=case.where, claim="-X^-1 A X^-1").ok
    assert ed.check(
        case.expr, case.wrt, where=case.where, claim="-X^-T A' X^-T", layout="denominator"
    ).ok
