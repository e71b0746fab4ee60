"""Neighbouring powers of one base written as one power (issue 13 item 4: a result at most as
long as an expert writes it; ``notation.chain_merge``).

``(A X) (A X) (A X)`` is ``(A X)^3``, ``((A X)^2)^3`` is ``(A X)^6``, ``(A X)^-4 A X`` is
``(A X)^-3``, ``X^2 X^3`` is ``X^5``; but only where the two are equal on the whole domain and
the domain is the same: ``X^-1 X`` is not ``I`` (defined where X is singular), ``(X^-2)^-1`` is
not ``X^2``. Each text is parsed, printed (text and LaTeX), read back and evaluated against
the numpy product written here.
"""

from functools import reduce

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import EvaluationError
from tests.fd import jacobian_fd, to_layout

WHERE = (
    "A: matrix(n, n); B: matrix(n, n); X: matrix(n, n); P: matrix(m, n); Q: matrix(n, m); "
    "x: vector(n); u: vector(n); s: scalar"
)
rng = np.random.default_rng(3501)
N, MM = 3, 2
VALUES = {
    **{k: rng.normal(size=(N, N)) * 0.5 + np.eye(N) for k in "ABX"},
    "P": rng.normal(size=(MM, N)),
    "Q": rng.normal(size=(N, MM)),
    "x": rng.normal(size=N),
    "u": rng.normal(size=N),
    "s": 0.7,
}
A, B, X, P, Q, x, u = (VALUES[k] for k in "ABXPQxu")
s = VALUES["s"]
inv, mp = np.linalg.inv, np.linalg.matrix_power
AX = A @ X


def prod(*factors):
    return reduce(np.matmul, factors)


CASES = [
    # bracketed products after the chain's spine: A X (A X)^2 was printed
    ("(A X) (A X) (A X)", "(A X)^3", lambda: prod(AX, AX, AX)),
    ("(A X) (A X)", "(A X)^2", lambda: AX @ AX),
    ("(B A X) (A X)", "B (A X)^2", lambda: prod(B, AX, AX)),
    ("(P Q) (P Q)", "(P Q)^2", lambda: prod(P, Q, P, Q)),
    ("(x' x) (x' x) x", "(x' x)^2 x", lambda: (x @ x) ** 2 * x),
    ("x' (A X) (A X) x", "x' (A X)^2 x", lambda: x @ AX @ AX @ x),
    # a power of a power (integer exponents)
    ("((A X)^2)^3", "(A X)^6", lambda: mp(AX, 6)),
    ("(X^-2)^3", "X^-6", lambda: mp(inv(X), 6)),
    ("(X^3)^-2", "X^-6", lambda: mp(inv(X), 6)),
    ("((x' x)^2)^3", "(x' x)^6", lambda: (x @ x) ** 6),
    ("(s^2)^3", "s^6", lambda: s**6),
    # neighbours of one base: the exponents added
    ("(A X)^-4 A X", "(A X)^-3", lambda: mp(inv(AX), 3)),
    ("A X (A X)^-4", "(A X)^-3", lambda: mp(inv(AX), 3)),
    ("X^2 X^3", "X^5", lambda: mp(X, 5)),
    ("X X^2", "X^3", lambda: mp(X, 3)),
    ("X X^-2", "X^-1", lambda: inv(X)),
    ("X^-1 X^-2 X", "X^-2", lambda: mp(inv(X), 2)),
    ("inv(A X) (A X)^-2", "(A X)^-3", lambda: mp(inv(AX), 3)),
    ("X X^2 X X^2", "X^6", lambda: mp(X, 6)),
    ("A X (A X)^2 B (A X)", "(A X)^3 B A X", lambda: prod(mp(AX, 3), B, AX)),
    ("s^2 s^3", "s^5", lambda: s**5),
    # equal neighbouring terms of a sum: t + t = 2 t
    ("(A X)^-4 A X + A X (A X)^-4", "2 (A X)^-3", lambda: 2 * mp(inv(AX), 3)),
    ("B + A X + A X + A X", "B + 3 A X", lambda: B + 3 * AX),
    ("B + 2 A X + A X", "B + 3 A X", lambda: B + 3 * AX),
    ("2 A X + 2 A X", "4 A X", lambda: 4 * AX),
    ("B + A X + 2 A X", "B + 3 A X", lambda: B + 3 * AX),
    ("-2 A X + 2 A X", "-2 A X + 2 A X", lambda: 0 * AX),
    ("2 + 2", "2 + 2", lambda: 4),
    # kept: a vector is no power, a row's product with a column is not a square
    ("u' A x (A x)", "u' A x (A x)", lambda: (u @ A @ x) * (A @ x)),
    ("X^2 X^k", "X^2 X^k", None),
    ("X .^ 2 X .^ 3", "X .^ 2 X .^ 3", lambda: (X**2) @ (X**3)),  # elementwise: no matrix power
]


@pytest.mark.parametrize("chain, text, value", CASES, ids=[c[0] for c in CASES])
def test_neighbouring_powers_merged_read_back(chain, text, value):
    # the printed text and LaTeX read back to the plain numpy value
    f = ed.parse(chain, where=WHERE + "; k: integer")
    assert str(f) == text
    if value is None:
        return
    for printed in (str(f), f.latex()):
        back = ed.parse(printed, where=WHERE)
        np.testing.assert_allclose(back(**VALUES), value(), rtol=1e-9, atol=1e-12)


