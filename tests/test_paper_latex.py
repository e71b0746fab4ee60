"""Identities pasted from papers, as a researcher writes them (SPEC 6.2, 8; session 29's user
review). Each identity's truth is computed here with numpy (central differences of the function
written in numpy), never with einderiv's output.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed

RNG = np.random.default_rng(29)
A0 = RNG.standard_normal((4, 4))
a0 = RNG.standard_normal(4)
x0 = RNG.standard_normal(4)


def _partials(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d x[k] for every k, by central differences."""
    out = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = eps
        out.append((f(x + e) - f(x - e)) / (2 * eps))
    return np.array(out)


# A bold vector and its entries set plain with an index subscript: \mathbf{x} and x_k, as every
# paper prints them. x_k is the entry x[k], not a plain scalar x beside the vector (which was
# "x is written both bold and plain; declare its kind with where=").
ENTRIES = [
    # d x'x / dx_k = 2 x_k
    (
        r"\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial x_k} = 2 x_k",
        r"\frac{\partial \mathbf{x}^\top \mathbf{x}}{\partial x_k} = x_k",
        lambda x: x @ x,
        lambda x: 2 * x,
        lambda x: x,
    ),
    # d x'Ax / dx_k = (A_kj + A_jk) x_j, summed over j; 2 A_kj x_j needs A symmetric
    (
        r"\frac{\partial \mathbf{x}^\top \mathbf{A}\mathbf{x}}{\partial x_k} = (A_{kj} + A_{jk}) x_j",
        r"\frac{\partial \mathbf{x}^\top \mathbf{A}\mathbf{x}}{\partial x_k} = 2 A_{kj} x_j",
        lambda x: x @ A0 @ x,
        lambda x: (A0 + A0.T) @ x,
        lambda x: 2 * A0 @ x,
    ),
    # d a'x / dx_k = a_k (written a_{k} too); x_k is not it
    (
        r"\frac{\partial \mathbf{a}^\top \mathbf{x}}{\partial x_k} = a_{k}",
        r"\frac{\partial \mathbf{a}^\top \mathbf{x}}{\partial x_k} = x_k",
        lambda x: a0 @ x,
        lambda x: a0,
        lambda x: x,
    ),
]


@pytest.mark.parametrize("right, wrong, f, gradient, other", ENTRIES)
def test_plain_subscripted_letters_are_entries_of_the_bold_vector(right, wrong, f, gradient, other):
    # numpy: the right side is the partial derivative, the wrong one differs from it
    np.testing.assert_allclose(_partials(f, x0), gradient(x0), rtol=1e-6, atol=1e-8)
    assert not np.allclose(_partials(f, x0), other(x0), rtol=1e-3)
    assert ed.check_identity(right).verdict == "right"
    assert ed.check_identity(wrong).verdict == "wrong"


def test_entries_of_a_product_by_an_entry_of_the_bold_vector():
    # d (A x)_i / d x_j = A_ij (numpy: column j of the Jacobian is A's column j)
    jac = np.array([_partials(lambda x, i=i: (A0 @ x)[i], x0) for i in range(4)])
    np.testing.assert_allclose(jac, A0, rtol=1e-6, atol=1e-8)
    text = r"\frac{\partial (\mathbf{A}\mathbf{x})_i}{\partial x_j} = A_{ij}"
    assert ed.check_identity(text).verdict == "right"
    assert ed.check_identity(text.replace("A_{ij}", "A_{ji}")).verdict == "wrong"


@pytest.mark.parametrize(
    "text",
    [
        # x both ways with no subscript: which x is meant is not said
        r"\frac{\partial \mathbf{x}^\top \mathbf{x} x}{\partial \mathbf{x}} = 2 \mathbf{x}",
        # x_1 is a name (a label), not an entry: still both
        r"\frac{\partial \mathbf{x}^\top \mathbf{x} x_1}{\partial \mathbf{x}} = 2 \mathbf{x}",
    ],
)
def test_a_letter_both_bold_and_plain_is_still_refused(text):
    with pytest.raises(ed.EinderivError, match="both bold and plain"):
        ed.check_identity(text)


def test_a_bold_letter_never_closed_is_a_parse_error_at_its_brace():
    # \mathbf{x with no }: the claim cannot be read ("x is written both bold and plain" was
    # the message, as the x after the unclosed brace looked plain)
    text = (
        r"\frac{\partial \mathbf{x}^\top \mathbf{A} \mathbf{x}}{\partial \mathbf{x}}"
        r" = (\mathbf{A} + \mathbf{A}^\top)\mathbf{x"
    )
    with pytest.raises(ed.ParseError, match=r"cannot parse the claim .*unmatched '\{'"):
        ed.check_identity(text)


