"""Evaluation speed: compiled einderiv derivatives against hand-written numpy (and jax / torch).

    python benchmarks/bench_eval.py            # n = 100, 300, 1000
    python benchmarks/bench_eval.py --quick    # n = 100, 300 and fewer repeats
    python benchmarks/bench_eval.py --markdown # also print the table as markdown

For each function (gradient and Hessian) the time is the median over repeats of a timeit loop
whose length is chosen so that one repeat lasts at least ``--min-time`` seconds. ``ratio`` is
einderiv / numpy. Results with more than ``MAX_ENTRIES`` entries (the n^4 Hessians of matrix
functions beyond n = 100) are skipped. Before timing, every einderiv value is checked against
the hand-written numpy value.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if "--threads" in sys.argv:  # must be set before numpy loads OpenBLAS
    _threads = sys.argv[sys.argv.index("--threads") + 1]
else:
    _threads = "1"
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _threads)

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import einderiv as ed
from einderiv.compiled import compile_expr

MAX_ENTRIES = 2e8


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------------------------------------
# the functions, their data and the hand-written derivatives (numerator layout)


def tr_data(n, rng):
    return {"X": rng.standard_normal((n, n)), "A": rng.standard_normal((n, n))}


def tr_grad(X, A):
    return X.T @ (A + A.T)


def tr_hess(X, A):
    n = X.shape[0]
    H = np.zeros((n, n, n, n))
    j = np.arange(n)
    H[:, j, :, j] = A + A.T  # H[i,j,k,l] = (A + A')[i,k] delta[j,l]
    return H


def quad_data(n, rng):
    return {"x": rng.standard_normal(n), "A": rng.standard_normal((n, n))}


def quad_grad(x, A):
    return (A + A.T) @ x


def quad_hess(x, A):
    return A + A.T


def logdet_data(n, rng):
    return {"X": np.eye(n) * 3 + rng.standard_normal((n, n)) / np.sqrt(n)}


def logdet_grad(X):
    return np.linalg.inv(X)


def logdet_hess(X):
    Xi = np.linalg.inv(X)
    return -Xi.T[:, None, None, :] * Xi[None, :, :, None]  # -(X^-1)[j,k] (X^-1)[l,i]


def logistic_data(n, rng):
    return {
        "X": rng.standard_normal((2 * n, n)) / np.sqrt(n),
        "y": np.sign(rng.standard_normal(2 * n)),
        "w": rng.standard_normal(n),
    }


def logistic_grad(X, y, w):
    z = y * (X @ w)
    return -X.T @ (y * _sigmoid(-z))


def logistic_hess(X, y, w):
    p = _sigmoid(y * (X @ w))
    return X.T @ ((p * (1 - p))[:, None] * X)  # y = +-1, so y^2 = 1


def lsq_data(n, rng):
    return {
        "A": rng.standard_normal((2 * n, n)),
        "x": rng.standard_normal(n),
        "b": rng.standard_normal(2 * n),
    }


def lsq_grad(A, x, b):
    return 2 * A.T @ (A @ x - b)


def lsq_hess(A, x, b):
    return 2 * A.T @ A


def mlp_data(n, rng):
    s = 1 / np.sqrt(n)
    return {
        "W1": s * rng.standard_normal((n, n)),
        "W2": s * rng.standard_normal((n, n)),
        "x": rng.standard_normal(n),
        "y": rng.standard_normal(n),
    }


def mlp_grad(W1, W2, x, y):
    h = np.tanh(W1 @ x)
    g = (W2.T @ (2 * (W2 @ h - y))) * (1 - h * h)
    return np.outer(x, g)  # numerator layout: shape of W1'


def mlp_hess(W1, W2, x, y):
    h = np.tanh(W1 @ x)
    d = 1 - h * h
    M = 2 * (d[:, None] * (W2.T @ W2) * d[None, :])
    M[np.diag_indices_from(M)] += -4 * (W2.T @ (W2 @ h - y)) * h * d
    return M[:, None, :, None] * np.multiply.outer(x, x)[None, :, None, :]


@dataclass
class Case:
    name: str
    expr: str
    where: str | None
    wrt: str
    data: Callable
    grad: Callable
    hess: Callable
    hess_entries: Callable  # n -> number of Hessian entries


CASES = [
    Case("tr(X'AX)", "tr(X' A X)", None, "X", tr_data, tr_grad, tr_hess, lambda n: n**4),
    Case("x'Ax", "x' A x", None, "x", quad_data, quad_grad, quad_hess, lambda n: n**2),
    Case("log|X|", "log(det(X))", None, "X", logdet_data, logdet_grad, logdet_hess, lambda n: n**4),
    Case(
        "logistic",
        "sum(log(1 + exp(-y .* (X w))))",
        "X: matrix(m, n)",
        "w",
        logistic_data,
        logistic_grad,
        logistic_hess,
        lambda n: n**2,
    ),
    Case(
        "least squares", "norm2(A x - b)^2", None, "x", lsq_data, lsq_grad, lsq_hess, lambda n: n**2
    ),
    Case(
        "two-layer net",
        "sum((W2 tanh(W1 x) - y) .^ 2)",
        None,
        "W1",
        mlp_data,
        mlp_grad,
        mlp_hess,
        lambda n: n**4,
    ),
]


# ---------------------------------------------------------------------------------------------
# optional: jax and torch.func (skipped when not importable)


def _jax_functions():
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    fs = {
        "tr(X'AX)": (lambda X, A: jnp.trace(X.T @ A @ X), "X"),
        "x'Ax": (lambda x, A: x @ A @ x, "x"),
        "log|X|": (lambda X: jnp.linalg.slogdet(X)[1], "X"),
        "logistic": (lambda X, y, w: jnp.sum(jnp.log1p(jnp.exp(-y * (X @ w)))), "w"),
        "least squares": (lambda A, x, b: jnp.sum((A @ x - b) ** 2), "x"),
        "two-layer net": (lambda W1, W2, x, y: jnp.sum((W2 @ jnp.tanh(W1 @ x) - y) ** 2), "W1"),
    }

    def make(name, order):
        f, wrt = fs[name]
        import inspect

        params = list(inspect.signature(f).parameters)
        k = params.index(wrt)
        d = jax.jit(jax.grad(f, argnums=k) if order == 1 else jax.hessian(f, argnums=k))

        def run(**arrays):
            return d(*(arrays[p] for p in params)).block_until_ready()

        return run, lambda arrays: {p: jnp.asarray(arrays[p]) for p in params}

    return make


def _torch_functions():
    try:
        import torch
        from torch.func import grad, hessian
    except ImportError:
        return None
    fs = {
        "tr(X'AX)": (lambda X, A: torch.trace(X.T @ A @ X), "X"),
        "x'Ax": (lambda x, A: x @ A @ x, "x"),
        "log|X|": (lambda X: torch.linalg.slogdet(X)[1], "X"),
        "logistic": (lambda X, y, w: torch.sum(torch.log1p(torch.exp(-y * (X @ w)))), "w"),
        "least squares": (lambda A, x, b: torch.sum((A @ x - b) ** 2), "x"),
        "two-layer net": (lambda W1, W2, x, y: torch.sum((W2 @ torch.tanh(W1 @ x) - y) ** 2), "W1"),
    }

    def make(name, order):
        import inspect

        f, wrt = fs[name]
        params = list(inspect.signature(f).parameters)
        k = params.index(wrt)
        d = grad(f, argnums=k) if order == 1 else hessian(f, argnums=k)

        def run(**arrays):
            return d(*(arrays[p] for p in params))

        return run, lambda arrays: {p: torch.as_tensor(arrays[p]) for p in params}

    return make


# ---------------------------------------------------------------------------------------------


def measure(fn, kwargs, min_time, repeats) -> float:
    """Median seconds per call; the loop count makes one repeat last at least ``min_time``."""
    timer = timeit.Timer(lambda: fn(**kwargs))
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= min_time or number >= 1 << 20:
            break
        number *= max(2, min(10, int(min_time / max(elapsed, 1e-9)) + 1))
    times = [timer.timeit(number) / number for _ in range(repeats)]
    return statistics.median(times)


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="n = 100, 300; fewer repeats")
    ap.add_argument("--sizes", type=int, nargs="*", help="override the sizes")
    ap.add_argument("--only", help="run only the cases whose name contains this")
    ap.add_argument("--min-time", type=float, default=None)
    ap.add_argument("--threads", default="1", help="BLAS threads (default 1: stable timings)")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table at the end")
    args = ap.parse_args(argv)
    sizes = args.sizes or ([100, 300] if args.quick else [100, 300, 1000])
    repeats = 3 if args.quick else 7
    min_time = args.min_time or (0.02 if args.quick else 0.1)
    jax_make, torch_make = _jax_functions(), _torch_functions()
    missing = "not installed (skipped)"
    print(
        f"numpy {np.__version__}; BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}; "
        f"jax: {'yes' if jax_make else missing}; torch: {'yes' if torch_make else missing}"
    )
    head = f"{'function':<15} {'deriv':<8} {'n':>5} {'einderiv':>11} {'numpy':>11} {'ratio':>6}"
    head += f" {'jax':>11} {'torch':>11}"
    print(head)
    print("-" * len(head))
    rows = []
    rng = np.random.default_rng(0)
    for case in CASES:
        if args.only and args.only not in case.name:
            continue
        f = ed.parse(case.expr, where=case.where)
        derivs = [
            ("gradient", ed.diff(f, case.wrt), case.grad, 1),
            ("hessian", ed.hessian(f, case.wrt), case.hess, 2),
        ]
        for label, expr, hand, order in derivs:
            fn = compile_expr(expr)
            for n in sizes:
                if order == 2 and case.hess_entries(n) > MAX_ENTRIES:
                    rows.append((case.name, label, n, None, None, None, None, None))
                    print(
                        f"{case.name:<15} {label:<8} {n:>5}  skipped: {case.hess_entries(n):.1e}"
                        " entries"
                    )
                    continue
                data = case.data(n, rng)
                got, want = fn(**data), hand(**data)
                if not np.allclose(got, want, rtol=1e-8, atol=1e-8 * np.abs(want).max()):
                    print(f"  MISMATCH {case.name} {label} n={n}: {np.abs(got - want).max():.2e}")
                del got, want
                t_ed = measure(fn, data, min_time, repeats)
                t_np = measure(hand, data, min_time, repeats)
                t_jax = t_torch = None
                for make, slot in ((jax_make, "jax"), (torch_make, "torch")):
                    if make is None:
                        continue
                    try:
                        run, convert = make(case.name, order)
                        converted = convert(data)
                        run(**converted)
                        t = measure(run, converted, min_time, repeats)
                    except Exception as error:  # noqa: BLE001 -- a failure must not stop the table
                        print(f"  {slot} failed: {error!s:.80}")
                        t = None
                    if slot == "jax":
                        t_jax = t
                    else:
                        t_torch = t
                ratio = t_ed / t_np
                rows.append((case.name, label, n, t_ed, t_np, ratio, t_jax, t_torch))
                print(
                    f"{case.name:<15} {label:<8} {n:>5} {fmt(t_ed):>11} {fmt(t_np):>11} "
                    f"{ratio:>6.2f} {fmt(t_jax):>11} {fmt(t_torch):>11}",
                    flush=True,
                )
                del data
    if args.markdown:
        print()
        print("| function | derivative | n | einderiv | numpy | ratio | jax | torch |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for name, label, n, t_ed, t_np, ratio, t_jax, t_torch in rows:
            if t_ed is None:
                print(f"| {name} | {label} | {n} | skipped (result > 2e8 entries) | | | | |")
                continue
            print(
                f"| {name} | {label} | {n} | {fmt(t_ed)} | {fmt(t_np)} | {ratio:.2f} | "
                f"{fmt(t_jax)} | {fmt(t_torch)} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
