"""Product chains that repeat a block printed as powers (issue 13: results as experts write
them, ``notation.chain_powers``).

An expert writes d tr((A X)^4) / dX = 4 (A X)^3 A (numerator layout), not 4 A X A X A X A.
Each chain below is parsed, printed (text and LaTeX), read back and evaluated; the value must be
the plain numpy product written here, and the text the expected one. A block is made a power
only when it is square (a power needs a square matrix): ``x' x x`` keeps ``x x``.
"""

import re
import time
from functools import reduce

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

WHERE = (
    "A: matrix(n, n); B: matrix(n, n); C: matrix(n, n); X: matrix(n, n); Y: matrix(n, n); "
    "P: matrix(m, n); Q: matrix(n, m); x: vector(n); y: vector(n)"
)
rng = np.random.default_rng(1331)
N, MM = 3, 2
VALUES = {
    **{k: rng.normal(size=(N, N)) * 0.6 + np.eye(N) for k in "ABCXY"},
    "P": rng.normal(size=(MM, N)),
    "Q": rng.normal(size=(N, MM)),
    "x": rng.normal(size=N),
    "y": rng.normal(size=N),
}
inv, X, A, B, C, Y = np.linalg.inv, *(VALUES[k] for k in "XABCY")
P, Q, x, y = (VALUES[k] for k in "PQxy")


def prod(*factors):
    return reduce(np.matmul, factors)


CASES = [
    # period 1: X X X = X^3
    ("X X X", "X^3", lambda: prod(X, X, X)),
    ("A X X X B", "A X^3 B", lambda: prod(A, X, X, X, B)),
    ("X' X'", "X'^2", lambda: X.T @ X.T),
    ("X^2 X^2", "X^4", lambda: prod(X, X, X, X)),
    # period 2, whole and partial: the power that starts first, (A X)^3 A not A (X A)^3
    ("A X A X", "(A X)^2", lambda: prod(A, X, A, X)),
    ("A X A X A X A", "(A X)^3 A", lambda: prod(A, X, A, X, A, X, A)),
    ("X A X A X", "(X A)^2 X", lambda: prod(X, A, X, A, X)),
    ("B A X A X A X C", "B (A X)^3 C", lambda: prod(B, A, X, A, X, A, X, C)),
    # period 3, partial
    ("A B C A B C", "(A B C)^2", lambda: prod(A, B, C, A, B, C)),
    ("A B C A B C A B", "(A B C)^2 A B", lambda: prod(A, B, C, A, B, C, A, B)),
    # transposes, inverses
    ("A X' A X' A X'", "(A X')^3", lambda: prod(A, X.T, A, X.T, A, X.T)),
    ("inv(X) inv(X) inv(X)", "X^-3", lambda: prod(inv(X), inv(X), inv(X))),
    ("A inv(X) A inv(X)", "(A X^-1)^2", lambda: prod(A, inv(X), A, inv(X))),
    ("X^-T X^-T", "(X^-T)^2", lambda: inv(X).T @ inv(X).T),
    # a block with a repeat of its own: (X^2 Y)^2
    ("X X Y X X Y", "(X^2 Y)^2", lambda: prod(X, X, Y, X, X, Y)),
    # square by size names: P Q is m-by-m, Q P n-by-n
    ("P Q P Q", "(P Q)^2", lambda: prod(P, Q, P, Q)),
    ("Q P Q P Q", "(Q P)^2 Q", lambda: prod(Q, P, Q, P, Q)),
    # vectors: x x' is square, x' x a scalar; x alone is not square (x' x x keeps x x)
    ("x x' x x'", "(x x')^2", lambda: np.outer(x, x) @ np.outer(x, x)),
    ("x' A y x' A y", "(x' A y)^2", lambda: (x @ A @ y) ** 2),
    ("x' x x", "x' x x", lambda: (x @ x) * x),
    ("x x' x x' x", "(x x')^2 x", lambda: x * (x @ x) ** 2),
    # a bracketed product inside a chain: its own chain folded, its brackets kept
    ("x' (A X A X) y", "x' (A X)^2 y", lambda: x @ prod(A, X, A, X) @ y),
    # inside a call and a sum
    ("tr(A X A X)", "tr((A X)^2)", lambda: np.trace(prod(A, X, A, X))),
    ("A X A X + B", "(A X)^2 + B", lambda: prod(A, X, A, X) + B),
]


