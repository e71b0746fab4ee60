"""Notation as people write it (SPEC 6.2, 6.3): LaTeX, Unicode, aliases, norm bars, kinds by use.

Each spelling is evaluated on random arrays and compared with a plain-numpy oracle written here,
and with the plain spelling; derivatives of LaTeX input are compared with finite differences.
"""

from __future__ import annotations

import math
import random
import re
import warnings

import numpy as np
import pytest

import einderiv as ed
from einderiv.ir import greek

RNG = np.random.default_rng(7)
N = 3


def _arrays():
    A, B, C, X = (RNG.standard_normal((N, N)) for _ in range(4))
    S = RNG.standard_normal((N, N))
    S = S @ S.T + N * np.eye(N)  # symmetric positive definite, for log det
    x, y, w = (RNG.standard_normal(N) for _ in range(3))
    return {"A": A, "B": B, "C": C, "X": X, "S": S, "Sigma": S, "x": x, "y": y, "w": w}


inv, det, tr = np.linalg.inv, np.linalg.det, np.trace

# (written, plain spelling, numpy oracle of the arrays)
SPELLINGS = [
    # tr(X' A X)
    (r"\operatorname{tr}(X^\top A X)", "tr(X' A X)", lambda v: tr(v["X"].T @ v["A"] @ v["X"])),
    (
        r"\mathrm{tr}\left(\mathbf{X}^{\top}\mathbf{A}\mathbf{X}\right)",
        "tr(X' A X)",
        lambda v: tr(v["X"].T @ v["A"] @ v["X"]),
    ),
    (r"\operatorname{Tr}(X^\intercal A X)", "tr(X' A X)", lambda v: tr(v["X"].T @ v["A"] @ v["X"])),
    (r"\text{tr}(X^{T} A X)", "tr(X' A X)", lambda v: tr(v["X"].T @ v["A"] @ v["X"])),
    ("tr(Xᵀ A X)", "tr(X' A X)", lambda v: tr(v["X"].T @ v["A"] @ v["X"])),
    ("tr(X⊤ A X)", "tr(X' A X)", lambda v: tr(v["X"].T @ v["A"] @ v["X"])),
    # X^⊤, Unicode after a caret (as X^\top): a transpose (it was "unexpected '⊤'")
    ("tr(X^⊤ A X)", "tr(X' A X)", lambda v: tr(v["X"].T @ v["A"] @ v["X"])),
    ("x^ᵀ A x", "x' A x", lambda v: v["x"] @ v["A"] @ v["x"]),
    # X^{⊤}, braced as X^{T} is (it was "unexpected '⊤'"); X^-⊤ and X^{-⊤}, as X^-T
    ("tr(X^{⊤} A X)", "tr(X' A X)", lambda v: tr(v["X"].T @ v["A"] @ v["X"])),
    ("x^{ ᵀ } A x", "x' A x", lambda v: v["x"] @ v["A"] @ v["x"]),
    (r"\mathbf{x}^{⊤} A \mathbf{x}", "x' A x", lambda v: v["x"] @ v["A"] @ v["x"]),
    ("tr(X^-⊤ A)", "tr(X^-T A)", lambda v: tr(inv(v["X"]).T @ v["A"])),
    ("tr(X^{-⊤} A)", "tr(X^-T A)", lambda v: tr(inv(v["X"]).T @ v["A"])),
    ("trace(X' A X)", "tr(X' A X)", lambda v: tr(v["X"].T @ v["A"] @ v["X"])),
    ("Tr(X' A X)", "tr(X' A X)", lambda v: tr(v["X"].T @ v["A"] @ v["X"])),
    # x' A x: letters written together in LaTeX are separate symbols
    (r"x^\top Ax", "x' A x", lambda v: v["x"] @ v["A"] @ v["x"]),
    (r"\mathbf{x}^\top \mathbf{A} \mathbf{x}", "x' A x", lambda v: v["x"] @ v["A"] @ v["x"]),
    (r"\mathbf{x}^\top\mathbf{Ax}", "x' A x", lambda v: v["x"] @ v["A"] @ v["x"]),
    # the tr of a product of five (notes DT-style)
    (
        r"\operatorname{tr}\left(\mathbf{A}\mathbf{X}\mathbf{B}\mathbf{X}^\top\mathbf{C}\right)",
        "tr(A X B X' C)",
        lambda v: tr(v["A"] @ v["X"] @ v["B"] @ v["X"].T @ v["C"]),
    ),
    # inverses and inverse transposes
    (r"\operatorname{tr}(X^{-1} A)", "tr(inv(X) A)", lambda v: tr(inv(v["X"]) @ v["A"])),
    (r"\operatorname{tr}(X^{-\top} A)", "tr(X^-T A)", lambda v: tr(inv(v["X"]).T @ v["A"])),
    ("tr(X⁻¹ A)", "tr(inv(X) A)", lambda v: tr(inv(v["X"]) @ v["A"])),
    ("tr(X⁻ᵀ A)", "tr(X^-T A)", lambda v: tr(inv(v["X"]).T @ v["A"])),
    (
        "tr(X² A) + tr(X³)",
        "tr(X^2 A) + tr(X^3)",
        lambda v: tr(v["X"] @ v["X"] @ v["A"]) + tr(np.linalg.matrix_power(v["X"], 3)),
    ),
    # determinants and log-determinants
    (r"\log\det(\Sigma)", "logdet(Sigma)", lambda v: np.log(det(v["S"]))),
    (r"\log \det \Sigma", "logdet(Sigma)", lambda v: np.log(det(v["S"]))),
    (r"\log|\Sigma|", "log|Sigma|", lambda v: np.log(det(v["S"]))),
    (r"\log\left|\boldsymbol{\Sigma}\right|", "log|Sigma|", lambda v: np.log(det(v["S"]))),
    (r"\ln\lvert S \rvert", "log|S|", lambda v: np.log(det(v["S"]))),
    ("ln|S|", "log|S|", lambda v: np.log(det(v["S"]))),
    (r"\det X^{-1}", "det(inv(X))", lambda v: det(inv(v["X"]))),
    (r"\left|X\right| + \lvert A \rvert", "|X| + |A|", lambda v: det(v["X"]) + det(v["A"])),
    # the Gaussian negative log-likelihood, as pasted
    (
        r"\log\det(\Sigma) + \mathbf{x}^\top \Sigma^{-1} \mathbf{x}",
        "logdet(Sigma) + x' inv(Sigma) x",
        lambda v: np.log(det(v["S"])) + v["x"] @ inv(v["S"]) @ v["x"],
    ),
    (
        "log|Σ| + x' Σ⁻¹ x",
        "logdet(Sigma) + x' inv(Sigma) x",
        lambda v: np.log(det(v["S"])) + v["x"] @ inv(v["S"]) @ v["x"],
    ),
    # ridge regression: \frac, norms with subscripts and squares, a Greek scalar
    (
        r"\frac{1}{2}\|\mathbf{X}\mathbf{w} - \mathbf{y}\|_2^2 + \frac{\lambda}{2}\|\mathbf{w}\|^2",
        "0.5 norm2(X w - y)^2 + lambda / 2 norm2(w)^2",
        lambda v: 0.5 * np.sum((v["X"] @ v["w"] - v["y"]) ** 2) + 0.7 / 2 * np.sum(v["w"] ** 2),
    ),
    (
        "norm2(X w - y)^2 + lambda norm2(w)^2",
        "norm2(X w - y)^2 + lambda norm2(w)^2",
        lambda v: np.sum((v["X"] @ v["w"] - v["y"]) ** 2) + 0.7 * np.sum(v["w"] ** 2),
    ),
    (
        "||X w - y||^2 + λ ||w||_2^2",
        "norm2(X w - y)^2 + lambda norm2(w)^2",
        lambda v: np.sum((v["X"] @ v["w"] - v["y"]) ** 2) + 0.7 * np.sum(v["w"] ** 2),
    ),
    (
        "‖X w - y‖² + λ ‖w‖²",
        "norm2(X w - y)^2 + lambda norm2(w)^2",
        lambda v: np.sum((v["X"] @ v["w"] - v["y"]) ** 2) + 0.7 * np.sum(v["w"] ** 2),
    ),
    ("||X||_F", "norm2(X)", lambda v: np.linalg.norm(v["X"])),
    (r"\|X\|_F^2", "norm2(X)^2", lambda v: np.sum(v["X"] ** 2)),
    ("‖x‖₂", "norm2(x)", lambda v: np.linalg.norm(v["x"])),
    # elementwise products, sigmoid, exp, sqrt
    ("A ⊙ B", "A .* B", lambda v: v["A"] * v["B"]),
    # braces written as delimiters group (they were an "unmatched" error)
    (
        r"2 \{ \mathbf{x}^\top \mathbf{A} \mathbf{x} \}",
        "2 (x' A x)",
        lambda v: 2 * v["x"] @ v["A"] @ v["x"],
    ),
    (
        r"\left\{ \mathbf{w} + \mathbf{x} \right\}^\top \mathbf{x}",
        "(w + x)' x",
        lambda v: (v["w"] + v["x"]) @ v["x"],
    ),
    (r"\Big\{ \mathbf{x} \Big\}^\top \mathbf{x}", "x' x", lambda v: v["x"] @ v["x"]),
    # accents make one symbol: \hat{y} is the name y_hat (a vector, as y would be)
    (r"\hat{\mathbf{y}}^\top \mathbf{x}", "y_hat' x", lambda v: v["y"] @ v["x"]),
    (
        r"\bar{\mathbf{y}}^\top \mathbf{A} \mathbf{x}",
        "y_bar' A x",
        lambda v: v["y"] @ v["A"] @ v["x"],
    ),
    # ReLU as papers write it: \operatorname{ReLU}(u), \max(0, u), \max\{0, u\}, \max(u, 0)
    (
        r"\operatorname{ReLU}(\mathbf{A}\mathbf{x})",
        "relu(A x)",
        lambda v: np.maximum(v["A"] @ v["x"], 0),
    ),
    (r"\max(0, \mathbf{A}\mathbf{x})", "relu(A x)", lambda v: np.maximum(v["A"] @ v["x"], 0)),
    (
        r"\max\{0, \mathbf{x} - \mathbf{w}\}",
        "relu(x - w)",
        lambda v: np.maximum(v["x"] - v["w"], 0),
    ),
    (
        r"\max\left(\mathbf{A}\mathbf{x} - \langle x, w\rangle, 0\right)",
        "relu(A x - sum(x .* w))",
        lambda v: np.maximum(v["A"] @ v["x"] - v["x"] @ v["w"], 0),
    ),
    # e^{u}, e undeclared, is the exponential (with a ReadAsExp note)
    (
        r"e^{-\frac{1}{2}\mathbf{x}^\top \mathbf{x}}",
        "exp(-0.5 x' x)",
        lambda v: np.exp(-0.5 * v["x"] @ v["x"]),
    ),
    # \frac12 and \frac1n: TeX takes one character for each argument
    (r"\frac12 \mathbf{x}^\top \mathbf{y}", "0.5 x' y", lambda v: 0.5 * v["x"] @ v["y"]),
    # a norm's power written before its subscript: \|x\|^2_2 is \|x\|_2^2
    (
        r"\| \mathbf{x} - \mathbf{y} \|^2_2",
        "norm2(x - y)^2",
        lambda v: np.sum((v["x"] - v["y"]) ** 2),
    ),
    # ... and a one-letter scalar power likewise: \|x - y\|^p_2 is norm2(x - y)^p
    (
        r"\| \mathbf{x} - \mathbf{y} \|^{p}_{2}",
        "norm2(x - y)^p",
        lambda v: np.linalg.norm(v["x"] - v["y"]) ** 0.7,
    ),
    # characters pasted from PDFs: the minus sign −, the prime ′, the parallel sign ∥
    ("x′ A x − y′ x", "x' A x - y' x", lambda v: v["x"] @ v["A"] @ v["x"] - v["y"] @ v["x"]),
    ("∥x − y∥", "norm2(x - y)", lambda v: np.linalg.norm(v["x"] - v["y"])),
    # ... and from word processors: the quotation mark ’ for ', the en dash – for -, the
    # asterisk operator ∗; a PDF's bold or italic math letters 𝐱, 𝐀, 𝑥, 𝜆 as the plain letters
    ("x’ A x – y’ x", "x' A x - y' x", lambda v: v["x"] @ v["A"] @ v["x"] - v["y"] @ v["x"]),
    ("𝐱' 𝐀 𝐱 ∗ 2", "x' A x * 2", lambda v: 2 * v["x"] @ v["A"] @ v["x"]),
    (
        "𝑥ᵀ 𝐴 𝑥 + 𝜆 𝐲' 𝐱",
        "x' A x + lambda y' x",
        lambda v: v["x"] @ v["A"] @ v["x"] + 0.7 * v["y"] @ v["x"],
    ),
    # a bold symbol's subscript reads as a plain one's: an entry, a name, the identity's size
    (r"\mathbf{A}_{a,b} \mathbf{x}_{b}", "A[a,b] x[b]", lambda v: v["A"] @ v["x"]),
    (
        r"\mathbf{x}^\top \mathbf{I}_n \mathbf{x} + \mathbf{W}_{1}\mathbf{x}",
        "x' I x + W_1 x",
        lambda v: v["x"] @ v["x"] + v["A"] @ v["x"],
    ),
    # the upright e of Euler's number, \mathrm{e}^{u}, too
    (
        r"\mathrm{e}^{\mathbf{w}^\top \mathbf{x}} \mathbf{x}",
        "exp(w' x) x",
        lambda v: np.exp(v["w"] @ v["x"]) * v["x"],
    ),
    (
        r"\log(1 + e^{\mathbf{w}^\top \mathbf{x}})",
        "log(1 + exp(w' x))",
        lambda v: np.log1p(np.exp(v["w"] @ v["x"])),
    ),
    # a subscripted Greek letter is a scalar like the letter: \lambda_1 x'x
    (r"\lambda_1 \mathbf{x}^\top \mathbf{x}", "lambda_1 x' x", lambda v: 0.7 * v["x"] @ v["x"]),
    # the inner product <a, b> = sum(a .* b): a' b of vectors, tr(A' B) of matrices
    (r"\langle \mathbf{w}, \mathbf{x} \rangle", "w' x", lambda v: v["w"] @ v["x"]),
    ("\\lambda ⟨w, A x⟩", "lambda w' A x", lambda v: 0.7 * v["w"] @ v["A"] @ v["x"]),
    (r"\left\langle A, B \right\rangle_F", "tr(A' B)", lambda v: np.trace(v["A"].T @ v["B"])),
    (
        r"\langle \operatorname{kron}(A, B), \operatorname{kron}(B, A) \rangle",
        "tr(kron(A, B)' kron(B, A))",
        lambda v: np.sum(np.kron(v["A"], v["B"]) * np.kron(v["B"], v["A"])),
    ),
    (
        r"\left\langle A, B \right\rangle_{\mathrm{F}}",
        "tr(A' B)",
        lambda v: np.trace(v["A"].T @ v["B"]),
    ),
    (r"\|\mathbf{A}\|_{\mathrm{F}}^2", "norm2(A)^2", lambda v: np.sum(v["A"] ** 2)),
    # a · b of two column vectors is their inner product a' b (SPEC 6.2); a product otherwise
    ("w · x", "w' x", lambda v: v["w"] @ v["x"]),
    ("w ⋅ x", "w' x", lambda v: v["w"] @ v["x"]),
    (r"\mathbf{w} \cdot \mathbf{x}", "w' x", lambda v: v["w"] @ v["x"]),
    ("(A x) · w", "(A x)' w", lambda v: (v["A"] @ v["x"]) @ v["w"]),
    (r"\exp(\mathbf{w} \cdot \mathbf{x})", "exp(w' x)", lambda v: np.exp(v["w"] @ v["x"])),
    ("A · x", "A x", lambda v: v["A"] @ v["x"]),
    ("w' · x", "w' x", lambda v: v["w"] @ v["x"]),
    ("x · w'", "x w'", lambda v: np.outer(v["x"], v["w"])),
    ("(w · x) x", "w' x x", lambda v: (v["w"] @ v["x"]) * v["x"]),
    ("A · B", "A B", lambda v: v["A"] @ v["B"]),
    # · binds more loosely than juxtaposition: w · A x is w · (A x), the form w' A x
    ("w · A x", "w' A x", lambda v: v["w"] @ v["A"] @ v["x"]),
    # a column's index contracts with the next one: w · A · x is w' A x (w · A is the row w' A)
    ("w · A · x", "w' A x", lambda v: v["w"] @ v["A"] @ v["x"]),
    (r"\mathbf{w} \cdot \mathbf{A}", "w' A", lambda v: v["w"] @ v["A"]),
    (
        r"\mathbf{w} \cdot \mathbf{A} \mathbf{x} + 1",
        "w' A x + 1",
        lambda v: v["w"] @ v["A"] @ v["x"] + 1,
    ),
    ("A ∘ B", "A .* B", lambda v: v["A"] * v["B"]),
    (r"A \odot B", "A .* B", lambda v: v["A"] * v["B"]),
    (
        r"\sigma(\mathbf{w}^\top \mathbf{x})",
        "sigmoid(w' x)",
        lambda v: 1 / (1 + np.exp(-(v["w"] @ v["x"]))),
    ),
    ("σ(w' x)", "sigmoid(w' x)", lambda v: 1 / (1 + np.exp(-(v["w"] @ v["x"])))),
    (r"\mathbf{1}^\top \exp(\mathbf{x})", "ones' exp(x)", lambda v: np.sum(np.exp(v["x"]))),
    (
        r"\exp\left(-\frac{1}{2} \mathbf{x}^\top \mathbf{x}\right)",
        "exp(-0.5 x' x)",
        lambda v: np.exp(-0.5 * v["x"] @ v["x"]),
    ),
    (r"\sqrt{\mathbf{x}^\top \mathbf{x}}", "sqrt(x' x)", lambda v: np.sqrt(v["x"] @ v["x"])),
    ("ln(x' x)", "log(x' x)", lambda v: np.log(v["x"] @ v["x"])),
    # the ML functions of SPEC 6.1 as papers write them
    (
        r"\operatorname{softmax}(\mathbf{A}\mathbf{x})",
        "softmax(A x)",
        lambda v: np.exp(v["A"] @ v["x"]) / np.sum(np.exp(v["A"] @ v["x"])),
    ),
    (r"\mathrm{logsumexp}(\mathbf{x})", "logsumexp(x)", lambda v: np.log(np.sum(np.exp(v["x"])))),
    (r"\operatorname{LSE}(\mathbf{x})", "logsumexp(x)", lambda v: np.log(np.sum(np.exp(v["x"])))),
    ("lse(x)", "logsumexp(x)", lambda v: np.log(np.sum(np.exp(v["x"])))),
    (
        r"\operatorname{log\_softmax}(\mathbf{x})",
        "log_softmax(x)",
        lambda v: v["x"] - np.log(np.sum(np.exp(v["x"]))),
    ),
    (
        r"\operatorname{erf}(\mathbf{x})",
        "erf(x)",
        lambda v: np.array([math.erf(t) for t in v["x"]]),
    ),
    (
        r"\operatorname{adj}(\mathbf{A}^\top \mathbf{A})",
        "adj(A' A)",
        lambda v: np.linalg.det(v["A"].T @ v["A"]) * np.linalg.inv(v["A"].T @ v["A"]),
    ),
    # spacing commands are ignored; subscripts are part of names
    (
        r"\mathbf{x}^\top\, \mathbf{A} \; \mathbf{x} \quad",
        "x' A x",
        lambda v: v["x"] @ v["A"] @ v["x"],
    ),
    (r"\mathbf{W}_1 \mathbf{x}", "W_1 x", lambda v: v["A"] @ v["x"]),
    # without braces a font takes one symbol, as in TeX
    (r"\mathbf x^\top \mathbf A \mathbf x", "x' A x", lambda v: v["x"] @ v["A"] @ v["x"]),
    (r"\bm W_1 \mathbf x", "W_1 x", lambda v: v["A"] @ v["x"]),
    (r"\mathbf 1^\top \mathbf xy", "ones' x y", lambda v: np.sum(v["x"]) * v["y"]),
    (r"\boldsymbol\lambda \mathbf x", "lambda x", lambda v: 0.7 * v["x"]),
]


