"""A random (not derandomized) fuzz of ``check`` and of index-notation read-back, for the long
robustness profile (docs/robustness.md). Not collected by pytest; run it from the repository root:

    python tests/check_fuzz.py --seconds 240             # random claims and read-backs
    python tests/check_fuzz.py --seconds 60 --seed 3     # reproducible with a seed
    python tests/check_fuzz.py --seconds 240 --kron      # with Kronecker products, vec, softmax

Random expressions come from tests/strategies.py (``--kron``: tests/kron_strategies.py, with
``kron``, ``vec``, a Kronecker product inside a chain, ``diag(kron(..) v)``, ``softmax``,
``logsumexp``). For each real variable, the engine's printed
derivative is perturbed into claims that are wrong somewhere on the domain (the kinds of
tests/test_check_properties.py: sign, factor, relative 1e-7, transpose of a non-symmetric square
derivative, size- and integer-dependent factors; and here also a shift by 1e-3, a factor
``1 + 1e-9 |v|^2`` and a factor right only on a hyperplane ``sum(v) = s0``), each used only where
finite differences of the case's numpy evaluator show the derivative is not zero. ``check`` must
never say "right" to one, nor "wrong" to the printed derivative itself, and must raise nothing
but an ``EinderivError``. Read-back: ``index()``
of the expression and of its first derivatives is parsed back with the same declarations and
compared with the original value (rtol 1e-8): counted as tried, failed (another value),
unreadable (an ``EinderivError``) or crashed (another exception); an ``index()`` that refuses
(``NoReadableText``, a form einderiv could learn) is counted apart. ``variables`` counts the
real variables, ``claimed`` those whose derivative has a matrix form to perturb.

Prints the counters as JSON (``--out path`` writes them too) and exits 1 when any false "right"
or crash was found (each one printed with its case).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fuzz_driver import arguments, run
from strategies import Case
from test_check_properties import derivatives, wrong_claims
from test_properties import call

import einderiv as ed
from einderiv.errors import NoReadableText

BATCH = 20  # random cases per hypothesis run (each run has its own seed)
STATS: Counter = Counter()
FINDINGS: list[str] = []


def more_wrong_claims(case: Case, name: str, claim: str) -> list[tuple[str, str]]:
    """Perturbations beyond the property test's: wrong wherever the derivative is not zero."""
    v = name
    s0 = float(np.sum(case.env[name]))
    return [
        ("shift", f"({claim}) + 0.001"),
        ("tiny norm factor", f"(1 + 1e-9 * norm2({v})^2) * ({claim})"),
        ("hyperplane", f"(1 + (sum({v}) - ({s0!r}))^2) * ({claim})"),
    ]


def fuzz_claims(case: Case) -> None:
    STATS["variables"] += len(case.real_vars)
    for name, claim, truth in derivatives(case):
        STATS["claimed"] += 1
        if not truth.size or np.max(np.abs(truth)) < 1e-3:
            continue
        shift_ok = np.max(np.abs(truth)) < 1e6  # +0.001 is visible next to the values
        try:  # the printed derivative itself: never "wrong"
            verdict = ed.check(case.text, name, claim=claim, where=case.where).verdict
            STATS[f"right claims: {verdict}"] += 1
            if verdict == "wrong":
                FINDINGS.append(f"FALSE WRONG claim {claim!r} d/d{name} {case!r}")
        except ed.EinderivError as error:  # said, not counted as a defect: a size limit may do it
            STATS["right claims: refused (EinderivError)"] += 1
            FINDINGS.append(f"note: claim {claim!r} d/d{name} refused: {error} {case!r}")
        except Exception:  # noqa: BLE001 - a crash is what we look for
            STATS["right claims: CRASH"] += 1
            FINDINGS.append(f"crash (right claim) {case!r}\n{traceback.format_exc()}")
        kinds = wrong_claims(case, name, claim, truth) + more_wrong_claims(case, name, claim)
        for kind, wrong in kinds:
            if kind == "shift" and not shift_ok:
                continue
            if kind == "tiny norm factor" and not np.any(case.env[name]):
                continue
            try:
                r = ed.check(case.text, name, claim=wrong, where=case.where)
            except ed.EinderivError:
                STATS["wrong claims: refused (EinderivError)"] += 1
                continue
            except Exception:  # noqa: BLE001 - a crash is what we look for
                STATS["wrong claims: CRASH"] += 1
                FINDINGS.append(f"crash ({kind}) {case!r}\n{traceback.format_exc()}")
                continue
            STATS["wrong claims tried"] += 1
            STATS[f"wrong claims: {r.verdict}"] += 1
            STATS[f"wrong claims: {r.verdict} ({kind})"] += 1
            if r.verdict == "right":
                FINDINGS.append(f"FALSE RIGHT ({kind}) claim {wrong!r} d/d{name} {case!r}")


def fuzz_read_back(case: Case) -> None:
    try:
        f = ed.parse(case.text, where=case.where)
        exprs = [("f", f)] + [(f"d/d{name}", ed.diff(f, name)) for name in case.real_vars]
    except ed.EinderivError:
        return
    for label, g in exprs:
        try:
            value = call(g, case)
            text = g.index()
        except NoReadableText:
            STATS["index: no readable text"] += 1
            FINDINGS.append(f"note: no readable index text, {label} of {case!r}")
            continue
        except ed.EinderivError:
            continue
        STATS["index read-back tried"] += 1
        try:
            back = call(ed.parse(text, where=case.where), case, value)
        except ed.EinderivError:
            STATS["index read-back: unreadable"] += 1
            FINDINGS.append(f"index() does not read back: {text!r} of {case!r}")
            continue
        except Exception:  # noqa: BLE001
            STATS["index read-back: CRASH"] += 1
            FINDINGS.append(f"crash reading {text!r} {case!r}\n{traceback.format_exc()}")
            continue
        value, back = np.asarray(value, dtype=float), np.asarray(back, dtype=float)
        if text == "0" and back.ndim == 0:  # zero prints as 0 at any shape (SPEC section 7)
            back = np.broadcast_to(back, value.shape)
        scale = max(1.0, float(np.max(np.abs(value)))) if value.size else 1.0
        same = value.shape == back.shape and np.allclose(
            back, value, rtol=1e-8, atol=1e-8 * scale, equal_nan=True
        )
        if not same:
            STATS["index read-back: failed"] += 1
            FINDINGS.append(f"index() reads back another value: {text!r} of {case!r}")


def main() -> int:
    args = arguments(__doc__.split("\n\n")[0], 240.0)

    def body(case: Case, rng) -> None:
        STATS["expressions"] += 1
        fuzz_claims(case)
        fuzz_read_back(case)

    def crashed(case: Case, trace: str) -> None:
        STATS["CRASH"] += 1
        FINDINGS.append(f"CRASH {case!r}\n{trace}")

    spent = run(args, BATCH, body, crashed)
    STATS["seconds"] = round(spent)
    counters = dict(sorted(STATS.items()))
    print(json.dumps(counters, indent=1))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(counters, fh, indent=1)
    for finding in FINDINGS:
        print(finding, file=sys.stderr)
    bad = STATS["wrong claims: right"] + STATS["wrong claims: CRASH"]
    bad += STATS["index read-back: CRASH"] + STATS["right claims: wrong"]
    bad += STATS["right claims: CRASH"] + STATS["CRASH"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
