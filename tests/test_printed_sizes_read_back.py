"""Printed forms whose sizes the reader pairs: each read back with the declarations it was
derived with, its value against central differences of plain numpy (``np.kron``,
column-major vec); SPEC: every printed text form parses back to the same function."""

from __future__ import annotations

import warnings

import numpy as np

import einderiv as ed
from tests.fd import assert_close, jacobian_fd, to_layout

RNG = np.random.default_rng(2801)


def vec(X):
    return X.reshape(-1, order="F")


def read(text: str, where: str):
    with warnings.catch_warnings():  # einderiv's own text: its notes are not the point here
        warnings.simplefilter("ignore")
        return ed.parse(text, where=where)


def test_a_declared_size_paired_two_ways_in_two_terms():
    # d/dS x' kron(W', S + 3 I) / s, S symmetric: two terms, kron(x', I) P .. + kron(I, x') P ..,
    # pair x's 6 with 3*2 and with 2*3 (P's rows); x is one vector of 6, neither a pair
    where = "S: symmetric(3); W: matrix(2, 2); x: vector(6); s: scalar"
    S = RNG.standard_normal((3, 3))
    values = {"S": S + S.T, "W": RNG.standard_normal((2, 2)), "x": RNG.standard_normal(6)}
    values["s"] = 1.7

    def f(S, W, x, s):
        return x @ np.kron(W.T, S + 3 * np.eye(3)) / s

    expected = to_layout(jacobian_fd(f, values, "S", sym=True), 1, 2, "numerator")
    g = ed.diff("x' / s kron(W', S + 3 I)", "S", where=where)
    for text in (str(g), g.latex(), g.index()):
        assert_close(read(text, where)(**values), expected, what=text)
    jacobian = ed.parse(g.kronecker().split("=", 1)[1], where=where)  # d vec(y) / d vec(S)'
    wanted = np.stack([vec(expected[k].T) for k in range(6)])
    assert_close(jacobian(**values), wanted, what=g.kronecker())
