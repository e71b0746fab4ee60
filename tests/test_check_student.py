"""Diagnoses of the mistakes students make when checking homework derivatives (the claim is
wrong; the diagnosis names what would make it right, and that is verified here with numpy)."""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import hessian_fd, jacobian_fd


def fd_gradient(f, x: np.ndarray) -> np.ndarray:
    """Central differences of a scalar f, shaped like x (the denominator layout)."""
    return jacobian_fd(lambda x: f(x), {"x": x}, "x")


@pytest.mark.parametrize(
    "expr, wrt, claim, where, claimed",
    [
        # d(x' A x)/dx = x' (A + A') (a row); 2 A x is the column and right only for A = A'
        ("x' A x", "x", "2 A x", "x: vector(n); A: matrix(n, n)", lambda A, V: 2 * A @ V),
        # d tr(X' A X)/dX = X' (A + A'); 2 A X is its transpose for a symmetric A
        ("tr(X' A X)", "X", "2 A X", "X: matrix(n, n); A: matrix(n, n)", lambda A, V: 2 * A @ V),
        # d tr(X A X')/dX = (A + A') X' (m-by-n); 2 X A is n-by-m
        ("tr(X A X')", "X", "2 X A", "X: matrix(n, m); A: matrix(m, m)", lambda A, V: 2 * V @ A),
    ],
)
def test_the_other_layout_with_a_symmetric_constant_assumed_is_named(
    expr, wrt, claim, where, claimed
):
    r = ed.check(expr, wrt, claim=claim, where=where)
    assert r.verdict == "wrong"
    assert "denominator-layout" in r.diagnosis and "A is symmetric" in r.diagnosis, r.diagnosis
    rng = np.random.default_rng(3)
    shape = (3,) if wrt == "x" else ((3, 3) if "X A X'" not in expr else (3, 2))
    V = rng.standard_normal(shape)
    k = shape[-1] if "X A X'" in expr else 3
    A = rng.standard_normal((k, k))
    if wrt == "x":
        f = lambda v, A: v @ A @ v
    elif "X A X'" in expr:
        f = lambda X, A: np.trace(X @ A @ X.T)
    else:
        f = lambda X, A: np.trace(X.T @ A @ X)
    # what the diagnosis says: the claim's transpose is the numerator-layout derivative (the
    # transpose of the gradient) for a symmetric A, and not for this A
    numerator = lambda A: np.transpose(fd_gradient(lambda v: f(v, A), V))
    S = (A + A.T) / 2
    assert np.allclose(np.transpose(claimed(S, V)), numerator(S), atol=1e-6)
    assert not np.allclose(np.transpose(claimed(A, V)), numerator(A), atol=1e-3)


def fd_hessian(f, x: np.ndarray) -> np.ndarray:
    """Second differences of a scalar f: H[i, j] = d2 f / dx_i dx_j."""
    return hessian_fd(lambda x: f(x), {"x": x}, "x")


@pytest.mark.parametrize("expr, claim, symmetrised", [("x' A x", "A", 1), ("x' A B x", "A B", 1)])
def test_a_hessian_claimed_unsymmetrised_is_named(expr, claim, symmetrised):
    # the Hessian of x' M x is M + M': the claim M is that with the transposed term forgotten
    where = "x: vector(n); A: matrix(n, n); B: matrix(n, n)"
    r = ed.check(expr, "x", claim=claim, where=where, order=2)
    assert r.verdict == "wrong"
    assert r.diagnosis.startswith("not symmetrised") and "C + C' is right" in r.diagnosis
    rng = np.random.default_rng(5)
    A, B, x = rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)
    M = A @ B if "B" in expr else A
    H = fd_hessian(lambda v: v @ M @ v, x)
    assert np.allclose(symmetrised * (M + M.T), H, atol=1e-5)  # what the diagnosis says
    assert not np.allclose(M, H, atol=1e-3)  # and the claim is wrong


