"""Simplification people expect (issue 13, item 4): a sum of deviations from the mean is 0.

Each derivative is compared with central finite differences of plain numpy code written here,
and its printed form reads back to the same values.
"""

import numpy as np
import pytest

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


def test_ones_to_a_power_and_log_of_one_are_constants():
    # 1 .^ p = 1 for every real p, and log(1) = 0: no unsized ones is left in the printed form
    # d tr(tr(A) ./ (P ./ P)) / dA = n I   (each entry of P ./ P is 1)
    # d tr((P ./ P) .^ tr(A)) / dA = 0     (1 .^ tr(A) = 1)
    where = "A: matrix(3, 3); P: matrix(3, 3)"
    A, P = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)) + 3 * np.eye(3)
    for text, numpy_f in [
        ("tr(tr(A) ./ (P ./ P))", lambda A: np.trace(np.trace(A) / (P / P))),
        ("tr((P ./ P) .^ tr(A))", lambda A: np.trace((P / P) ** np.trace(A))),
    ]:
        g = ed.diff(text, "A", where=where)
        expected = to_layout(jacobian_fd(numpy_f, {"A": A}, "A"), 0, 2, "numerator")
        assert "ones" not in str(g) and "log" not in str(g), str(g)
        back = ed.parse(str(g), where=where, shape=g.shape if str(g) == "0" else None)
        sizes = {d: 3 for d in back.shape if isinstance(d, str)}  # a lone I: its size given
        np.testing.assert_allclose(back(A=A, P=P, **sizes), expected, atol=1e-6)
        np.testing.assert_allclose(g(A=A, P=P), expected, atol=1e-6)


def _softmax_rows(M):
    e = np.exp(M - M.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "text, wrt, fn",
    [
        # sum(softmax(u)) = 1: its derivative is 0, recognised as such (it printed
        # softmax(W x)' (W - sum(softmax(W x)) W))
        ("sum(softmax(W x))", "x", lambda W, x, A: np.sum(_softmax_rows(W @ x))),
        ("sum(softmax(W x))", "W", lambda W, x, A: np.sum(_softmax_rows(W @ x))),
        # each row of softmax(A X) sums to 1: the total is the number of rows
        ("sum(softmax(A W))", "W", lambda W, x, A: np.sum(_softmax_rows(A @ W))),
    ],
)
def test_a_row_of_softmax_sums_to_one(text, wrt, fn):
    values = {"W": rng.normal(size=(3, 4)), "x": rng.normal(size=4), "A": rng.normal(size=(2, 3))}
    g = ed.diff(text, wrt)
    assert isinstance(g.term, T.Zero), str(g)
    numeric = jacobian_fd(lambda **v: fn(**v), values, wrt)
    assert np.allclose(numeric, 0.0, atol=1e-7)


def test_a_weighted_sum_of_softmax_is_not_constant():
    # d sum(softmax(W x) .* y) / dx = y' (diag(s) - s s') W: the entries meet another factor
    values = {"W": rng.normal(size=(3, 4)), "x": rng.normal(size=4), "y": rng.normal(size=3)}
    g = ed.diff("sum(softmax(W x) .* y)", "x")
    expected = jacobian_fd(lambda W, x, y: np.sum(_softmax_rows(W @ x) * y), values, "x")
    back = ed.parse(str(g))
    np.testing.assert_allclose(back(**values), expected, atol=1e-6)


@pytest.mark.parametrize(
    ("text", "wrt", "numpy_f", "written"),
    [
        # d sqrt(det X) / dX = sqrt(det X) X^-1 / 2 (not sqrt(det X)^-1 det(X) X^-1 / 2)
        ("sqrt(det(X))", "X", lambda X: np.sqrt(np.linalg.det(X)), "0.5 sqrt(det(X)) X^-1"),
        # d/dx sum(sqrt(x) .* x) = 1.5 sqrt(x)': x^(3/2) elementwise
        ("sum(sqrt(x) .* x)", "x", lambda x: np.sum(np.sqrt(x) * x), "1.5 sqrt(x')"),
        # d/dx (x'x)^(-1/2) = -(x'x)^(-3/2) x': one power of sqrt(x'x)
        ("1 / sqrt(x' x)", "x", lambda x: 1 / np.sqrt(x @ x), "-x' / norm2(x)^3"),
    ],
)
def test_a_square_root_merges_with_powers_of_its_argument(text, wrt, numpy_f, written):
    g = ed.diff(text, wrt)
    assert str(g) == written  # the form, and below its values, against numpy
    value = rng.normal(size=(3, 3)) + 3 * np.eye(3) if wrt == "X" else rng.uniform(0.5, 2, 4)
    expected = jacobian_fd(numpy_f, {wrt: value}, wrt)
    expected = to_layout(expected, 0, value.ndim, "numerator")
    assert np.allclose(g(**{wrt: value}), expected, atol=1e-6)
    assert np.allclose(ed.parse(str(g))(**{wrt: value}), expected, atol=1e-6)


