"""How long einderiv takes to derive things.

For each case it times ``ed.diff`` (parse -> differentiate -> simplify -> an Expr ready to
evaluate) and, separately, ``str(g)`` (printing it in matrix notation), and reports the median of
several repeats, the first (cold) run, and the median as a ratio to a reference workload measured
in the same process, which makes numbers from different machines comparable. Times are the
process's CPU time, so other work on a shared machine does not count in them.

Cases: every identity of the lecture notes (C6-C11, DT1-DT8, DD1-DD5); ML objectives (softmax
cross-entropy and its Hessian, attention, the Gaussian likelihood pasted as LaTeX, Kronecker least
squares), quoted also as ratios to the notes' median; tr(X^k) for k up to 256,
and tr((X+A)^k) for k = 4, 8, 16; and families that grow (issue 13): the Hessian of an N-layer
MLP sum(tanh(WN ... tanh(W1 x))), tr(A1 X A2 X ... AN X), tr(inv(X) A1 ... inv(X) AN),
tr(X1 X2 ... XN) derived by each of its N variables in turn, norm2 nested N deep, the Hessian
of logsumexp(softmax(...softmax(x))) N deep, printed with its shared subterms named,
``show(cse=True)`` (matrix form up to 4 deep; then index notation, whose named text grows linearly
while the tree it stands for grows about 2.5x per level), and the Hessian of
sum(tanh(...tanh(X A0)... AN-1)) by the matrix X, printed in Kronecker form (N terms, each a
chain of about 2N diagonals: kron(A0, I) diag(vec(1 - tanh(X A0) .^ 2)) kron(A1, I) ...), and
the gradient of an unrolled RNN sum(tanh(W ... tanh(W x))) by its one W, N steps, printed with
its shared subterms named (``show(cse=True)``: t1 = tanh(W x), t2 = tanh(W t1), ...), and the
gradient of tr(A X A X ... A X) (one A, N times: tr((A X)^N)) by X, printed with its shared
subterms named (backpropagated, its N terms one chain: N A X ... A), and the gradient of
tr((A1 X ... A20 X)^N), a block of 40 factors written N times, printed (each of its 20 terms a
chain of 40 N - 1 factors with the block written as a power, ``notation.chain_runs``). For each
growing family the benchmark fits the exponent p of time ~ size^p, where size is the length of
the input plus the output text, and prints it (the aim: no family above 1.3).

Usage: python benchmarks/bench_derive.py [--quick] [--repeat N] [--timeout S] [--json PATH]
                                         [--family TEXT]  (only the families holding TEXT)
Exit code 0 when every case derived, 1 when any failed or timed out.
"""

from __future__ import annotations

import argparse
import json
import platform
import signal
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

try:  # the installed einderiv, else the checkout this script lives in
    import einderiv as ed
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    try:
        import einderiv as ed
    except ImportError as error:
        sys.exit(f"cannot import einderiv ({error}); run `pip install .` first")

# (label, expression, with respect to, declarations); the notes' identities
NOTES = [
    ("C6", "a' x", "x", None),
    ("C6'", "x' a", "x", None),
    ("C7", "x' x", "x", None),
    ("C8", "(x' a)^2", "x", None),
    ("C9", "A x", "x", None),
    ("C10", "x' A", "x", None),
    ("C11", "x' A x", "x", None),
    ("DT1", "tr(X)", "X", None),
    ("DT2", "tr(X^k)", "X", "k: integer"),
    ("DT3", "tr(A X)", "X", None),
    ("DT3'", "tr(X A)", "X", None),
    ("DT4", "tr(A X')", "X", None),
    ("DT4'", "tr(X' A)", "X", None),
    ("DT5", "tr(X' A X)", "X", None),
    ("DT6", "tr(inv(X) A)", "X", None),
    ("DT7", "tr(A X B)", "X", None),
    ("DT7'", "tr(B A X)", "X", None),
    ("DT8", "tr(A X B X' C)", "X", None),
    ("DD1", "det(X)", "X", None),
    ("DD2", "det(X^k)", "X", "k: integer"),
    ("DD3", "log|X|", "X", None),
    ("DD4", "det(A X B)", "X", None),
    ("DD5", "det(X' A X)", "X", None),
]

