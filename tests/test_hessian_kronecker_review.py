"""A second, independent set of tests (helper e's review) of ``check(..., order=2)`` on a
Hessian claimed in Kronecker form, ``d vec(Y) / d vec(X)' = K`` with Y the gradient in the
layout asked for, as ``hessian(...).kronecker()`` writes it. K is the matrix
d2 f / d vec(X) d vec(X)' (numpy's column-major vec here), so the truth is central differences
of the numpy function reshaped.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import hessian_fd, jacobian_fd

import einderiv as ed

RNG = np.random.default_rng(3544)
A = RNG.standard_normal((3, 3))
X0 = RNG.standard_normal((3, 2))
W0, x0 = 0.7 * RNG.standard_normal((2, 3)), RNG.standard_normal(3)


def vec_hessian(fn, value) -> np.ndarray:
    """d2 f / d vec(X) d vec(X)' by central differences (column-major vec)."""
    hes = hessian_fd(lambda X: fn(X), {"X": value}, "X")
    return hes.reshape(value.size, value.size, order="F")


# d2 tr(X' A X) / d vec(X) d vec(X)' = kron(I, A + A')
def test_a_hand_written_kronecker_hessian_is_right_and_its_neighbours_wrong():
    truth = vec_hessian(lambda X: np.trace(X.T @ A @ X), X0)
    assert np.allclose(np.kron(np.eye(2), A + A.T), truth, atol=1e-5)
    assert not np.allclose(np.kron(A + A.T, np.eye(2)), truth, atol=1e-3)
    where = "X: matrix(3, 2); A: matrix(3, 3)"
    for layout in ("jacobian", "denominator"):  # Y the gradient shaped like X (numerator: X')
        right = ed.check("tr(X' A X)", "X", where=where, layout=layout, order=2,
                         claim="d vec(Y) / d vec(X)' = kron(I, A + A')")  # fmt: skip
        assert right.verdict == "right", str(right)
    wrong = ed.check("tr(X' A X)", "X", where=where, order=2,
                     claim="d vec(Y) / d vec(X)' = kron(A + A', I)")  # fmt: skip
    assert wrong.verdict == "wrong", str(wrong)


# d2 (x' A x) / dx dx' = A + A' (vec of a vector is the vector)
def test_a_vector_hessian_in_kronecker_form():
    right = ed.check("x' A x", "x", claim="d vec(Y) / d vec(x)' = A + A'", order=2)
    assert right.verdict == "right", str(right)
    wrong = ed.check("x' A x", "x", claim="d vec(Y) / d vec(x)' = 2 A", order=2)
    assert wrong.verdict == "wrong", str(wrong)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


CASES = [  # (text, wrt, numpy f of that variable, its value)
    ("sum(tanh(W x))", "W", lambda W: np.sum(np.tanh(W @ x0)), W0),
    ("logsumexp(W x)", "W", lambda W: np.log(np.sum(np.exp(W @ x0))), W0),
    ("norm2(sigmoid(W x) - y)^2", "W",
     lambda W: np.sum((_sigmoid(W @ x0) - np.array([0.3, -0.2])) ** 2), W0),
    ("-y' log(softmax(W x))", "W",
     lambda W: -np.array([0.3, -0.2]) @ np.log(_softmax(W @ x0)), W0),
    ("logdet(X' X)", "X", lambda X: np.log(np.linalg.det(X.T @ X)), X0),
]  # fmt: skip


@pytest.mark.parametrize("text, wrt, fn, value", CASES)
def test_the_engines_kronecker_hessian_is_right_and_a_scaled_one_wrong(text, wrt, fn, value):
    where = "W: matrix(2, 3); x: vector(3); y: vector(2); X: matrix(3, 2)"
    env = {"x": x0, "y": np.array([0.3, -0.2]), wrt: value}
    truth = vec_hessian(fn, value)
    for layout in ("jacobian", "numerator", "denominator"):
        h = ed.hessian(text, wrt, where=where, layout=layout)
        form = h.kronecker()
        left, right = form.split(" = ", 1)
        if layout != "numerator":  # the numerator gradient is X' shaped: vec(Y) another order
            matrix = ed.parse(right, where=where)
            got = matrix(**{k: v for k, v in env.items() if k in matrix.variables})
            assert np.allclose(got, truth, atol=1e-5)
        r = ed.check(text, wrt, claim=form, where=where, layout=layout, order=2)
        assert r.verdict == "right", str(r)
        off = ed.check(text, wrt, claim=f"{left} = 1.001 ({right})", where=where,
                       layout=layout, order=2)  # fmt: skip
        assert off.verdict == "wrong", str(off)


# relu'' = 0 and step' = 0 away from the kink: the Kronecker form "= 0" is a zero of any shape,
# judged as the claim 0 is (undecided: the kinks' convention), never "wrong" as a 1-by-1 matrix
@pytest.mark.parametrize(
    "text, order, fn",
    [
        ("sum(relu(W x))", 2, lambda W: np.sum(np.maximum(W @ x0, 0))),
        ("step(W x)", 1, lambda W: (W @ x0 > 0) * 1.0),
    ],
)
def test_a_zero_kronecker_claim_of_a_kink_is_not_wrong(text, order, fn):
    where = "W: matrix(2, 3); x: vector(3)"
    if order == 2:
        assert np.allclose(hessian_fd(fn, {"W": W0}, "W"), 0)
    else:
        assert np.allclose(jacobian_fd(fn, {"W": W0}, "W"), 0)
    zero = ed.check(text, "W", claim="d vec(Y) / d vec(W)' = 0", where=where, order=order)
    plain = ed.check(text, "W", claim="0", where=where, order=order)
    assert zero.verdict == plain.verdict != "wrong", str(zero)
    off = ed.check(text, "W", claim="d vec(Y) / d vec(W)' = ones ones'", where=where, order=order)
    assert off.verdict == "wrong", str(off)