@pytest.mark.parametrize(
    ("text", "wrt", "numpy_f", "written"),
    [
        # d/dw norm2(X w - y)^2 / (2 n) = (X w - y)' X / n: the 2s cancel
        (
            "norm2(X w - y)^2 / (2 len(y))",
            "w",
            lambda w, X, y: np.sum((X @ w - y) ** 2) / (2 * len(y)),
            "(X w - y)' X / len(y)",
        ),
        # d/dx x' x / (2 alpha) = x' / alpha, alpha = 0.6
        ("x' x / (2 alpha)", "x", lambda x, X, y: (x @ x) / (2 * 0.6), "x' / alpha"),
    ],
)
def test_a_number_in_a_divisor_cancels_with_the_derivative(text, wrt, numpy_f, written):
    # (2 u)^-1 = 1/2 u^-1: the number leaves the power and meets the 2 of the derivative
    g = ed.diff(text, wrt)
    assert str(g) == written
    X, y, v = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3)
    expected = jacobian_fd(lambda **a: numpy_f(a[wrt], X, y), {wrt: v}, wrt)
    values = {wrt: v, "X": X, "y": y, "alpha": 0.6}
    used = {k: a for k, a in values.items() if k in g.variables}
    assert np.allclose(g(**used), expected, atol=1e-6)
    assert np.allclose(ed.parse(str(g))(**used), expected, atol=1e-6)


@pytest.mark.parametrize(
    ("text", "wrt", "numpy_f", "written"),
    [
        # d/dx (s x' x + t x' x) = 2 (s + t) x'
        ("s x' x + t x' x", "x", lambda x, s, t: s * (x @ x) + t * (x @ x), "2 (s + t) x'"),
        # d/dx (s a' x + t a' x) = (s + t) a'
        ("s a' x + t a' x", "x", lambda x, s, t: s * (A_VEC @ x) + t * (A_VEC @ x), "(s + t) a'"),
    ],
)
def test_terms_that_differ_in_scalars_only_share_their_factor(text, wrt, numpy_f, written):
    where = "s: scalar; t: scalar"
    g = ed.diff(text, wrt, where=where)
    assert str(g) == written
    x, s, t = rng.normal(size=3), 0.4, -1.7
    expected = jacobian_fd(lambda **a: numpy_f(a["x"], s, t), {"x": x}, "x")
    values = {"x": x, "s": s, "t": t, "a": A_VEC}
    used = {k: v for k, v in values.items() if k in g.variables}
    assert np.allclose(g(**used), expected, atol=1e-6)
    back = ed.parse(str(g), where=where)
    assert np.allclose(back(**{k: v for k, v in used.items() if k in back.variables}), expected)


A_VEC = np.array([0.5, -1.0, 2.0])


M3 = np.array([[3.0, 0.5, -0.2], [0.1, 2.5, 0.4], [-0.3, 0.2, 4.0]])


