"""``check`` proves the engine's own printed derivatives of ML losses with softmax (str, LaTeX,
the differential, the Kronecker form), and a hand-written form verified here by central
differences of plain numpy; a claim slightly off (a sign, a transpose, a factor 2) is wrong,
with a counterexample. Each of the engine's forms was "undecided" before: softmax's definition
divides by a sum over its row at every occurrence, a degree in the sizes past what exact
arithmetic tries (``check.row_variables``).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import jacobian_fd, to_layout

import einderiv as ed

RNG = np.random.default_rng(30)


def softmax_rows(Z):
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def engine_forms(g) -> list[str]:
    """The engine's printed forms of ``g``: str, LaTeX, the differential, the Kronecker form."""
    forms = [str(g), g.latex(), g.differential()]
    try:
        forms.append(g.kronecker())
    except ed.EinderivError:  # a scalar's derivative has none
        pass
    return forms


def assert_decided(expr, wrt, where, hand, wrong, forms=None):
    """The engine's forms (``forms``, else ``engine_forms``) and the hand form right, each of
    ``wrong`` wrong with a counterexample."""
    for form in (forms or engine_forms)(ed.diff(expr, wrt, where=where)):
        result = ed.check(expr, wrt, claim=form, where=where)
        assert result.verdict == "right", (form, str(result))
    assert ed.check(expr, wrt, claim=hand, where=where).verdict == "right"
    for claim in wrong:
        result = ed.check(expr, wrt, claim=claim, where=where)
        assert result.verdict == "wrong", (claim, str(result))
        assert result.counterexample is not None


# ---------------------------------------------------------------------------------------------
# L = ||softmax(W x) - y||^2: dL/dz = 2 J' (s - y), J = diag(s) - s s' symmetric, z = W x, so
# dL/dx = W' dL/dz and dL/dW = dL/dz x'; dL/dz = 2 (s .* r - s (s' r)), r = s - y

SQ = "W: matrix(c, d); x: vector(d); y: vector(c)"
S = "softmax(W x)"


def _squared(W, x, y):
    return np.sum((softmax_rows(W @ x) - y) ** 2)


def _by_z(W, x, y):
    s = softmax_rows(W @ x)
    r = s - y
    return 2 * (s * r - s * (s @ r))


def test_squared_softmax_error_by_x():
    W, x, y = RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.normal(size=3)
    # numerator layout: the row vector dL/dz' W
    hand = f"2 ({S} .* ({S} - y) - {S} ({S}' ({S} - y)))' W"
    fd = to_layout(jacobian_fd(_squared, {"W": W, "x": x, "y": y}, "x"), 0, 1, "numerator")
    np.testing.assert_allclose(_by_z(W, x, y) @ W, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ed.parse(hand, where=SQ)(W=W, x=x, y=y), fd, rtol=1e-6, atol=1e-8)
    engine = f"2 ({S} - y)' (diag({S}) - {S} {S}') W"
    wrong = [  # a sign, a factor 2, y's sign
        f"-2 ({S} - y)' (diag({S}) - {S} {S}') W",
        f"({S} - y)' (diag({S}) - {S} {S}') W",
        f"2 ({S} + y)' (diag({S}) - {S} {S}') W",
    ]
    assert str(ed.diff("norm2(softmax(W x) - y)^2", "x", where=SQ)) == engine
    assert_decided("norm2(softmax(W x) - y)^2", "x", SQ, hand, wrong)


def test_squared_softmax_error_by_W():
    W, x, y = RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.normal(size=3)
    # numerator layout of a scalar by a c-by-d W: d-by-c, x dL/dz'
    hand = f"2 x ((diag({S}) - {S} {S}') ({S} - y))'"
    fd = to_layout(jacobian_fd(_squared, {"W": W, "x": x, "y": y}, "W"), 0, 2, "numerator")
    np.testing.assert_allclose(np.outer(x, _by_z(W, x, y)), fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ed.parse(hand, where=SQ)(W=W, x=x, y=y), fd, rtol=1e-6, atol=1e-8)
    wrong = [  # a sign inside, a factor 2, s s' without its sign
        f"2 x ((diag({S}) + {S} {S}') ({S} - y))'",
        f"4 x ((diag({S}) - {S} {S}') ({S} - y))'",
        f"2 x ((diag({S}) - {S} {S}') ({S} - y))' + x ({S} - y)'",
    ]
    assert_decided("norm2(softmax(W x) - y)^2", "W", SQ, hand, wrong)


