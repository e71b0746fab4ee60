"""A Kronecker form whose identities no variable sizes is printed with their sizes.

``d vec(kron(P, p')) / d vec(P)'`` for P 3-by-1 and p of length 2 is kron(p, I_3) (6 by 3);
the engine writes it ``kron(kron(I, p), I)``, which reads back as an ``m*2*n`` by ``m*n``
matrix: 1 by 3 or 3 by 1 (kron(p, I_3) or kron(I_3, p), another function), so evaluating it
asked for a size by keyword, and no keyword names which I is which. The form is now printed
with the sizes the engine gave its identities, ``kron(kron(I_{1}, p), I_{3})``, which reads to
one matrix (print_fuzz --kron seed 2822: 16 such forms). ``str`` keeps the indexed entry
``kron(kron(I, p), I)[(i,j),(l,k)]``, read with ``shape=g.shape`` as before. Truth: central
differences of np.kron, vec column-major.
"""

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout

RNG = np.random.default_rng(2822)


def _vec_matrix(jac: np.ndarray, ndim_x: int) -> np.ndarray:
    rows = int(np.prod(jac.shape[: jac.ndim - ndim_x]))
    return jac.reshape(rows, -1, order="F")


@pytest.mark.parametrize(
    "text, where, fn",
    [
        ("kron(P, p')", "P: matrix(3, 1); p: vector(2)", lambda P, p: np.kron(P, p[None, :])),
        ("kron(P, x')", "P: matrix(6, 1); x: vector(2)", lambda P, x: np.kron(P, x[None, :])),
        ("kron(p', P)", "P: matrix(4, 1); p: vector(2)", lambda P, p: np.kron(p[None, :], P)),
    ],
)
def test_a_kronecker_form_with_identities_no_variable_sizes_reads_back(text, where, fn):
    # d vec(kron(P, p')) / d vec(P)' = kron(p, I_m) for an m-by-1 P (and kron(I_m, p) for
    # kron(p', P)): the form reads back to central differences, no size asked for
    f = ed.parse(text, where=where)
    values = {k: RNG.normal(size=v.dims) for k, v in f.variables.items()}
    g = ed.diff(f, "P")
    jac = jacobian_fd(fn, values, "P")
    form = g.kronecker().split("=", 1)[1]
    back = ed.parse(form, where=where)
    got = back(**{k: v for k, v in values.items() if k in back.variables})
    np.testing.assert_allclose(got, _vec_matrix(jac, 2), atol=1e-6)
    back = ed.parse(str(g), where=where, shape=g.shape)  # the entry: its sizes by the shape
    got = back(**{k: v for k, v in values.items() if k in back.variables})
    np.testing.assert_allclose(got, to_layout(jac, 2, 2, "numerator"), atol=1e-6)


@pytest.mark.parametrize(
    "text, fn",
    [
        ("A .^ (s^tanh(a)) tr(P)", lambda A, s, a, P: A ** (s ** np.tanh(a)) * np.trace(P)),
        ("s^b2 A tr(P)", lambda A, s, b2, P: s**b2 * A * np.trace(P)),
    ],
)
def test_a_sized_kronecker_form_keeps_a_power_of_a_call_as_written(text, fn):
    # d vec(A .^ (s^tanh(a)) tr(P)) / d vec(P)' = vec(A .^ (s^tanh(a))) vec(I_1)' for P 1-by-1;
    # I_{1} makes the text LaTeX, where s^tanh(a) is s^t a n h(a) (s^b2 is s^b 2): the form is
    # written with I unsized instead (its size asked for by keyword), reading back to central
    # differences (print_fuzz seed 3411: "no value given for h")
    where = "P: matrix(1, 1); A: matrix(2, 1); a, b2: scalar; s: scalar"
    g = ed.diff(text, "P", where=where)
    point = {"A": RNG.uniform(0.5, 2, (2, 1)), "s": 1.7, "a": 0.4, "b2": 0.6, "P": np.ones((1, 1))}
    args = {k: v for k, v in point.items() if k in fn.__code__.co_varnames}
    back = ed.parse(g.kronecker().split("=", 1)[1], where=where)
    assert set(back.variables) <= {"P", "A", "a", "b2", "s"}
    got = back(**{k: v for k, v in args.items() if k in back.variables}, n=1)
    jac = jacobian_fd(fn, args, "P")
    np.testing.assert_allclose(got, _vec_matrix(jac, 2), atol=1e-6)
