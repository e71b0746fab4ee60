"""Sizes as people write them: ``len(x)`` (numpy's len), in input and in every printed form.

A derivative that holds the size of a dimension (``mean``, centring, layer normalisation) prints
it as ``len`` of a variable of that size (``n = len(x)``, ``m = len(X)``, ``n = len(X')``), a
negative power of a size as a divisor, and a matrix of ones beside ``I`` as ``ones ones'``.
Each value is compared with central finite differences of plain numpy code written here.
"""

import inspect

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(2026)


def test_a_centred_vector_has_its_size_written_with_len():
    # d/dx (x - mean(x)) = I - ones ones' / n, n = len(x)
    g = ed.diff("x - mean(x)", "x", where="x: vector(d)")
    assert str(g) == "I - ones ones' / len(x)"
    x = rng.normal(size=5)
    expected = jacobian_fd(lambda x: x - x.mean(), {"x": x}, "x")
    assert np.allclose(g(x=x), expected, atol=1e-6)
    for text in (str(g), g.latex(), g.index()):
        back = ed.parse(text, where="x: vector(d)", shape=g.shape)
        assert np.allclose(back(x=x), expected, atol=1e-6), text


def test_layer_normalisation_writes_its_size_with_len():
    # d/dx (x - mean(x)) / sqrt(sum((x - mean(x))^2) / n + e): mean(x) = sum(x) / len(x)
    text = "(x - mean(x)) / sqrt(sum((x - mean(x)) .^ 2) / n + e)"
    where = "x: vector(d)"
    g = ed.diff(text, "x", where=where)
    assert "len(x)" in str(g) and ".^ 0" not in str(g)
    x, n, e = rng.normal(size=4), 3.0, 0.5

    def f(x):
        c = x - x.mean()
        return c / np.sqrt(np.sum(c**2) / n + e)

    expected = jacobian_fd(f, {"x": x}, "x")
    assert np.allclose(g(x=x, n=n, e=e), expected, atol=1e-6)
    back = ed.parse(str(g), where=where, shape=g.shape)
    assert np.allclose(back(x=x, n=n, e=e), expected, atol=1e-6)


def test_the_mean_of_a_matrix_divides_by_both_of_its_sizes():
    # d/dX mean(X) = ones ones' / (m n), m = len(X) rows, n = len(X') columns
    g = ed.diff("mean(X)", "X", where="X: matrix(m, n)")
    assert "len(X')" in str(g) and "len(X)" in str(g) and ".^ 0" not in str(g)
    X = rng.normal(size=(3, 2))
    expected = to_layout(jacobian_fd(lambda X: np.mean(X), {"X": X}, "X"), 0, 2, "numerator")
    assert np.allclose(g(X=X), expected, atol=1e-6)
    back = ed.parse(str(g), where="X: matrix(m, n)", shape=g.shape)
    assert np.allclose(back(X=X), expected, atol=1e-6)


def test_a_centred_matrix_has_a_kronecker_form_with_its_sizes():
    # d vec(X - mean(X)) / d vec(X)' = I - ones ones' / (m n)
    g = ed.diff("X - mean(X)", "X", where="X: matrix(m, n)")
    assert "= I - ones ones' / (len(X" in g.kronecker() and "len(X')" in g.kronecker()
    X = rng.normal(size=(3, 2))

    def centred(X):
        return X - X.mean()

    expected = jacobian_fd(centred, {"X": X}, "X")  # [a,b,i,j] = dY[a,b] / dX[i,j]
    assert np.allclose(g(X=X), to_layout(expected, 2, 2, "numerator"), atol=1e-6)
    fd = np.zeros((6, 6))  # d vec(Y) / d vec(X)', columns stacked as vec stacks them
    for c in range(6):
        step = np.zeros(6)
        step[c] = 1e-6
        E = step.reshape(3, 2, order="F")
        fd[:, c] = (centred(X + E) - centred(X - E)).reshape(-1, order="F") / 2e-6
    back = ed.parse(g.kronecker().split("=", 1)[1], where="X: matrix(m, n)")
    size = back.shape[0]  # I's size, m n, is given: nothing in the text ties it to X
    assert np.allclose(back(X=X, **{size: 6}), fd, atol=1e-6)


