"""A Kronecker product inside a chain (its compound index summed, not a result's end), inside a
matrix function: ``inv(D + kron(y', A) V)``. The derivative printed the function's argument
in index notation inside the call, ``((D[i,j] + A[i,a] V[b,j] y[c] delta[b,(a,c)])^-2)[i,a]
...``, which does not read back (found by the round-trip fuzz; the value was right). Where the
argument has no matrix form, printing refuses (``NoReadableText``); the group (the compound
delta and the factors on its pair) is now written as ``kron(P, Q)``, so these have one.
Each case: str, latex and index read back to numpy's central differences (np.kron, np.linalg).
"""

import numpy as np
import pytest

import einderiv as ed
from einderiv.errors import NoReadableText
from tests.fd import jacobian_fd, to_layout

# (the sizes of v, V, U, W, G and X are products, m p etc.: read from the expression)
WHERE = (
    "D: matrix(n, n); A: matrix(n, p); y: vector(m); u: vector(p); F: matrix(p, p); "
    "B: matrix(q, q); C: matrix(q, q)"
)


def _values():
    rng = np.random.default_rng(26)
    n, m, p, q = 3, 2, 2, 2
    return {
        "D": rng.normal(size=(n, n)) + 6 * np.eye(n),
        "A": 0.5 * rng.normal(size=(n, p)),
        "y": 0.5 * rng.normal(size=m),
        "u": 0.5 * rng.normal(size=p),
        "v": 0.5 * rng.normal(size=m * p),
        "V": 0.5 * rng.normal(size=(m * p, n)),
        "U": 0.5 * rng.normal(size=(p * m, n)),
        "F": rng.normal(size=(p, p)) + 6 * np.eye(p),
        "W": 0.5 * rng.normal(size=(p, m * n)),
        "B": 0.5 * rng.normal(size=(q, q)),
        "C": 0.5 * rng.normal(size=(q, q)),
        "G": rng.normal(size=(q * q, q * q)) + 6 * np.eye(q * q),
        "X": 0.5 * rng.normal(size=(q * q, q * q)),
    }


inv, det, kron = np.linalg.inv, np.linalg.det, np.kron


def _row(y):
    return y[None, :]


def _col(y):
    return y[:, None]


CASES = [
    # tr(inv(D + kron(y', A) V)): kron(y', A) is n by (m p), V (m p) by n
    ("tr(inv(D + kron(y', A) V))", lambda D, A, y, V, **_: np.trace(inv(D + kron(_row(y), A) @ V))),
    # diag of a column: kron(y', A) v, v of m p entries
    (
        "tr(inv(D + diag(kron(y', A) v)))",
        lambda D, A, y, v, **_: np.trace(inv(D + np.diag(kron(_row(y), A) @ v))),
    ),
    # kron(y, u) = vec(u y'), inside an elementwise exp
    (
        "tr(inv(D + diag(kron(y', A) exp(kron(y, u)))))",
        lambda D, A, y, u, **_: np.trace(inv(D + np.diag(kron(_row(y), A) @ np.exp(kron(y, u))))),
    ),
    # kron(A, y'): the row vector the fast factor
    ("tr(inv(D + kron(A, y') U))", lambda D, A, y, U, **_: np.trace(inv(D + kron(A, _row(y)) @ U))),
    # kron(y, A): (m n) by p, after W
    ("tr(inv(F + W kron(y, A)))", lambda F, W, y, A, **_: np.trace(inv(F + W @ kron(_col(y), A)))),
    # a power and det, logdet of the same argument
    (
        "tr((D + kron(y', A) V)^3)",
        lambda D, A, y, V, **_: np.trace(np.linalg.matrix_power(D + kron(_row(y), A) @ V, 3)),
    ),
    ("det(D + kron(y', A) V)", lambda D, A, y, V, **_: det(D + kron(_row(y), A) @ V)),
    (
        "logdet(D + kron(y', A) V)",
        lambda D, A, y, V, **_: np.log(det(D + kron(_row(y), A) @ V)),
    ),
    # kron(B, C) X: both compound indices (rows free in the argument, columns summed)
    ("det(G + kron(B, C) X)", lambda G, B, C, X, **_: det(G + kron(B, C) @ X)),
    ("tr(inv(G + X kron(B, C) X))", lambda G, B, C, X, **_: np.trace(inv(G + X @ kron(B, C) @ X))),
]
BY = {
    0: ["V", "D", "A", "y"],
    1: ["v", "A", "y"],
    2: ["u", "D", "A"],
    3: ["U", "A"],
    4: ["W", "A", "y"],
    5: ["V", "A"],
    6: ["V", "y"],
    7: ["V", "A"],
    8: ["X", "B"],
    9: ["X", "C"],
}
PARAMS = [(CASES[k][0], wrt, CASES[k][1]) for k in BY for wrt in BY[k]]


