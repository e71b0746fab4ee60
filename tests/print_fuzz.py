"""A random (not derandomized) round-trip fuzz of every printed form, for the long robustness
profile (docs/robustness.md). Not collected by pytest; run it from the repository root:

    python tests/print_fuzz.py --seconds 300             # random expressions, every form
    python tests/print_fuzz.py --seconds 60 --seed 3     # reproducible with a seed
    python tests/print_fuzz.py --seconds 300 --kron      # with Kronecker products, vec, softmax

Random expressions come from tests/strategies.py (``--kron``: tests/kron_strategies.py, with
``kron``, ``vec``, a Kronecker product inside a chain, ``diag(kron(..) v)``, ``softmax``,
``logsumexp``), with their own numpy evaluator. Results: the
expression itself, its first derivative by each real variable (numerator layout, sometimes
jacobian or denominator), and sometimes a second derivative ``diff(diff(f, x), y)`` (numerator
layouts), also by variables declared symmetric (the differences along (e_i e_j' + e_j e_i') / 2).
Each result is printed in every text form SPEC
section 7 names -- ``str``, ``index()``, ``latex()``, ``show(cse=True)`` in text, LaTeX and index
notation, ``differential()`` and ``kronecker()`` where they exist -- and each form is read back:
``ed.parse`` (LaTeX through the same front end), named forms by substituting their definitions
(or line by line, ``tests/named_forms.py``), a differential by ``ed.read_differential`` (the
numerator-layout derivative), a Kronecker form's right side as the matrix d vec(Y) / d vec(X)'
(column-major vec). The truth is never einderiv: the numpy value of the expression, central
differences of it (differences of differences for second derivatives), and for a Kronecker
form those differences reshaped column-major. Tolerance: relative 1e-4 of the largest entry
(2e-3 for second derivatives); the engine's own value is compared the same way
("engine value" counts a wrong derivative, not a printing defect).

Counted per form: tried, other value, unreadable (an ``EinderivError`` reading it back), crash
(any other exception, printing or reading), no form (the printer refused with an
``EinderivError``, as SPEC allows for ``differential`` and ``kronecker``; ``no readable text``
when it is a ``NoReadableText``, a form einderiv could learn, each noted), slow print (a print
over 0.5 s that takes more than 2 ms per character of text and term of the result: printing
should be about linear in both), longer than plain (a named form longer than the plain form of
the same format, issue 13: but for a gradient kept as adjoints not ``show.compares_plain``). A
form that matches the known defect being fixed elsewhere
(index text inside ``(...)^-2`` around ``kron(y', A)``) is counted as ``known`` instead, except
with ``--kron``, which looks for such defects. An expression ``parse`` refuses is counted
(``refused expressions``; with ``--kron`` the first messages are noted: pairings of Kronecker
sizes einderiv cannot line up).

Determinism: each case is derived a second time, from its text again, with the variables in
reversed order and einderiv's fresh-name counter moved forward to just below a power of ten
(so that fresh names change their number of digits and sort otherwise as text); every form
must print the same text ("print differs" otherwise).

Prints the counters as JSON (``--out path`` writes them, and the findings, too) and exits 1
when any other value, unreadable form, crash, differing print or named form longer than
plain was found (each printed with its case on stderr).
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import sys
import time
import traceback
import warnings
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fuzz_driver import arguments, report, run
from named_forms import index_lines, read_lines, substituted
from strategies import Case

import einderiv as ed
from einderiv.errors import NoReadableText
from einderiv.ir import index_ir as T

BATCH = 10  # random cases per hypothesis run (each run has its own seed)
MAX_ENTRIES = 400  # a result with more entries is not printed (second derivatives only)
STATS: Counter = Counter()
FINDINGS: list[str] = []
KRON = False  # --kron: no form is excused as the known defect
DEFECTS = (
    "other value",
    "unreadable",
    "crash",
    "print differs",
    "engine value",
    "hang",
    "than plain",
)


class Hang(Exception):
    """A print, derivation or read-back ran past its time limit."""


def _alarm(signum, frame):
    raise Hang("time limit")


def limited(seconds: float, fn, *args, **kwargs):
    """``fn(*args)``, raising ``Hang`` after ``seconds``."""
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# --------------------------------------------------------------------------------------------
# truth: the case's numpy evaluator and central differences of it


def _at(case: Case, env: dict) -> Case:
    return Case(case.text, case.where, case.root, case.variables, env, case.features)


def jacobian(case: Case, names: tuple[str, ...]) -> np.ndarray:
    """d value / d names[0] (then by names[1]) in jacobian layout: axes Y + X (+ X2)."""
    if len(names) == 1:
        return case.jacobian_fd(names[0])
    first = names[0]

    def inner(env: dict) -> np.ndarray:
        return numerator(_at(case, env).jacobian_fd(first, eps=1e-5), case.env[first])

    return case.jacobian_fd(names[1], fn=inner, eps=1e-4)


def numerator(jac: np.ndarray, x) -> np.ndarray:
    """Jacobian layout (Y + X) to numerator layout (Y + X reversed)."""
    nx = np.ndim(x)
    ny = jac.ndim - nx
    return np.transpose(jac, list(range(ny)) + list(reversed(range(ny, jac.ndim))))


def in_layout(jac: np.ndarray, x, layout: str) -> np.ndarray:
    if layout == "jacobian":
        return jac
    num = numerator(jac, x)
    return num if layout == "numerator" else np.transpose(num)


def vec_matrix(jac: np.ndarray, x) -> np.ndarray:
    """J[Y..., X...] as the matrix d vec(Y) / d vec(X)' (column-major vec of both)."""
    rows = int(np.prod(jac.shape[: jac.ndim - np.ndim(x)], dtype=int))
    return np.reshape(jac, (rows, -1), order="F")


