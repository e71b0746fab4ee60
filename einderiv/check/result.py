"""The verdict on a claimed derivative, as a value: ``CheckResult`` and how it prints.

Input: what ``check`` found (the verdict, the engine's derivative, the claim, the reason, the
method, a diagnosis, a counterexample with the claimed and true values).
Output: ``CheckResult``; ``str()`` of it is what ``einderiv check`` prints.
Invariants: ``verdict`` is "right", "wrong" or "undecided"; ``ok`` is True, False or None
accordingly and ``bool(r)`` is True only for "right"; integer-valued arrays print without
decimals so a counterexample can be checked by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from einderiv.api import Expr

__all__ = ["CheckResult"]


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

    def __str__(self) -> str:
        lines = [f"{self.verdict}: {self.question}", f"  claim:   {self.claim_text}"]
        if self.verdict != "right":
            lines.append(f"  correct: {self.expected}")
        lines.append(f"  {self.reason}" + (f" ({self.method})" if self.method else ""))
        if self.diagnosis:
            lines.append(f"  diagnosis: {self.diagnosis}")
        if self.counterexample is not None:
            lines.append("  counterexample:")
            for name, value in self.counterexample.items():
                lines.append(_show_value(f"    {name} = ", value))
            if self.claimed_value is not None:
                lines.append(_show_value("    claimed value: ", self.claimed_value))
            lines.append(_show_value("    true value:    ", self.expected_value))
        return "\n".join(lines)


def _show_value(prefix: str, value) -> str:
    array = np.asarray(value, dtype=float)
    if np.all(np.round(array) == array) and np.all(np.abs(array) < 1e9):
        text = np.array2string(array.astype(np.int64), separator=", ")
    else:
        text = np.array2string(array, separator=", ", precision=6, suppress_small=True)
    pad = " " * len(prefix)
    return prefix + text.replace("\n", "\n" + pad)