# ---------------------------------------------------------------------------------------------
# attention L = sum(softmax(Q K' / sqrt(d)) V) (square n-by-n scores: a dropped transpose keeps
# the shapes): dL/dS = 1 (V 1)', dL/dZ = S .* (1 v' - (S v) 1'), v = V 1, Z = Q K' / sqrt(d);
# dL/dQ = dL/dZ K / sqrt(d), dL/dK = dL/dZ' Q / sqrt(d)

AT = "d: scalar; Q: matrix(n, p); K: matrix(n, p); V: matrix(n, q)"
A = "softmax(Q K' / sqrt(d))"
ATTENTION = f"sum({A} V)"


def _attention(Q, K, V, d):
    return np.sum(softmax_rows(Q @ K.T / np.sqrt(d)) @ V)


def _by_scores(Q, K, V, d):
    s, v = softmax_rows(Q @ K.T / np.sqrt(d)), V.sum(axis=1)
    return s * (v[None, :] - (s @ v)[:, None])


def _attention_args():
    n, p, q = 3, 2, 2
    return {
        "Q": RNG.normal(size=(n, p)),
        "K": RNG.normal(size=(n, p)),
        "V": RNG.normal(size=(n, q)),
        "d": 2.0,
    }


def test_attention_by_Q():
    args = _attention_args()
    hand = f"K' ({A} .* (ones (V ones)' - {A} V ones ones'))' / sqrt(d)"
    fd = to_layout(jacobian_fd(_attention, args, "Q"), 0, 2, "numerator")
    by_z = _by_scores(**args)
    np.testing.assert_allclose((by_z @ args["K"]).T / np.sqrt(2.0), fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ed.parse(hand, where=AT)(**args), fd, rtol=1e-6, atol=1e-8)
    wrong = [  # a sign, a transpose dropped, a factor 2
        f"-K' ({A} .* (ones (V ones)' - {A} V ones ones'))' / sqrt(d)",
        f"K' ({A} .* (ones (V ones)' - {A} V ones ones')) / sqrt(d)",
        f"2 K' ({A} .* (ones (V ones)' - {A} V ones ones'))' / sqrt(d)",
    ]
    assert_decided(ATTENTION, "Q", AT, hand, wrong)


def test_attention_by_K():
    args = _attention_args()
    hand = f"Q' ({A} .* (ones (V ones)' - {A} V ones ones')) / sqrt(d)"
    fd = to_layout(jacobian_fd(_attention, args, "K"), 0, 2, "numerator")
    by_z = _by_scores(**args)
    np.testing.assert_allclose((by_z.T @ args["Q"]).T / np.sqrt(2.0), fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ed.parse(hand, where=AT)(**args), fd, rtol=1e-6, atol=1e-8)
    wrong = [  # a transpose dropped, a factor 2, sqrt(d) squared
        f"Q' ({A} .* (ones (V ones)' - {A} V ones ones'))' / sqrt(d)",
        f"Q' ({A} .* (ones (V ones)' - {A} V ones ones')) / (2 sqrt(d))",
        f"Q' ({A} .* (ones (V ones)' - {A} V ones ones')) / d",
    ]
    assert_decided(ATTENTION, "K", AT, hand, wrong)