def same(got, want, rtol: float) -> bool:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        if got.ndim == 0 and not got:  # a zero printed as 0 reads back as a scalar
            got = np.broadcast_to(got, want.shape)
        else:
            return False
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    return bool(np.allclose(got, want, rtol=rtol, atol=rtol * scale, equal_nan=False))


# --------------------------------------------------------------------------------------------
# reading a form back


def evaluate(expr, case: Case, like=None, values: dict | None = None):
    """``expr`` at the case's point; sizes no array fixes (a lone ``I``, ``commutation(m,
    n)``, an index over pairs) are passed by keyword, read off the case's declared sizes and
    ``like``'s shape (the expected value)."""
    values = case.env if values is None else values
    args = {k: v for k, v in values.items() if k in expr.variables}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return expr(**args)
        except ed.EvaluationError as error:
            if "not fixed by any array" not in str(error):
                raise
        solved = solve_sizes(expr, case, values, like)
        asked = _size_names(expr)
        return expr(**args, **{k: v for k, v in solved.items() if k in asked})


def _size_names(expr) -> set:
    dims = list(expr.shape) + [d for v in expr.variables.values() for d in v.dims]
    return {p for d in dims if isinstance(d, str) for p in d.split("*") if not p.isdigit()}


def solve_sizes(expr, case: Case, values: dict, like) -> dict:
    """Named sizes: the case's ``d3`` -> 3, the variables' dims by their arrays, then the
    result's dims (``n*m``, ``n*n``) by ``like``'s shape, one unknown name at a time."""
    known = {f"d{n}": n for var in case.variables.values() for n in var.ty.dims}
    for name, info in expr.variables.items():
        for dim, size in zip(info.dims, np.shape(values.get(name, ()))):
            if isinstance(dim, str) and "*" not in dim:
                known.setdefault(dim, size)
    if like is None:
        return known
    for _ in range(3):
        for dim, size in zip(expr.shape, np.shape(like)):
            parts = [p for p in str(dim).split("*")]
            unknown = {p for p in parts if not p.isdigit() and p not in known}
            if len(unknown) != 1:
                continue
            name = unknown.pop()
            rest = int(np.prod([int(p) if p.isdigit() else known[p] for p in parts
                                if p != name], dtype=int))  # fmt: skip
            power = parts.count(name)
            known[name] = round((size / rest) ** (1 / power))
    return known


def read_plain(text: str, case: Case, shape, like):
    back = ed.parse(text, where=case.where, shape=shape if text == "0" else None)
    return evaluate(back, case, like)


