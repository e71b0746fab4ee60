"""The random driver both fuzz scripts share (tests/check_fuzz.py, tests/print_fuzz.py).

Input: the script's description and default time budget (``arguments``); then a function of one
random case and a numpy generator (``run``). Output: the parsed options (``--seconds``,
``--seed``, ``--out``, ``--kron``); ``run`` calls the function on random cases of
tests/strategies.py (``--kron``: tests/kron_strategies.py) until the budget is spent, in
batches each with its own hypothesis seed drawn from ``--seed``, numpy's warnings off, and
hands any exception but the budget's end to ``crashed`` (a crash is what a fuzz looks for).
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
import warnings
from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, given, seed, settings
from kron_strategies import kron_cases
from strategies import cases


def arguments(description: str, seconds: float, ml: bool = False) -> argparse.Namespace:
    """The options; ``ml``: also ``--ml`` (tests/form_check_fuzz.py's losses)."""
    parser = argparse.ArgumentParser(description=description)
    if ml:
        parser.add_argument("--ml", action="store_true", help="tests/ml_losses.py cases")
    parser.add_argument("--seconds", type=float, default=seconds, help="time budget")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed")
    parser.add_argument("--out", default=None, help="write the counters as JSON here")
    parser.add_argument("--kron", action="store_true", help="tests/kron_strategies.py cases")
    return parser.parse_args()


def run(args: argparse.Namespace, batch_size: int, body: Callable, crashed: Callable) -> float:
    """``body(case, rng)`` on random cases for ``args.seconds``; ``crashed(case, trace)`` for
    each exception it raises. Returns the seconds spent."""
    start = time.time()
    rng = np.random.default_rng(args.seed)

    @settings(
        max_examples=batch_size,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(kron_cases() if args.kron else cases())
    def batch(case) -> None:
        if time.time() - start > args.seconds:
            return  # the budget is spent: the rest of this batch is skipped
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                body(case, rng)
            except Exception:  # noqa: BLE001 - a crash is what we look for
                crashed(case, traceback.format_exc())

    while time.time() - start < args.seconds:  # batches of fresh random cases, seeded
        seed(int(rng.integers(2**32)))(batch)()
    return time.time() - start


def report(args: argparse.Namespace, stats: dict, findings: list, defects) -> int:
    """The counters printed as JSON (and written to ``--out`` with the findings), the findings
    on stderr; the exit code: 1 when a counter ending in one of ``defects`` is not zero."""
    counters = dict(sorted(stats.items()))
    print(json.dumps(counters, indent=1))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"counters": counters, "findings": findings}, fh, indent=1)
    for finding in findings:
        print(finding, file=sys.stderr)
    bad = sum(v for k, v in stats.items() if any(k.endswith(d) for d in defects))
    return 1 if bad else 0
