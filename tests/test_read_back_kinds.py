"""Printed results read back without declarations, with the kinds they were printed with.

A negative power of a scalar whose base holds a name that only a divisor makes a scalar is
printed as that divisor (SPEC 6.3: `x / sqrt(e + x' x)`, not `sqrt(e + x' x)^-1 x`, which reads
`e` as a vector); the reader and the printer share one rule (`ir/scalar_use.py`). A result's
`shape` is accepted by `parse(..., shape=g.shape)` for every shape, vectors too.
Each derivative is compared with central finite differences of plain numpy code written here.
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import ShapeError
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(1204)


def _layer_norm(x, e, n):
    c = x - x.mean()
    return c / np.sqrt(np.sum(c**2) / n + e)


CASES = [
    # d/dx (x - mean(x)) / sqrt(sum((x - mean(x))^2) / n + e): layer normalisation; e and n
    # are scalars only by their use in the divisor
    ("(x - mean(x)) / sqrt(sum((x - mean(x)) .^ 2) / n + e)", _layer_norm, 1),
    # d/dx x / sqrt(e + x' x) = (I (e + x'x) - x x') / (e + x'x)^(3/2)
    ("x / sqrt(e + x' x)", lambda x, e, n: x / np.sqrt(e + x @ x), 1),
    # d/dx (x' x)^2 / (e + sum(x)^2 / n)
    ("(x' x)^2 / (e + sum(x)^2 / n)", lambda x, e, n: (x @ x) ** 2 / (e + x.sum() ** 2 / n), 0),
    # d/dx norm2(x - mean(x)) = (x - mean(x))' / norm2(x - mean(x))
    ("norm2(x - mean(x))", lambda x, e, n: np.linalg.norm(x - x.mean()), 0),
    # d/dx x' x / (e + exp(s) x' x): s is a scalar as a factor in front of the row x'
    ("x' x / (e + exp(s) x' x)", lambda x, e, n: (x @ x) / (e + np.exp(0.4) * (x @ x)), 0),
]


@pytest.mark.parametrize(("text", "numpy_f", "ndim"), CASES, ids=[c[0] for c in CASES])
def test_a_result_reads_back_without_declarations(text, numpy_f, ndim):
    g = ed.diff(text, "x")
    x = rng.normal(size=5)
    e, n = 0.7, 3.0
    values = {"x": x, "e": e, "n": n, "s": 0.4}
    expected = to_layout(
        jacobian_fd(lambda x: np.asarray(numpy_f(x, e, n)), {"x": x}, "x"), ndim, 1, "numerator"
    )
    used = {k: v for k, v in values.items() if k in g.variables}
    assert np.allclose(g(**used), expected, atol=1e-6)
    back = ed.parse(str(g), shape=g.shape)  # no where: the kinds come from the text alone
    assert {k: v.kind for k, v in back.variables.items()} == {
        k: v.kind for k, v in g.variables.items()
    }
    assert np.allclose(back(**used), expected, atol=1e-6)
    indexed = ed.parse(g.index())  # index notation too: `/ sqrt(e + x[a] x[a])^3`
    assert {k: v.kind for k, v in indexed.variables.items()} == {
        k: v.kind for k, v in g.variables.items()
    }
    assert np.allclose(indexed(**used), expected, atol=1e-6)


def test_a_quotient_by_a_square_root_has_one_power_of_it():
    # d/dx x / sqrt(s + x' x) = I / sqrt(s + x'x) - x x' / sqrt(s + x'x)^3: sqrt'(u) is
    # sqrt(u)^-1 / 2, so it merges with the quotient's sqrt(u)^-2 (not (u)^0.5 sqrt(u)^2)
    g = ed.diff("x / sqrt(s + x' x)", "x")
    assert "^0.5" not in str(g) and "sqrt(s + x' x)^3" in str(g)
    x, s = rng.normal(size=4), 0.8
    expected = jacobian_fd(lambda x: x / np.sqrt(s + x @ x), {"x": x}, "x")
    assert np.allclose(g(x=x, s=s), expected, atol=1e-6)
    assert np.allclose(ed.parse(str(g))(x=x, s=s), expected, atol=1e-6)


def test_a_scalar_in_front_of_a_divided_vector_is_a_divisor():
    # d/dx x / sqrt(e + x' x): e is in the divisor, not in front as sqrt(..)^-1 (read as a vector)
    text = str(ed.diff("x / sqrt(e + x' x)", "x"))
    assert "sqrt(e + x' x)^-1" not in text and "/ sqrt(e + x' x)" in text


@pytest.mark.parametrize(
    ("text", "wrt", "shape"),
    [("x' A", "x", "row"), ("A x", "x", "column"), ("x' A x", "x", "row"), ("a' X b", "X", "m")],
)
def test_a_result_shape_reads_back_every_result(text, wrt, shape):
    # parse(str(g), shape=g.shape) for a vector result (a 1-tuple) as for a matrix
    g = ed.diff(text, wrt)
    back = ed.parse(str(g), shape=g.shape)
    assert back.shape == g.shape


def test_a_wrong_shape_is_named():
    with pytest.raises(ShapeError, match=r"`x' x` is a scalar; the required shape is a vector"):
        ed.parse("x' x", shape=("n",))
    with pytest.raises(ShapeError, match=r"is a row vector; the required shape is a scalar"):
        ed.parse("x' - 1", shape=())


def test_a_divisor_with_a_row_inside_a_sum_keeps_its_vectors():
    # y / ((x' - 1) (x - 1)): the product is a row times a column, so x stays a vector
    f = ed.parse("y / (s (x' - 1) (x - 1))")
    assert f.variables["x"].kind == "vector" and f.variables["s"].kind == "scalar"
    x, y = rng.normal(size=4), rng.normal(size=3)
    assert np.allclose(f(x=x, y=y, s=2.0), y / (2.0 * (x - 1) @ (x - 1)))


def test_an_identity_whose_size_dropped_out_is_written_with_it():
    # d/da det(sigmoid(a/2) diag(p ./ p)) = d/da sigmoid(a/2)^n: once p has dropped out of the
    # derivative nothing else in `tr((s I)^-1) det(s I) ...` says how large I is; it is written
    # diag(p .^ 0), so the text reads back with no size given
    where = "p: vector(d1); a: scalar"
    g = ed.diff("|sigmoid(a ./ 2) diag(p ./ p)|", "a", where=where)
    p, a = np.array([1.0, -2.0, 0.5, 3.0]), 0.3

    def numpy_f(a):
        return np.linalg.det(np.diag(p / p) / (1 + np.exp(-a / 2)))

    expected = (numpy_f(a + 1e-6) - numpy_f(a - 1e-6)) / 2e-6
    assert np.isclose(g(a=a, p=p), expected, atol=1e-6)
    for text in (str(g), g.index()):
        assert "diag(p .^ 0)" in text
        assert np.isclose(ed.parse(text, where=where)(a=a, p=p), expected, atol=1e-6)
    # an I that the rest of the text sizes stays I: d/dx (x - x x' x) = I - 2 x x' - x' x I
    text = str(ed.diff("x - x (x' x)", "x"))
    assert "I" in text and "diag" not in text


@pytest.mark.parametrize(
    ("text", "scalars"),
    [
        # a scalar factor with a product inside is not the row of the product it stands in
        ("x / (2 sqrt(e + x' x))", {"e"}),
        ("x / (t sqrt(e + x' x))", {"t", "e"}),
        ("x / (2 (x' x + s))", {"s"}),
        ("y / (sqrt(x' x) s)", {"s"}),
        ("y / ((s + x' x) (t + x' x))", {"s", "t"}),
        # the exponent of .^ forces a scalar through the same rule
        ("sum(x .^ (sqrt(x' x) p))", {"p"}),
    ],
)
def test_a_divisor_with_an_inner_product_inside_a_scalar_factor(text, scalars):
    f = ed.parse(text)
    assert {k for k, v in f.variables.items() if v.kind == "scalar"} == scalars
    assert f.variables["x"].kind == "vector"


def test_two_divisors_are_read_back_as_they_were_printed():
    # d/dx 1 / (s + sqrt(e + x'x)) = -x' / ((s + sqrt(e + x'x))^2 sqrt(e + x'x))
    g = ed.diff("1 / (s + sqrt(e + x' x))", "x")
    x, s, e = rng.normal(size=4), 0.6, 0.9
    expected = jacobian_fd(lambda x: np.asarray(1 / (s + np.sqrt(e + x @ x))), {"x": x}, "x")
    expected = to_layout(expected, 0, 1, "numerator")
    back = ed.parse(str(g))
    assert back.variables["s"].kind == back.variables["e"].kind == "scalar"
    assert np.allclose(back(x=x, s=s, e=e), expected, atol=1e-6)


def test_a_result_of_three_axes_reads_back_with_its_shape():
    # d (A x / s) / dA has three axes: its text is index notation, and shape=g.shape counts them
    g = ed.diff("A x / s", "A")
    assert len(ed.parse(str(g), shape=g.shape).shape) == 3
    with pytest.raises(ShapeError, match="has 2 axes; the required shape has 3"):
        ed.parse("A", shape=("m", "n", "p"))


CANCELLED = [
    # d/dx (s x' x) / sqrt(s) = 2 sqrt(s) x': the divisor that made s a scalar cancelled
    ("(s x' x) / sqrt(s)", lambda x, s: s * (x @ x) / np.sqrt(s)),
    # d/dx exp(-s x' x) / s = -2 exp(-s x' x) x'
    ("exp(-s x' x) / s", lambda x, s: np.exp(-s * (x @ x)) / s),
]


@pytest.mark.parametrize(("text", "numpy_f"), CANCELLED, ids=[c[0] for c in CANCELLED])
def test_a_scalar_whose_divisor_cancelled_is_named_with_its_declaration(text, numpy_f, capsys):
    from einderiv.readback import kinds_to_declare
    from tests.cli_util import run

    g = ed.diff(text, "x")
    x, s = rng.normal(size=4), 0.6
    expected = jacobian_fd(lambda x: np.asarray(numpy_f(x, s)), {"x": x}, "x")
    assert np.allclose(g(x=x, s=s), expected, atol=1e-6)
    # plain text reads the s of `2 sqrt(s) x'` as a vector (SPEC 6.3): another function
    assert ed.parse(str(g)).variables["s"].kind == "vector"
    # the declaration the note gives makes it read back as the derivative
    assert kinds_to_declare(g, str(g)) == ("s: scalar",)
    back = ed.parse(str(g), where="s: scalar", shape=g.shape)
    assert np.allclose(back(x=x, s=s), expected, atol=1e-6)
    # the command line says so, and the --json object carries the same note
    code, out, err = run(capsys, "diff", text, "--wrt", "x")
    assert code == 0 and out.strip() == str(g)
    assert "`s` is a scalar by its use" in err and "--where 's: scalar'" in err
    code, out, err = run(capsys, "diff", text, "--wrt", "x", "--where", "s: scalar")
    assert code == 0 and "note" not in err  # declared: nothing to say


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("x' x / s", None),
        ("s x' x", "s: scalar"),
        ("alpha x' x", None),
        ("x / sqrt(e + x' x)", None),
    ],
)
def test_a_result_that_reads_back_gets_no_note(text, where):
    from einderiv.readback import kinds_to_declare

    g = ed.diff(text, "x", where=where)
    assert kinds_to_declare(g, str(g), where) == ()
    back = ed.parse(str(g), where=where)
    assert {k: v.kind for k, v in back.variables.items()} == {
        k: v.kind for k, v in g.variables.items() if k in back.variables
    }


def test_a_result_shape_reads_back_its_index_form():
    # d/dx (x - mean(x)) = delta[i,j] - ones[i] ones[j] / n: in index notation the free
    # indices are the axes, so shape=g.shape sizes them (ones[i] ones[j] alone has no size)
    g = ed.diff("x - mean(x)", "x", where="x: vector(d)")
    back = ed.parse(g.index(), where="x: vector(d)", shape=g.shape)
    x = rng.normal(size=4)
    expected = jacobian_fd(lambda x: x - x.mean(), {"x": x}, "x")
    assert np.allclose(back(x=x), expected, atol=1e-6)
    with pytest.raises(ShapeError, match="has 0 free indices; the required shape has 2 axes"):
        ed.parse("x[a] x[a]", where="x: vector(d)", shape=g.shape)
    with pytest.raises(ShapeError, match="has 2 free indices; the required shape has 1 axis"):
        ed.parse("x[i] x[j]", shape=("n",))
