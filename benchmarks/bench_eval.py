"""Evaluation speed: compiled einderiv derivatives against hand-written numpy, jax and torch.

    python benchmarks/bench_eval.py            # n = 100, 300, 1000
    python benchmarks/bench_eval.py --quick    # n = 100, 300 and fewer repeats
    python benchmarks/bench_eval.py --markdown # also print the table as markdown

For each function (gradient and Hessian) the time is the median over repeats of a timeit loop
whose length is chosen so that one repeat lasts at least ``--min-time`` seconds; the repeats of
einderiv, numpy, jax and torch alternate, so that load from other processes hits all alike, and
each timed repeat follows one untimed call (see ``measure``). ``ed/np`` is einderiv / numpy,
``jax/np`` and ``torch/np`` the same for jax and torch, ``ed/jax`` and ``ed/torch`` einderiv /
jax and einderiv / torch (below 1: einderiv faster). Results with more than ``MAX_ENTRIES``
entries (the n^4 Hessians of matrix functions beyond n = 100) are skipped. Before timing, every
einderiv, jax and torch value is checked against the hand-written numpy value.

jax (``jax.jit(jax.grad)`` / ``jax.jit(jax.hessian)``, float64 via ``jax_enable_x64``, compiled
and warmed up before timing, ``block_until_ready()`` on every call) and torch
(``torch.func.grad`` / ``torch.func.hessian``, eager, float64 tensors) are timed when importable;
``--no-jax`` / ``--no-torch`` skip them. They are optional: einderiv does not depend on them.

Threads: ``--threads 1`` (the default) sets OpenBLAS / OpenMP / MKL to one thread, torch to one
intra-op thread, and pins the process to one CPU, because XLA's CPU thread pool cannot be limited
by a flag; ``--threads 2`` lets every library use both cores (no pinning).
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
# One thread for jax too. XLA:CPU has no working flag for its intra-op thread pool (in jax 0.10
# `--xla_cpu_multi_thread_eigen=false` still leaves a matrix product spread over several
# threads), so with --threads 1 the whole process is pinned to one CPU: numpy (OpenBLAS), torch
# (MKL / OpenMP) and jax (XLA) then all compute on one core. --no-pin turns the pinning off.
PINNED_CPU = None
if _threads == "1":
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"
    ).strip()
    if "--no-pin" not in sys.argv and hasattr(os, "sched_setaffinity"):
        PINNED_CPU = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {PINNED_CPU})

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import einderiv as ed
from einderiv.backend.compiled import compile_expr

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
    return A @ x + x @ A  # two matrix-vector products: cheaper than forming A + A'


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
    return -(X.T @ (y * _sigmoid(-z)))


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
    return A.T @ (2 * (A @ x - b))


def lsq_hess(A, x, b):
    return 2 * (A.T @ A)  # A' A on the same buffer: BLAS syrk


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

        return run, lambda arrays: {p: jnp.asarray(arrays[p], dtype=jnp.float64) for p in params}

    make.version = jax.__version__
    return make


def _torch_functions():
    try:
        import torch
        from torch.func import grad, hessian
    except ImportError:
        return None
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
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

        return run, lambda arrays: {
            p: torch.as_tensor(arrays[p], dtype=torch.float64) for p in params
        }

    make.version = torch.__version__
    return make


# ---------------------------------------------------------------------------------------------


def _loop(fn, kwargs, min_time) -> tuple[timeit.Timer, int, float]:
    """A timer, a loop count with which one repeat lasts at least ``min_time``, and the seconds
    that loop took."""
    timer = timeit.Timer(lambda: fn(**kwargs))
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= min_time or number >= 1 << 20:
            return timer, number, elapsed
        number *= max(2, min(10, int(min_time / max(elapsed, 1e-9)) + 1))


def measure(fns, kwargs, min_time, repeats, slow=2.0) -> list[float]:
    """Median seconds per call of each function; the repeats are interleaved (A B A B ...) so
    that load from other processes hits every function alike.

    Each timed repeat is preceded by one untimed call of the same function: the first call after
    another library's (jax's above all, when it has just freed a large result) pays for that
    library's clean-up -- up to 0.6 s after jax's n^4 Hessians at n = 100 -- which would
    otherwise be charged to whichever function is timed next. When one round of repeats takes
    longer than ``slow`` seconds, only 3 repeats are made."""
    loops = [_loop(fn, kw, min_time) for fn, kw in zip(fns, kwargs)]
    if sum(elapsed for _, _, elapsed in loops) > slow:
        repeats = min(repeats, 3)
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for k, (timer, number, _) in enumerate(loops):
            timer.timeit(1)  # untimed: absorbs the previous function's clean-up
            times[k].append(timer.timeit(number) / number)
    return [statistics.median(t) for t in times]


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _close(got, want) -> bool:
    """``got`` equals the hand-written ``want``; a gradient by a matrix may also be its transpose
    (jax and torch return the gradient in the shape of the variable, einderiv and the references
    use numerator layout)."""
    got = np.asarray(got)
    tol = 1e-8 * max(np.abs(want).max(), 1e-300)
    if got.shape == want.shape and np.allclose(got, want, rtol=1e-8, atol=tol):
        return True
    return (
        got.ndim == 2
        and got.T.shape == want.shape
        and np.allclose(got.T, want, rtol=1e-8, atol=tol)
    )


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a / b:.2f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="n = 100, 300; fewer repeats")
    ap.add_argument("--sizes", type=int, nargs="*", help="override the sizes")
    ap.add_argument("--only", help="run only the cases whose name contains this")
    ap.add_argument("--min-time", type=float, default=None)
    ap.add_argument("--repeats", type=int, default=None, help="repeats (default 7, --quick 3)")
    ap.add_argument(
        "--large-repeats", type=int, default=None, help="repeats for n >= 1000 (default: --repeats)"
    )
    ap.add_argument("--threads", default="1", help="BLAS threads (default 1: stable timings)")
    ap.add_argument("--no-pin", action="store_true", help="with --threads 1: do not pin to a CPU")
    ap.add_argument("--no-jax", action="store_true", help="do not time jax even if importable")
    ap.add_argument("--no-torch", action="store_true", help="do not time torch even if importable")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table at the end")
    ap.add_argument(
        "--reverse",
        action="store_true",
        help="only the issue 15 rows (eval_reverse.py): chain-64 gradient, value_and_grad of a"
        " two-layer net, a symmetric variable's gradient",
    )
    args = ap.parse_args(argv)
    if args.reverse:
        import eval_reverse

        found = eval_reverse.rows(
            measure, args.min_time or 0.2, args.repeats or 7, jax_ok=not args.no_jax
        )
        print(eval_reverse.report(found))
        return 0
    sizes = args.sizes or ([100, 300] if args.quick else [100, 300, 1000])
    repeats = args.repeats or (3 if args.quick else 7)
    large_repeats = args.large_repeats or repeats
    min_time = args.min_time or (0.02 if args.quick else 0.1)
    jax_make = None if args.no_jax else _jax_functions()
    torch_make = None if args.no_torch else _torch_functions()

    def version(make, off):
        return make.version if make else "off (skipped)" if off else "not installed (skipped)"

    pin = f"pinned to CPU {PINNED_CPU}" if PINNED_CPU is not None else "not pinned"
    print(
        f"numpy {np.__version__}; BLAS threads {os.environ['OPENBLAS_NUM_THREADS']} ({pin}); "
        f"jax: {version(jax_make, args.no_jax)}; torch: {version(torch_make, args.no_torch)}"
    )
    head = f"{'function':<15} {'deriv':<8} {'n':>5} {'einderiv':>11} {'numpy':>11} {'ed/np':>6}"
    head += f" {'jax':>11} {'jax/np':>6} {'torch':>11} {'tch/np':>6} {'ed/jax':>6} {'ed/tch':>6}"
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
                    rows.append((case.name, label, n, None, None, None, None))
                    print(
                        f"{case.name:<15} {label:<8} {n:>5}  skipped: {case.hess_entries(n):.1e}"
                        " entries"
                    )
                    continue
                data = case.data(n, rng)
                want = hand(**data)
                if not _close(fn(**data), want):
                    print(f"  MISMATCH einderiv {case.name} {label} n={n}")
                # jax and torch: built, warmed up (jit compiled) and checked before timing
                fns, kwargs, slots = [fn, hand], [data, data], ["einderiv", "numpy"]
                for make, slot in ((jax_make, "jax"), (torch_make, "torch")):
                    if make is None:
                        continue
                    try:
                        run, convert = make(case.name, order)
                        converted = convert(data)
                        if not _close(run(**converted), want):
                            print(f"  MISMATCH {slot} {case.name} {label} n={n}")
                    except Exception as error:  # noqa: BLE001 -- a failure must not stop the table
                        print(f"  {slot} failed: {error!s:.80}")
                        continue
                    fns.append(run)
                    kwargs.append(converted)
                    slots.append(slot)
                del want
                reps = large_repeats if n >= 1000 else repeats
                times = dict(zip(slots, measure(fns, kwargs, min_time, reps)))
                t_ed, t_np = times["einderiv"], times["numpy"]
                t_jax, t_torch = times.get("jax"), times.get("torch")
                rows.append((case.name, label, n, t_ed, t_np, t_jax, t_torch))
                print(
                    f"{case.name:<15} {label:<8} {n:>5} {fmt(t_ed):>11} {fmt(t_np):>11} "
                    f"{ratio(t_ed, t_np):>6} {fmt(t_jax):>11} {ratio(t_jax, t_np):>6} "
                    f"{fmt(t_torch):>11} {ratio(t_torch, t_np):>6} {ratio(t_ed, t_jax):>6} "
                    f"{ratio(t_ed, t_torch):>6}",
                    flush=True,
                )
                del data, fns, kwargs
    if args.markdown:
        print()
        print(
            "| function | derivative | n | einderiv | numpy | ed/np | jax | jax/np | torch "
            "| torch/np | ed/jax | ed/torch |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, label, n, t_ed, t_np, t_jax, t_torch in rows:
            name = name.replace("|", "\\|")  # log|X| inside a markdown table
            if t_ed is None:
                print(
                    f"| {name} | {label} | {n} | skipped (result > 2e8 entries) | | | | | | | | |"
                )
                continue
            print(
                f"| {name} | {label} | {n} | {fmt(t_ed)} | {fmt(t_np)} | {ratio(t_ed, t_np)} | "
                f"{fmt(t_jax)} | {ratio(t_jax, t_np)} | {fmt(t_torch)} | {ratio(t_torch, t_np)} | "
                f"{ratio(t_ed, t_jax)} | {ratio(t_ed, t_torch)} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
