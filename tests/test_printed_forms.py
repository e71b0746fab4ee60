"""Unusual expressions: each derivative equals finite differences of numpy code written here,
and its printed form (matrix notation, or index notation when there is none) reads back with
``ed.parse`` to the same values. Where the form is the textbook one, the text is asserted too.
"""

import math

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, symmetric_fd, to_layout

n, m = 3, 4
WHERE = (
    "X: matrix(n, n); Y: matrix(n, n); A: matrix(n, n); W: matrix(m, n); x: vector(n); "
    "y: vector(n); z: vector(m); a: vector(n); t: scalar"
)


def _values():
    rng = np.random.default_rng(0)
    return {
        "X": rng.normal(size=(n, n)) + 3 * np.eye(n),
        "Y": rng.uniform(1, 2, size=(n, n)),
        "A": rng.normal(size=(n, n)),
        "W": rng.normal(size=(m, n)),
        "x": rng.normal(size=n),
        "y": rng.uniform(0.5, 1.5, size=n),
        "z": rng.normal(size=m),
        "a": rng.normal(size=n),
        "t": 0.7,
    }


inv = np.linalg.inv
CASES = [
    # expression, wrt, numpy function, numerator text (None: not asserted)
    ("diag(X)' x", "X", lambda X, x: np.diag(X) @ x, "diag(x)"),
    ("sum(X .* X)", "X", lambda X: np.sum(X * X), "2 X'"),
    ("sum(X ./ Y)", "Y", lambda X, Y: np.sum(X / Y), None),
    ("x' diag(y) x", "y", lambda x, y: x @ np.diag(y) @ x, None),
    ("norm2(X)", "X", lambda X: np.linalg.norm(X), None),
    ("tr(X)^2", "X", lambda X: np.trace(X) ** 2, "2 tr(X) I"),
    ("sigmoid(W x)", "x", lambda W, x: 1 / (1 + np.exp(-(W @ x))), None),
    ("sum(softplus(W x) .* z)", "x", lambda W, x, z: np.sum(np.logaddexp(0, W @ x) * z), None),
    ("inv(X + I)", "X", lambda X: inv(X + np.eye(n)), None),
    ("x' inv(X) x", "x", lambda X, x: x @ inv(X) @ x, "x' (X^-1 + X^-T)"),
    ("x' inv(X) x", "X", lambda X, x: x @ inv(X) @ x, "-X^-1 x x' X^-1"),
    ("logdet(X' X)", "X", lambda X: np.log(np.linalg.det(X.T @ X)), None),
    ("sqrt(x .^ 2 + 1)", "x", lambda x: np.sqrt(x**2 + 1), None),
    ("exp(t) x + t^3 a", "t", lambda t, x, a: np.exp(t) * x + t**3 * a, "3 t^2 a + exp(t) x"),
    ("tr(X^-2)", "X", lambda X: np.trace(np.linalg.matrix_power(inv(X), 2)), "-2 X^-3"),
    ("X^-T a", "X", lambda X, a: inv(X).T @ a, None),
    ("sum(tanh(W X))", "X", lambda W, X: np.sum(np.tanh(W @ X)), None),
    ("cos(x)' sin(y)", "x", lambda x, y: np.cos(x) @ np.sin(y), None),
    ("x ./ norm2(x)", "x", lambda x: x / np.linalg.norm(x), "I / norm2(x) - x x' / norm2(x)^3"),
    ("W x / t", "t", lambda W, x, t: W @ x / t, None),
    ("ones' X ones", "X", lambda X: np.sum(X), "ones ones'"),
    ("diag(x) A diag(x)", "x", lambda x, A: np.diag(x) @ A @ np.diag(x), None),
    ("x x'", "x", lambda x: np.outer(x, x), None),
    ("tr(X .^ 3)", "X", lambda X: np.trace(X**3), "3 diag(diag(X) .^ 2)"),
    ("log(x' x) + 2 .^ t", "t", lambda x, t: np.log(x @ x) + 2**t, None),
    # tr(A X) = tr(X' A'), diag(A X) = diag(X' A') as vectors: the form with fewer transposes
    # d exp(tr(A X)) / dX = exp(tr(A X)) A  (numerator layout)
    ("exp(tr(A X))", "X", lambda A, X: np.exp(np.trace(A @ X)), "exp(tr(X A)) A"),
    # d sum(exp(diag(W' W X))) / dX: diag(W' W X) is written without transposes of the product
    (
        "sum(exp(diag(W' W X)))",
        "X",
        lambda W, X: np.sum(np.exp(np.diag(W.T @ W @ X))),
        "diag(exp(diag(W' W X))) W' W",
    ),
    # det(I + A^0) = det(2 I) = 2^n: printed with a size (2^tr(A .^ 0)), not det(2 I) whose I
    # no array sizes
    ("x' x / det(I + A^0)", "x", lambda x, A: x @ x / 2.0**n, None),
    # d tr((A + t) ./ sum(y)) / dt = n / sum(y): the n is tr(A .^ 0), a size its text fixes (it
    # was sum((sum(y) ones) .^ -1), whose ones nothing sized: (s 1[a])^p -> s^p 1[a], s a sum)
    ("tr((A + t) ./ sum(y))", "t", lambda A, t, y: np.trace((A + t) / y.sum()), None),
    ("tr((A + t) ./ sum(y))", "y", lambda A, t, y: np.trace((A + t) / y.sum()), None),
    ("sum(sqrt(x' y + 0 x) .* a)", "x", lambda x, y, a: np.sum(np.sqrt(x @ y) * a), None),
    # A ones + W' ones: the two ones have different sizes (n, m), so no (A + W') ones
    ("(A x + W' z) / t", "t", lambda A, x, W, z, t: (A @ x + W.T @ z) / t, None),
    ("(A ones + W' ones) / t", "t", lambda A, W, t: (A.sum(1) + W.T.sum(1)) / t, None),
    # ... while ones of one size (n) are still taken out: (A + A') ones
    (
        "(A ones + A' ones) / t",
        "t",
        lambda A, t: (A.sum(1) + A.T.sum(1)) / t,
        "-(A + A') ones / t^2",  # a negative power of a name: a divisor
    ),
]


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("expr, wrt, fn, text", CASES, ids=[f"{c[0]} by {c[1]}" for c in CASES])
def test_derivative_and_printed_form(expr, wrt, fn, text, layout):
    values = _values()
    g = ed.diff(expr, wrt, where=WHERE, layout=layout)
    names = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    args = {k: values[k] for k in names}
    y = np.asarray(fn(**args))
    jac = jacobian_fd(lambda **kw: np.asarray(fn(**kw), float), args, wrt)
    expected = to_layout(jac, y.ndim, np.ndim(values[wrt]), layout)
    got = g(**{k: values[k] for k in g.variables})
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    if text is not None and layout == "numerator":
        assert str(g) == text
    shape = None if g.slots is None else tuple(None if i is None else i.dim for i in g.slots)
    back = ed.parse(str(g), where=WHERE, shape=shape)
    again = back(**{k: values[k] for k in back.variables})
    np.testing.assert_allclose(
        np.broadcast_to(again, expected.shape), expected, rtol=1e-4, atol=1e-6
    )


