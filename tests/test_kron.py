"""kron, vec and compound indices (SPEC 6.1): values against numpy.kron and column-major
reshapes, derivatives against finite differences of plain numpy, printed forms read back.

Convention (docs/architecture.md): a compound index c over the pairs (i, j) of m by n is
c = i + m j, i fastest, so vec(X)[c] = X[i,j] as X.reshape(-1, order="F"), and kron(A, B) has
row (b, a) = b + p a for B p-by-q, as numpy.kron.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import einderiv as ed
from einderiv.notation.printing import index_latex
from tests.fd import LAYOUTS, assert_close, hessian_fd, jacobian_fd, to_layout
from tests.test_kronecker_form import K as commutation_matrix  # by its definition

RNG = np.random.default_rng(12)


def vec(X):
    return X.reshape(-1, order="F")


def arrays():
    A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 5))
    X = RNG.standard_normal((5, 3))  # kron(A, B) vec(X) needs X q-by-n: 5-by-3
    return {"A": A, "B": B, "X": X, "y": RNG.standard_normal(8)}


def given(f, values, expected) -> dict:
    """The arrays ``f`` reads, and the sizes of its axes that no array fixes (by the shape)."""
    chosen = {k: v for k, v in values.items() if k in f.variables}
    for dim, size in zip(f.shape, np.shape(expected)):
        if isinstance(dim, str) and "*" not in dim and dim not in chosen:
            chosen[dim] = size
    return chosen


def every_form(g, values, expected):
    """The value; the printed text and index notation read back; compiled; generated code."""
    assert_close(g(**given(g, values, expected)), expected, what="interpreter")
    for text in (str(g), g.index()):
        back = ed.parse(text)
        assert_close(back(**given(back, values, expected)), expected, what=text)
    own = given(g, values, expected)
    assert_close(g.compile()(**own), expected, what="compiled")
    assert_close(g.compile(backend="_generic_numpy")(**own), expected, what="generic")
    namespace: dict = {}
    exec(ed.codegen(g, name="generated"), namespace)  # noqa: S102
    params = inspect.signature(namespace["generated"]).parameters
    generated = namespace["generated"](**{k: v for k, v in own.items() if k in params})
    assert_close(generated, expected, what="codegen")


def test_vec_stacks_columns():
    # vec(X) = [X[:,0]; X[:,1]; ...]
    X = RNG.standard_normal((3, 4))
    assert_close(ed.parse("vec(X)")(X=X), vec(X))
    x = RNG.standard_normal(3)
    assert_close(ed.parse("vec(x)")(x=x), x)  # a vector is its own vec
    assert_close(ed.parse("vec(x')")(x=x), x)


@pytest.mark.parametrize("shapes", [((2, 3), (4, 5)), ((3, 3), (2, 2)), ((1, 4), (3, 1))])
def test_kron_is_numpy_kron(shapes):
    A, B = (RNG.standard_normal(s) for s in shapes)
    for text in ("kron(A, B)", "A ⊗ B", r"\mathbf{A} \otimes \mathbf{B}"):
        assert_close(ed.parse(text)(A=A, B=B), np.kron(A, B), what=text)


def test_kron_of_vectors():
    # kron(a, b) = numpy.kron of the vectors; kron(a, b') = a b' (column times row)
    a, b = RNG.standard_normal(3), RNG.standard_normal(4)
    assert_close(ed.parse("kron(a, b)")(a=a, b=b), np.kron(a, b))
    assert_close(ed.parse("kron(a, b')")(a=a, b=b), np.outer(a, b))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_derivative_of_vec(layout):
    # d vec(X)[c] / dX[k,l] = delta[c,(k,l)]
    X = RNG.standard_normal((3, 4))
    g = ed.diff("vec(X)", "X", layout=layout)
    jac = jacobian_fd(lambda X: vec(X), {"X": X}, "X")
    every_form(g, {"X": X}, to_layout(jac, 1, 2, layout))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_vec_of_a_product(layout):
    # d vec(A X B) = (B' kron A) d vec(X)
    A, X, B = (RNG.standard_normal(s) for s in ((2, 3), (3, 4), (4, 5)))
    g = ed.diff("vec(A X B)", "X", layout=layout)
    jac = jacobian_fd(lambda A, X, B: vec(A @ X @ B), {"A": A, "X": X, "B": B}, "X")
    every_form(g, {"A": A, "X": X, "B": B}, to_layout(jac, 1, 2, layout))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_kron_least_squares(layout):
    # d ||(A kron B) vec(X) - y||^2 = 2 ((A kron B) vec(X) - y)' (A kron B) d vec(X)
    values = arrays()
    text = "norm2(kron(A, B) vec(X) - y)^2"
    f = ed.parse(text)

    def plain(A, B, X, y):
        r = np.kron(A, B) @ vec(X) - y
        return r @ r

    assert_close(f(**values), plain(**values))
    g = ed.diff(f, "X", layout=layout)
    every_form(g, values, to_layout(jacobian_fd(plain, values, "X"), 0, 2, layout))


def test_kron_least_squares_hessian():
    # H = 2 (A kron B)' (A kron B), as a function of the entries of X
    values = arrays()

    def plain(A, B, X, y):
        r = np.kron(A, B) @ vec(X) - y
        return r @ r

    h = ed.hessian("norm2(kron(A, B) vec(X) - y)^2", "X")
    assert_close(h(**values), hessian_fd(plain, values, "X"), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("wrt", ["A", "X"])
def test_trace_of_kron(wrt):
    # tr(A kron X) = tr(A) tr(X):  d/dX = tr(A) I
    values = {"A": RNG.standard_normal((3, 3)), "X": RNG.standard_normal((2, 2))}
    g = ed.diff("tr(kron(A, X))", wrt)
    jac = jacobian_fd(lambda A, X: np.trace(np.kron(A, X)), values, wrt)
    every_form(g, values, to_layout(jac, 0, 2, "numerator"))


def test_derivative_of_kron_by_each_factor():
    # d kron(A, B)[(b,a),(d,c)] / dA[k,l] = delta[a,k] delta[c,l] B[b,d]
    values = {"A": RNG.standard_normal((2, 3)), "B": RNG.standard_normal((3, 2))}
    for wrt in ("A", "B"):
        g = ed.diff("kron(A, B)", wrt, layout="jacobian")
        jac = jacobian_fd(lambda A, B: np.kron(A, B), values, wrt)
        every_form(g, values, jac)


def test_compound_indices_in_index_notation():
    # y[(i,j)] is the entry i + m j of y: unvec(y)[i,j];  delta[c,(i,j)] X[i,j] is vec(X)[c]
    X = RNG.standard_normal((3, 4))
    y = vec(X)
    unvec = ed.parse("y[(i,j)] + 0 X[i,j]")
    assert_close(unvec(y=y, X=X), X)
    assert_close(ed.parse("delta[c,(i,j)] X[i,j]")(X=X), y)
    assert_close(ed.parse("vec(X)[(i,j)]")(X=X), X)


def test_a_commutation_matrix_in_index_notation_writes_its_sizes():
    # x' K y, K vec(X) = vec(X') for X 2-by-3: K y = vec(unvec(y)'). As deltas,
    # x[a] delta[a,(b,c)] delta[d,(c,b)] y[d], nothing sized b and c but b*c = 6 (2*3 or 3*2:
    # two commutation matrices; 1*6: the identity), and the index text was refused when read
    # back; commutation(2, 3)[a,b] writes the sizes (K_{2,3} in LaTeX)
    x, y = RNG.standard_normal(6), RNG.standard_normal(6)
    expected = x @ np.reshape(y, (2, 3), order="F").T.ravel(order="F")
    f = ed.parse("x' commutation(2, 3) y", where="x, y: vector(6)")
    assert f.index() == "x[a] commutation(2, 3)[a,b] y[b]"
    latex = index_latex(f.term, f.axes, f.variables)
    assert latex == r"x_{a} \, \left(K_{2,3}\right)_{a,b} \, y_{b}"
    for text in (f.index(), latex):
        assert_close(ed.parse(text, where="x, y: vector(6)")(x=x, y=y), expected)


def test_identity_and_ones_in_a_latex_kronecker_product_carry_their_sizes():
    # d/dy p' kron(y, ones) = p' kron(I_3, 1_3), y of 3 and p of 9 (the sums of p's blocks);
    # d/dQ tr(kron(ones ones', Q) P) = kron(1_2', I_2) P kron(1_2, I_3), Q 3-by-2 and P 4-by-6.
    # Written I and ones in a Kronecker product: nothing but a product sized them (3*3, 1*9 or
    # 9*1), and the LaTeX was refused when read back; it writes I_{3} and \mathbf{1}_{3} now
    values = {
        "p": RNG.standard_normal(9),
        "y": RNG.standard_normal(3),
        "Q": RNG.standard_normal((3, 2)),
        "P": RNG.standard_normal((4, 6)),
    }
    cases = [
        ("p' kron(y, ones)", "p: vector(9); y: vector(3)", "y",
         lambda p, y: p @ np.kron(y, np.ones(3)), r"\left(I_{3} \otimes \mathbf{1}_{3}\right)"),
        ("tr(kron(ones ones', Q) P)", "Q: matrix(3, 2); P: matrix(4, 6)", "Q",
         lambda Q, P: np.trace(np.kron(np.ones((2, 2)), Q) @ P),
         r"\left(\mathbf{1}_{2}^{\top} \otimes I_{2}\right)"),
    ]  # fmt: skip
    for text, where, wrt, plain, written in cases:
        g = ed.diff(text, wrt, where=where)
        latex = g.latex()
        assert written in latex
        args = {k: values[k] for k in ed.parse(text, where=where).variables}
        expected = to_layout(jacobian_fd(plain, args, wrt), 0, args[wrt].ndim, "numerator")
        back = ed.parse(latex, where=where)
        assert_close(back(**{k: args[k] for k in back.variables}), expected, rtol=1e-5)
    # a size name is not written: \mathbf{1}_{d3} would read as the entry d3 of ones
    assert "_{d3}" not in ed.diff("ones' P", "P", where="P: matrix(d3, d3)").latex()
    # nor the size of an I beside a sized factor, which its pair sizes (1*2, not 2):
    # d kron(vec(P), vec(A)) / dP (A, P 2-by-1) = kron(I, vec(A)) at [i,(k,j)]
    A, P = RNG.standard_normal((2, 1)), RNG.standard_normal((2, 1))
    where = "A: matrix(2, 1); P: matrix(2, 1)"
    latex = ed.diff("kron(vec(P), vec(A))", "P", where=where).latex()
    assert latex.startswith(r"\left(I \otimes")
    jac = jacobian_fd(lambda P, A: np.kron(vec(P), vec(A)), {"P": P, "A": A}, "P")
    back = ed.parse(latex, where=where)
    assert_close(back(A=A, n=2, m=1), to_layout(jac, 1, 2, "numerator"))


def test_compound_sizes_are_checked_when_evaluating():
    values = arrays()
    f = ed.parse("kron(A, B) vec(X) - y")
    with pytest.raises(ed.EinderivError, match="length"):
        f(**{**values, "y": np.zeros(7)})
    assert f.shape == ("p*n",)  # pairs of B's rows by A's rows, B's fastest


def test_latex_of_kron_and_vec_reads_back():
    values = arrays()
    f = ed.parse("kron(A, B) vec(X) - y")
    back = ed.parse(f.latex())
    assert_close(back(**values), f(**values), what=f.latex())


@pytest.mark.parametrize(
    ("text", "where", "message", "column"),
    [
        ("kron(A)", "", "kron takes two arguments, not 1", 7),
        ("kron(A, B, C)", "", "kron takes two arguments, not 3", 10),
        ("x + vec(a)", "a: scalar", "vec needs a vector or a matrix", 5),
        ("tr(X) + kron(2, A)", "", "kron takes matrices or vectors", 9),
        ("kron(a, B)", "a: scalar", "`a` is a scalar", 1),
    ],
)
def test_bad_input_names_the_place(text, where, message, column):
    with pytest.raises(ed.EinderivError, match=message) as info:
        ed.parse(text, where=where or None)
    lines = str(info.value).splitlines()
    caret = next(line for line in lines if line.strip() == "^")
    assert caret.index("^") - 2 == column - 1  # the context is indented by two spaces


def test_check_claims_through_kron_and_vec():
    # d tr(A kron X) / dX = tr(A) I;  claims in index notation with compound indices are read
    assert ed.check("tr(kron(A, X))", "X", claim="tr(A) I").ok
    assert not ed.check("tr(kron(A, X))", "X", claim="tr(A) X").ok
    g = ed.diff("vec(A X B)", "X")
    assert ed.check("vec(A X B)", "X", claim=g.index()).ok
    text = "norm2(kron(A, B) vec(X) - y)^2"
    assert ed.check(text, "X", claim=str(ed.diff(text, "X"))).ok
    assert not ed.check(text, "X", claim="2 A").ok


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        # d det(A kron B) = det(A kron B) tr(inv(A kron B) (dA kron B))
        ("det(kron(A, B))", lambda A, B: np.linalg.det(np.kron(A, B))),
        ("logdet(kron(A, B))", lambda A, B: np.linalg.slogdet(np.kron(A, B))[1]),
        ("tr(inv(kron(A, B)))", lambda A, B: np.trace(np.linalg.inv(np.kron(A, B)))),
    ],
)
def test_matrix_functions_of_kron(text, plain):
    # the printed derivative writes the matrix function's argument with kron: it reads back
    values = {"A": RNG.standard_normal((2, 2)) + 2 * np.eye(2)}
    values["B"] = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    for wrt in ("A", "B"):
        g = ed.diff(text, wrt)
        assert "kron(A, B)" in str(g)
        every_form(g, values, to_layout(jacobian_fd(plain, values, wrt), 0, 2, "numerator"))


def test_a_size_name_fixed_by_a_number_sizes_the_commutation_matrix():
    # kron(A, I) K_{p,3} with A 3-by-3: p is fixed at 3 by the product (I is then 3-by-3), and
    # the commutation matrix is built over the number, not the name (was a ValueError)
    where = "A: matrix(3, 3)"
    f = ed.parse("kron(A, I) commutation(p, 3)", where=where)
    A = np.arange(9.0).reshape(3, 3) - 4
    K = commutation_matrix(3, 3)
    X = np.arange(9.0).reshape(3, 3)
    assert np.allclose(K @ X.reshape(-1, order="F"), X.T.reshape(-1, order="F"))
    assert np.allclose(f(A=A), np.kron(A, np.eye(3)) @ K)
    # d tr(kron(A, I) K) / dA, against finite differences of numpy's kron
    g = ed.diff("tr(kron(A, I) commutation(p, 3))", "A", where=where)
    jac = jacobian_fd(lambda A: np.trace(np.kron(A, np.eye(3)) @ K), {"A": A}, "A")
    assert_close(g(A=A), to_layout(jac, 0, 2, "numerator"))


def test_an_index_name_with_two_sizes_is_refused_with_the_fix():
    # A[i,i] + X[i,j] X[i,j], A n-by-n and X m-by-n: one name, one size; the message says so
    with pytest.raises(ed.ShapeError, match="rename one"):
        ed.parse("A[i,i] + X[i,j] X[i,j]", where="A: matrix(n, n); X: matrix(m, n)")
    f = ed.parse("A[i,i] + X[k,j] X[k,j]", where="A: matrix(n, n); X: matrix(m, n)")
    A, X = np.eye(2) * 3, np.arange(6.0).reshape(3, 2)
    assert np.isclose(f(A=A, X=X), np.trace(A) + np.sum(X * X))


def test_pairs_of_other_factor_sizes_are_refused_not_reshaped():
    # kron(A, B) (B 2-by-2, A 3-by-3) has columns paired 2 by 3; commutation(2, 3) has rows
    # paired 3 by 2. numpy multiplies the two 6-by-6 arrays, but the pairs do not match factor
    # by factor: a reshape, which index notation could not print and read back. Refused, naming
    # both pairings
    with pytest.raises(ed.ShapeError, match=r"2\*3.*3\*2"):
        ed.parse("kron(A, B) commutation(2, 3)", where="A: matrix(3, 3); B: matrix(2, 2)")
    # pairs that match: kron(A, B) K_{3,2}, whose rows are pairs of 2 by 3
    f = ed.parse("kron(A, B) commutation(3, 2)", where="A: matrix(3, 3); B: matrix(2, 2)")
    A, B = np.arange(9.0).reshape(3, 3) - 2, np.array([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_allclose(f(A=A, B=B), np.kron(A, B) @ commutation_matrix(3, 2))


# vec(X') = K vec(X) (K the commutation matrix): vec(X)' vec(X') pairs (row, column)
# positions of X with those of X', so it is refused with that spelling, which reads as
# sum(X .* X) = ||X||_F^2
def test_vec_of_a_transpose_is_refused_with_the_commutation_spelling():
    X = np.arange(6.0).reshape(2, 3) - 2.5
    with pytest.raises(ed.ShapeError, match=r"commutation\(m, n\) vec\(X\)"):
        ed.parse("vec(X)' vec(X')", where="X: matrix(2, 3)")
    f = ed.parse("vec(X')' commutation(2, 3) vec(X)", where="X: matrix(2, 3)")
    assert np.isclose(f(X=X), np.sum(X * X))


# d (p' kron(p', P) q) / dp = q' (kron(I, P' p) + kron(p, P')), P n-by-1: the index form sums
# over the pairs (b, i) of a Kronecker size 1*n in one term and over p's plain n in the other.
# The reader never makes a compound size one with its own factor (1*n = n only for the 1), so
# one name for both (`q[c] delta[c,(b,i)] + P[i,b] p[c]`) was refused: "index c is used for
# two sizes (2 vs 2)". Nor may one name tie two terms' sizes: `A[d,g] delta[a,(d,g)] p[a]`
# (A n-by-1) beside `p[d]` makes p's n the compound n*1 of A's own n. Each summed index now has
# a name of its own where a pair has a factor 1
def softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


COMPOUND_BESIDE_PLAIN = [
    ("p' kron(p', P) q", lambda p, P, q, s, A, t: p @ np.kron(p[None, :], P) @ q),
    ("p' kron(P, p') q", lambda p, P, q, s, A, t: p @ np.kron(P, p[None, :]) @ q),
    (
        "q' kron(p', P) kron(p', P) q",
        lambda p, P, q, s, A, t: q @ np.kron(p[None, :], P) @ np.kron(p[None, :], P) @ q,
    ),
    (
        "p' kron(kron(p', P), s)",
        lambda p, P, q, s, A, t: p @ np.kron(np.kron(p[None, :], P), s[:, None]),
    ),
    (
        "exp(p') kron(p', vec(A) - t) softmax(p)",
        lambda p, P, q, s, A, t: np.exp(p) @ np.kron(p[None, :], vec(A)[:, None] - t) @ softmax(p),
    ),
]


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("text, plain", COMPOUND_BESIDE_PLAIN)
def test_a_compound_index_name_is_not_reused_for_its_product(text, plain, n):
    where = f"P, A: matrix({n}, 1); p, q: vector({n}); s: vector(1); t: scalar"
    values = {
        "p": RNG.standard_normal(n),
        "P": RNG.standard_normal((n, 1)),
        "q": RNG.standard_normal(n),
        "s": RNG.standard_normal(1),
        "A": RNG.standard_normal((n, 1)),
        "t": 0.3,
    }
    g = ed.diff(text, "p", where=where)
    expected = to_layout(jacobian_fd(plain, values, "p"), np.ndim(plain(**values)), 1, "numerator")
    for form in (g.index(), str(g), g.latex()):
        back = ed.parse(form, where=where)
        got = back(**{k: v for k, v in values.items() if k in back.variables})
        assert_close(got, expected, rtol=1e-6, what=form)