@pytest.mark.parametrize(
    ("text", "numpy_f", "written"),
    [
        # d/dx log(sum(exp(x))) = exp(x)' / sum(exp(x))
        ("log(sum(exp(x)))", lambda x: np.log(np.sum(np.exp(x))), "exp(x') / sum(exp(x))"),
        # d/dx norm2(x) = x' / norm2(x)
        ("norm2(x)", lambda x: np.linalg.norm(x), "x' / norm2(x)"),
        # d/dx x / (x' x) = I / (x' x) - 2 x x' / (x' x)^2
        ("x / (x' x)", lambda x: x / (x @ x), "I / (x' x) - 2 x x' / (x' x)^2"),
        # d/dx log(x' A x) = x' (A + A') / (x' A x)
        ("log(x' A x)", lambda x: np.log(x @ M3 @ x), "x' (A + A') / (x' A x)"),
        # d/dx sqrt(x' A x) = x' (A + A') / (2 sqrt(x' A x))
        ("sqrt(x' A x)", lambda x: np.sqrt(x @ M3 @ x), "0.5 x' (A + A') / sqrt(x' A x)"),
    ],
)
def test_a_scalar_in_a_derivative_divides_as_in_the_textbooks(text, numpy_f, written):
    # a negative power of a scalar (an inner product, a scalar function's value) is a divisor
    g = ed.diff(text, "x")
    assert str(g) == written and "^-" not in written
    x = np.array([0.4, -1.1, 0.7])
    ndim = np.ndim(numpy_f(x))
    expected = to_layout(
        jacobian_fd(lambda **a: numpy_f(a["x"]), {"x": x}, "x"), ndim, 1, "numerator"
    )
    used = {k: v for k, v in {"x": x, "A": M3}.items() if k in g.variables}
    assert np.allclose(g(**used), expected, atol=1e-6)
    assert np.allclose(ed.parse(str(g))(**used), expected, atol=1e-6)
    index = g.index()  # index notation divides too: x[i] / sqrt(x[a] x[a])
    assert "^(-" not in index
    assert np.allclose(ed.parse(index, shape=g.shape)(**used), expected, atol=1e-6)


def _sigmoid(u):
    return 1 / (1 + np.exp(-u))


def test_the_logistic_loss_gradient_has_no_diagonal_and_no_quotient():
    # d/dw -mean(y .* log(sigmoid(X w)) + (1 - y) .* log(1 - sigmoid(X w)))
    #   = (sigmoid(X w) - y)' X / n; with 1 - sigmoid(u) = sigmoid(-u), sigmoid' = s(u) s(-u)
    text = "-sum(y .* log(sigmoid(X w)) + (1 - y) .* log(1 - sigmoid(X w))) / len(y)"
    g = ed.diff(text, "w")
    assert str(g) == "(sigmoid(X w) - y)' X / len(y)"  # y sigmoid(-u) - (1 - y) sigmoid(u) merged
    X, y, w = rng.normal(size=(5, 3)), rng.uniform(size=5), rng.normal(size=3)

    def loss(w):
        p = _sigmoid(X @ w)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    expected = jacobian_fd(lambda **a: loss(a["w"]), {"w": w}, "w")
    assert np.allclose(expected, (_sigmoid(X @ w) - y) @ X / 5, atol=1e-6)  # the textbook form
    assert np.allclose(g(X=X, y=y, w=w), expected, atol=1e-6)
    assert np.allclose(ed.parse(str(g))(X=X, y=y, w=w), expected, atol=1e-6)


@pytest.mark.parametrize(
    "text, wrt, written",
    [
        # d/dz -sum(y .* log(sigmoid(z)) + (1 - y) .* log(sigmoid(-z))) = (sigmoid(z) - y)'
        ("-sum(y .* log(sigmoid(z)) + (1 - y) .* log(sigmoid(-z)))", "z", "sigmoid(z) - y"),
        # d/dW of the loss of sigmoid(W x): (sigmoid(W x) - y) x', numerator layout x (...)'
        (
            "-sum(y .* log(sigmoid(W x)) + (1 - y) .* log(1 - sigmoid(W x)))",
            "W",
            "(sigmoid(W x) - y) x'",
        ),
        # the same with the factors written the other way round
        (
            "-sum(log(sigmoid(X w)) .* y + log(sigmoid(-X w)) .* (1 - y))",
            "w",
            "X' (sigmoid(X w) - y)",
        ),
    ],
)
def test_the_cross_entropy_gradient_is_prediction_minus_label(text, wrt, written):
    # y (1 - sigmoid(u)) - (1 - y) sigmoid(u) = y - sigmoid(u): the two terms of the
    # cross-entropy's derivative merge into one, as every textbook writes it
    g = ed.diff(text, wrt, layout="denominator")
    assert written in str(g)
    X, W = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    values = {"y": rng.uniform(size=5 if wrt != "W" else 4), "z": rng.normal(size=5)}
    values.update(X=X, W=W, w=rng.normal(size=3), x=rng.normal(size=3))
    u = {"z": lambda v: v["z"], "W": lambda v: v["W"] @ v["x"], "w": lambda v: v["X"] @ v["w"]}

    def loss(**v):
        p, y = _sigmoid(u[wrt]({**values, **v})), values["y"]
        return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))

    expected = to_layout(
        jacobian_fd(loss, {wrt: values[wrt]}, wrt), 0, values[wrt].ndim, "denominator"
    )
    used = {name: values[name] for name in g.variables}
    assert np.allclose(g(**used), expected, atol=1e-6)
    assert np.allclose(ed.parse(str(g))(**used), expected, atol=1e-6)


