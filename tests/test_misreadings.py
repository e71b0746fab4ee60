"""Texts a reader takes otherwise than a literal reading would (review AH): refused with a
suggestion, or read and said so. Every value that is still read is compared with plain numpy."""

import warnings

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd
from tests.named_forms import read_lines

rng = np.random.default_rng(41)
n = 4
A0 = rng.normal(size=(n, n)) + 3 * np.eye(n)
X0 = rng.normal(size=(n, n)) * 0.5
x0, b0 = rng.normal(size=n), rng.normal(size=n)


def _quiet(text, where=None):
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        f = ed.parse(text, where=where)
    return f, [str(w.message) for w in said]


# MATLAB's A \ b is inv(A) b; the LaTeX control space "\ " would make it the product A b
@pytest.mark.parametrize("text", ["A \\ b", "(X'*X) \\ (X'*y)"])
def test_left_division_is_refused(text):
    with pytest.raises(ed.ParseError, match=r"left division.*inv\(A\) b") as caught:
        ed.parse(text)
    assert "^" in str(caught.value)  # the caret under the backslash


def test_a_control_space_in_latex_is_a_space():
    # \mathbf{A} \ \mathbf{b} = A b, as TeX typesets it
    f = ed.parse(r"\mathbf{A} \ \mathbf{b}")
    np.testing.assert_allclose(f(A=A0, b=b0), A0 @ b0)


# sum_{i=1}^{3} x_i picks entries; einderiv's finite sum adds copies of its body
@pytest.mark.parametrize(
    "text", ["sum_{i=1}^{3}(x[i])", "sum_{i=1}^{2}(A[i,i])", r"\sum_{i=1}^{3} \left(x_i\right)"]
)
def test_a_sum_counter_never_picks_entries(text):
    with pytest.raises(ed.ShapeError, match="picks no entries"):
        ed.parse(text)


# \sum_{i=1}^n x_i^2, as pasted from a paper: the counter is said first, not the bound n
# (declaring n: integer only led to "x_i^2: a matrix power needs a square matrix")
@pytest.mark.parametrize("where", [None, "n: integer"])
@pytest.mark.parametrize("text", [r"\sum_{i=1}^n x_i^2", r"\sum_{i=1}^{n} x_i y_i"])
def test_a_sum_counter_as_a_subscript_is_said_before_the_bounds(text, where):
    with pytest.raises(ed.ShapeError, match="picks no entries") as caught:
        ed.parse(text, where=where)
    assert "sum(x)" in str(caught.value)  # what to write instead


def test_a_finite_sum_of_powers_still_reads():
    # sum_{r=0}^{2} X^r = I + X + X^2
    f = ed.parse("sum_{r=0}^{2}(X^r)", where="X: matrix(n, n)")
    np.testing.assert_allclose(f(X=X0), np.eye(n) + X0 + X0 @ X0, rtol=1e-12)


# tr(A[i,j]) of the number A[i,j] is A[i,j]; its reader means tr(A)
@pytest.mark.parametrize(
    "text",
    ["tr(A[i,j])", "sum(x[i])", "norm2(x[i])", "mean(x[i])", "norm1(x[i])", "adj(A[i,j])"],
)
def test_a_matrix_function_of_entries_is_refused(text):
    with pytest.raises(ed.ShapeError, match="free indices"):
        ed.parse(text)


def test_inverse_of_entries_is_refused_and_its_spellings_read():
    with pytest.raises(ed.ParseError, match=r"inv\(A\)\[i,j\]"):
        ed.parse("inv(A[i,j]) b[j]")
    # (A^-1)[i,j] b[j] = solve(A, b); A[i,j]^-1 is the reciprocal of each entry
    solve = ed.parse("inv(A)[i,j] b[j]")
    np.testing.assert_allclose(solve(A=A0, b=b0), np.linalg.solve(A0, b0), rtol=1e-10)
    reciprocal = ed.parse("A[i,j]^-1")
    np.testing.assert_allclose(reciprocal(A=A0), 1 / A0, rtol=1e-12)
    # det(A[i,j]) is the determinant of the matrix the free indices range over; tr(A[i,i])
    np.testing.assert_allclose(ed.parse("det(A[i,j])", where="A: matrix(n, n)")(A=A0),
                               np.linalg.det(A0), rtol=1e-10)  # fmt: skip
    np.testing.assert_allclose(ed.parse("A[i,i]")(A=A0), np.trace(A0), rtol=1e-12)


