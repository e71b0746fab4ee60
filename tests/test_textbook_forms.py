"""Printed results no longer or odder than the textbooks' forms (issue 13): a sum whose terms
are all negated has the minus taken out, an outer product is written without brackets inside
it, a scalar stands in front of a Kronecker product and of a row vector's factors. Each text is
read back with ``ed.parse`` and compared with finite differences of numpy code written here.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import assert_close, hessian_fd, jacobian_fd, to_layout

RNG = np.random.default_rng(13)
GAUSS = "-0.5 logdet(S) - 0.5 (x - m)' inv(S) (x - m)"


def _gauss(S, x, m):
    d = x - m
    return -0.5 * np.linalg.slogdet(S)[1] - 0.5 * d @ np.linalg.solve(S, d)


def _read_back(g, where, values):
    back = ed.parse(str(g), where=where, shape=g.shape)
    return back(**{k: values[k] for k in back.variables})


def _right_side(text):
    left, _, right = text.partition("=")
    assert left.replace(" ", "").startswith("dvec(Y)/dvec("), text
    return right


@pytest.mark.parametrize(
    "expr, wrt, where, fn",
    [
        # d2/dm2 of the Gaussian log-likelihood = -0.5 (S^-1 + S^-T), not 0.5 (-S^-1 - S^-T)
        (GAUSS, "m", "S: matrix(n, n); x: vector(n); m: vector(n)", _gauss),
        # the GP marginal likelihood by y: -0.5 (K^-1 + K^-T)
        (
            "-0.5 y' inv(K) y - 0.5 logdet(K)",
            "y",
            "K: matrix(n, n); y: vector(n)",
            lambda K, y: -0.5 * y @ np.linalg.solve(K, y) - 0.5 * np.linalg.slogdet(K)[1],
        ),
        # -2 x' A x - 3 x' B x: no term of the form c (-P - Q)
        (
            "-2 x' A x - 3 x' B x",
            "x",
            "A: matrix(n, n); B: matrix(n, n); x: vector(n)",
            lambda A, B, x: -2 * x @ A @ x - 3 * x @ B @ x,
        ),
    ],
)
def test_a_sum_of_negated_terms_has_the_minus_taken_out(expr, wrt, where, fn):
    g = ed.hessian(expr, wrt, where=where)
    text = str(g)
    assert "(-" not in text, text
    values = {
        "S": RNG.normal(size=(3, 3)) + 4 * np.eye(3),
        "K": RNG.normal(size=(3, 3)) + 4 * np.eye(3),
        "A": RNG.normal(size=(3, 3)),
        "B": RNG.normal(size=(3, 3)),
        "x": RNG.normal(size=3),
        "m": RNG.normal(size=3),
        "y": RNG.normal(size=3),
    }
    args = {k: values[k] for k in fn.__code__.co_varnames[: fn.__code__.co_argcount]}
    expected = hessian_fd(fn, args, wrt)
    assert_close(_read_back(g, where, values), expected, rtol=1e-4, atol=1e-5, what=text)


def test_the_gaussian_hessian_is_written_with_the_sign_in_front():
    # -0.5 (S^-1 + S^-T): as long as the textbook's, the minus in front
    g = ed.hessian(GAUSS, "m", where="S: matrix(n, n); x: vector(n); m: vector(n)")
    assert str(g).startswith("-") and str(g).count("-") == 3, str(g)  # -0.5, S^-1, S^-T


@pytest.mark.parametrize(
    "expr, fn",
    [
        # Rayleigh quotient: the Hessian has x x' (A + A'), an outer product, not x (x' (A + A'))
        ("x' A x / (x' x)", lambda A, B, x: x @ A @ x / (x @ x)),
        ("x' A x x' B x", lambda A, B, x: (x @ A @ x) * (x @ B @ x)),
    ],
)
def test_an_outer_product_times_a_matrix_has_no_brackets_inside(expr, fn):
    where = "A: matrix(n, n); B: matrix(n, n); x: vector(n)"
    g = ed.hessian(expr, "x", where=where)
    text = str(g)
    assert "x (x'" not in text and "x x' (" in text, text
    values = {"A": RNG.normal(size=(4, 4)), "B": RNG.normal(size=(4, 4)), "x": RNG.normal(size=4)}
    expected = hessian_fd(fn, values, "x")
    assert_close(_read_back(g, where, values), expected, rtol=1e-4, atol=1e-5, what=text)


def _vec_hessian(fn, values, wrt, numerator):
    """d vec(G) / d vec(X)' for G the gradient (shaped like X), or, ``numerator``, its
    transpose; H[i,j,k,l] = d2 f / dX[i,j] dX[k,l] by finite differences."""
    H = hessian_fd(fn, values, wrt)
    if numerator:  # G[j,i] = df/dX[i,j]
        H = H.transpose(1, 0, 2, 3)
    return H.reshape(H.shape[0] * H.shape[1], -1, order="F")


@pytest.mark.parametrize(
    "expr, wrt, where, fn, layout",
    [
        # 0.5 kron(S^-1, S^-T) commutation(n, n) - ..., not 0.5 (kron(..) commutation(n, n))
        (GAUSS, "S", "S: matrix(n, n); x: vector(n); m: vector(n)", _gauss, "jacobian"),
        # ||X - U V'||_F^2 by U in numerator layout: 2 kron(I, V' V) commutation(n, r)
        (
            "tr((X - U V')' (X - U V'))",
            "U",
            "X: matrix(n, p); U: matrix(n, r); V: matrix(p, r)",
            lambda X, U, V: np.sum((X - U @ V.T) ** 2),
            "numerator",
        ),
        # -det(X): a negated scalar in front, -det(X) kron(..) commutation(n, n)
        ("-det(X)", "X", "X: matrix(n, n)", lambda X: -np.linalg.det(X), "jacobian"),
    ],
)
def test_a_scalar_in_front_of_a_kronecker_product_needs_no_brackets(expr, wrt, where, fn, layout):
    g = ed.hessian(expr, wrt, where=where, layout=layout)
    text = _right_side(g.kronecker())
    assert "(kron(" not in text and "commutation" in text, text
    values = {
        "S": RNG.normal(size=(3, 3)) + 4 * np.eye(3),
        "x": RNG.normal(size=3),
        "m": RNG.normal(size=3),
        "X": RNG.normal(size=(3, 4)) if wrt == "U" else RNG.normal(size=(3, 3)),
        "U": RNG.normal(size=(3, 2)),
        "V": RNG.normal(size=(4, 2)),
    }
    args = {k: values[k] for k in fn.__code__.co_varnames[: fn.__code__.co_argcount]}
    expected = _vec_hessian(fn, args, wrt, layout == "numerator")
    back = ed.parse(text, where=where)
    got = back(**{k: values[k] for k in back.variables})
    assert_close(got, expected, rtol=1e-4, atol=1e-5, what=text)


def _cross_entropy(W, x, y):
    z = W @ x
    return -y @ (z - np.log(np.sum(np.exp(z))))


@pytest.mark.parametrize(
    "expr, wrt",
    [
        ("-y' log(softmax(W x))", "W"),
        ("sum(y) logsumexp(W x) - y' W x", "W"),
        ("sum(y) logsumexp(W x) - y' W x", "x"),  # (sum(y) softmax(W x) - y)' W
    ],
)
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_a_scalar_stands_in_front_of_the_vector_it_scales(expr, wrt, layout):
    # d/dW = x (sum(y) softmax(W x) - y)' in numerator layout, as the denominator layout
    # writes (sum(y) softmax(W x) - y) x': never softmax(W x) sum(y) (a scalar after a column
    # that a row vector then multiplies)
    where = "W: matrix(m, n); x: vector(n); y: vector(m)"
    g = ed.diff(expr, wrt, where=where, layout=layout)
    text = str(g)
    assert "sum(y) softmax(W x)" in text and ") sum(y)" not in text, text
    values = {"W": RNG.normal(size=(4, 3)), "x": RNG.normal(size=3), "y": RNG.uniform(size=4)}
    jac = jacobian_fd(_cross_entropy, values, wrt)
    expected = to_layout(jac, 0, np.ndim(values[wrt]), layout)
    assert_close(_read_back(g, where, values), expected, rtol=1e-4, atol=1e-6, what=text)