def test_a_sum_with_no_bounds_names_the_sum_of_entries():
    # \sum \log(1 + e^{...}) as papers write a loss: refused, pointing to \operatorname{sum}
    loss = r"\log(1 + e^{-\mathbf{y} \odot (\mathbf{X}\mathbf{w})})"
    with pytest.raises(ed.ParseError, match=r"\\sum with no bounds .*\\operatorname\{sum\}"):
        ed.parse(r"\sum " + loss)
    # the spelling it gives is the logistic loss: its gradient is numpy's differences
    X, y, w = RNG.standard_normal((5, 3)), np.sign(RNG.standard_normal(5)), RNG.standard_normal(3)
    g = ed.diff(r"\operatorname{sum}(" + loss + ")", "w", layout="denominator")
    truth = _partials(lambda v: np.sum(np.log1p(np.exp(-y * (X @ v)))), w)
    np.testing.assert_allclose(g(X=X, y=y, w=w), truth, rtol=1e-6)


def test_a_comparison_is_refused_naming_step():
    # d sum(relu(W x)) / dW = 1[W x > 0] x' (denominator layout): numpy's differences ...
    W, x = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    truth = np.array(
        [
            _partials(
                lambda r, i=i: np.sum(np.maximum(np.vstack([W[:i], r, W[i + 1 :]]) @ x, 0)), W[i]
            )
            for i in range(3)
        ]
    )
    np.testing.assert_allclose(truth, np.outer(W @ x > 0, x), rtol=1e-6, atol=1e-8)
    # ... written with a comparison, the claim is refused, naming the spelling that reads
    with pytest.raises(ed.ParseError, match=r"comparisons are not read.* is step\(u\)"):
        ed.check("sum(relu(W x))", "W", claim="(W x > 0) x'", layout="denominator")
    with pytest.raises(ed.ParseError, match=r"\\mathbb\{1\}\[u > 0\] is \\operatorname\{step\}"):
        ed.parse(r"\mathbb{1}[\mathbf{W}\mathbf{x} > 0]")
    r = ed.check("sum(relu(W x))", "W", claim="step(W x) x'", layout="denominator")
    assert r.verdict == "right"


@pytest.mark.parametrize(
    "expr, factor, written",
    [
        # d(1e-7 x'x)/dx = 2e-7 x'
        ("x' x * 1e-7", 2e-7, r"\left(2 \cdot 10^{-7}\right)"),
        # d(1.5e-8 x'x)/dx = 3e-8 x'
        ("1.5e-8 x' x", 3e-8, r"\left(3 \cdot 10^{-8}\right)"),
        # d(-5e-6 x'x)/dx = -1e-5 x'
        ("-5e-6 x' x", -1e-5, r"\left(-10^{-5}\right)"),
    ],
)
def test_a_small_constant_is_typeset_as_a_power_of_ten(expr, factor, written):
    # LaTeX typesets 2e-07 as 2e - 07 (e a letter): the constant is 2 \cdot 10^{-7}, and the
    # LaTeX reads back to the same float64 values (2 \cdot 10^{-7} is one number, 2e-7; read
    # as 2 (10.0 ** -7) it was 3.0000000000000004e-08 for 3e-8)
    g = ed.diff(expr, "x")
    latex = g.latex()
    assert written in latex and "e-0" not in latex, latex
    x = RNG.standard_normal(4)
    np.testing.assert_allclose(_partials(lambda v: factor / 2 * v @ v, x), factor * x, rtol=1e-6)
    assert np.array_equal(ed.parse(latex, shape=g.shape)(x=x), factor * x)


def test_scientific_notation_as_papers_write_it_is_one_number():
    # 3 \cdot 10^{-8}, 2 \times 10^{-3} and 10^{-5}: the numbers 3e-8, 2e-3, 1e-5 exactly
    x = RNG.standard_normal(4)
    for text, value in [
        (r"\left(3 \cdot 10^{-8}\right) \, \mathbf{x}", 3e-8),
        (r"2 \times 10^{-3} \, \mathbf{x}", 2e-3),
        (r"10^{-5} \, \mathbf{x}", 1e-5),
        (r"\frac{\mathbf{x}}{2.5 \cdot 10^{4}}", 1 / 2.5e4),
    ]:
        assert np.array_equal(ed.parse(text)(x=x), value * x), text
    # 10^{k} of a symbol stays a power; a power of it is refused or read as before
    assert "k" in ed.parse(r"2 \cdot 10^{k} \, \mathbf{x}", where="k: integer").variables


