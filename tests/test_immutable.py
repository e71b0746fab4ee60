"""An ``Expr`` is immutable (nothing writes into it: binding caches beside it, by identity),
and interned nodes that die at interpreter shutdown print nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fd import assert_close, jacobian_fd, to_layout

import einderiv as ed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_expr_cannot_be_changed_and_still_evaluates():
    # d/dx x' A x = x' (A + A') (numerator layout), evaluated before and after attempts to
    # change the Expr: the attempts fail and the value stays the finite-difference one
    g = ed.diff("x' A x", "x")
    rng = np.random.default_rng(3)
    args = {"x": rng.standard_normal(3), "A": rng.standard_normal((3, 3))}
    want = to_layout(jacobian_fd(lambda x, A: x @ A @ x, args, "x"), 0, 1, "numerator")
    assert_close(g(**args), want)
    with pytest.raises(AttributeError):
        g.term = ed.parse("x' x").term
    with pytest.raises(AttributeError):
        del g.axes
    assert_close(g(**args), want)
    assert_close(g.compile()(**args), want)


@pytest.mark.parametrize("layout", ["numerator", "denominator", "jacobian"])
def test_layout_is_public(layout):
    # the layout a derivative was taken in is readable (check's diagnosis reads it)
    assert ed.diff("x' A x", "x", layout=layout).layout == layout
    assert ed.parse("x' A x").layout is None


def test_nodes_dying_at_shutdown_print_nothing():
    # at interpreter shutdown a module's globals are set to None before the last nodes die;
    # the weak-reference callback must not look anything up in them ("Exception ignored in
    # _drop ... 'NoneType' object has no attribute '_table'", once per node, after a test run)
    code = (
        "import einderiv as ed\n"
        "from einderiv.ir import node\n"
        "g = ed.diff('tr(X A X)', 'X')\n"
        "for name in list(vars(node)):\n"
        "    if not name.startswith('__'):\n"
        "        setattr(node, name, None)\n"
        "del g\n"
        "import gc\n"
        "gc.collect()\n"
    )
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Exception ignored" not in done.stderr, done.stderr


# an Expr is copied and pickled through __init__, and its IR nodes through their classes, so
# an unpickled term is the one live node equal to it (interned) and the copy computes the same
# d(x' A x)/dx = x' (A + A')
@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
def test_copies_and_pickles_are_the_same_function(how):
    import copy
    import pickle

    make = {
        "copy": copy.copy,
        "deepcopy": copy.deepcopy,
        "pickle": lambda e: pickle.loads(pickle.dumps(e)),
    }[how]
    g = ed.diff("x' A x", "x")
    again = make(g)
    assert again.term is g.term and again.layout == "numerator"
    rng = np.random.default_rng(5)
    x, A = rng.normal(size=3), rng.normal(size=(3, 3))
    np.testing.assert_allclose(again(x=x, A=A), x @ (A + A.T), rtol=1e-12)
    assert again.differential() == g.differential() and str(again) == str(g)
    verdict = make(ed.check("x' A x", "x", claim="x' (A + A')"))
    assert verdict.verdict == "right"


# an Expr pickled in one process and differentiated in another, whose counter of generated
# index names is behind: the names met when unpickling move it past theirs (before, the names
# clashed: "an index is summed twice", or a wrong second derivative). Truth: numpy finite
# differences of G = A X X + X X A + X A X, the numerator gradient of tr(X A X X)
def test_a_pickle_differentiates_in_another_process(tmp_path):
    make = (
        "import pickle, sys, einderiv as ed\n"
        "from einderiv.ir import index_ir as T\n"
        "for _ in range(40): T.fresh(3)\n"
        "pickle.dump(ed.diff('tr(X A X X)', 'X'), open(sys.argv[1], 'wb'))\n"
    )
    use = (
        "import pickle, sys, numpy as np, einderiv as ed\n"
        "from einderiv.ir import index_ir as T\n"
        "for _ in range(37): T.fresh(3)\n"
        "h = ed.diff(pickle.load(open(sys.argv[1], 'rb')), 'X')\n"
        "rng = np.random.default_rng(0)\n"
        "X, A = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))\n"
        "np.save(sys.argv[2], np.stack([X, A]))\n"
        "np.save(sys.argv[3], h(X=X, A=A))\n"
    )
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    saved, inputs, value = tmp_path / "g.pkl", tmp_path / "in.npy", tmp_path / "h.npy"
    for code, args in ((make, [saved]), (use, [saved, inputs, value])):
        done = subprocess.run(
            [sys.executable, "-c", code, *map(str, args)],
            check=False, capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    X, A = np.load(inputs)
    h = np.load(value)

    def gradient(X):
        return A @ X @ X + X @ X @ A + X @ A @ X

    expected = np.zeros((3, 3, 3, 3))  # numerator layout: G's axes, then X's reversed
    step = 1e-6
    for k in range(3):
        for l in range(3):
            E = np.zeros((3, 3))
            E[k, l] = step
            expected[:, :, l, k] = (gradient(X + E) - gradient(X - E)) / (2 * step)
    np.testing.assert_allclose(h, expected, rtol=1e-6, atol=1e-8)