def read_named(text: str, case: Case, shape, like, indexed: bool, latex: bool):
    """Names-then-result text: substituted (matrix forms) or read line by line (index
    notation: ``indexed``)."""
    if indexed or index_lines(text):
        result = text.rsplit("\n", 1)[-1]

        def ev(expr, values, last):
            return evaluate(expr, case, like if last else None, values)

        return read_lines(
            ed, text, case.env, case.where, ev, shape=shape if result == "0" else None
        )
    put_back = substituted(text, r"\left(", r"\right)") if latex else substituted(text)
    return read_plain(put_back, case, shape, like)


def read_differential(text: str, case: Case, wrt: str, like, y_shape):
    """``dY = 0`` reads back with Y declared (its shape is not in the text: SPEC 7)."""
    where = case.where
    if re.fullmatch(r"d\(.*\) = 0", text):  # d(df/dx) = 0, a Hessian's: named as dY is
        text = "dY_h = 0"
    zero = re.fullmatch(r"d\s*(\w+) = 0", text)
    declared = re.search(rf"(^|[;,\n])\s*{zero.group(1)}\b", where) if zero else None
    if zero and zero.group(1) != "f" and not declared:
        dims = ", ".join(str(n) for n in y_shape)
        kind = {0: "scalar", 1: f"vector({dims})", 2: f"matrix({dims})"}[len(y_shape)]
        where = f"{where}; {zero.group(1)}: {kind}"
    back = ed.read_differential(text, wrt, where=where)
    return evaluate(back, case, like)


def read_kronecker(text: str, case: Case, like):
    left, _, right = text.partition("=")
    if not left.replace(" ", "").startswith("dvec(Y)/dvec("):
        raise ed.EinderivError(f"not a Kronecker form: {text!r}")
    back = ed.parse(right, where=case.where)
    return evaluate(back, case, like)


def known_defect(kind: str, text: str) -> bool:
    """The defect another helper fixes: index text inside (...)^-2 around kron(y', A)."""
    if KRON:
        return False
    return "kron(" in text and ("^-2" in text or "^{-2}" in text) and "index" in kind


# --------------------------------------------------------------------------------------------
# the forms of one result


def printed_forms(g, derivative: bool) -> dict[str, str | BaseException]:
    """Every text form of ``g`` (kind -> text, or the exception its printer raised)."""
    printers = {
        "str": str,
        "index": ed.Expr.index,
        "latex": ed.Expr.latex,
        "cse text": lambda g: g.show(cse=True),
        "cse latex": lambda g: g.show(cse=True, format="latex"),
        "cse index": lambda g: g.show(cse=True, format="index"),
    }
    if derivative:
        printers["differential"] = ed.Expr.differential
        printers["kronecker"] = ed.Expr.kronecker
    out: dict = {}
    for kind, printer in printers.items():
        start = time.perf_counter()
        try:
            out[kind] = limited(60, printer, g)
        except (ed.EinderivError, Hang, Exception) as error:  # noqa: BLE001 - counted
            out[kind] = error
        seconds = time.perf_counter() - start
        size = len(out[kind]) if isinstance(out[kind], str) else 0
        STATS["print seconds"] += seconds
        if seconds > 0.5 and seconds > 2e-3 * (size + g.term_count):
            STATS[f"{kind}: slow print"] += 1
            FINDINGS.append(f"slow print ({kind}, {seconds:.1f} s, {size} chars)")
    return out


def longer_named(g, forms: dict, what: str, case: Case) -> None:
    """A named form (``cse text``, ``cse latex``, ``cse index``) longer than the plain one is a
    finding (issue 13), but for a gradient kept as adjoints whose plain (forward) form the named
    one is not compared with (``show.compares_plain``: costly to derive)."""
    from einderiv.show import compares_plain

    if getattr(g, "_adjoints", None) is not None and not compares_plain(g):
        return
    for plain in ("str", "latex", "index"):
        named = forms.get("cse " + ("text" if plain == "str" else plain))
        if (
            isinstance(named, str)
            and isinstance(forms[plain], str)
            and len(named) > len(forms[plain])
        ):
            STATS[f"cse {plain}: longer than plain"] += 1
            FINDINGS.append(f"named longer than plain ({plain}) of {what} {case!r}")


