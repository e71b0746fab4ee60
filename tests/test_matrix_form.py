"""Matrix form: every identity of the notes prints as a person writes it, and the text is right.

Each row: the identity, then the printed numerator and denominator forms. The test asserts the
text, and that the text read back with ``ed.parse`` equals central finite differences of the
original function written here in plain numpy.
"""

import zlib

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

inv, det, tr = np.linalg.inv, np.linalg.det, np.trace
mpow = np.linalg.matrix_power
N = 3  # square sizes; rectangular cases use M x N


def _symmetric(rng, n=N):
    b = rng.normal(size=(n, n))
    return b + b.T


def _square(rng, n=N):
    return n * np.eye(n) + 0.5 * rng.normal(size=(n, n))


# id, expression, wrt, where, numerator text, denominator text, numpy function, inputs(rng)
ROWS = [
    # (C5) dx/dx = I
    ("C5", "x", "x", "", "I", "I", lambda x: x, lambda r: {"x": r.normal(size=N)}),
    # (C6) d(a'x)/dx = a'
    (
        "C6",
        "a' x",
        "x",
        "",
        "a'",
        "a",
        lambda a, x: a @ x,
        lambda r: {"a": r.normal(size=N), "x": r.normal(size=N)},
    ),
    # (C7) d(x'x)/dx = 2x'
    ("C7", "x' x", "x", "", "2 x'", "2 x", lambda x: x @ x, lambda r: {"x": r.normal(size=N)}),
    # (C8) d(x'a)^2/dx = 2 x'a a'
    (
        "C8",
        "(x' a)^2",
        "x",
        "",
        "2 a' x a'",
        "2 a' x a",
        lambda a, x: (x @ a) ** 2,
        lambda r: {"a": r.normal(size=N), "x": r.normal(size=N)},
    ),
    # (C9) d(Ax)/dx = A
    (
        "C9",
        "A x",
        "x",
        "",
        "A",
        "A'",
        lambda A, x: A @ x,
        lambda r: {"A": r.normal(size=(4, N)), "x": r.normal(size=N)},
    ),
    # (C10) d(x'A)/dx = A'
    (
        "C10",
        "x' A",
        "x",
        "",
        "A'",
        "A",
        lambda A, x: x @ A,
        lambda r: {"A": r.normal(size=(N, 4)), "x": r.normal(size=N)},
    ),
    # (C11) d(x'Ax)/dx = x'(A + A')
    (
        "C11",
        "x' A x",
        "x",
        "",
        "x' (A + A')",
        "(A + A') x",
        lambda A, x: x @ A @ x,
        lambda r: {"A": r.normal(size=(N, N)), "x": r.normal(size=N)},
    ),
    # (DT1) d tr(X)/dX = I
    ("DT1", "tr(X)", "X", "", "I", "I", lambda X: tr(X), lambda r: {"X": r.normal(size=(N, N))}),
    # (DT2) d tr(X^k)/dX = k X^(k-1), k symbolic
    (
        "DT2",
        "tr(X^k)",
        "X",
        "k: integer",
        "k X^(k - 1)",
        "k X'^(k - 1)",
        lambda X, k: tr(mpow(X, k)),
        lambda r: {"X": r.normal(size=(N, N)) / 2, "k": 4},
    ),
    # (DT2) with k = 3
    (
        "DT2-3",
        "tr(X^3)",
        "X",
        "",
        "3 X^2",
        "3 X'^2",
        lambda X: tr(mpow(X, 3)),
        lambda r: {"X": r.normal(size=(N, N))},
    ),
    # (DT3) d tr(AX)/dX = A
    (
        "DT3",
        "tr(A X)",
        "X",
        "",
        "A",
        "A'",
        lambda A, X: tr(A @ X),
        lambda r: {"A": r.normal(size=(4, N)), "X": r.normal(size=(N, 4))},
    ),
    # (DT4) d tr(AX')/dX = A'
    (
        "DT4",
        "tr(A X')",
        "X",
        "",
        "A'",
        "A",
        lambda A, X: tr(A @ X.T),
        lambda r: {"A": r.normal(size=(4, N)), "X": r.normal(size=(4, N))},
    ),
    # (DT5) d tr(X'AX)/dX = X'(A + A')
    (
        "DT5",
        "tr(X' A X)",
        "X",
        "",
        "X' (A + A')",
        "(A + A') X",
        lambda A, X: tr(X.T @ A @ X),
        lambda r: {"A": r.normal(size=(4, 4)), "X": r.normal(size=(4, N))},
    ),
    # (DT6) d tr(X^-1 A)/dX = -X^-1 A X^-1  (the notes print -X^-T A X^-T: wrong, see README)
    (
        "DT6",
        "tr(inv(X) A)",
        "X",
        "",
        "-X^-1 A X^-1",
        "-X^-T A' X^-T",
        lambda A, X: tr(inv(X) @ A),
        lambda r: {"A": r.normal(size=(N, N)), "X": _square(r)},
    ),
    # (DT7) d tr(AXB)/dX = BA
    (
        "DT7",
        "tr(A X B)",
        "X",
        "",
        "B A",
        "A' B'",
        lambda A, B, X: tr(A @ X @ B),
        lambda r: {
            "A": r.normal(size=(2, N)),
            "X": r.normal(size=(N, 4)),
            "B": r.normal(size=(4, 2)),
        },
    ),
    # (DT8) d tr(AXBX'C)/dX = BX'CA + B'X'A'C'
    (
        "DT8",
        "tr(A X B X' C)",
        "X",
        "",
        "B X' C A + B' X' A' C'",
        "C A X B + A' C' X B'",
        lambda A, B, C, X: tr(A @ X @ B @ X.T @ C),
        lambda r: {
            "A": r.normal(size=(2, N)),
            "X": r.normal(size=(N, 4)),
            "B": r.normal(size=(4, 4)),
            "C": r.normal(size=(N, 2)),
        },
    ),
    # (DD1) d|X|/dX = |X| X^-1
    (
        "DD1",
        "det(X)",
        "X",
        "",
        "det(X) X^-1",
        "det(X) X^-T",
        lambda X: det(X),
        lambda r: {"X": _square(r)},
    ),
    # (DD2) d|X^k|/dX = k |X^k| X^-1, k symbolic
    (
        "DD2",
        "det(X^k)",
        "X",
        "k: integer",
        "k det(X^k) X^-1",
        "k det(X^k) X^-T",
        lambda X, k: det(mpow(X, k)),
        lambda r: {"X": _square(r) / N, "k": 3},
    ),
    # (DD3) d log|X|/dX = X^-1
    (
        "DD3",
        "log(det(X))",
        "X",
        "",
        "X^-1",
        "X^-T",
        lambda X: np.log(det(X)),
        lambda r: {"X": _square(r)},
    ),
    # (DD4) d|AXB|/dX = |AXB| B (AXB)^-1 A  (= |AXB| X^-1 when A, X, B are square)
    (
        "DD4",
        "det(A X B)",
        "X",
        "",
        "det(A X B) B (A X B)^-1 A",
        "det(A X B) A' (A X B)^-T B'",
        lambda A, B, X: det(A @ X @ B),
        lambda r: {"A": _square(r), "X": _square(r), "B": _square(r)},
    ),
    # symmetric S: d tr(AS)/dS = (A + A')/2
    (
        "SYM",
        "tr(A S)",
        "S",
        "S: symmetric(n)",
        "0.5 (A + A')",
        "0.5 (A + A')",
        lambda A, S: tr(A @ S),
        lambda r: {"A": r.normal(size=(N, N)), "S": _symmetric(r)},
    ),
    # least squares: d |Ax - b|^2/dx = 2 (Ax - b)' A
    (
        "LS",
        "norm2(A x - b)^2",
        "x",
        "",
        "2 (A x - b)' A",
        "2 A' (A x - b)",
        lambda A, b, x: np.sum((A @ x - b) ** 2),
        lambda r: {"A": r.normal(size=(4, N)), "b": r.normal(size=4), "x": r.normal(size=N)},
    ),
    # logistic loss: d/dw sum(log(1 + exp(-y .* (X w)))) = -(y .* sigmoid(-y .* (X w)))' X
    (
        "LOG",
        "sum(log(1 + exp(-y .* (X w))))",
        "w",
        "X: matrix(m, n)",
        "-(sigmoid(-(y .* (X w))) .* y)' X",
        "-X' (sigmoid(-(y .* (X w))) .* y)",
        lambda X, w, y: np.sum(np.log1p(np.exp(-y * (X @ w)))),
        lambda r: {
            "X": r.normal(size=(5, N)),
            "w": r.normal(size=N),
            "y": r.choice([-1.0, 1.0], 5),
        },
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_printed_form_and_its_value(row, layout):
    cid, expr, wrt, where, numerator, denominator, fn, inputs = row
    g = ed.diff(expr, wrt, where=where or None, layout=layout)
    text = str(g)
    assert text == (numerator if layout == "numerator" else denominator)
    values = inputs(np.random.default_rng(zlib.crc32(cid.encode())))  # (hash() varies per run)
    arrays = {k: v for k, v in values.items() if k in g.variables}
    jac = jacobian_fd(
        lambda **kw: np.asarray(fn(**kw), dtype=float), values, wrt, sym=(cid == "SYM")
    )
    y_ndim = np.ndim(fn(**values))
    x_ndim = np.ndim(values[wrt])
    expected = to_layout(jac, y_ndim, x_ndim, layout)
    shape = tuple(None if i is None else i.dim for i in g.slots)  # sizes a bare `I`
    reread = ed.parse(text, where=_declarations(g), shape=shape)
    got = reread(**{k: v for k, v in arrays.items() if k in reread.variables})
    got = np.broadcast_to(got, expected.shape) if np.ndim(got) == 0 else got
    # central differences of det(A X B) (entries ~1e3) carry ~1e-5 relative error
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


def _declarations(g) -> str:
    parts = []
    for name, info in g.variables.items():
        dims = info.dims[:1] if info.kind == "symmetric" else info.dims
        parts.append(f"{name}: {info.kind}" + (f"({', '.join(map(str, dims))})" if dims else ""))
    return "; ".join(parts)


def test_no_more_terms_than_the_notes():
    # (DT8) two terms; (DT5) one factored term; tr((X + A)^8) one term, never 256
    assert str(ed.diff("tr(A X B X' C)", "X")).count(" + ") == 1
    assert " + " not in str(ed.diff("tr(X' A X)", "X")).replace("(A + A')", "")
    assert str(ed.diff("tr((X + A)^8)", "X")) == "8 (A + X)^7"


def test_order_four_falls_back_to_index_notation():
    # d(A X B)/dX has no matrix form: str() is index notation that reads back to the same values
    g = ed.diff("A X B", "X")
    assert g.matrix() is None
    rng = np.random.default_rng(5)
    A, X, B = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    back = ed.parse(str(g))
    # numerator layout: D[a, b, q, p] = d(AXB)[a,b] / dX[p,q] = A[a,p] B[q,b]
    expected = np.einsum("ap,qb->abqp", A, B)
    np.testing.assert_allclose(back(A=A, B=B), expected, atol=1e-12)
    np.testing.assert_allclose(g(A=A, X=X, B=B), expected, atol=1e-12)


def test_latex_renders_the_matrix_form():
    assert ed.diff("tr(X' A X)", "X").latex() == r"X^{\top} \, \left(A + A^{\top}\right)"
    assert ed.diff("tr(inv(X) A)", "X", layout="denominator").latex().startswith(r"-X^{-\top}")
    assert ed.diff("x' A x", "x")._repr_latex_().startswith("$")


INDEX_INPUT = [
    # d (A[i,j] x[j]) / dx = A, as d (A x) / dx
    ("A[i,j] x[j]", "numerator", "A", lambda x: A0 @ x),
    # d (A[i,j] x[j] + x[k] B[k,i]) / dx = A + B'
    ("A[i,j] x[j] + x[k] B[k,i]", "numerator", "A + B'", lambda x: A0 @ x + x @ B0),
    # denominator layout: the transpose, A'
    ("A[i,j] x[j]", "denominator", "A'", lambda x: A0 @ x),
    # d exp(x[i]) / dx = diag(exp(x))
    ("exp(x[i])", "jacobian", "diag(exp(x))", np.exp),
]
A0, B0, x0 = (np.random.default_rng(3).normal(size=s) for s in ((3, 3), (3, 3), 3))


@pytest.mark.parametrize("text, layout, printed, fn", INDEX_INPUT)
def test_index_input_prints_its_matrix_form(text, layout, printed, fn):
    where = "A: matrix(n, n); B: matrix(n, n); x: vector(n)"
    g = ed.diff(text, "x", where=where, layout=layout)
    assert str(g) == printed
    jac = jacobian_fd(lambda **a: fn(a["x"]), {"x": x0}, "x")
    want = to_layout(jac, 1, 1, layout)
    back = ed.parse(str(g), where=where, shape=g.shape)
    for value in (
        g(A=A0, B=B0, x=x0),
        back(**{k: v for k, v in {"A": A0, "B": B0, "x": x0}.items() if k in back.variables}),
    ):
        np.testing.assert_allclose(value, want, rtol=1e-6, atol=1e-8)


def test_a_sum_of_scalars_is_its_own_transpose_in_a_chain():
    # d |I + K' K| / ds, K = kron(A p, p' .^ tanh(s)): the scalar p' A' A p (1 - tanh(s)^2)
    # was turned to p' A' A p (1 - tanh(s)^2)' (a transposed sum, taken for a row) and spliced
    # after a 2-by-2 matrix: M p' A' A p .. reads M p' (2 vs no axis). (1 - tanh(s)^2)' is
    # 1 - tanh(s)^2, and the scalar stays grouped
    where = "A: matrix(9, 2); p: vector(2); s: scalar"
    text = "|I + kron(A p, p' .^ tanh(s))' kron(A p, p' .^ tanh(s))|"
    g = ed.diff(text, "s", where=where)
    rng = np.random.default_rng(5)
    A, p, s = rng.normal(size=(9, 2)), rng.uniform(0.5, 1.5, 2), 0.3

    def f(s):
        k = np.kron((A @ p)[:, None], (p ** np.tanh(s))[None, :])
        return np.linalg.det(np.eye(2) + k.T @ k)

    want = (f(s + 1e-6) - f(s - 1e-6)) / 2e-6  # central differences
    assert "(1 - tanh(s)^2)'" not in str(g)
    for written in (str(g), g.latex()):
        np.testing.assert_allclose(ed.parse(written, where=where)(A=A, p=p, s=s), want, rtol=1e-6)