@pytest.mark.parametrize(
    "text, written",
    [
        # d/dw (sum(softplus(X w)) - y' X w) = (sigmoid(X w) - y)' X: one transpose, not two
        ("sum(softplus(X w)) - y' X w", "(sigmoid(X w) - y)' X"),
        # d/dw (sum(exp(X w)) - y' X w) = (exp(X w) - y)' X
        ("sum(exp(X w)) - y' X w", "(exp(X w) - y)' X"),
    ],
)
def test_a_factored_sum_of_rows_is_transposed_whole(text, written):
    g = ed.diff(text, "w")
    assert str(g) == written
    X, y, w = rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=3) / 2
    f = {"softplus": lambda u: np.log1p(np.exp(u)), "exp": np.exp}[text[4 : text.index("(X")]]
    expected = jacobian_fd(lambda **a: np.sum(f(X @ a["w"])) - y @ X @ a["w"], {"w": w}, "w")
    assert np.allclose(g(X=X, y=y, w=w), expected, atol=1e-6)
    assert np.allclose(ed.parse(str(g))(X=X, y=y, w=w), expected, atol=1e-6)


def test_log_of_one_minus_sigmoid_has_the_sigmoid_as_derivative():
    # d/dx log(1 - sigmoid(a' x)) = -sigmoid(a' x) a'
    g = ed.diff("log(1 - sigmoid(a' x))", "x")
    assert str(g) == "-sigmoid(a' x) a'"
    a, x = rng.normal(size=3), rng.normal(size=3)
    expected = jacobian_fd(lambda **v: np.log(1 - _sigmoid(a @ v["x"])), {"x": x}, "x")
    assert np.allclose(g(a=a, x=x), expected, atol=1e-6)


def test_a_zero_term_beside_a_nested_sum_is_dropped():
    # d/dW det(S + W + (P - P)' (P - P)) = det(S + W) (S + W)^-1: the zero term went with the
    # nested sum spliced in (found by check_fuzz seed 9506: the index form did not read back)
    where = "S: symmetric(2); W: matrix(2, 2); P: matrix(3, 2)"
    g = ed.diff("|S + W + (P - P)' (P - P)|", "W", where=where)
    assert str(g) == "det(S + W) (S + W)^-1"
    S, W = np.array([[2.0, 0.3], [0.3, 1.5]]), np.array([[0.4, -0.2], [0.1, 0.8]])
    P = rng.normal(size=(3, 2))
    expected = to_layout(
        jacobian_fd(lambda **a: np.linalg.det(S + a["W"]), {"W": W}, "W"), 0, 2, "numerator"
    )
    assert np.allclose(g(S=S, W=W, P=P), expected, atol=1e-6)
    for text in (str(g), g.index()):
        back = ed.parse(text, where=where, shape=g.shape)
        assert np.allclose(back(S=S, W=W), expected, atol=1e-6), text


def test_a_number_inside_a_factor_joins_the_coefficient():
    # d/dx x / norm2(x - a) = I / norm2(x - a) - x (x - a)' / norm2(x - a)^3: the 2 of
    # d (x - a)'(x - a) meets the 1/2 of the square root (was -0.5 x 2 (x - a)' / ...)
    g = ed.diff("x / norm2(x - a)", "x")
    assert str(g) == "I / norm2(x - a) - x (x - a)' / norm2(x - a)^3"
    x, a = rng.normal(size=3), rng.normal(size=3)
    expected = jacobian_fd(lambda **v: v["x"] / np.linalg.norm(v["x"] - a), {"x": x}, "x")
    assert np.allclose(g(x=x, a=a), expected, atol=1e-6)
    assert np.allclose(ed.parse(str(g))(x=x, a=a), expected, atol=1e-6)


