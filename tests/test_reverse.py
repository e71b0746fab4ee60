"""Reverse mode (``calculus.reverse``): a gradient whose chain rule shares parts, kept shared.

f = sum(tanh(W tanh(W ... tanh(W x)))) uses W at every step. The chain rule written out has one
product of about 2N factors per step (quadratic); backpropagation writes each step's error once,
d_k = W' (d_{k+1} .* (1 - h_k .^ 2)), and the gradient as sum_k (d_k .* (1 - h_k .^ 2)) h_{k-1}'.
``show(cse=True)`` writes that form, and must read back to central differences of plain numpy;
``str(g)`` (the forward derivative, derived when asked) must agree with it.
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.calculus.differentiate import Wrt
from einderiv.calculus.reverse import reverse
from einderiv.ir import index_ir as T
from einderiv.pipeline import Deferred
from tests.fd import jacobian_fd
from tests.named_forms import substituted

rng = np.random.default_rng(29)
N = 3
VALUES = {
    "W": rng.normal(size=(N, N)) * 0.5,
    "U": rng.normal(size=(N, N)) * 0.5,
    "x": rng.normal(size=N),
    "s": np.array(0.7),
}


def _rnn(W, x, steps):
    h = x
    for _ in range(steps):
        h = np.tanh(W @ h)
    return np.sum(h)


def _text(steps: int, step: str = "tanh(W {})") -> str:
    text = "x"
    for _ in range(steps):
        text = step.format(text)
    return f"sum({text})"


# (text, wrt, the same function in plain numpy)
CASES = [
    # an unrolled RNN: d f / d W = sum_k (d_k .* (1 - h_k .^ 2)) h_{k-1}'
    (_text(4), "W", lambda W, x, U, s: _rnn(W, x, 4)),
    # a step with a square: h_k = (W h_{k-1}) .^ 2 / 2 (Pow of a constant exponent)
    (
        _text(3, "((W {}) .^ 2) / 2"),
        "W",
        lambda W, x, U, s: np.sum((W @ ((W @ ((W @ x) ** 2 / 2)) ** 2 / 2)) ** 2 / 2),
    ),
    # x fed to every step (a skip connection): x is used at every depth
    (
        _text(3, "tanh(U {} + x)"),
        "x",
        lambda W, x, U, s: np.sum(np.tanh(U @ np.tanh(U @ np.tanh(U @ x + x) + x) + x)),
    ),
    # a scalar gain at every step: d f / d s, a scalar
    (
        _text(3, "sigmoid(s W {})") + " where s: scalar",
        "s",
        lambda W, x, U, s: np.sum(
            1 / (1 + np.exp(-s * W @ (1 / (1 + np.exp(-s * W @ (1 / (1 + np.exp(-s * W @ x))))))))
        ),
    ),
    # two weights alternating, differentiated by one of them
    (
        _text(2, "exp(U tanh(W {}) / 4)"),
        "W",
        lambda W, x, U, s: np.sum(np.exp(U @ np.tanh(W @ np.exp(U @ np.tanh(W @ x) / 4)) / 4)),
    ),
]


def _softmax(u, axis=-1):
    e = np.exp(u - np.max(u, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _lse(u):
    return np.log(np.sum(np.exp(u)))


def _h(W, x, steps):
    for _ in range(steps):
        x = np.tanh(W @ x)
    return x


ROW_CASES = [
    # an RNN language model's loss: logsumexp(V h) - y' V h, h the last state
    (
        "logsumexp(U tanh(W tanh(W tanh(W x)))) - y' U tanh(W tanh(W tanh(W x)))",
        "W",
        lambda W, x, U, y, X: _lse(U @ _h(W, x, 3)) - y @ U @ _h(W, x, 3),
    ),
    # softmax at every step: d softmax(u) = (diag(s) - s s') du, transposed in reverse
    (
        "y' softmax(W softmax(W softmax(W x)))",
        "W",
        lambda W, x, U, y, X: y @ _softmax(W @ _softmax(W @ _softmax(W @ x))),
    ),
    # log_softmax: d log_softmax(u) = (I - ones s') du
    (
        "y' log_softmax(W tanh(W log_softmax(W x)))",
        "W",
        lambda W, x, U, y, X: y @ np.log(_softmax(W @ np.tanh(W @ np.log(_softmax(W @ x))))),
    ),
    # a diagonal entry of a row function, softmax(U)[i,i] (tr, diag of a matrix): its adjoint
    # is s[i,c] (abar[i] delta[i,c] - abar[i] s[i,i]), no sum over the row it is on (the sum
    # of the softmax rule summed over the row too: tr(s) diag(s) for diag(s) .^ 2)
    (
        "tr(softmax(diag(W tanh(W x))))",
        "W",
        lambda W, x, U, y, X: np.trace(_softmax(np.diag(W @ np.tanh(W @ x)))),
    ),
    (
        "tr(log_softmax(diag(W tanh(W x))))",
        "W",
        lambda W, x, U, y, X: np.trace(np.log(_softmax(np.diag(W @ np.tanh(W @ x))))),
    ),
    # row by row of a matrix: softmax(X W) takes the softmax of each row
    (
        "sum(softmax(tanh(softmax(X W) W) W) .* X)",
        "W",
        lambda W, x, U, y, X: np.sum(_softmax(np.tanh(_softmax(X @ W) @ W) @ W) * X),
    ),
]


@pytest.mark.parametrize("text,wrt,fn", ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_row_functions_backpropagate_to_numpy(text, wrt, fn):
    # the named form and the forward derivative, against central differences of numpy
    values = {**VALUES, "y": rng.normal(size=N), "X": rng.normal(size=(2, N))}
    g = ed.diff(text, wrt)
    assert type(g._term) is Deferred
    expected = _numpy_gradient(lambda W, x, U, s: fn(W, x, U, values["y"], values["X"]), wrt)
    back = ed.parse(substituted(g.show(cse=True)))
    np.testing.assert_allclose(
        back(**{k: v for k, v in values.items() if k in back.variables}), expected, atol=1e-6
    )
    mine = {k: v for k, v in values.items() if k in g.variables}
    np.testing.assert_allclose(g(**mine), expected, atol=1e-6)


def _numpy_gradient(fn, wrt):
    grad = jacobian_fd(lambda W, x, U, s: fn(W, x, U, s), dict(VALUES), wrt)
    return grad.T if grad.ndim == 2 else grad  # numerator layout: X's shape transposed


@pytest.mark.parametrize("text,wrt,fn", CASES, ids=[c[0] for c in CASES])
def test_named_adjoints_read_back_to_numpy(text, wrt, fn):
    # the named form (backpropagation) against central differences of the numpy function
    text, _, where = text.partition(" where ")
    g = ed.diff(text, wrt, where=where or None)
    assert type(g._term) is Deferred  # kept as adjoints: a chain of them
    named = g.show(cse=True)
    back = ed.parse(substituted(named), where=where or None)
    values = {k: v for k, v in VALUES.items() if k in back.variables}
    np.testing.assert_allclose(back(**values), _numpy_gradient(fn, wrt), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("text,wrt,fn", CASES, ids=[c[0] for c in CASES])
def test_forward_derivative_when_asked_agrees(text, wrt, fn):
    # str(g) and g(...) derive forward (the chain rule written out) when first asked for
    text, _, where = text.partition(" where ")
    g = ed.diff(text, wrt, where=where or None)
    values = {k: v for k, v in VALUES.items() if k in g.variables}
    np.testing.assert_allclose(g(**values), _numpy_gradient(fn, wrt), atol=1e-6, rtol=1e-6)
    back = ed.parse(str(g), where=where or None)
    np.testing.assert_allclose(back(**values), g(**values), atol=1e-9, rtol=1e-9)


def test_naming_builds_no_chain_rule_written_out():
    # show(cse=True) of a 60-step RNN writes the adjoints: the forward derivative (60 products
    # of about 120 factors) is never built, and each step takes a bounded number of lines
    g = ed.diff(_text(60), "W")
    named = g.show(cse=True)
    assert type(g._term) is Deferred
    assert len(named.split("\n")) <= 3 * 60
    assert named.count("tanh(") == 60  # each hidden state written once


@pytest.mark.parametrize(
    "text",
    [
        "sum(tanh(W x))",  # W once: nothing shared
        "x' W' W x",  # one flat product: like terms merge forward
        "norm2(W x)",  # one shared scalar, no chain of adjoints
        "sum(tanh(W inv(W) tanh(W x)))",  # an inverse: no reverse rule, forward instead
    ],
)
def test_forward_where_nothing_chains(text):
    f = ed.parse(text)
    W = f.variables["W"]
    target = Wrt("W", (T.Index("_i", W.dims[0]), T.Index("_j", W.dims[1])))
    assert reverse(f.term, target) is None
    assert type(ed.diff(text, "W")._term) is not Deferred


def test_every_use_below_a_flat_function_is_zero():
    # d/dy sum(tanh(tanh(sign(y)) + sign(y)) .^ 3) = 0: y is used only inside sign, flat
    # wherever differentiable (adjoints were bound above it, none reached y: a crash before)
    y = rng.normal(size=N)
    truth = jacobian_fd(
        lambda y: np.sum(np.tanh(np.tanh(np.sign(y)) + np.sign(y)) ** 3), {"y": y}, "y"
    )
    g = ed.diff("sum(tanh(tanh(sign(y)) + sign(y)) .^ 3)", "y")
    assert g.show(cse=True) == "0"
    np.testing.assert_allclose(ed.parse("0", shape=g.shape)(n=N), truth, atol=1e-9)
    np.testing.assert_allclose(g(y=y), truth, atol=1e-9)


def test_a_zero_inside_an_adjoint_is_sized_by_a_variable():
    # d/dx sum(tanh(tanh(sin(x - x) + x))) = (1 - tanh(tanh(x)) .^ 2) .* (1 - tanh(x) .^ 2):
    # the zero vector sin(x - x) is written 0 x, not 0 %a1 by the adjoint that holds it (the
    # definitions then held themselves: "nested too deeply" before)
    x = VALUES["x"]
    truth = jacobian_fd(lambda x: np.sum(np.tanh(np.tanh(np.sin(x - x) + x))), {"x": x}, "x")
    g = ed.diff("sum(tanh(tanh(sin(x - x) + x)))", "x")
    assert type(g._term) is Deferred
    named = g.show(cse=True)
    assert "%" not in named
    np.testing.assert_allclose(ed.parse(substituted(named))(x=x), truth, atol=1e-6, rtol=1e-6)


def test_the_forward_derivative_asked_late_has_diffs_room_for_nesting():
    # g.term of a 20-step RNN's gradient, derived when asked (after diff returned), is derived
    # with the room for deep nesting diff has (a RecursionError traceback before, where the
    # derivation inside diff had succeeded): its value is central differences of numpy's
    import inspect
    import sys

    g = ed.diff(_text(20), "W")
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 100)  # a caller with little room to spare
    try:
        assert g.term is not None
    finally:
        sys.setrecursionlimit(old)
    want = _numpy_gradient(lambda W, x, U, s: _rnn(W, x, 20), "W")
    np.testing.assert_allclose(g(W=VALUES["W"], x=VALUES["x"]), want, atol=1e-6, rtol=1e-5)


def test_a_copy_keeps_the_adjoints():
    # pickle.loads(pickle.dumps(g)) and copy.deepcopy(g) print what g prints: the adjoints are
    # copied, not the forward derivative derived for the copy (other named text before); the
    # copy's named form reads back to central differences of numpy
    import copy
    import pickle

    g = ed.diff(_text(3), "W")
    for h in (pickle.loads(pickle.dumps(g)), copy.deepcopy(g)):
        assert h.show(cse=True) == g.show(cse=True)
        back = ed.parse(substituted(h.show(cse=True)))
        want = _numpy_gradient(lambda W, x, U, s: _rnn(W, x, 3), "W")
        np.testing.assert_allclose(back(W=VALUES["W"], x=VALUES["x"]), want, atol=1e-6)


def test_a_subterm_shared_by_several_uses_is_derived_forward():
    # f = |u_20|, u_k = |u_(k-1)| x: norm2(u) holds u twice, so as a tree the term has 2^20
    # nodes (this pass walks the tree: 251 s and 10 GB before); it is derived forward, by the
    # memo of a graph, and its value is central differences of numpy's
    text = "x"
    for _ in range(20):
        text = f"norm2({text}) x"
    text = f"norm2({text})"
    f = ed.parse(text)
    target = Wrt("x", (T.Index("_i", f.variables["x"].dims[0]),))
    assert reverse(f.term, target) is None
    x = np.array([0.3, -0.7, 0.5])

    def value(x):
        u = x
        for _ in range(20):
            u = np.linalg.norm(u) * x
        return np.linalg.norm(u)

    g = ed.diff(text, "x")
    h = 1e-6 * np.linalg.norm(x)
    numeric = [(value(x + h * e) - value(x - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(np.ravel(g(x=x)), numeric, rtol=1e-6)


@pytest.mark.parametrize(
    "text,wrt,fn,point",
    [
        # d/dx (|A x - b|^2 + lambda |x|^2) = 2 (A x - b)' A + 2 lambda x', at x = 0 too
        (
            "norm2(A x - b)^2 + lambda norm2(x)^2",
            "x",
            lambda A, x, b, lam: np.sum((A @ x - b) ** 2) + lam * np.sum(x**2),
            {"x": np.zeros(N)},
        ),
        # d/dW1 |W2 tanh(W1 x) - y|^2, at a zero residual (y = W2 tanh(W1 x)): 0
        (
            "norm2(W2 tanh(W1 x) - y)^2",
            "W1",
            lambda W1, W2, x, y: np.sum((W2 @ np.tanh(W1 @ x) - y) ** 2),
            {"y": VALUES["U"] @ np.tanh(VALUES["W"] @ VALUES["x"])},
        ),
    ],
)
def test_a_square_of_a_norm_is_named_without_its_square_root(text, wrt, fn, point):
    # |u|^2 = (u' u)^0.5 ^ 2: the adjoint of the square root, 2 (u' u)^0.5, was named apart,
    # so the named form wrote 2 (0.5 (2 t2) / t2) t1' A (0/0 at u = 0, where the derivative
    # is 2 u' du/dx); it merges with the root's slope: 2 t1' A, equal to numpy's differences
    values = {"A": VALUES["W"], "b": VALUES["x"], "lam": 0.7, "W1": VALUES["W"]}
    values.update({"W2": VALUES["U"], "x": VALUES["x"], "y": VALUES["x"], **point})
    args = [p for p in ("A", "W1", "W2", "x", "b", "y", "lam") if p in fn.__code__.co_varnames]
    mine = {p: values[p] for p in args}
    truth = jacobian_fd(lambda **k: fn(**k), mine, wrt)
    truth = truth.T if truth.ndim == 2 else truth  # numerator layout
    named = ed.diff(text, wrt).show(cse=True)
    back = ed.parse(substituted(named))
    given = {("lambda" if k == "lam" else k): v for k, v in mine.items()}
    got = back(**{k: v for k, v in given.items() if k in back.variables})
    np.testing.assert_allclose(got, truth, atol=1e-6, rtol=1e-6)
    assert "0.5" not in named


@pytest.mark.parametrize(
    "text,fn",
    [
        # d/dW |tanh(W tanh(W x))|^2 = 2 (h1 d' + x ((1 - h1 .^ 2)' .* (d' W))),
        # d = h2 .* (1 - h2 .^ 2), h1 = tanh(W x), h2 = tanh(W h1)
        (
            "norm2(tanh(W tanh(W x)))^2",
            lambda W, x: np.sum(np.tanh(W @ np.tanh(W @ x)) ** 2),
        ),
        # d/dW h2' h2 = 2 (h1 d' + x ((1 - h1 .^ 2)' .* (d' W))), the two factors of h2' h2
        (
            "tanh(W tanh(W x))' tanh(W tanh(W x))",
            lambda W, x: np.sum(np.tanh(W @ np.tanh(W @ x)) ** 2),
        ),
    ],
)
def test_an_adjoint_met_twice_is_named_once_and_a_unit_one_is_not_named(text, fn):
    # the two factors of u' u have one adjoint, named once (2 t3', not (t3 + t3)'), and the
    # adjoint of u' u under norm2(u)^2, 2 (u'u)^0.5 * 0.5 (u'u)^-0.5, is 1 (not t3 = 1 (...));
    # the named form equals numpy's central differences
    import re

    g = ed.diff(text, "W")
    named = g.show(cse=True)
    back = ed.parse(substituted(named))
    got = back(**{k: VALUES[k] for k in back.variables})
    want = jacobian_fd(lambda W: fn(W, VALUES["x"]), {"W": VALUES["W"]}, "W").T
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-6)
    assert "= 1 (" not in named
    assert not re.search(r"\b(t\d+)'? \+ \1\b", named), named


def test_an_adjoint_used_once_is_written_where_it_is_used():
    # d/dx exp(-|x - mu|^2 / (2 sigma^2)) = -exp(-|x - mu|^2 / (2 sigma^2)) (x - mu)' / sigma^2:
    # the adjoint of (x - mu)'(x - mu), used once, was named apart from its use, so its factors
    # could not merge (2 (-(0.5 exp(..) / t2)) t1'); numpy's central differences
    x, mu, sigma = VALUES["x"], VALUES["x"][::-1].copy(), 0.8

    def gauss(x):
        return np.exp(-np.sum((x - mu) ** 2) / (2 * sigma**2))

    g = ed.diff("exp(-norm2(x - mu)^2 / (2 sigma^2))", "x", where="mu: vector(n)")
    named = g.show(cse=True)
    back = ed.parse(substituted(named), where="mu: vector(n)")
    got = back(x=x, mu=mu, sigma=sigma)
    np.testing.assert_allclose(got, jacobian_fd(gauss, {"x": x}, "x"), atol=1e-6, rtol=1e-6)
    assert named.count("0.5") <= 1, named  # the exponent's -0.5 only
