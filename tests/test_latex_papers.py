"""Notation as pasted from ML and statistics papers and textbooks (Goodfellow et al., Bishop,
Murphy, Rasmussen & Williams, "Attention is all you need"): each formula read as the paper means
it, checked against numpy written here, or refused with a message that says what to write.
"""

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