def test_index_names_beyond_the_pool_keep_one_size():
    # Past the letters a..w, summed indices are a15, a16, ...; one such name never stands for
    # two sizes (parse requires one size per name): d/dS (cos(S^-1) + a^2 tr(A)) .^ 2 prints
    # A[a16,a16] (size d3) where a15 already counts over S's size d2.
    where = "a: scalar; A: matrix(d3, d3); S: symmetric(d2)"
    expr = "(cos(S^-1) + a^2 tr(A))^2"
    rng = np.random.default_rng(3)
    S = rng.normal(size=(2, 2))
    S = S + S.T + 4 * np.eye(2)
    values = {"a": 0.3, "A": rng.normal(size=(3, 3)), "S": S}

    def f(a, A, S):  # `^ 2` of a matrix is its matrix square
        C = np.cos(np.linalg.inv(S)) + a**2 * np.trace(A)
        return C @ C

    g = ed.diff(expr, "S", where=where)
    jac = symmetric_fd(f, values, "S")
    expected = to_layout(jac, 2, 2, "numerator")
    np.testing.assert_allclose(g(**values), expected, rtol=1e-5, atol=1e-7)
    text = g.index()
    back = ed.parse(text, where=where)
    np.testing.assert_allclose(back(**values), expected, rtol=1e-5, atol=1e-7)


def test_a_size_only_a_rectangular_matrix_has_is_measured_on_it():
    # d/dp sum(1 + B .^ 2) p = (m n + sum(B .^ 2)) I for B m-by-n: n is no vector's or square
    # matrix's size, so it prints as mean(J J') with J = B .^ 0 (not tr(I), which nothing sizes)
    where = "B: matrix(m, n); p: vector(m)"
    g = ed.diff("sum(1 + B .^ 2) p", "p", where=where)
    B, p = np.random.default_rng(4).normal(size=(2, 3)), np.ones(2)
    expected = jacobian_fd(lambda B, p: np.sum(1 + B**2) * p, {"B": B, "p": p}, "p")
    np.testing.assert_allclose(g(B=B, p=p), expected, rtol=1e-6)
    assert "tr(I)" not in str(g), str(g)
    back = ed.parse(str(g), where=where, shape=g.shape)
    np.testing.assert_allclose(back(B=B, p=p), expected, rtol=1e-6)


