"""The verdict on a claimed derivative, as a value: ``CheckResult`` and how it prints.

Input: what ``check`` found (the verdict, the engine's derivative, the claim, the reason, the
method, a diagnosis, a counterexample with the claimed and true values).
Output: ``CheckResult``; ``str()`` of it is what ``einderiv check`` prints.
Invariants: ``verdict`` is "right", "wrong" or "undecided"; ``ok`` is True, False or None
accordingly and ``bool(r)`` is True only for "right"; integer-valued arrays print without
decimals so a counterexample can be checked by hand.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from einderiv.api import Expr
from einderiv.errors import EinderivError

__all__ = ["CheckResult", "question_of"]


def question_of(f: Expr, wrt: str, layout: str, order: int) -> str:
    """What is asked: d(f)/dX in numerator layout, d\u00b2(f)/dX\u00b2 ..., d(f)/dX[i,j]."""
    where_layout = "" if "[" in wrt else f" in {layout} layout"
    d, power = ("d", "") if order == 1 else ("d\u00b2", "\u00b2")
    return f"{d}({f})/d{wrt}{power}{where_layout}"


@dataclass(frozen=True)
class CheckResult:
    """The verdict on a claimed derivative: ``verdict`` is "right", "wrong" or "undecided";
    ``ok`` is True for right, False for wrong, None for undecided; ``bool(r)`` is ``r.ok is True``."""

    verdict: str
    expected: Expr
    claim: Expr | None
    claim_text: str
    reason: str
    method: str = ""
    diagnosis: str | None = None
    counterexample: dict | None = None
    claimed_value: np.ndarray | None = None
    expected_value: np.ndarray | None = None
    question: str = ""

    def __post_init__(self):
        if self.verdict not in ("right", "wrong", "undecided"):
            raise ValueError(f"verdict must be right, wrong or undecided, not {self.verdict!r}")

    def __bool__(self) -> bool:
        return self.verdict == "right"

    @property
    def ok(self) -> bool | None:
        return {"right": True, "wrong": False, "undecided": None}[self.verdict]

    @property
    def correct(self) -> str:
        """The engine's derivative as the claim is written: for a Kronecker claim ``d vec(Y) /
        d vec(X)' = kron(B', A)`` its Kronecker form, for a differential ``dY = A dX`` the
        differential (``dY = A dX B``), else ``str(expected)``."""
        from einderiv.check.forms import is_differential  # (forms and kron_claim read results)
        from einderiv.check.kron_claim import is_kronecker

        forms = ((is_kronecker, Expr.kronecker), (is_differential, Expr.differential))
        for written, form in forms:
            if written(self.claim_text) and self.expected is not None:
                try:
                    return form(self.expected)
                except EinderivError:  # no such form: the plain form below
                    pass
        return str(self.expected)

    def _repr_markdown_(self) -> str:
        """Jupyter: the verdict with the LaTeX of the claim and of the correct form."""
        return _markdown(self)

    def _repr_html_(self) -> str:
        return _html(self)

    def __str__(self) -> str:
        lines = [f"{self.verdict}: {self.question}", f"  claim:   {self.claim_text}"]
        if self.verdict != "right":
            lines.append(f"  correct: {self.correct}")
        lines.append(f"  {self.reason}" + (f" ({self.method})" if self.method else ""))
        if self.diagnosis:
            lines.append(f"  diagnosis: {self.diagnosis}")
        if self.counterexample is not None:
            lines.append("  counterexample:")
            lines += _counterexample(self, "    ", always_true_value=True)
        return "\n".join(lines)


def _latex_of(e: Expr | None, text: str) -> str:
    try:
        return e.latex() if e is not None else ""
    except EinderivError:
        return ""


def _markdown(r: CheckResult) -> str:
    claim = _latex_of(r.claim, r.claim_text)
    lines = [f"**{r.verdict}**: `{r.question}`", ""]
    lines.append(f"- claim: ${claim}$" if claim else f"- claim: `{r.claim_text}`")
    if r.verdict != "right":
        lines.append(f"- correct: ${_latex_of(r.expected, '')}$ (`{r.correct}`)")
    lines.append(f"- {r.reason}" + (f" ({r.method})" if r.method else ""))
    if r.diagnosis:
        lines.append(f"- diagnosis: {r.diagnosis}")
    if r.counterexample is not None:
        lines += ["", "```", *_counterexample(r, ""), "```"]
    return "\n".join(lines)


def _counterexample(r: CheckResult, indent: str, always_true_value: bool = False) -> list[str]:
    """The counterexample's inputs, then the claimed and the true value, one per line."""
    block = [_show_value(f"{indent}{k} = ", v) for k, v in r.counterexample.items()]
    if r.claimed_value is not None:
        block.append(_show_value(f"{indent}claimed value: ", r.claimed_value))
    if always_true_value or r.expected_value is not None:
        block.append(_show_value(f"{indent}true value:    ", r.expected_value))
    return block


def _html(r: CheckResult) -> str:
    esc = html.escape
    claim = _latex_of(r.claim, r.claim_text)
    parts = [f"<p><b>{esc(r.verdict)}</b>: <code>{esc(r.question)}</code></p>", "<ul>"]
    shown = f"\\({esc(claim)}\\)" if claim else f"<code>{esc(r.claim_text)}</code>"
    parts.append(f"<li>claim: {shown}</li>")
    if r.verdict != "right":
        latex = esc(_latex_of(r.expected, ""))
        parts.append(f"<li>correct: \\({latex}\\) (<code>{esc(r.correct)}</code>)</li>")
    parts.append(f"<li>{esc(r.reason)}" + (f" ({esc(r.method)})" if r.method else "") + "</li>")
    if r.diagnosis:
        parts.append(f"<li>diagnosis: {esc(r.diagnosis)}</li>")
    parts.append("</ul>")
    if r.counterexample is not None:
        block = [_show_value(f"{k} = ", v) for k, v in r.counterexample.items()]
        if r.claimed_value is not None:
            block.append(_show_value("claimed value: ", r.claimed_value))
        if r.expected_value is not None:
            block.append(_show_value("true value:    ", r.expected_value))
        parts.append("<pre>" + esc("\n".join(block)) + "</pre>")
    return "\n".join(parts)


def _show_value(prefix: str, value) -> str:
    array = np.asarray(value, dtype=float)
    if np.all(np.round(array) == array) and np.all(np.abs(array) < 1e9):
        text = np.array2string(array.astype(np.int64), separator=", ")
    else:
        text = np.array2string(array, separator=", ", precision=6, suppress_small=True)
    pad = " " * len(prefix)
    return prefix + text.replace("\n", "\n" + pad)