# ML and statistics objectives (issue 12): each row's time is also quoted as a ratio to the
# median of the notes' rows (the "notes ratio" printed after the table)
ML = [
    ("softmax CE", "-y' log(softmax(W x))", "W", None),
    ("softmax CE hess", "-y' log(softmax(W x))", "hessian:x", None),
    ("attention", "sum(softmax(Q K' / sqrt(d)) V)", "Q", "d: scalar"),
    (
        "Gauss NLL TeX",
        (
            r"\frac{1}{2}\log\det(\Sigma) + \frac{1}{2}(\mathbf{x}-\boldsymbol{\mu})^\top "
            r"\Sigma^{-1} (\mathbf{x}-\boldsymbol{\mu})"
        ),
        "Sigma",
        "mu: vector(n)",
    ),
    ("kron LS", "norm2(kron(A, B) vec(X) - y)^2", "X", None),
]

POWERS = (8, 16, 32, 64, 128, 256)
POWERS_QUICK = (8, 16, 32, 64)
SUM_POWERS = (4, 8, 16)
SUM_POWERS_QUICK = (4, 8)


GROWING = (2, 4, 8, 16)  # MLP depth
GROWING_LONG = (8, 16, 32, 64, 128)  # chain lengths, variable counts
GROWING_QUICK = (2, 4, 8)
GROWING_LONG_QUICK = (8, 16, 32)
NESTED = (5, 10, 20)
SOFTMAX = (2, 4, 8, 16)  # nested softmax Hessians, printed with names (index notation from 5)
SOFTMAX_QUICK = (2, 4, 8)
RNN = (10, 20, 40)  # unrolled RNN gradients by the shared W, printed with names
RNN_QUICK = (5, 10, 20)
POWER_CHAIN = (40, 80, 160, 320)  # tr(A X A X ... A X) by X, printed with names
POWER_CHAIN_QUICK = (20, 40, 80)
PERIOD_TWO = (40, 80, 160, 320)  # tr(A X B X' ... A X B X') by X, printed with names
PERIOD_TWO_QUICK = (20, 40, 80)
ROTATIONS = (40, 80, 160, 320)  # tr(A1 X ... AN X) by X, printed with names
ROTATIONS_QUICK = (20, 40, 80)
LONG_BLOCK = (2, 4, 8, 16)  # tr((A1 X ... A20 X)^N) by X: a block of 40 factors N times
LONG_BLOCK_QUICK = (2, 4, 8)


def mlp(depth: int) -> str:
    text = "x"
    for k in range(1, depth + 1):
        text = f"tanh(W{k} {text})"
    return f"sum({text})"


def rnn(steps: int) -> str:
    """sum(tanh(W tanh(W ... tanh(W x)))): one W in every step, an unrolled RNN."""
    text = "x"
    for _ in range(steps):
        text = f"tanh(W {text})"
    return f"sum({text})"


def nested_tanh(depth: int) -> str:
    """sum(tanh(...tanh(X A0)... A{depth-1})): its Hessian by X prints in Kronecker form."""
    text = "X"
    for k in range(depth):
        text = f"tanh({text} A{k})"
    return f"sum({text})"


