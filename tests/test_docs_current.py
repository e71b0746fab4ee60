"""The generated documents docs/gallery.md and docs/notes-audit.md are current, and the audit's
verdicts are right.

* docs/make_gallery.py --check finds docs/gallery.md up to date; docs/notes-audit.md is the
  output of `einderiv audit ../shared/matrix-differentiation-notes.txt` (run from the checkout).
* The audit marks exactly the identities that are truly wrong as "wrong". That they are
  wrong, and that the others the audit says hold do hold, is verified here independently of
  einderiv: with central finite differences of the original function in plain numpy.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import close, gen, invertible, jacobian_fd, rng_for, to_layout

ROOT = Path(__file__).resolve().parent.parent
AUDIT = ROOT / "docs" / "notes-audit.md"

inv = np.linalg.inv
det = np.linalg.det

NOTES = ROOT.parent / "shared" / "matrix-differentiation-notes.txt"
if not NOTES.exists():
    NOTES = Path("/work/shared/matrix-differentiation-notes.txt")
SOURCE = "../shared/matrix-differentiation-notes.txt"  # as the document names it

# The identities of the notes that are wrong in numerator layout (the notes' convention):
#   DT6  d tr(X^-1 A)/dX is -X^-1 A X^-1, not -X^-T A X^-T;
#   DD4, DD5: the notes do not require square matrices; for non-square X, X^-1 does not exist.
WRONG = {"DT6", "DD4", "DD5"}


def run(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "docs" / script), "--check"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.skipif(not NOTES.exists(), reason="the lecture notes are not on this machine")
def test_notes_audit_is_current():
    import einderiv as ed
    from einderiv.check.audit import markdown

    text = NOTES.read_text(encoding="utf-8")
    made = markdown(ed.audit(text), SOURCE)
    assert AUDIT.read_text(encoding="utf-8").rstrip("\n") == made.rstrip("\n"), (
        f"docs/notes-audit.md is not current: run `einderiv audit {SOURCE} > docs/notes-audit.md`"
    )


@pytest.mark.parametrize("script", ["make_gallery.py"])
def test_document_is_current(script):
    done = run(script)
    assert done.returncode == 0, (
        f"docs/{script} --check failed (run `python docs/{script}`):\n{done.stdout}{done.stderr}"
    )


# --------------------------------------------------------------------------------------------
# reading the audit
# --------------------------------------------------------------------------------------------


def cells(line: str) -> list[str]:
    """The cells of a markdown table row (a `\\|` inside a cell is not a separator)."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [p.strip().replace("\\|", "|") for p in parts]


def rows() -> list[dict[str, str]]:
    """The rows of the table of docs/notes-audit.md, by column name."""
    header, found = None, []
    for line in AUDIT.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        row = cells(line)
        if header is None:
            header = row
        elif row[0] != "---":
            found.append(dict(zip(header, row)))
    return found


def verdicts() -> dict[str, str]:
    """label -> verdict of the first identity with that label (the statement, before any
    derivation repeats it)."""
    found: dict[str, str] = {}
    for row in rows():
        label = row["label"].strip("()")
        if label and label not in found:
            found[label] = row["verdict"].strip("*")
    return found


def counterexample(label: str) -> dict[str, np.ndarray]:
    """The counterexample cell of the first row labelled ``(label)``."""
    row = next(r for r in rows() if r["label"] == f"({label})")
    entries = {}
    for part in row["counterexample"].split("; "):
        name, value = re.match(r"(\w+)(?: =)? (.*)", part).groups()
        entries[name] = np.array(ast.literal_eval(value), dtype=float)
    return entries


def test_audit_lists_every_identity():
    found = verdicts()
    for label in ["C1", "C11", "SS4", "VS6", "MS4", "SV7", "SM5", "VV5", "DT1", "DT8", "DD5"]:
        assert label in found, f"{label} missing from the audit"
    assert set(found.values()) <= {"right", "wrong", "undecided", "unreadable"}, found


def test_audit_marks_the_wrong_identities():
    found = verdicts()
    marked = {label for label, verdict in found.items() if verdict == "wrong"}
    assert marked == WRONG, f"the audit marks {sorted(marked)}, expected {sorted(WRONG)}"
    # the rules (SS1-VV5) have derivatives on the right side: read, not judged
    assert all(found[f"SV{k}"] == "unreadable" for k in range(1, 8))


# --------------------------------------------------------------------------------------------
# independent verification with finite differences (numerator layout)
# --------------------------------------------------------------------------------------------


def numerator_fd(fn, args: dict, wrt: str) -> np.ndarray:
    jac = jacobian_fd(fn, args, wrt)
    ndim_x = np.ndim(args[wrt])
    return to_layout(jac, jac.ndim - ndim_x, ndim_x, "numerator")


def dt6(X, A):
    return np.trace(inv(X) @ A)