def _values(written: str, plain: str, arrays: dict) -> tuple:
    names = {"W_1": "A", "lambda": None, "y_hat": "y", "y_bar": "y"}
    f, g = ed.parse(written), ed.parse(plain)
    assert set(f.variables) == set(g.variables), (written, f.variables, g.variables)
    args = {}
    for name in f.variables:
        if name in ("lambda", "lambda_1", "p"):
            args[name] = 0.7
        else:
            args[name] = arrays[names.get(name, name) or name]
    return f(**args), g(**args)


@pytest.mark.parametrize("written, plain, oracle", SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_spelling_reads_as_the_plain_form(written, plain, oracle):
    arrays = _arrays()
    f, g = _values(written, plain, arrays)
    np.testing.assert_allclose(f, oracle(arrays), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(f, g, rtol=1e-12, atol=1e-14)


def test_an_inner_product_written_with_a_dot_differentiates_as_one():
    # d exp(w · x) / dw = exp(w' x) x'; two columns of different sizes are refused
    arrays = _arrays()
    w, x = arrays["w"], arrays["x"]
    g = ed.diff(r"\exp(\mathbf{w} \cdot \mathbf{x})", "w")
    expected = _fd_gradient(lambda w: np.exp(w @ x), w)
    np.testing.assert_allclose(np.ravel(g(w=w, x=x)), expected, rtol=1e-6)
    np.testing.assert_allclose(np.ravel(ed.parse(str(g))(w=w, x=x)), expected, rtol=1e-6)
    with pytest.raises(ed.ShapeError, match="needs equal sizes"):
        ed.parse("x · y", where="x: vector(3); y: vector(4)")
    with pytest.raises(ed.ShapeError, match="for their inner product write `x' y`"):
        ed.parse("x y")


def test_a_function_without_parentheses_takes_the_next_symbol_with_its_scripts():
    # \log x^\top x is log(x)' x: the argument is x^\top, the symbol with its superscripts;
    # a product going on after it is said (\operatorname{tr} X^\top A X is tr(X') A X)
    x = np.abs(RNG.standard_normal(4)) + 0.5
    with pytest.warns(ed.errors.ReadAsProduct, match="log of the next symbol only"):
        f = ed.parse(r"\log x^\top x")
    np.testing.assert_allclose(f(x=x), np.log(x) @ x, rtol=1e-12)
    with pytest.warns(ed.errors.ReadAsProduct, match="write tr"):
        ed.parse(r"\operatorname{tr} X^\top A X")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the argument ends the term: nothing to say
        ed.parse(r"\log\det\Sigma + \log x^\top \cdot y")


def _fd_gradient(fun, x0, h=1e-6):
    grad = np.zeros_like(x0)
    for idx in np.ndindex(*x0.shape):
        e = np.zeros_like(x0)
        e[idx] = h
        grad[idx] = (fun(x0 + e) - fun(x0 - e)) / (2 * h)
    return grad


def test_gaussian_likelihood_pasted_as_latex_derivatives():
    # d/dSigma [log|Sigma| + x' Sigma^-1 x] = Sigma^-T - Sigma^-T x x' Sigma^-T (denominator)
    text = r"\log\det(\boldsymbol{\Sigma}) + \mathbf{x}^\top \boldsymbol{\Sigma}^{-1} \mathbf{x}"
    v = _arrays()
    S, x = v["S"], v["x"]

    def nll(S_, x_=x):
        return np.log(np.linalg.det(S_)) + x_ @ np.linalg.inv(S_) @ x_

    g = ed.diff(text, "Sigma", layout="denominator")
    np.testing.assert_allclose(g(Sigma=S, x=x), _fd_gradient(nll, S), rtol=1e-6, atol=1e-8)
    gx = ed.diff(text, "x", layout="denominator")
    np.testing.assert_allclose(
        gx(Sigma=S, x=x), _fd_gradient(lambda x_: nll(S, x_), x), rtol=1e-6, atol=1e-8
    )


def test_ridge_loss_pasted_as_latex_gradient():
    # d/dw [1/2 ||Xw - y||^2 + lambda/2 ||w||^2] = X'(Xw - y) + lambda w
    text = (
        r"\frac{1}{2}\|\mathbf{X}\mathbf{w} - \mathbf{y}\|_2^2 + \frac{\lambda}{2}\|\mathbf{w}\|^2"
    )
    v = _arrays()
    X, y, w, lam = v["X"], v["y"], v["w"], 0.3

    def loss(w_):
        return 0.5 * np.sum((X @ w_ - y) ** 2) + lam / 2 * np.sum(w_**2)

    g = ed.diff(text, "w", layout="denominator")
    assert g.shape == ("n",) or len(g.shape) == 1  # lambda is a scalar: the gradient is a vector
    np.testing.assert_allclose(g(X=X, y=y, w=w, **{"lambda": lam}), _fd_gradient(loss, w),
                               rtol=1e-6, atol=1e-8)  # fmt: skip


# ---- kinds by use (SPEC 6.3) ------------------------------------------------------------------


def test_greek_names_are_scalars():
    # lambda norm2(w)^2: lambda is a scalar, so the loss is a scalar
    f = ed.parse("norm2(X w - y)^2 + lambda norm2(w)^2")
    assert f.shape == ()
    assert ed.parse("alpha x + beta y").shape == ("n",) or len(ed.parse("alpha x").shape) == 1


@pytest.mark.parametrize("name", sorted(greek.NAMES - {"delta"}))
def test_every_greek_letter_is_one_name_written_three_ways(name):
    # λ, \lambda and lambda are one name, never the product of its letters (l a m ...); a
    # lower-case Greek name is a scalar, an upper-case one a matrix; its LaTeX reads back
    letter = next((c for c, n in greek.LETTERS.items() if n == name), None)
    x = RNG.standard_normal(3)
    A = RNG.standard_normal((3, 3))
    scalar = name[0].islower()
    value = 0.7 if scalar else RNG.standard_normal((3, 3))
    expected = value * x if scalar else value @ x + A @ x
    texts = [f"{name} x", f"\\{name} x"] if scalar else [f"({name} + A) x", f"(\\{name} + A) x"]
    texts += [t.replace(name, letter, 1) for t in texts[:1]] if letter else []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no note: nothing was split or guessed (\pi: a note
        warnings.filterwarnings("ignore", message=r"read \\?pi ")  # that papers mean 3.14...)
        for text in texts:
            f = ed.parse(text, where="x: vector(3); A: matrix(3, 3)")
            assert f.variables.keys() >= {name}, text
            got = f(**{name: value, "x": x, "A": A})
            np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=text)
            back = ed.parse(f.latex(), where="x: vector(3); A: matrix(3, 3)")
            np.testing.assert_allclose(back(**{name: value, "x": x, "A": A}), expected)


def test_a_divisor_is_a_scalar():
    # sum(x) / n is the mean: n is a scalar
    f = ed.parse("sum(x) / n")
    x = RNG.standard_normal(5)
    np.testing.assert_allclose(f(x=x, n=5.0), np.mean(x))
    g = ed.parse("x / (m - 1)")
    np.testing.assert_allclose(g(x=x, m=3.0), x / 2)
    # the x inside a norm in a divisor is not forced: x / norm2(x) normalises a vector
    h = ed.parse("x / norm2(x)")
    np.testing.assert_allclose(h(x=x), x / np.linalg.norm(x))


@pytest.mark.parametrize(
    "text, f",
    [
        # the Rayleigh quotient x' A x / x' x: a row times a column in the divisor forces no
        # scalar (x was read as a scalar there, and the derivative printed 0)
        ("x' A x / (x' x)", lambda x, A, b: x @ A @ x / (x @ x)),
        ("log(x' A x / (x' x))", lambda x, A, b: np.log(x @ A @ x / (x @ x))),
        ("x' A x / (1 + x' x)", lambda x, A, b: x @ A @ x / (1 + x @ x)),
        ("b' x / (b' b + x' x)", lambda x, A, b: b @ x / (b @ b + x @ x)),
    ],
)
def test_an_inner_product_in_a_divisor_forces_no_scalar(text, f):
    x, b = RNG.standard_normal(N), RNG.standard_normal(N)
    A = RNG.standard_normal((N, N)) + 4 * np.eye(N)  # x' A x > 0 for the logarithm
    A = A @ A.T
    g = ed.diff(text, "x")
    assert g.shape == ("n",)
    h = 1e-6
    numeric = [(f(x + h * e, A, b) - f(x - h * e, A, b)) / (2 * h) for e in np.eye(N)]
    values = {"x": x, "A": A, "b": b}
    np.testing.assert_allclose(g(**{k: values[k] for k in g.variables}), numeric, rtol=1e-6)
    back = ed.parse(str(g))
    np.testing.assert_allclose(back(**{k: values[k] for k in back.variables}), numeric, rtol=1e-6)
    # a scalar product without a transposed factor still forces its names: / (2 n), / (n m)
    assert ed.parse("x / (2 n m)").variables["m"].kind == "scalar"


def test_a_name_before_an_inner_product_in_a_divisor_is_a_scalar():
    # y / (s x' x): a column s before the row x' would make s x' x a matrix, so s is a scalar
    # (and x, in the inner product, a vector); d (y / (s x' x)) / dx = -2 y x' / (s (x' x)^2)
    f = ed.parse("y / (s x' x)")
    assert f.variables["s"].kind == "scalar" and f.variables["x"].kind == "vector"
    x, y, s = RNG.standard_normal(N), RNG.standard_normal(N), 1.3
    g = ed.diff(f, "x")
    h = 1e-6
    numeric = np.stack(
        [(y / (s * (x + h * e) @ (x + h * e)) - y / (s * (x - h * e) @ (x - h * e))) / (2 * h)
         for e in np.eye(N)], axis=1,
    )  # fmt: skip
    for printed in (str(g), g.index()):  # -2 s y x' / (s x' x)^2: s a scalar by its use
        np.testing.assert_allclose(ed.parse(printed)(x=x, y=y, s=s), numeric, rtol=1e-6)


def test_an_elementwise_exponent_is_a_scalar():
    x = np.abs(RNG.standard_normal(4)) + 0.1
    np.testing.assert_allclose(ed.parse("x .^ p")(x=x, p=1.5), x**1.5)


@pytest.mark.parametrize(
    "text, f",
    [
        ("sum(2 .^ (A x))", lambda A, x, y: np.sum(2.0 ** (A @ x))),
        ("sum(y .^ (A x))", lambda A, x, y: np.sum(y ** (A @ x))),
        ("sum(y .^ (W' W x))", lambda A, x, y: np.sum(y ** (A.T @ A @ x))),
    ],
)
def test_an_elementwise_exponent_by_a_matrix_is_a_vector(text, f):
    # d sum(2 .^ (A x)) / dx = log(2) (2 .^ (A x))' A: the exponent A x, A a matrix by its
    # case, is a vector .^ takes entry by entry; A and x were read as scalars (a derivative by
    # a scalar x, silently). Against numpy central differences
    A, x, y = RNG.standard_normal((3, 3)), RNG.standard_normal(3), np.abs(RNG.standard_normal(3))
    values = {"A": A, "W": A, "x": x, "y": y + 0.5}
    g = ed.diff(text, "x")
    h = 1e-6
    numeric = np.array(
        [(f(A, x + h * e, y + 0.5) - f(A, x - h * e, y + 0.5)) / (2 * h) for e in np.eye(3)]
    )
    np.testing.assert_allclose(
        g(**{k: v for k, v in values.items() if k in g.variables}), numeric, rtol=1e-6
    )


@pytest.mark.parametrize(
    "text, wrt, where, numpy_f",
    [
        # d 2^(a' x) / dx = log(2) 2^(a' x) a': x stays a vector (was "x is an integer")
        ("2^(a' x)", "x", None, lambda x, a, t: 2.0 ** (a @ x)),
        (r"2^{\mathbf{x}^\top \mathbf{x}}", "x", None, lambda x, a, t: 2.0 ** (x @ x)),
        # d 2^t / dt = log(2) 2^t: the exponent of a scalar base is a real scalar (SPEC 6.3)
        ("2^t", "t", None, lambda x, a, t: 2.0**t),
        ("s^(t a' x)", "t", "s: scalar", lambda x, a, t: 1.5 ** (t * (a @ x))),
        # a sum or product of scalars is written as a scalar too (lambda = 1.5 below)
        ("(1 + lambda)^t", "t", None, lambda x, a, t: 2.5**t),
        ("sqrt(2)^(a' x)", "x", None, lambda x, a, t: np.sqrt(2) ** (a @ x)),
        # so is a scalar-valued function, and a power by a fraction: d ||x||^t / dx =
        # t ||x||^(t-2) x', printed ((x' x)^0.5)^(t - 1) t x' / norm2(x), which reads back
        ("norm2(x)^t", "x", None, lambda x, a, t: np.linalg.norm(x) ** t),
        ("norm2(x)^t", "t", None, lambda x, a, t: np.linalg.norm(x) ** t),
        ("tr(x x')^t", "t", None, lambda x, a, t: (x @ x) ** t),
        # and a base that is a scalar by its shape only (an inner product, logsumexp of a
        # vector, exp of one): t was an integer, so t = 0.7 was refused
        ("(x' x)^t", "t", None, lambda x, a, t: (x @ x) ** t),
        ("(x' x)^(t - 1)", "x", None, lambda x, a, t: (x @ x) ** (t - 1)),
        ("logsumexp(x)^t", "t", None, lambda x, a, t: np.log(np.sum(np.exp(x))) ** t),
        ("exp(a' x)^t", "x", None, lambda x, a, t: np.exp(a @ x) ** t),
    ],
)
def test_the_exponent_of_a_scalar_base_is_real(text, wrt, where, numpy_f):
    x, a = RNG.standard_normal(3) / 2, RNG.standard_normal(3) / 2
    values = {"x": x, "a": a, "t": 0.7}
    g = ed.diff(text, wrt, where=where)
    args = {name: values.get(name, 1.5) for name in g.variables}
    at = {"x": x, "a": a, "t": np.array(0.7)}[wrt]
    expected = _fd_gradient(lambda v: numpy_f(**{**values, wrt: v}), at)
    np.testing.assert_allclose(np.ravel(g(**args)), np.ravel(expected), rtol=1e-6)
    back = ed.parse(str(g), where=where)
    np.testing.assert_allclose(np.ravel(back(**args)), np.ravel(expected), rtol=1e-6)


def test_a_greek_name_declared_a_matrix_has_matrix_powers():
    # tr(sigma^k) with sigma: symmetric(n): sigma is a matrix, so k is an integer
    f = ed.parse("tr(sigma^k)", where="sigma: symmetric(n)")
    assert f.variables["k"].kind == "integer"
    S = RNG.standard_normal((3, 3))
    S = S + S.T
    np.testing.assert_allclose(f(sigma=S, k=2), np.trace(S @ S))


def test_a_name_also_in_a_matrix_power_exponent_stays_an_integer():
    # tr(X^k) 2^k: k is the exponent of a matrix power, so an integer (2^k is then defined too)
    f = ed.parse("tr(X^k) 2^k")
    assert f.variables["k"].kind == "integer"
    X = RNG.standard_normal((3, 3))
    np.testing.assert_allclose(f(X=X, k=3), np.trace(X @ X @ X) * 8.0)


def test_an_exponent_of_an_inner_product_that_is_also_a_bound_or_a_size_stays_an_integer():
    # sum_{i=1}^{k}(i) + (x' x)^k = k (k + 1) / 2 + (x' x)^k: k bounds a sum, so an integer.
    # Read as a real scalar, evaluating asked for k even when given, and d/dk was
    # (x' x)^k log(x' x), without the bound's part: now d/dk is refused (k is an integer)
    x = RNG.standard_normal(3)
    f = ed.parse("sum_{i=1}^{k}(i) + (x' x)^k")
    np.testing.assert_allclose(f(x=x, k=3), 6.0 + (x @ x) ** 3)
    with pytest.raises(ed.EinderivError, match="integer"):
        ed.diff("sum_{i=1}^{k}(i) + (x' x)^k", "k")
    # (x' x)^n x with x: vector(n): n is the size of x, taken from the array as before
    g = ed.parse("(x' x)^n x", where="x: vector(n)")
    np.testing.assert_allclose(g(x=x), (x @ x) ** 3 * x)


def test_a_name_in_the_base_of_an_inner_product_power_is_not_made_a_scalar():
    # (x' x)^(a' x): x and a are transposed, so vectors (SPEC 1), never integers for standing
    # in an exponent (read so, x' x was x^2 and d/da the derivative of (x^2)^(a x), silently);
    # f = (x' x)^(a' x), df/dx = f (log(x' x) a' + (a' x) 2 x' / (x' x)), df/da = f log(x' x) x'
    x, a = np.array([0.8, -0.5, 1.1]), np.array([0.3, 0.7, -0.4])

    def f(x, a):
        return (x @ x) ** (a @ x)

    for wrt, at in (("x", 0), ("a", 1)):
        g = ed.diff("(x' x)^(a' x)", wrt)
        args = [x, a]
        fd = []
        for step in np.eye(3) * 1e-6:
            up, down = list(args), list(args)
            up[at], down[at] = args[at] + step, args[at] - step
            fd.append((f(*up) - f(*down)) / 2e-6)
        np.testing.assert_allclose(g(x=x, a=a), fd, rtol=1e-6)
    # the y of a' y is a vector like a: (x' x)^(a' y) by y is f log(x' x) a'
    y = np.array([0.2, -0.9, 0.5])
    fd = [((x @ x) ** (a @ (y + s)) - (x @ x) ** (a @ (y - s))) / 2e-6 for s in np.eye(3) * 1e-6]
    np.testing.assert_allclose(ed.diff("(x' x)^(a' y)", "y")(x=x, a=a, y=y), fd, rtol=1e-6)
    # a · x is a' x (SPEC 6.2): (x · x)^(a · x) by a is f log(x' x) x', a and x vectors
    fd = [((x @ x) ** ((a + s) @ x) - (x @ x) ** ((a - s) @ x)) / 2e-6 for s in np.eye(3) * 1e-6]
    np.testing.assert_allclose(ed.diff("(x · x)^(a · x)", "a")(x=x, a=a), fd, rtol=1e-6)
    # a transposed name in a matrix power's exponent is a vector, and the error says how to
    # make it the integer a matrix power needs (`k: scalar` was said, and then refused)
    with pytest.raises(ed.ShapeError, match="declare `k: integer`"):
        ed.parse("tr(X^k) k'")
    assert ed.parse("tr(X^k) k'", where="k: integer").variables["k"].kind == "integer"


# (y' y)^E with a name only inside E as an argument (a vector's sum, a' x behind a number, the
# x of (A x)' a): read as integers, then real scalars, for standing in an exponent, these were
# silently numbers ((y' y)^sum(x) was (y' y)^x; (A x)' a was A x a of three numbers), or
# refused (2 a' x: a vector a times a number x). Their kinds are their case's (SPEC 1): the
# derivative by x of f = (y' y)^E(x) is f log(y' y) dE/dx, E of vectors and a matrix A.
EXPONENTS = [
    ("sum(x)", lambda x, a, A: np.sum(x)),
    ("norm2(x)", lambda x, a, A: np.linalg.norm(x)),
    ("mean(x)", lambda x, a, A: np.mean(x)),
    ("2 a' x", lambda x, a, A: 2 * a @ x),
    ("a' (x + a)", lambda x, a, A: a @ (x + a)),
    ("(A x)' a", lambda x, a, A: (A @ x) @ a),
    ("sum(a .* x)", lambda x, a, A: np.sum(a * x)),
]


@pytest.mark.parametrize("exponent, plain", EXPONENTS)
def test_a_name_inside_an_exponent_keeps_its_case_kind(exponent, plain):
    rng = np.random.default_rng(3)
    x, a, A, y = rng.normal(size=3), rng.normal(size=3), rng.normal(size=(3, 3)), rng.normal(size=4)
    values = {"x": x, "a": a, "A": A, "y": y}
    text = f"(y' y)^({exponent})"
    f, g = ed.parse(text), ed.diff(text, "x")
    for name, info in f.variables.items():
        assert info.kind == ("matrix" if name == "A" else "vector"), (name, info.kind)
    value = (y @ y) ** plain(x, a, A)
    np.testing.assert_allclose(f(**{k: values[k] for k in f.variables}), value, rtol=1e-12)
    steps = np.eye(3) * 1e-6
    fd = [((y @ y) ** plain(x + s, a, A) - (y @ y) ** plain(x - s, a, A)) / 2e-6 for s in steps]
    got = g(**{k: values[k] for k in g.variables})
    np.testing.assert_allclose(np.ravel(got), fd, rtol=1e-6)


def test_a_power_of_a_negative_number_has_an_integer_exponent():
    # (-1)^k x' x: (-1)^k is real only at integers, so k is an integer (as in X^k), not the
    # real scalar of 2^t; d/dx = 2 (-1)^k x' (numpy below, at k = 3)
    f = ed.parse("(-1)^k x' x")
    assert f.variables["k"].kind == "integer"
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(f(x=x, k=3), -(x @ x))
    fd = [((x + e) @ (x + e) - (x - e) @ (x - e)) / 2e-6 * -1 for e in np.eye(3) * 1e-6]
    np.testing.assert_allclose(ed.diff(f, "x")(x=x, k=3), fd, rtol=1e-6)
    assert ed.check("(-1)^k x' x", "x", "(-1)^k 2 x'").verdict == "right"
    assert ed.check("(-1)^k x' x", "x", "2 x'").verdict == "wrong"


def test_letters_written_together_are_a_product_with_a_warning():
    # x'Ax is x' A x
    with pytest.warns(ed.errors.ReadAsProduct, match="'Ax' as the product A x"):
        f = ed.parse("x'Ax")
    v = _arrays()
    np.testing.assert_allclose(f(x=v["x"], A=v["A"]), v["x"] @ v["A"] @ v["x"])
    with pytest.warns(ed.errors.ReadAsProduct):
        g = ed.diff("tr(X'AX)", "X", layout="denominator")
    X, A = v["X"], v["A"]
    np.testing.assert_allclose(g(X=X, A=A), (A + A.T) @ X)


@pytest.mark.parametrize(
    "text, oracle",
    [
        # a postfix operator right after the letters applies to the last one, as in LaTeX
        # (AB^\top is A B'): AB' is A B', never (A B)'; (AB)' keeps the product's transpose
        ("AB'", lambda A, B, X, x: A @ B.T),
        ("(AB)'", lambda A, B, X, x: (A @ B).T),
        ("ABᵀ", lambda A, B, X, x: A @ B.T),
        ("AB^-1", lambda A, B, X, x: A @ np.linalg.inv(B)),
        ("(AB)^-1", lambda A, B, X, x: np.linalg.inv(A @ B)),
        ("XX'", lambda A, B, X, x: X @ X.T),
        ("AB^2", lambda A, B, X, x: A @ B @ B),
        ("Ax.^2", lambda A, B, X, x: A @ x**2),
        ("tr(AB')", lambda A, B, X, x: np.trace(A @ B.T)),
        ("AB''X", lambda A, B, X, x: A @ B @ X),
        # ^T against more letters is the transpose, then a product (as TeX reads X^TX)
        ("X^TX", lambda A, B, X, x: X.T @ X),
        ("tr(X^TAX)", lambda A, B, X, x: np.trace(X.T @ A @ X)),
        ("x^TAx", lambda A, B, X, x: x @ A @ x),
        ("AB^TX", lambda A, B, X, x: A @ B.T @ X),
        # ... also when the letters after ^T have their own superscript: X^TX^2 was X to the
        # power T X^2 (X an integer, silently), x^TA^{-1}x an error on the exponent T A^-1
        ("X^TX^2", lambda A, B, X, x: X.T @ X @ X),
        ("x^TA^{-1}x", lambda A, B, X, x: x @ np.linalg.inv(A) @ x),
        ("x^TA^-1x", lambda A, B, X, x: x @ np.linalg.inv(A) @ x),
        ("tr(X^TX^{-1}A)", lambda A, B, X, x: np.trace(X.T @ np.linalg.inv(X) @ A)),
        ("x^TX^{-T}x", lambda A, B, X, x: x @ np.linalg.inv(X).T @ x),
        ("x^TAB^Tx", lambda A, B, X, x: x @ A @ B.T @ x),
        ("X^TAX^{-1}B", lambda A, B, X, x: X.T @ A @ np.linalg.inv(X) @ B),
        ("x^TAB^2x", lambda A, B, X, x: x @ A @ B @ B @ x),
        # ... and before a bracket: (Ax)^TB(Ax) was "unknown function 'TB'; did you mean 'Tr'?"
        ("(Ax)^TB(Ax)", lambda A, B, X, x: (A @ x) @ B @ (A @ x)),
        ("x^TA(x+x)", lambda A, B, X, x: x @ A @ (2 * x)),
    ],
)
def test_a_postfix_after_letters_written_together_is_the_last_letters(text, oracle):
    v = _arrays()
    with pytest.warns(ed.errors.ReadAsProduct):
        f = ed.parse(text)
    args = {k: v[k] for k in f.variables}
    np.testing.assert_allclose(f(**args), oracle(v["A"], v["B"], v["X"], v["x"]), rtol=1e-10)


def test_a_declared_name_of_several_letters_stays_one_name():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = ed.parse("lr x", where="lr: scalar")
    np.testing.assert_allclose(f(lr=0.5, x=np.ones(2)), [0.5, 0.5])


# ---- bad input: one clear error with a caret --------------------------------------------------


@pytest.mark.parametrize(
    "text, message, column",
    [
        (r"\foo(x)", r"unknown LaTeX command '\foo'", 1),
        (r"x + \foo", r"unknown LaTeX command '\foo'", 5),
        (r"\left( x + y", "unmatched", 1),
        (r"\operatorname{tr}(X", "unmatched '('", 18),
        (r"x \right)", "unmatched ')'", 3),
        (r"\frac{1}{2} \| x", "unmatched", 13),
        (r"\mathbf{x} lambda", "write \\lambda", 12),
        (r"\mathbf{x} log x", "write \\log", 12),
        ("x ** 2", "'**' is not an operator: write ^", 3),
        ("X**-1", "write ^ for a matrix power", 2),
        (r"x^\top A & x", "not part of a formula", 10),
        (r"\top x", "belongs in a superscript", 1),
        (r"\frac{\partial}{\partial x} x^\top x", "write the function only", 7),
        # log|X|^2: (log|X|)^2 or log(|X|^2)? Refused, both spelled (a power after the bars)
        ("log|X|^2", "write log(|X|^2) for the log of the power", 7),
        (r"\log\left|X\right|^{2}", "(log|X|)^2 for the power of the log", 19),
        # \operatorname{...}( names a function: an unknown one is refused, with a guess
        (
            r"\operatorname{sofmax}(\mathbf{x})",
            "unknown function 'sofmax'; did you mean softmax",
            1,
        ),
        # \max of zero and one argument only, either way round
        (r"\max(x, 1)", "only \\max(0, u) and \\max(u, 0) are read", 7),
        (r"\max(x)", "only \\max(0, u) and \\max(u, 0)", 1),
        (r"\max(x, y, 0)", "only \\max(0, u) and \\max(u, 0)", 1),
        (r"\hat{xy}", "takes one letter", 1),
        # a number right after a braced name: TeX sets \mathbf{x}2 as x2 (a name? a product?)
        (r"\mathbf{x}2 + y", "write x_{2} for a name, 2 x for a product", 11),
        (r"\left\{ x \right.", "unmatched '\\left\\{'", 1),
        # letters and digits together are refused in LaTeX (W1 would be W times 1), unless
        # declared
        ("W1 x + W_{2} y", "'W1' reads as W times 1 in LaTeX: write W_1", 1),
        # TeX reads \log1p as \log 1 p and ^10 as ^1 0: refused, with the spelling meant
        (r"\log1p(\alpha)", "write \\operatorname{log1p}", 1),
        (r"\alpha1 x", "write \\alpha_{1}", 1),
        (r"\alpha^10", "a superscript of several digits needs braces", 8),
        # a label that is not one name (layer l+1) is refused, never a power
        (r"\mathbf{1}^\top W^{(l+1)} x", "is a label, as in layer l+1", 18),
        ("⟨a, x⟩", "read in LaTeX input", 1),
        (r"\langle x, y", "unmatched '\\langle'", 1),
        (r"\langle x \rangle", "an inner product has two arguments", 11),
        (r"\langle x, y, z \rangle", "an inner product has two arguments", 13),
        (r"x \rangle", "no \\langle opens it", 3),
        (r"\langle x, y \rangle_2", "unknown inner product '_2'", 22),
        # a sum over an index, as papers write logsumexp: said how to write it, never a guess
        (r"\log\sum_j e^{z_j}", "(\\sum_j, sum_{i,j}) is not read: write sum(...)", 5),
        (r"\sum_{i,j} A_{i,j}", "an index repeated in a product is summed", 1),
        (r"x + \mathbf 0", "a zero matrix is written 0", 5),
        (r"x + \mathbf", "expected '{'", 12),
    ],
)
def test_bad_notation_is_a_parse_error_with_a_caret(text, message, column):
    with pytest.raises(ed.ParseError) as info:
        ed.parse(text)
    error = info.value
    assert message in str(error)
    assert error.column == column, str(error)
    assert "^" in str(error).splitlines()[-1] or "^" in str(error)


def test_norm_bars_do_not_break_nested_determinants():
    # ||X| A| is det(det(X) A): two bars, since no later || closes a norm
    v = _arrays()
    X, A = v["X"], v["A"]
    f = ed.parse("||X| A|")
    np.testing.assert_allclose(f(X=X, A=A), det(det(X) * A))
    # ||x|| is the norm
    np.testing.assert_allclose(ed.parse("||x||")(x=v["x"]), np.linalg.norm(v["x"]))


# ---- fuzz: LaTeX and Unicode input gives a value or an EinderivError ---------------------------

_PIECES = [
    "\\frac{", "}{", "}", "{", "\\left(", "\\right)", "\\left|", "\\right|", "\\|", "_2", "^2",
    "^\\top", "^{-1}", "^{-\\top}", "\\mathbf{x}", "\\mathbf{A}", "X", "x", "A", "\\log", "\\det",
    "\\operatorname{tr}", "(", ")", "+", "-", " ", "\\,", "\\cdot", "\\odot", "|", "||", "‖", "ᵀ",
    "⁻¹", "²", "λ", "σ(", "\\lambda", "\\sigma", "\\Sigma", "\\sqrt{", "1", "2", "\\foo", "_",
    "^", "\\mathrm{lr}", "\\lvert", "\\rvert", "I_n", "\\mathbf{1}", "[", "]", ",", "'",
    "\\operatorname{softmax}", "\\operatorname{log\\_softmax}", "\\operatorname{LSE}(",
    "\\mathrm{logsumexp}", "\\operatorname{erf}", "\\operatorname{adj}", "\\boldsymbol{\\mu}",
    "\\langle", "\\rangle", "⟨", "⟩", "\\rangle_F", "\\{", "\\}", "\\left\\{", "·",
]  # fmt: skip


def test_latex_and_unicode_fuzz_only_einderiv_errors():
    rnd = random.Random(12)
    outcomes = {"value": 0, "error": 0}
    for _ in range(1500):
        text = "".join(rnd.choice(_PIECES) for _ in range(rnd.randint(1, 12)))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # notes on letters and bold Greek letters
                f = ed.parse(text)
                if "x" in f.variables and f.variables["x"].kind == "vector":
                    ed.diff(f, "x")  # the new functions' derivative rules too
            outcomes["value"] += 1
        except ed.EinderivError as error:
            assert str(error).strip()
            outcomes["error"] += 1
    assert outcomes["value"] > 20 and outcomes["error"] > 20, outcomes


# ---- reductions of SPEC 6.1: mean, norm1, norm --------------------------------------------------

REDUCTIONS = [
    # (expression, plain-numpy value of the array v)
    ("mean(x)", lambda v: np.sum(v) / v.size),
    ("mean(X)", lambda v: np.sum(v) / v.size),
    ("norm1(x)", lambda v: np.sum(np.abs(v))),
    ("norm1(X)", lambda v: np.sum(np.abs(v))),
    ("norm(x)", lambda v: np.sqrt(np.sum(v * v))),
    ("||x||_1", lambda v: np.sum(np.abs(v))),
    (r"\|\mathbf{x}\|_1", lambda v: np.sum(np.abs(v))),
    (r"\operatorname{mean}(\mathbf{x})", lambda v: np.sum(v) / v.size),
]


@pytest.mark.parametrize("text, oracle", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reductions_value_gradient_and_read_back(text, oracle):
    name = "X" if "X" in text else "x"
    v = RNG.standard_normal((3, 4) if name == "X" else 5)
    f = ed.parse(text)
    np.testing.assert_allclose(f(**{name: v}), oracle(v), rtol=1e-12)
    # d mean(x)/dx = ones'/n; d norm1(x)/dx = sign(x)'; d norm(x)/dx = x'/norm(x)
    g = ed.diff(text, name, layout="denominator")
    np.testing.assert_allclose(g(**{name: v}), _fd_gradient(oracle, v), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ed.parse(str(f))(**{name: v}), oracle(v), rtol=1e-12)
    np.testing.assert_allclose(ed.parse(f.latex())(**{name: v}), oracle(v), rtol=1e-12)


def test_layer_norm_like_expression():
    # (x - mean(x)) / norm(x - mean(x)): a unit vector with mean zero; its Jacobian by FD
    x = RNG.standard_normal(5)

    def numpy_f(v):
        c = v - np.mean(v)
        return c / np.linalg.norm(c)

    f = ed.parse("(x - mean(x)) / norm(x - mean(x))")
    np.testing.assert_allclose(f(x=x), numpy_f(x), rtol=1e-12)
    J = ed.diff("(x - mean(x)) / norm(x - mean(x))", "x")(x=x)  # numerator: J[i,j] = df_i/dx_j
    fd = np.stack([_fd_gradient(lambda v, i=i: numpy_f(v)[i], x) for i in range(5)])
    np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-8)


def test_e_to_a_power_is_the_exponential_and_said_so():
    # e^{u} with e undeclared is exp(u), with a note; a declared e is a variable
    x = RNG.standard_normal(3)
    with pytest.warns(ed.errors.ReadAsExp, match="exp"):
        f = ed.parse(r"e^{\mathbf{x}^\top \mathbf{x}}")
    np.testing.assert_allclose(f(x=x), np.exp(x @ x))
    g = ed.parse(r"e^{t}", where="e: scalar; t: scalar")
    np.testing.assert_allclose(g(e=2.0, t=3.0), 8.0)
    with pytest.raises(ed.ShapeError, match="for the exponential write exp"):
        ed.parse("e^x")  # plain text: e is a vector


def test_a_subscripted_or_accented_greek_letter_is_a_scalar():
    # sigma_1 x' x: sigma_1 is a scalar like sigma (it was a vector, a shape error)
    x = RNG.standard_normal(3)
    g = ed.diff(r"\sigma_1 \mathbf{x}^\top \mathbf{x}", "x")
    np.testing.assert_allclose(
        np.ravel(g(sigma_1=0.5, x=x)), _fd_gradient(lambda x: 0.5 * x @ x, x), rtol=1e-6
    )
    assert ed.parse(r"\hat{\mu}").variables["mu_hat"].kind == "scalar"
    with pytest.warns(ed.errors.ReadAsScalar, match="mu_0"):  # bold: said, never silent
        ed.parse(r"\boldsymbol{\mu}_0^\top \mathbf{x}")


def test_a_parenthesised_superscript_is_a_label_in_latex_and_refused_in_plain_text():
    # W^{(1)} in a paper is layer 1's W, never W to the power 1: read as W_1, said so; in
    # plain text, where ^{...} is a power, it is refused with both spellings suggested
    with pytest.warns(ed.errors.ReadAsLabel, match="W_1"):
        g = ed.diff(r"\sigma(\mathbf{W}^{(2)} \sigma(\mathbf{W}^{(1)} \mathbf{x}))", "W_1")
    W1, W2, x = RNG.standard_normal((3, 4)), RNG.standard_normal((2, 3)), RNG.standard_normal(4)

    def f(W_1):
        return 1 / (1 + np.exp(-(W2 @ (1 / (1 + np.exp(-(W_1 @ x)))))))

    expected = np.stack([_fd_gradient(lambda w, k=k: f(w)[k], W1) for k in range(2)])
    got = np.asarray(g(W_1=W1, W_2=W2, x=x))  # numerator layout: d y[k] / d W_1[j,i] at [k,i,j]
    np.testing.assert_allclose(got, np.transpose(expected, (0, 2, 1)), atol=1e-6)
    with pytest.raises(ed.ParseError, match=r"label or a power: write a label as a subscript"):
        ed.parse("W^{(1)} x")


def test_two_index_letters_without_a_comma_name_a_variable_and_say_so():
    # A_{ji} x_j in a paper is sum_j A[j,i] x[j] = (A' x)[i]; einderiv reads A_{ji} as a
    # variable named A_ji (as W_1), so the reading is said, with the entry's spelling A_{j,i}
    A, x = RNG.standard_normal((3, 3)), RNG.standard_normal(3)
    with pytest.warns(ed.errors.ReadAsName, match=r"A_ji .* write A_\{j,i\}"):
        named = ed.parse(r"A_{ji} x_j")
    np.testing.assert_allclose(named(A_ji=A, x_j=x), A @ x)  # the name's reading: A_ji x_j
    entry = ed.parse(r"A_{j,i} x_{j}")  # the spelling the note gives: the entry, summed over j
    np.testing.assert_allclose(entry(A=A, x=x), A.T @ x)
    with warnings.catch_warnings():  # labels that are not index letters, and declared names
        warnings.simplefilter("error")
        ed.parse(r"\mathbf{W}_{hh} \mathbf{h} + \Sigma_{xy} \mathbf{h}")
        ed.parse(r"A_{ji} x", where="A_ji: matrix(n, n)")


def test_letters_and_digits_in_latex_are_one_declared_name():
    # W1 x + W_{2} y with W1 declared: one name (it read W 1 x, and d/dW1 was 0)
    where = "W1: matrix(3, 3); W_2: matrix(3, 3)"
    g = ed.diff("W1 x + W_{2} y", "x", where=where)
    W1, W2 = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    x, y = RNG.standard_normal(3), RNG.standard_normal(3)
    truth = np.stack([_fd_gradient(lambda x, k=k: (W1 @ x + W2 @ y)[k], x) for k in range(3)])
    np.testing.assert_allclose(g(W1=W1, W_2=W2, x=x, y=y), truth, atol=1e-6)
    # a function name written without a backslash opens one group: tr(X) + B is not tr(X + B)
    X = RNG.standard_normal((3, 3))
    f = ed.parse(r"\alpha tr(X) + B_{1}", where="B_1: scalar")
    np.testing.assert_allclose(f(alpha=2.0, X=X, B_1=0.5), 2 * np.trace(X) + 0.5)


def test_e_to_a_declared_t_is_the_exponential():
    # T declared: e^{T} is exp(T), not the transpose of a vector e
    np.testing.assert_allclose(
        ed.parse(r"e^{T} \, \alpha", where="T: scalar")(T=1.0, alpha=2.0), 2 * np.e
    )


def test_e_to_a_transpose_or_a_matrix_is_not_the_exponential():
    # e^T e is e' e (a vector e); e^{A} of a matrix would be the matrix exponential: refused
    e = RNG.standard_normal(3)
    np.testing.assert_allclose(ed.parse(r"e^\top \mathbf{A} e")(e=e, A=np.eye(3)), e @ e)
    np.testing.assert_allclose(ed.parse(r"e^T W_{1} e")(e=e, W_1=np.eye(3)), e @ e)
    with pytest.raises(ed.ShapeError, match="matrix exponential"):
        ed.parse(r"\operatorname{tr}(e^{A})")


def test_bars_are_the_absolute_value_of_a_scalar_and_the_determinant_of_a_matrix():
    # |a' x| = abs(a' x), d|a' x|/dx = sign(a' x) a'; |X| = det(X); log|alpha| = log(abs(alpha))
    a, x = np.array([1.0, -3.0, 0.5]), np.array([1.0, 1.0, 1.0])  # a' x = -1.5 < 0
    g = ed.diff("|a' x|", "x")
    np.testing.assert_allclose(
        np.ravel(g(a=a, x=x)), _fd_gradient(lambda v: abs(a @ v), x), rtol=1e-6
    )
    assert ed.parse("|-2|")() == 2.0
    np.testing.assert_allclose(ed.parse("log|alpha|")(alpha=-2.0), np.log(2.0))
    np.testing.assert_allclose(ed.parse(r"\left|\alpha\right|")(alpha=-0.5), 0.5)
    X = RNG.standard_normal((3, 3))
    np.testing.assert_allclose(
        ed.parse("|X| + |x' X x|")(X=X, x=x), np.linalg.det(X) + abs(x @ X @ x)
    )
    with pytest.raises(ed.ShapeError, match="write norm2"):
        ed.parse("|x|")


def test_sigma_before_a_parenthesis_is_the_sigmoid_or_a_product_said_so():
    # σ(x) and \sigma(x), \sigma\,(x) (TeX sets them alike) are the sigmoid 1 / (1 + exp(-x));
    # sigma(x) and σ (x) are the scalar sigma times x, with a note (declared: silently)
    x = np.array([1.0, -2.0])
    for text in ("σ(x)", r"\sigma(x)", r"\sigma\,(x)", r"\sigma\;\left(x\right)"):
        np.testing.assert_allclose(ed.parse(text)(x=x), 1 / (1 + np.exp(-x)), err_msg=text)
    for text in ("sigma(x)", "σ (x)"):
        with pytest.warns(ed.errors.ReadAsProduct, match="sigmoid"):
            f = ed.parse(text)
        np.testing.assert_allclose(f(x=x, sigma=0.5), 0.5 * x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ed.parse("sigma(x)", where="sigma: scalar")


def test_check_resting_on_sigma_times_a_group_is_undecided():
    # d sum(sigma x)/dx = sigma ones' for a scalar sigma (numpy below), but sigma(x) may mean the
    # sigmoid (d sum(sigmoid(x))/dx = (sigmoid(x) .* (1 - sigmoid(x)))'): right only as declared
    x, s = np.array([0.3, -1.2, 2.0]), 0.7
    fd = [(np.sum(s * (x + e)) - np.sum(s * (x - e))) / 2e-6 for e in np.eye(3) * 1e-6]
    np.testing.assert_allclose(fd, s * np.ones(3), rtol=1e-6)
    with pytest.warns(ed.errors.ReadAsProduct):
        assert ed.check("sum(sigma(x))", "x", "sigma ones'").verdict == "undecided"
    assert ed.check("sum(sigma(x))", "x", "sigma ones'", where="sigma: scalar").verdict == "right"


def test_another_greek_letter_before_a_parenthesis_is_a_product_said_so():
    # phi(x), mu(x), φ(W x): a function phi in a paper, the scalar phi times x here (SPEC 6.3),
    # with a note; written apart (alpha (x + y), as einderiv prints it) or declared: silently
    x, W = np.array([1.0, -2.0]), RNG.standard_normal((2, 2))
    for text, name, want in (("phi(x)", "phi", x), ("mu(x)", "mu", x), ("φ(W x)", "phi", W @ x)):
        with pytest.warns(ed.errors.ReadAsProduct, match=f"no function {name}"):
            f = ed.parse(text)
        values = {k: v for k, v in {"x": x, "W": W, name: 0.5}.items() if k in f.variables}
        np.testing.assert_allclose(f(**values), 0.5 * want, err_msg=text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ed.parse("phi(x)", where="phi: scalar")
        ed.parse(str(ed.parse("2 alpha (x + y)")))


def test_a_capital_greek_letter_before_a_parenthesis_is_said_to_be_a_product_not_a_scalar():
    # Phi(x) (a normal CDF in a paper) is the matrix Phi times x: the note said "the scalar Phi"
    x, P = np.array([1.0, -2.0]), RNG.standard_normal((2, 2))
    with pytest.warns(ed.errors.ReadAsProduct) as notes:
        f = ed.parse("Phi(x)")
    assert not any("scalar Phi" in str(n.message) for n in notes)
    np.testing.assert_allclose(f(Phi=P, x=x), P @ x)


def test_a_greek_call_read_as_a_product_leaves_check_undecided():
    # d sum(phi(x)) / dx: phi ones' for the scalar phi times x, phi'(x)' for a function phi (a
    # paper's): a reading among two, as \phi(x) in LaTeX, so "right" is undecided
    x = np.array([0.5, -1.0])
    assert np.allclose(ed.diff("sum(phi(x))", "x")(phi=2.0, x=x), [2.0, 2.0])
    assert ed.check("sum(phi(x))", "x", "phi ones'").verdict == "undecided"
    assert ed.check("sum(phi x)", "x", "phi ones'").verdict == "right"
    assert ed.check("sum(phi(x))", "x", "2 phi ones'").verdict == "wrong"


def test_the_2_norm_of_a_matrix_is_read_as_frobenius_and_said_so():
    # ‖X‖_2 of a matrix: spectral in linear algebra, Frobenius in much of ML (‖W‖_2^2): read
    # as the Frobenius norm sqrt(sum of squares), with a ReadAsEntrywise note, and so is ‖X‖
    # with no subscript (the operator norm in linear algebra texts); ‖x‖_2 of a vector and
    # ‖X‖_F say nothing
    X = RNG.standard_normal((3, 4))
    texts = (
        "||X||_2",
        r"\|X\|_2^2",
        r"\left\lVert X \right\rVert_{2}",
        "‖X‖₂",
        "||X||",
        r"\|X\|^2",
    )
    for text in texts:
        with pytest.warns(ed.errors.ReadAsEntrywise, match="Frobenius"):
            f = ed.parse(text)
        want = np.sqrt(np.sum(X**2)) ** (2 if "^2" in text else 1)
        np.testing.assert_allclose(f(X=X), want, err_msg=text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ed.parse("||X||_F + ||x||_2 + ||x|| + norm2(X)")
    # \mathrm{e}^{X} of a matrix is the matrix exponential, refused like e^{X}
    with pytest.raises(ed.ShapeError, match="matrix exponential"):
        ed.parse(r"\mathrm{e}^{X}")


def test_a_function_of_a_matrix_inside_a_trace_is_entrywise_and_said_so():
    # tr(sin(X)) in the Matrix Cookbook is the trace of the matrix sine (d/dX = cos(X)'); in
    # einderiv functions are entrywise (SPEC 6.1): tr(sin(X)) = sum_i sin(X[i,i]), said so;
    # d/dX = diag(cos(diag(X))) (numerator layout: a diagonal matrix)
    X = RNG.standard_normal((3, 3))
    for text in ("tr(sin(X))", r"\operatorname{Tr}(\sin(\mathbf{X}))"):
        with pytest.warns(ed.errors.ReadAsEntrywise, match="no matrix sin"):
            g = ed.diff(text, "X")
        eps, fd = 1e-6, np.zeros((3, 3))
        for i in range(3):
            for j in range(3):
                E = np.zeros((3, 3))
                E[i, j] = eps
                fd[j, i] = (np.sum(np.sin(np.diag(X + E))) - np.sum(np.sin(np.diag(X - E)))) / (
                    2 * eps
                )
        np.testing.assert_allclose(g(X=X), fd, atol=1e-8, err_msg=text)
    with warnings.catch_warnings():  # a vector's function, or no trace: nothing to say
        warnings.simplefilter("error")
        ed.parse("sin(tr(X)) + sum(sin(X)) + tr(A X)")


def test_a_roman_name_in_latex_is_one_name():
    # \mathrm{lr} is the name lr (SPEC 6.3: a longer name is written \mathrm{name}), never l r
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = ed.parse(r"\mathrm{lr} \cdot \mathbf{g}")  # undeclared: a vector, by its case
        h = ed.parse(r"\mathrm{AB} + X")
    lr, g = RNG.standard_normal(3), RNG.standard_normal(3)
    np.testing.assert_allclose(f(lr=lr, g=g), lr @ g)
    assert set(h.variables) == {"AB", "X"}


def test_a_power_written_on_a_function_is_the_power_of_its_value():
    # \sin^2(\theta) + \cos^2(\theta) = 1: \sin^2(u) is sin(u)^2; \sin^{-1} (the inverse
    # function) and \sin^2 u without parentheses are refused
    theta = 0.7
    f = ed.parse(r"\sin^2(\theta) + \cos^{2}\left(\theta\right)")
    np.testing.assert_allclose(f(theta=theta), 1.0)
    g = ed.diff(r"\tanh^2(\alpha)", "alpha")  # d tanh(a)^2 / da = 2 tanh(a) (1 - tanh(a)^2)
    np.testing.assert_allclose(g(alpha=theta), 2 * np.tanh(theta) * (1 - np.tanh(theta) ** 2))
    for text, match in (
        (r"\sin^{-1}(\theta)", "inverse function"),
        (r"\sin^2 \theta", "parentheses"),
    ):
        with pytest.raises(ed.ParseError, match=match):
            ed.parse(text)


@pytest.mark.parametrize(
    "text, column",
    [
        (r"\exp(-\|\mathbf{x}-\mathbf{y}\|^2/2\sigma^2)", 36),  # the RBF kernel
        (r"\mathbf{u}^\top\mathbf{v}/\lVert\mathbf{u}\rVert\lVert\mathbf{v}\rVert", 49),
        (r"\operatorname{softmax}(\mathbf{M} \odot \mathbf{Q}\mathbf{K}^\top)\mathbf{V}", 59),
        (r"1/2n \|\mathbf{y}-\mathbf{X}\mathbf{w}\|^2", 4),
        (r"\mathbf{A} \otimes \mathbf{B}\mathbf{C}", 38),  # the caret at C
    ],
)
def test_a_factor_after_a_division_or_hadamard_in_latex_is_refused(text, column):
    # papers mean a / (2 sigma^2) and M ⊙ (Q K'); one level of products would read (a / 2)
    # sigma^2 and (M ⊙ Q) K': never guessed, a ParseError at the factor
    with pytest.raises(ed.ParseError, match="ambiguous") as caught:
        ed.parse(text)
    assert caught.value.column == column


def test_the_parenthesised_forms_read_as_papers_mean():
    x, y, sigma = np.array([1.0, 0.0, 2.0]), np.array([0.0, 1.0, 1.0]), 0.5
    rbf = ed.parse(r"\exp(-\|\mathbf{x}-\mathbf{y}\|^2/(2\sigma^2))")
    np.testing.assert_allclose(
        rbf(x=x, y=y, sigma=sigma), np.exp(-np.sum((x - y) ** 2) / (2 * sigma**2))
    )
    u, v = np.array([1.0, 2.0, 3.0]), np.array([2.0, 0.0, 1.0])
    cos = ed.parse(
        r"\frac{\mathbf{u}^\top\mathbf{v}}{\lVert\mathbf{u}\rVert\lVert\mathbf{v}\rVert}"
    )
    np.testing.assert_allclose(cos(u=u, v=v), u @ v / np.linalg.norm(u) / np.linalg.norm(v))
    M, Q, K, V = (RNG.standard_normal((4, 4)) for _ in range(4))
    att = ed.parse(
        r"\operatorname{softmax}(\mathbf{M} \odot (\mathbf{Q}\mathbf{K}^\top))\mathbf{V}"
    )
    S = M * (Q @ K.T)
    P = np.exp(S - S.max(axis=1, keepdims=True))
    np.testing.assert_allclose(att(M=M, Q=Q, K=K, V=V), P / P.sum(axis=1, keepdims=True) @ V)
    # plain text keeps its documented rule: one level of products, left to right
    np.testing.assert_allclose(ed.parse("a / 2 s", where="a: scalar; s: scalar")(a=3.0, s=4.0), 6.0)


def test_notes_where_a_paper_means_something_einderiv_does_not_read():
    # \phi(x): a function in the paper, the product phi x here; \sigma'(z): a derivative;
    # \hat{\boldsymbol{\beta}}: bold, yet a Greek letter (a scalar); \pi: a name, not 3.14...
    cases = [
        (r"\mathbf{w}^\top \phi(\mathbf{x})", r"read \\phi\(\.\.\.\) as the product"),
        (r"\sigma'(\mathbf{z})", "derivative written"),
        (r"\hat{\boldsymbol{\beta}}^\top\mathbf{x}", "bold Greek letter 'beta_hat'"),
        (r"\log(2\pi)", r"read \\pi as the scalar variable pi"),
    ]
    for text, note in cases:
        with pytest.warns(ed.errors.ReadAsProduct, match=note):
            ed.parse(text)
    w, x, phi = RNG.standard_normal(3), RNG.standard_normal(3), 0.3
    f = ed.parse(r"\mathbf{w}^\top \phi(\mathbf{x})", where="phi: scalar")  # declared: no note
    np.testing.assert_allclose(f(w=w, x=x, phi=phi), phi * (w @ x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ed.parse(r"\sigma(\mathbf{z}) + \log(2\pi)", where="pi: scalar")  # sigmoid; pi declared


@pytest.mark.parametrize(
    "text",
    ["exp(-||x-y||^2/2sigma^2)", "exp(-‖x−y‖²/2σ²)", "1/2m sum((X w - y).^2)", "x'x/2n"],
)
def test_a_factor_against_a_divisor_in_plain_text_is_refused(text):
    # ||x-y||^2/2sigma^2 in a paper is ||x-y||^2 / (2 sigma^2), 1/2m is 1/(2m) (the cost
    # J = 1/2m sum(...)^2); products read left to right would give (a/2) sigma^2: refused, as
    # in LaTeX, with both spellings
    with pytest.raises(ed.ParseError, match=r"write a/\(b c\), or \(a/b\) c"):
        ed.parse(text)


def test_a_factor_apart_from_a_divisor_in_plain_text_is_said():
    # x'x / 2 n is (x'x / 2) n, products left to right, with a note; a number before the
    # divisor is a coefficient (1/2 x'x, 1/n sum(x)), read silently; einderiv prints (a / b) c
    x, n = RNG.standard_normal(3), 4.0
    with pytest.warns(ed.errors.ReadAsGrouped, match=r"write a/\(b c\)"):
        f = ed.parse("x'x / 2 n", where="n: scalar")
    np.testing.assert_allclose(f(x=x, n=n), x @ x / 2 * n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(ed.parse("1/2 x' x")(x=x), x @ x / 2)
        np.testing.assert_allclose(ed.parse("1/n sum(x)", where="n: scalar")(x=x, n=n), x.sum() / n)
        printed = str(ed.parse("alpha / 2 * w' w"))
        assert printed == "(alpha / 2) w' w"
        np.testing.assert_allclose(ed.parse(printed)(alpha=3.0, w=x), 1.5 * x @ x)


@pytest.mark.parametrize(
    "text", [r"\frac{d}{dx} x^\top x", r"\frac{d x^\top x}{d x}", r"\frac{df}{d\mathbf{x}}"]
)
def test_a_leibniz_derivative_is_refused_not_read_as_a_quotient(text):
    # \frac{d}{dx} x'x was d / (d x) x'x, a quotient of the scalars d and x: refused now, as
    # \partial is, with what to write instead
    with pytest.raises(ed.ParseError, match=r"give the variable as wrt"):
        ed.parse(text)
    # with d declared it is the quotient the text writes: d / (d x) = 1 / x
    x = np.array([2.0])
    f = ed.parse(r"\frac{d}{d x}", where="d: scalar; x: scalar")
    np.testing.assert_allclose(f(d=3.0, x=x[0]), 1 / x[0])


@pytest.mark.parametrize(
    "text, power", [("(x'x)^-1/2", "-1/2"), ("a^1/2", "1/2"), ("x.^3/2", "3/2")]
)
def test_a_bare_power_before_a_divisor_that_looks_like_a_root_is_refused(text, power):
    # (x'x)^-1/2 in a paper is (x'x)^(-1/2); products read it ((x'x)^-1) / 2: refused, with
    # the power in parentheses to write, which reads as meant
    with pytest.raises(ed.ParseError, match=re.escape(f"write ^({power}) for the power")):
        ed.parse(text)
    x = np.array([1.0, 2.0, 2.0])
    np.testing.assert_allclose(ed.parse("(x'x)^(-1/2)")(x=x), 1 / 3)
    # a square halved, and a spaced division, read as written
    np.testing.assert_allclose(ed.parse("norm2(x)^2/2")(x=x), 4.5)
    np.testing.assert_allclose(ed.parse("(x'x)^-1 / 2")(x=x), 1 / 18)


def test_a_greek_letter_used_as_a_vector_is_said_to_be_a_scalar():
    # (x - \mu)' \Sigma^{-1} (x - \mu) with \mu undeclared: a Greek letter is a scalar (SPEC 6.3),
    # subtracted from every entry of x, where a paper means the mean vector: said, with the
    # declaration to write; declared, it is the Gaussian's quadratic form (numpy below)
    x, mu = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    S = np.array([[2.0, 0.3], [0.3, 1.0]])
    text = r"(x-\mu)^\top\Sigma^{-1}(x-\mu)"
    with pytest.warns(ed.errors.ReadAsScalar, match=r"mu: vector\(n\)"):
        scalar = ed.parse(text)
    d = x - 0.5
    np.testing.assert_allclose(scalar(x=x, mu=0.5, Sigma=S), d @ np.linalg.inv(S) @ d)
    with pytest.warns(ed.errors.ReadAsScalar, match="theta' is theta itself"):
        ed.parse(r"\theta^\top x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = ed.parse(text, where="mu: vector(n)")
        ed.parse(r"\log(x + \epsilon)")  # a scalar added entrywise: nothing to say
    np.testing.assert_allclose(f(x=x, mu=mu, Sigma=S), (x - mu) @ np.linalg.inv(S) @ (x - mu))


@pytest.mark.parametrize("text", ["sigma'(z)", "σ'(z)"])
def test_a_primed_greek_function_in_plain_text_is_said_to_be_a_product(text):
    # sigma'(z) in a paper is the derivative of the sigmoid; einderiv reads the product of the
    # scalar sigma (transposed: itself) and z, as LaTeX's \sigma'(z): said, once
    z = np.array([0.5, -1.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = ed.parse(text)
    notes = [str(w.message) for w in caught if issubclass(w.category, ed.errors.ReadAsProduct)]
    assert len(notes) == 1 and "sigmoid(z) .* (1 - sigmoid(z))" in notes[0], notes
    np.testing.assert_allclose(f(sigma=2.0, z=z), 2.0 * z)


def _silently(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


@pytest.mark.parametrize(
    "expr, numpy_f",
    [
        # d/dx sum(x.^(1/3)) = 1/3 x.^(-2/3): printed .^ (-2/3), never .^ -2/3 (read (x.^-2)/3)
        ("sum(x .^ (1/3))", lambda x: np.sum(x ** (1 / 3))),
        ("sum(x .^ (2/3))", lambda x: np.sum(x ** (2 / 3))),
        # d/dx norm2(x - mu)^2 = 2 (x - mu)': mu a scalar added entrywise, nothing to say
        ("norm2(x - mu)^2", lambda x: np.sum((x - 0.3) ** 2)),
        ("sum(log(x + epsilon))", lambda x: np.sum(np.log(x + 0.3))),
        # the printed LaTeX \alpha \, \left(A + A^\top\right) \, x: a thin space, a product
        ("alpha x' A x + beta sum(x)", lambda x: 0.3 * x @ A0 @ x + 0.3 * np.sum(x)),
        ("x' W_in x", lambda x: x @ A0 @ x),  # printed W_{\mathrm{in}}: a label
    ],
)
def test_printed_derivatives_read_back_silently(expr, numpy_f):
    x = np.array([0.5, 1.5, 2.0])
    values = {"x": x, "mu": 0.3, "epsilon": 0.3, "alpha": 0.3, "beta": 0.3, "A": A0, "W_in": A0}
    g = _silently(lambda: ed.diff(expr, "x", layout="denominator"))
    h = 1e-6
    fd = np.array([(numpy_f(x + h * e) - numpy_f(x - h * e)) / (2 * h) for e in np.eye(3)])
    for text in (str(g), g.latex(), g.index()):
        back = _silently(lambda text=text: ed.parse(text))
        given = {k: v for k, v in values.items() if k in back.variables}
        np.testing.assert_allclose(back(**given), fd, rtol=1e-6, err_msg=text)


A0 = np.array([[2.0, 0.5, 0.0], [0.3, 1.0, 0.2], [0.0, 0.4, 3.0]])


def test_labels_and_coefficients_are_read_silently():
    # W_{in} and K_{nm} are labels (not the index letters i, j, k, l); lambda/2 w' w and
    # -n/2 log|S| are coefficients (a name over a number)
    w = np.array([1.0, 2.0])
    f = _silently(lambda: ed.parse("lambda/2 w' w"))
    np.testing.assert_allclose(f(**{"lambda": 2.0, "w": w}), 2.0 / 2 * w @ w)
    _silently(lambda: ed.parse(r"W_{in} x + K_{nm} K_{mm}^{-1} K_{mn} y"))
    _silently(lambda: ed.parse("-n/2 log|S|", where="n: scalar"))


def test_second_review_printed_forms_read_back_silently_to_numpy_values():
    # sigma (A + A'): the LaTeX \sigma \, \left(...\right) read back as sigmoid(A + A') (TeX
    # sets \sigma\,(x) as \sigma(x)); it prints \sigma \cdot \left(...\right) now
    A = np.array([[0.0, 0.2, 0.4], [0.6, 0.8, 1.0], [1.2, 1.4, 1.6]])
    hess = ed.hessian("sigma * x' A x", "x")
    back = _silently(lambda: ed.parse(hess.latex()))
    np.testing.assert_allclose(back(sigma=0.7, A=A), 0.7 * (A + A.T))
    # d/dX tr(inv(X' X + lambda I)) = -2 X (X' X + lambda I)^-2 (denominator layout): a scalar
    # name is its own transpose (it printed lambda', which a note then said of a Greek letter)
    X = np.array([[1.0, 0.3], [0.2, 0.9], [0.5, -0.4]])
    expected = -2 * X @ np.linalg.matrix_power(np.linalg.inv(X.T @ X + 0.5 * np.eye(2)), 2)
    g = ed.diff("tr(inv(X' X + lambda * I))", "X", layout="denominator")
    for text in (str(g), g.latex()):
        assert "lambda'" not in text and r"\lambda^{\top}" not in text, text
        back = _silently(lambda text=text: ed.parse(text))
        np.testing.assert_allclose(back(X=X, **{"lambda": 0.5}), expected, err_msg=text)


@pytest.mark.parametrize("layout", ["numerator", "jacobian"])
def test_fractions_in_index_latex_are_frac(layout):
    # d2/dX2 tr(X'X)^(-1/3): index LaTeX printed 2/3 \, delta..., refused when read back (a
    # factor after a division); it prints \frac{2}{3} now. Judged against numpy differences
    X = np.array([[1.0, 0.5], [-0.3, 0.8]])
    h = ed.hessian("tr(X' X)^(-1/3)", "X", layout=layout)
    back = _silently(lambda: ed.parse(h.latex()))

    def grad(X):
        return -2 / 3 * np.trace(X.T @ X) ** (-4 / 3) * X

    step, fd = 1e-6, np.zeros((2, 2, 2, 2))
    for idx in np.ndindex(2, 2):
        e = np.zeros((2, 2))
        e[idx] = step
        fd[(..., *idx)] = (grad(X + e) - grad(X - e)) / (2 * step)  # H[i,j,k,l] jacobian
    got = back(X=X)
    want = fd if layout == "jacobian" else fd.transpose(1, 0, 3, 2)
    np.testing.assert_allclose(got, h(X=X), rtol=1e-12)
    np.testing.assert_allclose(h(X=X), want, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("text", ["x[i] / i", "A[i,j] x[j] / j", "x[i]^i", "x[i] + i"])
def test_an_index_used_as_a_value_is_refused(text):
    # x[i] / i: an index is a position with no value; it was read as a new scalar variable i
    # (so the derivative printed delta[j,i] / i, i both an index and a variable)
    with pytest.raises(ed.ShapeError, match="both as an index and as a value"):
        ed.parse(text)
    A, x = np.array([[1.0, 2.0], [3.0, -4.0]]), np.array([0.5, -1.5])
    assert np.allclose(ed.parse("A[i,j] x[j]")(A=A, x=x), A @ x)  # indices alone: fine


def test_plain_subscripts_beside_the_declared_names_are_said():
    # A_ij x_j with A and x declared is two new variables (a subscript is part of a name, as
    # in W_1), so its derivative by x is 0, where A[i,j] x[j] (meant) has the derivative A
    where = "A: matrix(m, n); x: vector(n)"
    with pytest.warns(ed.errors.ReadAsName, match=r"write A\[i,j\]"):
        g = ed.diff("A_ij x_j", "x", where=where)
    assert str(g) == "0"
    A, x = np.array([[1.0, 2.0], [3.0, -4.0]]), np.array([0.5, -1.5])
    step = 1e-6
    meant = np.stack(
        [(A @ (x + step * e) - A @ (x - step * e)) / (2 * step) for e in np.eye(2)], axis=1
    )
    assert np.allclose(ed.diff("A[i,j] x[j]", "x", where=where)(A=A, x=x), meant)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # W_1, W_2: names with digits; no note
        ed.parse("W_1 x + W_2 x")


@pytest.mark.parametrize("name", ["norm", "trace", "Tr", "ln"])
def test_a_bare_alias_of_a_function_is_refused_like_the_function(name):
    # norm alone was split into the letters n o r m (a shape error about `n o`)
    with pytest.raises(ed.ParseError, match=f"'{name}' is a function: write {name}"):
        ed.parse(name)


@pytest.mark.parametrize("text", ["I(3) x", "x + ones(n)", "ones(3)' x"])
def test_a_size_written_as_a_call_on_i_or_ones_is_refused(text):
    # I(3), ones(n) as numpy's eye(3), ones(n): read as the products I 3 and ones n (ones(3)'x
    # was 3 sum(x) with the size of ones taken from x): refused, the product's spelling said
    with pytest.raises(ed.ParseError, match="reads as the product"):
        ed.parse(text)
    x = np.array([1.0, -2.0, 0.5])
    assert np.isclose(ed.parse("ones' x")(x=x), x.sum())  # the ones vector, sized by x
    assert np.allclose(ed.parse("I (x + x)")(x=x), 2 * x)  # a product with a space: read


@pytest.mark.parametrize("text", ["sum_j A[i,j] x[j]", "Σ_j A[i,j] x[j]", "sum_{i,j} X[i,j]"])
def test_a_sum_over_an_index_in_plain_text_says_how_to_write_it(text):
    # sum_j A[i,j] x[j] is A x (index notation sums the repeated j); the name sum_j was read
    # as a vector, with a message about mixing index notation
    with pytest.raises(ed.ParseError, match="a sum over an index"):
        ed.parse(text)
    A, x = np.array([[1.0, 2.0], [3.0, -4.0]]), np.array([0.5, -1.5])
    assert np.allclose(ed.parse("A[i,j] x[j]")(A=A, x=x), A @ x)


@pytest.mark.parametrize("text", [r"\operatorname{tr}(X X^H)", "tr(X X^H)", "X^{H} A"])
def test_a_conjugate_transpose_is_refused_with_the_transpose_suggested(text):
    # tr(X X^H) = ||X||_F^2 (the Matrix Cookbook): X^H was read as a power by an integer H
    with pytest.raises(ed.ParseError, match="conjugate transpose"):
        ed.parse(text)
    X = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert np.isclose(ed.parse("tr(X X^T)")(X=X), np.sum(X**2))


def test_a_wrt_index_named_like_a_variable_is_refused():
    # d(sum(x) / i)/dx[i] printed ones[i] / i: i both an index and a variable (no read-back)
    with pytest.raises(ed.EinderivError, match="the index i is a variable"):
        ed.diff("sum(x) / i", "x[i]")
    x = np.array([1.0, 2.0])  # by x[j]: 1 / i in every entry
    assert np.allclose(ed.diff("sum(x) / i", "x[j]")(x=x, i=4.0), [0.25, 0.25])


@pytest.mark.parametrize("text", ["sum_k x_k' x_k", "sum_j exp(z_j)"])
def test_a_sum_over_a_subscript_in_plain_text_is_refused(text):
    # sum_k x_k' x_k is a sum over k in a paper; read as a vector named sum_k times x_k' x_k
    with pytest.raises(ed.ParseError, match="a sum over an index"):
        ed.parse(text)
    assert np.allclose(ed.parse("2 sum_x")(sum_x=np.array([1.0, 2.0])), [2.0, 4.0])


@pytest.mark.parametrize(
    "text",
    # I(2 n), ones(2n): a multiple written without * (I(2 n) with n: integer was 2n I)
    ["ones(len(x))' x", "x' I(len(x)) x", "I(n + 1)", "ones(2*3)' y", "ones(len(x) - 1)"]
    + ["I(2 n)", "ones(2n)' x", "I(2 len(x))"],
)
def test_a_computed_size_written_as_a_call_on_i_or_ones_is_refused(text):
    # ones(len(x)) was read silently as the product ones len(x) (while ones(3) was refused):
    # check("tr(X)", "X", claim="I(len(X))") said "wrong" (len(X) I), and
    # check("sum(x)", "x", claim="ones(len(x))'") "wrong shape" (a column ones times len(x))
    with pytest.raises(ed.ParseError, match="reads as the product"):
        ed.parse(text)
    x = np.array([1.0, -2.0, 0.5])
    # a product with a space is read: len(x) sum(x)
    assert np.isclose(ed.parse("(ones len(x))' x")(x=x), 3 * x.sum())
    A, B = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, -1.0], [2.0, 5.0]])
    assert np.allclose(ed.parse("I(A + B)")(A=A, B=B), A + B)  # not a size: still a product


def test_max_suggests_relu_not_softmax():
    # max(0, 1 - y w' x), the hinge loss: einderiv has no max; max(0, u) is relu(u) (numpy
    # below), which the message suggests ("softmax" was the closest name by spelling)
    with pytest.raises(ed.ParseError, match="did you mean relu"):
        ed.parse("max(0, 1 - y * w' x)")
    u = np.array([-1.5, 0.0, 2.0])
    np.testing.assert_allclose(ed.parse("relu(u)")(u=u), np.maximum(0, u))


@pytest.mark.parametrize(
    "text, where",
    [
        ("I(m + n)", None),
        ("x' I(a + b) x", None),
        ("ones(m + n)' x", None),
        ("I(2 m - n) x", None),
        ("I(m + n)", "m: integer; n: integer"),
    ],
)
def test_a_size_of_names_written_as_a_call_on_i_or_ones_is_refused(text, where):
    # I(m + n), the identity of size m + n in a paper, read as the product I (m + n) of two
    # undeclared vectors (the vector m + n itself), silently; with m, n integers, (m + n) I
    with pytest.raises(ed.ParseError, match="reads as the product"):
        ed.parse(text, where=where)


def test_a_call_on_i_of_names_used_as_vectors_or_scalars_stays_a_product():
    # I(a + b) + a: a is a vector elsewhere; I(A + B): matrices; I(alpha + beta): Greek
    # scalars; I(m + n) with m, n declared vectors: all products, as before
    a, b = np.array([1.0, -2.0, 0.5]), np.array([0.25, 3.0, -1.0])
    A, B = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, -1.0], [2.0, 5.0]])
    assert np.allclose(ed.parse("I(a + b) + a")(a=a, b=b), 2 * a + b)
    assert np.allclose(ed.parse("I(A + B)")(A=A, B=B), A + B)
    assert np.allclose(
        ed.parse("A + I(alpha + beta)")(A=A, alpha=0.5, beta=2.0), A + 2.5 * np.eye(2)
    )
    vectors = ed.parse("I(m + n)", where="m: vector(3); n: vector(3)")
    assert np.allclose(vectors(m=a, n=b), a + b)
    assert np.allclose(ed.parse("I (m + n)")(m=a, n=b), a + b)  # with a space: the product


# d/dX (2^k tr(X^k)) = 2^k k (X^(k-1))' prints as `2^k k X^(k - 1)` (numerator layout), and
# that text must read back: k stands in 2^k (a real exponent), as a factor and in a matrix
# power's exponent, so it is the integer (2^k alone does not make it a real scalar).
@pytest.mark.parametrize("text", ["2^k k X^(k - 1)", "k 2^k X^(k - 1)", "2^k X^(k - 1) k"])
def test_a_factor_k_beside_2_to_the_k_stays_an_integer(text):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3, 3))
    back = ed.parse(text)
    assert back.variables["k"].kind == "integer"
    f = lambda X: 2.0**3 * np.trace(np.linalg.matrix_power(X, 3))
    fd = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            E = np.zeros((3, 3))
            E[i, j] = 1e-6
            fd[j, i] = (f(X + E) - f(X - E)) / 2e-6  # numerator layout: d/dX[i,j] at [j, i]
    np.testing.assert_allclose(back(X=X, k=3), fd, rtol=1e-6)
    g = ed.diff("2^k tr(X^k)", "X")
    np.testing.assert_allclose(ed.parse(str(g))(X=X, k=3), fd, rtol=1e-6)


def test_a_note_on_a_long_run_of_letters_is_short():
    # 'xx...x' (2,000 letters) is read as the product x x ... x, and the note says so in a line,
    # not in 6,000 characters; a short run keeps its declaration hint
    with pytest.warns(ed.errors.ReadAsProduct) as said, pytest.raises(ed.EinderivError):
        ed.parse("x" * 2000)
    assert all(len(str(w.message)) < 300 for w in said)
    assert "(2000 characters)" in str(said[0].message)
    with pytest.warns(ed.errors.ReadAsProduct, match="`xAx: scalar`"), pytest.raises(ed.ShapeError):
        ed.parse("xAx")


def test_a_name_read_as_a_vector_that_is_also_a_size_is_said():
    # -m/2 log|S| - tr(S^-1 R' R)/2 with Y m-by-n (m samples): an undeclared m is a vector of
    # another length by the case rule (the result was a vector, silently); said, with the
    # declaration `m: integer` that makes it the count m. Truth: with it, the derivative by a
    # symmetric S is (G + G')/2, central differences along E_ij = (e_i e_j' + e_j e_i')/2.
    text = "-0.5 m logdet(S) - 0.5 tr(inv(S) (Y - ones mu')' (Y - ones mu'))"
    where = "S: symmetric(n); Y: matrix(m, n); mu: vector(n)"
    with pytest.warns(ed.errors.ReadAsScalar, match="declare `m: integer`") as said:
        assert ed.parse(text, where=where).shape != ()
    assert not any("`m: scalar`" in str(w.message) for w in said)  # one advice, not two
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # declared: silent
        g = ed.diff(text, "S", where=where + "; m: integer")
        ed.parse("n' x", where="x: vector(n)")  # a vector of length n named n: no size apart
    y0, mu0 = RNG.standard_normal((5, N)), RNG.standard_normal(N)
    s0 = _arrays()["S"]

    def f(s):
        r = y0 - mu0
        return -0.5 * 5 * np.linalg.slogdet(s)[1] - 0.5 * np.trace(np.linalg.solve(s, r.T @ r))

    want = np.zeros((N, N))
    for i, j in np.ndindex(N, N):
        e = np.zeros((N, N))
        e[i, j] += 0.5
        e[j, i] += 0.5
        want[i, j] = (f(s0 + 1e-6 * e) - f(s0 - 1e-6 * e)) / 2e-6
    assert np.allclose(g(S=s0, Y=y0, mu=mu0), want, atol=1e-6)


@pytest.mark.parametrize("text", ["𝐱 ⋅ 𝟏", "𝟏 ⋅ 𝐱", "𝟏ᵀ𝐱", "x ⋅ 𝟏", "𝐱 - 𝟎"])
def test_a_bold_one_from_a_pdf_is_not_the_number_one(text):
    # 𝐱 ⋅ 𝟏 in a paper is x' ones = sum(x) (6 at x = [1, 2, 3]); read with 𝟏 as the number
    # (any Unicode digit matched the grammar's \d) it was x * 1, the vector x. Only ASCII
    # digits are numbers; a styled 0 or 1 is refused, saying to write ones
    x = np.array([1.0, 2.0, 3.0])
    assert np.isclose(np.ones(3) @ x, 6.0) and (x * 1).shape == (3,)
    with pytest.raises(ed.ParseError, match="unexpected character") as error:
        ed.parse(text, where="x: vector(3)")
    assert "ones" in str(error.value) or "zeros" in str(error.value)
    # a bold 2 stays the number 2 (a whole formula set in bold)
    assert np.allclose(ed.parse("𝟐𝐱", where="x: vector(3)")(x=x), 2 * x)


# words between formulas, x \text{ and } y, are no variable named "and" (it was read as one,
# silently: x and y, three vectors); \text{loss} without spaces stays a name
@pytest.mark.parametrize(
    "text", [r"x \text{ and } y", r"x' A x \text{ where } A", r"\text{ loss}", r"\text {if }"]
)
def test_words_in_text_with_spaces_are_refused_not_read_as_a_name(text):
    with pytest.raises(ed.ParseError, match="words between formulas") as refused:
        ed.parse(text)
    assert "^" in str(refused.value)


def test_a_name_in_text_without_spaces_is_a_name():
    f = ed.parse(r"\text{loss}' \text{loss}")
    v = np.arange(1.0, 4.0)
    np.testing.assert_allclose(f(loss=v), v @ v)