# sum_{r=5}^{2} u = -(u(3) + u(4)): the convention of sum_{r=0}^{k-1} for negative k, said
def test_a_backward_sum_is_said():
    f, said = _quiet("sum_{r=5}^{2}(r)")
    assert f() == -(3 + 4)
    assert any("minus the sum over r = 3 .. 4" in s for s in said)
    empty, said = _quiet("sum_{r=0}^{-1}(r)")
    assert empty() == 0 and not said


# an integer variable named as a size is that size
def test_an_integer_named_as_a_size_is_the_size():
    f = ed.parse("sum(x) / n", where="x: vector(n); n: integer")
    x = np.arange(1.0, 5.0)
    assert f(x=x) == pytest.approx(np.mean(x))
    assert f(x=x, n=4) == pytest.approx(np.mean(x))
    for run in (f, f.compile()):
        with pytest.raises(ed.EvaluationError, match="n = 4 .*n=3 was passed"):
            run(x=x, n=3)
    for compiled in (ed.parse("sum(x) / n", where="x: vector(n); n: integer").compile(),):
        assert compiled(x=x, n=4) == pytest.approx(np.mean(x))  # the fast entry, then:
        with pytest.raises(ed.EvaluationError, match="n = 4 .*n=5 was passed"):
            compiled(x=x, n=5)
    # d (sum(x) / n) / dx = ones' / n: n, given alone, is the size of ones
    g = ed.diff(f, "x")
    np.testing.assert_allclose(g(n=4), np.full(4, 0.25))
    np.testing.assert_allclose(g.compile()(n=4), np.full(4, 0.25))
    power = ed.parse("X^k", where="X: matrix(k, k); k: integer")
    np.testing.assert_allclose(power(X=X0), np.linalg.matrix_power(X0, n), rtol=1e-12)
    with pytest.raises(ed.EvaluationError, match="k = 4"):
        power(X=X0, k=3)


# x' A x + b' x + c: c undeclared is a vector (SPEC 1), so the quadratic is added to every
# entry of it; the constant a reader sees is declared c: scalar
def test_a_lower_case_name_added_to_a_scalar_is_said():
    _, said = _quiet("x' A x + b' x + c")
    assert any("read c as a vector" in s and "c: scalar" in s for s in said)
    for quiet in ("log(1 + exp(z))", "x' x + x", "x - mu"):
        assert not _quiet(quiet)[1], quiet
    f, said = _quiet("x' A x + b' x + c", where="c: scalar")
    assert not said and f.shape == ()
    # d(x' A x + b' x + c)/dx = x' (A + A') + b' (numerator layout), by finite differences
    g = ed.diff(f, "x")
    jac = jacobian_fd(lambda x: x @ A0 @ x + b0 @ x + 0.7, {"x": x0}, "x")
    np.testing.assert_allclose(g(x=x0, A=A0, b=b0), jac, rtol=1e-6)


# only the body of a sum is looked at (review AI): a counter named like an index or a
# subscript elsewhere is refused no more; a bold name is a vector as written, said nowhere
def test_a_counter_is_judged_in_its_body_and_bold_is_a_vector():
    x = np.arange(1.0, 4.0)
    w_k = np.array([2.0, -1.0, 0.5])
    f = ed.parse("w_k' x + sum_{k=1}^{3}(k)")
    assert f(w_k=w_k, x=x) == pytest.approx(w_k @ x + 6)
    g = ed.parse("sum_{k=1}^{3}(k) x[k]")
    np.testing.assert_allclose(g(x=x), 6 * x)
    _, said = _quiet(r"\mathbf{x}^\top A \mathbf{x} + \mathbf{b}")
    assert not said
    _, said = _quiet(r"\mathbf{x}^\top A \mathbf{x} + c")
    assert any("read c as a vector" in s for s in said)


