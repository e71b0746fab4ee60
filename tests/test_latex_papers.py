"""Notation as pasted from ML and statistics papers and textbooks (Goodfellow et al., Bishop,
Murphy, Rasmussen & Williams, "Attention is all you need"): each formula read as the paper means
it, checked against numpy written here, or refused with a message that says what to write.
"""

import re
import warnings

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd

rng = np.random.default_rng(23)
w0, x0 = rng.normal(size=3), rng.normal(size=3)


@pytest.mark.parametrize(
    "latex",
    [
        r"\max(0, 1 - y\,\mathbf{w}^\top\mathbf{x})",
        r"\max\left(1 - y\,\mathbf{w}^{\top}\mathbf{x},\, 0\right)",
        r"\max\{0,\; 1 - y\, w^\top x\}",
    ],
)
def test_hinge_loss_with_thin_spaces(latex):
    # the hinge loss max(0, 1 - y w'x) (Murphy, SVMs): a thin space \, is no argument comma
    def hinge(w, x, y):
        return np.maximum(0.0, 1 - y * w @ x)

    for y in (0.3, -2.0):  # one point on each side of the hinge
        f = ed.parse(latex, where="y: scalar")
        np.testing.assert_allclose(f(w=w0, x=x0, y=y), hinge(w0, x0, y))
        g = ed.diff(latex, "w", where="y: scalar", layout="denominator")
        want = jacobian_fd(lambda w, x=x0, y=y: hinge(w, x, y), {"w": w0}, "w")
        np.testing.assert_allclose(g(w=w0, x=x0, y=y), want, atol=1e-8)


