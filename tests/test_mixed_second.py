"""Second derivatives by a scalar after a vector, and by a vector after a scalar.

For a random scalar f (``strategies.cases``, with its own numpy evaluator) of a vector x and a
scalar a, written alone or inside a row function as the review's fuzzer did
(``logsumexp(f x .^ 2)``, ``softmax(f x)' x``), both ``d/da (df/dx)`` and ``d/dx (df/da)``:

- equal the nested central differences of the numpy f (by a, of the differences by x), never
  einderiv's own derivative;
- and every printed form -- ``str``, ``.latex()``, ``show(cse=True)`` in text and in LaTeX --
  parses back (same declarations, the derivative's shape) to the derivative's values. In these
  the inner product of a row and a column is a scalar: written in front of a chain, or in
  parentheses, never between a row and what it multiplies (``x' .^ 2 (a x' y 2 c)``, not
  ``x' .^ 2 a x' y 2 c``, which reads ``x' .^ 2 a x'``, a row times a row).

Example counts are small by default; ``EINDERIV_LONG=1`` multiplies them (``strategies``).
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from named_forms import index_lines, read_lines, substituted
from strategies import (
    ATOM,
    FACTOR,
    Case,
    Node,
    S,
    V,
    Var,
    assert_close,
    cases,
    evaluate,
    hypothesis_profile,
)

from einderiv.errors import ReadAsProduct

ed = pytest.importorskip("einderiv")

HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


def _logsumexp(v):
    top = np.max(v)
    return top + np.log(np.sum(np.exp(v - top)))


def _softmax(v):
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


# name -> (text of the wrapped f of x and a, its numpy value from f's value, x and a)
WRAPPERS = {
    "alone": (lambda f, x, a: f, lambda value, x, a: value),
    "logsumexp": (
        lambda f, x, a: f"logsumexp(({f}) {x} .^ 2)",
        lambda value, x, a: _logsumexp(value * x**2),
    ),
    "softmax": (
        lambda f, x, a: f"softmax(({f}) {x})' {x}",
        lambda value, x, a: _softmax(value * x) @ x,
    ),
    # the review's: d/da of the weight is (often) a times an inner product, met by a chain
    "logsumexp, log": (
        lambda f, x, a: f"logsumexp(({f}) sum(log(1 + ({a} {x}) .^ 2)) {x} .^ 2)",
        lambda value, x, a: _logsumexp(value * np.sum(np.log(1 + (a * x) ** 2)) * x**2),
    ),
}


@st.composite
def mixed_cases(draw):
    """(case, x, a): a scalar case f of a vector ``x`` and a scalar ``a``, maybe wrapped.

    Where f has a vector but no scalar, ``x`` is replaced by ``(c9 x)`` (``c9`` new, positive,
    so f's domain is kept); where f has a scalar but no vector, ``a`` by ``(a + q9' q9)``; where
    it has both, ``x`` by ``(a x)`` half of the time (where that keeps f's domain). So the
    derivative by ``a`` is often an inner product, as in ``sum(log(1 + (a x) .^ 2))``. Where f
    has neither, it is ``f + c9^2 sum(q9)``. Inside ``logsumexp(f sum(log(1 + (a x) .^ 2)) ..)``
    f is kept as it is (mostly free of ``a``)."""
    case = draw(cases(scalar=True, max_depth=3))
    variables, env, where = dict(case.variables), dict(case.env), case.where
    vectors = [n for n, v in variables.items() if v.ty.kind == "V" and v.role in "gp"]
    scalars = [n for n, v in variables.items() if v.ty.kind == "S" and v.role in "gp"]
    x = draw(st.sampled_from(vectors)) if vectors else "q9"
    a = draw(st.sampled_from(scalars)) if scalars else "c9"
    text, root, rng = case.text, case.root, np.random.default_rng(draw(st.integers(0, 2**16)))

    def f(env: dict):
        return evaluate(root, env)

    if not vectors:
        size = draw(st.sampled_from([1, 2, 3]))
        variables[x], env[x] = Var(x, "g", V(size)), rng.normal(size=size)
        where += f"; {x}: vector({size})"
    if not scalars:
        variables[a], env[a] = Var(a, "p", S), float(rng.uniform(0.5, 2.0))
        where += f"; {a}: scalar"
    wrapper = draw(st.sampled_from(sorted(WRAPPERS)))
    keeps = variables[a].role == "p" or variables[x].role == "g"
    if wrapper == "logsumexp, log":  # f as it is: its weight's d/da is then one term
        pass
    elif vectors and (not scalars or (keeps and draw(st.booleans()))):  # f(a x)
        text = re.sub(rf"(?<![\w.]){x}(?!\w)", f"({a} {x})", text)
        f = _changed(f, x, lambda env: env[a] * env[x])
    elif scalars and not vectors:  # f(a + x' x)
        text = re.sub(rf"(?<![\w.]){a}(?!\w)", f"({a} + {x}' {x})", text)
        f = _changed(f, a, lambda env: env[a] + env[x] @ env[x])
    elif not (vectors or scalars):
        text, f = f"{text} + {a}^2 sum({x})", _added(f, x, a)
        wrapper = "logsumexp" if wrapper == "alone" else wrapper
    wrap, value = WRAPPERS[wrapper]
    node = Node(wrap(text, x, a), ATOM, S, lambda env: value(f(env), env[x], env[a]))
    wrapped = Case(node.text, where, node, variables, env, case.features)
    with np.errstate(all="ignore"):
        assume(np.all(np.abs(wrapped.value()) < 1e3))  # (not nan: out of a domain)
    return wrapped, x, a


def _changed(f, name: str, new):
    """f with the variable ``name`` replaced by ``new(env)``."""
    return lambda env: f(dict(env, **{name: new(env)}))


def _added(f, x: str, a: str):
    return lambda env: f(env) + env[a] ** 2 * np.sum(env[x])


def _evaluate(expr, values: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return expr(**{k: v for k, v in values.items() if k in expr.variables})


def _nested_differences(case: Case, x: str, a: str) -> np.ndarray:
    """d/da of the central differences of the numpy f by x: the vector d2 f / dx da."""

    def by_x(env: dict):
        at = Case(case.text, case.where, case.root, case.variables, env, case.features)
        return at.jacobian_fd(x, eps=1e-5)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return case.jacobian_fd(a, fn=by_x, eps=1e-4)


def _read_back(text: str, case: Case, shape, latex: bool):
    """A printed form's value: one line parsed, or names put back (index lines read one by one)."""
    if index_lines(text):
        return read_lines(ed, text, case.env, case.where, lambda e, v, last: _evaluate(e, v))
    whole = substituted(text, r"\left(", r"\right)") if latex else substituted(text)
    return _evaluate(ed.parse(whole, where=case.where, shape=shape), case.env)


def _printed(g) -> dict:
    return {
        "str": (str(g), False),
        "latex": (g.latex(), True),
        "cse": (g.show(cse=True), False),
        "cse latex": (g.show(cse=True, format="latex"), True),
    }


@hypothesis_profile(120, FACTOR, HEALTH)
@given(mixed_cases())
def test_mixed_second_derivatives_read_back_to_nested_differences(drawn):
    # d/da (df/dx) = d/dx (df/da) = [d2 f / dx_i da]_i, each against numpy's nested differences
    case, x, a = drawn
    reference = _nested_differences(case, x, a)
    f = ed.parse(case.text, where=case.where)
    for first, second in ((x, a), (a, x)):
        g = ed.diff(ed.diff(f, first, layout="jacobian"), second, layout="jacobian")
        what = f"d/d{second} d/d{first} of {case.text!r} where {case.where!r}"
        value = _evaluate(g, case.env)
        assert_close(value, reference, 2e-3, what)
        for name, (text, latex) in _printed(g).items():
            got = _read_back(text, case, g.shape, latex)
            assert_close(np.broadcast_to(got, np.shape(value)), value, 1e-8, f"{name} {text!r}")


def test_the_reviews_second_derivatives_read_back():
    # d2/dx da logsumexp(s(a, x) x .^ 2) = the nested differences of numpy's, n = 3; each
    # printed form (an inner product inside a chain, which read as a row times a row) reads back
    where = "x: vector(n); a: scalar"
    env = {"x": np.array([0.3, -1.2, 0.8]), "a": 0.7}
    n = 3

    def s1(x, a):
        return np.sum(np.log(1 + a**2 * x**2))

    def s2(x, a):
        return np.log(np.linalg.det(np.eye(n) + np.diag((a * x) ** 2)))

    def s3(x, a):
        return np.sum(np.log((a * x) ** 2))

    texts = {
        "sum(log(1 + a^2 x .^ 2)) x .^ 2": s1,
        "logdet(I + diag((a x) .^ 2)) x .* x": s2,
        "sum(log((a x) .^ 2)) x .* x": s3,
        "sum(log(1 + (a x) .^ 2)) x .^ 2": s1,
    }
    for inner, s in texts.items():

        def f(x, a, s=s):
            return _logsumexp(s(x, a) * x**2)

        def by_x(a, f=f, h=1e-4):  # central differences by x of the numpy f
            return np.array(
                [(f(env["x"] + h * e, a) - f(env["x"] - h * e, a)) / (2 * h) for e in np.eye(n)]
            )

        h = 1e-4
        expected = (by_x(env["a"] + h) - by_x(env["a"] - h)) / (2 * h)
        for first, second in (("x", "a"), ("a", "x")):
            g = ed.diff(ed.diff(f"logsumexp({inner})", first, where=where), second)
            value = g(**env)
            for name, (text, latex) in _printed(g).items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ReadAsProduct)  # \log\det: log(det(..))
                    back = ed.parse(
                        substituted(text, *((r"\left(", r"\right)") if latex else "()")),
                        where=where,
                        shape=g.shape,
                    )
                np.testing.assert_allclose(back(**env), value, atol=1e-12, err_msg=name)
            np.testing.assert_allclose(value, expected, atol=1e-5, err_msg=inner)


