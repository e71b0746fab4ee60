"""Printed forms of ML losses and layers (a review as an ML engineer uses them): each result is
compared with central finite differences of plain numpy written here, reads back to the same
values, and is no longer than the textbook form.
"""

import numpy as np

import einderiv as ed
from tests.fd import hessian_fd, jacobian_fd, to_layout

rng = np.random.default_rng(23)


def _layer_norm(x, eps):
    c = x - x.mean()
    return c / np.sqrt(np.mean(c**2) + eps)


def test_a_quotient_by_a_scalar_is_transposed_inside():
    # (A / s)' = A' / s: the Jacobian of layer norm, symmetric, prints alike in both layouts,
    # (I - ones ones' / n) / sigma - ..., not (I - (ones ones' / len(x))') / sigma - ...
    where = "x: vector(n); eps: scalar"
    f = "(x - mean(x)) / sqrt(mean((x - mean(x)) .^ 2) + eps)"
    x, eps = rng.normal(size=5), 0.1
    jac = jacobian_fd(_layer_norm, {"x": x, "eps": eps}, "x")
    texts = {}
    for layout in ("numerator", "denominator"):
        g = ed.diff(f, "x", where=where, layout=layout)
        expected = to_layout(jac, 1, 1, layout)
        np.testing.assert_allclose(g(x=x, eps=eps), expected, rtol=1e-6, atol=1e-8)
        again = ed.parse(str(g), where=where, shape=g.shape)
        np.testing.assert_allclose(again(x=x, eps=eps), expected, rtol=1e-6, atol=1e-8)
        texts[layout] = str(g)
    assert texts["denominator"].count("'") == texts["numerator"].count("'")
    # a plain matrix over a scalar: (A x / s)' by x is A' / s, one transpose
    g = ed.diff("A x / s", "x", where="s: scalar", layout="denominator")
    A, s = rng.normal(size=(3, 4)), 1.7
    np.testing.assert_allclose(g(A=A, s=s), A.T / s)
    assert str(g).count("'") == 1


def _numbers_inside_products(e) -> list:
    """The numbers that a product writes after another factor (``S^-1 0.5 (...)``)."""
    from einderiv.ir import matrix_ir as M

    found = []
    if isinstance(e, M.MatMul):
        chain, x = [], e
        while isinstance(x, M.MatMul):
            chain.append(x.right)
            x = x.left
        chain.append(x)
        chain.reverse()
        found += [f for f in chain[1:] if isinstance(f, M.Number)]
        parts = chain
    else:
        parts = [getattr(e, n) for n in ("left", "right", "operand", "base") if hasattr(e, n)]
        parts += list(getattr(e, "args", ()))
    for part in parts:
        if isinstance(part, M.MExpr) and part is not e:
            found += _numbers_inside_products(part)
    return found


def _gaussian(S, x, m):
    d = x - m
    return -0.5 * np.linalg.slogdet(S)[1] - 0.5 * d @ np.linalg.solve(S, d)


def test_a_coefficient_left_by_factoring_is_written_in_front():
    # d/dS of the Gaussian log-likelihood is 0.5 S^-1 ((x - m)(x - m)' S^-1 - I) (numerator),
    # a shared S^-1 taken out of -0.5 S^-1 + 0.5 S^-1 d d' S^-1; the 0.5 leads the product
    # (it printed S^-1 0.5 (...)); likewise 2 x' (...) for the Rayleigh quotient, not x' 2 (...)
    A = rng.normal(size=(3, 3))
    S, x, m = A @ A.T + 3 * np.eye(3), rng.normal(size=3), rng.normal(size=3)
    where = "S: matrix(n, n); x: vector(n); m: vector(n)"
    f = "-0.5 logdet(S) - 0.5 (x - m)' inv(S) (x - m)"
    jac = jacobian_fd(_gaussian, {"S": S, "x": x, "m": m}, "S")
    for layout in ("numerator", "denominator"):
        g = ed.diff(f, "S", where=where, layout=layout)
        expected = to_layout(jac, 0, 2, layout)
        np.testing.assert_allclose(g(S=S, x=x, m=m), expected, rtol=1e-6, atol=1e-8)
        again = ed.parse(str(g), where=where, shape=g.shape)
        np.testing.assert_allclose(again(S=S, x=x, m=m), expected, rtol=1e-6, atol=1e-8)
        assert _numbers_inside_products(g.matrix()) == []
    B = rng.normal(size=(3, 3))
    A, v = B + B.T, rng.normal(size=3)
    g = ed.diff("x' A x / (x' x)", "x", where="A: symmetric(n)")
    jac = jacobian_fd(lambda x, A: x @ A @ x / (x @ x), {"x": v, "A": A}, "x")
    np.testing.assert_allclose(g(x=v, A=A), jac, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ed.parse(str(g))(x=v, A=A), jac, rtol=1e-6, atol=1e-8)
    assert _numbers_inside_products(g.matrix()) == []