def test_a_number_that_leads_a_chain_joins_the_coefficient():
    # d/dx exp(-x' A x / 2) = -1/2 exp(-x' A x / 2) x' (A + A'): the number leads the term
    # (was exp(-0.5 x' A x) (-0.5) x' (A + A'), the number stranded inside the product)
    g = ed.diff("exp(-x' A x / 2)", "x")
    text = str(g)
    assert text.startswith("-0.5 exp(") and "(-0.5)" not in text
    x, A = rng.normal(size=3), rng.normal(size=(3, 3))
    expected = jacobian_fd(lambda **v: np.exp(-v["x"] @ A @ v["x"] / 2), {"x": x}, "x")
    assert np.allclose(g(x=x, A=A), expected.reshape(1, 3), atol=1e-6)
    assert np.allclose(ed.parse(text)(x=x, A=A), expected.reshape(1, 3), atol=1e-6)


@pytest.mark.parametrize(
    "text, wrt, numpy_f, written",
    [
        # d/dX log det(X' X) = 2 (X' X)^-1 X': X' X is symmetric, so is its inverse
        ("log(det(X' X))", "X", lambda X, A, x: np.log(np.linalg.det(X.T @ X)), "2 (X' X)^-1 X'"),
        # d/dx x' inv(A' A) x = 2 x' (A' A)^-1, not x' ((A' A)^-1 + (A' A)^-T)
        (
            "x' inv(A' A) x",
            "x",
            lambda X, A, x: x @ np.linalg.inv(A.T @ A) @ x,
            "2 x' (A' A)^-1",
        ),
        # d/dx x' inv(A + A') x = 2 x' (A + A')^-1
        (
            "x' inv(A + A') x",
            "x",
            lambda X, A, x: x @ np.linalg.inv(A + A.T) @ x,
            "2 x' (A + A')^-1",
        ),
        # d/dX tr(inv(X' X) A) = -(X' X)^-1 (A + A') (X' X)^-1 X'
        (
            "tr(inv(X' X) A)",
            "X",
            lambda X, A, x: np.trace(np.linalg.inv(X.T @ X) @ A),
            "-(X' X)^-1 (A + A') (X' X)^-1 X'",
        ),
    ],
)
def test_a_power_of_a_symmetric_form_is_its_own_transpose(text, wrt, numpy_f, written):
    g = ed.diff(text, wrt)
    assert str(g) == written
    values = {"X": rng.normal(size=(5, 3)), "A": rng.normal(size=(3, 3)), "x": rng.normal(size=3)}
    values["A"] += 3 * np.eye(3)  # A + A' and A' A invertible
    expected = jacobian_fd(lambda **v: numpy_f(**{**values, **v}), {wrt: values[wrt]}, wrt)
    expected = to_layout(expected, 0, values[wrt].ndim, "numerator")
    used = {name: values[name] for name in g.variables}
    assert np.allclose(g(**used), expected, atol=1e-5)
    for form in (str(g), g.index()):
        back = ed.parse(form, shape=g.shape)
        assert np.allclose(back(**{n: values[n] for n in back.variables}), expected, atol=1e-5)
    if wrt == "x" or "det" in text:  # the two orientations of the inverse merged into one term
        assert not isinstance(g.term, T.Add), g.index()


@pytest.mark.parametrize(
    "text, wrt, numpy_f, written",
    [
        # d/dx sum(sqrt(x .^ 2 + 1)) = (x ./ sqrt(x .^ 2 + 1))', was (sqrt(..) .^ -1 .* x)'
        (
            "sum(sqrt(x .^ 2 + 1))",
            "x",
            lambda x, y: np.sum(np.sqrt(x**2 + 1)),
            "(x ./ sqrt(x .^ 2 + 1))'",
        ),
        # d/dy x' diag(1 ./ y) x = -(x .^ 2 ./ y .^ 2)'
        ("x' diag(1 ./ y) x", "y", lambda x, y: x @ np.diag(1 / y) @ x, "-(x .^ 2 ./ y .^ 2)'"),
        # d/dy norm2(x ./ y)^2 = -2 (x .^ 2 ./ y .^ 3)'
        (
            "norm2(x ./ y)^2",
            "y",
            lambda x, y: np.sum((x / y) ** 2),
            "-2 (x .^ 2 ./ y .^ 3)'",
        ),
    ],
)
def test_an_elementwise_reciprocal_divides(text, wrt, numpy_f, written):
    g = ed.diff(text, wrt)
    assert str(g) == written
    values = {"x": rng.normal(size=4), "y": rng.uniform(0.5, 2.0, size=4)}
    expected = jacobian_fd(lambda **v: numpy_f(**{**values, **v}), {wrt: values[wrt]}, wrt)
    used = {name: values[name] for name in g.variables}
    assert np.allclose(g(**used), expected, atol=1e-6)
    back = ed.parse(str(g))
    assert np.allclose(back(**{n: values[n] for n in back.variables}), expected, atol=1e-6)