def _softmax_rows(M):
    e = np.exp(M - M.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _attention_reads(latex: str, names: tuple) -> None:
    """``latex`` is softmax(Q W_Q (K W_K)' / sqrt(d_k)) V W_V, its projections read as the
    labels ``names`` (said with a ReadAsLabel note), as numpy computes it."""
    X = rng.normal(size=(4, 3))
    Wq, Wk, Wv = (rng.normal(size=(3, 2)) for _ in range(3))
    with pytest.warns(ed.errors.ReadAsLabel, match=names[0]):
        f = ed.parse(latex)
    want = _softmax_rows(X @ Wq @ (X @ Wk).T / np.sqrt(2.0)) @ X @ Wv
    got = f(Q=X, K=X, V=X, d_k=2.0, **dict(zip(names, (Wq, Wk, Wv))))
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_attention_projections_are_labels_not_powers():
    # softmax(Q W^Q (K W^K)' / sqrt(d_k)) V W^V ("Attention is all you need"): W^Q is the query
    # projection, a name; it was W to the power of an integer Q, and Q W^Q an integer times it
    latex = r"\mathrm{softmax}\left(\frac{QW^Q (KW^K)^\top}{\sqrt{d_k}}\right)VW^V"
    _attention_reads(latex, ("W_Q", "W_K", "W_V"))
    # d(x' W^Q x)/dW^Q = x x' (denominator), and its LaTeX reads back
    W = rng.normal(size=(3, 3))
    with pytest.warns(ed.errors.ReadAsLabel):
        g = ed.diff(r"\mathbf{x}^\top \mathbf{W}^{Q} \mathbf{x}", "W_Q", layout="denominator")
    want = jacobian_fd(lambda W_Q: x0 @ W_Q @ x0, {"W_Q": W}, "W_Q")
    np.testing.assert_allclose(g(x=x0), want, atol=1e-8)
    np.testing.assert_allclose(ed.parse(g.latex())(x=x0), want, atol=1e-8)


def test_a_capital_superscript_declared_an_integer_is_a_power():
    # x' A^N x with N: integer is the matrix power (the label reading is for undeclared N)
    A = rng.normal(size=(3, 3))
    f = ed.parse(r"\mathbf{x}^\top \mathbf{A}^{N} \mathbf{x}", where="N: integer")
    np.testing.assert_allclose(f(x=x0, A=A, N=3), x0 @ np.linalg.matrix_power(A, 3) @ x0)


@pytest.mark.parametrize(
    "latex, says",
    [
        # argmin_w f was the name argmin_w (a vector) times f, min_w w'w likewise, E[x' A x] a
        # matrix E times a number: an optimisation or an expectation is no product of names
        (r"\operatorname{argmin}_{w} \|X w - y\|^2", "optimisation"),
        (r"\operatorname*{arg\,min}_{\mathbf{w}} \|\mathbf{X}\mathbf{w}-\mathbf{y}\|^2", "optimis"),
        (r"\operatorname{min}_w w^\top w", "optimisation"),
        (r"\max_{\mathbf{w}} \mathbf{w}^\top \mathbf{x}", "optimisation"),
        (r"\mathrm{E}\left[\mathbf{x}^\top \mathbf{A} \mathbf{x}\right]", "expectation"),
        (r"\operatorname{E}_{q}[\mathbf{x}^\top \mathbf{x}]", "expectation"),
        (r"\mathbb{E}[\mathbf{x}^\top \mathbf{x}]", "expectation"),
        # E(x' A x), E{x' A x}, E\,[x' A x] were E times the number, silently
        (r"\mathrm{E}(\mathbf{x}^\top \mathbf{A} \mathbf{x})", "expectation"),
        (r"\mathrm{E}\left\{\mathbf{x}^\top \mathbf{x}\right\}", "expectation"),
        (r"\mathrm{E}\,[\mathbf{x}^\top \mathbf{x}]", "expectation"),
        # \mathbf{E}[x' A x] (and E\left[...\right]) was the matrix E times the number, silently
        (r"\mathbf{E}[\mathbf{x}^\top \mathbf{A} \mathbf{x}]", "expectation"),
        (r"\boldsymbol{E}\left[\mathbf{x}^\top \mathbf{x}\right]", "expectation"),
        (r"\mathbf{E}_{q}\big[\mathbf{x}^\top \mathbf{x}\big]", "expectation"),
        (r"\mathbf E[\mathbf{x}]", "expectation"),
        (r"E\left[\mathbf{x}^\top \mathbf{A} \mathbf{x}\right]", "expectation"),
        (r"E[\mathbf{x}^\top \mathbf{x}]", "expectation"),
        (r"\mathbbm{E}[\mathbf{x}^\top \mathbf{x}]", "expectation"),
        # a brace, a group opened before the bracket, an upright E in bold: the matrix E, silently
        (r"\mathbf{E}\left\{\mathbf{x}^\top \mathbf{A} \mathbf{x}\right\}", "expectation"),
        (r"E\{\mathbf{x}^\top \mathbf{x}\}", "expectation"),
        (r"\mathbf{E}{\left[\mathbf{x}^\top \mathbf{x}\right]}", "expectation"),
        (r"\boldsymbol{\mathrm{E}}\left[\mathbf{x}^\top \mathbf{x}\right]", "expectation"),
        # the font in its own group, as old TeX writes it: the matrix E times the number
        (r"{\mathbf E}\left[\mathbf{x}^\top \mathbf{A} \mathbf{x}\right]", "expectation"),
        (r"{\mathbf E}[x^\top x]", "expectation"),
        (r"{\mathbf E_q}\left[x^\top x\right]", "expectation"),
        (r"{\mathbf E}_q\left[x^\top x\right]", "expectation"),
        (r"\mathcal{L} = \|\mathbf{x}\|^2", "right side"),
        (r"\int_0^1 x^\top x", "integral"),
        (r"\arg\min_w \|w\|^2", "optimisation"),
        (r"\vec{a}^\top \vec{x}", r"\mathbf{x}"),
        (r"{\bf x}^\top {\bf A} {\bf x}", r"\mathbf{x}"),
        (r"\exp\left(-\frac{r^2}{2\ell^2}\right)", "l: scalar"),
        (r"\tahn(\mathbf{x})", r"did you mean"),
    ],
)
def test_paper_notation_not_read_is_refused_saying_what_to_write(latex, says):
    with pytest.raises(ed.ParseError, match=re.escape(says)):
        ed.parse(latex)


def test_an_e_before_a_bracket_is_a_matrix_only_where_it_is_declared_or_indexed():
    # the expectation's refusal leaves E alone where it names a matrix: declared (E times the
    # bracket), an entry E[i,j] / E_{i,j} of index notation, \mathbf{E}_{ij}, E(x), \mathbf{E} x
    E, A, x = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=3)
    f = ed.parse(r"\mathbf{E}\left[\mathbf{A} \mathbf{x}\right]", where="E: matrix")
    np.testing.assert_allclose(f(E=E, A=A, x=x), E @ (A @ x))
    # declared with its subscript (E_q: matrix), E_q\left[A x\right] is E_q times A x too
    f = ed.parse(r"E_q\left[\mathbf{A} \mathbf{x}\right]", where="E_q: matrix")
    np.testing.assert_allclose(f(E_q=E, A=A, x=x), E @ (A @ x))
    # {\mathbf E} x (no bracket): E times x
    f = ed.parse(r"{\mathbf E} \mathbf{x}", where="E: matrix")
    np.testing.assert_allclose(f(E=E, x=x), E @ x)
    entries = ed.parse(r"E_{i,j} \, x_{j} + E[i,j] x[j]")
    np.testing.assert_allclose(entries(E=E, x=x), 2 * E @ x)
    np.testing.assert_allclose(ed.parse(r"\mathbf{E}_{i,j} x_{j}")(E=E, x=x), E @ x)
    np.testing.assert_allclose(ed.parse(r"\mathbf{E}(\mathbf{A} \mathbf{x})")(E=E, A=A, x=x),
                               E @ A @ x)  # fmt: skip