def test_dt6_is_wrong_by_finite_differences():
    r = rng_for("docs-DT6")
    for _ in range(3):
        X, A = invertible(r, 3), gen(r, 3, 3)  # A not symmetric
        truth = numerator_fd(dt6, {"X": X, "A": A}, "X")
        assert close(-inv(X) @ A @ inv(X), truth), "numerator layout: -X^-1 A X^-1"
        assert not close(-inv(X).T @ A @ inv(X).T, truth), "the notes' -X^-T A X^-T"
        # the gradient (denominator layout) is -X^-T A' X^-T, not the notes' form either
        assert close(-inv(X).T @ A.T @ inv(X).T, truth.T)


def test_dt6_counterexample_in_the_audit():
    example = counterexample("DT6")
    X, A = example["X"], example["A"]
    truth = numerator_fd(dt6, {"X": X, "A": A}, "X")
    assert close(example["true"], truth)
    assert close(example["claimed"], -inv(X).T @ A @ inv(X).T)
    assert not close(example["claimed"], truth)


def test_dd4_nonsquare_by_finite_differences():
    r = rng_for("docs-DD4")
    X, A, B = gen(r, 3, 2), gen(r, 2, 3), gen(r, 2, 2) + 2 * np.eye(2)  # m=3, n=2, p=2
    truth = numerator_fd(lambda X, A, B: det(A @ X @ B), {"X": X, "A": A, "B": B}, "X")
    M = A @ X @ B
    assert close(det(M) * B @ inv(M) @ A, truth)  # |AXB| B (AXB)^-1 A
    with pytest.raises(np.linalg.LinAlgError):
        inv(X)  # the notes' |AXB| X^-1 does not exist


def test_dd5_nonsquare_by_finite_differences():
    r = rng_for("docs-DD5")
    X, A = gen(r, 3, 2), gen(r, 3, 3)  # A not symmetric
    truth = numerator_fd(lambda X, A: det(X.T @ A @ X), {"X": X, "A": A}, "X")
    M = X.T @ A @ X
    assert close(det(M) * (inv(M) @ X.T @ A + inv(M).T @ X.T @ A.T), truth)
    with pytest.raises(np.linalg.LinAlgError):
        inv(X)


# Some claims the audit says hold, with the notes' right-hand side in numpy.
HOLDS = {
    "DT5": (
        lambda X, A: np.trace(X.T @ A @ X),
        lambda X, A: X.T @ (A + A.T),
        lambda r: {"X": gen(r, 3, 2), "A": gen(r, 3, 3)},
    ),
    "DT8": (
        lambda X, A, B, C: np.trace(A @ X @ B @ X.T @ C),
        lambda X, A, B, C: B @ X.T @ C @ A + B.T @ X.T @ A.T @ C.T,
        lambda r: {"X": gen(r, 3, 2), "A": gen(r, 4, 3), "B": gen(r, 2, 2), "C": gen(r, 3, 4)},
    ),
}


# |X| X^-1 and 3 |X^3| X^-1 hold where X is invertible, but |X| and |X^3| are differentiable at
# singular X too (the derivative is the adjugate), where the claims are undefined: undecided
WHERE_INVERTIBLE = {
    "DD1": (lambda X: det(X), lambda X: det(X) * inv(X), lambda r: {"X": invertible(r, 3)}),
    "DD2": (  # with k = 3
        lambda X: det(np.linalg.matrix_power(X, 3)),
        lambda X: 3 * det(np.linalg.matrix_power(X, 3)) * inv(X),
        lambda r: {"X": invertible(r, 3)},
    ),
}


@pytest.mark.parametrize("label", sorted(WHERE_INVERTIBLE))
def test_claims_that_hold_where_x_is_invertible_are_undecided(label):
    assert verdicts()[label] == "undecided"
    fn, notes, sample = WHERE_INVERTIBLE[label]
    args = sample(rng_for(f"docs-{label}"))
    assert close(notes(**args), numerator_fd(fn, args, "X"), rtol=1e-5), label
    X = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 1.0, 1.0]])  # singular
    derivative = numerator_fd(fn, {"X": X}, "X")  # adj(X) for DD1, 0 for DD2: it exists
    assert np.all(np.isfinite(derivative))
    if label == "DD1":
        adjugate = np.array([[4.0, -2.0, 0.0], [-2.0, 1.0, 0.0], [2.0, -1.0, 0.0]])
        assert close(derivative, adjugate, rtol=1e-5)
    with pytest.raises(np.linalg.LinAlgError):
        inv(X)


@pytest.mark.parametrize("label", sorted(HOLDS))
def test_claims_that_hold_by_finite_differences(label):
    assert verdicts()[label] == "right"
    fn, notes, sample = HOLDS[label]
    args = sample(rng_for(f"docs-{label}"))
    assert close(notes(**args), numerator_fd(fn, args, "X"), rtol=1e-5), label
