"""The command line (SPEC section 4): exit codes, output formats, error reporting.

Most tests run the program in-process (``main([...])`` with capsys); a few run it as a separate
process with ``python -m einderiv`` to make sure the module entry point works.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import einderiv as ed
from einderiv.cli import main

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cli_util import run, run_process
from fd import jacobian_fd

TR_XAX = "tr(X' A X)"


# --- diff --------------------------------------------------------------------------------------


def test_diff_text_succeeds(capsys):
    code, out, err = run(capsys, "diff", TR_XAX, "--wrt", "X")
    assert code == 0, err
    assert out.strip()
    assert "Traceback" not in err


def test_diff_text_reads_back_and_agrees_with_api(capsys):
    code, out, _ = run(capsys, "diff", TR_XAX, "--wrt", "X")
    assert code == 0
    assert out.strip() == str(ed.diff(TR_XAX, "X")).strip()


@pytest.mark.parametrize("fmt", ["text", "latex", "index", "einsum", "python"])
def test_every_format_produces_output(capsys, fmt):
    code, out, err = run(capsys, "diff", TR_XAX, "--wrt", "X", "--format", fmt)
    assert code == 0, err
    assert out.strip(), f"--format {fmt} printed nothing"


@pytest.mark.parametrize("layout", ["numerator", "denominator", "jacobian"])
def test_every_layout_is_accepted(capsys, layout):
    code, out, err = run(capsys, "diff", "x' A x", "--wrt", "x", "--layout", layout)
    assert code == 0, err
    assert out.strip()


def test_where_declarations_are_passed(capsys):
    code, out, err = run(
        capsys, "diff", TR_XAX, "--wrt", "X", "--where", "X: matrix(m, n); A: matrix(m, m)"
    )
    assert code == 0, err
    assert out.strip()


def test_where_may_be_repeated(capsys):
    code, out, err = run(
        capsys,
        "diff",
        TR_XAX,
        "--wrt",
        "X",
        "--where",
        "X: matrix(m, n)",
        "--where",
        "A: matrix(m, m)",
    )
    assert code == 0, err
    assert out.strip()


def _load_grad(source: str):
    namespace: dict = {}
    exec(compile(source, "<einderiv codegen>", "exec"), namespace)  # noqa: S102 - the point
    assert "grad" in namespace, "the generated code does not define 'grad'"
    return namespace["grad"]


def _call(fn, **arrays):
    """Call a generated function by the names of its parameters (positional order may vary)."""
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn(**arrays)
    return fn(**{name: value for name, value in arrays.items() if name in params})


def _central_differences(f, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """G[i, j] = df / dX[i, j] by central differences (shaped like X)."""
    G = np.zeros_like(X)
    for index in np.ndindex(*X.shape):
        step = np.zeros_like(X)
        step[index] = h
        G[index] = (f(X + step) - f(X - step)) / (2 * h)
    return G


def test_python_format_matches_finite_differences(capsys):
    code, source, err = run(capsys, "diff", TR_XAX, "--wrt", "X", "--format", "python")
    assert code == 0, err
    grad = _load_grad(source)

    rng = np.random.default_rng(5240)
    X = rng.standard_normal((3, 2))
    A = rng.standard_normal((3, 3))

    def f(X_):  # tr(X' A X) in plain numpy
        return np.trace(X_.T @ A @ X_)

    numeric = _central_differences(f, X).T  # numerator layout: shape (2, 3)
    np.testing.assert_allclose(numeric, X.T @ (A + A.T), rtol=1e-6, atol=1e-8)

    value = np.asarray(_call(grad, X=X, A=A))
    assert value.shape == (2, 3)
    np.testing.assert_allclose(value, numeric, rtol=1e-6, atol=1e-7)


def test_python_format_respects_layout(capsys):
    code, source, err = run(
        capsys, "diff", TR_XAX, "--wrt", "X", "--format", "python", "--layout", "denominator"
    )
    assert code == 0, err
    grad = _load_grad(source)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3, 2))
    A = rng.standard_normal((3, 3))
    value = np.asarray(_call(grad, X=X, A=A))
    np.testing.assert_allclose(value, (A + A.T) @ X, rtol=1e-10, atol=1e-12)


def test_steps_prints_something_and_the_result(capsys):
    code, out, err = run(capsys, "diff", TR_XAX, "--wrt", "X", "--steps")
    assert code == 0, err
    assert out.strip()
    assert "Traceback" not in err
    assert str(ed.diff(TR_XAX, "X")).strip() in out


# --- errors ------------------------------------------------------------------------------------


def test_parse_error_is_exit_2_with_caret_and_no_traceback(capsys):
    code, out, err = run(capsys, "diff", "tr(X' A", "--wrt", "X")
    assert code == 2
    assert err.startswith("einderiv: error:")
    assert "^" in err
    assert "Traceback" not in err + out


def test_parse_error_caret_points_into_the_text(capsys):
    code, _, err = run(capsys, "diff", "X + * Y", "--wrt", "X")
    assert code == 2
    lines = err.splitlines()
    caret_lines = [i for i, line in enumerate(lines) if line.strip() == "^"]
    assert caret_lines, err
    i = caret_lines[0]
    assert i > 0 and "X + * Y" in lines[i - 1]


def test_unknown_layout_is_exit_2(capsys):
    code, _, err = run(capsys, "diff", TR_XAX, "--wrt", "X", "--layout", "sideways")
    assert code == 2
    assert "layout" in err
    assert "Traceback" not in err


def test_unknown_format_is_exit_2(capsys):
    code, _, err = run(capsys, "diff", TR_XAX, "--wrt", "X", "--format", "fortran")
    assert code == 2
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv, option",
    [
        (
            ["diff", "x' x", "--wrt", "x", "--layout", "numerator", "--layout", "denominator"],
            "--layout",
        ),
        (["diff", "x' x", "--wrt", "x", "--format", "latex", "--format", "text"], "--format"),
        (["hessian", "x' x", "--wrt", "x", "--format", "index", "--format", "text"], "--format"),
        (
            ["check", "--identity", "d (x' x) / dx = 2 x'", "--identity", "d x / dx = I"],
            "--identity",
        ),
        (["audit", "notes.md", "--format", "json", "--format", "markdown"], "--format"),
        (["serve", "--port", "8001", "--port", "8002"], "--port"),
    ],
)
def test_a_single_valued_option_given_twice_differently_is_refused(capsys, argv, option):
    # never the last one silently: `--layout numerator --layout denominator` asks two things
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert f"{option} given twice" in err and "give it once" in err


def test_a_single_valued_option_repeated_with_its_value_is_that_value(capsys):
    # d(x' x)/dx = 2 x' (numerator layout); --layout denominator twice: the column 2 x
    code, out, err = run(
        capsys, "diff", "x' x", "--wrt", "x", "--layout", "denominator", "--layout", "denominator"
    )
    assert code == 0, err
    x = np.array([1.5, -2.0, 0.25])
    value = ed.parse(out.strip()).compile()(x=x)
    expected = jacobian_fd(lambda x: x @ x, {"x": x}, "x")
    assert np.shape(value) in ((3, 1), (3,))
    np.testing.assert_allclose(np.ravel(value), expected, rtol=1e-6)


@pytest.mark.parametrize("command", ["diff", "hessian", "check", "audit"])
def test_an_unknown_option_is_said_with_its_command_usage(capsys, command):
    first = {"diff": TR_XAX, "hessian": TR_XAX, "check": TR_XAX, "audit": "notes.md"}[command]
    code, _, err = run(capsys, command, first, "--wrt", "X", "--bogus")
    assert code == 2
    assert f"usage: einderiv {command}" in err
    assert f"einderiv {command}: error: unrecognized arguments:" in err and "--bogus" in err


def test_an_unknown_option_before_the_command_is_said_with_the_top_level_usage(capsys):
    code, _, err = run(capsys, "--bogus", "diff", TR_XAX, "--wrt", "X")
    assert code == 2
    assert (
        "usage: einderiv [-h]" in err and "einderiv: error: unrecognized arguments: --bogus" in err
    )


def test_missing_wrt_is_exit_2(capsys):
    code, _, err = run(capsys, "diff", TR_XAX)
    assert code == 2
    assert "--wrt" in err


def test_missing_command_is_exit_2(capsys):
    code, _, _ = run(capsys)
    assert code == 2


def test_unknown_variable_is_exit_2(capsys):
    code, _, err = run(capsys, "diff", TR_XAX, "--wrt", "Q")
    assert code == 2
    assert err.startswith("einderiv: error:")
    assert "Traceback" not in err


def test_shape_error_is_exit_2(capsys):
    code, _, err = run(
        capsys, "diff", "x + A", "--wrt", "x", "--where", "x: vector(3); A: matrix(2, 2)"
    )
    assert code == 2
    assert err.startswith("einderiv: error:")
    assert "Traceback" not in err


def test_any_einderiv_error_is_exit_2(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise ed.EinderivError("something the user did")

    monkeypatch.setattr(ed, "diff", broken)
    code, out, err = run(capsys, "diff", TR_XAX, "--wrt", "X")
    assert code == 2
    assert err == "einderiv: error: something the user did\n"
    assert out == ""


def test_internal_error_is_exit_3_without_traceback(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(ed, "diff", broken)
    monkeypatch.delenv("EINDERIV_DEBUG", raising=False)
    code, _, err = run(capsys, "diff", TR_XAX, "--wrt", "X")
    assert code == 3
    assert "einderiv: internal error: RuntimeError: engine exploded" in err
    assert "report" in err
    assert "Traceback" not in err


def test_internal_error_shows_traceback_with_debug(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(ed, "diff", broken)
    monkeypatch.setenv("EINDERIV_DEBUG", "1")
    code, _, err = run(capsys, "diff", TR_XAX, "--wrt", "X")
    assert code == 3
    assert "Traceback" in err


class _FakeDerivative:
    def __str__(self):
        return "FAKE"

    def steps(self):
        raise NotImplementedError


def test_steps_not_implemented_is_a_remark(capsys, monkeypatch):
    monkeypatch.setattr(ed, "diff", lambda *a, **k: _FakeDerivative())
    code, out, err = run(capsys, "diff", TR_XAX, "--wrt", "X", "--steps")
    assert code == 0
    assert out == "FAKE\n"
    assert "not available" in err
    assert len(err.strip().splitlines()) == 1


def test_arguments_reach_the_api(capsys, monkeypatch):
    seen = {}

    def fake_diff(expr, wrt, *, where=None, layout="numerator"):
        seen.update(expr=expr, wrt=wrt, where=where, layout=layout)
        return _FakeDerivative()

    monkeypatch.setattr(ed, "diff", fake_diff)
    code, _, _ = run(
        capsys, "diff", "x' A x", "--wrt", "x", "--where", "x: vector(n)", "--layout", "jacobian"
    )
    assert code == 0
    assert seen == {"expr": "x' A x", "wrt": "x", "where": "x: vector(n)", "layout": "jacobian"}


def test_expression_starting_with_minus_after_double_dash(capsys, monkeypatch):
    seen = {}

    def fake_diff(expr, wrt, **kwargs):
        seen["expr"] = expr
        return _FakeDerivative()

    monkeypatch.setattr(ed, "diff", fake_diff)
    code, _, _ = run(capsys, "diff", "--wrt", "X", "--", "-X")
    assert code == 0
    assert seen["expr"] == "-X"


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith("einderiv ")


def test_help(capsys):
    code, out, _ = run(capsys, "diff", "--help")
    assert code == 0
    assert "--wrt" in out and "--format" in out


# --- check -------------------------------------------------------------------------------------

needs_check = pytest.mark.skipif(not hasattr(ed, "check"), reason="ed.check is not implemented")


@needs_check
def test_check_right_claim_is_exit_0(capsys):
    code, out, err = run(
        capsys, "check", "tr(inv(X) A)", "--wrt", "X", "--claim", "-inv(X) A inv(X)"
    )
    assert code == 0, out + err
    assert out.strip()


@needs_check
def test_check_wrong_claim_is_exit_1(capsys):
    code, out, err = run(
        capsys, "check", "tr(inv(X) A)", "--wrt", "X", "--claim", "-inv(X)' A inv(X)'"
    )
    assert code == 1, out + err
    assert out.strip()
    assert "Traceback" not in err


@needs_check
def test_check_bad_claim_is_exit_2(capsys):
    code, _, err = run(capsys, "check", TR_XAX, "--wrt", "X", "--claim", "X' (A +")
    assert code == 2
    assert err.startswith("einderiv: error:")
    assert "^" in err


def test_check_verdict_sets_exit_code(capsys, monkeypatch):
    class Verdict:
        def __init__(self, verdict):
            self.verdict = verdict

        def __str__(self):
            return self.verdict

    monkeypatch.setattr(ed, "check", lambda *a, claim, **k: Verdict(claim), raising=False)
    assert run(capsys, "check", TR_XAX, "--wrt", "X", "--claim", "right")[:2] == (0, "right\n")
    assert run(capsys, "check", TR_XAX, "--wrt", "X", "--claim", "wrong")[:2] == (1, "wrong\n")
    undecided = run(capsys, "check", TR_XAX, "--wrt", "X", "--claim", "undecided")
    assert undecided[:2] == (4, "undecided\n")


def test_check_exit_codes_of_real_verdicts(capsys):
    # d(x'x)/dx = 2x' (right: 0); 2.0000001 x' (wrong: 1); d sum(exp(x/2)) = exp(x/2)' / 2
    # written as sqrt(exp(x))' / 2: true, but einderiv cannot prove it (undecided: 4)
    assert run(capsys, "check", "x' x", "--wrt", "x", "--claim", "2 x'")[0] == 0
    assert run(capsys, "check", "x' x", "--wrt", "x", "--claim", "2.0000001 x'")[0] == 1
    claim = "0.5 sqrt(exp(x))'"
    code, out, _ = run(capsys, "check", "sum(exp(x / 2))", "--wrt", "x", "--claim", claim)
    assert code == 4 and out.startswith("undecided")
    x = np.array([-2.0, 0.5, 3.0])
    assert np.allclose(np.exp(x / 2) / 2, 0.5 * np.sqrt(np.exp(x)))  # it is true


# --- python -m einderiv ------------------------------------------------------------------------


def test_python_dash_m_einderiv():
    done = run_process("diff", TR_XAX, "--wrt", "X")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(ed.diff(TR_XAX, "X")).strip()


def test_python_dash_m_einderiv_parse_error():
    done = run_process("diff", "tr(X' A", "--wrt", "X")
    assert done.returncode == 2
    assert done.stderr.startswith("einderiv: error:")
    assert "^" in done.stderr
    assert "Traceback" not in done.stderr


def test_python_dash_m_einderiv_usage_error():
    done = run_process("diff", TR_XAX, "--wrt", "X", "--layout", "sideways")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_order_four_text_is_the_kronecker_form(capsys):
    # d(A X B)/dX is a Kronecker product (SPEC 7): kron(B', A) indexed by compound indices,
    # (B' kron A)[(a,b),(p,q)] = D[a,b,q,p], the same function; no remark on stderr
    assert main(["diff", "A X B", "--wrt", "X"]) == 0
    out, err = capsys.readouterr()
    assert "kron(B', A)" in out and not err.strip()
    back = ed.parse(out.strip())
    rng = np.random.default_rng(2)
    A, B = rng.normal(size=(2, 3)), rng.normal(size=(4, 2))
    # numerator layout: D[a, b, q, p] = d(AXB)[a,b] / dX[p,q] = A[a,p] B[q,b]
    np.testing.assert_allclose(back(A=A, B=B), np.einsum("ap,qb->abqp", A, B))


@pytest.mark.parametrize("flags", [["--port", "99999999"], ["--port", "-1"]])
def test_serve_on_an_impossible_port_is_a_clean_error(flags, capsys):
    from einderiv.cli import main

    assert main(["serve", *flags]) == 2
    assert "--port must be 0 to 65535" in capsys.readouterr().err


def test_serve_on_a_taken_port_is_a_clean_error(capsys):
    import socket

    from einderiv.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot serve on 127.0.0.1:{port}" in err and "internal" not in err


def test_a_closed_pipe_keeps_checks_exit_code():
    # `einderiv check ... | grep -q right`: the reader closes the pipe; a wrong claim still
    # exits 1 (2 x' A is not x' (A + A') for a non-symmetric A: checked by numpy below)
    import subprocess

    A, x = np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, 1.0])
    assert not np.allclose(2 * x @ A, x @ (A + A.T))
    script = "import sys; from einderiv.cli import main; sys.exit(main())"
    for claim, code in (("2 x' A", 1), ("x' (A + A')", 0)):
        # `true` exits at once: the verdict, printed a second later, meets a closed pipe
        line = f'{sys.executable} -c \'{script}\' check "x\' A x" --wrt x --claim "{claim}"'
        run = subprocess.run(
            f"{line} | true; exit ${{PIPESTATUS[0]}}",
            shell=True,
            executable="/bin/bash",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == code, (claim, run.stderr)


# a byte-order mark before the expression on standard input is not part of it:
# d(x'x)/dx = 2x', by finite differences here
def test_a_byte_order_mark_on_standard_input_is_dropped():
    done = run_process("diff", "-", "--wrt", "x", "--format", "python", stdin="\ufeffx' x")
    assert done.returncode == 0, done.stderr
    space: dict = {}
    exec(done.stdout, space)  # noqa: S102 - the generated function, checked against numpy
    x = np.array([0.5, -1.0, 2.0])
    h = 1e-6
    fd = np.array([((x + h * e) @ (x + h * e) - (x - h * e) @ (x - h * e)) / (2 * h)
                   for e in np.eye(3)])  # fmt: skip
    np.testing.assert_allclose(space["grad"](x=x), fd, rtol=1e-6)


def test_file_names_and_entries_the_commands_refuse_in_one_message(capsys):
    code, _, err = run(capsys, "audit", "a" * 300 + ".md")  # too long for the file system
    assert code == 2 and "cannot be read" in err and "Traceback" not in err
    code, _, err = run(capsys, "hessian", "x' A x", "--wrt", "x[i]")
    assert code == 2 and "hessian is by a variable" in err
    code, _, err = run(capsys, "diff", "A X", "--wrt", "X[k,l]", "--layout", "denominator")
    assert code == 2 and "a layout does not apply" in err


# H = d2 tr(X' A X B) / dX dX, in the layout hessian prints (jacobian): H[i,j,k,l] =
# A[i,k] B[l,j] + A[k,i] B[j,l]; check --hessian reads what hessian prints in the same layout
def test_check_hessian_takes_what_hessian_prints(capsys):
    code, out, _ = run(capsys, "hessian", "tr(X' A X B)", "--wrt", "X")
    assert code == 0
    printed = out.strip()
    rng = np.random.default_rng(5)
    A, B, X = rng.normal(size=(3, 3)), rng.normal(size=(2, 2)), rng.normal(size=(3, 2))
    value = ed.parse(printed, where="X: matrix(3, 2); A: matrix(3, 3); B: matrix(2, 2)")
    truth = np.einsum("ik,lj->ijkl", A, B) + np.einsum("ki,jl->ijkl", A, B)
    np.testing.assert_allclose(value(A=A, B=B, X=X), truth, rtol=1e-10)
    code, out, _ = run(
        capsys, "check", "tr(X' A X B)", "--wrt", "X", "--hessian", "--claim", printed
    )
    assert code == 0 and out.startswith("right")


def test_cse_with_a_format_it_does_not_apply_to_is_said(capsys):
    code, out, err = run(capsys, "diff", "tanh(W x)", "--wrt", "x", "--format", "python", "--cse")
    assert code == 0 and "def grad" in out
    assert "--cse names subterms in text, latex and index; not in python" in err


# a byte that is not UTF-8 (a file in Latin-1, binary piped in by mistake) is the user's input,
# said as such with the byte, whatever the locale and PYTHONIOENCODING -- never an internal
# error (UnicodeDecodeError under PYTHONIOENCODING=utf-8 was exit 3) nor a '\udcff' character
@pytest.mark.parametrize("env", [{}, {"PYTHONIOENCODING": "utf-8"}, {"LC_ALL": "C"}])
@pytest.mark.parametrize(
    "argv, stdin, where",
    [
        (["diff", "-", "--wrt", "x"], b"x' \xff x", "standard input"),
        (["check", "-", "--wrt", "x", "--claim", "2 x'"], b"\xba\xc4 x", "standard input"),
        (["diff", b"x' \xff x", "--wrt", "x"], None, "argument EXPR"),
        (["diff", "x' x", "--wrt", b"x\xfe"], None, "argument --wrt"),
        (["diff", "x' x", "--wrt", "x", "--where", b"x: vector(\xe9)"], None, "argument --where"),
        (["check", "x' x", "--wrt", "x", "--claim", b"2 x\xff"], None, "argument --claim"),
    ],
)
def test_a_byte_that_is_not_utf8_is_said_as_bad_input(argv, stdin, where, env):
    full = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(ed.__file__)), **env}
    done = subprocess.run(
        [sys.executable, "-m", "einderiv", *argv], input=stdin or b"", capture_output=True,
        env=full, timeout=120, check=False,
    )  # fmt: skip
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, err
    assert where in err and "not UTF-8 text: byte 0x" in err and "internal" not in err


# the hint for a missing EXPR (one starting with '-' is taken for an option: write it after
# '--') is for that error only: EXPR given with a byte that is not UTF-8 was told to move past
# '--'; d(-x' x)/dx = -2 x', written after '--' as the hint says, by finite differences
def test_the_leading_minus_hint_is_for_a_missing_expr_only(capsys):
    code, _, err = run(capsys, "diff", "x' \udcff x", "--wrt", "x")
    assert code == 2 and "not UTF-8 text: byte 0xff" in err and "'--'" not in err
    code, _, err = run(capsys, "diff", "--wrt", "x", "-x'x")
    assert code == 2 and "write it after '--'" in err
    code, out, err = run(capsys, "diff", "--wrt", "x", "--", "-x'x")
    assert code == 0, err
    x = np.array([0.5, -1.0, 2.0])
    expected = jacobian_fd(lambda x: -(x @ x), {"x": x}, "x")
    np.testing.assert_allclose(ed.parse(out.strip())(x=x), expected, rtol=1e-6)


# the same expression in valid UTF-8 (a Greek name, on standard input and in --wrt and
# --where) is read under the same settings, and where Python does not read UTF-8 (the C locale
# without UTF-8 mode: argv bytes as surrogates; PYTHONIOENCODING=ascii or latin-1 on stdin),
# where those bytes were said to be "not UTF-8" or read as Latin-1:
# d(x' A x)/dx = x' (A + A'), here by finite differences of plain numpy
@pytest.mark.parametrize(
    "env",
    [
        {},
        {"PYTHONIOENCODING": "utf-8"},
        {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
        {"PYTHONIOENCODING": "ascii"},
        {"PYTHONIOENCODING": "latin-1"},
    ],
)
def test_utf8_on_standard_input_is_read_under_those_settings(env):
    full = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(ed.__file__)), **env}
    done = subprocess.run(
        [sys.executable, "-m", "einderiv", "diff", "-", "--wrt", "ξ", "--where", "ξ: vector(n)"],
        input="ξ' A ξ".encode(), capture_output=True, env=full, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rng = np.random.default_rng(5)
    A, x = rng.standard_normal((3, 3)), rng.standard_normal(3)
    fd = np.array([((x + 1e-6 * e) @ A @ (x + 1e-6 * e) - (x - 1e-6 * e) @ A @ (x - 1e-6 * e))
                   / 2e-6 for e in np.eye(3)])  # fmt: skip
    got = ed.parse(done.stdout.decode(), where="xi: vector(n)")(A=A, xi=x)  # ξ is xi
    np.testing.assert_allclose(got, fd, rtol=1e-6)


# an output character the output's encoding has not (the claim's θ echoed under
# PYTHONIOENCODING=ascii) is said as such, exit 2, not "internal error ... a bug" (exit 3);
# under UTF-8 the same check is right: d(θ' x)/dx = θ' (numpy differences of θ' x)
def test_an_output_the_encoding_cannot_write_is_said():
    full = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(ed.__file__))}
    argv = ["check", "θ' x", "--wrt", "x", "--claim", "θ'", "--where", "θ: vector(3); x: vector(3)"]
    theta, x = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -0.7])
    fd = [(theta @ (x + 1e-6 * e) - theta @ (x - 1e-6 * e)) / 2e-6 for e in np.eye(3)]
    np.testing.assert_allclose(fd, theta, rtol=1e-8)
    for env, code in (({"PYTHONIOENCODING": "ascii"}, 2), ({"PYTHONIOENCODING": "utf-8"}, 0)):
        done = subprocess.run(
            [sys.executable, "-m", "einderiv", *argv], capture_output=True, env={**full, **env},
            timeout=120, check=False,
        )  # fmt: skip
        err = done.stderr.decode("utf-8", "replace")
        assert done.returncode == code, err
        assert "internal" not in err
        if code == 2:
            assert "cannot write the output" in err and "PYTHONIOENCODING=utf-8" in err
        else:
            assert done.stdout.decode().startswith("right")


def test_an_expression_starting_with_a_minus_is_said_how_to_write(capsys):
    # einderiv diff "-X" --wrt X: argparse takes -X for an option and says EXPR is missing; the
    # message says how to write it, and both ways give d(-x' x)/dx = -2 x' (numpy below)
    assert main(["diff", "-X", "--wrt", "X"]) == 2
    assert "after '--'" in capsys.readouterr().err
    x = np.array([0.5, -1.0, 2.0])
    fd = [(-(x + e) @ (x + e) + (x - e) @ (x - e)) / 2e-6 for e in np.eye(3) * 1e-6]
    for argv in (["diff", "--wrt", "x", "--", "-x'x"], ["diff", "(-x'x)", "--wrt", "x"]):
        assert main(argv) == 0
        out = capsys.readouterr().out.strip().splitlines()[-1]
        np.testing.assert_allclose(ed.parse(out)(x=x), fd, rtol=1e-6)


# an empty --host bound the page to every interface (what "" means to a socket) and printed its
# address as http://:P/; an empty FILE said "': not a file" (Path("") is the current folder)
def test_an_empty_host_or_file_is_refused(capsys, monkeypatch):
    import einderiv.web.server as web

    started = []
    monkeypatch.setattr(web, "serve", lambda *a, **k: started.append(a) or 0)
    code, _, err = run(capsys, "serve", "--host", " ", "--port", "0")
    assert code == 2 and "--host is empty" in err and not started
    code, _, err = run(capsys, "serve", "--host", "127.0.0.1", "--port", "0")
    assert code == 0 and started == [("127.0.0.1", 0, 5.0)]
    code, _, err = run(capsys, "audit", "")
    assert code == 2 and "FILE is empty" in err


# einderiv check "sum(relu(-x))" --wrt x --claim "-step(-x)'": argparse takes the claim for an
# option and says "expected one argument"; the message now says how to write it, and written
# so the claim is right: d sum(relu(-x)) / dx = -step(-x)' (central differences, x off 0)
def test_a_claim_starting_with_a_minus_is_said_how_to_write(capsys):
    code, _, err = run(capsys, "check", "sum(relu(-x))", "--wrt", "x", "--claim", "-step(-x)'")
    assert code == 2 and '--claim="-x\'"' in err, err
    x = np.array([0.5, -1.0, 2.0])
    expected = jacobian_fd(lambda x: np.sum(np.maximum(-x, 0)), {"x": x}, "x")
    np.testing.assert_allclose(-(x < 0).astype(float), expected, atol=1e-6)
    code, out, err = run(capsys, "check", "sum(relu(-x))", "--wrt", "x", "--claim=-step(-x)'")
    assert code == 0 and out.startswith("right"), (out, err)
