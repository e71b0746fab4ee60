"""Declared tensors of order 3 and more (SPEC 6.1), used through index notation: values against
numpy.einsum, derivatives by a tensor and of expressions containing tensors against finite
differences of plain numpy, printed forms read back; a tensor in matrix notation is an error
that names the place.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import einderiv as ed
from tests.fd import LAYOUTS, assert_close, hessian_fd, jacobian_fd, to_layout

RNG = np.random.default_rng(13)
WHERE = "T: tensor(n, m, p); x: vector(p); A: matrix(n, m)"


def arrays():
    return {
        "T": RNG.standard_normal((2, 3, 4)),
        "x": RNG.standard_normal(4),
        "A": RNG.standard_normal((2, 3)),
    }


def every_form(g, values, expected, read_back=True):
    """The value; the printed text read back; compiled; generated code."""
    own = {k: v for k, v in values.items() if k in g.variables}
    assert_close(g(**own), expected, what="interpreter")
    if read_back:
        back = ed.parse(str(g), where=WHERE)
        assert_close(back(**{k: v for k, v in values.items() if k in back.variables}), expected)
    assert_close(g.compile()(**own), expected, what="compiled")
    assert_close(g.compile(backend="_generic_numpy")(**own), expected, what="generic")
    namespace: dict = {}
    exec(ed.codegen(g, name="generated"), namespace)  # noqa: S102
    params = inspect.signature(namespace["generated"]).parameters
    assert_close(namespace["generated"](**{k: own[k] for k in params}), expected, what="codegen")


def test_a_tensor_times_a_vector():
    # (T x)[i,j] = T[i,j,k] x[k]
    values = arrays()
    f = ed.parse("T[i,j,k] x[k]", where=WHERE)
    assert f.shape == ("n", "m")
    assert_close(f(T=values["T"], x=values["x"]), np.einsum("ijk,k->ij", values["T"], values["x"]))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_derivative_by_a_tensor(layout):
    # d (x[k] T[i,j,k] A[i,j]) / dT[a,b,c] = A[a,b] x[c]
    values = arrays()
    g = ed.diff("x[k] T[i,j,k] A[i,j]", "T", where=WHERE, layout=layout)
    jac = jacobian_fd(lambda T, x, A: np.einsum("ijk,k,ij->", T, x, A), values, "T")
    every_form(g, values, to_layout(jac, 0, 3, layout))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_derivative_of_a_tensor_contraction_by_a_vector(layout):
    # d (T[i,j,k] x[k]) / dx[c] = T[i,j,c]
    values = arrays()
    g = ed.diff("T[i,j,k] x[k]", "x", where=WHERE, layout=layout)
    jac = jacobian_fd(lambda T, x, A: np.einsum("ijk,k->ij", T, x), values, "x")
    # index notation reads free indices back in alphabetical order, and the user's i, j come
    # last in denominator layout (c, j, i): that layout's text is read back in another order
    every_form(g, values, to_layout(jac, 2, 1, layout), read_back=layout != "denominator")


def test_nonlinear_in_a_tensor_and_its_hessian():
    # f = sum_ij tanh(T[i,j,k] x[k])^2: gradient by T, Hessian by x, against differences
    values = arrays()
    text = "tanh(T[i,j,k] x[k]) tanh(T[i,j,l] x[l])"

    def plain(T, x, A):
        return np.sum(np.tanh(np.einsum("ijk,k->ij", T, x)) ** 2)

    assert_close(ed.parse(text, where=WHERE)(T=values["T"], x=values["x"]), plain(**values))
    g = ed.diff(text, "T", where=WHERE, layout="jacobian")
    every_form(g, values, jacobian_fd(plain, values, "T"))
    h = ed.hessian(text, "x", where=WHERE)
    assert_close(h(T=values["T"], x=values["x"]), hessian_fd(plain, values, "x"), rtol=1e-4)


def test_order_four():
    # sum_{ijkl} W[i,j,k,l] x[i] x[j] x[k] x[l] by x: 4 sym(W) contracted with x three times
    W, x = RNG.standard_normal((3, 3, 3, 3)), RNG.standard_normal(3)
    where = "W: tensor(n, n, n, n); x: vector(n)"
    g = ed.diff("W[i,j,k,l] x[i] x[j] x[k] x[l]", "x", where=where)
    jac = jacobian_fd(
        lambda W, x: np.einsum("ijkl,i,j,k,l->", W, x, x, x, x), {"W": W, "x": x}, "x"
    )
    assert_close(g(W=W, x=x), jac)
    assert_close(ed.parse(str(g), where=where)(W=W, x=x), jac)


def test_check_a_claim_about_a_tensor():
    # d (T[i,j,k] x[k] A[i,j]) / dx[c] = A[a,b] T[a,b,c]
    r = ed.check("T[i,j,k] x[k] A[i,j]", "x", claim="A[a,b] T[a,b,i]", where=WHERE)
    assert r.ok, r
    r = ed.check("T[i,j,k] x[k] A[i,j]", "x", claim="A[a,b] T[b,a,i]", where=WHERE)
    assert not r.ok


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("T x", "`T` is a tensor of order 3", 1),
        ("x' x + tr(T')", r"use it through index notation, T\[i,j,k\]", 11),
    ],
)
def test_a_tensor_in_matrix_notation_names_the_place(text, message, column):
    with pytest.raises(ed.EinderivError, match=message) as info:
        ed.parse(text, where=WHERE)
    caret = next(line for line in str(info.value).splitlines() if line.strip() == "^")
    assert caret.index("^") - 2 == column - 1


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("T: tensor(n, m)", "'tensor' takes three or more dimensions, not 2"),
        ("T: tensor", "a tensor declares its dimensions"),
    ],
)
def test_bad_tensor_declarations(where, message):
    with pytest.raises(ed.ParseError, match=message):
        ed.parse("x' x", where=where)


def test_wrong_array_for_a_tensor():
    f = ed.parse("T[i,j,k] x[k]", where=WHERE)
    with pytest.raises(ed.EinderivError, match="tensor"):
        f(T=np.zeros((2, 3)), x=np.zeros(4))
