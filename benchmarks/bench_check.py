"""``check`` of a long sum: the time of a "right" and of a "wrong" verdict, per term.

    python benchmarks/bench_check.py             # N = 125, 250, 500, 1000 terms
    python benchmarks/bench_check.py --quick     # N = 125, 250

For ``f = x' (A0 + ... + A{N-1}) x`` by x (every matrix n-by-n), ``ed.check(f, "x", claim)``
with the engine's own derivative as the claim (``x' (A0 + A0' + ...)``: "right", proved by
exact arithmetic) and with the claim ``0`` ("wrong", a counterexample of small integers). Each
time is the process's CPU time, the median of 3 calls, printed also per term and as a ratio to
a fixed pure-Python loop run in the same process (compare the ratio across machines). Cost
linear in N means a flat column ``ms / term`` (tests/test_fuzz.py's ``sum_1000_terms`` guards
the hang, not the speed).
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import einderiv as ed


def _cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def _unit() -> float:
    """The CPU time of a fixed pure-Python loop (the ratio's denominator)."""
    return min(_cpu(lambda: sum(i * i for i in range(200_000))) for _ in range(3))


def _judge(f: str, claim: str, verdicts: list) -> None:
    verdicts.append(ed.check(f, "x", claim).verdict)


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore")
    sizes = (125, 250) if "--quick" in argv else (125, 250, 500, 1000)
    unit = _unit()
    print(f"{'N':>5} {'claim':>6} {'verdict':>8} {'ms':>9} {'ms / term':>10} {'ratio':>8}")
    for n in sizes:
        f = "x' (" + " + ".join(f"A{i}" for i in range(n)) + ") x"
        for label, claim in (("own", str(ed.diff(f, "x"))), ("0", "0")):
            verdicts: list = []
            times = [_cpu(partial(_judge, f, claim, verdicts)) for _ in range(3)]
            t = statistics.median(times)
            print(
                f"{n:>5} {label:>6} {verdicts[0]:>8} {t * 1e3:>9.0f} {t * 1e3 / n:>10.2f} "
                f"{t / unit:>8.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