def _scaled_layer_norm(x, g, eps):
    return g @ _layer_norm(x, eps)


def test_a_sum_over_the_size_of_another_vector_is_a_mean():
    # sum(x) / n is mean(x) whichever vector of size n measures n: the gain g of layer norm
    # (a name before x) printed sum(x) / len(g) where the same loss with gain z prints mean(x)
    f = "{g}' ((x - mean(x)) / sqrt(mean((x - mean(x)) .^ 2) + eps))"
    x, gain, eps = rng.normal(size=5), rng.normal(size=5), 0.1
    values = {"x": x, "g": gain, "eps": eps}
    for wrt in ("x", "g"):
        jac = jacobian_fd(_scaled_layer_norm, values, wrt)
        lengths = []
        for name in ("g", "z"):
            where = f"x: vector(n); {name}: vector(n); eps: scalar"
            g = ed.diff(f.format(g=name), name if wrt == "g" else "x", where=where)
            args = {"x": x, name: gain, "eps": eps}
            np.testing.assert_allclose(g(**args), jac, rtol=1e-6, atol=1e-8)
            again = ed.parse(str(g), where=where, shape=g.shape)
            np.testing.assert_allclose(again(**args), jac, rtol=1e-6, atol=1e-8)
            lengths.append(len(str(g)))
        assert lengths[0] == lengths[1]
    # sum(x) / len(g) with g and x of other sizes stays as it is: no mean of another count
    g = ed.diff("sum(x) h / len(g)", "h", where="x: vector(m); g: vector(n); h: vector(n)")
    x, v = rng.normal(size=4), rng.normal(size=3)
    np.testing.assert_allclose(g(x=x, g=v, h=v), np.sum(x) / 3 * np.eye(3))
    assert "mean" not in str(g)


def _cosine(x, y):
    return x @ y / (np.linalg.norm(x) * np.linalg.norm(y))


def test_a_power_of_a_product_merges_with_a_factor_beside_it():
    # (u v)^k = u^k v^k for an integer k: the cosine similarity's gradient is
    # y' / (|x| |y|) - x'y x' / (|x|^3 |y|), not ... - |y| x'y x' / ((|x| |y|)^2 |x|)
    x, y = rng.normal(size=4), rng.normal(size=4)
    f = "x' y / (norm2(x) norm2(y))"
    g = ed.diff(f, "x")
    jac = jacobian_fd(_cosine, {"x": x, "y": y}, "x")
    np.testing.assert_allclose(g(x=x, y=y), jac, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ed.parse(str(g))(x=x, y=y), jac, rtol=1e-6, atol=1e-8)
    assert str(g).count("norm2(y)") == 2  # once in each term: nothing left to cancel
    h = ed.hessian(f, "x")
    hes = hessian_fd(_cosine, {"x": x, "y": y}, "x")
    np.testing.assert_allclose(h(x=x, y=y), hes, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ed.parse(str(h))(x=x, y=y), hes, rtol=1e-4, atol=1e-6)
    assert str(h).count("norm2(y)") == 1
    # the long form is still proved right as a claim
    long = "y' / (norm2(x) norm2(y)) - norm2(y) x' y x' / ((norm2(x) norm2(y))^2 norm2(x))"
    assert ed.check(f, "x", claim=long).verdict == "right"
