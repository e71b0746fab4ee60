"""adj(X), the adjugate (SPEC 6.1): read as det(X) inv(X), so defined and evaluated for invertible
X; its derivatives against finite differences of a cofactor-by-cofactor numpy reference, and
``check`` never calls a claim right on the strength of probes at invertible X alone when the
claim itself needs X invertible (adj is defined for singular X too).
"""

from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import hessian_fd, jacobian_fd, to_layout

import einderiv as ed
from tests.native_util import precise

RNG = np.random.default_rng(13)
LAYOUTS = ("numerator", "denominator", "jacobian")
BACKENDS = ["numpy"] + [b for b in ("torch", "jax") if importlib.util.find_spec(b)]


def adjugate(X):
    """adj(X)[i,j] = (-1)^(i+j) det(X without row j and column i): the cofactors, transposed."""
    n = X.shape[0]
    out = np.empty_like(X)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(X, j, axis=0), i, axis=1)
            out[i, j] = (-1) ** (i + j) * (np.linalg.det(minor) if n > 1 else 1.0)
    return out


def _invertible(n):
    return RNG.normal(size=(n, n)) + n * np.eye(n)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_value_is_the_cofactor_adjugate(n):
    X = _invertible(n)
    np.testing.assert_allclose(ed.parse("adj(X)")(X=X), adjugate(X), rtol=1e-10)
    latex = ed.parse(r"\operatorname{adj}(\mathbf{X})")
    np.testing.assert_allclose(latex(X=X), adjugate(X), rtol=1e-10)
    # adj([[a, b], [c, d]]) = [[d, -b], [-c, a]]
    M = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(ed.parse("adj(M)")(M=M), [[4.0, -2.0], [-3.0, 1.0]])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_derivatives_in_every_layout(layout):
    X, A = _invertible(3), RNG.normal(size=(3, 3))
    x, y = RNG.normal(size=3), RNG.normal(size=3)
    # d adj(X) / dX, an order-4 result
    g = ed.diff("adj(X)", "X", layout=layout)
    expected = to_layout(jacobian_fd(adjugate, {"X": X}, "X"), 2, 2, layout)
    np.testing.assert_allclose(g(X=X), expected, rtol=1e-6, atol=1e-8)
    # d tr(adj(X) A) / dX and d x' adj(X) y / dX, scalars
    g = ed.diff("tr(adj(X) A)", "X", layout=layout)
    f = lambda X, A: np.trace(adjugate(X) @ A)
    expected = to_layout(jacobian_fd(f, {"X": X, "A": A}, "X"), 0, 2, layout)
    np.testing.assert_allclose(g(X=X, A=A), expected, rtol=1e-6, atol=1e-8)
    again = ed.parse(str(g), where="X: matrix(n, n); A: matrix(n, n)")
    np.testing.assert_allclose(again(X=X, A=A), expected, rtol=1e-6, atol=1e-8)
    g = ed.diff("x' adj(X) y", "X", layout=layout)
    f = lambda X, x, y: x @ adjugate(X) @ y
    expected = to_layout(jacobian_fd(f, {"X": X, "x": x, "y": y}, "X"), 0, 2, layout)
    np.testing.assert_allclose(g(X=X, x=x, y=y), expected, rtol=1e-6, atol=1e-8)


def test_hessian():
    X, A = _invertible(3), RNG.normal(size=(3, 3))
    H = ed.hessian("tr(adj(X) A)", "X")(X=X, A=A)
    f = lambda X, A: np.trace(adjugate(X) @ A)
    np.testing.assert_allclose(H, hessian_fd(f, {"X": X, "A": A}, "X"), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_compiled_and_generated(backend):
    X, A = _invertible(3), RNG.normal(size=(3, 3))
    g = ed.diff("tr(adj(X) A)", "X", layout="denominator")
    f = lambda X, A: np.trace(adjugate(X) @ A)
    expected = jacobian_fd(f, {"X": X, "A": A}, "X")
    with precise(backend):  # float64 on jax needs the user's x64 setting (SPEC 9)
        got = np.asarray(g.compile(backend=backend)(X=X, A=A))
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    namespace: dict = {}
    exec(ed.codegen(g, name="grad"), namespace)  # noqa: S102 - the package's own output
    np.testing.assert_allclose(namespace["grad"](X=X, A=A), expected, rtol=1e-6)


def test_domain_is_invertible_matrices_and_errors_are_clear():
    # read as det(X) inv(X): a singular X is a clear EvaluationError, never a wrong value
    with pytest.raises(ed.EinderivError, match="singular"):
        ed.parse("adj(X)")(X=np.ones((3, 3)))
    with pytest.raises(ed.ShapeError, match="square"):
        ed.parse("adj(X)", where="X: matrix(2, 3)")
    # adj of a scalar (a 1-by-1 matrix) is 1
    assert ed.parse("adj(a)", where="a: scalar")(a=5.0) == 1.0


def test_check_never_right_from_invertible_probes_alone():
    # for 2-by-2 X, tr(adj(X)) = tr(X): the derivative is I everywhere; a claim through inv(X)
    # agrees at every invertible X but is undefined at singular X: not "right"
    where = "X: matrix(2, 2)"
    claim = "det(X) (tr(inv(X)) inv(X) - inv(X)^2)"
    result = ed.check("tr(adj(X))", "X", claim=claim, where=where)
    assert result.verdict == "undecided"
    assert ed.check("tr(adj(X))", "X", claim="I", where=where).ok
    wrong = ed.check("tr(adj(X))", "X", claim="2 I", where=where)
    assert not wrong.ok and wrong.counterexample is not None
    X = wrong.counterexample["X"]
    f = lambda X: np.trace(adjugate(X))
    np.testing.assert_allclose(jacobian_fd(f, {"X": X}, "X"), np.eye(2), atol=1e-6)
