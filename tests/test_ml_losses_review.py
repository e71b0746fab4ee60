"""An ML engineer's review: 47 losses and layers (tests/ml_review_cases.py) derived by every
variable, from plain text and from LaTeX, and run everywhere a user runs them.

Input: the case table. Truth: central differences of each loss's plain numpy code; torch
autograd and ``jax.grad`` of the same loss written in torch and jax.numpy (the table's
``ops``). Checked: the interpreter; the compiled numpy plan; ``ed.codegen`` run in a fresh
namespace (and a few in a subprocess); the printed forms (text, LaTeX, index, named) read back;
the torch and jax plans (also under ``jax.jit`` and ``jax.vmap``); the dask plan on a local
``distributed`` cluster. The optional libraries skip with the install they need.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import warnings

import numpy as np
import pytest

import einderiv as ed
from tests.cli_util import run, run_process
from tests.ml_review_cases import CASES, ops
from tests.named_forms import substituted
from tests.native_util import need, precise

NP = ops("numpy")
PAIRS = [(c, v) for c in CASES for v in c.wrt]
IDS = [f"{c.name}-{v}" for c, v in PAIRS]


def _kw(env: dict) -> dict:  # 'lambda' is a Python keyword: the loss code calls it lam
    return {("lam" if k == "lambda" else k): v for k, v in env.items()}


def value(case, o, env):
    return case.fn(o, **_kw(env))


def fd_grad(case, var: str, eps: float = 1e-6) -> np.ndarray:
    """d loss / d var by central differences of the numpy code, shaped like var; a symmetric
    matrix moves along (e_i e_j' + e_j e_i') / 2 (SPEC 2)."""
    x0 = np.asarray(case.env[var], dtype=float)
    out = np.zeros(x0.shape)
    for idx in np.ndindex(x0.shape):
        e = np.zeros(x0.shape)
        e[idx] = 1.0
        if var in case.symmetric:
            e[idx] = e[idx[::-1]] = 0.5 if idx != idx[::-1] else 1.0
        up = value(case, NP, dict(case.env, **{var: x0 + eps * e}))
        down = value(case, NP, dict(case.env, **{var: x0 - eps * e}))
        out[idx] = (up - down) / (2 * eps)
    return out


_DERIVED: dict = {}


def derive(case, var: str, latex: bool = False) -> ed.Expr:
    key = (case.name, var, latex)
    if key not in _DERIVED:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no silent reading of letters as a product
            text = case.latex if latex else case.text
            _DERIVED[key] = ed.diff(text, var, where=case.where, layout="denominator")
    return _DERIVED[key]


def args_for(g: ed.Expr, env: dict) -> dict:
    return {n: env[n] for n in g.variables}


def code_args(fn, env: dict) -> dict:
    """The arrays a generated function takes: the ones it reads (a Python keyword such as
    lambda is the parameter lambda_)."""
    params = inspect.signature(fn).parameters
    return {p: env[p.rstrip("_")] for p in params}


def close(got, want, tol=1e-5):
    got = np.asarray(got, dtype=float)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_text_and_latex_read_as_the_loss(case):
    want = value(case, NP, case.env)
    for text in (case.text, case.latex):
        f = ed.parse(text, where=case.where)
        assert f.shape == ()
        close(f(**args_for(f, case.env)), want, 1e-9)


@pytest.mark.parametrize(("case", "var"), PAIRS, ids=IDS)
def test_gradient_from_text_and_latex(case, var):
    want = fd_grad(case, var)
    for latex in (False, True):
        g = derive(case, var, latex)
        close(g(**args_for(g, case.env)), want)
        close(g.compile()(**args_for(g, case.env)), want)


@pytest.mark.parametrize(("case", "var"), PAIRS, ids=IDS)
def test_printed_forms_read_back(case, var):
    g = derive(case, var)
    want = fd_grad(case, var)
    forms = [str(g), g.latex(), g.index(), g.show(cse=True)]
    for text in forms:
        if "\n" in text:  # named: t1 = ...; lines, then the result
            continue
        back = ed.parse(text, where=case.where)
        close(back(**args_for(back, case.env)), want)


@pytest.mark.parametrize(("case", "var"), PAIRS, ids=IDS)
def test_generated_code_runs_alone(case, var):
    g = derive(case, var)
    want = fd_grad(case, var)
    for source in (ed.codegen(g, name="grad"), g.einsum("grad")):
        namespace: dict = {}
        exec(compile(source, "<generated>", "exec"), namespace)  # noqa: S102
        close(namespace["grad"](**code_args(namespace["grad"], case.env)), want)


def _sym(case, var, grad):  # a symmetric variable's gradient is the symmetric part (SPEC 2)
    return (grad + grad.T) / 2 if var in case.symmetric else grad


@pytest.mark.parametrize(("case", "var"), PAIRS, ids=IDS)
def test_torch_plan_against_autograd(case, var):
    torch = need("torch")
    g = derive(case, var)
    env = {n: torch.tensor(a, dtype=torch.float64) for n, a in case.env.items()}
    got = g.compile(backend="torch")(**args_for(g, env))
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    env[var] = env[var].clone().requires_grad_(True)
    (auto,) = torch.autograd.grad(value(case, ops("torch"), env), env[var])
    want = _sym(case, var, auto.numpy())
    close(got.detach().numpy(), want, 1e-9)
    close(want, fd_grad(case, var))


@pytest.mark.parametrize(("case", "var"), PAIRS, ids=IDS)
def test_jax_plan_against_jax_grad_jit_and_vmap(case, var):
    jax = need("jax")
    g = derive(case, var)
    fn = g.compile(backend="jax")
    with precise("jax"):
        jnp = jax.numpy
        env = {n: jnp.asarray(a) for n, a in case.env.items()}

        def loss(x, env=env):
            return value(case, ops("jax"), dict(env, **{var: x}))

        want = _sym(case, var, np.asarray(jax.grad(loss)(env[var])))
        close(want, fd_grad(case, var))
        close(fn(**args_for(g, env)), want, 1e-9)
        close(jax.jit(lambda kw: fn(**kw))(args_for(g, env)), want, 1e-9)
        # vmap over two values of the variable, each against jax.grad there
        batch = jnp.stack([env[var], 0.9 * env[var]])
        rest = {n: a for n, a in args_for(g, env).items() if n != var}
        if var not in g.variables:
            return  # the gradient does not depend on it
        mapped = jax.vmap(lambda x: fn(**rest, **{var: x}))(batch)
        for row, x in zip(mapped, batch, strict=True):
            close(row, _sym(case, var, np.asarray(jax.grad(loss)(x))), 1e-9)


@pytest.fixture(scope="module")
def client():
    distributed = need("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.mark.parametrize(("case", "var"), PAIRS, ids=IDS)
def test_dask_plan_on_a_cluster(client, case, var):
    da = need("dask.array")
    g = derive(case, var)
    env = {n: da.from_array(a, chunks=2) for n, a in case.env.items()}
    out = g.compile(backend="dask")(**args_for(g, env))
    assert isinstance(out, da.Array)
    close(out.compute(), fd_grad(case, var))


FORMATS = ("text", "latex", "index", "einsum", "python")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_command_line_forms_read_back(capsys, case):
    # each loss by its first variable, in one format each (rotating), named or not
    var = case.wrt[0]
    fmt = FORMATS[CASES.index(case) % len(FORMATS)]
    extra = ("--cse",) if CASES.index(case) % 2 else ("--no-cse",)
    argv = ["--where", case.where, "--layout", "denominator", "--format", fmt, *extra]
    code, out, err = run(capsys, "diff", case.text, "--wrt", var, *argv)
    assert code == 0, err
    want = fd_grad(case, var)
    if fmt in ("einsum", "python"):
        namespace: dict = {}
        exec(compile(out, "<cli>", "exec"), namespace)  # noqa: S102
        fn = namespace["grad"]
        close(fn(**code_args(fn, case.env)), want)
        return
    text = out.strip()
    if "\n" in text:
        if fmt == "index":
            return  # definitions by entries: tests/test_cse.py reads those line by line
        text = substituted(text, *((r"\left(", r"\right)") if fmt == "latex" else ("(", ")")))
    back = ed.parse(text, where=case.where)
    close(back(**args_for(back, case.env)), want)
    code, steps, err = run(capsys, "diff", case.text, "--wrt", var, "--steps", *argv[:4])
    assert code == 0 and "Traceback" not in err and steps.count("\n") > 4


@pytest.mark.parametrize("name", [c.name for c in CASES[:3]] + ["attention"])
def test_command_line_and_generated_code_in_their_own_process(tmp_path, name):
    case = next(c for c in CASES if c.name == name)
    var = case.wrt[-1]
    done = run_process("diff", case.latex, "--wrt", var, "--where", case.where,
                       "--layout", "denominator", "--format", "python")  # fmt: skip
    assert done.returncode == 0, done.stderr
    np.savez(tmp_path / "env.npz", **case.env)
    (tmp_path / "grad.py").write_text(done.stdout)
    script = (
        f"import inspect, sys\nimport numpy as np\nsys.path.insert(0, {str(tmp_path)!r})\n"
        "from grad import grad\n"
        f"env = dict(np.load({str(tmp_path / 'env.npz')!r}))\n"
        "params = inspect.signature(grad).parameters\n"
        "np.save('out.npy', grad(**{p: env[p.rstrip('_')] for p in params}))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-I", "-c", script], cwd=tmp_path, capture_output=True, text=True,
        check=False, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    close(np.load(tmp_path / "out.npy"), fd_grad(case, var))
