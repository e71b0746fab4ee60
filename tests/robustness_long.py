"""The long robustness profile: tests/test_properties.py, tests/test_fuzz.py,
tests/test_properties_second.py and tests/test_check_properties.py with every
example count multiplied (EINDERIV_LONG=1; the check properties run 40 x factor expressions),
then, with ``--fuzz-seconds``, the random fuzz of check and index() read-back
(tests/check_fuzz.py), and a summary of what was checked.

    python tests/robustness_long.py              # factor 10 (a few minutes)
    python tests/robustness_long.py --factor 50  # longer
    python tests/robustness_long.py --factor 3 --fuzz-seconds 200   # the documented run
    python tests/robustness_long.py --depth      # also search the deepest nesting handled

Run from the repository root. Prints the pytest result line and the counters the two test
files record (examples, derivatives, Hessians, round trips, fuzz inputs and calls, outcomes,
failures excused as known engine bugs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factor", type=int, default=10, help="multiply example counts")
    parser.add_argument("--depth", action="store_true", help="search the deepest nesting")
    parser.add_argument(
        "--fuzz-seconds", type=float, default=0.0, help="then run tests/check_fuzz.py this long"
    )
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="einderiv-long-"))
    env = dict(
        os.environ,
        EINDERIV_LONG="1",
        EINDERIV_LONG_FACTOR=str(args.factor),
        EINDERIV_STATS=str(tmp / "properties.json"),
        EINDERIV_FUZZ_STATS=str(tmp / "fuzz.json"),
        EINDERIV_SECOND_STATS=str(tmp / "second.json"),
        EINDERIV_CHECK_EXAMPLES=str(40 * args.factor),
        EINDERIV_CHECK_STATS=str(tmp / "check.json"),
    )
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_properties.py",
        "tests/test_fuzz.py",
        "tests/test_properties_second.py",
        "tests/test_check_properties.py",
        *args.pytest_args,
    ]
    start = time.time()
    done = subprocess.run(cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True)
    tail = [line for line in done.stdout.splitlines() if line.strip()][-15:]
    print("\n".join(tail))
    print(f"\n[{time.time() - start:.0f} s, factor {args.factor}]")
    code = done.returncode
    if args.fuzz_seconds > 0:
        fuzz = [sys.executable, "tests/check_fuzz.py", "--seconds", str(args.fuzz_seconds)]
        fuzz += ["--out", str(tmp / "check_fuzz.json")]
        found = subprocess.run(fuzz, check=False, cwd=ROOT, capture_output=True, text=True)
        print(found.stderr[-3000:], end="")  # false "right" verdicts and crashes, if any
        code = code or found.returncode
    for name in ("properties", "fuzz", "second", "check", "check_fuzz"):
        path = tmp / f"{name}.json"
        if path.exists():
            print(f"\n{name}:")
            for key, value in json.loads(path.read_text()).items():
                print(f"  {key:32s} {value}")
    if args.depth:
        sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
        import test_fuzz

        print("\ndeepest nesting handled (parse, print, diff, codegen, hessian, check):")
        for family in sorted(test_fuzz.NESTINGS):
            print(f"  {family:10s} {test_fuzz._deepest(family)}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