def cases(quick: bool):
    """(family, label, expression, wrt, where); within a family, cases grow in size.
    ``wrt`` "hessian:x" asks for the Hessian by x; "each" differentiates by every variable."""
    for label, expr, wrt, where in NOTES:
        yield (label, label, expr, wrt, where)
    for label, expr, wrt, where in ML:
        yield ("ML", label, expr, wrt, where)
    for k in POWERS_QUICK if quick else POWERS:
        yield ("tr(X^k)", f"tr(X^{k})", f"tr(X^{k})", "X", None)
    for k in SUM_POWERS_QUICK if quick else SUM_POWERS:
        yield ("tr((X+A)^k)", f"tr((X+A)^{k})", f"tr((X + A)^{k})", "X", None)
    for n in GROWING_QUICK if quick else GROWING:
        yield ("MLP Hessian", f"MLP hess {n}", mlp(n), "hessian:x", None)
    long = GROWING_LONG_QUICK if quick else GROWING_LONG
    for n in long:
        chain = " ".join(f"A{k} X" for k in range(1, n + 1))
        yield ("tr(A1 X..AN X)", f"tr(A X)x{n}", f"tr({chain})", "X", None)
    for n in long:
        chain = " ".join(f"inv(X) A{k}" for k in range(1, n + 1))
        yield ("tr(inv(X) A..)", f"tr(inv X A)x{n}", f"tr({chain})", "X", None)
    for n in long:
        chain = " ".join(f"X{k}" for k in range(1, n + 1))
        yield ("N variables", f"{n} variables", f"tr({chain})", "each", None)
    for n in NESTED:
        yield ("nested norm2", f"norm2 x{n}", "norm2(" * n + "x" + ")" * n, "x", None)
    for n in SOFTMAX_QUICK if quick else SOFTMAX:
        text = "logsumexp(" + "softmax(" * n + "x" + ")" * (n + 1)
        yield ("softmax Hessian", f"softmax hess {n}", text, "hessian-cse:x", None)
    for n in GROWING_QUICK if quick else GROWING:  # Hessian of nested tanh by a matrix
        yield ("tanh kron Hess", f"tanh kron {n}", nested_tanh(n), "hessian:X", None)
    for n in RNN_QUICK if quick else RNN:  # gradient by the W of every step, names shared
        yield ("RNN cse", f"RNN cse {n}", rnn(n), "cse:W", None)
    for n in POWER_CHAIN_QUICK if quick else POWER_CHAIN:  # one A: N splits of one chain
        chain = " ".join(["A X"] * n)
        yield ("tr((A X)^N) cse", f"tr(AX)^{n} cse", f"tr({chain})", "cse:X", None)
    for n in PERIOD_TWO_QUICK if quick else PERIOD_TWO:  # subchains of one signature by the n
        chain = " ".join(["A X B X'"] * n)
        yield ("tr((A X B X')^N) cse", f"tr(AXBX')^{n} cse", f"tr({chain})", "cse:X", None)
    for n in ROTATIONS_QUICK if quick else ROTATIONS:  # the gradient: n rotations of one chain
        chain = " ".join(f"A{k} X" for k in range(1, n + 1))
        yield ("tr(A1 X..AN X) cse", f"tr(A X)x{n} cse", f"tr({chain})", "cse:X", None)
    block = " ".join(f"A{k} X" for k in range(1, 21))
    for n in LONG_BLOCK_QUICK if quick else LONG_BLOCK:  # a power of a block of 40 factors
        text = "tr(" + " ".join([block] * n) + ")"
        yield ("tr((A1 X..A20 X)^N)", f"tr(A1X..A20X)^{n}", text, "X", None)


def derive_and_print(expr: str, wrt: str, where: str | None) -> tuple[object, str]:
    """The derivative (or Hessian, or every derivative) and its text, timed together."""
    if wrt.startswith("hessian:"):
        g = ed.hessian(expr, wrt.split(":", 1)[1], where=where)
        return g, str(g)
    if wrt.startswith("hessian-cse:"):  # index notation, shared subterms named (show(cse=True))
        g = ed.hessian(expr, wrt.split(":", 1)[1], where=where)
        return g, g.show(cse=True)
    if wrt.startswith("cse:"):  # matrix notation, shared subterms named (show(cse=True))
        g = ed.diff(expr, wrt.split(":", 1)[1], where=where)
        return g, g.show(cse=True)
    if wrt == "each":
        f = ed.parse(expr, where=where)
        texts = [str(ed.diff(f, name)) for name in sorted(f.variables)]
        return None, "\n".join(texts)
    g = ed.diff(expr, wrt, where=where)
    return g, str(g)


