"""Edge inputs on every evaluation route: the interpreter, compiled numpy, torch and jax (when
installed), and generated code. A value is judged by plain numpy; where the mathematics has
no value, the route raises a clear error (an ``EinderivError``, or ``ValueError`` from
generated code) instead of a framework's traceback.
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

import einderiv as ed
from tests.native_util import as_native, need, precise

BACKENDS = ["numpy"] + [b for b in ("torch", "jax") if importlib.util.find_spec(b)]


def _generated(f):
    namespace: dict = {}
    exec(ed.codegen(f, name="f"), namespace)  # noqa: S102 - the package's own output
    return namespace["f"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_log_det_of_a_singular_matrix_is_minus_infinity(backend):
    # log|X| at det X = 0 is log 0 = -inf (numpy's log(0.0)), its limit from det X > 0;
    # at det X < 0 it has no real value: nan
    singular, negative = np.array([[1.0, 2.0], [2.0, 4.0]]), -np.eye(3)
    f = ed.parse("log|X|")
    with precise(backend):
        compiled = float(f.compile(backend=backend)(X=as_native(backend, singular)))
    with np.errstate(divide="ignore"):
        expected = np.log(np.abs(np.linalg.det(singular)))  # det = 0 exactly: log 0
    for got in (float(f(X=singular)), compiled, float(_generated(f)(X=singular))):
        assert got == expected == -math.inf
    with pytest.warns(RuntimeWarning):
        assert math.isnan(float(f(X=negative)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_mean_of_an_empty_vector_is_nan_on_every_route(backend):
    # mean(x) = sum(x) / n with n = 0 is 0 / 0: nan, as numpy's mean (1/n is folded as numpy's
    # 0.0 ** -1 = inf, and inf times the empty sum 0 is nan; compiled code scaled the empty x
    # first, and the empty sum of it was 0). Every route says nan, with numpy's warning.
    f = ed.parse("mean(x)")
    empty = np.zeros(0)
    with pytest.warns(RuntimeWarning):
        assert math.isnan(np.mean(empty))
    with precise(backend), np.errstate(invalid="ignore"):
        got = float(f.compile(backend=backend)(x=as_native(backend, empty)))
        gradient = np.asarray(ed.diff("mean(x)", "x").compile(backend=backend)(
            x=as_native(backend, empty)))  # fmt: skip
        interpreted, generated = float(f(x=empty)), float(_generated(f)(x=empty))
    assert math.isnan(got) and math.isnan(interpreted) and math.isnan(generated)
    if backend == "numpy":
        with pytest.warns(RuntimeWarning, match="invalid value"):
            f(x=empty)
        with pytest.warns(RuntimeWarning, match="invalid value"):
            f.compile()(x=empty)
    # b mean(x): the same nan in every entry of a vector
    g = ed.parse("mean(x) b")
    with precise(backend), np.errstate(invalid="ignore"):
        scaled = g.compile(backend=backend)(
            x=as_native(backend, empty), b=as_native(backend, np.ones(3))
        )
    assert np.isnan(np.asarray(scaled)).all() and np.asarray(scaled).shape == (3,)
    assert gradient.shape == (0,)
    x = np.array([1.0, 2.0, 6.0])
    with precise(backend):
        assert float(f.compile(backend=backend)(x=as_native(backend, x))) == np.mean(x)


def test_generated_code_refuses_an_integer_symbol_that_is_not_an_integer():
    # tr(X^k) at k = 2.5 has no meaning (k: integer); generated code truncated it to tr(X^2)
    X = np.array([[2.0, 1.0], [0.0, 3.0]])
    f = _generated(ed.parse("tr(X^k)", "k: integer"))
    assert f(X=X, k=3) == np.trace(np.linalg.matrix_power(X, 3))
    assert f(X=X, k=3.0) == np.trace(np.linalg.matrix_power(X, 3))
    with pytest.raises(ValueError, match="k must be an integer, not 2.5"):
        f(X=X, k=2.5)
    with pytest.raises(ed.EvaluationError):
        ed.parse("tr(X^k)", "k: integer")(X=X, k=2.5)


def _powers_derivative(X, A, m):
    """d tr(X^m A) / dX in numerator layout, by hand: sum_{r<m} X^r A X^(m-1-r)."""
    mp = np.linalg.matrix_power
    return sum(mp(X, r) @ A @ mp(X, m - 1 - r) for r in range(m))


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != "numpy"])
def test_a_closed_form_sum_of_powers_is_traced_by_the_backend(backend):
    # d tr(X^(k-1) A)/dX is a sum over r < k-1 in closed form (doubling); it runs in the
    # backend's own operations, so jax.jit and jax.grad, and torch autograd, go through it.
    # The gradient of sum(D(X)) is judged by central differences of the numpy formula above
    rng = np.random.default_rng(8)
    X, A = 0.4 * rng.standard_normal((3, 3)) + np.eye(3), rng.standard_normal((3, 3))
    g = ed.diff("tr(X^(k-1) A)", "X", where="k: integer").compile(backend=backend)
    expected = _powers_derivative(X, A, 3)
    h, fd = 1e-6, np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        e = np.zeros_like(X)
        e[idx] = h
        fd[idx] = (
            _powers_derivative(X + e, A, 3).sum() - _powers_derivative(X - e, A, 3).sum()
        ) / (2 * h)
    with precise(backend):
        if backend == "jax":
            import jax

            run = jax.jit(lambda X: g(X=X, A=as_native(backend, A), k=4))
            np.testing.assert_allclose(run(as_native(backend, X)), expected, rtol=1e-10)
            grad = jax.grad(lambda X: g(X=X, A=as_native(backend, A), k=4).sum())
            np.testing.assert_allclose(grad(as_native(backend, X)), fd, rtol=1e-6, atol=1e-6)
        else:
            import torch

            Xt = torch.tensor(X, requires_grad=True)
            out = g(X=Xt, A=as_native(backend, A), k=4)
            np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10)
            out.sum().backward()
            np.testing.assert_allclose(Xt.grad.numpy(), fd, rtol=1e-6, atol=1e-6)


@pytest.mark.skipif(not importlib.util.find_spec("torch"), reason="torch is not installed")
def test_torch_inputs_of_two_float_dtypes_are_promoted_as_numpy_does():
    # x float32 and A float64: x' A x in float64 (numpy's promotion); torch's matmul refused
    # the mix. The gradient reaches x in its own dtype
    import torch

    x, A = np.array([1.0, -2.0]), np.array([[2.0, 1.0], [0.5, 3.0]])
    f = ed.parse("x' A x").compile(backend="torch")
    xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    out = f(x=xt, A=torch.tensor(A, dtype=torch.float64))
    assert out.dtype == torch.float64
    np.testing.assert_allclose(out.item(), x @ A @ x)
    out.backward()
    assert xt.grad.dtype == torch.float32
    np.testing.assert_allclose(xt.grad.numpy(), (A + A.T) @ x)


@pytest.mark.skipif(not importlib.util.find_spec("jax"), reason="jax is not installed")
def test_jax_bfloat16_stays_bfloat16():
    # bfloat16 is a floating type of jax (not of numpy): in bfloat16, out bfloat16
    import jax.numpy as jnp

    x, A = np.array([1.0, -2.0]), np.array([[2.0, 1.0], [0.5, 3.0]])
    f = ed.parse("x' A x").compile(backend="jax")
    out = f(x=jnp.asarray(x, dtype=jnp.bfloat16), A=jnp.asarray(A, dtype=jnp.bfloat16))
    assert out.dtype == jnp.bfloat16
    np.testing.assert_allclose(float(out), x @ A @ x, rtol=1e-2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_diagonal_with_nan_keeps_its_zeros(backend):
    # d relu(x)/dx = diag(step(x)); at x = [nan, 1, 2] numpy's diag keeps the zeros off the
    # diagonal (torch and jax multiplied by the identity: nan * 0 filled the row with nan)
    x = np.array([np.nan, 1.0, 2.0])
    expected = np.diag([np.nan, 1.0, 1.0])
    g = ed.diff("relu(x)", "x")
    with precise(backend):
        got = np.asarray(g.compile(backend=backend)(x=as_native(backend, x)))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(g(x=x), expected)


@pytest.mark.skipif(not importlib.util.find_spec("jax"), reason="jax is not installed")
@pytest.mark.parametrize("text", ["inv(X)", "X^-2", "log|X|", "det(X)"])
def test_jax_bfloat16_linear_algebra_runs_in_float32_and_stays_bfloat16(text):
    # LAPACK has no bfloat16: inverses and determinants run in float32, the result is bfloat16
    import jax.numpy as jnp

    A = np.array([[2.0, 1.0], [0.5, 3.0]])
    numpy_f = {
        "inv(X)": np.linalg.inv,
        "X^-2": lambda m: np.linalg.matrix_power(np.linalg.inv(m), 2),
        "log|X|": lambda m: np.log(np.linalg.det(m)),
        "det(X)": np.linalg.det,
    }[text]
    out = ed.parse(text).compile(backend="jax")(X=jnp.asarray(A, dtype=jnp.bfloat16))
    assert out.dtype == jnp.bfloat16
    np.testing.assert_allclose(np.asarray(out, dtype=float), numpy_f(A), rtol=2e-2, atol=1e-2)


def test_generated_code_refuses_an_infinite_integer_symbol():
    f = _generated(ed.diff("tr(A^k)", "A", where="k: integer"))
    with pytest.raises(ValueError, match="k must be an integer, not inf"):
        f(A=np.eye(2), k=float("inf"))


# a sum over indices, written either way, is refused with the one spelling that works:
# sum(X .^ 3) (= sum_{i,j} X[i,j]^3, numpy here), never sent from \sum to sum_ and back
@pytest.mark.parametrize("text", ["sum_{i,j} X[i,j]^3", r"\sum_{i,j} X_{i,j}^3", r"\sum_j x_j"])
def test_a_sum_over_indices_points_to_sum_of_the_array(text):
    X = np.arange(6.0).reshape(2, 3) - 2
    assert ed.parse("sum(X .^ 3)")(X=X) == np.sum(X**3)
    with pytest.raises(ed.ParseError) as error:
        ed.parse(text)
    message = str(error.value)
    assert "sum(...)" in message and "write \\sum" not in message, message


@pytest.mark.parametrize(
    "k", [np.array(3), np.array(3, dtype=np.int8), np.uint16(3), np.array(3.0)]
)
def test_an_integer_given_as_a_zero_dimensional_array_is_that_integer(k):
    # tr(X^k) at k = 3: np.array(3) (what numpy reductions and np.asarray give) holds the
    # integer 3, as np.int64(3) and 3.0 do; it was refused ("give it as a Python int")
    X = np.array([[2.0, 1.0], [0.5, 3.0]])
    want = np.trace(np.linalg.matrix_power(X, 3))
    f = ed.parse("tr(X^k)", "k: integer")
    compiled = f.compile()
    for run in (f, compiled, compiled):  # the careful path, then the compiled fast path
        np.testing.assert_allclose(run(X=X, k=k), want)
    np.testing.assert_allclose(_generated(f)(X=X, k=k), want)
    # a size no array fixes, given as a 0-d integer array: n = 3
    np.testing.assert_allclose(ed.parse("tr(I) t", "t: scalar")(t=2.0, n=np.array(3)), 6.0)


@pytest.mark.parametrize("k", [np.array(2.5), np.array(True), np.array([3]), np.array(np.inf)])
def test_a_zero_dimensional_array_that_is_no_integer_is_refused_by_name(k):
    # np.array(2.5) for k: integer has no meaning (tr(X^2.5) is no power einderiv defines)
    X = np.eye(2)
    f = ed.parse("tr(X^k)", "k: integer")
    for run in (f, f.compile()):
        with pytest.raises(ed.EvaluationError, match=r"k is an integer, not array\("):
            run(X=X, k=k)


@pytest.mark.parametrize("k", [np.ma.masked, np.ma.masked_array(3, mask=True)])
def test_a_masked_zero_dimensional_integer_is_refused_not_its_hidden_value(k):
    # a masked entry holds no value: np.ma.masked.item() is 0.0 and masked_array(3, mask=True)
    # hides 3; tr(X^k) read them as k = 0 (tr(I) = 2) and k = 3, silently, as a size n too.
    # An array with masked entries is refused ("fill them first"); so is a masked integer.
    X = np.array([[2.0, 1.0], [0.5, 3.0]])
    assert np.trace(np.linalg.matrix_power(X, 0)) == 2.0  # what the masked constant gave
    f = ed.parse("tr(X^k)", "k: integer")
    for run in (f, f.compile()):
        with pytest.raises(ed.EvaluationError, match="k is an integer, not masked"):
            run(X=X, k=k)
    with pytest.raises(ed.EvaluationError, match="the size n must be a positive integer"):
        ed.parse("tr(I) t", "t: scalar")(t=2.0, n=k)
    # unmasked, it is the integer it holds: tr(X^3)
    want = np.trace(np.linalg.matrix_power(X, 3))
    np.testing.assert_allclose(f(X=X, k=np.ma.masked_array(3)), want)


@pytest.mark.parametrize("k", [True, np.True_, np.array(True)])
def test_generated_code_refuses_a_boolean_integer_as_the_library_does(k):
    # tr(X^k): a boolean is no integer k (True is 1 to Python: tr(X^1) = tr(X) = 5 here, which
    # the generated code returned for np.True_ and np.array(True)); the library refuses it
    X = np.array([[2.0, 1.0], [0.5, 3.0]])
    assert np.trace(np.linalg.matrix_power(X, 1)) == 5.0
    f = ed.parse("tr(X^k)", "k: integer")
    with pytest.raises(ed.EvaluationError, match="k is an integer"):
        f(X=X, k=k)
    with pytest.raises(ValueError, match="k must be an integer"):
        _generated(f)(X=X, k=k)


@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8"])
def test_a_size_given_as_a_zero_dimensional_torch_tensor_is_that_size(dtype):
    # tr(I) t at n = 3: 3 t (direct formula), with n given as torch.tensor(3), as np.array(3) and
    # jnp.asarray(3) are (it was refused: "the size n must be a positive integer")
    torch = need("torch")
    f = ed.parse("tr(I) t", "t: scalar")
    n = torch.tensor(3, dtype=getattr(torch, dtype))
    for run in (f, f.compile(), f.compile(backend="torch")):
        assert float(run(t=2.0, n=n)) == 3 * 2.0
    for bad in (torch.tensor(3.0), torch.tensor(True), torch.tensor([3]), torch.tensor(0)):
        with pytest.raises(ed.EvaluationError, match="the size n must be a positive integer"):
            f(t=2.0, n=bad)


def test_a_lazy_or_traced_zero_dimensional_size_is_refused_by_name():
    # a lazy dask 0-d array has no .item() (a raw AttributeError before); a size traced by
    # jax.jit has no value yet (a raw ConcretizationTypeError before)
    f = ed.parse("tr(I) t", "t: scalar")
    assert float(f(t=2.0, n=np.array(3))) == 6.0
    da = need("dask.array")
    with pytest.raises(ed.EvaluationError, match="the size n must be a positive integer"):
        f(t=2.0, n=da.from_array(np.asarray(3)))
    jax = need("jax")
    with pytest.raises(ed.EvaluationError, match="static argument"):
        jax.jit(lambda n: f(t=2.0, n=n))(3)