def test_an_upright_e_without_a_bracket_is_a_matrix_as_before():
    # the expectation's refusal needs its bracket (or subscript): \mathrm{E} x is E times x
    f = ed.parse(r"\mathrm{E} \mathbf{x}")
    E, x = rng.normal(size=(2, 3)), rng.normal(size=3)
    np.testing.assert_allclose(f(E=E, x=x), E @ x)


@pytest.mark.parametrize(
    "latex",
    [
        r"\mathbf{x}^{\scriptscriptstyle\top} \mathbf{A} \mathbf{x}",
        r"\mathbf{x}^{\scriptscriptstyle T} \mathbf{A} \mathbf{x}",
        r"\mathbf{x}^{\mathrm{\scriptscriptstyle T}} \mathbf{A} \mathbf{x}",  # Biometrika's
        r"{\scriptstyle\mathbf{x}^\top} \mathbf{A} \mathbf{x}",
    ],
)
def test_a_transpose_set_small_is_a_transpose(latex):
    # x' A x with the T set in a smaller style: a size, not a symbol (was an unknown command)
    A = rng.normal(size=(3, 3))
    f = ed.parse(latex)
    np.testing.assert_allclose(f(x=x0, A=A), x0 @ A @ x0)
    g = ed.diff(latex, "x", layout="denominator")
    np.testing.assert_allclose(g(x=x0, A=A), (A + A.T) @ x0)


@pytest.mark.parametrize(
    "latex",
    [
        r"\|\mathbf{y} - \mathbf{X}\hat{\boldsymbol\beta}\|^2",  # the font without braces
        r"\|\mathbf{y} - \mathbf{X}\hat\beta\|^2",  # the accent without braces, as TeX reads
        r"\left\|\mathbf{y} - \mathbf{X}\hat{\boldsymbol{\beta}}\right\|_2^2",
        r"\|\mathbf{y} - \mathbf{X}\hat\boldsymbol{\beta}\|^2",  # a font after a bare accent
        r"\|\mathbf{y} - \mathbf{X}\hat\bm\beta\|^2",
    ],
)
def test_an_accent_takes_one_symbol_with_or_without_braces(latex):
    # ||y - X beta_hat||^2 (least squares, Murphy): \hat{\boldsymbol\beta} was refused ("takes
    # one letter") while \hat{\boldsymbol{\beta}} read, and \hat\beta said "expected '{'"
    X, y, b = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3)
    where = "beta_hat: vector(p)"
    f = ed.parse(latex, where=where)
    np.testing.assert_allclose(f(X=X, y=y, beta_hat=b), np.sum((y - X @ b) ** 2))
    g = ed.diff(latex, "beta_hat", where=where, layout="denominator")
    want = jacobian_fd(
        lambda beta_hat: np.sum((y - X @ beta_hat) ** 2), {"beta_hat": b}, "beta_hat"
    )
    np.testing.assert_allclose(g(X=X, y=y, beta_hat=b), want, rtol=1e-6)
    back = ed.parse(g.latex(), where=where)
    np.testing.assert_allclose(back(X=X, y=y, beta_hat=b), want, rtol=1e-6)