def growth_exponent(sizes: list[float], times: list[float]) -> float | None:
    """The least-squares slope of log(time) against log(size): time ~ size ** slope."""
    import math

    points = [(math.log(s), math.log(t)) for s, t in zip(sizes, times) if s > 0 and t > 0]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    if var == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / var


GROWING_FAMILIES = (
    "tr(X^k)",
    "MLP Hessian",
    "tr(A1 X..AN X)",
    "tr(inv(X) A..)",
    "N variables",
    "nested norm2",
    "softmax Hessian",
    "tanh kron Hess",  # the Hessian of nested tanh by a matrix, in Kronecker form
    "RNN cse",  # an unrolled RNN's gradient by W, shared subterms named
    "tr((A X)^N) cse",  # tr(A X ... A X) by X, backpropagated and named
    "tr((A X B X')^N) cse",  # a chain of period two, named (transposes paired)
    "tr(A1 X..AN X) cse",  # n rotations of one chain, named
)  # (not "tr((A1 X..A20 X)^N)": its text, its block a power, stays 4,500 characters as N grows,
# so the exponent against the text's length means nothing; its time is linear in N)


def reference_workload() -> None:
    """A fixed, single-threaded pure-Python loop (about 10 ms): the unit of the ratio column."""
    total = 0
    for i in range(200_000):
        total += i * i % 7
    return total


def clock() -> float:
    """CPU time of this process: on a machine shared with other work, the time slices given to
    other processes do not count (the ratio to the reference is still the figure to quote)."""
    return time.process_time()


def measure_reference(repeat: int) -> float:
    reference_workload()  # warm up
    times = []
    for _ in range(max(repeat, 5)):
        start = clock()
        reference_workload()
        times.append(clock() - start)
    return statistics.median(times)


class CaseTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """Interrupt the body after ``seconds`` (POSIX main thread only; otherwise no limit)."""
    if seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum, frame):
        raise CaseTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def term_count(g):
    count = getattr(g, "term_count", None)
    if count is None:
        return None
    try:
        return count() if callable(count) else count
    except Exception:  # noqa: BLE001 - a diagnostic column, never fatal
        return None


