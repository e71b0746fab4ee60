"""Simplification people expect (issue 13, item 4): a sum of deviations from the mean is 0.

Each derivative is compared with central finite differences of plain numpy code written here,
and its printed form reads back to the same values.
"""

import numpy as np

import einderiv as ed
from einderiv.ir import index_ir as T
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(4)
CENTRED = "x - ones sum(x) / sum(x .^ 0)"  # x minus its mean


def _centred(x):
    return x - np.mean(x)


def test_a_sum_of_deviations_from_the_mean_is_zero():
    # sum(x - n^-1 sum(x)) = sum(x) - sum(x) = 0
    f = ed.parse(f"sum({CENTRED})")
    g = ed.diff(f, "x")
    assert isinstance(g.term, T.Zero)  # the derivative is recognised as zero, not just evaluated
    x = rng.normal(size=5)
    assert np.allclose(f(x=x), 0.0) and np.allclose(g(x=x), 0.0)


def test_the_norm_of_centred_data_has_no_sum_of_deviations():
    # d norm2(x - mean(x)) / dx = (x - mean(x))' / norm2(x - mean(x)): the Jacobian of
    # centring, I - ones ones'/n, applied to a centred vector changes nothing
    g = ed.diff(f"norm2({CENTRED})", "x")
    text = str(g)
    assert "sum(x - " not in text
    x = rng.normal(size=5)
    expected = to_layout(
        jacobian_fd(lambda x: np.linalg.norm(_centred(x)), {"x": x}, "x"), 0, 1, "numerator"
    )
    assert np.allclose(g(x=x), expected, atol=1e-6)
    assert np.allclose(ed.parse(text)(x=x), expected, atol=1e-6)


def test_layer_norm_gradient_reads_back():
    # f = sum(exp(x - mean(x))): the gradient keeps its mean term, and stays right
    g = ed.diff(f"sum(exp({CENTRED}))", "x")
    x = rng.normal(size=4)
    expected = to_layout(
        jacobian_fd(lambda x: np.sum(np.exp(_centred(x))), {"x": x}, "x"), 0, 1, "numerator"
    )
    assert np.allclose(g(x=x), expected, atol=1e-6)
    assert np.allclose(ed.parse(str(g))(x=x), expected, atol=1e-6)