@pytest.mark.parametrize(
    "text, says",
    [
        ("∇f", "wrt"),
        ("∂f/∂x", "wrt"),
        ("√(xᵀx)", "sqrt(...)"),
        ("-½ yᵀK⁻¹y", "1/2"),
        ("𝔼[xᵀx]", "expectation"),
        ("∑ x", "sum(...)"),
        (r"\frac{1}{2} \|x\|^2 + √λ", "sqrt(...)"),  # in LaTeX too
    ],
)
def test_characters_of_papers_are_refused_saying_what_to_write(text, says):
    # Unicode pasted from a PDF that no notation of einderiv's uses: "unexpected character"
    # alone did not say what to write
    with pytest.raises(ed.ParseError, match=re.escape(says)):
        ed.parse(text)
    x = rng.normal(size=3)  # what they suggest reads: sqrt(x' x) is the norm
    np.testing.assert_allclose(ed.parse("sqrt(xᵀx)")(x=x), np.linalg.norm(x))


@pytest.mark.parametrize(
    "latex",
    [r"\|\mathbf{X}\|_\mathrm{F}^2", r"\|\mathbf{X}\|_\text{F}^2", r"\lVert X\rVert_\text F^2"],
)
def test_a_frobenius_subscript_in_a_text_font_without_braces(latex):
    # ||X||_F^2 = sum of squares; _\mathrm{F} without braces round it was "unknown norm"
    X = rng.normal(size=(2, 3))
    np.testing.assert_allclose(ed.parse(latex)(X=X), np.sum(X**2))
    g = ed.diff(latex, "X", layout="denominator")
    np.testing.assert_allclose(g(X=X), jacobian_fd(lambda X: np.sum(X**2), {"X": X}, "X"))


@pytest.mark.parametrize("sup", [r"{\mathrm{Q}}", r"\mathrm{Q}", r"{\text{Q}}", r"\textrm{Q}"])
def test_an_upright_superscript_is_a_label(sup):
    # x' W^{\mathrm{Q}} y: an upright superscript is a label (the query projection W_Q, with
    # W 3-by-2 not square); it was W to the power of an integer Q, silently
    W, y = rng.normal(size=(3, 2)), rng.normal(size=2)
    with pytest.warns(ed.errors.ReadAsLabel, match="W_Q"):
        f = ed.parse(rf"\mathbf{{x}}^\top \mathbf{{W}}^{sup} \mathbf{{y}}")
    np.testing.assert_allclose(f(x=x0, W_Q=W, y=y), x0 @ W @ y, rtol=1e-12)


def test_an_upright_word_superscript_is_a_label_and_t_stays_a_transpose():
    # sigma^{\mathrm{out}} x is the scalar sigma_out times x; W^{\mathrm{T}} stays W'; a
    # declared integer stays a power: x' A^{\mathrm{N}} x = x' A^3 x
    A = rng.normal(size=(3, 3))
    with pytest.warns(ed.errors.ReadAsLabel):
        f = ed.parse(r"\sigma^{\mathrm{out}} \mathbf{x}", where="sigma_out: scalar")
    np.testing.assert_allclose(f(sigma_out=2.5, x=x0), 2.5 * x0)
    g = ed.parse(r"\mathbf{x}^\top \mathbf{A}^{\mathrm{T}} \mathbf{y}")
    np.testing.assert_allclose(g(x=x0, A=A, y=x0), x0 @ A.T @ x0)
    h = ed.parse(r"\mathbf{x}^\top \mathbf{A}^{\mathrm{N}} \mathbf{x}", where="N: integer")
    np.testing.assert_allclose(h(x=x0, A=A, N=3), x0 @ np.linalg.matrix_power(A, 3) @ x0)


