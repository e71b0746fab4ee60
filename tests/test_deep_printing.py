"""Deep and long expressions derive and print without recursion errors, and the printed forms
read back to the derivative: depth-50 nesting and chains of 200 factors (issue 13, item 6).

Each derivative is compared with central finite differences of plain numpy code written here;
the matrix-notation text and the index-notation text are parsed back and evaluated too.
"""

import re

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

n = 3
rng = np.random.default_rng(13)


def _mlp_text(depth: int) -> str:
    text = "x"
    for _ in range(depth):
        text = f"tanh(W {text})"
    return f"sum({text})"


def _mlp_numpy(depth: int):
    def f(W, x):
        for _ in range(depth):
            x = np.tanh(W @ x)
        return np.sum(x)

    return f


def _nested_norm(depth: int):
    def f(x):
        value = np.linalg.norm(x)
        for _ in range(depth - 1):
            value = np.sqrt(value**2)
        return value

    return f


def _chain(count: int):  # A0 X A1 X ...: `count` factors
    def f(X, **mats):
        out = np.eye(n)
        for k in range(count // 2):
            out = out @ mats[f"A{k}"] @ X
        return np.trace(out)

    return f


def _log_det_inv(depth: int):
    def f(X):
        for _ in range(depth):
            X = np.linalg.inv(X)
        return np.log(np.linalg.det(X))

    return f


CASES = {
    # name: (text, wrt, numpy function, arrays)
    "norm2 nested 50 deep": ("norm2(" * 50 + "x" + ")" * 50, "x", _nested_norm(50), ["x"]),
    "tanh(W .) nested 50 deep": (_mlp_text(50), "x", _mlp_numpy(50), ["W", "x"]),
    "sin nested 50 deep": (
        "sum(" + "sin(" * 50 + "x" + ")" * 50 + ")",
        "x",
        lambda x: np.sum(_sin_nest(x, 50)),
        ["x"],
    ),
    "inv nested 50 deep": ("log(det(" + "inv(" * 50 + "X" + ")" * 50 + "))", "X", None, ["X"]),
    "chain of 200 factors": (
        "tr(" + " ".join(f"A{k} X" for k in range(100)) + ")",
        "X",
        _chain(200),
        ["X"] + [f"A{k}" for k in range(100)],
    ),
    "sum of 100 terms": (
        " + ".join(f"x' A{k} x" for k in range(100)),
        "x",
        lambda x, **mats: sum(x @ mats[f"A{k}"] @ x for k in range(100)),
        ["x"] + [f"A{k}" for k in range(100)],
    ),
}
CASES["inv nested 50 deep"] = CASES["inv nested 50 deep"][:2] + (_log_det_inv(50), ["X"])


ELEMENTWISE = {"sin nested 50 deep", "tanh(W .) nested 50 deep"}


def _sin_nest(x, depth):
    for _ in range(depth):
        x = np.sin(x)
    return x


def _arrays(names):
    values = {}
    for name in names:
        if name == "x":
            values[name] = rng.uniform(0.2, 1.0, size=n)
        elif name == "W":
            values[name] = rng.normal(size=(n, n)) / np.sqrt(n)
        elif name == "X":
            values[name] = rng.normal(size=(n, n)) * 0.2 + np.eye(n)
        else:  # A0, A1, ...: near the identity, so long products stay of moderate size
            values[name] = np.eye(n) + 0.1 * rng.normal(size=(n, n))
    return values


@pytest.mark.parametrize("name", sorted(CASES))
def test_deep_expressions_derive_print_and_read_back(name):
    text, wrt, numpy_f, names = CASES[name]
    values = _arrays(names)
    g = ed.diff(text, wrt)
    expected = to_layout(jacobian_fd(numpy_f, values, wrt), 0, values[wrt].ndim, "numerator")
    scale = max(1.0, np.abs(expected).max())
    # the derivative itself
    assert np.allclose(g(**values), expected, atol=1e-5 * scale)
    # its matrix-notation text (and its index-notation text, where that has no long elementwise
    # product: 50 factors tied by one generalised delta are evaluated as one dense einsum)
    # read back to the same values
    forms = [str(g)] if name in ELEMENTWISE else [str(g), g.index()]
    for printed in forms:
        back = ed.parse(printed)
        assert np.allclose(
            back(**{k: values[k] for k in back.variables}), expected, atol=1e-5 * scale
        )
    assert g.latex()


def test_nested_norm_is_short():
    # norm2(norm2(...norm2(x))) = norm2(x), so its gradient x' / norm2(x) prints short at any depth
    g = ed.diff("norm2(" * 50 + "x" + ")" * 50, "x")
    assert len(str(g)) < 40
    x = rng.normal(size=n)
    assert np.allclose(g(x=x), x / np.linalg.norm(x))


@pytest.mark.parametrize("name", sorted(CASES))
def test_deep_expressions_in_the_new_forms(name):
    # the forms of SPEC 7 at depth 50 and length 200: shared subexpressions named (substituted
    # back, the same values), the differential, the derivation in LaTeX -- no recursion error
    text, wrt, numpy_f, names = CASES[name]
    g = ed.diff(text, wrt)
    assert g.show(cse=True, format="latex") and g.differential().startswith("d f = ")
    assert g.latex(steps=True).count("\n") == len(g.stages)
    *definitions, result = g.show(cse=True).split("\n")
    if not definitions:  # nothing repeated: the plain text, read back by the test above
        assert result == str(g)
        return
    values = _arrays(names)
    expected = to_layout(jacobian_fd(numpy_f, values, wrt), 0, values[wrt].ndim, "numerator")
    scale = max(1.0, np.abs(expected).max())
    for line in reversed(definitions):
        label, body = line.split(" = ", 1)
        result = re.sub(rf"\b{label}\b", lambda _, b=body: f"({b})", result)
    back = ed.parse(result)
    assert np.allclose(back(**{k: values[k] for k in back.variables}), expected, atol=1e-5 * scale)


def test_steps_of_a_deep_expression_name_what_is_too_long_to_write():
    # softmax nested 50 deep: the stages are trees of ~10^16 nodes; --steps writes each with
    # its shared subexpressions named (it was an error that pointed at --cse, which --steps
    # did not use), and its last line is the result
    text = "softmax(" * 50 + "x" + ")" * 50
    g = ed.diff(text, "x")
    steps = g.steps()
    assert "t1[i] = " in steps and steps.count("the result:") == 1, steps[:400]
    assert len(steps) < 200_000
    # the result, named, reads back: its definitions substituted last to first
    result = steps.split("the result:\n", 1)[1]
    lines = [line.strip() for line in result.split("\n")]
    body = lines[-1]
    for line in reversed(lines[:-1]):
        name, definition = line.split(" = ", 1)
        body = re.sub(rf"\b{name}\b", f"({definition})", body)
    x = rng.normal(size=n)

    def f(v):
        for _ in range(50):
            v = np.exp(v - v.max())
            v = v / v.sum()
        return v

    expected = jacobian_fd(f, {"v": x}, "v")
    np.testing.assert_allclose(ed.parse(body)(x=x), expected, atol=1e-6)


def test_a_long_chain_reads_flat_and_grouped():
    # a + b + ... of 500 terms was refused as 500 levels (session 29: a flat chain is one
    # level); flat and grouped in halves, d(sum_k c_k x_k' a)/dx_7 = c_7 a (by finite
    # differences of the numpy sum)
    flat = " + ".join(f"{k + 1} x{k}' a" for k in range(500))
    terms = flat.split(" + ")
    grouped = f"({' + '.join(terms[:250])}) + ({' + '.join(terms[250:])})"
    rng = np.random.default_rng(5)
    env = {f"x{k}": rng.standard_normal(3) for k in range(500)} | {"a": rng.standard_normal(3)}

    def value(x7):
        return sum((k + 1) * ((x7 if k == 7 else env[f"x{k}"]) @ env["a"]) for k in range(500))

    expected = jacobian_fd(value, {"x7": env["x7"]}, "x7")
    for text in (flat, grouped):
        got = ed.diff(text, "x7", layout="denominator")(**env)
        np.testing.assert_allclose(got, expected, rtol=1e-6)