@pytest.mark.parametrize(
    ("text", "where", "numpy_f", "wrt", "shape"),
    [
        # d/dX sum(X) / len(X) = ones ones' / m
        ("sum(X) / len(X)", "X: matrix(m, n)", lambda X: X.sum() / X.shape[0], "X", (3, 2)),
        # d/dX sum(X) / len(X') = ones ones' / n
        ("sum(X) / len(X')", "X: matrix(m, n)", lambda X: X.sum() / X.shape[1], "X", (3, 2)),
        # d/dx len(x) x' x = 2 n x'
        ("len(x) x' x", "x: vector(n)", lambda x: len(x) * (x @ x), "x", (4,)),
    ],
)
def test_len_in_an_expression_is_a_constant_size(text, where, numpy_f, wrt, shape):
    g = ed.diff(text, wrt, where=where)
    value = rng.normal(size=shape)
    ndim = len(shape)
    expected = to_layout(jacobian_fd(numpy_f, {wrt: value}, wrt), 0, ndim, "numerator")
    assert np.allclose(g(**{wrt: value}), expected, atol=1e-6)
    back = ed.parse(str(g), where=where, shape=g.shape)
    assert np.allclose(back(**{wrt: value}), expected, atol=1e-6)


def test_len_is_numpy_len_on_every_evaluator():
    f = ed.parse("len(X) + 10 len(X')")  # undeclared: the sizes come from X
    X = rng.normal(size=(3, 5))
    assert f(X=X) == 53.0
    assert f.compile()(X=X) == 53.0
    namespace: dict = {}
    exec(ed.codegen(f, name="f"), namespace)  # noqa: S102 - the package's own output
    assert list(inspect.signature(namespace["f"]).parameters) == ["X"]
    assert namespace["f"](X=X) == 53.0


def test_generated_code_reads_a_size_from_the_expression_variable():
    # d/dx (x - mean(x)) = I - ones ones' / len(x): the code takes x, as the function does
    namespace: dict = {}
    exec(ed.codegen(ed.diff("x - mean(x)", "x"), name="f"), namespace)  # noqa: S102
    x = rng.normal(size=4)
    expected = jacobian_fd(lambda x: x - x.mean(), {"x": x}, "x")
    assert np.allclose(namespace["f"](x=x), expected, atol=1e-6)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("len(s)", "s: scalar", r"len counts rows, and the argument of `len\(s\)` is a scalar"),
        ("len(x')", None, r"`len\(x'\)` is a row vector.*len\(x\) for x'"),
        ("len(x, x)", None, r"len takes one argument, not 2"),
    ],
)
def test_len_of_what_has_no_rows_is_an_error_naming_it(text, where, message):
    with pytest.raises(ed.EinderivError, match=message) as caught:
        ed.parse(text, where=where)
    assert "^" in str(caught.value)  # with a caret under the call


def test_check_draws_a_variable_met_only_in_a_size():
    # d/ds s^2 / len(x) = 2 s / n: x fixes n, though no entry of x is used
    where = "x: vector(n); s: scalar"
    assert ed.check("s^2 / len(x)", "s", claim="2 s / len(x)", where=where).verdict == "right"
    assert ed.check("s^2 / len(x)", "s", claim="2 s / (len(x) + 1)", where=where).verdict == (
        "wrong"
    )


def test_check_does_not_call_rounding_at_a_cancellation_wrong():
    # d/dx sum(exp((x - mean(x)) / norm2(x - mean(x)))) is 0 for n = 2 (the centred vector is
    # +-(1, -1)/sqrt(2)): both sides are rounding noise there, of the size of the terms
    # that cancel, not of the values; the claim (einderiv's own result) is not wrong
    text = "sum(exp((x - mean(x)) / norm2(x - mean(x))))"
    where = "x: vector(n)"
    claim = str(ed.diff(text, "x", where=where))
    assert ed.check(text, "x", claim=claim, where=where).verdict != "wrong"
    assert ed.check(text, "x", claim="0 x'", where=where).verdict == "wrong"  # 0 for n = 2 only


def test_a_compound_size_is_a_product_of_lens():
    # len(vec(X)) = m n = len(X) len(X'); mean(vec(X)) = sum(X) / (m n)
    where = "X: matrix(m, n); s: scalar"
    X = rng.normal(size=(3, 4))
    for text, expected in (("len(vec(X)) s", 12.0), ("mean(vec(X)) s", np.mean(X))):
        g = ed.diff(text, "s", where=where)
        assert "len(X) len(X')" in str(g) and "tr(I)" not in str(g)
        assert np.isclose(g(X=X), expected)
        for form in (str(g), g.index(), g.latex()):
            assert np.isclose(ed.parse(form, where=where, shape=g.shape)(X=X), expected), form


def test_generated_code_takes_few_arrays_for_its_sizes():
    # d/dA len(A) s = 0 of A's shape: A alone gives both sizes (not A and a vector of n)
    g = ed.diff("len(A) s", "A", where="x: vector(n); A: matrix(m, n); s: scalar")
    namespace: dict = {}
    exec(ed.codegen(g, name="f"), namespace)  # noqa: S102 - the package's own output
    assert list(inspect.signature(namespace["f"]).parameters) == ["A"]
    assert np.array_equal(namespace["f"](A=np.ones((2, 3))), np.zeros((3, 2)))