@pytest.mark.parametrize(
    "text, numpy_f, written",
    [
        # d/dx norm2(x - mean(x)) = (x - mean(x))' / norm2(x - mean(x))
        (
            "norm2(x - mean(x))",
            lambda x: np.linalg.norm(x - x.mean()),
            "(x - mean(x))' / norm2(x - mean(x))",
        ),
        # d/dx sum((x - mean(x)) .^ 2) / len(x) = 2 (x - mean(x))' / len(x) (the variance)
        (
            "sum((x - mean(x)) .^ 2) / len(x)",
            lambda x: np.var(x),
            "2 (x - mean(x))' / len(x)",
        ),
        # d/dx sum(exp(x - 1)) = exp(x - 1)': the transpose outside the function
        ("sum(exp(x - 1))", lambda x: np.sum(np.exp(x - 1)), "exp(x - 1)'"),
    ],
)
def test_a_sum_over_its_count_is_a_mean(text, numpy_f, written):
    # sum(x) / len(x) prints as mean(x); a sum beside a scalar is transposed whole
    g = ed.diff(text, "x")
    assert str(g) == written
    x = rng.normal(size=5)
    expected = jacobian_fd(lambda **v: numpy_f(v["x"]), {"x": x}, "x")
    assert np.allclose(g(x=x), expected, atol=1e-6)
    assert np.allclose(ed.parse(str(g))(x=x), expected, atol=1e-6)
    assert np.allclose(ed.parse(g.latex())(x=x), expected, atol=1e-6)


def test_layer_norm_gradient_has_no_sum_of_deviations():
    # f = norm2((x - mean(x)) / sqrt(mean((x - mean(x)) .^ 2) + e))^2; its gradient has a term
    # sum(x - mean(x)) times others, which is 0 even when other sums sit beside it
    where = "e: scalar"
    g = ed.diff("norm2((x - mean(x)) / sqrt(mean((x - mean(x)) .^ 2) + e))^2", "x", where=where)
    text = str(g)
    assert "sum(x - mean(x))" not in text and "mean((x - mean(x)) .^ 2)" in text

    def f(x, e):
        c = x - x.mean()
        return np.sum(c**2) / (np.mean(c**2) + e)

    x, e = rng.normal(size=5), 0.3
    expected = jacobian_fd(lambda **v: f(v["x"], e), {"x": x}, "x")
    assert np.allclose(g(x=x, e=e), expected, atol=1e-6)
    for form in (text, g.index()):
        back = ed.parse(form, where=where, shape=g.shape)
        assert np.allclose(back(x=x, e=e), expected, atol=1e-6), form


@pytest.mark.parametrize(
    "text, numpy_f, written",
    [
        # d/dx sum(log(cosh(x))) = tanh(x)'
        ("sum(log(cosh(x)))", lambda x, A: np.sum(np.log(np.cosh(x))), "tanh(x')"),
        # d/dx sum(log(cosh(A x))) = tanh(A x)' A
        ("sum(log(cosh(A x)))", lambda x, A: np.sum(np.log(np.cosh(A @ x))), "tanh(A x)' A"),
    ],
)
def test_sinh_over_cosh_is_tanh(text, numpy_f, written):
    g = ed.diff(text, "x")
    assert str(g) == written
    x, A = rng.normal(size=3), rng.normal(size=(4, 3))
    expected = jacobian_fd(lambda **v: numpy_f(v["x"], A), {"x": x}, "x")
    used = {"x": x, "A": A}
    assert np.allclose(g(**{n: used[n] for n in g.variables}), expected, atol=1e-6)
    back = ed.parse(str(g))
    assert np.allclose(back(**{n: used[n] for n in back.variables}), expected, atol=1e-6)


