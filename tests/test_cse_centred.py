"""Named reverse-mode gradients simplified as people expect (issue 13 item 4).

A sum of deviations from the mean is 0 also when the deviation has a name: ``t1 = 2 (x -
mean(x))`` then ``t1' - mean(t1)`` is ``t1'``. Like terms whose numbers the text puts inside
(``2 W t - 3 W t``, lowered ``(2 W) t``) merge before their adjoint is named. Every named form
is read back (each name replaced by its definition) and compared with central differences of a
plain numpy function, never with einderiv's own output.
"""

from __future__ import annotations

import numpy as np
import pytest

import einderiv as ed
from tests.fd import jacobian_fd, to_layout
from tests.named_forms import substituted

rng = np.random.default_rng(30)
n = 5
x0, y0, gamma0, beta0 = (rng.standard_normal(n) for _ in range(4))
W0 = rng.standard_normal((n, n)) / 2
EPS = 0.1
WHERE = "eps: scalar; x: vector(n); y: vector(n); gamma: vector(n); beta: vector(n)"
LN = "(x - mean(x)) ./ sqrt(mean((x - mean(x)).^2) + eps)"


def layer_norm(x, gamma, beta):
    d = x - x.mean()
    return gamma * d / np.sqrt(np.mean(d**2) + EPS) + beta


def _read_back(named: str, **values):
    back = ed.parse(substituted(named), where=WHERE if "eps" in named else None)
    return back(**{k: v for k, v in values.items() if k in back.variables})


def _gradient(f, wrt: str, **values):
    return to_layout(jacobian_fd(f, values, wrt), 0, 1, "numerator")


def test_named_deviation_sums_to_zero():
    # d/dx norm2(x - mean(x))^2 = 2 (x - mean(x))' (I - ones ones'/n) = 2 (x - mean(x))':
    # the mean of a deviation is 0 (it printed t1 = 2 (x - mean(x)); t1' - mean(t1))
    named = ed.diff("norm2(x - mean(x))^2", "x").show(cse=True)
    assert "mean(t" not in named
    expected = _gradient(lambda x: np.sum((x - x.mean()) ** 2), "x", x=x0)
    np.testing.assert_allclose(_read_back(named, x=x0), expected, atol=1e-6)


def test_named_layer_norm_summed_is_zero():
    # sum(layer_norm(x)) = 0 for every x (its entries are deviations): d/dx is 0 (it printed
    # ones' / s - mean(ones / s), s = sqrt(mean((x - mean(x)) .^ 2) + eps))
    g = ed.diff(f"sum({LN})", "x", "eps: scalar")
    assert g.show(cse=True) == "0" == str(g)
    expected = _gradient(lambda x: np.sum(layer_norm(x, 1.0, 0.0)), "x", x=x0)
    np.testing.assert_allclose(expected, 0, atol=1e-6)


def test_named_layer_norm_scaled_summed_is_zero():
    # sum(c layer_norm(x) + b) = n b for scalars c, b: its derivative by x is 0
    g = ed.diff(f"sum(c .* {LN} + b)", "x", "eps: scalar; c: scalar; b: scalar")
    assert g.show(cse=True) == "0"
    expected = _gradient(lambda x: np.sum(1.7 * layer_norm(x, 1.0, 0.0) + 0.3), "x", x=x0)
    np.testing.assert_allclose(expected, 0, atol=1e-6)


FULL = f"gamma .* {LN} + beta"


@pytest.mark.parametrize(
    "text, wrt, f",
    [
        (f"y' {LN}", "x", lambda x, y, gamma, beta: y @ layer_norm(x, 1.0, 0.0)),
        (
            f"norm2({FULL} - y)^2",
            "x",
            lambda x, y, gamma, beta: np.sum((layer_norm(x, gamma, beta) - y) ** 2),
        ),
        (
            f"norm2({FULL} - y)^2",
            "gamma",
            lambda x, y, gamma, beta: np.sum((layer_norm(x, gamma, beta) - y) ** 2),
        ),
        (
            f"norm2({FULL} - y)^2",
            "beta",
            lambda x, y, gamma, beta: np.sum((layer_norm(x, gamma, beta) - y) ** 2),
        ),
        (
            f"sum(tanh({FULL}))",
            "x",
            lambda x, y, gamma, beta: np.sum(np.tanh(layer_norm(x, gamma, beta))),
        ),
        (f"y' ({FULL})", "x", lambda x, y, gamma, beta: y @ layer_norm(x, gamma, beta)),
    ],
)
def test_named_layer_norm_gradients_read_back(text, wrt, f):
    # the layer norm's backward pass, named (t1 = x - mean(x), ...), against numpy
    named = ed.diff(text, wrt, WHERE).show(cse=True)
    values = {"x": x0, "y": y0, "gamma": gamma0, "beta": beta0}
    expected = _gradient(lambda **v: f(**v), wrt, **values)
    np.testing.assert_allclose(_read_back(named, **values, eps=EPS), expected, atol=1e-6)


def test_weighted_deviation_sum_is_kept():
    # z' (x - mean(x)) is not a sum of deviations alone (z weights it): the named t1 = x -
    # mean(x) is summed to 0 only where nothing else holds its index
    text = "sum(tanh(y' (x - mean(x))) (x - mean(x)) .* z)"
    named = ed.diff(text, "x").show(cse=True)
    assert "z' t1" in named and "y' t1" in named

    def f(x, y, z):
        u = x - x.mean()
        return np.sum(np.tanh(y @ u) * u * z)

    expected = _gradient(f, "x", x=x0, y=y0, z=gamma0)
    np.testing.assert_allclose(_read_back(named, x=x0, y=y0, z=gamma0), expected, atol=1e-6)


def test_deviation_times_its_own_weight_is_zero():
    # sum(tanh(y' (x - mean(x))) (x - mean(x))) = tanh(y' u) sum(u) = 0 for every x: d/dx = 0
    # (it printed ones' tanh((x - mean(x))' y) - mean(tanh(y' (x - mean(x))) ones), whose
    # ones has no size to read back by)
    named = ed.diff("sum(tanh(y' (x - mean(x))) (x - mean(x)))", "x").show(cse=True)
    assert named == "0"
    f = lambda x, y: np.sum(np.tanh(y @ (x - x.mean())) * (x - x.mean()))
    np.testing.assert_allclose(_gradient(f, "x", x=x0, y=y0), 0, atol=1e-6)


def test_like_terms_with_their_numbers_inside_merge_before_naming():
    # 2 W t - 3 W t = -W t (text's 2 W t is (2 W) t): the adjoint of W t is named once, not
    # as t2 and t3 = -t2 (it printed t3 = 2 t2 + 3 (-t2))
    named = ed.diff("sum(tanh(2 W tanh(W x) - 3 W tanh(W x)))", "W").show(cse=True)
    assert named.count(" = ") == 2 and "(-t" not in named
    f = lambda x, W: np.sum(np.tanh(-W @ np.tanh(W @ x)))
    expected = to_layout(jacobian_fd(f, {"x": x0, "W": W0}, "W"), 0, 2, "numerator")
    np.testing.assert_allclose(_read_back(named, x=x0, W=W0), expected, atol=1e-6)
