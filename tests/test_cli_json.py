"""The command line of SPEC section 9: EXPR from standard input, repeated --wrt, --json (JSON
Lines), ``einderiv hessian``, ``check --json`` and examples in every subcommand's --help.

Every printed result is read back (``ed.parse`` of its ``text`` and ``index``), evaluated, and
compared with finite differences of plain numpy code written here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys

import numpy as np
import pytest

import einderiv as ed
from einderiv.cli import main
from einderiv.web import results

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cli_util import run, run_process
from fd import assert_close, gen, hessian_fd, jacobian_fd, rng_for, to_layout

SPEC_KEYS = {"expr", "wrt", "layout", "shape", "text", "latex", "index"}


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def read_back(obj: dict, **arrays) -> tuple[np.ndarray, np.ndarray]:
    """The values of the object's ``text`` and ``index`` forms, each parsed back by ed.parse."""
    text = ed.parse(obj["text"])
    index = ed.parse(obj["index"])
    pick = lambda e: {k: v for k, v in arrays.items() if k in e.variables}
    return text(**pick(text)), index(**pick(index))


# --- a two-layer model: one result per --wrt -------------------------------------------------

P, Q, R = 3, 4, 2
RNG = rng_for("cli-json-mlp")
W1, X, W2 = gen(RNG, P, Q), gen(RNG, Q, R), gen(RNG, R, P)
MODEL = {"W1": W1, "X": X, "W2": W2}


def model(W1, X, W2):  # plain numpy: tr(W2 tanh(W1 X))
    return np.trace(W2 @ np.tanh(W1 @ X))


def test_json_gives_one_object_per_wrt_with_the_spec_keys_and_right_numbers(capsys):
    # d tr(W2 tanh(W1 X)) / dW1 and / dW2, read back from the JSON, against finite differences
    code, out, err = run(
        capsys, "diff", "tr(W2 tanh(W1 X))", "--wrt", "W1", "--wrt", "W2", "--json"
    )
    assert code == 0, err
    objects = json_lines(out)
    assert [o["wrt"] for o in objects] == ["W1", "W2"]
    for obj in objects:
        assert set(obj) == SPEC_KEYS
        assert obj["expr"] == "tr(W2 tanh(W1 X))" and obj["layout"] == "numerator"
        expected = to_layout(jacobian_fd(model, MODEL, obj["wrt"]), 0, 2, "numerator")
        assert len(obj["shape"]) == expected.ndim
        for value in read_back(obj, **MODEL):
            assert_close(value, expected, what=f"d/d{obj['wrt']}")


def test_json_objects_are_the_web_apis(capsys):
    # the command line and POST /api/diff share einderiv.web.results: the same objects
    code, out, _ = run(capsys, "diff", "x' A x", "--wrt", "x", "--wrt", "A", "--json")
    assert code == 0
    assert json_lines(out) == [results.derivative_json("x' A x", w) for w in ("x", "A")]


def test_several_wrt_as_text_each_block_reads_back(capsys):
    # d tr(W2 tanh(W1 X)) by W1 and by W2, in denominator layout (shaped like each variable)
    code, out, err = run(
        capsys, "diff", "tr(W2 tanh(W1 X))", "--wrt", "W1", "--wrt", "W2", "--layout",
        "denominator",
    )  # fmt: skip
    assert code == 0, err
    blocks = out.strip().split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == ["# d/dW1", "# d/dW2"]
    for block, name in zip(blocks, ("W1", "W2")):
        g = ed.parse(block.splitlines()[1])
        value = g(**{k: v for k, v in MODEL.items() if k in g.variables})
        assert_close(value, jacobian_fd(model, MODEL, name), what=name)