def test_attention_output_by_Q():
    # Y = S V, S = softmax(Z), Z = Q K' / sqrt(d): dS = S .* (dZ - ((S .* dZ) 1) 1'), dY = dS V
    args = _attention_args()
    hand = f"dY = ({A} .* (dQ K' - ({A} .* (dQ K')) ones ones')) V / sqrt(d)"
    dQ = RNG.normal(size=args["Q"].shape)
    S_, K_, V_ = softmax_rows(args["Q"] @ args["K"].T / np.sqrt(2.0)), args["K"], args["V"]
    dZ = dQ @ K_.T / np.sqrt(2.0)
    by_hand = (S_ * (dZ - (S_ * dZ).sum(axis=1, keepdims=True))) @ V_

    def output(Q, K, V, d):
        return softmax_rows(Q @ K.T / np.sqrt(d)) @ V

    jac = jacobian_fd(output, args, "Q")  # Y[i,j] by Q[k,l]
    np.testing.assert_allclose(np.einsum("ijkl,kl->ij", jac, dQ), by_hand, rtol=1e-6, atol=1e-8)
    wrong = [  # a sign, a transpose dropped (K for K'), a factor 2
        f"dY = ({A} .* (dQ K' + ({A} .* (dQ K')) ones ones')) V / sqrt(d)",
        f"dY = ({A} .* (dQ K - ({A} .* (dQ K)) ones ones')) V / sqrt(d)",
        f"dY = 2 ({A} .* (dQ K' - ({A} .* (dQ K')) ones ones')) V / sqrt(d)",
    ]
    assert_decided(f"{A} V", "Q", AT.replace("p)", "n)"), hand, wrong)


# ---------------------------------------------------------------------------------------------
# a row function is a new variable only where the sub-terms are equal: softmax(X) (row by row)
# and softmax(X')' (column by column) differ, as do softmax(A x) and softmax(B x)


def _softmax_columns(X):
    return softmax_rows(X.T).T


def test_different_row_functions_stay_apart():
    X = RNG.normal(size=(3, 3))
    assert not np.allclose(softmax_rows(X), _softmax_columns(X))  # numpy: they differ
    where = "X: matrix(n, n); A: matrix(n, n)"
    # d tr(softmax(X) A) / dA = softmax(X) (numerator layout), not softmax(X')'
    result = ed.check("tr(softmax(X) A)", "A", claim="softmax(X')'", where=where)
    assert result.verdict == "wrong" and result.counterexample is not None
    where = "A: matrix(c, d); B: matrix(c, d); x: vector(d); y: vector(c)"
    # d (y' softmax(A x) + 2 y' softmax(B x)) / dy = softmax(A x)' + 2 softmax(B x)'
    expr = "y' softmax(A x) + 2 y' softmax(B x)"
    claim = "softmax(B x)' + 2 softmax(A x)'"
    result = ed.check(expr, "y", claim=claim, where=where)
    assert result.verdict == "wrong" and result.counterexample is not None
    claim = "2 softmax(B x)' + softmax(A x)'"
    assert ed.check(expr, "y", claim=claim, where=where).verdict == "right"


# ---------------------------------------------------------------------------------------------
# layer norm L = g' (x - m 1) / sqrt(v + e), m = mean(x), v = norm2(x - m 1)^2 / n. The claim
# needs v + e > 0; the expression imposes it as norm2(...)^2 / n + e > 0, sqrt(u)^2 = u where
# sqrt(u) is defined (before: "needs conditions the expression does not impose", undecided)

LN = "x: vector(n); g: vector(n); e: scalar"
LAYER_NORM = "g' (x - sum(x)/len(x)) / sqrt(norm2(x - sum(x)/len(x))^2/len(x) + e)"


def _layer_norm(x, g, e):
    c = x - x.mean()
    return g @ c / np.sqrt(c @ c / len(x) + e)