# -n/2 log(2 pi) - 1/2 log det S (a Gaussian log-likelihood): an undeclared n is a vector by the
# case rule, so the scalar log det term is added to every entry of it; said even when n stands
# scaled (divided, negated, times a scalar), as it was when n stood alone
@pytest.mark.parametrize(
    ("text", "numpy_f"),
    [
        ("-n/2 log(2) - 0.5 logdet(S)", lambda v, S: -v / 2 * np.log(2) - 0.5 * _logdet(S)),
        (
            r"-\frac{n}{2}\log(2) - \frac{1}{2}\log\det S",
            lambda v, S: -v / 2 * np.log(2) - 0.5 * _logdet(S),
        ),
        ("n / 2 + tr(S)", lambda v, S: v / 2 + np.trace(S)),
        ("tr(S) - 2 n / 3", lambda v, S: np.trace(S) - 2 * v / 3),
    ],
)
def test_a_scaled_vector_added_to_a_scalar_is_said(text, numpy_f):
    f, said = _quiet(text)
    assert any("read n as a vector" in s for s in said), said
    S, v = A0 @ A0.T, rng.normal(size=3)
    np.testing.assert_allclose(f(n=v, S=S), numpy_f(v, S))  # the reading said: entrywise
    with warnings.catch_warnings():  # declared a scalar: no note, and a scalar
        warnings.simplefilter("error")
        g = ed.parse(text, where="n: scalar")
    np.testing.assert_allclose(g(n=2.5, S=S), numpy_f(2.5, S))


def _logdet(S):
    return np.linalg.slogdet(S)[1]