def try_forms(case: Case, g, what: str, truth, rtol: float, wrt: str | None, kron_truth) -> dict:
    """Read every form of ``g`` back and compare with ``truth`` (``kron_truth``: the Kronecker
    form's and the differential's). Returns the texts printed (kind -> text)."""
    numer = kron_truth[1] if kron_truth else truth  # the numerator layout: Y's axes first
    y_shape = np.shape(numer)[: np.ndim(numer) - np.ndim(case.env[wrt])] if wrt else ()
    forms = printed_forms(g, derivative=wrt is not None)
    longer_named(g, forms, what, case)
    indexed = g.written() is None
    texts: dict = {}
    for kind, text in forms.items():
        label = f"{kind}: "
        if isinstance(text, Hang):
            STATS[label + "hang"] += 1
            FINDINGS.append(f"HANG printing {kind} of {what} {case!r}")
            continue
        if isinstance(text, NoReadableText):
            STATS[label + "no readable text"] += 1
            FINDINGS.append(f"note: no readable text, {kind} of {what} {case!r}")
            continue
        if isinstance(text, ed.EinderivError):
            STATS[label + "no form"] += 1
            continue
        if isinstance(text, BaseException):
            STATS[label + "crash"] += 1
            trace = "".join(traceback.format_exception(text))
            FINDINGS.append(f"CRASH printing {kind} of {what} {case!r}\n{trace}")
            continue
        texts[kind] = text
        if kind.startswith("cse") and "\n" not in text:
            STATS[label + "no names"] += 1  # the plain form again, read back above
            continue
        STATS[label + "tried"] += 1
        kron_truth = kron_truth or (truth, truth)
        want = {"kronecker": kron_truth[0], "differential": kron_truth[1]}.get(kind, truth)
        try:
            if kind == "differential":
                got = limited(60, read_differential, text, case, wrt, want, y_shape)
            elif kind == "kronecker":
                got = limited(60, read_kronecker, text, case, want)
            elif kind.startswith("cse"):
                latex, lines = kind == "cse latex", indexed or kind == "cse index"
                got = limited(60, read_named, text, case, g.shape, want, lines, latex)
            else:
                got = limited(60, read_plain, text, case, g.shape, want)
        except (ed.EinderivError, Hang, Exception) as error:  # noqa: BLE001 - counted
            if known_defect(kind, text):
                STATS[label + "known"] += 1
                continue
            if isinstance(error, ed.EvaluationError) and "not fixed by any" in str(error):
                STATS[label + "sizes not in the text"] += 1  # kron(I, ones ones'): allowed
                FINDINGS.append(f"note: {kind} of {what}: {text!r} ({error}) {case!r}")
                continue
            if isinstance(error, ed.EinderivError):
                STATS[label + "unreadable"] += 1
                FINDINGS.append(f"unreadable {kind} of {what}: {text!r} ({error}) {case!r}")
            else:
                STATS[label + "crash"] += 1
                trace = "".join(traceback.format_exception(error))
                FINDINGS.append(f"CRASH reading {kind} of {what}: {text!r} {case!r}\n{trace}")
            continue
        if not same(got, want, rtol):
            if known_defect(kind, text):
                STATS[label + "known"] += 1
                continue
            STATS[label + "other value"] += 1
            FINDINGS.append(f"OTHER VALUE {kind} of {what}: {text!r} {case!r}")
    return texts


# --------------------------------------------------------------------------------------------
# one case


def results(case: Case, names: list[str], rng: np.random.Generator, plan: dict):
    """(label, Expr, truth, rtol, wrt, (kronecker truth, numerator truth)) for the expression,
    its first derivatives and the second derivatives of ``plan`` (the same plan in both
    rounds: layouts and pairs are drawn once)."""
    f = ed.parse(case.text, where=case.where)
    value = case.value()
    yield "f", f, value, 1e-8, None, None
    for name in names:
        layout = plan["layouts"][name]
        g = ed.diff(f, name, layout=layout)
        jac = plan["jac"][name]
        x = case.env[name]
        kron = (vec_matrix(jac, x), numerator(jac, x))
        yield f"d/d{name} ({layout})", g, in_layout(jac, x, layout), 1e-4, name, kron
    for x, y in plan["second"]:
        first = ed.diff(f, x)
        g = ed.diff(first, y)
        jac = plan["jac2"][(x, y)]
        kron = (vec_matrix(jac, case.env[y]), numerator(jac, case.env[y]))
        yield f"d/d{y} d/d{x}", g, numerator(jac, case.env[y]), 2e-3, y, kron


