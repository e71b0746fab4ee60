"""Derivation time: einderiv against SymPy's matrix calculus, measured in the same process.

    python benchmarks/bench_sympy.py [--quick]

For each identity of the lecture notes (and tr(X^k) for growing k) it times ``ed.diff`` and the
same derivative in SymPy (``MatrixSymbol`` expressions, ``.diff``), median of repeats, and prints
the ratio SymPy / einderiv. SymPy is optional: without it the script says so and exits 0.

Two einderiv columns: "from text" (``str(ed.diff(text, wrt))``: parse, derive, matrix form, print;
the headline figure) and "parsed" (``str(ed.diff(parsed, wrt))`` on an expression parsed once,
untimed), which is what SymPy's column times: its expression is built in Python beforehand, and
its answer is not printed. Both ratios are printed; the issue's target is quoted on the first.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

try:
    import einderiv as ed
except ImportError:  # a source checkout that was not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import einderiv as ed


def median_time(fn, repeats: int, setup=None) -> float:
    """The median time of ``fn()`` over ``repeats`` calls; ``setup()`` runs untimed before each."""
    gc.collect()  # start each side's series clean: no collection of the other side's garbage
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sympy_cases(sp):
    n = sp.Symbol("n", integer=True, positive=True)
    X, A, B, C = (sp.MatrixSymbol(s, n, n) for s in "XABC")
    x, a = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("a", n, 1)
    return {
        # id: (sympy expression, variable, einderiv expression, wrt)
        "C6": (a.T * x, x, "a' x", "x"),
        "C7": (x.T * x, x, "x' x", "x"),
        "C8": ((x.T * a) ** 2, x, "(x' a)^2", "x"),
        "C9": (A * x, x, "A x", "x"),
        "C11": (x.T * A * x, x, "x' A x", "x"),
        "DT1": (sp.Trace(X), X, "tr(X)", "X"),
        "DT3": (sp.Trace(A * X), X, "tr(A X)", "X"),
        "DT4": (sp.Trace(A * X.T), X, "tr(A X')", "X"),
        "DT5": (sp.Trace(X.T * A * X), X, "tr(X' A X)", "X"),
        "DT6": (sp.Trace(X.I * A), X, "tr(inv(X) A)", "X"),
        "DT7": (sp.Trace(A * X * B), X, "tr(A X B)", "X"),
        "DT8": (sp.Trace(A * X * B * X.T * C), X, "tr(A X B X' C)", "X"),
        "DD1": (sp.Determinant(X), X, "det(X)", "X"),
        "DD3": (sp.log(sp.Determinant(X)), X, "log|X|", "X"),
        "DD4": (sp.Determinant(A * X * B), X, "det(A X B)", "X"),
        "DD5": (sp.Determinant(X.T * A * X), X, "det(X' A X)", "X"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller k")
    args = parser.parse_args()
    try:
        import sympy as sp
    except ImportError:
        print("sympy is not installed: nothing to compare against (pip install sympy)")
        return 0
    repeats = 3 if args.quick else 7
    print(f"einderiv {ed.__version__} vs sympy {sp.__version__}; median of {repeats} runs")
    print(
        f"{'case':10s} {'einderiv ms':>12s} {'parsed ms':>10s} {'sympy ms':>10s} "
        f"{'sympy/einderiv':>15s} {'(parsed)':>9s}"
    )
    ratios, parsed_ratios = [], []
    from sympy.core.cache import clear_cache

    def sympy_diff(expr, var):
        clear_cache()  # sympy caches results: time a derivation, not a lookup
        return expr.diff(var).doit()

    def sympy_timed(expr, var, repeats):  # the cache is cleared before each call, untimed
        return median_time(lambda: expr.diff(var).doit(), repeats, setup=clear_cache)

    cases = sympy_cases(sp)
    str(ed.diff("x' y", "x"))  # one warm-up derivation on each side, of an expression not timed:
    sympy_diff(cases["C6"][0].T, cases["C6"][1])  # first-call costs are not derivation costs
    for case, (expr, var, text, wrt) in cases.items():
        ours = median_time(lambda text=text, wrt=wrt: str(ed.diff(text, wrt)), repeats)
        parsed = ed.parse(text)
        ours_parsed = median_time(lambda f=parsed, wrt=wrt: str(ed.diff(f, wrt)), repeats)
        try:
            answer = sympy_diff(expr, var)
            zero = answer == 0 or isinstance(answer, sp.ZeroMatrix)
            if answer.has(sp.Derivative) or zero:  # unevaluated, or wrong (d log|X|/dX -> 0)
                what = "unevaluated" if answer.has(sp.Derivative) else "wrong: 0"
                print(
                    f"{case:10s} {1e3 * ours:12.2f} {1e3 * ours_parsed:10.2f} "
                    f"{'fails':>10s}   ({what})"
                )
                continue
            theirs = sympy_timed(expr, var, repeats)
            ratios.append(theirs / ours)
            parsed_ratios.append(theirs / ours_parsed)
            print(
                f"{case:10s} {1e3 * ours:12.2f} {1e3 * ours_parsed:10.2f} {1e3 * theirs:10.2f} "
                f"{theirs / ours:15.1f} {theirs / ours_parsed:9.1f}"
            )
        except Exception as error:  # noqa: BLE001 - sympy fails on some identities; report it
            print(
                f"{case:10s} {1e3 * ours:12.2f} {1e3 * ours_parsed:10.2f} {'fails':>10s}   "
                f"({type(error).__name__})"
            )
    ks = (8, 16, 32) if args.quick else (8, 16, 32, 64)
    n = sp.Symbol("n", integer=True, positive=True)
    X = sp.MatrixSymbol("X", n, n)
    for k in ks:
        ours = median_time(lambda k=k: str(ed.diff(f"tr(X^{k})", "X")), repeats)
        theirs = sympy_timed(sp.Trace(X**k), X, 1 if k > 16 else repeats)
        print(
            f"{'tr(X^' + str(k) + ')':10s} {1e3 * ours:12.2f} {'':10s} {1e3 * theirs:10.2f} "
            f"{theirs / ours:15.1f}"
        )
    if ratios:
        print(
            f"median ratio over the notes' identities: {statistics.median(ratios):.1f}x from text"
            f" ({statistics.median(parsed_ratios):.1f}x from a parsed expression, like SymPy's)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