def run_case(expr: str, wrt: str, where: str | None, repeat: int, timeout: float) -> dict:
    """Time diff and str; stop repeating once the case has used ``timeout`` seconds."""
    diff_times, str_times = [], []
    g = text = None
    started = time.perf_counter()
    try:
        with time_limit(timeout):
            for _ in range(repeat):
                t0 = clock()
                if wrt == "each" or wrt.startswith(("hessian:", "hessian-cse:", "cse:")):
                    g, text = derive_and_print(expr, wrt, where)  # timed as one
                    t1 = clock()
                else:
                    g = ed.diff(expr, wrt, where=where)
                    t1 = clock()
                    text = str(g)
                t2 = clock()
                diff_times.append(t1 - t0)
                str_times.append(t2 - t1)
                if time.perf_counter() - started > timeout / 3:
                    break  # a slow case: fewer repeats, so the whole run stays short
    except CaseTimeout:
        if not str_times:
            raise
        diff_times = diff_times[: len(str_times)]  # keep the repeats that finished
    return {
        "first_s": diff_times[0],
        "diff_s": statistics.median(diff_times),
        "str_s": statistics.median(str_times),
        "repeats": len(diff_times),
        "terms": term_count(g),
        "result": text,
    }


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:9.2f}" if ms < 1e4 else f"{ms:9.0f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller powers")
    parser.add_argument("--repeat", type=int, default=None, help="repeats per case (default 7)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per case (15)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--show", action="store_true", help="also print each derivative")
    parser.add_argument("--family", help="only the cases whose family holds this text")
    args = parser.parse_args(argv)
    chosen = [c for c in cases(args.quick) if not args.family or args.family in c[0]]
    repeat = args.repeat or (3 if args.quick else 7)
    budget = 60.0 if args.quick else 240.0  # whole-run budget; later cases are skipped past it

    wall = time.perf_counter()
    reference = measure_reference(repeat)
    version = getattr(ed, "__version__", "?")
    print(
        f"einderiv {version} | Python {platform.python_version()} | {platform.machine()} | "
        f"reference workload {reference * 1e3:.2f} ms | median of up to {repeat} runs"
    )
    header = f"{'case':<15} {'diff ms':>9} {'first ms':>9} {'str ms':>9} {'ratio':>8} {'terms':>6}"
    print(header)
    print("-" * len(header))

    results, failures, given_up = [], 0, set()
    for family, label, expr, wrt, where in chosen:
        row = {"case": label, "expr": expr, "wrt": wrt, "where": where}
        if time.perf_counter() - wall > budget:
            row["error"] = "skipped (time budget of the whole run used up)"
        elif family in given_up:
            row["error"] = "skipped (a smaller case of this family timed out)"
        else:
            try:
                row.update(run_case(expr, wrt, where, repeat, args.timeout))
            except CaseTimeout:
                row["error"] = f"timeout after {args.timeout:g} s"
                given_up.add(family)
            except Exception as error:  # noqa: BLE001 - report and go on
                row["error"] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        results.append(row)
        if "error" in row:
            failures += 1
            print(f"{label:<15} {row['error']}")
            continue
        row["ratio"] = row["diff_s"] / reference
        terms = "" if row["terms"] is None else str(row["terms"])
        print(
            f"{label:<15} {fmt_ms(row['diff_s'])} {fmt_ms(row['first_s'])} "
            f"{fmt_ms(row['str_s'])} {row['ratio']:8.3f} {terms:>6}"
        )
        if args.show:
            print(f"{'':<15} d/d{wrt} {expr} = {row['result']}")

    print("-" * len(header))
    notes = [r["diff_s"] for r in results if r["case"] in {n[0] for n in NOTES} and "diff_s" in r]
    if notes:
        median = statistics.median(notes)
        print(f"notes ratio: diff time / median of the notes' rows ({median * 1e3:.2f} ms)")
        for r in results:
            if r["case"] in {m[0] for m in ML} and "diff_s" in r:
                r["notes_ratio"] = r["diff_s"] / median
                print(f"  {r['case']:<16} {r['notes_ratio']:6.2f} x")
        print("-" * len(header))
    print("growth: time (derive + print) ~ size^p, size = length of input + output text")
    families: dict[str, list[dict]] = {}
    for (family, *_), row in zip(chosen, results):
        if "error" not in row and family in GROWING_FAMILIES:
            families.setdefault(family, []).append(row)
    for family, rows in families.items():
        sizes = [len(r["expr"]) + len(r["result"] or "") for r in rows]
        times = [r["diff_s"] + r["str_s"] for r in rows]
        p = growth_exponent(sizes, times)
        largest = rows[-1]
        exponent = "n/a" if p is None else f"{p:.2f}"
        print(
            f"{family:<16} p = {exponent:>5}   largest: {largest['case']}, "
            f"{(largest['diff_s'] + largest['str_s']) * 1e3:.1f} ms = "
            f"{(largest['diff_s'] + largest['str_s']) / reference:.2f} x reference"
        )
        for r, size in zip(rows, sizes):
            r["size"] = size
        if p is not None:
            rows[-1]["growth_exponent"] = p
    elapsed = time.perf_counter() - wall
    print("-" * len(header))
    print(
        f"{len(results) - failures}/{len(results)} cases derived in {elapsed:.1f} s; "
        "ratio = median diff time / reference workload"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(
                {"version": version, "reference_s": reference, "results": results}, out, indent=2
            )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