@pytest.mark.parametrize("wrt", ["s", "U"])
def test_a_sum_over_ones_inside_a_function_keeps_its_size(wrt):
    # sqrt(P ./ P) = sqrt(1[a] 1[j]): the sum over a of sqrt(1[a] 1[j]) 1[a] printed with the
    # ones inside the function fixed the size of a by nothing (reading back failed); now
    # f(s 1[a]) -> f(s) 1[a] and sqrt(1) -> 1, so the sum is a size: d/ds = -3 sigmoid(det(2W))
    where = "s: scalar; U: matrix(3, 3); P: matrix(3, 3); W: matrix(1, 1)"
    text = "sigmoid(det(2 W)) (-(s - U) * sqrt(P ./ P))"
    rng = np.random.default_rng(5)
    args = {"s": 0.3, "U": rng.normal(size=(3, 3)), "P": rng.uniform(1, 2, (3, 3))}
    args["W"] = np.array([[0.4]])

    def f(s, U, P, W):
        return 1 / (1 + np.exp(-np.linalg.det(2 * W))) * (-(s - U) @ np.sqrt(P / P))

    jac = jacobian_fd(f, args, wrt)
    expected = to_layout(jac, 2, np.ndim(args[wrt]), "numerator")
    g = ed.diff(text, wrt, where=where)
    for printed in (g.index(), str(g)):
        assert "sqrt" not in printed, printed
        back = ed.parse(printed, where=where)
        sizes = {d: 3 for d in back.shape if isinstance(d, str)}  # ones ones': sized by the call
        got = back(**{k: args[k] for k in back.variables}, **sizes)
        np.testing.assert_allclose(np.broadcast_to(got, expected.shape), expected, atol=1e-6)


def test_a_power_of_ones_gives_its_sum_a_size():
    # (P ./ P) .^ -1 = (1[b] 1[c]) .^ -1: (1[a] 1[b])^p -> 1^p 1[a] 1[b] = 1[a] 1[b], so the sum
    # over b is a size (x .^ 0 ones counts 3) and the index form reads back
    # d/dW of sqrt(sigmoid(p)) (0.5 x' + det(W)) ((P ./ P) .^ -1 (q .* q) .^ (-a))
    #   = sqrt(sigmoid(p)) 3 (q^2)^(-a) det(W) W^-T  (an order-3 result, in index notation)
    where = "a: scalar; W: matrix(3, 3); P: matrix(3, 1); p: vector(2); q: vector(1); x: vector(3)"
    text = "sqrt(sigmoid(p)) * (x^T @ 0.5 + det(W)) @ ((P ./ P) .^ -1 @ (q .* q) .^ (-a))"
    rng = np.random.default_rng(2)
    args = {
        "a": 0.3,
        "W": rng.normal(size=(3, 3)) + 3 * np.eye(3),
        "P": rng.uniform(1, 2, (3, 1)),
        "p": rng.normal(size=2),
        "q": rng.uniform(1, 2, 1),
        "x": rng.normal(size=3),
    }

    def f(a, W, P, p, q, x):
        row = np.sqrt(1 / (1 + np.exp(-p)))[:, None] * (0.5 * x + np.linalg.det(W))[None, :]
        return row @ ((P / P) ** -1 @ (q * q) ** (-a))

    expected = to_layout(jacobian_fd(f, args, "W"), 1, 2, "numerator")
    g = ed.diff(text, "W", where=where)
    printed = g.index()
    assert ".^(-1)" not in printed, printed
    back = ed.parse(printed, where=where)
    got = back(**{k: args[k] for k in back.variables})
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


CANCELLED = [
    # (A - A)^(2 j) = I for j = 0 and 0 after; det(I + 0) = 1; logdet(I + 0) = 0
    ("tr((A - A)^(2 j))", lambda A, j: np.trace(np.linalg.matrix_power(A - A, 2 * j))),
    ("x' (A - A)^(2 j) x", lambda A, x, j: x @ np.linalg.matrix_power(A - A, 2 * j) @ x),
    (
        "logdet(I + (W - W)' (W - W)) + x' x",
        lambda W, x: np.log(np.linalg.det(np.eye(n) + (W - W).T @ (W - W))) + x @ x,
    ),
    (
        "det(I + (W - W) (W - W)') ones' x",
        lambda W, x: np.linalg.det(np.eye(m) + (W - W) @ (W - W).T) * x.sum(),
    ),
]


@pytest.mark.parametrize("j", [0, 1, 2])
@pytest.mark.parametrize("text, fn", CANCELLED, ids=[c[0] for c in CANCELLED])
def test_a_base_that_cancels_keeps_its_shape_in_the_index_form(text, fn, j):
    # a matrix base that cancels in matrix form prints as 0 A, 0 W' 0 W: a zero *matrix* whose
    # size the text fixes (a bare 0 makes 0^(2 j))[a,a], an indexed scalar, or an I of no size)
    values = {**_values(), "j": j}
    f = ed.parse(text, where=WHERE + "; j: integer")
    back = ed.parse(f.index(), where=WHERE + "; j: integer")
    args = {name: values[name] for name in fn.__code__.co_varnames[: fn.__code__.co_argcount]}
    np.testing.assert_allclose(back(**{k: values[k] for k in back.variables}), fn(**args))