def test_an_accented_letter_is_its_own_name_beside_the_bold_vector():
    # \bar{x} is the name x_bar (a scalar beside bold vectors), not a plain x beside \mathbf{x}
    # (was "x is written both bold and plain"): d/dx (x - c 1)/s = I / s (numpy)
    c, s = 0.7, 1.9
    jac = np.array([_partials(lambda x, i=i: ((x - c) / s)[i], x0) for i in range(4)])
    np.testing.assert_allclose(jac, np.eye(4) / s, rtol=1e-6, atol=1e-8)
    left = r"\frac{\partial}{\partial \mathbf{x}} \frac{\mathbf{x} - \bar{x}\mathbf{1}}{\sigma}"
    assert ed.check_identity(left + r" = \frac{1}{\sigma}\mathbf{I}").verdict == "right"
    assert ed.check_identity(left + r" = \frac{2}{\sigma}\mathbf{I}").verdict == "wrong"


def test_a_derivative_by_an_accented_variable():
    # d ||y - y_hat||^2 / d y_hat = 2 (y_hat - y) (numpy), by \hat{\mathbf{y}} as papers write it
    y = RNG.standard_normal(4)
    np.testing.assert_allclose(
        _partials(lambda v: np.sum((y - v) ** 2), x0), 2 * (x0 - y), rtol=1e-6, atol=1e-8
    )
    left = r"\frac{\partial \|\mathbf{y} - \hat{\mathbf{y}}\|^2}{\partial \hat{\mathbf{y}}}"
    right = ed.check_identity(left + r" = 2(\hat{\mathbf{y}} - \mathbf{y})", layout="denominator")
    assert right.verdict == "right"
    wrong = ed.check_identity(left + r" = 2(\mathbf{y} - \hat{\mathbf{y}})", layout="denominator")
    assert wrong.verdict == "wrong"


def test_an_index_summed_in_one_term_and_free_in_another_is_refused():
    # x[i] y[i] + z[i]: by Einstein's rule x'y + z, written entry by entry x .* y + z; the two
    # differ (numpy), and it was read silently as the first
    x, y, z = RNG.standard_normal(4), RNG.standard_normal(4), RNG.standard_normal(4)
    assert not np.allclose(x @ y + z, x * y + z)
    with pytest.raises(ed.ShapeError, match=r"i is written twice in `x\[i\] y\[i\]`, so it is"):
        ed.parse("x[i] y[i] + z[i]")
    with pytest.raises(ed.ShapeError, match=r"j is written twice in `A\[i,j\] x\[j\]`"):
        ed.parse("b[j] + A[i,j] x[j]")
    # each reading written out is read as written
    np.testing.assert_allclose(ed.parse("x[a] y[a] + z[i]")(x=x, y=y, z=z), x @ y + z)
    np.testing.assert_allclose(ed.parse("x[a] y[a] delta[a,i] + z[i]")(x=x, y=y, z=z), x * y + z)


def test_the_softmax_jacobian_written_entry_by_entry_names_the_diagonal():
    # d s_i / d z_j = s_i delta_ij - s_i s_j (numpy); written so, i is summed in s_i delta_ij
    z = RNG.standard_normal(4)

    def softmax(v):
        e = np.exp(v - v.max())
        return e / e.sum()

    s = softmax(z)
    jac = np.array([_partials(lambda v, i=i: softmax(v)[i], z) for i in range(4)])
    np.testing.assert_allclose(jac, np.diag(s) - np.outer(s, s), rtol=1e-6, atol=1e-8)
    left = "d softmax(z)[i] / d z[j] = "
    r = ed.check_identity(left + "softmax(z)[i] delta[i,j] - softmax(z)[i] softmax(z)[j]")
    assert r.verdict == "undecided"
    assert "i is written twice" in r.reason and "diag(s)[i,j]" in r.reason, r.reason
    for claim in ("diag(softmax(z))[i,j]", "delta[i,a,j] softmax(z)[a]"):
        r = ed.check_identity(left + claim + " - softmax(z)[i] softmax(z)[j]")
        assert r.verdict == "right", r.reason
