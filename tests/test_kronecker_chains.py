"""Kronecker forms with two or more elementwise diagonals (SPEC section 7): chains ``L0
diag(vec(F1)) L1 diag(vec(F2)) L2 ...``, and the standard forms of vector results. The printed
right side of ``d vec(Y) / d vec(X)' = ...`` is read back and compared with the Jacobian of vec(Y)
by vec(X) from finite differences of plain numpy (column-major vec), in every layout; the chain
rule's textbook matrices are also built with numpy.kron and numpy.diag and compared with the same
finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
import einderiv.notation.kronecker_diagonal as chains
from tests.fd import assert_close
from tests.test_kronecker_form import K, call, kron_truth, right_side, vec, vec_jacobian

RNG = np.random.default_rng(25)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def eye(n):
    return np.eye(n)


def dvec(m):
    """diag(vec(M)), column-major."""
    return np.diag(vec(m))


# (expression, numpy function, shapes, the chain rule's Jacobian in numpy or None)
CHAINS = [
    # d vec(tanh(E B)) = diag(vec(1 - tanh(E B).^2)) (B' kron I) diag(vec(E)) (A' kron I) d vec(X),
    # E = exp(X A) (this was index notation: "no Kronecker form")
    (
        "tanh(exp(X A) B)",
        lambda X, A, B: np.tanh(np.exp(X @ A) @ B),
        {"X": (2, 3), "A": (3, 4), "B": (4, 5)},
        lambda X, A, B: (
            dvec(1 - np.tanh(np.exp(X @ A) @ B) ** 2)
            @ np.kron(B.T, eye(2))
            @ dvec(np.exp(X @ A))
            @ np.kron(A.T, eye(2))
        ),
    ),
    # d vec((E B) .* C) = diag(vec(C)) (B' kron I) diag(vec(E)) (A' kron I) d vec(X)
    (
        "(exp(X A) B) .* C",
        lambda X, A, B, C: (np.exp(X @ A) @ B) * C,
        {"X": (2, 3), "A": (3, 4), "B": (4, 5), "C": (2, 5)},
        lambda X, A, B, C: (
            dvec(C) @ np.kron(B.T, eye(2)) @ dvec(np.exp(X @ A)) @ np.kron(A.T, eye(2))
        ),
    ),
    # d vec(tanh(A exp(X) B)) = diag(vec(tanh'(..))) (B' kron A) diag(vec(exp(X))) d vec(X)
    (
        "tanh(A exp(X) B)",
        lambda A, X, B: np.tanh(A @ np.exp(X) @ B),
        {"A": (4, 2), "X": (2, 3), "B": (3, 5)},
        lambda A, X, B: (
            dvec(1 - np.tanh(A @ np.exp(X) @ B) ** 2) @ np.kron(B.T, A) @ dvec(np.exp(X))
        ),
    ),
    # three diagonals: sigmoid(tanh(exp(X A) B) C)
    (
        "sigmoid(tanh(exp(X A) B) C)",
        lambda X, A, B, C: sigmoid(np.tanh(np.exp(X @ A) @ B) @ C),
        {"X": (2, 3), "A": (3, 4), "B": (4, 3), "C": (3, 2)},
        None,
    ),
    # transposes in the chain: the commutation matrix where X stands transposed
    (
        "tanh(exp(X') A)",
        lambda X, A: np.tanh(np.exp(X.T) @ A),
        {"X": (2, 3), "A": (2, 4)},
        lambda X, A: (
            dvec(1 - np.tanh(np.exp(X.T) @ A) ** 2)
            @ np.kron(A.T, eye(3))
            @ dvec(np.exp(X.T))
            @ K(2, 3)
        ),
    ),
    (
        "tanh(exp(X A) B)'",
        lambda X, A, B: np.tanh(np.exp(X @ A) @ B).T,
        {"X": (2, 3), "A": (3, 4), "B": (4, 2)},
        None,
    ),
    (
        "A' sin(tanh(X' B) C)",
        lambda A, X, B, C: A.T @ np.sin(np.tanh(X.T @ B) @ C),
        {"A": (3, 4), "X": (2, 3), "B": (2, 5), "C": (5, 3)},
        None,
    ),
    # a sum, a number and a scalar in front; a product of X and a function of X
    (
        "tanh(exp(X A) B) + exp(X) C",
        lambda X, A, B, C: np.tanh(np.exp(X @ A) @ B) + np.exp(X) @ C,
        {"X": (2, 3), "A": (3, 4), "B": (4, 5), "C": (3, 5)},
        None,
    ),
    (
        "2 tanh(exp(X A) B) - X D",
        lambda X, A, B, D: 2 * np.tanh(np.exp(X @ A) @ B) - X @ D,
        {"X": (2, 3), "A": (3, 4), "B": (4, 5), "D": (3, 5)},
        None,
    ),
    ("tanh(exp(X) tanh(X))", lambda X: np.tanh(np.exp(X) @ np.tanh(X)), {"X": (3, 3)}, None),
    # a vector X
    (
        "tanh(exp(x a') B)",
        lambda x, a, B: np.tanh(np.exp(np.outer(x, a)) @ B),
        {"x": (3,), "a": (4,), "B": (4, 2)},
        None,
    ),
    # vector results: d vec(tanh(X a)) = diag(1 - tanh(X a).^2) (a' kron I) d vec(X), and the
    # chain after it (these were kron(a', diag(..)) and kron(I, ones') ... forms)
    (
        "tanh(X a)",
        lambda X, a: np.tanh(X @ a),
        {"X": (2, 3), "a": (3,)},
        lambda X, a: np.diag(1 - np.tanh(X @ a) ** 2) @ np.kron(a[None, :], eye(2)),
    ),
    (
        "exp(X A) a",
        lambda X, A, a: np.exp(X @ A) @ a,
        {"X": (2, 3), "A": (3, 4), "a": (4,)},
        lambda X, A, a: np.kron(a[None, :], eye(2)) @ dvec(np.exp(X @ A)) @ np.kron(A.T, eye(2)),
    ),
    (
        "tanh(exp(X A) a)",
        lambda X, A, a: np.tanh(np.exp(X @ A) @ a),
        {"X": (2, 3), "A": (3, 4), "a": (4,)},
        lambda X, A, a: (
            np.diag(1 - np.tanh(np.exp(X @ A) @ a) ** 2)
            @ np.kron(a[None, :], eye(2))
            @ dvec(np.exp(X @ A))
            @ np.kron(A.T, eye(2))
        ),
    ),
    ("exp(X' a)", lambda X, a: np.exp(X.T @ a), {"X": (2, 3), "a": (2,)}, None),
    (
        "a' tanh(B tanh(X A))",
        lambda a, B, X, A: a @ np.tanh(B @ np.tanh(X @ A)),
        {"a": (4,), "B": (4, 2), "X": (2, 3), "A": (3, 5)},
        None,
    ),
    (
        "exp((tanh(A X) .* B) a)",
        lambda A, X, B, a: np.exp((np.tanh(A @ X) * B) @ a),
        {"A": (4, 2), "X": (2, 3), "B": (4, 3), "a": (3,)},
        None,
    ),
    ("tanh(X) x", lambda X, x: np.tanh(X) @ x, {"X": (2, 3), "x": (3,)}, None),
    # a factor met twice (x[k] x[k] of diag(x .* x)) is two factors: moving the lone groups
    # from side to side dropped one x, so d vec((X .* (A diag(x .* x) B)) y) / d vec(X)' was
    # kron(x', I) diag(vec(A)) kron(B diag(y), I), the Jacobian with diag(x) for diag(x .* x)
    (
        "(X .* (A diag(x .* x) B)) y",
        lambda X, A, x, B, y: (X * (A @ np.diag(x * x) @ B)) @ y,
        {"X": (2, 3), "A": (2, 4), "x": (4,), "B": (4, 3), "y": (3,)},
        lambda X, A, x, B, y: (
            np.kron(x[None, :], eye(2)) @ dvec(A) @ np.kron(np.diag(x) @ B @ np.diag(y), eye(2))
        ),
    ),
    (
        "(X' .* (A diag(x .* x) B)) y",
        lambda X, A, x, B, y: (X.T * (A @ np.diag(x * x) @ B)) @ y,
        {"X": (3, 2), "A": (2, 4), "x": (4,), "B": (4, 3), "y": (3,)},
        None,
    ),
]


def _values(shapes):
    return {k: 0.6 * RNG.standard_normal(s) for k, s in shapes.items()}


@pytest.mark.parametrize(
    ("text", "plain", "shapes", "textbook"), CHAINS, ids=[c[0] for c in CHAINS]
)
def test_a_chain_of_diagonals_reads_back_to_the_vec_jacobian(text, plain, shapes, textbook):
    wrt = "X" if "X" in shapes else "x"
    values = _values(shapes)
    expected = vec_jacobian(plain, values, wrt)
    if textbook is not None:  # the chain rule, in numpy: the truth does not rest on einderiv
        assert_close(textbook(**values), expected, rtol=1e-5, atol=1e-6, what=text)
    g = ed.diff(text, wrt)
    form = g.kronecker()
    got = call(ed.parse(right_side(form)), g, values, expected)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=form)
    for layout in ("numerator", "denominator", "jacobian"):
        h = ed.diff(text, wrt, layout=layout)
        assert h.kronecker() == form  # the numerator-layout Jacobian, whatever the layout
        own = {k: v for k, v in values.items() if k in h.variables}
        assert_close(call(ed.parse(str(h)), h, values, h(**own)), h(**own), what=str(h))
    # a vector result is summed by no ones' (kron(I, ones') diag(..) was its clumsy form)
    assert "ones" not in form, form


# the Hessian of a scalar is d vec(G) / d vec(X)' of its numerator gradient G: a sum of chains;
# with X symmetric, X[i,j] and X[j,i] move together (SPEC 2)
@pytest.mark.parametrize(
    ("text", "order", "plain", "shapes", "sym"),
    [
        (
            "sum(tanh(exp(X A) B))",
            2,
            lambda X, A, B: np.sum(np.tanh(np.exp(X @ A) @ B)),
            {"X": (2, 3), "A": (3, 4), "B": (4, 2)},
            False,
        ),
        (
            "sum(exp(tanh(X A) B))",
            2,
            lambda X, A, B: np.sum(np.exp(np.tanh(X @ A) @ B)),
            {"X": (2, 3), "A": (3, 4), "B": (4, 2)},
            False,
        ),
        (
            "sum(sigmoid(X' tanh(X)))",
            2,
            lambda X: np.sum(sigmoid(X.T @ np.tanh(X))),
            {"X": (3, 2)},
            False,
        ),
        (
            "sum(tanh(exp(X A) B))",
            2,
            lambda X, A, B: np.sum(np.tanh(np.exp(X @ A) @ B)),
            {"X": (3, 3), "A": (3, 4), "B": (4, 2)},
            True,
        ),
        (
            "tanh(exp(X A) B)",
            1,
            lambda X, A, B: np.tanh(np.exp(X @ A) @ B),
            {"X": (3, 3), "A": (3, 4), "B": (4, 2)},
            True,
        ),
    ],
)
def test_chains_in_hessians_and_for_a_symmetric_x(text, order, plain, shapes, sym):
    where = "X: symmetric(n)" if sym else None
    values = _values(shapes)
    if sym:
        values["X"] = values["X"] + values["X"].T
    g, expected = kron_truth(text, plain, values, order, where)
    form = g.kronecker()
    got = call(ed.parse(right_side(form), where=where), g, values, expected)
    assert_close(got, expected, rtol=1e-4, atol=1e-6, what=form)
    own = {k: v for k, v in values.items() if k in g.variables}
    assert_close(call(ed.parse(str(g), where=where), g, values, g(**own)), g(**own), what=str(g))


@pytest.mark.parametrize(
    ("text", "claim", "shapes"),
    [
        (
            "tanh(exp(X A) B)",
            "diag(vec(1 - tanh(exp(X A) B) .^ 2)) kron(B', I) diag(vec(exp(X A))) kron(A', I)",
            {"X": (2, 3), "A": (3, 4), "B": (4, 5)},
        ),
        (  # B for B': wrong
            "tanh(exp(X A) B)",
            "diag(vec(1 - tanh(exp(X A) B) .^ 2)) kron(B, I) diag(vec(exp(X A))) kron(A', I)",
            {"X": (2, 3), "A": (3, 4), "B": (4, 4)},
        ),
        (  # the inner diagonal left out: wrong
            "tanh(exp(X A) B)",
            "diag(vec(1 - tanh(exp(X A) B) .^ 2)) kron(B', I) kron(A', I)",
            {"X": (2, 3), "A": (3, 4), "B": (4, 5)},
        ),
        ("tanh(X a)", "diag(1 - tanh(X a) .^ 2) kron(a', I)", {"X": (2, 3), "a": (3,)}),
        ("tanh(X a)", "diag(1 - tanh(X a) .^ 2) kron(I, a')", {"X": (3, 3), "a": (3,)}),
    ],
)
def test_a_chain_claim_is_judged_as_its_jacobian(text, claim, shapes):
    # right exactly when the claim's matrix is the finite-difference Jacobian of vec(Y)
    where = "; ".join(
        f"{k}: {'vector' if len(s) == 1 else 'matrix'}({', '.join(map(str, s))})"
        for k, s in shapes.items()
    )
    values = _values(shapes)
    plain = {
        "tanh(exp(X A) B)": lambda X, A, B: np.tanh(np.exp(X @ A) @ B),
        "tanh(X a)": lambda X, a: np.tanh(X @ a),
    }[text]
    expected = vec_jacobian(plain, values, "X")
    rhs = ed.parse(claim, where=where)
    truth = np.allclose(
        rhs(**{k: v for k, v in values.items() if k in rhs.variables}), expected, atol=1e-5
    )
    verdict = ed.check(text, "X", claim=f"d vec(Y) / d vec(X)' = {claim}", where=where).verdict
    assert verdict == ("right" if truth else "wrong")


def test_deep_chains_are_found_or_left_in_index_notation(monkeypatch):
    # tanh(...tanh(X A0) A1...) A7: eight diagonals, one per tanh (the search meets each part
    # once, so it is quick); past the search's bound a term keeps index notation, never a
    # wrong form, and the result still prints and reads back
    text = "tanh(X A0)"
    for k in range(1, 8):
        text = f"tanh({text} A{k})"
    shapes = {"X": (2, 2)} | {f"A{k}": (2, 2) for k in range(8)}
    values = _values(shapes)

    def plain(X, **a):
        y = np.tanh(X @ a["A0"])
        for k in range(1, 8):
            y = np.tanh(y @ a[f"A{k}"])
        return y

    expected = vec_jacobian(plain, values, "X")
    g = ed.diff(text, "X")
    form = g.kronecker()
    assert form.count("diag(vec(") == 8, form
    assert_close(call(ed.parse(right_side(form)), g, values, expected), expected, atol=1e-6)
    monkeypatch.setattr(chains, "_WORK", 3)
    h = ed.diff(text, "X")
    with pytest.raises(ed.EinderivError, match="no Kronecker form"):
        h.kronecker()
    own = {k: v for k, v in values.items() if k in h.variables}
    assert_close(call(ed.parse(str(h)), h, values, h(**own)), h(**own), what=str(h))