@pytest.mark.parametrize("j", [0, 1, 2, 3])
def test_a_simplified_zero_base_keeps_its_shape_in_a_derivative(j):
    # d/dt [t tr((A - A)^(3 - j))] = tr((0 A)^(3 - j)): the simplifier makes the base a zero
    # term, which printed as (0)^(3 - j), a scalar power indexed [b,b] that did not read back
    # (check fuzz, seed 8989); it is written 0 A, a zero of A's shape: 1 at j = 3 (n = 3: tr I),
    # else 0
    where = WHERE + "; j: integer"
    g = ed.diff("t tr((A - A)^(3 - j))", "t", where=where)
    expected = float(n) if j == 3 else 0.0
    for printed in (str(g), g.index()):
        back = ed.parse(printed, where=where)
        got = back(**{k: v for k, v in {**_values(), "j": j}.items() if k in back.variables})
        np.testing.assert_allclose(got, expected, err_msg=printed)


ELEMENTWISE_CASES = [
    # d tanh(x)[i] / dx[j] = (1 - tanh(x[a])^2) delta[i,a,j]: the delta met by the tie is
    # contracted into it (was (..) delta[b,j] delta[i,a,b])
    ("tanh(x)", "x", lambda x: np.tanh(x)),
    # d (X .* X)[i,j] / dX[l,k] = 2 X[a,b] delta[i,a,l] delta[j,b,k]
    ("X .* X", "X", lambda X: X * X),
    ("exp(X)", "X", lambda X: np.exp(X)),
    ("X .* X'", "X", lambda X: X * X.T),
    ("tanh(W x)", "W", lambda W, x: np.tanh(W @ x)),
    ("diag(X)", "X", lambda X: np.diag(X)),
    ("softmax(A) .* X", "A", lambda A, X: np.exp(A) / np.exp(A).sum(1, keepdims=True) * X),
]


@pytest.mark.parametrize("text, wrt, fn", ELEMENTWISE_CASES)
def test_index_form_contracts_every_delta_that_meets_a_tie(text, wrt, fn):
    g = ed.diff(text, wrt, where=WHERE)
    index = g.index()
    # no plain delta shares a summed index with a generalised one (delta[b,j] delta[i,a,b])
    words = index.replace("(", " ").replace(")", " ").split()
    deltas = [w[6:-1].split(",") for w in words if w.startswith("delta[")]
    plain = [d for d in deltas if len(d) == 2]
    general = {i for d in deltas if len(d) > 2 for i in d}
    assert not any(set(d) & general for d in plain), index
    values = _values()
    args = {k: values[k] for k in fn.__code__.co_varnames[: fn.__code__.co_argcount]}
    y = np.asarray(fn(**args))
    expected = to_layout(jacobian_fd(fn, args, wrt), y.ndim, np.ndim(args[wrt]), "numerator")
    back = ed.parse(index, where=WHERE)
    sizes = {d: s for d, s in zip(back.shape, expected.shape) if isinstance(d, str)}
    got = back(**{k: v for k, v in values.items() if k in back.variables}, **sizes)
    np.testing.assert_allclose(got, expected, atol=1e-6)


UNDECLARED_DIVISORS = [
    # d (x' A x / s) / dx = x' (A + A') / s: s is a scalar because it divides (SPEC 6.3), and
    # the printed form keeps it a divisor (s^-1 x' (A + A') read s as a vector and failed)
    ("x' A x / s", "x", lambda x, A, s, t: x @ A @ x / s),
    ("x' A x / s", "s", lambda x, A, s, t: x @ A @ x / s),
    # d (x / s^2) / ds = -2 x / s^3: the base of a power in a divisor is a scalar too
    ("x / s^2", "s", lambda x, A, s, t: x / s**2),
    ("x / (s t)", "s", lambda x, A, s, t: x / (s * t)),
    ("x / (s + t)", "t", lambda x, A, s, t: x / (s + t)),
    ("log(s) + 1 / (s t)", "s", lambda x, A, s, t: np.log(s) + 1 / (s * t)),
]


@pytest.mark.parametrize("text, wrt, fn", UNDECLARED_DIVISORS)
def test_a_scalar_known_by_its_use_as_a_divisor_reads_back_undeclared(text, wrt, fn):
    values = {"x": np.array([0.3, -1.1, 0.8]), "A": _values()["X"], "s": 1.3, "t": 0.6}
    g = ed.diff(text, wrt)
    args = {k: values[k] for k in ("x", "A", "s", "t")}
    expected = jacobian_fd(lambda **v: np.asarray(fn(**v)), args, wrt)
    for printed in (str(g), g.index()):  # index notation writes / s too (it wrote s^(-1))
        back = ed.parse(printed)  # no declarations: the text alone says which names are scalars
        assert all(back.variables[k].kind == "scalar" for k in ("s", "t") if k in back.variables)
        got = back(**{k: v for k, v in values.items() if k in back.variables})
        np.testing.assert_allclose(np.ravel(got), np.ravel(expected), rtol=1e-6, err_msg=printed)
    stated = ed.read_differential(g.differential(), wrt)  # d f = ... ds reads back too
    got = stated(**{k: v for k, v in values.items() if k in stated.variables})
    np.testing.assert_allclose(np.ravel(got), np.ravel(expected), rtol=1e-6)


