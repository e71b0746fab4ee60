"""LaTeX that einderiv prints reads back to the same function (found by the named-form property
of test_cse_properties): each case's LaTeX is parsed and compared with numpy written here.
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.ir.matrix_ir import FUNCTIONS
from tests.fd import jacobian_fd, to_layout

rng = np.random.default_rng(11)
A = rng.uniform(0.5, 1.5, size=(2, 3))
W = np.eye(3) * 2 + 0.1 * rng.normal(size=(3, 3))


@pytest.mark.parametrize(
    "latex, fn",
    [
        # A^{\circ 2} is A .^ 2 (the Hadamard power), not A ^ (.* 2)
        (r"A^{\circ 2}", lambda A: A**2),
        (r"A^{\circ 2} \odot A", lambda A: A**3),
        (r"\left(1 + A\right)^{\circ -1}", lambda A: 1 / (1 + A)),
        (r"A \odot A^{\circ -\frac{1}{2}}", lambda A: np.sqrt(A)),
    ],
)
def test_hadamard_powers_read_back(latex, fn):
    f = ed.parse(latex, where="A: matrix(m, n)")
    np.testing.assert_allclose(f(A=A), fn(A), rtol=1e-12)
    np.testing.assert_allclose(ed.parse(f.latex(), where="A: matrix(m, n)")(A=A), fn(A))


def test_log_det_squared_is_not_log_of_det_squared():
    # d/dW logdet(W)^2 = 2 logdet(W) W^-T (denominator), printed (\log\det W) parenthesised
    g = ed.diff("logdet(W) .^ 2", "W", layout="denominator")
    expected = jacobian_fd(lambda W: np.log(np.linalg.det(W)) ** 2, {"W": W}, "W")
    back = ed.parse(g.latex())
    np.testing.assert_allclose(back(W=W), expected, rtol=1e-6)
    np.testing.assert_allclose(ed.parse(r"\log\det\left(W\right)^{2}")(W=W),
                               np.log(np.linalg.det(W) ** 2))  # fmt: skip


def test_an_order_four_result_reads_back_from_its_latex():
    # d vec(cos(A .^ 2)) / d vec(A)': the entry (...)_{(i,j) (l,k)} of a parenthesised form
    where = "A: matrix(m, n)"
    g = ed.diff("cos(A .^ 2)", "A", where=where)
    assert r"\right)_{(i,j) (l,k)}" in g.latex()
    expected = to_layout(jacobian_fd(lambda A: np.cos(A**2), {"A": A}, "A"), 2, 2, "numerator")
    np.testing.assert_allclose(ed.parse(g.latex(), where=where)(A=A), expected, atol=1e-6)


def test_a_commutation_matrix_of_named_sizes_reads_back():
    # d S / d S for S symmetric(d1): 0.5 (I + K) with K_{\mathrm{d1},\mathrm{d1}}
    where = "S: symmetric(d1)"
    g = ed.diff("S", "S", where=where)
    assert r"K_{\mathrm{d1},\mathrm{d1}}" in g.latex()
    back = ed.parse(g.latex(), where=where)
    S = W + W.T
    np.testing.assert_allclose(back(S=S), g(S=S))
    eye = np.eye(3)
    half = 0.5 * (np.einsum("ik,jl->ijkl", eye, eye) + np.einsum("il,jk->ijkl", eye, eye))
    np.testing.assert_allclose(g(S=S), half.transpose(0, 1, 3, 2))


@pytest.mark.parametrize("bad", [r"\left(A\right)_{(i,j) + }", r"A^{\circ}"])
def test_bad_subscripts_and_powers_are_parse_errors(bad):
    with pytest.raises(ed.ParseError):
        ed.parse(bad, where="A: matrix(m, n)")


# ---- index notation in LaTeX (results with no matrix form; entries as subscripts)


def test_index_notation_in_latex_reads_as_entries():
    # W_{a,b} x_{b} is (W x)[a]; \delta_{i,j} x_{j} is x[i]; \mathbf{1}_{a} x_{a} is sum(x)
    where = "W: matrix(m, n); x: vector(n)"
    Wv, xv = rng.normal(size=(2, 3)), rng.normal(size=3)
    got = ed.parse(r"W_{a,b} \, x_{b}", where=where)(W=Wv, x=xv)
    np.testing.assert_allclose(got, Wv @ xv)
    np.testing.assert_allclose(ed.parse(r"\delta_{i,j} \, x_{j}", where=where)(x=xv), xv)
    np.testing.assert_allclose(ed.parse(r"\mathbf{1}_{a} \, x_{a}", where=where)(x=xv), xv.sum())
    # without index notation around it, x_a is still a name (W_1 and x_a always were)
    assert "x_a" in ed.parse(r"\sin(x_a)").variables


@pytest.mark.parametrize(
    "expr, wrt, where, fn",
    [
        # (det(X) X was an example here; it has a Kronecker form now, det(X) I + det(X)
        # vec(X) vec(X^-T)', read back in test_kronecker_form.py)
        # d diag(A)[i] / dA[k,j] = delta[i,k,j]: ones where the three indices agree (a generalised
        # delta; delta[a,k] delta[b,j] delta[i,a,b] before deltas met ties were contracted)
        ("diag(A)", "A", "A: matrix(3, 3)", lambda A: np.diag(A)),
        # (exp(W_1) x x' by W_1 was an example here; it has a Kronecker form now, kron(x x', I)
        # diag(vec(exp(W_1))), read back in test_kronecker_form.py)
        # d kron(exp(W_1), A) / dW_1: a subscripted name's entries are \left(W_{1}\right)_{a,b}
        (
            "kron(exp(W_1), A)",
            "W_1",
            "W_1: matrix(3, 3); A: matrix(3, 3)",
            lambda W_1, A: np.kron(np.exp(W_1), A),
        ),
        # d kron(exp(K), A) / dK: a matrix named K has entries \left(K\right)_{a,b}, since
        # K_{a,b} is the commutation matrix K_{m,n} (it read back as commutation(a, b))
        (
            "kron(exp(K), A)",
            "K",
            "K: matrix(3, 3); A: matrix(3, 3)",
            lambda K, A: np.kron(np.exp(K), A),
        ),
    ],
)
def test_a_result_without_matrix_form_reads_back_from_its_latex(expr, wrt, where, fn):
    g = ed.diff(expr, wrt, where=where)
    assert g.written() is None and "_{" in g.latex(), g.latex()  # index notation, as LaTeX
    values = {"X": W, "A": W.T, "W_1": 0.3 * W, "K": 0.2 * W, "x": rng.normal(size=3)}
    args = {k: values[k] for k in fn.__code__.co_varnames[: fn.__code__.co_argcount]}
    y = np.asarray(fn(**args))
    expected = to_layout(jacobian_fd(fn, args, wrt), y.ndim, 2, "numerator")
    back = ed.parse(g.latex(), where=where)
    got = back(**{k: v for k, v in args.items() if k in back.variables}, **_sizes(back, expected))
    np.testing.assert_allclose(got, expected, atol=1e-6)


def _sizes(f, like):
    return {d: s for d, s in zip(f.shape, np.shape(like)) if isinstance(d, str)}


def test_a_finite_sum_reads_back_from_its_latex():
    # d W^(-k) / dW is a sum over r of products of powers of W, written in LaTeX as
    # \sum_{r=0}^{...} \left(...\right); at k = 2 it is the derivative of inv(W)^2
    where = "k: integer; W: matrix(3, 3)"
    g = ed.diff("W^(-k)", "W", where=where)
    assert r"\sum_{r=0}" in g.latex()
    back = ed.parse(g.latex(), where=where)
    inv = np.linalg.inv

    def fn(W):
        return np.linalg.matrix_power(inv(W), 2)

    expected = to_layout(jacobian_fd(fn, {"W": W}, "W"), 2, 2, "numerator")
    np.testing.assert_allclose(back(W=W, k=2), expected, atol=1e-6)


@pytest.mark.parametrize("bad", [r"\delta_{}", r"\sum x", r"\sum_r x", r"W_{a,} \, x"])
def test_bad_index_latex_is_a_parse_error(bad):
    with pytest.raises(ed.ParseError):
        ed.parse(bad, where="W: matrix(m, n); x: vector(n)")


def test_a_declared_name_with_a_subscript_is_that_name_in_index_latex():
    # d/dA of tr(A) (q + r) ./ pos_v (a row per entry: order 3, index notation) prints
    # \left(\mathrm{pos}_{\mathrm{v}}\right)_{b}: pos_v[b], never p o s[v] (a roman subscript
    # is a label of the name, never an index)
    where = "A: matrix(3, 3); q: vector(3); r: vector(3); pos_v: vector(3)"
    q, r, pos_v = rng.uniform(0.5, 1.5, size=(3, 3))
    g = ed.diff("tr(A) ./ (q + r) ./ pos_v", "A", where=where)
    assert r"\mathrm{pos}_{\mathrm{v}}" in g.latex()
    expected = to_layout(
        jacobian_fd(lambda A: np.trace(A) / (q + r) / pos_v, {"A": W}, "A"), 1, 2, "numerator"
    )
    back = ed.parse(g.latex(), where=where)
    sizes = {d: 3 for d in back.shape if isinstance(d, str)}  # the delta[k,j]'s: 3, as A's
    np.testing.assert_allclose(back(A=W, q=q, r=r, pos_v=pos_v, **sizes), expected, atol=1e-6)


def test_latex_without_a_backslash_is_read_as_latex():
    # d/dx (W_1 x - W_2 x) = W_1 - W_2, printed W_{1} - W_{2}: no command in it, but a braced
    # subscript is LaTeX (in plain text a syntax error), so it reads back
    g = ed.diff("W_1 x - W_2 x", "x")
    assert "\\" not in g.latex()
    W1, W2 = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    back = ed.parse(g.latex())
    np.testing.assert_allclose(back(W_1=W1, W_2=W2), W1 - W2)
    # plain text's own braced subscript, sum_{r=0}^{...}, stays plain text
    f = ed.parse("sum_{r=0}^{2}(X^r)", where="X: matrix(3, 3)")
    X = rng.normal(size=(3, 3))
    np.testing.assert_allclose(f(X=X), np.eye(3) + X + X @ X, atol=1e-12)


def test_a_name_with_two_underscores_reads_back_from_latex():
    # W_1_2 prints W_{1\_2} (W_{1_2} was "a subscript of a name is letters or digits")
    g = ed.diff("W_1_2 x + W_1 x", "x")
    assert g.latex() == r"W_{1} + W_{1\_2}"
    A, B = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    np.testing.assert_allclose(ed.parse(g.latex())(W_1=A, W_1_2=B), A + B)


def test_a_declared_variable_named_like_a_sized_identity_reads_back():
    # d tr(I_2' A) / dA = I_2' (a variable, declared): its LaTeX I_{2}^{\top} is that variable
    # again, not the identity; undeclared, I_n is the identity
    where = "I_2: matrix(n, n)"
    g = ed.diff("tr(I_2' A)", "A", where=where)
    M = np.arange(9.0).reshape(3, 3)
    back = ed.parse(g.latex(), where=where)
    np.testing.assert_allclose(back(I_2=M), M.T)
    x = np.arange(3.0)
    np.testing.assert_allclose(ed.parse(r"\mathbf{x}^\top I_n \mathbf{x}")(x=x), x @ x)


@pytest.mark.parametrize("prefix", sorted({*FUNCTIONS, "ln", "trace", "delta", "norm"}))
def test_a_name_beginning_like_a_function_reads_back_from_latex(prefix):
    # d (tr_A x'x) / dx = 2 tr_A x': tr_A prints \mathrm{tr\_A}, since \mathrm{tr}_{A} is the
    # trace and \delta_{x} the Kronecker delta; read back it is the same name
    name = f"{prefix}_a"
    g = ed.diff(f"{name} x' x", "x", where=f"{name}: scalar")
    back = ed.parse(g.latex(), where=f"{name}: scalar")
    assert set(back.variables) == {name, "x"}
    x = rng.normal(size=3)
    np.testing.assert_allclose(back(**{name: 0.7, "x": x}), 1.4 * x)


def test_a_letter_subscript_prints_upright_and_is_never_an_index():
    # d/dA (A x) / sqrt(d_k): index notation (kron(x', I) / sqrt(d_k))[i,(k,j)] has an index k;
    # the name d_k prints d_{\mathrm{k}}, so it reads back as the name, not the entry d[k]
    g = ed.diff(r"\frac{\mathbf{A}\mathbf{x}}{\sqrt{d_k}}", "A")
    text = g.latex()
    assert r"d_{\mathrm{k}}" in text
    back = ed.parse(text, shape=g.shape)
    assert set(back.variables) == {"d_k", "x"}
    x, d_k = np.array([1.0, -2.0, 0.5]), 4.0
    A = rng.normal(size=(2, 3))
    jac = jacobian_fd(lambda A: A @ x / np.sqrt(d_k), {"A": A}, "A")  # D[i,k,j] = dY[i]/dA[k,j]
    expected = to_layout(jac, 1, 2, "numerator")
    np.testing.assert_allclose(back(x=x, d_k=d_k, n=2), expected, atol=1e-6)


@pytest.mark.parametrize("power, k", [("k", 3), ("(k + 1)", 2), ("(k - 1)", 4)])
def test_a_scalar_power_by_an_integer_reads_back_as_a_power(power, k):
    # d (alpha^p x[i] x[j] x[l]) / dx[m] = alpha^p (delta[i,m] x[j] x[l] + ...): the index
    # LaTeX wrote \alpha^{(k)} and \alpha^{(1 + (k))}, which the reader takes for labels (the name
    # alpha_k; refused for 1 + k), as in W^{(1)}; the power is \alpha^{k}, \alpha^{1 + (k)}
    where = "x: vector(3); alpha: scalar; k: integer"
    g = ed.diff(f"alpha^{power} x[i] x[j] x[l]", "x", where=where)
    back = ed.parse(g.latex(), where=where)
    assert set(back.variables) == {"x", "alpha", "k"}, g.latex()
    xv, a = rng.normal(size=3), 1.3
    p = eval(power.replace("k", str(k)))

    def fn(x):
        return a**p * np.einsum("i,j,l->ijl", x, x, x)

    expected = to_layout(jacobian_fd(fn, {"x": xv}, "x"), 3, 1, "numerator")
    np.testing.assert_allclose(back(x=xv, alpha=a, k=k), expected, atol=1e-6)


def test_an_entry_beside_a_declared_name_of_its_index_is_parenthesised():
    # with x_i declared, x_{i} reads as that name where no index notation surrounds it: the
    # indexed sum of d tan(x / 4) / dx read back as tan(x_i / 4); the entry is \left(x\right)_{i}
    where = "x: vector(n); x_i: vector(n)"
    xv, xi = rng.normal(size=3), rng.normal(size=3)
    g = ed.diff("tan(x / 4)", "x", where=where)
    first = g.latex(steps=True).split("\n")[0].split(r"\quad ", 1)[1]
    np.testing.assert_allclose(ed.parse(first, where=where)(x=xv, x_i=xi), np.tan(xv / 4))
    # a result in index notation: d (x[i] x[j] x[l]) / dx[m], with x_i and x_j declared
    where += "; x_j: vector(n)"
    g = ed.diff("x[i] x[j] x[l]", "x", where=where)
    back = ed.parse(g.latex(), where=where)
    cube = lambda x: np.einsum("i,j,l->ijl", x, x, x)
    expected = to_layout(jacobian_fd(cube, {"x": xv}, "x"), 3, 1, "numerator")
    got = back(**{k: v for k, v in {"x": xv, "x_i": xi, "x_j": xi}.items() if k in back.variables})
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_log_det_of_a_power_of_a_finite_sum_reads_back_from_its_latex():
    # logdet((sum_{r=0}^{1} D^r) .^ 2) printed \log\det\left(\left(\sum ...\right)^{\circ 2}\right),
    # read back as log(det(sum(...)) .^ 2): the bare \log\det's argument ended at the sum's
    # bound brace (sum_{ was no opener), a different function; now the same one
    D = np.eye(3) + 0.2 * rng.normal(size=(3, 3))
    f = ed.parse("logdet((sum_{r=0}^{1}(D^r)) .^ 2)")
    truth = np.linalg.slogdet((np.eye(3) + D) ** 2)
    assert truth[0] > 0
    for g in (f, ed.parse(f.latex())):
        np.testing.assert_allclose(g(D=D), truth[1], rtol=1e-10)


@pytest.mark.parametrize(
    "expr, wrt, fn",
    [
        # d(x' A x)/dA[i,j] = x_i x_j: printed x_{i} \, x_{j}, the names x_i and x_j undeclared
        ("x' A x", "A[i,j]", lambda x, A: x @ A @ x),
        # d sqrt(x_i x_i)/dx_k = x_k / sqrt(x_a x_a): x_{a} read back as a scalar named x_a
        ("sqrt(x[i] x[i])", "x[k]", lambda x: np.sqrt(x @ x)),
        # d(x_i x_i x_i)/dx_k = 3 x_k^2: x_{k}^{2} read back as a matrix power of x_k
        ("x[i] x[i] x[i]", "x[k]", lambda x: np.sum(x**3)),
    ],
)
def test_index_latex_of_vector_entries_reads_back_without_declarations(expr, wrt, fn):
    # with no W_{a,b} or \delta in the text, x_{k} alone is the name x_k (as W_1 is): the
    # printed entries are \left(x\right)_{k}, which read back as entries with nothing declared
    g = ed.diff(expr, wrt)
    args = {"x": rng.normal(size=3), "A": rng.normal(size=(3, 3))}
    args = {k: args[k] for k in fn.__code__.co_varnames[: fn.__code__.co_argcount]}
    expected = jacobian_fd(fn, args, wrt[0])  # D[..., i, j]: the axes as written in wrt
    back = ed.parse(g.latex())
    np.testing.assert_allclose(back(**{k: args[k] for k in back.variables}), expected, atol=1e-6)


def test_a_log_det_followed_by_a_factor_reads_back_without_a_note_and_checks():
    # d(logsumexp(p) logdet(W))/dp = logdet(W) softmax(p)', printed
    # \log\det\left(W\right) \, \operatorname{softmax}\left(p\right)^{\top}: the argument of
    # the bare \log is a call with its own parentheses, so where it ends is written; it was
    # read with a note ("log of the next symbol only"), and check of it was undecided
    import warnings

    where = "W: matrix(3, 3); p: vector(3)"
    g = ed.diff("logsumexp(p) .* logdet(W)", "p", where=where)
    p = rng.normal(size=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = ed.parse(g.latex(), where=where)
    want = jacobian_fd(lambda p: np.log(np.sum(np.exp(p))) * np.linalg.slogdet(W)[1], {"p": p}, "p")
    np.testing.assert_allclose(back(W=W, p=p), want, atol=1e-6)
    assert (
        ed.check("logsumexp(p) .* logdet(W)", "p", claim=g.latex(), where=where).verdict == "right"
    )