def test_layer_norm_by_x_g_and_e():
    args = {"x": RNG.normal(size=4), "g": RNG.normal(size=4), "e": 0.3}
    c = args["x"] - args["x"].mean()
    r = np.sqrt(c @ c / 4 + 0.3)
    hand = {  # by e: -(g' c) / (2 r^3); by g: c' / r; by x: (g - mean(g) 1)' / r - (g' c) c' / (n r^3)
        "e": "-(g' (x - mean(x))) / (2 sqrt(norm2(x - mean(x))^2 / len(x) + e)^3)",
        "g": "(x - mean(x))' / sqrt(norm2(x - mean(x))^2 / len(x) + e)",
        "x": "(g - mean(g))' / sqrt(norm2(x - mean(x))^2 / len(x) + e) - (g' (x - mean(x)))"
        " (x - mean(x))' / (len(x) sqrt(norm2(x - mean(x))^2 / len(x) + e)^3)",
    }
    by_hand = {
        "e": -(args["g"] @ c) / (2 * r**3),
        "g": c / r,
        "x": (args["g"] - args["g"].mean()) / r - (args["g"] @ c) * c / (4 * r**3),
    }
    for wrt, claim in hand.items():
        fd = np.reshape(jacobian_fd(_layer_norm, args, wrt), np.shape(by_hand[wrt]))
        np.testing.assert_allclose(by_hand[wrt], fd, rtol=1e-6, atol=1e-8)
        value = ed.parse(claim, where=LN)(**args)
        np.testing.assert_allclose(np.reshape(value, np.shape(fd)), fd, rtol=1e-6, atol=1e-8)
        wrong = [f"-({claim})", f"2 ({claim})"]  # a sign, a factor 2
        assert_decided(LAYER_NORM, wrt, LN, claim, wrong)


def test_log1p_differential():
    # d sum(log1p(W x)) = (1 ./ (1 + W x))' W dx: log1p imposes 1 + W x > 0, which covers the
    # claim's 1 + W x != 0 however its 1 is written (the differential's was "undecided")
    where = "W: matrix(c, d); x: vector(d)"
    W, x = RNG.normal(size=(3, 2)) / 4, RNG.normal(size=2) / 4

    def f(W, x):
        return np.sum(np.log1p(W @ x))

    fd = jacobian_fd(f, {"W": W, "x": x}, "x")
    np.testing.assert_allclose((1 / (1 + W @ x)) @ W, fd, rtol=1e-6, atol=1e-8)
    hand = "(1 ./ (1 + W x))' W"
    np.testing.assert_allclose(ed.parse(hand, where=where)(W=W, x=x), fd, rtol=1e-6)
    wrong = ["-(1 ./ (1 + W x))' W", "(1 ./ (1 - W x))' W", "2 (1 ./ (1 + W x))' W"]
    assert_decided("sum(log1p(W x))", "x", where, hand, wrong)


def test_a_size_in_a_divisor_is_not_zero():
    # d (sum(x) / n / s) / dx = ones' / (n s), n the size of x (n: integer, at least 1): the
    # claim's n s != 0 is s != 0, which the expression imposes (it "needed (n) != 0" before)
    where = "x: vector(n); s: scalar; n: integer"
    x, s = RNG.normal(size=4), 0.7
    fd = jacobian_fd(lambda x, s: np.sum(x) / 4 / s, {"x": x, "s": s}, "x")
    np.testing.assert_allclose(np.ones(4) / (4 * s), fd, rtol=1e-6)
    np.testing.assert_allclose(ed.parse("ones' / (n s)", where=where)(x=x, s=s, n=4, m=4), fd)
    wrong = ["-ones' / (n s)", "ones' / (2 n s)", "ones' / n"]
    assert_decided("sum(x) / n / s", "x", where, "ones' / (n s)", wrong)


def test_an_index_claim_with_a_condition_on_a_non_square_matrix_is_judged():
    # d/da (sigmoid(P) .* (1 + P .^ 2)) .^ tanh(a^k) = (1 - tanh(a^k)^2) k a^(k-1) B .^ t .* log(B)
    # (B = sigmoid(P) .* (1 + P .^ 2), t = tanh(a^k)), P 6-by-2: the engine's index form, with
    # deltas, is right by central differences; check raised a ValueError (a condition's two
    # free indices, of sizes 6 and 2, swapped as for a square matrix's transpose)
    where = "P: matrix(6, 2); a: scalar; k: integer"
    text = "(sigmoid(P) .* (1 + P .^ 2)) .^ (tanh(a^k))"
    claim = ed.diff(text, "a", where=where).index()
    P, a, k = RNG.normal(size=(6, 2)), 0.7, 3

    def f(a):
        return (1 / (1 + np.exp(-P)) * (1 + P**2)) ** np.tanh(a**k)

    want = jacobian_fd(f, {"a": a}, "a")
    got = ed.parse(claim, where=where)(P=P, a=a, k=k)
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert ed.check(text, "a", claim=claim, where=where).verdict != "wrong"