@pytest.mark.parametrize(
    ("expr", "wrt", "plain"), PARAMS, ids=[f"{e} by {w}" for e, w, _ in PARAMS]
)
def test_a_kronecker_product_inside_a_matrix_function_reads_back(expr, wrt, plain):
    # d f / d wrt, numerator layout, = numpy's central differences of f; so does every
    # printed form read back, and str prints in matrix notation (no index text inside)
    values = _values()
    g = ed.diff(expr, wrt, where=WHERE)
    jac = jacobian_fd(plain, values, wrt)
    expected = to_layout(jac, jac.ndim - values[wrt].ndim, values[wrt].ndim, "numerator")
    assert np.allclose(g(**_of(g, values)), expected, atol=1e-6)
    for shown in (str(g), g.latex(), g.index()):
        back = ed.parse(shown, where=WHERE, shape=g.shape)
        assert np.allclose(back(**_of(back, values)), expected, atol=1e-6), shown


def _of(e, values):
    return {k: v for k, v in values.items() if k in e.variables}


def test_the_argument_is_written_as_the_kronecker_product_it_is():
    # d tr(inv(D + kron(y', A) V)) / dV = -(kron(y', A)' (D + kron(y', A) V)^-2)' in numerator
    # layout, = -kron(y', (D + kron(y', A) V)^-2 A) by the mixed product (a 1-by-1 y')
    g = ed.diff("tr(inv(D + kron(y', A) V))", "V", where=WHERE)
    assert str(g) == "-kron(y', (D + kron(y', A) V)^-2 A)"


def test_a_matrix_function_of_an_argument_with_no_matrix_form_is_refused(monkeypatch):
    # the safety net: where einderiv finds no matrix form for the argument of inv, a power,
    # det or softmax (here: as before the Kronecker groups were written), printing raises
    # NoReadableText (an EinderivError), never index text inside the call, which does not
    # read back; the derivation's steps (shown, not read back) still show it
    from einderiv.notation import recontract

    monkeypatch.setattr(recontract, "inside_groups", lambda factors, summed, rc: factors)
    assert issubclass(NoReadableText, ed.EinderivError)
    for expr in ("tr(inv(D + kron(y', A) V))", "det(D + kron(y', A) V)"):
        g = ed.diff(expr, "V", where=WHERE)
        for show in (str, lambda g: g.latex(), lambda g: g.index(), lambda g: g.show(cse=True)):
            with pytest.raises(NoReadableText):
                show(g)
        assert "delta[b,(a,c)]" in g.steps()


@pytest.mark.parametrize(
    ("wrt", "text"),
    [
        ("V", "3 kron(y', (D + kron(y', A) V)^2 A)"),
        ("D", "3 (D + kron(y', A) V)^2"),
        ("A", "3 kron(y', I) V (D + kron(y', A) V)^2"),
    ],
)
def test_like_terms_of_a_power_are_one_term(wrt, text):
    # d tr(M^3) = 3 tr(M^2 dM), M = D + kron(y', A) V: one term, 3 kron(y', M^2 A) by V. It
    # printed 2 kron(y', M^2 A) + kron(y', (D + kron(y, A')' V)^2 A): one M written through
    # kron(y', A)' = kron(y, A') transposed back as kron(y, A')', not seen equal to the other
    values = _values()
    g = ed.diff("tr((D + kron(y', A) V)^3)", wrt, where=WHERE)
    assert str(g) == text
    plain = CASES[5][1]
    jac = jacobian_fd(plain, values, wrt)
    expected = to_layout(jac, 0, 2, "numerator")
    back = ed.parse(str(g), where=WHERE, shape=g.shape)
    assert np.allclose(back(**_of(back, values)), expected, atol=1e-6)


def test_a_transposed_kronecker_product_is_the_product_of_the_transposes():
    # kron(P, Q)' = kron(P', Q'): transposing writes it so (kron(y', A)' is kron(y, A')), and
    # equal to numpy's transpose of np.kron
    from einderiv.ir import matrix_ir as M
    from einderiv.notation.transposing import transpose

    P, Q = M.Transpose(M.Name("y")), M.Name("A")
    made = transpose(M.Call("kron", (P, Q)), vectors=frozenset({"y"}))
    assert M.show(made) == "kron(y, A')"
    values = _values()
    y, A = values["y"], values["A"]
    assert np.allclose(ed.parse(M.show(made), where=WHERE)(y=y, A=A), kron(_row(y), A).T)