def make_plan(case: Case, rng: np.random.Generator) -> dict:
    names = case.real_vars
    layouts = {n: str(rng.choice(["numerator"] * 4 + ["jacobian", "denominator"])) for n in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jac = {n: jacobian(case, (n,)) for n in names}
        second, jac2 = [], {}
        order = np.ndim(case.value())
        if names and rng.random() < 0.5:
            x = str(rng.choice(names))
            y = str(rng.choice(names))
            entries = np.size(case.value()) * np.size(case.env[x]) * np.size(case.env[y])
            if order + np.ndim(case.env[x]) + np.ndim(case.env[y]) <= 4 and entries <= 400:
                second.append((x, y))
                jac2[(x, y)] = jacobian(case, (x, y))
                STATS["second derivatives"] += 1
                STATS["second derivatives by a symmetric"] += case.symmetric(x) or case.symmetric(y)
    return {"layouts": layouts, "jac": jac, "second": second, "jac2": jac2}


def one_round(case: Case, names: list[str], plan: dict, rng, check: bool) -> dict:
    texts: dict = {}
    for label, g, truth, rtol, wrt, kron in results(case, names, rng, plan):
        what = f"{label}"
        if check:
            STATS["results"] += 1
            try:
                own = evaluate(g, case, truth)
            except ed.EinderivError:
                own = None
            if own is not None and not same(own, truth, rtol):
                STATS["engine value"] += 1
                FINDINGS.append(f"ENGINE VALUE of {what} differs from numpy: {case!r}")
                continue  # the printed forms of a wrong value say nothing about printing
            texts[label] = try_forms(case, g, what, truth, rtol, wrt, kron)
        else:
            texts[label] = {k: v for k, v in printed_forms(g, wrt is not None).items()
                            if isinstance(v, str)}  # fmt: skip
    return texts


def jump_counter(rng: np.random.Generator) -> int:
    """Move the fresh-name counter forward: by a few thousand, or (while below 10^8, where
    names are padded to 9 digits) to just below the next power of ten, so that fresh numbers
    change their count of digits."""
    now = next(T._counter)
    target = now + int(rng.integers(1, 5000))
    if len(str(now)) < 8 and rng.random() < 0.2:
        target = 10 ** len(str(now)) - 3
    T._counter = itertools.count(target)
    return target


def fuzz(case: Case, rng: np.random.Generator) -> None:
    try:
        ed.parse(case.text, where=case.where)
    except ed.EinderivError as error:
        STATS["refused expressions"] += 1
        if KRON and STATS["refused expressions"] <= 20:
            FINDINGS.append(f"note: refused {case!r}: {error}")
        return
    plan = make_plan(case, rng)
    names = list(case.real_vars)
    try:
        first = limited(300, one_round, case, names, plan, rng, True)
    except ed.EinderivError:
        STATS["refused derivations"] += 1
        return
    except Hang:
        STATS["hang"] += 1
        FINDINGS.append(f"HANG deriving {case!r}")
        return
    STATS["expressions"] += 1
    jump_counter(rng)
    try:
        again = limited(300, one_round, case, names[::-1], plan, rng, False)
    except (ed.EinderivError, Hang):
        return
    for label, kinds in first.items():
        for kind, text in kinds.items():
            STATS["re-printed"] += 1
            other = again.get(label, {}).get(kind)
            if other is not None and other != text:
                STATS["print differs"] += 1
                FINDINGS.append(
                    f"PRINT DIFFERS {kind} of {label}: {text!r} then {other!r} {case!r}"
                )


def main() -> int:
    args = arguments(__doc__.split("\n\n")[0], 300.0)
    global KRON
    KRON = args.kron
    signal.signal(signal.SIGALRM, _alarm)

    def crashed(case: Case, trace: str) -> None:
        STATS["crash"] += 1
        FINDINGS.append(f"CRASH {case!r}\n{trace}")

    spent = run(args, BATCH, fuzz, crashed)
    STATS["seconds"] = round(spent)
    STATS["print seconds"] = round(STATS["print seconds"])
    return report(args, STATS, FINDINGS, DEFECTS)


if __name__ == "__main__":
    sys.exit(main())