def _spd(n):
    a = rng.normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def test_test_point_stars_are_labels():
    # R&W eq. 2.24: cov(f_*) = K_** - K_*' (K + s2 I)^-1 K_*, and the mean k_*' (K + s2 I)^-1 y
    # (eq. 2.25); the subscript * was refused ("letters or digits, not '*'"), K_{**} as "'**'
    # is not an operator": now the names K_star, K_starstar, k_star, said as labels
    K, Ks, Kss, y, k = _spd(3), rng.normal(size=(3, 2)), _spd(2), w0, x0
    A = K + 0.5 * np.eye(3)
    with pytest.warns(ed.errors.ReadAsLabel, match="K_starstar"):
        cov = ed.parse(r"K_{**} - K_*^\top (K + \sigma_n^2 I)^{-1} K_*")
    got = cov(K_starstar=Kss, K_star=Ks, K=K, sigma_n=np.sqrt(0.5))
    np.testing.assert_allclose(got, Kss - Ks.T @ np.linalg.solve(A, Ks), rtol=1e-10)
    with pytest.warns(ed.errors.ReadAsLabel, match="k_star"):
        mean = ed.parse(r"\mathbf{k}_{\ast}^\top (K + \sigma_n^2 I)^{-1} \mathbf{y}")
    got = mean(k_star=k, K=K, sigma_n=np.sqrt(0.5), y=y)
    np.testing.assert_allclose(got, k @ np.linalg.solve(A, y), rtol=1e-10)
    with pytest.raises(ed.ParseError, match="not an operator"):  # ** elsewhere stays refused
        ed.parse(r"K_{**} ** 2")


def test_the_log_of_two_pi_written_without_parentheses():
    # R&W eq. 2.30: log p(y|X) = -y' K^-1 y / 2 - log|K| / 2 - (n/2) log 2 pi, the last term
    # log(2 pi); \log 2\pi was log(2) times pi (a note said only "the next symbol")
    K, y, n = _spd(3), w0, 3.0
    latex = (
        r"-\frac{1}{2}\mathbf{y}^\top K^{-1}\mathbf{y} - \frac{1}{2}\log|K|"
        r" - \frac{n}{2}\log 2\pi"
    )
    with pytest.warns(ed.errors.ReadAsBareCall, match=re.escape(r"\log(2\pi)")):
        f = ed.parse(latex, where="n: scalar")
    want = -y @ np.linalg.solve(K, y) / 2 - np.linalg.slogdet(K)[1] / 2 - n / 2 * np.log(2 * np.pi)
    np.testing.assert_allclose(f(K=K, y=y, n=n, pi=np.pi), want, rtol=1e-10)
    # more factors on (\log 2\pi\sigma^2): where the argument ends is refused, both spelt
    with pytest.raises(ed.ParseError, match=re.escape(r"\log(2\pi\sigma^2)")):
        ed.parse(r"\frac{1}{2}\log 2\pi\sigma^2")
    g = ed.parse(r"\log(2\pi\sigma^2)")
    np.testing.assert_allclose(g(pi=np.pi, sigma=0.7), np.log(2 * np.pi * 0.49), rtol=1e-12)