@pytest.mark.parametrize("chain, text, value", CASES, ids=[c[0] for c in CASES])
def test_chain_printed_as_powers_reads_back(chain, text, value):
    # the printed text and LaTeX read back to the plain numpy product
    f = ed.parse(chain, where=WHERE)
    assert str(f) == text
    for printed in (str(f), f.latex()):
        back = ed.parse(printed, where=WHERE)
        np.testing.assert_allclose(back(**VALUES), value(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n", [4, 12])
def test_trace_of_power_gradient_is_n_power_times_a(n):
    # d tr((A X)^n) / dX = n (A X)^(n-1) A (numerator layout)
    g = ed.diff("tr(" + " ".join(["A X"] * n) + ")", "X", where=WHERE)
    assert str(g) == f"{n} (A X)^{n - 1} A"
    assert g.latex() == rf"{n} \, \left(A \, X\right)^{{{n - 1}}} \, A"
    assert g.differential() == f"d f = tr({n} (A X)^{n - 1} A dX)"
    small = {"A": A * 0.5, "X": X * 0.5}

    def f(A, X):  # tr((A X)^n), plain numpy
        return np.trace(np.linalg.matrix_power(A @ X, n))

    expected = to_layout(jacobian_fd(f, small, "X"), 0, 2, "numerator")
    for printed in (str(g), g.latex()):
        back = ed.parse(printed, where=WHERE)
        np.testing.assert_allclose(back(**small), expected, rtol=1e-6, atol=1e-9)


def test_kronecker_and_differential_write_powers():
    # d vec(A X A X A X) / d vec(X)' = kron(I, (A X)^2 A) + kron(X' A', A X A) + kron((X' A')^2, A)
    g = ed.diff("A X A X A X", "X", where=WHERE)
    text = g.kronecker()
    assert "kron((X' A')^2, A)" in text
    back = ed.parse(text.split("=", 1)[1], where=WHERE)

    def f(A, X):
        return prod(A, X, A, X, A, X)

    jac = jacobian_fd(f, {"A": A, "X": X}, "X")  # d Y[i,j] / d X[k,l]
    vec = jac.transpose(1, 0, 3, 2).reshape(N * N, N * N)  # vec stacks columns
    np.testing.assert_allclose(back(A=A, X=X), vec, rtol=1e-6, atol=1e-8)


def test_long_chains_print_fast():
    # 1,000 factors: (A X)^500, and a chain with no block repeated (square-free, ternary
    # Thue-Morse) written out as it is; each in well under a second
    f = ed.parse(" ".join(["A X"] * 500), where=WHERE)
    start = time.perf_counter()
    assert str(f) == "(A X)^500"
    assert time.perf_counter() - start < 1.0
    bits = [k.bit_count() % 2 for k in range(1001)]
    names = ["ABC"[bits[k + 1] - bits[k] + 1] for k in range(1000)]  # no square in it
    f = ed.parse(" ".join(names), where=WHERE)
    start = time.perf_counter()
    assert str(f) == " ".join(names)
    assert time.perf_counter() - start < 1.0


def test_inverse_of_a_repeated_block_is_one_power():
    # d tr((A X A X)^-1) / dX = -((A X)^-4 A X + A X (A X)^-4) A (numerator layout):
    # ((A X)^2)^-2 written as one power, in matrix and in index notation; in matrix notation
    # each term's (A X)^-4 A X is (A X)^-3, and the two equal terms one: -2 (A X)^-3 A
    g = ed.diff("tr(inv(A X A X))", "X", where=WHERE)
    assert str(g) == "-2 (A X)^-3 A"
    assert "((A X)^-4)[" in g.index()

    def f(A, X):  # tr((A X A X)^-1), plain numpy
        return np.trace(np.linalg.inv(A @ X @ A @ X))

    expected = to_layout(jacobian_fd(f, {"A": A, "X": X}, "X"), 0, 2, "numerator")
    for printed in (str(g), g.latex(), g.index()):
        back = ed.parse(printed, where=WHERE)
        np.testing.assert_allclose(back(A=A, X=X), expected, rtol=1e-6, atol=1e-8)


def test_rotations_with_no_neighbours_written_twice_are_not_searched(monkeypatch):
    # d tr(A1 X A2 X ... An X) / dX is a sum of the n rotations; in each, X is written n - 1
    # times but no two neighbours both twice, so no block can repeat: no chain's text widths are
    # measured (the search for powers is skipped), and the text is the gradient's value
    from einderiv.notation import chain_powers

    measured = [0]
    original = chain_powers._Powers.width

    def counting(self, f):
        measured[0] += 1
        return original(self, f)

    monkeypatch.setattr(chain_powers._Powers, "width", counting)
    n = 5
    g = ed.diff("tr(" + " ".join(f"A{k} X" for k in range(1, n + 1)) + ")", "X")
    text = str(g)
    assert measured[0] == 0
    rng = np.random.default_rng(3)
    A = [rng.standard_normal((3, 3)) for _ in range(n)]
    X = rng.standard_normal((3, 3))
    f = lambda X: np.trace(reduce(np.matmul, [M for a in A for M in (a, X)]))
    arrays = {f"A{k}": A[k - 1] for k in range(1, n + 1)}
    numerator = to_layout(jacobian_fd(lambda X: f(X), {"X": X}, "X"), 0, 2, "numerator")
    np.testing.assert_allclose(ed.parse(text)(**arrays, X=X), numerator, rtol=1e-6, atol=1e-8)


def test_named_gradient_with_a_power_in_a_row_led_chain_is_fast():
    # d (x' C x) / dX = (C + C')-shaped sum of outer products, C a 40-factor chain whose
    # X' X' prints X'^2: naming it split row-led products anew at each level (a new node
    # each time, 2^depth: over 60 s); now in well under a second, and it reads back equal to
    # central differences of the numpy chain
    where = WHERE + "; " + "; ".join(f"A{k}: matrix(n, n)" for k in range(1, 7))
    where += "; R: matrix(n, m)"
    text = (
        "x' A4 R R' A1' R R' X' X A6 A3 X' A2 P' R' A1' A5 Q P P' R' Q P A1 A4 A2' X Q P A2"
        " R R' P' R' X X x"
    )
    g = ed.diff(text, "X", where=where)
    start = time.perf_counter()
    named = g.show(cse=True)
    assert time.perf_counter() - start < 5.0
    r = np.random.default_rng(7)
    values = {f"A{k}": r.normal(size=(N, N)) * 0.5 + np.eye(N) for k in range(1, 7)}
    values.update(P=P, Q=Q, R=r.normal(size=(N, MM)), x=x, X=X)

    def f(X):  # the chain, plain numpy
        v = {**values, "X": X}
        out = v["x"]
        for name in text.split()[1:]:
            m = v[name.rstrip("'")]
            out = out @ (m.T if name.endswith("'") else m)
        return out

    expected = to_layout(jacobian_fd(f, {"X": X}, "X"), 0, 2, "numerator")
    *definitions, result = named.split("\n")
    for line in reversed(definitions):
        name, body = line.split(" = ", 1)
        result = re.sub(rf"\b{name}\b", f"({body})", result)
    back = ed.parse(result, where=where)
    np.testing.assert_allclose(back(**values), expected, rtol=1e-5, atol=1e-7)
