"""The compiled function's entry (its inline argument checks) and ``ed.codegen`` (the same plan
as standalone source): every path gives the derivative that plain-numpy finite differences of
the original function give, and rejects bad input exactly as ``expr(**arrays)`` does."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import einderiv as ed
from einderiv.backend import binding
from einderiv.backend.compiled import compile_expr
from tests.native_util import precise

# --------------------------------------------------------------------------------------------
# plain numpy: the functions and their central finite differences


def fd_gradient(f, args: dict, wrt: str, eps: float = 1e-6) -> np.ndarray:
    """d f / d args[wrt] by central differences, in the shape of args[wrt] (a gradient)."""
    x0 = np.array(args[wrt], dtype=float)
    out = np.zeros(x0.shape)
    for k in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[k] += eps
        down[k] -= eps
        out[k] = (f(**{**args, wrt: up}) - f(**{**args, wrt: down})) / (2 * eps)
    return out


def _logistic(X, w, y):
    return np.sum(np.log(1 + np.exp(-y * (X @ w))))


def _mlp(W1, W2, x, y):
    return np.sum((W2 @ np.tanh(W1 @ x) - y) ** 2)


rng = np.random.default_rng(7)
CASES = {
    # d/dx x' A x = A x + A' x (as a gradient)
    "x'Ax": (
        "x' A x",
        "x",
        None,
        lambda A, x: x @ A @ x,
        {"A": rng.standard_normal((4, 4)), "x": rng.standard_normal(4)},
    ),
    # d/dw sum(log(1 + exp(-y .* (X w)))) = -X' (y .* sigmoid(-y .* (X w)))
    "logistic": (
        "sum(log(1 + exp(-y .* (X w))))",
        "w",
        "X: matrix(m, n)",
        _logistic,
        {
            "X": rng.standard_normal((6, 3)),
            "w": rng.standard_normal(3),
            "y": np.sign(rng.standard_normal(6)),
        },
    ),
    # d/dX tr(X' A X) = (A + A') X (as a gradient)
    "tr(X'AX)": (
        "tr(X' A X)",
        "X",
        None,
        lambda A, X: np.trace(X.T @ A @ X),
        {"A": rng.standard_normal((3, 3)), "X": rng.standard_normal((3, 2))},
    ),
    # d/dX log|X| = X^-T (as a gradient)
    "log|X|": (
        "log|X|",
        "X",
        None,
        lambda X: np.log(abs(np.linalg.det(X))),
        {"X": np.eye(3) + 0.3 * rng.standard_normal((3, 3))},
    ),
    # the two-layer net: d/dW1 = ((2 W2' (W2 h - y)) .* (1 - h.^2)) x', h = tanh(W1 x)
    "mlp": (
        "sum((W2 tanh(W1 x) - y) .^ 2)",
        "W1",
        None,
        _mlp,
        {
            "W1": rng.standard_normal((3, 4)),
            "W2": rng.standard_normal((2, 3)),
            "x": rng.standard_normal(4),
            "y": rng.standard_normal(2),
        },
    ),
    # a scalar variable: d/dx a x' x = 2 a x
    "scalar": (
        "a x' x",
        "x",
        "a: scalar",
        lambda a, x: a * (x @ x),
        {"a": 1.5, "x": rng.standard_normal(3)},
    ),
}


def _gradient(name):
    text, wrt, where, f, args = CASES[name]
    g = ed.diff(text, wrt, where=where, layout="denominator")
    return g, f, wrt, args


@pytest.mark.parametrize("name", list(CASES))
def test_entry_fast_path_matches_fd(name):
    g, f, wrt, args = _gradient(name)
    fn = compile_expr(g)
    assert fn.entry_source is not None  # the inline checks exist for these
    want = fd_gradient(f, args, wrt)
    for _ in range(2):  # the first call makes the program, the second takes the fast path
        np.testing.assert_allclose(fn(**args), want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", list(CASES))
def test_entry_fast_path_does_not_bind(name, monkeypatch):
    # once the program for a signature exists, a well-formed call skips binding.bind entirely
    g, f, wrt, args = _gradient(name)
    args = {k: np.asarray(v, dtype=float) for k, v in args.items()}
    fn = compile_expr(g)
    fn(**args)

    def no_bind(*_):
        raise AssertionError("the careful path was taken")

    monkeypatch.setattr(binding, "bind", no_bind)
    np.testing.assert_allclose(fn(**args), fd_gradient(f, args, wrt), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", list(CASES))
def test_entry_converts_like_evaluation(name):
    # lists and integer arrays: the careful path converts them as g(**arrays) does (float64);
    # float32 arrays stay float32 (SPEC 9: the result has the dtype of the inputs)
    g, f, wrt, args = _gradient(name)
    fn = compile_expr(g)
    want = fd_gradient(f, args, wrt)
    given = {k: np.asarray(v).tolist() for k, v in args.items()}
    np.testing.assert_allclose(fn(**given), g(**given), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fn(**given), want, rtol=1e-4, atol=1e-4)
    given = {k: np.asarray(v, np.float32) for k, v in args.items()}
    assert fn(**given).dtype == np.float32
    np.testing.assert_allclose(fn(**given), want, rtol=1e-3, atol=1e-3)


BAD_CALLS = [
    ({"x": np.ones(3)}, "no value given for A"),
    ({"x": np.ones(3), "A": np.ones(3)}, "shape"),
    ({"x": np.ones(3), "A": np.eye(4)}, "size"),
    ({"x": np.ones(3), "A": np.eye(3), "B": 1.0}, "not a variable"),
    ({"x": np.ones((3, 1)), "A": np.eye(3)}, "shape"),
    ({"x": "abc", "A": np.eye(3)}, "array of numbers"),
]


@pytest.mark.parametrize("values, message", BAD_CALLS)
def test_entry_rejects_bad_input_like_evaluation(values, message):
    g = ed.diff("x' A x", "x")
    fn = compile_expr(g)
    fn(x=np.ones(3), A=np.eye(3))  # the fast path exists for n = 3
    with pytest.raises(ed.EvaluationError, match=message) as compiled_error:
        fn(**values)
    with pytest.raises(ed.EvaluationError) as plain_error:
        g(**values)
    assert str(compiled_error.value) == str(plain_error.value)


def test_entry_integer_variable():
    # d/dX tr(X^k) = k (X^(k-1))' as a gradient; k must be an int
    g = ed.diff("tr(X^k)", "X", where="k: integer", layout="denominator")
    fn = compile_expr(g)
    X = np.eye(3) + 0.2 * rng.standard_normal((3, 3))

    def f(X, k):
        return np.trace(np.linalg.matrix_power(X, k))

    for k in (3, 3, -2):
        np.testing.assert_allclose(fn(X=X, k=k), fd_gradient(f, {"X": X, "k": k}, "X"), rtol=1e-5)
    with pytest.raises(ed.EvaluationError, match="integer"):
        fn(X=X, k=2.5)
    with pytest.raises(ed.EvaluationError, match="integer k"):
        fn(X=X)


def test_entry_symmetric_variable_is_checked():
    g = ed.diff("x' S x", "x", where="S: symmetric(n)")
    fn = compile_expr(g)
    S = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = np.array([1.0, -1.0])
    np.testing.assert_allclose(
        fn(S=S, x=x), fd_gradient(lambda S, x: x @ S @ x, {"S": S, "x": x}, "x")
    )
    with pytest.raises(ed.EvaluationError, match="symmetric"):
        fn(S=np.array([[1.0, 2.0], [0.0, 1.0]]), x=x)


def test_result_never_aliases_an_argument():
    # d/dx a' x = a: the caller's array is not handed back
    fn = compile_expr(ed.diff("a' x", "x"))
    a, x = np.arange(3.0), np.ones(3)
    for _ in range(2):
        out = fn(a=a, x=x)
        assert not np.shares_memory(out, a)
        out[0] = 99.0
        assert a[0] == 0.0


@pytest.mark.parametrize("name", ["type", "zip", "list", "np", "print", "lambda", "float"])
def test_entry_variables_named_like_python(name):
    # a variable called like a builtin, a keyword or numpy: still d/dx x' A x = (A + A') x
    g = ed.diff(f"{name}' A {name}", name, where=f"{name}: vector(3); A: matrix(3, 3)")
    fn = compile_expr(g)
    x, A = rng.standard_normal(3), rng.standard_normal((3, 3))
    for _ in range(2):
        np.testing.assert_allclose(fn(**{name: x, "A": A}), (A + A.T) @ x)


# --------------------------------------------------------------------------------------------
# ed.codegen is the compiled plan


def _run_codegen(g, **args):
    namespace: dict = {}
    exec(compile(ed.codegen(g, name="grad"), "<codegen>", "exec"), namespace)  # noqa: S102
    return namespace["grad"](**args)


@pytest.mark.parametrize("name", list(CASES))
def test_codegen_matches_fd_at_two_sizes(name):
    g, f, wrt, args = _gradient(name)
    np.testing.assert_allclose(
        _run_codegen(g, **args), fd_gradient(f, args, wrt), rtol=1e-6, atol=1e-7
    )


def test_codegen_any_size():
    # one source, many sizes: d/dw of the logistic loss at (m, n) = (6, 3) and (9, 5)
    g = ed.diff("sum(log(1 + exp(-y .* (X w))))", "w")
    namespace: dict = {}
    exec(compile(ed.codegen(g, name="grad"), "<codegen>", "exec"), namespace)  # noqa: S102
    for m, n in ((6, 3), (9, 5)):
        args = {
            "X": rng.standard_normal((m, n)),
            "w": rng.standard_normal(n),
            "y": np.sign(rng.standard_normal(m)),
        }
        np.testing.assert_allclose(
            namespace["grad"](**args), fd_gradient(_logistic, args, "w"), rtol=1e-6, atol=1e-7
        )


def test_codegen_uses_the_plan():
    # X' (A + A'): one matrix product, no einsum (the factored form of the plan)
    src = ed.codegen(ed.diff("tr(X' A X)", "X"))
    assert src.count(" @ ") == 1 and "einsum" not in src, src
    # the tr(X'AX) Hessian: (A + A') written into the diagonal of a zero array, no identity
    src = ed.codegen(ed.hessian("tr(X' A X)", "X"))
    assert "eye" not in src and "_expand(" in src and "def _expand" in src, src
    # the logistic Hessian: X w once, X' D X once, diag as row scaling
    src = ed.codegen(ed.hessian("sum(log(1 + exp(-y .* (X w))))", "w"))
    assert src.count(" @ ") == 2 and "[:, None]" in src, src
    # inv(X) once in the tr(inv(X) A) Hessian
    src = ed.codegen(ed.hessian("tr(inv(X) A)", "X"))
    assert src.count("np.linalg.inv(") == 1, src
    assert "einderiv" not in src.replace("Generated by einderiv", "")


def test_codegen_symbolic_sum_is_a_loop():
    # d/dA tr(A^k) = k (A^(k-1))' as a gradient, through a loop over r = 0..k-1
    g = ed.diff("tr(A^k)", "A", where="k: integer")
    A = np.eye(3) + 0.2 * rng.standard_normal((3, 3))
    for k in (1, 2, 4):
        got = _run_codegen(g, A=A, k=k)
        want = fd_gradient(
            lambda A, k: np.trace(np.linalg.matrix_power(A, k)), {"A": A, "k": k}, "A"
        ).T  # numerator layout
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_programs_for_many_sizes_are_bounded():
    # one program per set of sizes, at most MAX_PROGRAMS of them; values stay right throughout
    from einderiv.backend.compiled import MAX_PROGRAMS

    fn = compile_expr(ed.diff("x' x", "x"))
    for n in range(1, MAX_PROGRAMS + 20):
        x = rng.standard_normal(n)
        np.testing.assert_allclose(fn(x=x), 2 * x)  # d/dx x' x = 2 x'
    assert len(fn.cache) == MAX_PROGRAMS


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_optional_backends_match_fd(backend):
    # jax programs are jit-compiled (integers static); torch runs eagerly; both as numpy would
    pytest.importorskip(backend)
    X = np.eye(3) + 0.2 * rng.standard_normal((3, 3))
    cases = [
        # d/dX log|X| = X^-T as a gradient
        ("log|X|", None, {}, lambda X: np.log(abs(np.linalg.det(X)))),
        # d/dX tr(X^k) = k (X^(k-1))' as a gradient, k an integer (static under jit)
        ("tr(X^k)", "k: integer", {"k": 3}, lambda X, k: np.trace(np.linalg.matrix_power(X, k))),
        # a symbolic sum left to the evaluator: the program runs eagerly
        (
            "tr(X^k B)",
            "k: integer",
            {"k": 2, "B": X.T.copy()},
            lambda X, k, B: np.trace(np.linalg.matrix_power(X, k) @ B),
        ),
    ]
    for text, where, extra, f in cases:
        g = ed.diff(text, "X", where=where, layout="denominator")
        fn = compile_expr(g, backend=backend)
        args = {"X": X, **extra}
        want = fd_gradient(f, args, "X")
        for _ in range(2):
            with precise(backend):
                np.testing.assert_allclose(np.asarray(fn(**args)), want, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------------------------
# regressions found by review


def test_symbolic_sum_gets_every_size_it_needs():
    # d/ds c' (X + s)^k c at k = 3: 3 c' (X + s 1 1')^2 (1 1') c ... checked by FD of the original
    g = ed.diff("c' (X + s)^k c", "s", where="X: matrix(n,n); c: vector(n); s: scalar; k: integer")
    X, c = np.array([[1.0, 0.5], [0.2, 1.0]]), np.array([1.0, 2.0])

    def f(s):
        return c @ np.linalg.matrix_power(X + s, 3) @ c

    want = (f(0.5 + 1e-6) - f(0.5 - 1e-6)) / 2e-6
    for fn in (compile_expr(g), g):
        for _ in range(2):
            np.testing.assert_allclose(fn(X=X, c=c, s=0.5, k=3), want, rtol=1e-6)


@pytest.mark.parametrize(
    "text, where, args",
    [
        ("tr(X' A)", None, {"X": np.eye(2), "A": np.arange(4.0).reshape(2, 2)}),  # grad A: a .T
        ("diag(A)", None, {"A": np.arange(4.0).reshape(2, 2)}),  # an einsum diagonal view
        ("X'", None, {"X": np.arange(4.0).reshape(2, 2)}),
        ("X", None, {"X": np.arange(4.0).reshape(2, 2)}),
    ],
)
def test_results_never_share_memory_with_arguments(text, where, args):
    f = ed.parse(text, where=where)
    g = ed.diff(f, "X") if text.startswith("tr") else f
    namespace: dict = {}
    exec(compile(ed.codegen(g, name="h"), "<codegen>", "exec"), namespace)  # noqa: S102
    params = inspect.signature(namespace["h"]).parameters
    calls = [
        lambda: g(**args),
        lambda: compile_expr(g)(**args),
        lambda: namespace["h"](**{k: v for k, v in args.items() if k in params}),
    ]
    for call in calls:
        for _ in range(2):  # the second compiled call takes the fast path
            out = np.asarray(call())
            assert not any(np.shares_memory(out, v) for v in args.values())


# log(0) x and sqrt(-1) x are refused when read (tests/test_undefined_constants.py); -inf and
# nan constants still come from exp's overflow
@pytest.mark.parametrize(
    "text", ["exp(1000) x", "-exp(1000) x", "x + exp(1000)", "(exp(1000) - exp(1000)) x"]
)
def test_infinite_constants_in_programs(text):
    f = ed.parse(text)
    x = np.arange(3.0)
    with np.errstate(all="ignore"):
        want = f(x=x)
        namespace: dict = {}
        exec(compile(ed.codegen(f), "<codegen>", "exec"), namespace)  # noqa: S102
        for got in (compile_expr(f)(x=x), namespace["f"](x=x)):
            np.testing.assert_array_equal(got, want)


def test_number_too_large_for_float64_is_a_parse_error():
    with pytest.raises(ed.ParseError, match="too large"):
        ed.parse("x * 1e400")


def test_generated_names_never_collide():
    # float and float_ are different variables; a size named like a helper (sum, expand)
    rng_ = np.random.default_rng(0)
    g = ed.diff("float' A float_", "A", where="float, float_: vector(n); A: matrix(n, n)")
    a, b = rng_.standard_normal(3), rng_.standard_normal(3)
    np.testing.assert_allclose(compile_expr(g)(float=a, float_=b, A=np.eye(3)), np.outer(b, a))
    for text, wrt, where, value in [
        ("sum(X' X)", "X", "X: matrix(sum, n)", {"X": rng_.standard_normal((3, 2))}),
        ("sum(x x')", "x", "x: vector(broadcast)", {"x": rng_.standard_normal(3)}),
    ]:
        g = ed.diff(text, wrt, where=where)
        namespace: dict = {}
        exec(compile(ed.codegen(g, name="h"), "<codegen>", "exec"), namespace)  # noqa: S102
        np.testing.assert_allclose(namespace["h"](**value), g(**value))


@pytest.mark.parametrize("name", ["float", "int", "range", "abs", "max", "len"])
def test_codegen_refuses_function_names_that_hide_builtins(name):
    with pytest.raises(ed.EinderivError, match="builtin"):
        ed.codegen(ed.diff("x' x", "x"), name=name)


def test_calls_that_are_refused_alike():
    g = ed.diff("tr(X' A X)", "X")
    fn = compile_expr(g)
    X, A = np.eye(2), np.ones((2, 2))
    fn(X=X, A=A)
    for call in (
        lambda h: h(X, A),  # positional
        lambda h: h(X=None, A=A),  # None is not a value
        lambda h: h(X=X + 1j, A=A),  # complex: was silently made real
    ):
        with pytest.raises(ed.EvaluationError) as compiled_error:
            call(fn)
        with pytest.raises(ed.EvaluationError) as plain_error:
            call(g)
        assert str(compiled_error.value) == str(plain_error.value)
    k = ed.diff("tr(X^k)", "X", where="k: integer")
    with pytest.raises(ed.EvaluationError, match="integer"):
        compile_expr(k)(X=X, k=True)
    with pytest.raises(ed.EvaluationError, match="numbers"):
        compile_expr(ed.parse("a x", where="a: scalar"))(a="2", x=np.ones(2))


def test_torch_constants_and_singular_matrices():
    pytest.importorskip("torch")
    f = ed.parse("exp(2^k) * x", where="x: vector(n); k: integer")
    np.testing.assert_allclose(
        np.asarray(compile_expr(f, backend="torch")(x=np.ones(2), k=1)), np.exp(2.0) * np.ones(2)
    )
    g = ed.diff("tr(inv(X) A)", "X")
    with pytest.raises(ed.EvaluationError, match="singular"):
        compile_expr(g, backend="torch")(X=np.zeros((2, 2)), A=np.ones((2, 2)))


def test_every_backend_namespace_has_every_helper():
    # a rendered program may call any helper of the numpy namespace; every backend defines it,
    # and generated code either calls numpy for it or defines it
    from einderiv.backend import runtime

    names = set(runtime.namespace("numpy"))
    assert names == set(runtime.namespace("_generic_numpy"))
    for backend in ("torch", "jax", "dask"):
        try:
            assert names == set(runtime.namespace(backend))
        except ed.EinderivError:  # not installed
            pass
    helpers = {n for n in names if n.startswith("_")} - {"_asarray"}  # torch/jax only
    assert helpers <= set(runtime.ALIASES) | set(runtime.DEFINED)