def test_a_nested_bare_call_of_a_number_times_a_symbol():
    # log det(2 Sigma) = n log 2 + log det Sigma (a Gaussian's normaliser): \log\det 2\Sigma
    # was log(det(2)) Sigma; as \log 2\pi, the number takes the symbol written after it
    S = _spd(3)
    with pytest.warns(ed.errors.ReadAsBareCall, match=re.escape(r"\det(2\Sigma)")):
        f = ed.parse(r"\log\det 2\Sigma")
    want = 3 * np.log(2.0) + np.linalg.slogdet(S)[1]
    np.testing.assert_allclose(f(Sigma=S), want, rtol=1e-12)
    # more factors on: refused, both spelt
    with pytest.raises(ed.ParseError, match=re.escape(r"\det(2\pi\Sigma)")):
        ed.parse(r"\log\det 2\pi\Sigma")


def test_an_accent_without_braces_before_a_bold_letter():
    # ||y - y_hat||^2 with d/dy_hat = -2 (y - y_hat): \hat\mathbf{y} said "expected '{'" while
    # \hat{\mathbf{y}} read as the name y_hat; now both read alike
    y, yh = w0, x0
    for latex in (r"\|\mathbf{y} - \hat\mathbf{y}\|^2", r"\|\mathbf{y} - \hat{\mathbf{y}}\|^2"):
        np.testing.assert_allclose(ed.parse(latex)(y=y, y_hat=yh), np.sum((y - yh) ** 2))
        g = ed.diff(latex, "y_hat", layout="denominator")
        want = jacobian_fd(lambda y_hat: np.sum((y - y_hat) ** 2), {"y_hat": yh}, "y_hat")
        np.testing.assert_allclose(g(y=y, y_hat=yh), want, rtol=1e-6)


@pytest.mark.parametrize(
    "typed, fn",
    [(r"\tahn(\mathbf{x})", np.tanh), ("tahn(x)", np.tanh), (r"\dte(X)", np.linalg.det)],
)
def test_a_slip_of_order_suggests_the_function_with_the_same_letters(typed, fn):
    # \tahn suggested \tan (one letter fewer, first by spelling); the slip keeps the letters:
    # tanh. The suggestion, written in place, is the function numpy computes
    with pytest.raises(ed.ParseError, match=r"did you mean '?\\?(\w+)") as error:
        ed.parse(typed)
    meant = re.search(r"did you mean '?\\?(\w+)", str(error.value)).group(1)
    fixed = typed.replace(re.match(r"\\?(\w+)", typed).group(1), meant, 1)
    arg = rng.normal(size=(3, 3)) if "X" in typed else x0
    np.testing.assert_allclose(ed.parse(fixed)(**{"X" if "X" in typed else "x": arg}), fn(arg))


@pytest.mark.parametrize("order", [r"W^{%s}_i", r"W_i^{%s}"])
def test_a_superscript_and_a_subscript_in_either_order_read_alike(order):
    # head_i = softmax(Q W_i^Q (K W_i^K)' / sqrt(d_k)) V W_i^V ("Attention is all you need");
    # TeX sets W^Q_i as W_i^Q, but W^Q_i was refused ("a subscript must follow a name"): now
    # both are the name W_i_Q, and W^2_i is (W_i)^2 as W_i^2 is
    q, k, v = (r"\mathbf{" + order % letter + "}" for letter in "QKV")
    latex = rf"\mathrm{{softmax}}\left(\frac{{Q{q} (K{k})^\top}}{{\sqrt{{d_k}}}}\right)V{v}"
    _attention_reads(latex, ("W_i_Q", "W_i_K", "W_i_V"))
    W = rng.normal(size=(3, 3))
    square = ed.parse(r"\mathbf{x}^\top " + order % 2 + r" \mathbf{x}")
    np.testing.assert_allclose(square(x=x0, W_i=W), x0 @ W @ W @ x0)
    g = ed.diff(r"\mathbf{x}^\top " + order % r"\top" + r" \mathbf{y}", "W_i", layout="denominator")
    want = jacobian_fd(lambda W_i: x0 @ W_i.T @ w0, {"W_i": W}, "W_i")
    np.testing.assert_allclose(g(x=x0, y=w0), want, atol=1e-8)


