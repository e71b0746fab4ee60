"""How the chain of a Kronecker form is found (``notation/kronecker_diagonal.py``): read from Y,
the diagonal nearest Y's ends first, so a term is decided in work linear in its factors, and the
choices that make a chain read well (no sum by ones', K beside d vec(X), a sign in front of
its product). Each printed form is read back and compared with finite differences of plain
numpy (column-major vec), as in ``test_kronecker_chains.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
import einderiv.notation.kronecker_diagonal as chains
from tests.fd import assert_close, hessian_fd
from tests.test_kronecker_form import call, right_side, vec_jacobian

RNG = np.random.default_rng(2501)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softplus(z):
    return np.logaddexp(0, z)


def _where(shapes: dict) -> str:
    return "; ".join(
        f"{k}: {'vector' if len(s) == 1 else 'matrix'}({', '.join(map(str, s))})"
        for k, s in shapes.items()
    )


@pytest.mark.parametrize("depth", [6, 12])
def test_a_deep_hessian_is_decided_in_work_linear_in_its_depth(monkeypatch, depth):
    # H of sum(tanh(...tanh(X A0)...A_{n-1})): n terms, each a chain of about 2n diagonals
    # kron(A0, I) diag(vec(1 - tanh(X A0) .^ 2)) kron(A1, I) ... kron(A0', I). With at most
    # 25 n middles tried per term (a term of depth 6 took about 3,900 before the search read
    # the chain from Y), every term still has its chain, and the form is the Hessian
    monkeypatch.setattr(chains, "_WORK", 25 * depth)
    text = "X"
    for k in range(depth):
        text = f"tanh({text} A{k})"
    shapes = {"X": (2, 2)} | {f"A{k}": (2, 2) for k in range(depth)}
    values = {k: 0.5 * RNG.standard_normal(s) for k, s in shapes.items()}

    def plain(X, **a):
        y = X
        for k in range(depth):
            y = np.tanh(y @ a[f"A{k}"])
        return np.sum(y)

    expected = hessian_fd(plain, values, "X").reshape(4, 4, order="F")
    g = ed.hessian(f"sum({text})", "X")
    form = g.kronecker()  # index notation (EinderivError) if a term ran past the bound
    got = call(ed.parse(right_side(form)), g, values, expected)
    assert_close(got, expected, rtol=1e-4, atol=1e-6, what=form)
    assert form.count(" kron(A0, I) diag(vec(") == depth  # each term's chain starts at A0


# (expression, numpy function, shapes, what the chain must not hold, how it ends)
READS_WELL = [
    # a vector result sums by its vector a, not by ones' (kron(ones', I) diag(vec(A')) ..., a
    # middle of a variable, was the first chain met), and no commutation is needed:
    # diag(exp(..)) kron(I, a') diag(vec(sigmoid'(..))) kron(I, B) diag(vec(tanh'(X A))) kron(A', I)
    (
        "exp(a' (sigmoid(B tanh(X A))))",
        lambda X, A, B, a: np.exp(a @ sigmoid(B @ np.tanh(X @ A))),
        {"X": (2, 3), "A": (3, 3), "B": (4, 2), "a": (4,)},
        ("ones", "commutation"),
        "kron(A', I)",
    ),
    # sigmoid'(A' X) = sigmoid(-A' X) .* sigmoid(A' X), the sign in front of its product, not
    # sigmoid(A' (-X)) .* sigmoid(A' X)
    (
        "softplus(B sigmoid(X' A))",
        lambda X, A, B: softplus(B @ sigmoid(X.T @ A)),
        {"X": (3, 3), "A": (3, 3), "B": (2, 3)},
        (" (-",),
        "kron(I, A')",
    ),
    # X' inside: K beside d vec(X), kron(I, B') diag(vec(exp(X' A))) (kron(A', I) K), and
    # the one K of the chain
    (
        "(C (softplus((exp((X' A)')) B)))'",
        lambda X, A, B, C: (C @ softplus(np.exp(X.T @ A).T @ B)).T,
        {"X": (2, 3), "A": (2, 2), "B": (3, 2), "C": (2, 2)},
        ("commutation(2, 2)",),
        "(kron(A', I) commutation(2, 3))",
    ),
]


@pytest.mark.parametrize(
    ("text", "plain", "shapes", "absent", "ending"), READS_WELL, ids=[c[0] for c in READS_WELL]
)
def test_a_chain_reads_well_and_is_the_jacobian(text, plain, shapes, absent, ending):
    where = _where(shapes)
    values = {k: 0.6 * RNG.standard_normal(s) for k, s in shapes.items()}
    expected = vec_jacobian(plain, values, "X")
    g = ed.diff(text, "X", where=where)
    form = g.kronecker()
    got = call(ed.parse(right_side(form), where=where), g, values, expected)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=form)
    for part in absent:
        assert part not in form, form
    assert form.endswith(ending), form  # the chain ends at d vec(X): kron(A', I) of X A, ...


def test_a_hessians_chains_need_no_commutation_when_x_stands_as_it_is():
    # sum(tanh(sigmoid(B softplus(softplus(X') A))' a)): X' only inside softplus(X'), whose
    # derivative is elementwise; each term is a chain of kron(., I) and kron(I, .) with no K
    # (an order chosen for an L without K one middle early put two K's in one term)
    shapes = {"X": (2, 3), "A": (2, 4), "B": (4, 3), "a": (4,)}
    where = _where(shapes)
    values = {k: 0.5 * RNG.standard_normal(s) for k, s in shapes.items()}

    def plain(X, A, B, a):
        return np.sum(np.tanh(sigmoid(B @ softplus(softplus(X.T) @ A)).T @ a))

    expected = hessian_fd(plain, values, "X").reshape(6, 6, order="F")
    g = ed.hessian("sum(tanh(((sigmoid(B (softplus(softplus((X)') A))))') a))", "X", where=where)
    form = g.kronecker()
    got = call(ed.parse(right_side(form), where=where), g, values, expected)
    assert_close(got, expected, rtol=1e-4, atol=1e-6, what=form)
    assert "commutation" not in form, form
