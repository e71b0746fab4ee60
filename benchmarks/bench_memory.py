"""Peak memory of a compiled gradient against a hand-written numpy gradient (issue 11).

    python benchmarks/bench_memory.py              # tr(A1 X A2 X ... A64 X) at n = 200
    python benchmarks/bench_memory.py --k 16 --n 100

f(X) = tr(A1 X A2 X ... Ak X). Its gradient (numerator layout, d f / dX) is sum_j S_j P_j, the
factors after the j-th X times those before it; the hand-written version keeps the prefix
products P_j = A1 X ... A_j and walks the suffixes backwards, so it holds about k matrices.

Each function is called once untimed, then once under ``tracemalloc`` (numpy reports its array
allocations to it); the figure is the peak of traced memory during that call, as a ratio to the
hand-written gradient's peak in the same process. Target: compiled within 3x. The uncompiled
evaluation ``g(**arrays)`` (the plan's executor) is reported the same way.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import einderiv as ed

TARGET = 3.0


def chain_text(k: int) -> str:
    return "tr(" + " ".join(f"A{j} X" for j in range(1, k + 1)) + ")"


def hand_gradient(X, As):
    """d tr(A1 X ... Ak X) / dX (numerator layout) = sum_j S_j P_j, with P_j = A1 X ... A_j
    (the factors before the j-th X) and S_j = A_{j+1} X ... Ak X (those after it): the prefix
    products are kept, the suffixes walked backwards."""
    k = len(As)
    prefix = [As[0]]
    for j in range(1, k):
        prefix.append(prefix[-1] @ X @ As[j])
    grad = np.zeros_like(X)
    suffix = np.eye(X.shape[0])
    for j in range(k - 1, -1, -1):
        grad += suffix @ prefix[j]
        suffix = As[j] @ X @ suffix
    return grad


def peak(fn, args) -> tuple[float, float]:
    """(peak MB, seconds) of one call of ``fn(**args)`` after a warm-up call."""
    fn(**args)
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    fn(**args)
    seconds = time.perf_counter() - start
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 2**20, seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, default=64, help="factors A_j X (default 64)")
    parser.add_argument("--n", type=int, default=200, help="matrix size (default 200)")
    parser.add_argument("--no-executor", action="store_true", help="skip g(**arrays)")
    opts = parser.parse_args(argv)
    k, n = opts.k, opts.n
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, n)) / np.sqrt(n)
    As = [rng.standard_normal((n, n)) / np.sqrt(n) for _ in range(k)]
    args = {"X": X} | {f"A{j}": A for j, A in enumerate(As, 1)}

    start = time.perf_counter()
    g = ed.diff(chain_text(k), "X")
    derive = time.perf_counter() - start
    fn = g.compile()
    want = hand_gradient(X, As)
    got = fn(**args)
    if not np.allclose(got, want, rtol=1e-8, atol=1e-10 * np.abs(want).max()):
        print("compiled gradient differs from the hand-written one", file=sys.stderr)
        return 1

    rows = [("hand-written numpy", *peak(lambda **a: hand_gradient(a["X"], As), args))]
    rows.append(("einderiv compiled", *peak(fn, args)))
    if not opts.no_executor:
        rows.append(("einderiv g(**arrays)", *peak(g, args)))
    base = rows[0][1]
    print(f"gradient of {chain_text(3)[:-1]} ... A{k} X) at n = {n} (derived in {derive:.1f} s)")
    print(f"{'function':24s} {'peak MB':>9s} {'ratio':>7s} {'seconds':>8s}")
    for name, mb, seconds in rows:
        print(f"{name:24s} {mb:9.1f} {mb / base:7.2f} {seconds:8.3f}")
    ratio = rows[1][1] / base
    verdict = "within" if ratio <= TARGET else "NOT within"
    print(f"compiled / hand-written = {ratio:.2f}: {verdict} the target of {TARGET:g}x")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