# log(2 pi) in plain text has a variable pi, as \pi has in LaTeX (SPEC 6.2: Greek letters are
# names): said in both, as papers mean 3.14159...; declared, not said
def test_pi_in_plain_text_is_said_to_be_a_variable():
    f, said = _quiet("-0.5 log(2 pi) - 0.5 x' x")
    assert any("read pi as the scalar variable pi" in s for s in said), said
    np.testing.assert_allclose(f(pi=np.pi, x=x0), -0.5 * np.log(2 * np.pi) - 0.5 * x0 @ x0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ed.parse("log(2 pi)", where="pi: scalar")


# d tr(X^k)/dX = k X^(k-1): the exponent of a matrix power is an integer, so k is one wherever
# else it stands; the printed derivative reads back without declaring k (it was a vector, and
# `the exponent k - 1 is not a scalar`)
@pytest.mark.parametrize("text", ["k X^(k - 1)", r"k \, X^{k - 1}", "tr(X^k) + k"])
def test_a_name_in_a_matrix_power_exponent_is_an_integer_wherever_else_it_stands(text):
    f, _ = _quiet(text)
    assert f.variables["k"].kind == "integer"
    want = np.trace(X0 @ X0 @ X0) + 3 if text.startswith("tr") else 3 * X0 @ X0
    np.testing.assert_allclose(f(X=X0, k=3), want)


def test_the_derivative_of_tr_x_to_the_k_reads_back_undeclared():
    g = ed.diff("tr(X^k)", "X")
    back = ed.parse(str(g), shape=g.shape)
    # k X^(k-1) at k = 4, against finite differences of tr(X^4) (numerator layout: transposed)
    fd = jacobian_fd(lambda X: np.trace(np.linalg.matrix_power(X, 4)), {"X": X0}, "X")
    np.testing.assert_allclose(back(X=X0, k=4), fd.T, rtol=1e-5, atol=1e-6)
    # a divisor still forces a scalar, which no matrix power takes: refused, saying so
    with pytest.raises(ed.ShapeError, match="declare `n: integer`"):
        ed.parse("tr(X^n) / n")


# A^{\!\top} x = A' x: a negative thin space inside the superscript (papers tighten the T so)
# is spacing, as it is elsewhere; it was refused as "\top belongs in a superscript"
@pytest.mark.parametrize("sup", [r"{\!\top}", r"{\,\top}", r"{\;T}", r"{\! \intercal}"])
def test_spacing_inside_a_transpose_superscript_is_ignored(sup):
    f = ed.parse(rf"\mathbf{{A}}^{sup}\mathbf{{x}}")
    M, v = rng.normal(size=(5, 3)), rng.normal(size=5)
    np.testing.assert_allclose(f(A=M, x=v), M.T @ v)


# A^{\odot 2} is the Hadamard power A .^ 2, as A^{\circ 2} is (was refused: "unexpected '.*'")
@pytest.mark.parametrize(("text", "power"), [(r"\mathbf{A}^{\odot 2}", 2), (r"A^{\odot -1}", -1)])
def test_a_hadamard_power_written_with_odot_is_elementwise(text, power):
    M = rng.uniform(0.5, 2.0, size=(5, 3))
    np.testing.assert_allclose(ed.parse(text)(A=M), M**power)


# σ(z) is the sigmoid (SPEC 6.2), so σ⁻¹(p) may be its inverse (the logit) and σ²(z) its square
# (as sin²(z) is), while einderiv reads the scalar sigma to the power times (...): said, in
# plain text as in LaTeX (\sigma^2(x) was said; \sigma^{-1}(x), σ²(x), sigma^-1(x) were not)
@pytest.mark.parametrize(
    ("text", "power"),
    [(r"\sigma^{-1}(x)", -1), (r"\sigma^{-2}\left(x\right)", -2), ("σ⁻¹(x)", -1),
     ("σ²(x)", 2), ("sigma^-1(x)", -1), ("σ^{-1}(x)", -1)],
)  # fmt: skip
def test_a_power_of_sigma_before_a_parenthesis_is_said_to_be_a_product(text, power):
    f, said = _quiet(text)
    assert any("as the product sigma^" in s for s in said), said
    np.testing.assert_allclose(f(sigma=1.7, x=x0), 1.7**power * x0)
    with warnings.catch_warnings():  # declared: the product, nothing said
        warnings.simplefilter("error")
        g = ed.parse(text, where="sigma: scalar")
    np.testing.assert_allclose(g(sigma=1.7, x=x0), 1.7**power * x0)


# d(sigma^2 ||x - y||^2)/dx = 2 sigma^2 (x - y)': einderiv prints the product with a space before
# the parenthesis, which is no call (sigma^2(x) touching is): it reads back silently, and right
def test_a_printed_power_of_sigma_times_a_parenthesis_reads_back_silently():
    g = ed.diff("sigma^2 norm2(x - y)^2", "x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = ed.parse(str(g))
    y = rng.normal(size=x0.size)
    fd = jacobian_fd(lambda x: 1.7**2 * np.sum((x - y) ** 2), {"x": x0}, "x")
    np.testing.assert_allclose(back(x=x0, y=y, sigma=1.7), fd, rtol=1e-6)
    assert ed.check("sigma^2 norm2(x - y)^2", "x", claim=str(g)).verdict == "right"


# y = X beta (linear regression): an undeclared Greek letter is a scalar (SPEC 6.3), so X beta
# scales X and y' X beta is a row, sum(X theta) = theta sum(X), where papers mean a vector
# (1' X theta); a coefficient is written on the left (beta X): said, and read as written
@pytest.mark.parametrize(
    ("text", "numpy_f"),
    [
        ("sum(X theta)", lambda X, y, t: t * X.sum()),
        (r"\mathbf{y}^\top\mathbf{X}\theta", lambda X, y, t: t * (y @ X)),
        ("X θ", lambda X, y, t: t * X),
    ],
)
def test_a_greek_letter_on_the_right_of_a_matrix_is_said_to_be_a_scalar(text, numpy_f):
    f, said = _quiet(text)
    assert any("read the Greek letter theta as a scalar" in s for s in said), said
    M, y = rng.normal(size=(5, 3)), rng.normal(size=5)
    np.testing.assert_allclose(f(**{k: v for k, v in {"X": M, "y": y}.items()
                                    if k in f.variables}, theta=0.3), numpy_f(M, y, 0.3))  # fmt: skip
    # declared a vector: the paper's reading, 1' X theta, nothing said
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = ed.parse("sum(X theta)", where="theta: vector(n)")
    th = rng.normal(size=3)
    np.testing.assert_allclose(g(X=M, theta=th), (M @ th).sum())


def test_a_greek_coefficient_written_on_the_left_or_after_i_is_not_said():
    # lambda A and A' A + I lambda (as einderiv prints it) are read silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ed.parse("lambda A")
        ed.parse("inv(A' A + I lambda)")


# d sum(exp(beta x))/dx = beta exp(beta x)', d y' exp(beta x)/dy = exp(beta x)': a transposed
# product keeps a scalar variable in front (beta x', not x' beta, which the note above says
# most likely means a vector beta), so einderiv's own results read back silently, and right
def _softmax(u):
    return np.exp(u - u.max()) / np.exp(u - u.max()).sum()


@pytest.mark.parametrize(
    ("text", "wrt", "numpy_f"),
    [
        ("sum(exp(beta x))", "x", lambda v: np.exp(0.7 * v["x"]).sum()),
        ("y' exp(beta x)", "y", lambda v: v["y"] @ np.exp(0.7 * v["x"])),
        ("sum(exp(W' x beta))", "x", lambda v: np.exp(0.7 * (v["W"].T @ v["x"])).sum()),
        ("sum(exp(beta X))", "X", lambda v: np.exp(0.7 * v["X"]).sum()),
        # the Hessian, by differences of the gradient b W' softmax(b W x)
        ("logsumexp(beta W x)", None, lambda v: 0.7 * v["W"].T @ _softmax(0.7 * v["W"] @ v["x"])),
    ],
)
def test_printed_results_keep_a_greek_scalar_in_front(text, wrt, numpy_f):
    values = {"x": rng.normal(size=4), "y": rng.normal(size=4), "X": rng.normal(size=(4, 4))}
    values["W"] = rng.normal(size=(4, 4))
    g = ed.hessian(text, "x") if wrt is None else ed.diff(text, wrt)
    by = wrt or "x"
    want = jacobian_fd(lambda **a: numpy_f({**values, **a}), {by: values[by]}, by)
    want = want.T if by == "X" else want  # numerator layout: d f/dX shaped like X'
    for printed in (str(g), g.latex()):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            back = ed.parse(printed)
        got = back(**{k: values[k] for k in back.variables if k != "beta"}, beta=0.7)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)
    if wrt is not None:
        assert ed.check(text, wrt, claim=str(g)).verdict == "right"


def test_a_differential_in_any_layout_keeps_a_greek_scalar_in_front():
    # d sum(exp(beta x)) = beta exp(beta x)' dx, whatever the layout of the derivative: in the
    # denominator and jacobian layouts g.differential() wrote exp(x' beta) beta dx, which reads
    # back with the note that beta is most likely a vector; the stated gradient is numpy's
    v = rng.normal(size=4)
    want = jacobian_fd(lambda x: np.exp(0.7 * x).sum(), {"x": v}, "x")
    for layout in ("numerator", "denominator", "jacobian"):
        text = ed.diff("sum(exp(beta x))", "x", layout=layout).differential()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            back = ed.read_differential(text, "x")
        np.testing.assert_allclose(back(x=v, beta=0.7), want, rtol=1e-5, atol=1e-8)


def test_a_transposed_row_product_keeps_a_greek_scalar_in_front():
    # d logsumexp(alpha W' W x)/dx = alpha W' W softmax(alpha W' W x) in the denominator layout:
    # the transpose of alpha x' W' W was W' (W (alpha x)), and its named form t1 = W' (W alpha),
    # read back with the note that alpha is most likely a vector; now alpha (W' (W x)) and
    # t1 = alpha (W' W), each read back silently to numpy's gradient (W written Wmat: with W,
    # the named text is longer than str, which is printed)
    x0, w0 = rng.normal(size=3), rng.normal(size=(2, 3))

    def f(x):
        z = 0.7 * w0.T @ w0 @ x
        return np.log(np.exp(z).sum())

    want = jacobian_fd(f, {"x": x0}, "x")
    where = "x: vector(3); Wmat: matrix(2, 3)"
    text = "log(sum(exp(Wmat' (Wmat (alpha x)))))"
    g = ed.diff(text, "x", where=where, layout="denominator")
    values = {"x": x0, "Wmat": w0, "alpha": 0.7}

    def evaluate(expr, known, last):
        return expr(**{k: known[k] for k in expr.variables})

    assert "\n" in g.show(cse=True)  # something is named
    for text in (str(g), g.show(cse=True)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = read_lines(ed, text, values, where, evaluate)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8, err_msg=text)


# 1ᵀx (Wikipedia, papers) is the sum of x's entries, 1 the vector of ones; the number 1
# transposed is 1, so 1ᵀx read as x itself: refused, with ones' suggested (which is the sum)
@pytest.mark.parametrize("text", ["1ᵀx", "1' x", "1^T x", r"1^\top x", "(1)' x", "2.T x"])
def test_a_transposed_number_is_refused_with_ones_suggested(text):
    with pytest.raises(ed.ParseError, match="ones'"):
        ed.parse(text)
    # what it suggests is the sum of the entries
    np.testing.assert_allclose(ed.parse("ones' x")(x=x0), x0.sum())
    np.testing.assert_allclose(ed.parse(r"\mathbf{1}^\top x")(x=x0), x0.sum())


# X 1 (a paper's row sums, 1 the vector of ones) and x' 1 (the sum of x's entries): the number 1
# written after a factor leaves it as it is, so X 1 read silently as X; refused, ones suggested
@pytest.mark.parametrize("text", ["X 1", "x' 1", "X^T 1", "A x 1", r"\mathbf{X} 1", "(x' 1)"])
def test_a_bare_one_after_a_factor_is_refused_with_ones_suggested(text):
    with pytest.raises(ed.ParseError, match="write ones"):
        ed.parse(text)
    # what it suggests: X ones is the row sums, x' ones the sum of the entries
    M = rng.normal(size=(4, 3))
    np.testing.assert_allclose(ed.parse("X ones")(X=M), M.sum(axis=1))
    np.testing.assert_allclose(ed.parse("x' ones")(x=x0), x0.sum())


# x * 1 = x: written with an operator it is a product, and its printed forms (x (1), in LaTeX
# x \, \left(1\right)) read back to the same function; 2 x, x 2 and (x) (1) stay products
@pytest.mark.parametrize("text", ["x * 1", "A * 1 * B", "x' * 1", "(x) (1)", "x 2", "1 x"])
def test_a_one_after_an_operator_is_a_product_and_reads_back(text):
    f = ed.parse(text)
    values = {"x": x0, "A": rng.normal(size=(3, 4)), "B": rng.normal(size=(4, 2))}
    truth = {
        "x * 1": x0,
        "A * 1 * B": values["A"] @ values["B"],
        "x' * 1": x0,
        "(x) (1)": x0,
        "x 2": 2 * x0,
        "1 x": x0,
    }[text]
    args = {k: v for k, v in values.items() if k in f.variables}
    for form in (str(f), f.latex()):
        back = ed.parse(form)
        np.testing.assert_allclose(back(**args), truth)
