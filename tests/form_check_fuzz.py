"""A random fuzz of ``check`` given einderiv's own printed forms as claims, and of LaTeX input,
for the long robustness profile (docs/robustness.md). Not collected by pytest; run it from the
repository root:

    python tests/form_check_fuzz.py --seconds 180 --seed 3             # random expressions
    python tests/form_check_fuzz.py --seconds 180 --seed 3 --kron      # Kronecker products too
    python tests/form_check_fuzz.py --seconds 180 --seed 3 --ml        # ML losses, Hessians

tests/check_fuzz.py perturbs the plain text form only; here every form SPEC section 8 lets a
claim take is tried. For each random case (tests/strategies.py, ``--kron``:
tests/kron_strategies.py; ``--ml``: tests/ml_losses.py, scalar losses of layers with smooth
activations and softmax heads, a Hessian tried for each variable) and real variable x:
- the expression is printed with ``latex()`` and that LaTeX is the input: its value and its
  derivative by x (each printed form of it, below) must be the truth ("latex input");
- the derivative's forms ``str``, ``latex()``, ``index()``, ``differential()`` and
  ``kronecker()`` are each a claim to ``check``: never "wrong", never a crash ("own form");
  each negated (``-(...)``, ``-\\left(...\\right)``, the differential's and the Kronecker
  form's right side negated) is never "right" where the derivative is not zero ("negated");
- of a scalar expression, the Hessian ``ed.hessian`` by x (at most 81 entries): its value
  against differences of differences, and its forms as ``check(..., order=2)`` claims, both
  ways as above ("hessian").
The truth is never einderiv: the case's numpy evaluator and central differences of it.

Prints the counters as JSON (``--out path`` writes them and the findings) and exits 1 when
any false "wrong", false "right", crash or other value was found (each printed with its case).
"""

from __future__ import annotations

import os
import sys
import time
import traceback
import warnings
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fuzz_driver import arguments, report, run
from ml_losses import MLCase, ml_case
from print_fuzz import evaluate, jacobian, same
from strategies import Case

import einderiv as ed

BATCH = 10
STATS: Counter = Counter()
FINDINGS: list[str] = []
DEFECTS = ("false wrong", "false right", "crash", "other value")


def forms(g, order: int) -> dict[str, str]:
    """The claim forms of ``g`` that print (kind -> text)."""
    printers = {
        "str": str,
        "latex": ed.Expr.latex,
        "index": ed.Expr.index,
        "differential": ed.Expr.differential,
        "kronecker": ed.Expr.kronecker,
    }
    out = {}
    for kind, printer in printers.items():
        try:
            out[kind] = printer(g)
        except ed.EinderivError:
            STATS[f"{order}: {kind}: no form"] += 1
    return out


def negated(kind: str, text: str) -> str:
    if kind == "latex":
        return f"-\\left({text}\\right)"
    if kind in ("differential", "kronecker"):
        left, _, right = text.partition("=")
        return f"{left}= -({right.strip()})"
    return f"-({text})"


def verdict(expr: str, name: str, claim: str, where: str, order: int) -> str:
    try:
        return ed.check(expr, name, claim=claim, where=where, order=order).verdict
    except ed.EinderivError:
        return "refused"


def claims(case: Case, expr: str, name: str, g, truth, order: int, what: str) -> None:
    """Each form of ``g`` as a claim (never wrong) and negated (never right, truth not 0)."""
    nonzero = truth.size and np.max(np.abs(truth)) > 1e-3
    said = {}
    for kind, text in forms(g, order).items():
        label = f"{what}: {kind}"
        try:
            v = verdict(expr, name, text, case.where, order)
        except Exception:  # noqa: BLE001 - a crash is what we look for
            STATS[f"{label}: crash"] += 1
            FINDINGS.append(f"CRASH checking {kind} {text!r} d/d{name} {case!r}\n"
                            f"{traceback.format_exc()}")  # fmt: skip
            continue
        STATS[f"{label}: {v}"] += 1
        said[kind] = v
        if v == "wrong":
            STATS[f"{label}: false wrong"] += 1
            FINDINGS.append(f"FALSE WRONG {what} {kind} {text!r} d/d{name} {case!r}")
        if len(set(said.values()) - {"refused"}) > 1:  # one form decided, another not
            FINDINGS.append(f"note: {what} forms judged {said} d/d{name} {case!r}")
            said.clear()
        if not nonzero or text == "0":
            continue
        bad = negated(kind, text)
        try:
            v = verdict(expr, name, bad, case.where, order)
        except Exception:  # noqa: BLE001
            STATS[f"{label} negated: crash"] += 1
            FINDINGS.append(f"CRASH checking {bad!r} d/d{name} {case!r}\n"
                            f"{traceback.format_exc()}")  # fmt: skip
            continue
        STATS[f"{label} negated: {v}"] += 1
        if v == "right":
            STATS[f"{label} negated: false right"] += 1
            FINDINGS.append(f"FALSE RIGHT {what} {kind} negated {bad!r} d/d{name} {case!r}")


