"""Issue 10 item 8: what numpy, Python or the operating system raise reaches the user as an
``EinderivError`` with a clear message (the CLI: a clean exit 2 with a message).

Where a value comes back instead of an error it is judged by plain numpy written here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import einderiv as ed
from einderiv.cli import main
from tests.fd import jacobian_fd

LETTERS = [a + b for a in "abcdefghij" for b in "abcdefghij"]


def outer_text(count: int) -> str:
    """x[aa] x[ab] ...: the outer product of ``count`` copies of x, one free index each."""
    return " ".join(f"x[{name}]" for name in LETTERS[:count])


def test_more_free_indices_than_einsum_letters():
    # x[a1] ... x[a60] with x of length 1 is 60 nested axes holding x0^60
    x = np.array([1.5])
    f = ed.parse(outer_text(60))
    for fn in (f, f.compile()):
        value = fn(x=x)
        assert value.shape == (1,) * 60
        assert np.isclose(value.ravel()[0], 1.5**60)
    # d(x[a1] ... x[a60])/dx: 60 x0^59 at the one entry
    g = ed.diff(outer_text(60), "x")
    assert np.isclose(g(x=x).ravel()[0], 60 * 1.5**59)


def test_more_summed_indices_than_einsum_letters():
    # x[a1] y[a1] ... x[a60] y[a60] = (x' y)^60, with 60 summed indices in one product
    x, y = np.array([0.6, 0.5]), np.array([1.0, 0.7])
    f = ed.parse(" ".join(f"x[{n}] y[{n}]" for n in LETTERS[:60]))
    for fn in (f, f.compile()):
        assert np.isclose(fn(x=x, y=y), (x @ y) ** 60)
    g = ed.diff(" ".join(f"x[{n}] y[{n}]" for n in LETTERS[:55]), "x", layout="jacobian")
    truth = jacobian_fd(lambda x: (x @ y) ** 55, {"x": x}, "x")
    assert np.allclose(g(x=x, y=y), truth, rtol=1e-5)


def test_more_axes_than_numpy_arrays_have():
    f = ed.parse(outer_text(70))
    with pytest.raises(ed.EvaluationError, match="70 axes.*at most"):
        f(x=np.ones(1))
    with pytest.raises(ed.EvaluationError, match="70 axes"):
        f.compile()
    with pytest.raises(ed.EvaluationError, match="70 axes"):
        ed.codegen(f)


@pytest.mark.parametrize("value", [[[1.0, 2.0], [3.0]], [1.0, [2.0]]])
def test_ragged_list_argument(value):
    f = ed.parse("x' A x")
    for fn in (f, f.compile()):
        with pytest.raises(ed.EvaluationError, match="A is not a rectangular array"):
            fn(x=[1.0, 2.0], A=value)
    # the same values as a rectangular list are fine: x' A x
    assert np.isclose(f(x=[1.0, 2.0], A=[[1.0, 2.0], [3.0, 4.0]]), 27.0)


def test_integer_too_large_for_a_float():
    f = ed.parse("a x' x", where="a: scalar")
    for fn in (f, f.compile()):
        with pytest.raises(ed.EvaluationError, match="a has an integer too large for a float"):
            fn(a=10**400, x=np.ones(2))
        with pytest.raises(ed.EvaluationError, match="x has an integer too large"):
            fn(a=1.0, x=[10**400, 1])
    # a large integer that fits is a float: 2^1000 x'x
    assert np.isclose(f(a=2**1000, x=np.ones(2)), 2.0 * 2.0**1000)


def test_size_too_large_for_memory():
    f = ed.parse("I")
    for fn in (f, f.compile()):
        with pytest.raises(ed.EvaluationError, match="not enough memory"):
            fn(n=10**6)
    assert np.array_equal(f(n=3), np.eye(3))


@pytest.mark.parametrize("n", [10**10, 10**19, 10**30])
def test_size_beyond_any_array(n):
    # numpy refuses such arrays with a ValueError ("array is too big", "Maximum allowed
    # dimension exceeded"), or a size beyond 2^62 is refused before any array is made
    f = ed.parse("I")
    for fn in (f, f.compile()):
        with pytest.raises(ed.EvaluationError, match="too large"):
            fn(n=n)


def test_dimension_too_large_says_so():
    with pytest.raises(ed.ParseError, match="too large: a size has at most 18 digits"):
        ed.parse("x' x", where="x: vector(99999999999999999999)")
    with pytest.raises(ed.ParseError, match="positive integer"):
        ed.parse("x' x", where="x: vector(0)")


def test_power_of_numbers_is_an_integer_exponent():
    # X^(2^3) = X^8 and X^(-2^3) = inv(X)^8; X^(10^9) of a rotation by 2 pi / 10^9 steps is I
    X = np.array([[0.9, 0.2], [-0.1, 0.8]])
    mp = np.linalg.matrix_power
    assert np.allclose(ed.parse("X^(2^3)")(X=X), mp(X, 8))
    assert np.allclose(ed.parse("X^(-2^3)")(X=X), mp(np.linalg.inv(X), 8))
    t = 2 * np.pi / 10**9
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    assert np.allclose(ed.parse("X^(10^9)")(X=R), np.eye(2), atol=1e-5)
    # its derivative: d tr(X^(2^3))/dX = 8 (X^7)' (numerator layout: 8 X^7)
    g = ed.diff("tr(X^(2^3))", "X", layout="jacobian")
    truth = jacobian_fd(lambda X: np.trace(mp(X, 8)), {"X": X}, "X")
    assert np.allclose(g(X=X), truth, rtol=1e-6)
    with pytest.raises(ed.ShapeError, match="linear in integers"):
        ed.parse("X^(2^-1)")
    with pytest.raises(ed.ShapeError, match="too large for an exponent"):
        ed.parse("X^(10^400)")


# -- the command line -----------------------------------------------------------------------


def _cli(args: list[str], stdout) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "einderiv", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", ["diff", "check"])
def test_cli_full_disk_is_a_clean_error(command):
    args = ["diff", "x' x", "--wrt", "x"]
    if command == "check":
        args = ["check", "x' x", "--wrt", "x", "--claim", "2 x'"]
    with open("/dev/full", "w") as full:
        done = _cli(args, full)
    assert done.returncode == 2, done.stderr
    assert "cannot write the output" in done.stderr
    assert "internal error" not in done.stderr


def test_cli_closed_stdout_is_an_error_not_success():
    done = subprocess.run(
        [sys.executable, "-m", "einderiv", "diff", "x' x", "--wrt", "x"],
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.close(1),  # the child starts with stdout closed
    )
    assert done.returncode == 2
    assert "standard output is closed" in done.stderr


def test_cli_output_still_written_normally(capsys):
    # the guard changes nothing when stdout works: d(x'x)/dx = 2 x'
    assert main(["diff", "x' x", "--wrt", "x"]) == 0
    text = capsys.readouterr().out.strip()
    x = np.array([1.0, -2.0, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.allclose(ed.parse(text)(x=x), 2 * x)


# Generated code (ed.codegen, Expr.einsum) checks its arrays as evaluation does: numpy alone
# would broadcast y of length 1 against x of length 3 and return a value.
def _generated(expr, where=None, einsum=False):
    f = ed.parse(expr, where=where)
    namespace: dict = {}
    exec(f.einsum("f") if einsum else ed.codegen(f, name="f"), namespace)  # noqa: S102
    return namespace["f"]


BAD_SHAPES = [
    ("x .* y + A x", None, {"x": np.ones(3), "y": np.ones(1), "A": np.ones((3, 3))}),
    ("x .* y + A x", None, {"x": np.ones(3), "y": np.ones(3), "A": np.ones((3, 2))}),
    ("x .* y + A x", None, {"x": np.ones(3), "y": np.ones(3), "A": np.ones(3)}),
    ("A x", "A: matrix(3, n)", {"x": np.ones(2), "A": np.ones((2, 2))}),
    ("kron(A, B) v", None, {"A": np.ones((2, 3)), "B": np.ones((4, 5)), "v": np.ones(14)}),
    ("x' S x", "S: symmetric(n)", {"x": np.ones(2), "S": np.array([[1.0, 2.0], [0.0, 1.0]])}),
]


@pytest.mark.parametrize("einsum", [False, True])
@pytest.mark.parametrize("expr, where, arrays", BAD_SHAPES)
def test_generated_code_refuses_arrays_that_do_not_fit(expr, where, arrays, einsum):
    with pytest.raises(ed.EvaluationError):  # the interpreter's verdict on the same arrays
        ed.parse(expr, where=where)(**arrays)
    with pytest.raises(ValueError, match="expected|symmetric"):
        _generated(expr, where, einsum)(**arrays)


@pytest.mark.parametrize("einsum", [False, True])
def test_generated_code_still_runs_on_arrays_that_fit(einsum):
    # kron(A, B) v + x' S x, judged by numpy's own kron
    rng = np.random.default_rng(3)
    A, B, v = rng.normal(size=(2, 3)), rng.normal(size=(4, 5)), rng.normal(size=15)
    S, x = np.array([[2.0, 1.0], [1.0, 3.0]]), rng.normal(size=2)
    f = _generated("kron(A, B) v + x' S x", "S: symmetric(n)", einsum)
    np.testing.assert_allclose(f(A=A, B=B, v=v, S=S, x=x), np.kron(A, B) @ v + x @ S @ x)