def test_a_size_is_written_with_a_vector_of_the_expression():
    # d (x - mean(x)) / dx = I - (1/n) ones ones': n is written sum(x .^ 0), not tr(A .^ 0) of
    # a matrix that is declared but not used (its text then needed a value for A)
    where = "x: vector(n); A: matrix(n, n)"
    g = ed.diff("x - mean(x)", "x", where=where)
    x = np.array([0.4, -1.0, 2.5, 0.1])
    expected = jacobian_fd(lambda x: x - x.mean(), {"x": x}, "x")
    back = ed.parse(str(g), where=where, shape=g.shape)  # the size of I: the result's shape
    np.testing.assert_allclose(back(x=x), expected, atol=1e-6)  # no value of A is needed


# an elementwise power whose exponent is the variable has a matrix form:
# d sum(z .^ z)/dz = (z .^ z .* (1 + log z))', d(2 .^ z)/dz = log(2) diag(2 .^ z); printed
# with the transpose where the layout needs it, read back against numpy's finite differences
Z = np.array([0.7, 1.3, 2.1])
XM = np.array([[0.6, 1.4, 0.9], [1.1, 0.8, 1.7]])
EXPONENT_CASES = [
    ("sum(z .^ z)", "z", lambda z: np.sum(z**z), "(z .^ (z - 1) .* z)' + (z .^ z .* log(z))'"),
    ("z .^ z", "z", lambda z: z**z, "diag(z .^ (z - 1) .* z) + diag(z .^ z .* log(z))"),
    ("sum(2 .^ z)", "z", lambda z: np.sum(2.0**z), "log(2) (2 .^ z)'"),
    ("2 .^ z", "z", lambda z: 2.0**z, "log(2) diag(2 .^ z)"),
    ("z .^ (2 z)", "z", lambda z: z ** (2 * z), None),
    ("sum(z .^ s)", "z", lambda z: np.sum(z**1.7), "s z' .^ (s - 1)"),
    ("sum(X .^ X)", "X", lambda X: np.sum(X**X), None),
]


@pytest.mark.parametrize("expr, wrt, fn, text", EXPONENT_CASES)
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_a_power_with_the_variable_in_its_exponent_has_a_matrix_form(expr, wrt, fn, text, layout):
    where = "z: vector(n); s: scalar; X: matrix(m, n)"
    g = ed.diff(expr, wrt, where=where, layout=layout)
    assert g.written() is not None, str(g)  # a matrix (or Kronecker) form, not index notation
    if text is not None and layout == "numerator":
        assert str(g) == text
    value = {"z": Z, "X": XM}[wrt]
    jac = jacobian_fd(lambda v: fn(v), {"v": value}, "v")
    ndim_y = jac.ndim - value.ndim
    expected = to_layout(jac, ndim_y, value.ndim, layout)
    back = ed.parse(str(g), where=where)
    got = back(**{k: v for k, v in {"z": Z, "X": XM, "s": 1.7}.items() if k in back.variables})
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_a_result_by_entries_reads_back_with_its_indices_in_alphabetical_order():
    # d^2 (x' A y) / dy_j dx_i = A[i,j]: the result's axes are (j, i), its array A'; read back,
    # the same function of i and j has its axes in alphabetical order, (i, j): A (README)
    rng = np.random.default_rng(3)
    A, x, y = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=3)
    where = "x: vector(n); y: vector(n); A: matrix(n, n)"
    h = ed.diff(ed.diff("x' A y", "y[j]", where=where), "x[i]")
    assert [i.name for i in h.axes] == ["j", "i"]
    assert np.allclose(h(A=A, x=x, y=y), A.T)
    back = ed.parse(str(h), where=where, shape=h.shape)
    assert np.allclose(back(A=A, x=x, y=y), A)


@pytest.mark.parametrize(
    "text, where, value",
    [
        ("det(a)", "a: scalar", -2.0),  # det of a 1-by-1 is its entry, of either sign
        ("det(x' x) - 5", "x: vector(n)", 0.0),  # x'x = 5 at x = (1, -2)
        ("det(a) + abs(a)", "a: scalar", 0.0),  # -2 + 2
    ],
)
def test_the_determinant_of_a_scalar_reads_back_as_a_determinant(text, where, value):
    # det(a) printed \left|a\right| read back as abs(a): 2 where the function is -2
    e = ed.parse(text, where=where)
    given = {k: v for k, v in {"a": -2.0, "x": np.array([1.0, -2.0])}.items() if k in e.variables}
    for form in (str(e), e.latex()):
        assert ed.parse(form, where=where)(**given) == value, form


