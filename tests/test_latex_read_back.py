"""LaTeX that einderiv prints reads back to the same function (found by the named-form property
of test_cse_properties): each case's LaTeX is parsed and compared with numpy written here.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(11)
A = rng.uniform(0.5, 1.5, size=(2, 3))
W = np.eye(3) * 2 + 0.1 * rng.normal(size=(3, 3))


@pytest.mark.parametrize(
    "latex, fn",
    [
        # A^{\circ 2} is A .^ 2 (the Hadamard power), not A ^ (.* 2)
        (r"A^{\circ 2}", lambda A: A**2),
        (r"A^{\circ 2} \odot A", lambda A: A**3),
        (r"\left(1 + A\right)^{\circ -1}", lambda A: 1 / (1 + A)),
        (r"A \odot A^{\circ -\frac{1}{2}}", lambda A: np.sqrt(A)),
    ],
)
def test_hadamard_powers_read_back(latex, fn):
    f = ed.parse(latex, where="A: matrix(m, n)")
    np.testing.assert_allclose(f(A=A), fn(A), rtol=1e-12)
    np.testing.assert_allclose(ed.parse(f.latex(), where="A: matrix(m, n)")(A=A), fn(A))


def test_log_det_squared_is_not_log_of_det_squared():
    # d/dW logdet(W)^2 = 2 logdet(W) W^-T (denominator), printed (\log\det W) parenthesised
    g = ed.diff("logdet(W) .^ 2", "W", layout="denominator")
    expected = jacobian_fd(lambda W: np.log(np.linalg.det(W)) ** 2, {"W": W}, "W")
    back = ed.parse(g.latex())
    np.testing.assert_allclose(back(W=W), expected, rtol=1e-6)
    np.testing.assert_allclose(ed.parse(r"\log\det\left(W\right)^{2}")(W=W),
                               np.log(np.linalg.det(W) ** 2))  # fmt: skip


def test_an_order_four_result_reads_back_from_its_latex():
    # d vec(cos(A .^ 2)) / d vec(A)': the entry (...)_{(i,j) (l,k)} of a parenthesised form
    where = "A: matrix(m, n)"
    g = ed.diff("cos(A .^ 2)", "A", where=where)
    assert r"\right)_{(i,j) (l,k)}" in g.latex()
    expected = to_layout(jacobian_fd(lambda A: np.cos(A**2), {"A": A}, "A"), 2, 2, "numerator")
    np.testing.assert_allclose(ed.parse(g.latex(), where=where)(A=A), expected, atol=1e-6)


def test_a_commutation_matrix_of_named_sizes_reads_back():
    # d S / d S for S symmetric(d1): 0.5 (I + K) with K_{\mathrm{d1},\mathrm{d1}}
    where = "S: symmetric(d1)"
    g = ed.diff("S", "S", where=where)
    assert r"K_{\mathrm{d1},\mathrm{d1}}" in g.latex()
    back = ed.parse(g.latex(), where=where)
    S = W + W.T
    np.testing.assert_allclose(back(S=S), g(S=S))
    eye = np.eye(3)
    half = 0.5 * (np.einsum("ik,jl->ijkl", eye, eye) + np.einsum("il,jk->ijkl", eye, eye))
    np.testing.assert_allclose(g(S=S), half.transpose(0, 1, 3, 2))


@pytest.mark.parametrize("bad", [r"\left(A\right)_{(i,j) + }", r"A^{\circ}"])
def test_bad_subscripts_and_powers_are_parse_errors(bad):
    with pytest.raises(ed.ParseError):
        ed.parse(bad, where="A: matrix(m, n)")
