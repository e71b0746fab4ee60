"""Row functions inside row functions over the same size, and diagonal entries of row functions.

A row function binds the index that runs along a row (``logsumexp(B)[a] = log sum_s
exp(B[a,s])``). Nested over the same size, the outer function's index becomes the inner one's
row, and the two must not be confused: ``logsumexp(logsumexp(B))`` was read as the log-sum-exp
of the diagonal of B. A diagonal entry of a row function, ``diag(softmax(X))``, is written
``softmax(X)[a,b] delta[i,a,b]``, never ``softmax(X)[i,i]`` (which Einstein summation would
read as a trace). Every value is compared with plain numpy, every derivative with central
finite differences, and every printed form is read back.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd

RNG = np.random.default_rng(17)
N = 4
WHERE = "A: matrix(n, n); B: matrix(n, n); x: vector(n); z: vector(n)"


def _softmax(u):
    e = np.exp(u - u.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _lse(u):
    m = u.max(-1, keepdims=True)
    return (m + np.log(np.exp(u - m).sum(-1, keepdims=True)))[..., 0]


CASES = [
    # logsumexp(logsumexp(B)) = log sum_a exp(log sum_s exp(B[a,s])) = log sum(exp(B))
    ("logsumexp(logsumexp(A))", "A", lambda A, B, x, z: _lse(_lse(A))),
    ("logsumexp(logsumexp(A + A'))", "A", lambda A, B, x, z: _lse(_lse(A + A.T))),
    ("logsumexp(logsumexp(A' A))", "A", lambda A, B, x, z: _lse(_lse(A.T @ A))),
    # attention-like: softmax of scores applied to a vector, inside another row function
    ("logsumexp(softmax(A) x)", "x", lambda A, B, x, z: _lse(_softmax(A) @ x)),
    ("x' softmax(softmax(A + A') x)", "A", lambda A, B, x, z: x @ _softmax(_softmax(A + A.T) @ x)),
    ("logsumexp(softmax(A) softmax(B) x)", "A", lambda A, B, x, z: _lse(_softmax(A) @ _softmax(B) @ x)),
    ("sum(logsumexp(softmax(softmax(A))))", "A", lambda A, B, x, z: np.sum(_lse(_softmax(_softmax(A))))),
    # a diagonal entry of a row function, and its powers
    ("softmax(diag(softmax(A)))' x", "A", lambda A, B, x, z: _softmax(np.diag(_softmax(A))) @ x),
    ("tr(softmax(diag(z)))", "z", lambda A, B, x, z: np.trace(_softmax(np.diag(z)))),
    ("diag(softmax(diag(z)))", "z", lambda A, B, x, z: np.diag(_softmax(np.diag(z)))),
    ("sum(tanh(softmax(diag(z))))", "z", lambda A, B, x, z: np.sum(np.tanh(_softmax(np.diag(z))))),
]  # fmt: skip


def _values():
    return {
        "A": RNG.standard_normal((N, N)),
        "B": RNG.standard_normal((N, N)),
        "x": RNG.standard_normal(N),
        "z": RNG.standard_normal(N),
    }


@pytest.mark.parametrize("text, wrt, numpy_f", CASES, ids=[c[0] for c in CASES])
def test_nested_row_functions_value_derivative_and_read_back(text, wrt, numpy_f):
    values = _values()
    f = ed.parse(text, where=WHERE)
    np.testing.assert_allclose(f(**{k: values[k] for k in f.variables}), numpy_f(**values))
    g = ed.diff(text, wrt, where=WHERE, layout="jacobian")  # d f[I] / d X[J], as numpy's
    expected = jacobian_fd(lambda **v: numpy_f(**v), values, wrt)
    got = g(**{k: values[k] for k in g.variables})
    np.testing.assert_allclose(np.reshape(got, expected.shape), expected, atol=1e-6)
    for form in (str(g), g.index(), g.latex()):
        back = ed.parse(form, where=WHERE, shape=g.shape)
        again = back(**{k: values[k] for k in back.variables})
        np.testing.assert_allclose(np.reshape(again, expected.shape), expected, atol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        verdict = ed.check(text, wrt, claim=g.index(), where=WHERE, layout="jacobian").verdict
    assert verdict == "right"


def test_a_false_claim_about_nested_row_functions_is_wrong():
    # d logsumexp(logsumexp(B)) / dB = softmax over all entries; diag(softmax(diag(B))) is
    # what the misreading (the diagonal of B) would give: wrong
    assert ed.check("logsumexp(logsumexp(B))", "B", claim="diag(softmax(diag(B)))",
                    where=WHERE).verdict == "wrong"  # fmt: skip
    # x' softmax(logsumexp(B)) depends on B
    assert ed.check("x' softmax(logsumexp(B))", "B", claim="0", where=WHERE).verdict == "wrong"


def test_a_diagonal_entry_of_a_row_function_is_tied_by_a_delta():
    # diag(softmax(X))[i] = softmax(X)[i,i]: written with a delta, it reads back as a vector
    f = ed.parse("diag(softmax(X))")
    X = RNG.standard_normal((3, 3))
    back = ed.parse(f.index(), shape=f.shape)
    np.testing.assert_allclose(back(X=X), np.diag(_softmax(X)))
