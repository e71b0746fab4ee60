"""Symbolic sums of matrix powers: d X^k / dX at large k, as ratios to numpy in the same process.

    python benchmarks/bench_powers.py            # n = 3, 10, 30; k = 10**3, 10**6, 10**12

For each size n and exponent k, the time of one evaluation of ``g = ed.diff("X^k", "X",
where="k: integer")`` by the interpreter ``g(X=..., k=...)``, the compiled function
``g.compile()`` and the code of ``ed.codegen(g)``, divided by the time of
``np.linalg.matrix_power(X, k)`` (the value, not its derivative: the smallest honest numpy work
at this k). Before the closed form (issue 10 item 7) the derivative was a loop of k terms: at
k = 10**6 and n = 3 it took minutes. X is a rotation, so its powers stay bounded. Each time is
the median of 5 runs of a loop lasting at least 0.05 s.
"""

from __future__ import annotations

import statistics
import sys
import timeit
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import einderiv as ed


def timed(fn, min_time: float = 0.05, repeats: int = 5) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    return statistics.median(timer.repeat(repeats, number)) / number


def main() -> int:
    warnings.simplefilter("ignore")
    g = ed.diff("X^k", "X", where="k: integer")
    compiled = g.compile()
    ns: dict = {}
    exec(ed.codegen(g), ns)  # noqa: S102
    generated = ns["f"]
    print(
        f"{'n':>3} {'k':>8} {'numpy X^k':>11} {'interp/np':>10} {'compiled/np':>12} {'codegen/np':>11}"
    )
    for n in (3, 10, 30):
        X = np.linalg.qr(np.random.default_rng(n).standard_normal((n, n)))[0]
        for k in (10**3, 10**6, 10**12):
            ref = timed(lambda X=X, k=k: np.linalg.matrix_power(X, k))
            runs = (g, compiled, generated)
            ratios = [timed(lambda fn=fn, X=X, k=k: fn(X=X, k=k)) / ref for fn in runs]
            print(
                f"{n:>3} {k:>8.0e} {ref * 1e6:>9.1f}us " + " ".join(f"{r:>10.1f}x" for r in ratios)
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
