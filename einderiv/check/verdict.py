"""Checking a hand derivation: is the claimed derivative right?

Input: an expression, the variable, the claimed derivative (matrix or index notation), the layout.
Output: ``CheckResult``: the verdict (right, wrong, or undecided), the engine's derivative, a
counterexample a person can check by hand, and what kind of mistake it looks like.
Stages, in import order: ``claims`` (read the claim with the expression's declarations) ->
``probes`` (random inputs in each variable's domain, numerical equality) -> ``diagnose`` (the
kind of mistake) -> this module (the verdict).
Invariants:
- Two independent decisions. Symbolic: equal canonical forms prove the claim right. Numeric:
  random probes in each variable's domain (well-conditioned square matrices with positive
  determinant, positive entries where logs and roots need them, symmetric for symmetric
  variables), tolerances scaled to the values. When the two disagree the verdict is "undecided".
- Probes are redrawn when a matrix is ill-conditioned or a value is not finite, so no verdict
  rests on a bad draw. Counterexamples use small integers where those show the mistake.
- A claim of the wrong shape is a wrong claim, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from einderiv.api import Expr, diff, parse
from einderiv.backend.binding import dim_names
from einderiv.calculus.simplify import simplify
from einderiv.check.claims import read_claim
from einderiv.check.diagnose import (
    describe_array_shape,
    diagnosis,
    layout_hint,
    orientation,
    reverse_products,
)
from einderiv.check.probes import (
    MAX_CONDITION,
    PROBES,
    REDRAWS,
    candidate_sizes,
    close,
    draw_sizes,
    needs_positive,
    probe_sizes,
    sample,
    too_large,
)
from einderiv.errors import EinderivError, EvaluationError, ShapeError, guarded
from einderiv.frontend.parse import parse_expression
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.canon import canonical

__all__ = ["CheckResult", "check"]


@dataclass(frozen=True)
class CheckResult:
    """The verdict on a claimed derivative."""

    ok: bool | None  # True right, False wrong, None undecided
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

    def __bool__(self) -> bool:
        return self.ok is True

    @property
    def verdict(self) -> str:
        return {True: "right", False: "wrong", None: "undecided"}[self.ok]

    def __str__(self) -> str:
        lines = [f"{self.verdict}: {self.question}", f"  claim:   {self.claim_text}"]
        if self.ok is not True:
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


@guarded
def check(expr, wrt: str, claim, where: str | None = None, layout: str = "numerator"):
    """Is ``claim`` the derivative of ``expr`` by ``wrt`` in ``layout``?"""
    return _check(parse(expr, where), wrt, claim, layout, diagnose=True)


def _check(f: Expr, wrt: str, claim, layout: str, diagnose: bool) -> CheckResult:
    expected = diff(f, wrt, layout=layout)
    where_layout = "" if "[" in wrt else f" in {layout} layout"
    question = f"d({f})/d{wrt}{where_layout}"
    try:
        claimed, claim_text = read_claim(f, expected, claim)
    except ShapeError as error:  # a claim that does not type-check is a wrong claim
        return CheckResult(
            False,
            expected,
            None,
            str(claim),
            f"the claim is not well-formed: {error}",
            diagnosis=_reversed_diagnosis(f, wrt, layout, claim) if diagnose else None,
            question=question,
        )
    return _Judge(f, expected, claimed, claim_text, question).verdict()


class _Judge:
    def __init__(self, f: Expr, expected: Expr, claim: Expr, claim_text: str, question: str):
        self.f, self.expected, self.claim = f, expected, claim
        self.claim_text, self.question = claim_text, question
        self.rng = np.random.default_rng(20261124)
        self.guess = None
        self.method_note = ""

    def result(self, ok, reason, **extra) -> CheckResult:
        return CheckResult(
            ok, self.expected, self.claim, self.claim_text, reason, question=self.question, **extra
        )

    def verdict(self) -> CheckResult:
        if _is_zero_claim(self.claim) and isinstance(self.expected.term, T.Zero):
            return self.result(True, "the claim is right", method="the derivative is zero")
        problem = self.shape_problem()
        if problem is not None:
            return problem
        proven = self.symbolically_equal()
        if too_large(self.f):
            if proven:
                return self.result(True, "the claim is right", method="equal canonical forms")
            return self.result(
                None, "undecided: the forms differ and the declared sizes are too large to probe"
            )
        agree, probe = self.numerically_equal()
        if agree and proven:
            return self.result(True, "the claim is right", method="equal canonical forms")
        if agree:
            method = f"{PROBES} random probes" + (
                f", {self.method_note}" if self.method_note else ""
            )
            return self.result(True, "the claim is right", method=method)
        if proven:
            return self.result(
                None,
                "undecided: the forms are equal but a numerical probe disagrees",
                method="numerical trouble at the probe",
            )
        example, claimed, true = self.counterexample(probe)
        return self.result(
            False,
            "the claim is wrong",
            diagnosis=self.diagnose(example),
            counterexample=example,
            claimed_value=claimed,
            expected_value=true,
        )

    # -- shapes -----------------------------------------------------------------------------

    def shape_problem(self) -> CheckResult | None:
        want = self.expected.shape
        got = tuple(w if d in self.free_dims else d for d, w in zip(self.claim.shape, want))
        got += self.claim.shape[len(want) :]
        orientations = orientation(self.expected), orientation(self.claim)
        if want == got and (None in orientations or orientations[0] == orientations[1]):
            return None
        if tuple(reversed(got)) == want or (len(want) == 1 and want == got):
            hint = layout_hint(self.expected)
        else:
            hint = None
        describe = describe_array_shape
        return self.result(
            False,
            f"wrong shape: the claim is {describe(self.claim)}, "
            f"the derivative is {describe(self.expected)}",
            diagnosis=hint,
        )

    # -- symbolic ---------------------------------------------------------------------------

    def symbolically_equal(self) -> bool:
        if [a.dim for a in self.claim.axes] != [a.dim for a in self.expected.axes]:
            return False  # sizes the claim leaves open: only the probes can decide
        mapping = dict(zip(self.claim.axes, self.expected.axes))
        try:
            claim = canonical(simplify(T.rename(self.claim.term, mapping)))
        except EinderivError:
            return False
        return claim == canonical(self.expected.term)

    # -- numeric ----------------------------------------------------------------------------

    def numerically_equal(self) -> tuple[bool, dict | None]:
        unfixed = self.free_dims - {a.dim for a in self.claim.axes}
        guesses = candidate_sizes(self.f) if unfixed else [None]
        first = None
        for guess in guesses or [None]:  # tr(I) in a claim: which size is I? try each
            self.guess = guess
            agree, probe = self._probe_all()
            if agree:
                if guess is not None:
                    self.method_note = f"reading the size the claim leaves open as {guess}"
                return True, None
            first = first or (guess, probe)
        self.guess = first[0]
        return False, first[1]

    def _probe_all(self) -> tuple[bool, dict | None]:
        for _ in range(PROBES):
            probe = self.draw(integer=False)
            want, got = self.values(probe)
            if not close(want, got):
                return False, probe
        return True, None

    def values(self, probe: dict):
        want = self.expected(**probe)
        given = {k: v for k, v in probe.items() if _uses(self.claim, k)}
        got = self.claim(**given, **self.claim_sizes(probe))
        return np.asarray(want, dtype=float), np.asarray(got, dtype=float)

    @property
    def free_dims(self) -> set:
        """Sizes of the claim that nothing in it fixes (``I``, free indices): they follow the
        derivative's axes where they stand on one, else ``guess``."""
        known = dim_names(self.f)
        return {d for d in dim_names(self.claim) if d not in known}

    def claim_sizes(self, probe: dict) -> dict:
        sizes = probe_sizes(self.f, probe)
        chosen = {}
        for axis, want in zip(self.claim.axes, self.expected.axes):
            if axis.dim in self.free_dims:
                chosen[axis.dim] = want.dim if isinstance(want.dim, int) else sizes[want.dim]
        for d in self.free_dims - set(chosen):
            guess = self.guess
            chosen[d] = guess if isinstance(guess, int) else sizes.get(guess, 2)
        return chosen

    def draw(self, integer: bool) -> dict:
        sizes = draw_sizes(self.f, integer)
        positive = needs_positive(self.f.term) or needs_positive(self.claim.term)
        for _ in range(REDRAWS):
            probe = {}
            for name, info in self.f.variables.items():
                probe[name] = sample(self.rng, info, sizes, positive, integer)
            if self.acceptable(probe):
                return probe
        raise EinderivError("could not draw inputs where the expression is defined")

    def acceptable(self, probe: dict) -> bool:
        for value in probe.values():
            array = np.asarray(value, dtype=float)
            square = array.ndim == 2 and array.shape[0] == array.shape[1] and array.size
            if square and np.linalg.cond(array) > MAX_CONDITION:
                return False
        try:
            with np.errstate(all="ignore"):
                want, got = self.values(probe)
        except (EvaluationError, np.linalg.LinAlgError):
            return False
        scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
        return bool(np.all(np.isfinite(want)) and np.all(np.isfinite(got)) and scale < 1e8)

    def counterexample(self, float_probe):
        for _ in range(20):
            try:
                probe = self.draw(integer=True)
            except EinderivError:
                break
            want, got = self.values(probe)
            if not close(want, got):
                return probe, got, want
        want, got = self.values(float_probe)
        return float_probe, got, want

    # -- diagnosis --------------------------------------------------------------------------

    def diagnose(self, probe: dict) -> str | None:
        want, got = self.values(probe)
        return diagnosis(self.expected, self.claim, probe, want, got)


def _is_zero_claim(claim: Expr) -> bool:
    """The claim ``0``: right for a zero derivative of any shape."""
    return isinstance(claim.term, (T.Zero, T.Num)) and getattr(claim.term, "value", 0) == 0


def _uses(e: Expr, name: str) -> bool:
    return name in e.variables


def _reversed_diagnosis(f: Expr, wrt: str, layout: str, claim) -> str | None:
    """'the product order is reversed' if reversing the claim's products makes it right."""
    if not isinstance(claim, str):
        return None
    try:
        flipped = M.show(reverse_products(parse_expression(claim, what="claim")))
        if _check(f, wrt, flipped, layout, diagnose=False).ok:
            return f"the product order is reversed: {flipped} is right"
    except EinderivError:
        return None
    return None


def _show_value(prefix: str, value) -> str:
    array = np.asarray(value, dtype=float)
    if np.all(np.round(array) == array) and np.all(np.abs(array) < 1e9):
        text = np.array2string(array.astype(np.int64), separator=", ")
    else:
        text = np.array2string(array, separator=", ", precision=6, suppress_small=True)
    pad = " " * len(prefix)
    return prefix + text.replace("\n", "\n" + pad)
