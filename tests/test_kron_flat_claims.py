"""Kronecker claims whose compound rows nest the sizes otherwise than vec(Y) does.

d vec(kron(A, x)) / d vec(x)' of an n-by-k A and an x of length m is ``kron(vec(A), I_m)``:
its rows pair m by n*k, vec(Y)'s (m*n) by k, one column-major position both ways. With sizes
by name the claim was "undecided" (einderiv's own Kronecker form of it, too); it is now
re-indexed through the flat position (``check/kron_flat.py``) and proved. Truth: central
differences of np.kron (vec column-major) and each claim's matrix built in numpy; a claim
numpy finds equal must be "right", one it finds unequal "wrong" with a counterexample where
numpy finds the two differ, or "undecided" -- never "right".
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd

RNG = np.random.default_rng(3740)


def vec(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).reshape(-1, 1, order="F")


def softmax(p: np.ndarray) -> np.ndarray:
    e = np.exp(p - p.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def commutation(m: int, n: int) -> np.ndarray:
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1  # K vec(X) = vec(X') for X m-by-n
    return k


def as_matrix(jac: np.ndarray, ndim_x: int) -> np.ndarray:
    rows = int(np.prod(jac.shape[: jac.ndim - ndim_x]))
    return jac.reshape(rows, -1, order="F")


def truth(fn, values: dict, wrt: str) -> np.ndarray:
    ndim_x = np.asarray(values[wrt]).ndim
    return as_matrix(jacobian_fd(fn, values, wrt), ndim_x)


def kron_ax(A, x):
    return np.kron(A, x[:, None])


def kron_xta(A, x):
    return np.kron(x[None, :], A)


def attention(P, A, x, p):
    return np.kron(softmax(P), (x - p)[:, None]) @ (-A)


def eye_of(values, name):
    return np.eye(len(values[name]))


# (expression, where, numpy function, claim, the claim's matrix in numpy)
CASES = [
    (
        "kron(A, x)",
        "A: matrix(n, k); x: vector(m)",
        kron_ax,
        "kron(vec(A), I_{m})",
        lambda v: np.kron(vec(v["A"]), eye_of(v, "x")),
    ),
    (
        "kron(A, x)",
        "A: matrix(n, k); x: vector(m)",
        kron_ax,
        "kron(vec(A), I_{m}) commutation(m, 1)",
        lambda v: np.kron(vec(v["A"]), eye_of(v, "x")),
    ),
    (
        "kron(A, x)",
        "A: matrix(n, n); x: vector(n)",
        kron_ax,
        "kron(vec(A), I_{n})",
        lambda v: np.kron(vec(v["A"]), eye_of(v, "x")),
    ),
    (
        "kron(A, x)",
        "A: matrix(2, 3); x: vector(4)",
        kron_ax,
        "kron(vec(A), I_{4})",
        lambda v: np.kron(vec(v["A"]), eye_of(v, "x")),
    ),
    (
        "kron(x', A)",
        "A: matrix(n, k); x: vector(m)",
        kron_xta,
        "kron(I_{m}, vec(A))",
        lambda v: np.kron(eye_of(v, "x"), vec(v["A"])),
    ),
    (
        "kron(softmax(P), x - p) (-A)",
        "P: matrix(n, m); A: matrix(m, r); x: vector(k); p: vector(k)",
        attention,
        "-kron(vec(softmax(P) A), I_{k})",
        lambda v: -np.kron(vec(softmax(v["P"]) @ v["A"]), eye_of(v, "x")),
    ),
    (
        "kron(softmax(P), x - p) (-A)",
        "P: matrix(2, 3); A: matrix(3, 2); x: vector(3); p: vector(3)",
        attention,
        "-kron(vec(softmax(P) A), I_{3})",
        lambda v: -np.kron(vec(softmax(v["P"]) @ v["A"]), eye_of(v, "x")),
    ),
]

# wrong claims built to pass a flat re-indexing: a sign, a factor, a transpose, the factors of
# the Kronecker product swapped (a size swap), and a commutation matrix missing or added
MUTANTS = [
    ("-{c}", lambda m, v: -m(v)),
    ("2 {c}", lambda m, v: 2 * m(v)),
    ("{c} + {c} / 1000", lambda m, v: m(v) * 1.001),
]
SWAPPED = [
    (0, "kron(vec(A'), I_{m})", lambda v: np.kron(vec(v["A"].T), eye_of(v, "x"))),
    (0, "kron(I_{m}, vec(A))", lambda v: np.kron(eye_of(v, "x"), vec(v["A"]))),
    (2, "kron(vec(A'), I_{n})", lambda v: np.kron(vec(v["A"].T), eye_of(v, "x"))),
    (2, "kron(I_{n}, vec(A))", lambda v: np.kron(eye_of(v, "x"), vec(v["A"]))),
    (3, "kron(vec(A'), I_{4})", lambda v: np.kron(vec(v["A"].T), eye_of(v, "x"))),
    (
        3,
        "commutation(4, 6) kron(vec(A), I_{4})",
        lambda v: commutation(4, 6) @ np.kron(vec(v["A"]), eye_of(v, "x")),
    ),
    (4, "kron(vec(A), I_{m})", lambda v: np.kron(vec(v["A"]), eye_of(v, "x"))),
    (
        5,
        "-kron(vec((softmax(P) A)'), I_{k})",
        lambda v: -np.kron(vec((softmax(v["P"]) @ v["A"]).T), eye_of(v, "x")),
    ),
    (
        6,
        "-kron(I_{3}, vec(softmax(P) A))",
        lambda v: -np.kron(eye_of(v, "x"), vec(softmax(v["P"]) @ v["A"])),
    ),
]


def _values(f: ed.Expr, sizes: dict) -> dict:
    dims = {d: sizes.get(d, 2 + k) for k, d in enumerate("mnkrq")}
    out = {}
    for name, info in f.variables.items():
        shape = tuple(d if isinstance(d, int) else dims[d] for d in info.dims)
        out[name] = RNG.normal(size=shape)
    return out


def _claim(text: str) -> str:
    return f"d vec(Y) / d vec(x)' = {text}"


@pytest.mark.parametrize("case", range(len(CASES)))
def test_a_claim_nesting_the_sizes_otherwise_is_right(case):
    expr, where, fn, claim, matrix = CASES[case]
    f = ed.parse(expr, where=where)
    for sizes in ({}, {"m": 3, "n": 2, "k": 4, "r": 3}):
        values = _values(f, sizes)
        np.testing.assert_allclose(matrix(values), truth(fn, values, "x"), atol=1e-6)
    result = ed.check(expr, "x", claim=_claim(claim), where=where)
    assert result.verdict == "right", result


def _assert_not_right(expr, where, fn, text, matrix):
    result = ed.check(expr, "x", claim=_claim(text), where=where)
    assert result.verdict != "right", result
    f = ed.parse(expr, where=where)
    values = _values(f, {})
    assert not np.allclose(matrix(values), truth(fn, values, "x"), atol=1e-6)
    if result.verdict == "wrong" and result.counterexample is not None:
        at = {k: np.asarray(v, dtype=float) for k, v in result.counterexample.items()}
        at = {k: at[k] for k in f.variables}
        claimed, true = matrix(at), truth(fn, at, "x")
        assert claimed.shape != true.shape or not np.allclose(claimed, true, atol=1e-6)


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("mutant", range(len(MUTANTS)))
def test_a_scaled_or_negated_claim_is_never_right(case, mutant):
    expr, where, fn, claim, matrix = CASES[case]
    text, scaled = MUTANTS[mutant]
    _assert_not_right(expr, where, fn, text.format(c=claim), lambda v: scaled(matrix, v))


@pytest.mark.parametrize("k", range(len(SWAPPED)))
def test_a_claim_transposed_or_swapped_is_never_right(k):
    case, text, matrix = SWAPPED[k]
    expr, where, fn, *_ = CASES[case]
    _assert_not_right(expr, where, fn, text, matrix)


def test_a_bare_identity_stays_undecided():
    # kron(vec(A), I): the I's size is fixed only by the matrix's size, which einderiv does not
    # solve for a re-indexing (numpy: it is right with I_m)
    where = "A: matrix(n, k); x: vector(m)"
    result = ed.check("kron(A, x)", "x", claim=_claim("kron(vec(A), I)"), where=where)
    assert result.verdict == "undecided", result