def test_a_zero_inside_a_function_keeps_a_matrix_form():
    # d/dA logsumexp(softplus(C' - C'))' A x = logsumexp(softplus(0 C')) x': the zero matrix
    # C' - C' is written 0 C' (its index form, inside logsumexp(...), did not read back)
    g = ed.diff("logsumexp(softplus(C' - C'))' A x", "A")
    C, A, x = rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=5)
    lse = np.log(np.sum(np.exp(np.log1p(np.exp(C.T - C.T))), axis=1))
    expected = to_layout(
        jacobian_fd(lambda **v: lse @ v["A"] @ x, {"A": A}, "A"), 0, 2, "numerator"
    )
    for text in (str(g), g.index()):
        back = ed.parse(text, shape=g.shape)
        values = {"C": C, "A": A, "x": x}
        got = back(**{k: values[k] for k in back.variables})
        assert np.allclose(got, expected, atol=1e-6), text


# d log|det X| / dX = X^-T (denominator layout), so X^-1 in numerator layout, for either sign of
# det X; d log|x| / dx = 1 / x; d |det X| / dX = |det X| X^-1 (numerator). Each is written as the
# texts write it, with no sign(u) u / abs(u) left over.
SIGNED_A = np.array([0.5, -1.5, 2.0, -0.25])
SIGNED = [
    ("log(abs(det(X)))", "X", lambda X: np.log(abs(np.linalg.det(X))), "X^-1"),
    ("abs(det(X))", "X", lambda X: abs(np.linalg.det(X)), "abs(det(X)) X^-1"),
    ("sum(log(abs(x)))", "x", lambda x: np.sum(np.log(np.abs(x))), "x' .^ -1"),
    ("abs(a' x)^3", "x", lambda x: abs(SIGNED_A @ x) ** 3, None),
]


@pytest.mark.parametrize("text, wrt, numpy_f, written", SIGNED, ids=[s[0] for s in SIGNED])
def test_sign_times_abs_cancels(text, wrt, numpy_f, written):
    g = ed.diff(text, wrt)
    printed = str(g)
    assert "sign(det" not in printed and "/ abs" not in printed
    if written is not None:
        assert printed == written
    for seed in range(3):  # both signs of det X and of the entries of x
        local = np.random.default_rng(seed)
        if wrt == "X":
            value = local.normal(size=(3, 3))
            value[0] *= -1 if seed % 2 else 1
            values = {"X": value}
        else:
            values = {"x": local.normal(size=4)}
            if "a'" in text:
                values["a"] = SIGNED_A
        expected = to_layout(
            jacobian_fd(lambda **kw: numpy_f(kw[wrt]), {wrt: values[wrt]}, wrt),
            0,
            values[wrt].ndim,
            "numerator",
        )
        assert np.allclose(g(**values), expected, rtol=1e-5, atol=1e-6)
        back = ed.parse(printed)
        assert np.allclose(back(**values), expected, rtol=1e-5, atol=1e-6)


def test_a_hessian_has_no_double_negation():
    # d2 tr(X^-1) / dX[i,j] dX[k,l] = (X^-1)[j,k] (X^-2)[l,i] + (X^-2)[j,k] (X^-1)[l,i]
    # (d tr(X^-1) = -tr(X^-2 dX), d(X^-2) = -X^-1 dX X^-2 - X^-2 dX X^-1): a sum of two
    # Kronecker terms, never -(-a - b)
    h = ed.hessian("tr(inv(X))", "X")
    printed = str(h)
    assert "-(-" not in printed and "kron" in printed
    # its own seeded draw, well conditioned (the shared rng's state depends on the tests run
    # before this one: a near-singular draw put second differences 1e-4 off)
    X = np.random.default_rng(548).normal(size=(3, 3)) + 3 * np.eye(3)
    assert np.linalg.cond(X) < 10
    inv = np.linalg.inv
    expected = np.einsum("jk,li->ijkl", inv(X), inv(X) @ inv(X))
    expected += np.einsum("jk,li->ijkl", inv(X) @ inv(X), inv(X))
    eps, fd = 1e-4, np.zeros((3, 3, 3, 3))  # central second differences of numpy's trace
    for idx in np.ndindex(3, 3, 3, 3):
        E, F = np.zeros((3, 3)), np.zeros((3, 3))
        E[idx[:2]], F[idx[2:]] = eps, eps

        def f(M):
            return np.trace(inv(M))

        fd[idx] = (f(X + E + F) - f(X + E - F) - f(X - E + F) + f(X - E - F)) / (4 * eps**2)
    np.testing.assert_allclose(fd, expected, atol=1e-5)
    np.testing.assert_allclose(h(X=X), expected, atol=1e-9)
    np.testing.assert_allclose(ed.parse(printed, shape=h.shape)(X=X), expected, atol=1e-9)