@pytest.mark.parametrize(
    "written, entry_of",
    [
        (r"X^{-1}_{i,j} \, x_{j}", lambda X: np.linalg.inv(X)),
        (r"X^{2}_{i,j} \, x_{j}", lambda X: X @ X),
        (r"\mathbf{X}^{-1}_{i,j} \, x_{j}", lambda X: np.linalg.inv(X)),
    ],
)
def test_a_power_before_an_entry_subscript_is_refused(written, entry_of):
    # (X^{-1})_{i,j} x_j is (X^{-1} x)_i, as a paper writing X^{-1}_{i,j} x_j means it; it was
    # read as X_{i,j}^{-1} x_j (the reciprocals of X's entries), silently. Refused; both
    # spellings the message gives read as written
    where = "X: matrix(n, n); x: vector(n)"
    with pytest.raises(ed.ParseError, match="reads two ways") as error:
        ed.parse(written, where=where)
    X = np.eye(3) + 0.3 * rng.normal(size=(3, 3))
    entry, power = re.findall(r"write (\S+) for the entry.*?, or (\S+) for", str(error.value))[0]
    rest = written[written.index(r"\,") :]
    got = ed.parse(entry + " " + rest, where=where)(X=X, x=x0)
    np.testing.assert_allclose(got, entry_of(X) @ x0, rtol=1e-10)
    got = ed.parse(power + " " + rest, where=where)(X=X, x=x0)
    exponent = -1 if "-1" in power else 2
    np.testing.assert_allclose(got, X.astype(float) ** exponent @ x0, rtol=1e-10)


def test_a_label_before_an_entry_subscript_is_refused():
    # W^{(1)}_{i,j} x_j, layer 1's weights: was W[i,j]^1 x[j], the label read as a power of W
    where = "W_1: matrix(n, n); x: vector(n)"
    with pytest.raises(ed.ParseError, match=r"\\left\(W\^\{\(1\)\}\\right\)_\{i,j\}"):
        ed.parse(r"W^{(1)}_{i,j} \, x_{j}", where=where)
    W1 = rng.normal(size=(3, 3))
    with pytest.warns(ed.errors.ReadAsLabel, match="W_1"):
        f = ed.parse(r"\left(W^{(1)}\right)_{i,j} \, x_{j}", where=where)
    got = f(W_1=W1, x=x0)
    np.testing.assert_allclose(got, W1 @ x0, rtol=1e-10)


# A ParseError quotes the offending text as the user wrote it, at the caret: LaTeX's "}" and
# "\cdot" are read as ")" and "*", and the message said "unexpected ')'" for a ')' never written.
@pytest.mark.parametrize(
    "text",
    [r"\mathbf{X}^{2}{}^{\top}", r"\mathbf{x}^\top {} A", r"\frac{a +}{b}", r"a \cdot \cdot b"],
)
def test_latex_parse_error_quotes_the_text_as_written(text):
    with pytest.raises(ed.ParseError) as info:
        ed.parse(text)
    err = info.value
    quoted = re.search(r"unexpected '([^']*)'", str(err)).group(1).replace("\\\\", "\\")
    assert text[err.column - 1 :].startswith(quoted) and quoted


def test_an_empty_group_before_a_superscript_is_refused_with_the_transpose_spelt():
    # X^{2}{}^\top (TeX's spacing trick) is refused, naming the spellings that read: they are
    # the transpose of the square, (X^2)' = X' X'
    with pytest.raises(ed.ParseError, match=r"empty group \{\}.*\\left\(X\^\{2\}\\right\)\^\\top"):
        ed.parse(r"\mathbf{X}^{2}{}^\top")
    X = np.random.default_rng(0).normal(size=(3, 3))
    spelt = ed.parse(r"\left(\mathbf{X}^{2}\right)^\top")
    assert np.allclose(spelt(X=X), X.T @ X.T)