@pytest.mark.parametrize("text", ["a^(A[i,i])", "x .^ (A[i,i])", "2^(tanh(A)[i,i])"])
def test_an_entry_in_an_exponent_keeps_its_parentheses(text):
    # a^(A[i,i]) = a^tr(A): str printed a^A[i,i], which does not read back (an exponent is an
    # atom, a braced or a parenthesised expression; X[i,j] is a postfix form). Each printed form
    # reads back to numpy's value.
    where = "a: scalar; x: vector(n); A: matrix(n, n)"
    rng = np.random.default_rng(7)
    values = {"a": 1.3, "x": rng.uniform(0.5, 2, 3), "A": rng.normal(size=(3, 3))}
    numpy = {
        "a^(A[i,i])": lambda a, x, A: a ** np.trace(A),
        "x .^ (A[i,i])": lambda a, x, A: x ** np.trace(A),
        "2^(tanh(A)[i,i])": lambda a, x, A: 2 ** np.trace(np.tanh(A)),
    }[text](**values)
    f = ed.parse(text, where=where)
    for printed in (str(f), f.latex(), f.index()):
        back = ed.parse(printed, where=where, shape=f.shape)
        got = back(**{k: values[k] for k in back.variables})
        np.testing.assert_allclose(got, numpy, rtol=1e-12, err_msg=printed)


def _sum_of_powers(B, k):
    return sum(np.linalg.matrix_power(B, r) for r in range(k + 1))


@pytest.mark.parametrize(
    "text, wrt, fn",
    [
        # d tr(inv(S) A) / dA = inv(S) for S = sum_{r=0}^{k} B^r (numerator layout)
        (
            "tr(inv(sum_{r=0}^{k}(B^r)) A)",
            "A",
            lambda A, B, x: np.trace(np.linalg.inv(_sum_of_powers(B, 2)) @ A),
        ),
        # d x' inv(S) x / dx = x' (inv(S) + inv(S)')
        (
            "x' inv(sum_{r=0}^{k}(B^r)) x",
            "x",
            lambda A, B, x: x @ np.linalg.inv(_sum_of_powers(B, 2)) @ x,
        ),
        # d softmax(S x) / dx = (diag(s) - s s') S, s = softmax(S x)
        (
            "softmax(sum_{r=0}^{k}(B^r) x)",
            "x",
            lambda A, B, x: (
                np.exp(_sum_of_powers(B, 2) @ x) / np.exp(_sum_of_powers(B, 2) @ x).sum()
            ),
        ),
        # a sum inside a sum or a function inside logsumexp, inv: the same, sum by sum
        # d logsumexp(cos(S x) + x) / dx = softmax(u)' (I - diag(sin(S x)) S), u = cos(S x) + x
        (
            "logsumexp(cos(sum_{r=0}^{k}(B^r) x) + x)",
            "x",
            lambda A, B, x: np.log(np.sum(np.exp(np.cos(_sum_of_powers(B, 2) @ x) + x))),
        ),
        # d x' inv(A + S) x / dx = x' (inv(A + S) + inv(A + S)')
        (
            "x' inv(3 I + sum_{r=0}^{k}(B^r)) x",
            "x",
            lambda A, B, x: x @ np.linalg.inv(3 * np.eye(3) + _sum_of_powers(B, 2)) @ x,
        ),
    ],
)
def test_a_finite_sum_inside_an_inverse_or_softmax_is_written_as_a_matrix(text, wrt, fn):
    # The argument of inv, a power or softmax printed in index notation when it was a finite sum
    # over an integer: ((sum_{r=0}^{k}((B^r)[i,j]))^-1)[i,j], which the reader refuses (an
    # inverse of index notation). It is written as the matrix sum_{r=0}^{k}(B^r) now, and every
    # printed form reads back to the finite differences of numpy's function (k = 2).
    where = "A: matrix(n, n); B: matrix(n, n); x: vector(n); k: integer"
    rng = np.random.default_rng(8)
    values = {
        "A": rng.normal(size=(3, 3)),
        "B": 0.3 * rng.normal(size=(3, 3)),
        "x": rng.normal(size=3),
    }
    jac = jacobian_fd(fn, values, wrt)
    expected = to_layout(jac, jac.ndim - np.ndim(values[wrt]), np.ndim(values[wrt]), "numerator")
    g = ed.diff(text, wrt, where=where)
    for printed in (str(g), g.latex(), g.index()):
        back = ed.parse(printed, where=where, shape=g.shape)
        got = back(**{q: values[q] for q in back.variables if q in values}, k=2)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8, err_msg=printed)