@pytest.mark.parametrize("text", ["norm2(x)^t", "norm2(A x - b)^t"])
def test_a_power_of_a_norm_prints_the_norm(text):
    # d ||u||^t / dx = t ||u||^(t - 2) u' du/dx, printed with norm2(u), never ((u' u)^0.5)^...
    g = ed.diff(text, "x")
    assert "0.5" not in str(g) and "norm2(" in str(g)
    A, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    x, t = rng.normal(size=4), 1.7

    def f(x):
        u = A @ x - b if "A" in text else x
        return np.linalg.norm(u) ** t

    values = {"x": x, "t": t, "A": A, "b": b} if "A" in text else {"x": x, "t": t}
    expected = jacobian_fd(f, {"x": x}, "x").reshape(-1)
    back = ed.parse(str(g))  # the printed text reads back to the same values
    for value in (g(**values), back(**{k: v for k, v in values.items() if k in back.variables})):
        assert np.allclose(np.ravel(value), expected, rtol=1e-6)


@pytest.mark.parametrize(
    ("text", "numpy_f", "written"),
    [
        # d log|det(2 X)| / dX = (2 X)^-1 2 = X^-1 (numerator layout)
        ("log(abs(det(2 X)))", lambda X, A: np.log(abs(np.linalg.det(2 * X))), "X^-1"),
        # d tr(inv(2 X) A) / dX = -0.5 X^-1 A X^-1
        (
            "tr(inv(2 X) A)",
            lambda X, A: np.trace(np.linalg.inv(2 * X) @ A),
            "-0.5 X^-1 A X^-1",
        ),
        # d tr((-3 X)^-2 A) / dX = -1/9 (X^-1 A X^-2 + X^-2 A X^-1)
        (
            "tr((-3 X)^-2 A)",
            lambda X, A: np.trace(np.linalg.matrix_power(np.linalg.inv(-3 * X), 2) @ A),
            "-1/9 (X^-1 A X^-2 + X^-2 A X^-1)",
        ),
    ],
)
def test_a_number_leaves_an_inverse(text, numpy_f, written):
    # (c X)^k = c^k X^k for an integer k: no (2 X)^-1 next to a 2 in the printed result
    g = ed.diff(text, "X", where="X: matrix(3, 3); A: matrix(3, 3)")
    assert str(g) == written
    X, A = rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=(3, 3))
    expected = jacobian_fd(lambda X: numpy_f(X, A), {"X": X}, "X").T  # numerator layout
    back = ed.parse(str(g))
    for f in (g, back):
        used = {k: a for k, a in {"X": X, "A": A}.items() if k in f.variables}
        assert np.allclose(f(**used), expected, atol=1e-6)


@pytest.mark.parametrize(
    ("text", "wrt", "numpy_f", "written"),
    [
        # d/dx norm2(A x)^3 = 3 norm2(A x) x' A' A (not 3 (x' A' A x)^0.5 x' A' A)
        (
            "norm2(A x)^3",
            "x",
            lambda A, x, B: np.linalg.norm(A @ x) ** 3,
            "3 norm2(A x) x' A' A",
        ),
        # d/dX norm2(A X - B) = (A X - B)' A / norm2(A X - B) (not / sqrt(tr((A X - B)' ...)))
        (
            "norm2(A X - B)",
            "X",
            lambda A, X, B: np.linalg.norm(A @ X - B),
            "(A X - B)' A / norm2(A X - B)",
        ),
    ],
)
def test_a_root_of_a_square_written_as_a_chain_is_a_norm(text, wrt, numpy_f, written):
    # sqrt(x' A' A x) is norm2(A x) and sqrt(tr(U' U)) is norm2(U), as the text wrote them
    values = {"A": rng.normal(size=(3, 3)), "x": rng.normal(size=3)}
    values.update(X=rng.normal(size=(3, 3)), B=rng.normal(size=(3, 3)))
    g = ed.diff(text, wrt)
    assert str(g) == written
    args = {"A": values["A"], "B": values["B"], wrt: values[wrt]}
    expected = jacobian_fd(lambda **k: numpy_f(k["A"], k[wrt], k["B"]), args, wrt)
    expected = to_layout(expected, 0, values[wrt].ndim, "numerator")
    back = ed.parse(str(g))
    got = back(**{k: v for k, v in values.items() if k in back.variables})
    np.testing.assert_allclose(got, expected, atol=1e-6)