def test_an_index_claim_whose_condition_has_deltas_is_right():
    # d/da (sigmoid(P) .* (1 + P .^ 2)) .^ a = B .^ a .* log(B), B = sigmoid(P) .* (1 + P .^ 2)
    # > 0 everywhere: the index form writes B as sum (1 + P[a,b]^2) sigmoid(P[c,d])
    # delta[i,a,c] delta[j,b,d], whose sign was not read (undecided); its deltas contracted,
    # it is positive, and the claim, equal to central differences, is right
    where = "P: matrix(6, 2); a: scalar"
    text = "(sigmoid(P) .* (1 + P .^ 2)) .^ a"
    claim = ed.diff(text, "a", where=where).index()
    P, a = RNG.normal(size=(6, 2)), 0.7
    want = jacobian_fd(lambda a: (1 / (1 + np.exp(-P)) * (1 + P**2)) ** a, {"a": a}, "a")
    np.testing.assert_allclose(ed.parse(claim, where=where)(P=P, a=a), want, atol=1e-6)
    assert ed.check(text, "a", claim=claim, where=where).verdict == "right"


def test_an_index_claim_with_deltas_inside_a_power_in_its_condition_is_right():
    # d/dp log(softplus(p) .* exp(p) ./ (q ./ r))' = (sigmoid(p) ./ softplus(p) + 1)' as a
    # diagonal: the index form divides by (r[a]^-1 q[b] delta[i,a,b])^-1, a delta inside a
    # power, whose condition was not matched with the expression's q ./ r != 0 (undecided)
    where = "q, p, r: vector(4)"
    text = "log((softplus(p) .* (exp(p) ./ (q ./ r)))')"
    claim = ed.diff(text, "p", where=where).index()
    p, q, r = RNG.normal(size=4), RNG.uniform(0.5, 2, 4), RNG.uniform(0.5, 2, 4)

    def f(p):
        return np.log(np.log1p(np.exp(p)) * np.exp(p) / (q / r))

    want = to_layout(jacobian_fd(f, {"p": p}, "p"), 1, 1, "numerator")
    np.testing.assert_allclose(ed.parse(claim, where=where)(p=p, q=q, r=r), want, atol=1e-6)
    assert ed.check(text, "p", claim=claim, where=where).verdict == "right"


@pytest.mark.parametrize("wrt", ["P", "a", "p"])
def test_an_index_claim_whose_condition_is_a_diagonal_after_its_deltas_is_right(wrt):
    # tr(P .^ -0.5) (p + ones + a^2): the index forms divide by P's diagonal, written sum_{a,b}
    # P[a,b] delta[i,a,b], which contracted is the one-factor product (P[i,i]); its
    # condition P[i,i] > 0 did not match the expression's P[i,i] > 0 (undecided, the str forms
    # right: check_fuzz-like sweep, seed 3524). Each index form equals central differences
    where = "P: matrix(3, 3); a: scalar; p: vector(3)"
    text = "tr(P .^ (-0.5)) (p + ones + a^2)"
    g = ed.diff(text, wrt, where=where)
    claim = g.index()
    point = {"P": RNG.uniform(0.5, 2, (3, 3)), "a": 0.7, "p": RNG.normal(size=3)}

    def f(P, a, p):
        return np.trace(P**-0.5) * (p + 1 + a**2)

    want = to_layout(jacobian_fd(f, point, wrt), 1, np.ndim(point[wrt]), "numerator")
    got = ed.parse(claim, where=where, shape=g.shape)(**point)  # ones[i]: its size by shape
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert ed.check(text, wrt, claim=claim, where=where).verdict == "right"
