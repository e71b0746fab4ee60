"""The gradient of tr(A1 X A2 X ... An X) named in text linear in n (issue 13 items 3 and 6).

d tr(A1 X ... An X) / dX is the sum of the n rotations S_k P_k (numerator layout), S_k = A(k+1)
X ... An X the adjoint above the k-th X and P_k = A1 X ... Ak the product before it: reverse
mode shares both (S_k = A(k+1) X S_(k+1), P_k = P_(k-1) X Ak), but the simplifier flattens each
term into one product, so each rotation was written whole, 2n - 1 factors sharing nothing with
the others: the named text was quadratic (23,643 characters at n = 64). ``backprop`` now groups
each chain at its adjoint, so ``notation.cse`` names every P_k and S_k with one short definition.
Read back (definitions put back, or line by line), it equals central differences of plain numpy.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import read_lines, substituted

rng = np.random.default_rng(3103)


def chain(n: int) -> str:
    return "tr(" + " ".join(f"A{k} X" for k in range(1, n + 1)) + ")"


def trace_of_chain(X, As):
    # tr(A1 X A2 X ... An X): a loop of matrix products
    P = np.eye(As[0].shape[0])
    for A in As:
        P = P @ A @ X
    return np.trace(P)


def values(n: int, rows: int, cols: int) -> dict:
    out = {f"A{k}": rng.normal(size=(rows, cols)) * 0.7 for k in range(1, n + 1)}
    out["X"] = rng.normal(size=(cols, rows)) * 0.7
    return out


def fd_gradient(n: int, given: dict) -> np.ndarray:
    def f(**kw):
        return trace_of_chain(kw["X"], [kw[f"A{k}"] for k in range(1, n + 1)])

    return to_layout(jacobian_fd(f, given, "X"), 0, 2, "numerator")


@pytest.mark.parametrize("n, rows, cols", [(3, 3, 3), (6, 3, 3), (9, 2, 3)])
def test_rotations_named_read_back_to_numpy(n, rows, cols):
    # d tr(A1 X ... An X) / dX = sum_k (A(k+1) X ... An X)(A1 X ... Ak), against central
    # differences; the definitions put back, and read line by line with their shapes
    given = values(n, rows, cols)
    where = "; ".join([f"A{k}: matrix(m, p)" for k in range(1, n + 1)] + ["X: matrix(p, m)"])
    g = ed.diff(chain(n), "X", where=where)
    named = g.show(cse=True)
    expected = fd_gradient(n, given)
    back = ed.parse(substituted(named), where=where)
    np.testing.assert_allclose(back(**given), expected, rtol=1e-6, atol=1e-9)

    def evaluate(expr, env, last):
        return expr(**{k: env[k] for k in expr.variables})

    by_lines = read_lines(ed, named, given, where, evaluate)
    np.testing.assert_allclose(by_lines, expected, rtol=1e-6, atol=1e-9)


def test_rotations_named_text_grows_linearly():
    # each rotation written whole: 1,323 and 5,691 characters at n = 16 and 32 (x4.3);
    # now a definition per P_k and S_k: 590 and 1,294
    small, large = (len(ed.diff(chain(n), "X").show(cse=True)) for n in (16, 32))
    assert large <= 2.5 * small, (small, large)
    assert large < 2000


def flipped_text(n: int) -> int:
    """The characters of the subterms ``notation.cse`` transposes (``_Shapes.flip``) naming
    the gradient of ``chain(n)``, summed."""
    from einderiv.ir import matrix_ir as M
    from einderiv.notation import cse

    g = ed.diff(chain(n), "X")
    total = [0]
    inner = cse._Shapes.flip

    def counted(self, e):
        total[0] += len(M.show(e))
        return inner(self, e)

    cse._Shapes.flip = counted
    try:
        g.show(cse=True)
    finally:
        cse._Shapes.flip = inner
    return total[0]


def test_rotations_named_without_transposing_each_prefix():
    # each P_k named was transposed whole, to ask whether it is a row and whether it is its own
    # transpose: 4,867 and 21,971 characters at n = 16 and 32 (x4.5); a product of matrix names
    # is neither, known from its factors' numbers (cse_transposed.plain_matrix): 289 and 641
    small, large = flipped_text(16), flipped_text(32)
    assert large <= 2.5 * small, (small, large)