def compare(case: Case, g, truth, rtol: float, what: str) -> bool:
    try:
        got = evaluate(g, case, truth)
    except ed.EinderivError:
        STATS[f"{what}: not evaluated"] += 1
        return False
    if not same(got, truth, rtol):
        STATS[f"{what}: other value"] += 1
        FINDINGS.append(f"OTHER VALUE {what} {case!r}")
        return False
    return True


def body(case: Case, rng: np.random.Generator) -> None:
    try:
        f = ed.parse(case.text, where=case.where)
        latex = f.latex()
        back = ed.parse(latex, where=case.where)
    except ed.EinderivError:
        STATS["refused"] += 1
        return
    STATS["expressions"] += 1
    value = case.value()
    if not compare(case, back, value, 1e-8, "latex input value"):
        return
    for name in case.real_vars:
        jac = jacobian(case, (name,))
        x = case.env[name]
        nx = np.ndim(x)
        truth = np.transpose(jac, list(range(jac.ndim - nx)) + list(range(jac.ndim - 1,
                             jac.ndim - nx - 1, -1)))  # fmt: skip
        try:
            g = ed.diff(f, name)
            g2 = ed.diff(back, name)
        except ed.EinderivError:
            STATS["refused derivations"] += 1
            continue
        STATS["derivatives"] += 1
        if not compare(case, g, truth, 1e-4, "engine value"):
            continue
        if compare(case, g2, truth, 1e-4, "latex input derivative"):
            claims(case, latex, name, g2, truth, 1, "latex input")
        claims(case, case.text, name, g, truth, 1, "own form")
        plain = not case.symmetric(name)
        chance = 1.0 if isinstance(case, MLCase) else 0.5
        if plain and np.ndim(value) == 0 and np.size(x) <= 9 and rng.random() < chance:
            hessian(case, f, name)


def hessian(case: Case, f, name: str) -> None:
    def grad(env: dict) -> np.ndarray:
        if isinstance(case, MLCase):
            return case.at(env).jacobian_fd(name, eps=1e-5)
        at = Case(case.text, case.where, case.root, case.variables, env, case.features)
        return at.jacobian_fd(name, eps=1e-5)

    truth = case.jacobian_fd(name, fn=grad, eps=1e-4)
    try:
        h = ed.hessian(f, name)
    except ed.EinderivError:
        STATS["hessian: refused"] += 1
        return
    STATS["hessians"] += 1
    if compare(case, h, truth, 2e-3, "hessian value"):
        claims(case, case.text, name, h, truth, 2, "hessian")


def run_ml(args, crashed) -> float:
    """``body`` on tests/ml_losses.py cases (numpy's generator seeded by ``--seed``)."""
    start = time.time()
    rng = np.random.default_rng(args.seed)
    while time.time() - start < args.seconds:
        case = ml_case(rng)
        try:
            body(case, rng)
        except Exception:  # noqa: BLE001 - a crash is what we look for
            crashed(case, traceback.format_exc())
    return time.time() - start


def main() -> int:
    args = arguments(__doc__.split("\n\n")[0], 180.0, ml=True)

    def crashed(case: Case, trace: str) -> None:
        STATS["crash"] += 1
        FINDINGS.append(f"CRASH {case!r}\n{trace}")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spent = run_ml(args, crashed) if args.ml else run(args, BATCH, body, crashed)
    STATS["seconds"] = round(spent)
    return report(args, STATS, FINDINGS, DEFECTS)


if __name__ == "__main__":
    sys.exit(main())