def test_a_scalar_inside_a_product_stays_grouped():
    # x' (a (y' z) w) = a (y' z) (x' w): flattened, x' a y' z w reads x' a y', a row times a row
    from einderiv.ir import matrix_ir as M
    from einderiv.notation.transposing import product, transpose

    x, y, z, w, a = (M.Name(n) for n in "xyzwa")
    where, vectors = "x, y, z, w: vector(3); a: scalar", {"x", "y", "z", "w"}
    rng = np.random.default_rng(3)
    env = {n: rng.normal(size=3) for n in "xyzw"} | {"a": 0.6}
    column = M.MatMul(M.MatMul(M.MatMul(a, M.Transpose(y)), z), w)
    made = product((M.MatMul(M.Transpose(x), column),), 0, vectors)
    expected = env["a"] * (env["y"] @ env["z"]) * (env["x"] @ env["w"])
    assert np.isclose(ed.parse(M.show(made), where)(**env), expected)
    # (2 cos(2 y)' z diag(z))' = 2 (cos(2 y)' z) diag(z): the row behind a number is a row, so
    # the transpose is not the reversed chain 2 diag(z) z' cos(2 y) (a matrix times a row)
    row = M.Call("cos", (M.MatMul(M.Number(Fraction(2)), M.Transpose(y)),))
    scaled = M.MatMul(M.MatMul(M.MatMul(M.Number(Fraction(2)), row), z), M.Call("diag", (z,)))
    turned = transpose(scaled, frozenset({"a"}), vectors)
    expected = 2 * (np.cos(2 * env["y"]) @ env["z"]) * np.diag(env["z"])
    assert np.allclose(ed.parse(M.show(turned), where)(**env), expected)