def test_a_symmetric_claim_gets_no_symmetrising_diagnosis():
    # x x' A + A' x x' is symmetric and not the Hessian A + A' of x' A x: no such diagnosis
    r = ed.check("x' A x", "x", claim="x x' A + A' x x'", where="x: vector(n); A: matrix(n, n)",
                 order=2)  # fmt: skip
    assert r.verdict == "wrong"
    assert r.diagnosis is None or "symmetrised" not in r.diagnosis


@pytest.mark.parametrize(
    "scale, claim, stated",
    [(-0.5, "A", "-(C + C')/2"), (1, "4 A", "0.25 (C + C')"), (3, "A", "3 (C + C')")],
)
def test_the_symmetrised_multiple_named_is_the_derivative(scale, claim, stated):
    # the Hessian of s x' A x is s (A + A'); for the claim C = c A the diagnosis names the
    # multiple of C + C' that is right: s / c, not c / s (-0.5 x' A x, claim A: -(C + C')/2)
    where = "x: vector(n); A: matrix(n, n)"
    r = ed.check(f"{scale} x' A x", "x", claim=claim, where=where, order=2)
    assert r.verdict == "wrong" and r.diagnosis.startswith("not symmetrised"), r.diagnosis
    assert f"; {stated} is right" in r.diagnosis, r.diagnosis
    rng = np.random.default_rng(7)
    A, x = rng.standard_normal((3, 3)), rng.standard_normal(3)
    C = (4 if claim == "4 A" else 1) * A
    factor = {"-(C + C')/2": -0.5, "0.25 (C + C')": 0.25, "3 (C + C')": 3}[stated]
    H = fd_hessian(lambda v: scale * v @ A @ v, x)
    assert np.allclose(factor * (C + C.T), H, atol=1e-5)  # what the diagnosis says


def fd_jacobian(f, x: np.ndarray) -> np.ndarray:
    """Central differences of a vector function: J[i, j] = d f_i / d x_j (numerator layout)."""
    return jacobian_fd(lambda x: f(x), {"x": x}, "x")


@pytest.mark.parametrize(
    "expr, claim, f, claimed",
    [
        ("x .* x", "2 x", lambda x: x * x, lambda x: 2 * x),
        (
            "exp(x) .* x",
            "exp(x) .* (1 + x)",
            lambda x: np.exp(x) * x,
            lambda x: np.exp(x) * (1 + x),
        ),
    ],
)
def test_an_elementwise_derivative_claimed_as_a_vector_is_named_diagonal(expr, claim, f, claimed):
    # d(f(x))/dx for an elementwise f is diag(f'(x)); the vector f'(x) is only its diagonal
    r = ed.check(expr, "x", claim=claim)
    assert r.verdict == "wrong" and r.reason.startswith("wrong shape")
    assert r.diagnosis and "diagonal" in r.diagnosis and f"diag({claim})" in r.diagnosis
    x = np.random.default_rng(7).standard_normal(4)
    assert np.allclose(np.diag(claimed(x)), fd_jacobian(f, x), atol=1e-6)  # what it says


def test_a_wrong_multiple_of_a_non_elementwise_claim_gets_no_diagonal_diagnosis():
    # d(x .* x)/dx = diag(2 x): diag(3 x) is not it, and nothing is claimed about it
    r = ed.check("x .* x", "x", claim="3 x")
    assert r.verdict == "wrong" and (r.diagnosis is None or "diag" not in r.diagnosis)
    x = np.random.default_rng(8).standard_normal(3)
    assert not np.allclose(np.diag(3 * x), fd_jacobian(lambda v: v * v, x), atol=1e-3)


@pytest.mark.parametrize("claim, factor", [("x' A", 2), ("3 x' A", 2 / 3)])
def test_a_factor_and_a_symmetric_constant_assumed_at_once_are_named(claim, factor):
    # d(x' A x)/dx = x' (A + A'): x' A is off by a factor of 1/2 and, scaled, right only
    # for a symmetric A (2 x' A = x' (A + A') when A = A')
    r = ed.check("x' A x", "x", claim=claim, where="x: vector(n); A: matrix(n, n)")
    assert r.verdict == "wrong"
    assert "off by a factor" in r.diagnosis and "A is symmetric" in r.diagnosis, r.diagnosis
    rng = np.random.default_rng(9)
    x, A = rng.standard_normal(3), rng.standard_normal((3, 3))
    c = 3 if claim.startswith("3") else 1
    S = (A + A.T) / 2
    grad = lambda A: fd_gradient(lambda v: v @ A @ v, x)
    assert np.allclose(factor * c * x @ S, grad(S), atol=1e-6)  # what the diagnosis says
    assert not np.allclose(factor * c * x @ A, grad(A), atol=1e-3)  # only for symmetric A
    assert np.allclose(x @ (A + A.T), grad(A), atol=1e-6)