@pytest.mark.parametrize(
    "expr, wrt, fn",
    [
        ("erf(a' x)", "x", lambda a, x: math.erf(a @ x)),
        ("sum(erf(W x))", "x", lambda W, x: sum(math.erf(v) for v in W @ x)),
        ("x' a / sqrt(2) + t^3 / sqrt(3)", "t", lambda x, a, t: x @ a / np.sqrt(2) + t**3 / 3**0.5),
        ("exp(x' a) 2^(-1.5)", "x", lambda x, a: np.exp(x @ a) * 2**-1.5),
    ],
)
def test_a_root_of_a_number_prints_as_a_divisor_and_every_form_reads_back(expr, wrt, fn):
    # erf'(u) = 2 exp(-u^2) / sqrt(pi), pi the decimal 3.141592653589793 (einderiv has no
    # constant pi: \pi is a scalar name); it printed 2 3.141592653589793^(-0.5) exp(-u^2).
    # Every printed form (text, index, LaTeX, differential, named) reads back to finite
    # differences of numpy's (math.erf's) function.
    values = _values()
    names = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    args = {k: values[k] for k in names}
    expected = to_layout(jacobian_fd(lambda **kw: np.asarray(fn(**kw), float), args, wrt), 0,
                         np.ndim(values[wrt]), "numerator")  # fmt: skip
    g = ed.diff(expr, wrt, where=WHERE)
    assert "^(-0.5)" not in str(g) and "^(-1.5)" not in str(g), str(g)
    assert "^(-0.5)" not in g.index() and "sqrt(" in str(g) + g.index()
    forms = [str(g), g.index(), g.latex(), g.show(cse=True)]
    for text in forms:
        back = ed.parse(text, where=WHERE)
        got = back(**{k: values[k] for k in back.variables})
        np.testing.assert_allclose(np.reshape(got, expected.shape), expected, rtol=1e-5)
    differential = ed.check(expr, wrt, g.differential(), where=WHERE)
    assert differential.verdict == "right", differential


def test_a_delta_prints_its_indices_in_one_order_whatever_came_before():
    # d(A x + x)/dx = A + I: its index form printed delta[i,j] or delta[j,i] by the order the
    # fresh names were made in, so the same derivative printed two ways after other work in
    # the process (the CLI, a fresh process, unlike the API). A delta is symmetric: its names
    # now in order; the text reads back to A + I (numpy: central differences)
    from einderiv.ir import index_ir as T

    forms = set()
    for k in range(40):
        for _ in range(k):
            T.fresh("n")  # the names other derivatives would have taken
        forms.add(ed.diff("A x + x", "x", where=WHERE).index())
    assert len(forms) == 1
    values = _values()
    expected = jacobian_fd(lambda A, x, **_: A @ x + x, values, "x")
    back = ed.parse(forms.pop(), where=WHERE, shape=("n", "n"))
    assert np.allclose(back(A=values["A"], x=values["x"]), expected, atol=1e-6)


@pytest.mark.parametrize("wrt", ["A", "u"])
@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "logsumexp"])
def test_a_row_function_of_a_row_with_no_matrix_form_is_written_by_its_definition(fn, wrt):
    # d softmax(kron(y', A) exp(kron(y, u))) / dA: the row kron(y', A) exp(vec(u y')), once
    # simplified, has no matrix form, and the index form wrote softmax(A[i,a] exp(...) y[f]
    # delta[e,(a,f)])[k], which does not read back (a scalar in softmax; an index of two
    # sizes). It is now written with exp and log, softmax(v)[k] = exp(v[k]) / sum_s
    # exp(v[s]), and reads back to numpy's central differences, as text and as LaTeX
    where = "y: vector(m); u: vector(n); A: matrix(m, n)"
    rng = np.random.default_rng(4)
    values = {"y": rng.normal(size=2), "u": rng.normal(size=3), "A": rng.normal(size=(2, 3))}

    def plain(y, u, A):
        v = np.kron(y[None, :], A) @ np.exp(np.kron(y, u))
        lse = np.log(np.sum(np.exp(v)))
        return {"softmax": np.exp(v - lse), "log_softmax": v - lse, "logsumexp": lse}[fn]

    g = ed.diff(f"{fn}(kron(y', A) exp(kron(y, u)))", wrt, where=where)
    jac = jacobian_fd(plain, values, wrt)
    expected = to_layout(jac, jac.ndim - values[wrt].ndim, values[wrt].ndim, "numerator")
    for text in (str(g), g.latex()):
        back = ed.parse(text, where=where, shape=g.shape)(**values)
        assert np.allclose(back, expected, atol=1e-6), text


