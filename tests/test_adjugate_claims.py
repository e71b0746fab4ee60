"""Claims written with the adjugate of a smooth expression's derivative: d det(2 W) / dW.

d det(2 W) / dW (numerator layout) = 2 adj(2 W) = 2^n adj(W) at every W, singular W too
(Jacobi's formula: det is a polynomial). einderiv lowers adj(M) as det(M) inv(M), so such a
claim seemed to need W invertible, which det(2 W) does not impose, and it stayed undecided;
the inverse is the lowering's, and a claim whose only inverses are adjugates is judged as
proved (check/smooth.adjugate_only). ``det(2 W) inv(W)`` itself is undefined at a singular W,
where the derivative is not: it stays undecided. Truth: central differences of numpy's det.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed

RNG = np.random.default_rng(2905)


def gradient(f, W, h=1e-6):
    """d f / dW in numerator layout (the transpose of the entrywise gradient)."""
    out = np.zeros_like(W)
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            E = np.zeros_like(W)
            E[i, j] = h
            out[i, j] = (f(W + E) - f(W - E)) / (2 * h)
    return out.T


def adjugate(W):
    """adj(W) by cofactors: adj(W)[j, i] = (-1)^(i+j) det(W without row i, column j)."""
    n = W.shape[0]
    out = np.zeros_like(W)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(W, i, 0), j, 1)
            out[j, i] = (-1) ** (i + j) * np.linalg.det(minor)
    return out


@pytest.mark.parametrize(
    "W", [RNG.normal(size=(3, 3)), np.diag([1.0, 2.0, 0.0]), np.ones((3, 3))], ids=str
)
def test_the_truth_holds_at_singular_w_too(W):
    truth = gradient(lambda W: np.linalg.det(2 * W), W)
    assert np.allclose(truth, 2 * adjugate(2 * W), atol=1e-5)
    assert np.allclose(truth, 8 * adjugate(W), atol=1e-5)


@pytest.mark.parametrize(
    "expr, claim, where, verdict",
    [
        ("det(2 W)", "2 adj(2 W)", "W: matrix(n, n)", "right"),
        ("det(2 W)", "8 adj(W)", "W: matrix(3, 3)", "right"),
        ("det(2 W)", "2^len(W) adj(W)", "W: matrix(3, 3)", "right"),
        ("det(W)", "adj(W)", "W: matrix(n, n)", "right"),
        # near misses: 2^(n-1) for 2^n; 4 adj(W) at n = 3
        ("det(2 W)", "2^(len(W) - 1) adj(W)", "W: matrix(3, 3)", "wrong"),
        ("det(2 W)", "4 adj(W)", "W: matrix(3, 3)", "wrong"),
        # undefined at a singular W (where the derivative 8 adj(W) is not 0): not right
        ("det(2 W)", "det(2 W) inv(W)", "W: matrix(3, 3)", "undecided"),
        ("det(2 W)", "8 det(W) inv(W)", "W: matrix(3, 3)", "undecided"),
    ],
)
def test_adjugate_claims_of_det_2w(expr, claim, where, verdict):
    W = RNG.normal(size=(3, 3))
    truth = gradient(lambda W: np.linalg.det(2 * W) if "2 W" in expr else np.linalg.det(W), W)
    claimed = {
        "2 adj(2 W)": 2 * adjugate(2 * W),
        "8 adj(W)": 8 * adjugate(W),
        "2^len(W) adj(W)": 8 * adjugate(W),
        "adj(W)": adjugate(W),
        "2^(len(W) - 1) adj(W)": 4 * adjugate(W),
        "4 adj(W)": 4 * adjugate(W),
        "det(2 W) inv(W)": np.linalg.det(2 * W) * np.linalg.inv(W),
        "8 det(W) inv(W)": 8 * np.linalg.det(W) * np.linalg.inv(W),
    }[claim]
    assert np.allclose(truth, claimed, atol=1e-5) == (verdict != "wrong")
    assert ed.check(expr, "W", claim, where=where).verdict == verdict


def test_an_inverse_beside_the_adjugate_keeps_its_condition():
    # adj(W) W^-1 W = adj(W) at an invertible W only (W^-1 is the claim's own): undecided
    assert ed.check("det(W)", "W", "adj(W) W^-1 W", where="W: matrix(3, 3)").verdict == "undecided"


def test_two_to_the_size_times_the_adjugate_is_right_at_every_size():
    # d det(2 W) / dW = 2^n adj(W) for every n-by-n W: det(2 W) = 2^n det(W) (det is linear in
    # each of the n rows). With n by name it was undecided (exact arithmetic cannot vary 2^n);
    # det(2 W) is now 2^len(W) det(W) before the canonical forms are compared
    for n in range(1, 6):
        for W in (RNG.normal(size=(n, n)), np.diag([0.0] + [1.0] * (n - 1))):
            truth = gradient(lambda W: np.linalg.det(2 * W), W)
            assert np.allclose(truth, 2**n * adjugate(W), atol=1e-5)
            assert not np.allclose(truth, 2 ** (n - 1) * adjugate(W), atol=1e-3)
    where = "W: matrix(n, n)"
    assert ed.check("det(2 W)", "W", "2^len(W) adj(W)", where=where).verdict == "right"
    assert ed.check("det(2 W)", "W", "2^(len(W) - 1) adj(W)", where=where).verdict == "wrong"
    assert ed.check("det(2 W)", "W", "(-2)^len(W) adj(W)", where=where).verdict == "wrong"


@pytest.mark.parametrize(
    "expr, claim, verdict",
    [
        # the Matrix Cookbook's d det(X) = tr(adj(X) dX) (section 2.1), as a differential: it
        # was undecided ("needs X invertible", the adjugate's lowering), its matrix form right
        ("det(W)", "d f = tr(adj(W) dW)", "right"),
        (
            "det(W)",
            r"d f = \operatorname{Tr}(\operatorname{adj}(\mathbf{W})\,d\mathbf{W})",
            "right",
        ),
        ("det(2 W)", "d f = 2 tr(adj(2 W) dW)", "right"),
        ("det(2 W)", "d f = 4 tr(adj(2 W) dW)", "wrong"),
        ("det(W)", "d f = tr(adj(W)' dW)", "wrong"),
        # the inverse is the claim's own: undefined at a singular W, still undecided
        ("det(W)", "d f = tr(det(W) inv(W) dW)", "undecided"),
    ],
)
def test_a_differential_written_with_the_adjugate(expr, claim, verdict):
    scale = 2.0 if "2 W" in expr else 1.0
    stated = {"right": 2.0 if "2 tr" in claim else 1.0, "wrong": 4.0}
    for W in (RNG.normal(size=(3, 3)), np.diag([1.0, 2.0, 0.0])):  # a singular W too
        truth = gradient(lambda W: np.linalg.det(scale * W), W)  # numerator layout
        if verdict == "right":  # d f = tr(G dW): G is the numerator-layout derivative
            assert np.allclose(truth, stated["right"] * adjugate(scale * W), atol=1e-5)
        elif verdict == "wrong":
            G = adjugate(W).T if "'" in claim else stated["wrong"] * adjugate(scale * W)
            assert not np.allclose(truth, G, atol=1e-3) or W[2, 2] == 0
    assert ed.check(expr, "W", claim, where="W: matrix(n, n)").verdict == verdict