def test_a_plain_letter_with_an_index_subscript_is_a_name_said_so():
    # \frac{x_i}{y_i} outside index notation is the vector x_i over the scalar y_i (a divisor),
    # where a paper means entries of x and y: said for both names (it was silent); the value
    # is numpy's x_i / y_i, and a "right" resting on the reading is undecided
    x_i, y_i = rng.normal(size=3), 1.7
    with pytest.warns(ed.errors.ReadAsName, match=r"read x_i as one variable named x_i.*x\[i\]"):
        f = ed.parse(r"\frac{x_i}{y_i}")
    np.testing.assert_allclose(f(x_i=x_i, y_i=y_i), x_i / y_i)
    with pytest.warns(ed.errors.ReadAsName, match="y_i"):
        result = ed.check(r"\frac{x_i}{y_i}", "x_i", r"\frac{I}{y_i}")
    assert result.verdict == "undecided", result
    # a bold x_i is a vector (the i-th sample), a label as W_1, x_n, x_1: no note for it
    for text in (r"\mathbf{x}_i^\top \mathbf{x}_i", r"x_1^\top x_n"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ed.errors.ReadAsName)
            ed.parse(text)


def test_a_bold_letter_of_the_right_side_alone_is_refused_by_name():
    # \nabla_x logsumexp(x) = p, with p = softmax(x) defined elsewhere in the paper: p is no
    # variable of the expression. It was declared a vector by the bold convention, with a size
    # of its own, and the identity "wrong" ("wrong shape", n vs m), a verdict on a letter
    # einderiv knows nothing of; now refused by name as check refuses it. Written out, the
    # identity is right: the gradient of logsumexp is softmax (numpy central differences)
    def logsumexp(x):
        return np.log(np.sum(np.exp(x)))

    softmax = np.exp(x0) / np.sum(np.exp(x0))
    np.testing.assert_allclose(jacobian_fd(logsumexp, {"x": x0}, "x"), softmax, atol=1e-6)
    for text in (
        r"\nabla_{\mathbf{x}} \operatorname{logsumexp}(\mathbf{x}) = \mathbf{p}",
        (
            r"\nabla^2_{\mathbf{x}} \operatorname{logsumexp}(\mathbf{x}) = "
            r"\operatorname{diag}(\mathbf{p}) - \mathbf{p}\mathbf{p}^\top"
        ),
    ):
        with pytest.raises(ed.EinderivError, match="names that are not in the expression: p"):
            ed.check_identity(text)
    text = r"\nabla_{\mathbf{x}} \operatorname{logsumexp}(\mathbf{x}) = "
    assert ed.check_identity(text + r"\operatorname{softmax}(\mathbf{x})").verdict == "right"


@pytest.mark.parametrize(
    "latex",
    [
        r"|\mathbf{A}||\mathbf{X}|\mathbf{X}^{-1}|\mathbf{B}|",  # the notes' proof of (DD4)
        r"|\mathbf{A}| |\mathbf{X}| \mathbf{X}^{-1} |\mathbf{B}|",
        r"\det(\mathbf{A}) \, ||\mathbf{X}| \mathbf{X}^{-1}| \det(\mathbf{B})",
    ],
)
def test_two_bars_after_a_determinant_close_it_and_open_the_next(latex):
    # |A||X| X^-1 |B| = det(A) det(X) X^-1 det(B): in LaTeX `||` after an operand inside bars is
    # two bars, as in plain text ("unmatched '|'" before: `||` was always a norm);
    # ||X| X^-1| (no later ||) is det(det(X) X^-1), two bars too
    A, B = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    X = np.eye(3) + 0.3 * rng.normal(size=(3, 3))
    det, inv = np.linalg.det, np.linalg.inv
    want = det(A) * det(X) * inv(X) * det(B)
    if latex.startswith(r"\det"):
        want = det(A) * det(det(X) * inv(X)) * det(B)
    np.testing.assert_allclose(ed.parse(latex)(A=A, X=X, B=B), want, rtol=1e-10)
    # a norm written ||x|| in LaTeX is still a norm
    np.testing.assert_allclose(ed.parse(r"||\mathbf{x}||^2")(x=x0), x0 @ x0, rtol=1e-12)