def test_python_format_with_several_wrt_defines_one_function_each(capsys):
    # grad_W1 and grad_W2 of the generated source agree with finite differences
    code, out, err = run(
        capsys, "diff", "tr(W2 tanh(W1 X))", "--wrt", "W1", "--wrt", "W2", "--format", "python",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    for obj in json_lines(out):
        namespace: dict = {}
        exec(obj["python"], namespace)  # noqa: S102 - the test runs the generated code
        fn = namespace[f"grad_{obj['wrt']}"]
        import inspect

        args = {k: MODEL[k] for k in inspect.signature(fn).parameters}
        expected = to_layout(jacobian_fd(model, MODEL, obj["wrt"]), 0, 2, "numerator")
        assert_close(fn(**args), expected, what=obj["wrt"])


def test_elementwise_wrt_and_steps_in_json(capsys):
    # d (x' A x) / dx[i] = (A + A')[i, a] x[a]: the index form of the elementwise derivative
    rng = rng_for("cli-elementwise")
    x, A = gen(rng, 3), gen(rng, 3, 3)
    code, out, err = run(capsys, "diff", "x' A x", "--wrt", "x[i]", "--json", "--steps")
    assert code == 0, err
    (obj,) = json_lines(out)
    assert "delta" in obj["steps"]
    value = ed.parse(obj["index"])(x=x, A=A)
    assert_close(value, jacobian_fd(lambda x, A: x @ A @ x, {"x": x, "A": A}, "x"))


# --- standard input ----------------------------------------------------------------------------


def test_expr_dash_reads_standard_input_in_a_real_process():
    # echo "x' A x" | einderiv diff - --wrt x --layout denominator --json: (A + A') x
    rng = rng_for("cli-stdin")
    x, A = gen(rng, 4), gen(rng, 4, 4)
    done = run_process("diff", "-", "--wrt", "x", "--layout", "denominator", "--json",
                       stdin="x' A x\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    (obj,) = json_lines(done.stdout)
    assert obj["expr"] == "x' A x"
    for value in read_back(obj, x=x, A=A):
        assert_close(value, jacobian_fd(lambda x, A: x @ A @ x, {"x": x, "A": A}, "x"))


def test_expr_dash_in_process(capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("  log|X|\n\n"))
    code, out, err = run(capsys, "diff", "-", "--wrt", "X", "--layout", "denominator")
    assert code == 0, err
    X0 = np.eye(3) + 0.2 * gen(rng_for("cli-stdin-logdet"), 3, 3)
    expected = jacobian_fd(lambda X: np.linalg.slogdet(X)[1], {"X": X0}, "X")
    assert_close(ed.parse(out.strip())(X=X0), expected)


def test_empty_standard_input_is_a_clear_error():
    done = run_process("diff", "-", "--wrt", "x", stdin="")
    assert done.returncode == 2
    assert "standard input is empty" in done.stderr and "Traceback" not in done.stderr


# --- hessian -----------------------------------------------------------------------------------


def logistic(X, w):  # plain numpy: sum(log(1 + exp(X w)))
    return np.sum(np.log1p(np.exp(X @ w)))


def test_hessian_json_against_second_differences():
    # H = X' diag(sigmoid(X w) .* (1 - sigmoid(X w))) X, by second differences of numpy
    rng = rng_for("cli-hessian")
    X0, w0 = gen(rng, 5, 3), gen(rng, 3)
    done = run_process("hessian", "sum(log(1 + exp(X w)))", "--wrt", "w", "--json")
    assert done.returncode == 0, done.stderr
    (obj,) = json_lines(done.stdout)
    assert set(obj) == SPEC_KEYS and obj["layout"] == "jacobian"
    expected = hessian_fd(logistic, {"X": X0, "w": w0}, "w")
    for value in read_back(obj, X=X0, w=w0):
        assert_close(value, expected, rtol=1e-4, atol=1e-6)


def test_hessian_text_of_a_matrix_variable(capsys):
    # d2 tr(X' A X) / dX[i,j] dX[k,l] = (A + A')[i,k] delta[j,l]: order 4, index notation
    rng = rng_for("cli-hessian-matrix")
    X0, A0 = gen(rng, 3, 2), gen(rng, 3, 3)
    code, out, err = run(capsys, "hessian", "tr(X' A X)", "--wrt", "X")
    assert code == 0, err
    expected = hessian_fd(lambda X, A: np.trace(X.T @ A @ X), {"X": X0, "A": A0}, "X")
    g = ed.parse(out.strip())  # free indices i, j, k, l; delta[j,l] needs its size by name
    sizes = {d: n for d, n in zip(g.shape, expected.shape) if isinstance(d, str)}
    assert_close(g(A=A0, **sizes), expected, rtol=1e-4, atol=1e-6)


def test_hessian_of_a_non_scalar_is_exit_2(capsys):
    code, out, err = run(capsys, "hessian", "A x", "--wrt", "x")
    assert (code, out) == (2, "")
    assert "scalar" in err


# --- check --json ------------------------------------------------------------------------------


def test_check_json_pairs_claims_with_variables_and_its_numbers_are_true(capsys):
    # d tr(W1 X W2)/dW1 = X W2 (right); d/dW2 = W1 X, claimed as 2 W1 X (wrong): exit 1
    code, out, err = run(
        capsys, "check", "tr(W1 X W2)", "--wrt", "W1", "--claim", "X W2", "--wrt", "W2",
        "--claim", "2 W1 X", "--json",
    )  # fmt: skip
    assert code == 1, err
    right, wrong = json_lines(out)
    assert (right["wrt"], right["verdict"], right["ok"]) == ("W1", "right", True)
    assert (wrong["wrt"], wrong["verdict"], wrong["ok"]) == ("W2", "wrong", False)
    at = {k: np.array(v, dtype=float) for k, v in wrong["counterexample"].items()}
    fd = to_layout(
        jacobian_fd(lambda W1, X, W2: np.trace(W1 @ X @ W2), at, "W2"), 0, 2, "numerator"
    )
    assert_close(np.array(wrong["true_value"], dtype=float), fd)
    assert not np.allclose(np.array(wrong["claimed_value"], dtype=float), fd)


def test_check_json_is_the_web_apis(capsys):
    code, out, _ = run(
        capsys, "check", "tr(inv(X) A)", "--wrt", "X", "--claim", "-inv(X) A inv(X)", "--json"
    )
    assert code == 0
    assert json_lines(out) == [results.check_json("tr(inv(X) A)", "X", "-inv(X) A inv(X)")]


def test_check_needs_one_claim_per_wrt(capsys):
    code, out, err = run(capsys, "check", "x' x", "--wrt", "x", "--wrt", "y", "--claim", "2 x'")
    assert (code, out) == (2, "")
    assert "one --claim per --wrt" in err


def test_a_bad_second_wrt_prints_no_result(capsys):
    code, out, err = run(capsys, "diff", "x' A x", "--wrt", "x", "--wrt", "Q", "--json")
    assert (code, out) == (2, "")
    assert "Q is not a variable" in err


# --- --help shows examples, and they run ---------------------------------------------------------


def _help_examples(command: str) -> list[list[str]]:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main([command, "--help"]) == 0
    text = buffer.getvalue()
    assert "examples:" in text, f"einderiv {command} --help shows no examples"
    lines = re.findall(r"^  (einderiv [^\n]*)$", text, re.MULTILINE)
    return [shlex.split(re.sub(r"\s{2,}\(.*\)$", "", line))[1:] for line in lines]


@pytest.mark.parametrize("command", ["diff", "hessian", "check"])
def test_help_examples_run(command, capsys):
    examples = _help_examples(command)
    assert len(examples) >= 3
    for argv in examples:
        if "-" in argv or "--" in argv:  # standard input / the '--' remark: tested above
            continue
        code, out, err = run(capsys, *argv)
        assert code in (0, 1), (argv, err)
        assert out.strip() and "error" not in err, (argv, err)


def test_serve_help_shows_examples(capsys):
    code, out, _ = run(capsys, "serve", "--help")
    assert code == 0
    assert "examples:" in out and "einderiv serve --port 0" in out
