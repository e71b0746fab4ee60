"""ed.value_and_grad and ed.codegen(..., wrt=[...], value=True) (SPEC 9), and reverse-mode
order for chains: the gradient of tr(A1 X ... AN X) in O(N) matrix products.

Every gradient is compared with central differences of plain numpy code written here.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.native_util import fd_gradient

RNG = np.random.default_rng(21)
WHERE = "W1: matrix(h, d); W2: matrix(c, h); x: vector(d); y: vector(c)"
LOSS = "sum((W2 tanh(W1 x) - y).^2)"
W1, W2 = RNG.standard_normal((5, 4)), RNG.standard_normal((3, 5))
X, Y = RNG.standard_normal(4), RNG.standard_normal(3)


def loss(W1, W2, x=X, y=Y):
    return np.sum((W2 @ np.tanh(W1 @ x) - y) ** 2)


def test_value_and_both_gradients():
    # d/dW1 = ((1 - tanh(W1 x).^2) .* (2 W2' r)) x',  d/dW2 = 2 r tanh(W1 x)',  r = W2 t - y
    fn = ed.value_and_grad(LOSS, ["W1", "W2"], where=WHERE)
    value, grads = fn(W1=W1, W2=W2, x=X, y=Y)
    assert set(grads) == {"W1", "W2"}
    np.testing.assert_allclose(value, loss(W1, W2), rtol=1e-12)
    assert grads["W1"].shape == W1.shape and grads["W2"].shape == W2.shape
    np.testing.assert_allclose(grads["W1"], fd_gradient(lambda M: loss(M, W2), W1), rtol=1e-6)
    np.testing.assert_allclose(grads["W2"], fd_gradient(lambda M: loss(W1, M), W2), rtol=1e-6)
    # one name as a string: (value, gradient)
    value, g2 = ed.value_and_grad(LOSS, "W2", where=WHERE)(W1=W1, W2=W2, x=X, y=Y)
    np.testing.assert_allclose(g2, grads["W2"], rtol=1e-12)


def test_forward_pass_computed_once():
    # tanh(W1 x) is one step of the program, shared by the value and both gradients
    fn = ed.value_and_grad(LOSS, ["W1", "W2"], where=WHERE)
    source = fn.source(h=5, d=4, c=3)
    assert source.count("_tanh(") == 1 and source.count("W1 @ x") == 1


def test_codegen_value_and_gradients():
    source = ed.codegen(LOSS, "vg", wrt=["W1", "W2"], value=True, where=WHERE)
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102 - the package's own output
    value, grads = namespace["vg"](W1=W1, W2=W2, x=X, y=Y)
    np.testing.assert_allclose(value, loss(W1, W2), rtol=1e-12)
    np.testing.assert_allclose(grads["W1"], fd_gradient(lambda M: loss(M, W2), W1), rtol=1e-6)
    np.testing.assert_allclose(grads["W2"], fd_gradient(lambda M: loss(W1, M), W2), rtol=1e-6)
    # without the value: the gradients alone
    exec(ed.codegen(LOSS, "g", wrt=["W2"], where=WHERE), namespace)  # noqa: S102
    np.testing.assert_allclose(namespace["g"](W1=W1, W2=W2, x=X, y=Y)["W2"], grads["W2"])


def test_returned_arrays_are_never_the_callers():
    # d/dw w'x = x: the gradient is a copy of x, not x itself
    x = np.arange(3.0)
    _, g = ed.value_and_grad("w' x", "w")(w=np.ones(3), x=x)
    np.testing.assert_allclose(g, x)
    assert not np.shares_memory(g, x)


def test_bad_requests_are_clear_errors():
    with pytest.raises(ed.EinderivError, match="scalar"):
        ed.value_and_grad("W1 x", ["W1"], where=WHERE)
    with pytest.raises(ed.EinderivError, match="not a variable"):
        ed.value_and_grad(LOSS, ["Q"], where=WHERE)
    with pytest.raises(ed.EinderivError, match="twice"):
        ed.value_and_grad(LOSS, ["W1", "W1"], where=WHERE)
    with pytest.raises(ed.EinderivError, match="wrt"):
        ed.codegen(LOSS, value=True, where=WHERE)
    for wrt in (None, 3, ed.parse("x")):  # a name or a list of names, never a raw TypeError
        with pytest.raises(ed.EinderivError, match="wrt"):
            ed.value_and_grad("x' x", wrt)
        if wrt is not None:  # codegen without wrt writes the value alone
            with pytest.raises(ed.EinderivError, match="wrt"):
                ed.codegen("x' x", wrt=wrt)
    with pytest.raises(ed.EinderivError, match="already parsed"):  # where= of an Expr: as diff
        ed.value_and_grad(ed.parse("a x' x", where="a: scalar"), ["a"], where="a: scalar")
    with pytest.raises(ed.EinderivError, match="already parsed"):
        ed.codegen(ed.parse("x' x"), wrt=["x"], where="x: vector(n)")


# float32 in, float32 out (SPEC 9): a numpy scalar counts like an array
def test_a_numpy_float32_scalar_keeps_its_dtype():
    vg = ed.value_and_grad("a^2", ["a"], where="a: scalar")
    value, grads = vg(a=np.float32(2))
    assert value.dtype == np.float32 and np.asarray(grads["a"]).dtype == np.float32
    np.testing.assert_allclose(value, 4.0)
    np.testing.assert_allclose(grads["a"], 4.0)  # d a^2 / da = 2a
    fn = ed.parse("a x", where="a: scalar").compile()
    assert fn(a=np.float32(2), x=np.ones(2, np.float32)).dtype == np.float32


# log(sigmoid(z)) = -log(1 + exp(-z)) = -logaddexp(0, -z): below z = -709 the value keeps
# falling (-745, then -inf once exp(z) underflows), never a finite -709 for every z < -709
def test_sigmoid_keeps_its_lower_tail():
    z = np.array([-1000.0, -745.0, -740.0, -700.0, -30.0, 0.0, 30.0, 800.0])
    truth = -np.logaddexp(0.0, -z)
    fn = ed.parse("log(sigmoid(z))").compile()
    with np.errstate(divide="ignore"):
        got = fn(z=z)
        interpreted = ed.parse("log(sigmoid(z))")(z=z)
    finite = z > -745  # exp(-745) is the last subnormal: log(sigmoid) is -inf below it
    # (above 0, log of a number near 1: accurate in absolute terms only)
    np.testing.assert_allclose(got[finite], truth[finite], rtol=1e-3, atol=1e-15)
    np.testing.assert_allclose(interpreted[finite], truth[finite], rtol=1e-3, atol=1e-15)
    assert got[0] == -np.inf and interpreted[0] == -np.inf
    s = ed.parse("sigmoid(z)").compile()(z=z)
    # e^z / (1 + e^z) below 0, else 1 / (1 + e^-z)
    with np.errstate(over="ignore", invalid="ignore"):
        oracle = np.where(z < 0, np.exp(z) / (1 + np.exp(z)), 1 / (1 + np.exp(-z)))
    assert oracle[1] > 0  # -745: a subnormal, not 0
    np.testing.assert_allclose(s, oracle, rtol=1e-12, atol=0)


def test_value_and_grad_on_torch_float32():
    torch = pytest.importorskip("torch", reason="torch is not installed")
    fn = ed.value_and_grad(LOSS, ["W1", "W2"], where=WHERE, backend="torch")
    args = {
        k: torch.tensor(v, dtype=torch.float32)
        for k, v in {"W1": W1, "W2": W2, "x": X, "y": Y}.items()
    }
    value, grads = fn(**args)
    assert value.dtype == torch.float32 and grads["W1"].dtype == torch.float32
    np.testing.assert_allclose(
        grads["W1"].numpy(), fd_gradient(lambda M: loss(M, W2), W1), rtol=1e-3
    )


# --------------------------------------------------------------------------------------------
# chains: reverse-mode order


def _chain(n_factors):
    text = "tr(" + " ".join(f"A{k} X" for k in range(1, n_factors + 1)) + ")"
    return text, "X: matrix(n, n); " + "; ".join(
        f"A{k}: matrix(n, n)" for k in range(1, n_factors + 1)
    )


@pytest.mark.parametrize("n_factors", [3, 8, 24])
def test_chain_gradient_costs_linear_matrix_products(n_factors):
    # d/dX tr(A1 X ... AN X) = sum_k (A_{k+1} X ... AN X A1 X ... A_k)' (a gradient); with
    # prefix and suffix products shared, at most 5 N matrix products (2N - 1 factors per term)
    text, where = _chain(n_factors)
    g = ed.diff(text, "X", where=where, layout="denominator")
    products = g.compile().source(n=4).count(" @ ")
    assert products <= 5 * n_factors
    n = 4
    A = [RNG.standard_normal((n, n)) / 2 for _ in range(n_factors)]
    X0 = RNG.standard_normal((n, n)) / 2

    def f(X):
        M = np.eye(n)
        for a in A:
            M = M @ a @ X
        return np.trace(M)

    args = {f"A{k + 1}": a for k, a in enumerate(A)}
    want = fd_gradient(f, X0)
    np.testing.assert_allclose(g.compile()(X=X0, **args), want, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g(X=X0, **args), want, rtol=1e-6, atol=1e-9)
    value, grad = ed.value_and_grad(text, "X", where=where)(X=X0, **args)
    np.testing.assert_allclose(grad, want, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(value, f(X0), rtol=1e-10)


def test_chain_with_transposes_and_coefficients():
    # d/dX tr(A X' B X C X) = terms with X and X' in different orientations, each shared
    where = "X: matrix(n, n); A: matrix(n, n); B: matrix(n, n); C: matrix(n, n)"
    n = 3
    A, B, C, X0 = (RNG.standard_normal((n, n)) for _ in range(4))
    g = ed.diff("3 tr(A X' B X C X)", "X", where=where, layout="denominator")
    want = fd_gradient(lambda X: 3 * np.trace(A @ X.T @ B @ X @ C @ X), X0)
    np.testing.assert_allclose(g.compile()(X=X0, A=A, B=B, C=C), want, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------------------------
# symmetric variables on the fast path


def test_symmetric_variable_fast_path_and_check():
    # d/dS tr(S A S B) for symmetric S = sym(A S B + B S A)' ... = (G + G')/2, G the plain one
    where = "S: symmetric(n); A: matrix(n, n); B: matrix(n, n)"
    g = ed.diff("tr(S A S B)", "S", where=where, layout="denominator")
    fn = g.compile()
    assert fn.entry_source is not None and "_sym(S)" in fn.entry_source
    n = 4
    M = RNG.standard_normal((n, n))
    S, A, B = M + M.T, RNG.standard_normal((n, n)), RNG.standard_normal((n, n))
    plain = fd_gradient(lambda Z: np.trace(Z @ A @ Z @ B), S)  # unconstrained gradient
    want = (plain + plain.T) / 2
    np.testing.assert_allclose(fn(S=S, A=A, B=B), want, rtol=1e-6, atol=1e-8)
    assert len(fn.cache) == 1  # the fast path's program
    # symmetric up to rounding: the careful path accepts it; not symmetric: a clear error
    near = S + 1e-15 * np.triu(np.ones((n, n)), 1)
    np.testing.assert_allclose(fn(S=near, A=A, B=B), want, rtol=1e-6, atol=1e-8)
    with pytest.raises(ed.EvaluationError, match="symmetric"):
        fn(S=M, A=A, B=B)


# what is not an array of real numbers is refused, never read as one: dates (day counts),
# a masked array's hidden entries, True as a size; nan is a number (nan in, nan out), also in a
# symmetric matrix whose nan entries mirror each other
def test_inputs_that_are_not_real_arrays_are_refused():
    f = ed.parse("x' x")
    dates = np.array(["2020-01-01", "2020-01-02"], "datetime64[D]")
    masked = np.ma.array([1.0, 100.0], mask=[0, 1])
    for fn in (f, f.compile(), ed.value_and_grad(f, ["x"])):
        with pytest.raises(ed.EvaluationError, match="datetime64"):
            fn(x=dates)
        with pytest.raises(ed.EvaluationError, match="masked"):
            fn(x=masked)
        value = fn(x=np.ma.array([1.0, 2.0]))  # nothing masked: its values, 1 + 4
        np.testing.assert_allclose(value[0] if isinstance(value, tuple) else value, 5.0)
    with pytest.raises(ed.EvaluationError, match="positive integer"):
        ed.parse("tr(I)")(n=True)
    S = np.eye(3)
    S[0, 1] = S[1, 0] = np.nan
    g = ed.parse("x' S x", where="S: symmetric(n)")
    assert np.isnan(g(S=S, x=np.ones(3))) and np.isnan(g.compile()(S=S, x=np.ones(3)))
    S[1, 0] = 0.0  # nan on one side only: not symmetric
    with pytest.raises(ed.EvaluationError, match="not symmetric"):
        g(S=S, x=np.ones(3))


# a scalar value is numpy's scalar of the call's dtype on every path (x' x = 0 + 1 + 4)
def test_a_scalar_value_is_a_numpy_scalar():
    fn = ed.parse("x' x").compile()
    for x in (np.arange(3.0), np.arange(3), [0.0, 1.0, 2.0]):
        value = fn(x=x)
        assert isinstance(value, np.float64) and value == 5.0, repr(value)
    value, _ = ed.value_and_grad("x' x", ["x"])(x=np.arange(3, dtype=np.float32))
    assert isinstance(value, np.float32) and value == 5.0