KEPT = [
    # X^-1 X = I only where X is invertible: I would be defined where X is singular
    ("X^-1 X", lambda: inv(X) @ X),
    ("X^-2 X^3", lambda: inv(X) @ inv(X) @ mp(X, 3)),
    ("(A X)^2 (A X)^-1", lambda: AX @ AX @ inv(AX)),
    ("inv(A X) A X", lambda: inv(AX) @ AX),
    ("(X^-2)^-1", lambda: inv(inv(X) @ inv(X))),
    ("inv(X^-2)", lambda: inv(inv(X) @ inv(X))),
    # these printed X^2, X^4, (A X)^2 (defined at a singular X) before
    ("inv(X^-1 X^-1)", lambda: X @ X),
    ("(X^-1 X^-1)^-2", lambda: mp(X, 4)),
    ("inv(inv(A X) inv(A X))", lambda: AX @ AX),
    ("s^-1 s", lambda: s / s),
]


@pytest.mark.parametrize("chain, value", KEPT, ids=[c[0] for c in KEPT])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_powers_whose_sum_drops_a_condition_are_kept(chain, value):
    # equal where defined, and still undefined where the input is: at a singular X (and
    # A X), s = 0, where an inverse does not exist
    f = ed.parse(chain, where=WHERE)
    singular = {**VALUES, "X": np.ones((N, N)), "s": 0.0}
    for printed in (str(f), f.latex()):
        back = ed.parse(printed, where=WHERE)
        np.testing.assert_allclose(back(**VALUES), value(), rtol=1e-9, atol=1e-12)
        try:
            at = back(**singular)
        except EvaluationError:
            continue
        assert not np.all(np.isfinite(at)), printed  # (a scalar's 0^-1: inf or nan)


@pytest.mark.parametrize(
    "chain, value",
    [
        ("(s^2)^1.5", lambda s: abs(s) ** 3),  # |s|^3, not s^3
        ("(s^2)^0.5", lambda s: abs(s)),
        ("s^2.5 s^0.5", lambda s: s**3),  # for s >= 0 only: s^3 is defined for s < 0 too
        ("(s^0.5)^2", lambda s: s),
    ],
)
def test_powers_not_integers_are_kept(chain, value):
    # a power of a power is one only for integer exponents: (s^2)^1.5 = |s|^3; at s < 0 the
    # printed text still reads back to |s|^3 (or, where the input is undefined, is too)
    f = ed.parse(chain, where=WHERE)
    back = ed.parse(str(f), where=WHERE)
    for at in (0.7, 2.0):
        np.testing.assert_allclose(back(**{**VALUES, "s": at}), value(at), rtol=1e-12)
    with np.errstate(invalid="ignore"):
        at_negative = back(**{**VALUES, "s": -0.7})
        expected = value(-0.7) if "^0.5)^2" not in chain and "2.5" not in chain else np.nan
    np.testing.assert_allclose(at_negative, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "chain, wrt",
    [("tr((A X) (A X) (A X))", "X"), ("tr(((A X)^2)^3)", "X"), ("tr(inv(A X A X))", "X")],
)
def test_derivatives_read_back_to_central_differences(chain, wrt):
    g = ed.diff(chain, wrt, where=WHERE)
    small = {"A": A * 0.6, "X": X * 0.6}

    def f(A, X):  # the expression, plain numpy
        AX = A @ X
        if "inv" in chain:
            return np.trace(inv(AX @ AX))
        return np.trace(mp(AX, 3 if "(A X) (A X)" in chain else 6))

    expected = to_layout(jacobian_fd(f, small, wrt), 0, 2, "numerator")
    for printed in (str(g), g.latex(), g.differential().split("tr(", 1)[1][: -len(" dX)")]):
        back = ed.parse(printed, where=WHERE)
        np.testing.assert_allclose(back(**small), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("n", [3, 5])
def test_trace_of_power_gradient_still_n_power_times_a(n):
    # d tr((A X)^n) / dX = n (A X)^(n-1) A, also from the bracketed product (A X) ... (A X)
    g = ed.diff("tr(" + " ".join(["(A X)"] * n) + ")", "X", where=WHERE)
    assert str(g) == f"{n} (A X)^{n - 1} A"
    small = {"A": A * 0.6, "X": X * 0.6}
    expected = to_layout(
        jacobian_fd(lambda A, X: np.trace(mp(A @ X, n)), small, "X"), 0, 2, "numerator"
    )
    np.testing.assert_allclose(ed.parse(str(g), where=WHERE)(**small), expected, rtol=1e-6)


TOKENS = {  # text -> numpy value: powers, inverses and bracketed products of a few bases
    "A": A,
    "X": X,
    "X^2": X @ X,
    "X^-1": inv(X),
    "inv(X)": inv(X),
    "X^-2": inv(X) @ inv(X),
    "(A X)": AX,
    "(A X)^2": AX @ AX,
    "(A X)^-1": inv(AX),
    "(A X)^-3": mp(inv(AX), 3),
    "((A X)^2)^-1": inv(AX @ AX),
    "(x x')": np.outer(x, x),
    "(x' x)": np.eye(N) * (x @ x),
}


def test_random_chains_read_back():
    # chains of 2..12 of the tokens, a block of them repeated 1..3 times: each printed text
    # reads back to the numpy product
    r = np.random.default_rng(3502)
    names = list(TOKENS)
    for _ in range(300):
        block = list(r.choice(names, size=r.integers(1, 5)))
        chain = block * int(r.integers(1, 4)) + list(r.choice(names, size=r.integers(0, 3)))
        text = " ".join(chain)
        f = ed.parse(text, where=WHERE)
        expected = prod(np.eye(N), *(TOKENS[t] for t in chain))
        for printed in (str(f), f.latex()):
            back = ed.parse(printed, where=WHERE)
            got = back(**VALUES)
            got = got * np.eye(N) if np.ndim(got) == 0 else got
            np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-8, err_msg=text)
