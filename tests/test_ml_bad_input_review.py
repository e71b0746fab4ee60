"""What a tired ML engineer types: every slip is a clear EinderivError that says what to write,
never a traceback or a silent misreading (the review of tests/test_ml_losses_review.py).

Input: bad texts, declarations and variables. Checked: the error's class and that its message
names the fix; where a fix is suggested, the text with the fix applied derives the loss right
(central differences of numpy code written here); the command line exits 2 without a traceback.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import AbsentVariable
from einderiv.frontend.missing_functions import MISSING
from tests.cli_util import run
from tests.native_util import fd_gradient

RNG = np.random.default_rng(3770)
X0, W0, Y0 = RNG.standard_normal((5, 4)), RNG.standard_normal((3, 4)), RNG.standard_normal(5)
TH0, V0 = RNG.standard_normal(4), RNG.standard_normal(4)

# (text, wrt, where, what the message must say)
BAD = [
    ("-sum(Y .* log_softmax(X' W' + ones b')", "W", None, "expected one of: ')'"),
    ("-sum(Y .* log_sofmax(X' W' + ones b'))", "W", None, "did you mean 'log_softmax'"),
    ("-sum(Y .* logsoftmax(X W))", "W", None, "did you mean 'log_softmax'"),
    ("sum(log_softmax(W X + b ones))", "W", None, "for the outer product `b ones'`"),
    (
        "sum(log_softmax(W X + b))",
        "W",
        "X: matrix(n, b); W: matrix(k, n); b: vector(k)",
        "different shapes",
    ),
    ("norm2(X w - y)^2", "w", "X: matrix(b, n); w: vector(m)", "(n vs m)"),
    ("norm2(X w - y)**2", "w", None, "write ^ for a matrix power"),
    ("softmax(Q K / sqrt(d)) V", "Q", "Q: matrix(t, e); K: matrix(s, e)", "(e vs s)"),
    ("sum(sigmod(W x))", "W", None, "did you mean 'sigmoid'"),
    ("sum((W x - y)^2)", "W", None, "write (W x - y) .^ 2"),
    ("tr W' W", "W", None, "write tr(...)"),
    ("logsumexp(W x, 1)", "W", None, "takes one argument"),
    ("norm2(x)^2", "x", "x: vecor(n)", "did you mean 'vector'"),
    ("norm2(X w - y)^2", "W", None, "did you mean w?"),
    (r"\sum_i (x_i - y_i)^2", "x", None, r"\operatorname{sum}"),
    (r"\mathcal{L}(W) = \|W x - y\|^2", "W", None, r"\mathcal{L} = ..."),
    (r"\tanh(W x + b", "W", None, "unmatched '('"),
    # fixed in this review: each said nothing of the fix
    ("norm2(W x)^2", "X", None, "did you mean x?"),  # the shift key
    ("norm2(X theta - y)^2", "theta", None, "declare `theta: vector(n)`"),
    (r"\|X\theta - y\|^2", "theta", None, "declare `theta: vector(n)`"),
    ("sum(gelu(W x))", "W", None, "0.5 u .* (1 + erf(u / sqrt(2)))"),
    ("sum(GELU(W x))", "W", None, "0.5 u .* (1 + erf(u / sqrt(2)))"),
    ("sum(leaky_relu(W x))", "W", None, "relu(u) - 0.01 relu(-u)"),
    ("sum(silu(W x))", "W", None, "u .* sigmoid(u)"),
]


@pytest.mark.parametrize(("text", "wrt", "where", "says"), BAD, ids=[b[0] for b in BAD])
def test_a_slip_is_a_clear_error(capsys, text, wrt, where, says):
    with pytest.raises(ed.EinderivError) as caught:
        ed.diff(text, wrt, where=where)
    assert says in str(caught.value)
    argv = ["diff", text, "--wrt", wrt] + (["--where", where] if where else [])
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and says in err and "Traceback" not in err


def _erf(z):
    return np.vectorize(math.erf)(z)


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _lsm(z):
    return z - np.log(np.sum(np.exp(z)))


# the functions as numpy computes them (torch.nn's and numpy's definitions), of u or of x, y
TRUE = {
    "gelu": lambda u: 0.5 * u * (1 + _erf(u / np.sqrt(2))),
    "silu": lambda u: u * _sig(u),
    "swish": lambda u: u * _sig(u),
    "mish": lambda u: u * np.tanh(np.log1p(np.exp(u))),
    "leakyrelu": lambda u: np.where(u > 0, u, 0.01 * u),
    "elu": lambda u: np.where(u > 0, u, np.exp(u) - 1),
    "softsign": lambda u: u / (1 + np.abs(u)),
    "logsigmoid": lambda u: np.log(_sig(u)),
    "hardtanh": lambda u: np.clip(u, -1, 1),
    "softmin": lambda u: np.exp(-u) / np.sum(np.exp(-u)),
    "logistic": _sig,
    "expit": _sig,
    "logit": lambda u: np.log(u / (1 - u)),
    "hinge": lambda u: np.maximum(0, 1 - u),
    "huber": lambda u: np.sqrt(1 + u**2) - 1,
    "crossentropy": lambda u, y: -np.sum(y * _lsm(u)),
    "bce": lambda u, y: -np.sum(y * np.log(_sig(u)) + (1 - y) * np.log(1 - _sig(u))),
    "nll": lambda u, y: -np.sum(y * np.log(u)),
    "mse": lambda u, y: np.mean((u - y) ** 2),
    "layernorm": lambda u: (u - u.mean()) / np.sqrt(u.var() + 1e-5),
    "var": np.var,
    "std": np.std,
    "square": np.square,
    "log2": np.log2,
    "log10": np.log10,
    "exp2": np.exp2,
    "dot": np.dot,
    "inner": np.inner,
    "outer": np.outer,
    "transpose": np.transpose,
    "cosinesimilarity": lambda x, y: x @ y / np.linalg.norm(x) / np.linalg.norm(y),
    "numel": np.size,
    "size": np.size,
}


def test_every_suggested_formula_has_its_truth():
    assert set(TRUE) == set(MISSING)


@pytest.mark.parametrize("key", sorted(TRUE))
def test_the_formula_suggested_is_the_function(key):
    call, formula = MISSING[key].split(" is ", 1)
    name = call.split("(")[0] if "(" in call else key
    with pytest.raises(ed.ParseError, match="write it out"):
        ed.parse(f"sum({name}(u))" if "(x, y)" not in call else f"{name}(x, y)")
    formula = formula.split(" for ")[0]
    u = RNG.uniform(0.1, 0.9, 5) if key in ("logit", "log2", "log10", "nll") else None
    u = RNG.uniform(-2.5, 2.5, 5) if u is None else u
    y = RNG.uniform(0.1, 0.9, 5)
    names = [n for n in "uxy" if re.search(rf"\b{n}\b", formula)]
    written = ed.parse(formula, where="; ".join(f"{n}: vector(n)" for n in names))
    values = {"u": u, "x": RNG.standard_normal(5), "y": y}
    args = {n: values[n] for n in names}
    if "x" in args:
        want = TRUE[key](args["x"], args["y"])
    else:
        want = TRUE[key](*[args[n] for n in ("u", "y") if n in args])
    np.testing.assert_allclose(written(**args), want, rtol=1e-12, atol=1e-12)


def test_the_suggested_declaration_of_theta_derives_the_loss():
    g = ed.diff("norm2(X theta - y)^2", "theta", where="theta: vector(n)", layout="denominator")
    want = fd_gradient(lambda t: np.sum((X0 @ t - Y0) ** 2), TH0)
    np.testing.assert_allclose(g(X=X0, theta=TH0, y=Y0), want, rtol=1e-6, atol=1e-6)


def test_declared_but_written_otherwise_is_said():
    # W1 declared, W_1 written (LaTeX's W_1): the derivative by W1 is 0 (SPEC 2), said so
    text, where = r"\|W_1 v\|^2", "W1: matrix(k, n)"
    with pytest.warns(AbsentVariable, match="did you mean W_1"):
        g = ed.diff(text, "W1", where=where)
    assert np.all(g(W1=W0, W_1=W0, v=V0) == 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # by the name written: no note, and the gradient
        right = ed.diff(text, "W_1", where=where, layout="denominator")
    want = fd_gradient(lambda W: np.sum((W @ V0) ** 2), W0)
    np.testing.assert_allclose(right(W_1=W0, v=V0), want, rtol=1e-6, atol=1e-6)


def test_declared_but_absent_on_the_command_line_is_a_note(capsys):
    argv = ("diff", r"\|W_1 v\|^2", "--wrt", "W1", "--where", "W1: matrix(k, n)")
    code, out, err = run(capsys, *argv)
    assert code == 0 and out.strip() == "0" and "did you mean W_1" in err