@pytest.mark.parametrize(
    "expr, wrt, plain",
    [
        ("diag(y)", "y", lambda y, **_: np.diag(y)),
        ("t Y", "Y", lambda t, Y, **_: t * Y),
    ],
)
def test_a_derivative_prints_one_text_wherever_the_fresh_names_stand(expr, wrt, plain):
    # d diag(y)/dy printed delta[i,j,k] or delta[i,k,j], d(t Y)/dY t delta[i,l] delta[j,k] or
    # t delta[j,k] delta[i,l], as earlier work in the process had left the fresh-name counter:
    # names are compared as text, and _n9 sorts after _n10 (found by tests/print_fuzz.py). Made
    # here and across the next power of ten, the text is one, and reads back to numpy's
    # central differences (jacobian layout)
    import itertools

    from einderiv.ir import index_ir as T

    forms = set()
    for jump in (False, True):
        if jump:  # only forward, names stay unique: _n99999997, _n99999998, ..., _n100000003
            T._counter = itertools.count(10 ** len(str(next(T._counter))) - 3)
        g = ed.diff(expr, wrt, where=WHERE, layout="jacobian")
        forms.add((str(g), g.index(), g.latex()))
    assert len(forms) == 1, forms
    values = _values()
    expected = jacobian_fd(plain, values, wrt)
    for text in forms.pop()[:2]:
        back = ed.parse(text, where=WHERE, shape=("n",) * expected.ndim)  # delta alone: n=
        got = back(**{k: values[k] for k in back.variables}, n=n)
        assert np.allclose(got, expected, atol=1e-6), text


@pytest.mark.parametrize(
    "expr, plain",
    [
        ("a' (X .^ (S T)) a", lambda X, S, T, a: a @ (X ** (S @ T)) @ a),
        ("sum((X .^ (S T))' a)", lambda X, S, T, a: np.sum((X ** (S @ T)).T @ a)),
    ],
)
def test_a_product_of_symmetric_matrices_in_an_exponent_is_transposed(expr, plain):
    # d/dX a' (X .^ (S T)) a: the transpose of X .^ (S T) is X' .^ (T S), S T not symmetric for
    # symmetric S, T; it printed diag(a) (X' .^ (S T - 1) .* (T S)) diag(a), another value
    # (the exponent kept as if its own transpose). Read back against numpy central differences
    rng = np.random.default_rng(8)
    S, T = ((m + m.T) / 2 for m in rng.normal(size=(2, 3, 3)))
    values = {"X": rng.uniform(1, 2, size=(3, 3)), "S": S, "T": T, "a": rng.normal(size=3)}
    where = "S: symmetric(n); T: symmetric(n); X: matrix(n, n); a: vector(n)"
    assert not np.allclose(S @ T, (S @ T).T)
    expected = jacobian_fd(plain, values, "X").T  # numerator layout: d f / dX[i,j] at [j,i]
    g = ed.diff(expr, "X", where=where)
    for text in (str(g), g.latex(), g.index()):
        back = ed.parse(text, where=where)
        got = back(**{k: v for k, v in values.items() if k in back.variables})
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=text)


def test_a_row_function_of_diag_of_vec_keeps_its_orientation():
    # d/dp tr(kron(kron(y', v), c') log_softmax(diag(kron(A, x) p))) = (w .* (v - sum(v) s))'
    # kron(A, x) with s = diag(softmax(D)), D = diag(kron(A, x) p), w = vec(c y') (numerator
    # layout): it printed (v' - sum(v) diag(softmax(diag(vec(x p' A'))))) ..., a row minus a
    # column (vec(..) was not known to be a column, so diag(vec(..)) was taken for one).
    # Read back against numpy central differences
    rng = np.random.default_rng(9)
    y, x, c = rng.normal(size=(3, 2))
    v, p = rng.normal(size=(2, 4))
    A = rng.normal(size=(2, 4))
    where = "y, x, c: vector(2); p, v: vector(4); A: matrix(2, 4)"

    def f(p):
        M = np.diag(np.kron(A, x[:, None]) @ p)
        logsm = M - np.log(np.exp(M).sum(axis=1, keepdims=True))
        return np.trace(np.kron(np.kron(y[None, :], v[:, None]), c[None, :]) @ logsm)

    h = 1e-6
    expected = np.array([(f(p + h * e) - f(p - h * e)) / (2 * h) for e in np.eye(4)])
    g = ed.diff("tr(kron(kron(y', v), c') log_softmax(diag(kron(A, x) p)))", "p", where=where)
    values = {"y": y, "x": x, "c": c, "v": v, "p": p, "A": A}
    for text in (str(g), g.latex()):
        back = ed.parse(text, where=where)
        got = back(**{k: val for k, val in values.items() if k in back.variables})
        np.testing.assert_allclose(np.ravel(got), expected, rtol=1e-5, atol=1e-7, err_msg=text)


def test_terms_cancelled_in_matrix_form_print_zero():
    # sum(x) / n - mean(x) = 0 for x of length n (n an integer): its derivative printed
    # "0 ones' / n" (SPEC 7: zero prints as 0, never 0 a), the terms told apart only in index
    # form (the size n and the integer n)
    g = ed.diff("sum(x) / n - mean(x)", "x", where="x: vector(n); n: integer")
    assert str(g) == "0" and g.latex() == "0"
    x = np.random.default_rng(31).normal(size=4)
    fd = jacobian_fd(lambda x: np.sum(x) / 4 - np.mean(x), {"x": x}, "x")
    np.testing.assert_allclose(g(x=x, n=4), fd, atol=1e-9)