@pytest.mark.parametrize(
    "expr, claim, order, verdict",
    [("x", "x ./ x", 1, "wrong"), ("sum(relu(x) .^ 2) / 2", "step(x)", 2, "undecided")],
)
def test_a_diagonal_suggestion_is_called_right_only_when_check_proves_it(
    expr, claim, order, verdict
):
    # dx/dx = I: diag(x ./ x) agrees at probes but is undefined where an x_i = 0 (numpy: nan);
    # the Hessian of sum(relu(x) .^ 2) / 2 is diag(step(x)) off the kink, undecided across it
    # (einderiv's gradient relu(x) .* step(x) holds two kink functions). (The Hessian of
    # sum(abs(x)) claimed diag(0 x), undecided here before, is right: tests/test_check_jumps.py)
    r = ed.check(expr, "x", claim=claim, order=order)
    assert r.verdict == "wrong" and r.diagnosis is not None
    assert "is right" not in r.diagnosis and f"check calls it {verdict}" in r.diagnosis
    said = ed.check(expr, "x", claim=f"diag({claim})", order=order)
    assert said.verdict == verdict
    x, h = np.array([0.0, 1.5]), 1e-4
    if verdict == "wrong":  # x ./ x has no value at x_1 = 0, where dx/dx = I has one
        with np.errstate(invalid="ignore"):
            assert np.isnan(x / x)[0]
    else:  # across the kink the second difference of relu(x_1)^2 / 2 is 1/2, not step's 0 or 1
        half = (max(h, 0.0) ** 2 / 2 - 0.0 + max(-h, 0.0) ** 2 / 2) / h**2
        assert abs(half - 0.5) < 1e-6


def test_a_vector_broadcast_by_dot_times_as_numpy_does_is_said_with_diag():
    # d tanh(W x)/dx = diag(1 - tanh(W x) .^ 2) W; (1 - tanh(W x) .^ 2) .* W, numpy's broadcast
    # of the column over W's columns, is not well-formed in einderiv (.* takes one shape): it had
    # no diagnosis, now the diag spelling, which numpy's finite differences confirm
    rng = np.random.default_rng(28)
    W, x = rng.standard_normal((3, 4)), rng.standard_normal(4)
    truth = jacobian_fd(lambda W, x: np.tanh(W @ x), {"W": W, "x": x}, "x")
    u = 1 - np.tanh(W @ x) ** 2
    assert np.allclose(u[:, None] * W, truth, atol=1e-6)  # numpy's broadcast is the derivative
    assert np.allclose(np.diag(u) @ W, truth, atol=1e-6)
    r = ed.check("tanh(W x)", "x", claim="(1 - tanh(W x) .^ 2) .* W")
    assert r.verdict == "wrong"
    assert r.diagnosis.endswith("with diag it is right: diag(1 - tanh(W x) .^ 2) W"), r.diagnosis
    # a column .* a row is numpy's outer product: d sum(tanh(W x))/dW (the gradient) is u x'
    grad = jacobian_fd(lambda W, x: np.sum(np.tanh(W @ x)), {"W": W, "x": x}, "W")
    assert np.allclose(np.outer(u, x), grad, atol=1e-6)
    claim = "(1 - tanh(W x) .^ 2) .* x'"
    r = ed.check("sum(tanh(W x))", "W", claim=claim, layout="denominator")
    assert r.verdict == "wrong"
    assert r.diagnosis.endswith("as an outer product it is right: (1 - tanh(W x) .^ 2) x'")
