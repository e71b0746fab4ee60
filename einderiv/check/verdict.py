"""Checking a hand derivation: is the claimed derivative right?

Input: an expression, the variable, the claimed derivative (matrix or index notation), the layout.
Output: ``CheckResult``: the verdict ("right", "wrong" or "undecided"), the engine's derivative, a
counterexample a person can check by hand, and what kind of mistake it looks like.
Stages, in import order: ``claims`` (read the claim with the expression's declarations) ->
``probes`` (random inputs from the expression's domain, numerical equality) -> ``exact``
(rational terms evaluated exactly) -> ``domain`` (where each side is defined) -> ``diagnose``
(the kind of mistake) -> this module (the verdict).
Invariants (the soundness rule, README "Checking a derivative"):
- "wrong" needs a witness: a probe from the expression's domain (all signs, determinants of both
  signs, several sizes per dimension, integer symbols over a wide range) where the claim's value
  differs from the derivative's beyond rounding, or is undefined; or an exact difference of the
  two as rational functions;
- "right" needs a proof, and that no probe disagrees: equal canonical forms, or (both sides built
  of rational operations) equality by exact arithmetic mod large primes at random points, for
  every size assignment and integer value tried; and every condition the claim needs to be
  defined (a denominator, a log's argument...) is imposed by the expression or its derivative;
- anything else (numerical agreement without a proof) is "undecided", never "right".
- Probes are redrawn when a matrix is ill-conditioned or the expression or its derivative is not
  finite, so no verdict rests on a bad draw. A claim of the wrong shape is a wrong claim, never an
  exception.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields

import numpy as np

from einderiv.api import Expr, diff, parse
from einderiv.backend.binding import dim_names
from einderiv.calculus.simplify import simplify
from einderiv.check import exact as X
from einderiv.check.claims import read_claim
from einderiv.check.diagnose import (
    describe_array_shape,
    diagnosis,
    layout_hint,
    orientation,
    reverse_products,
)
from einderiv.check.domain import conditions, restricted, uncovered
from einderiv.check.probes import (
    MAX_CONDITION,
    MODES,
    PROBES,
    REDRAWS,
    candidate_sizes,
    close,
    exact_point,
    probe_sizes,
    sample,
    size_rounds,
    too_large,
)
from einderiv.errors import EinderivError, ShapeError, guarded
from einderiv.frontend.parse import parse_expression
from einderiv.ir import index_ir as T
from einderiv.ir import matrix_ir as M
from einderiv.ir.canon import canonical

__all__ = ["CheckResult", "check"]

EXACT = "proved by exact arithmetic at random rational points"
CANONICAL = "equal canonical forms"


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
            "wrong",
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
        self.rounds = size_rounds(f)
        self.positive = restricted(f.term)

    def result(self, verdict, reason, **extra) -> CheckResult:
        return CheckResult(
            verdict,
            self.expected,
            self.claim,
            self.claim_text,
            reason,
            question=self.question,
            **extra,
        )

    def verdict(self) -> CheckResult:
        if _is_zero_claim(self.claim) and isinstance(self.expected.term, T.Zero):
            return self.result("right", "the claim is right", method="the derivative is zero")
        problem = None if _is_zero_claim(self.claim) else self.shape_problem()
        if problem is not None:
            return problem
        proven = self.symbolically_equal()
        missing = self.missing_conditions()
        if too_large(self.f):
            if proven and not missing:
                return self.result("right", "the claim is right", method=CANONICAL)
            return self.result(
                "undecided",
                "undecided: the forms differ and the declared sizes are too large to probe",
            )
        agree, probe = self.numerically_equal()
        if not agree:
            if proven and not missing:
                return self.result(
                    "undecided",
                    "undecided: the forms are equal but a numerical probe disagrees",
                    method="numerical trouble at the probe",
                )
            return self.wrong(probe, "the claim is wrong")
        exactly = self.exactly_equal() if not proven else None
        if exactly is False:
            return self.wrong(
                self.differing_probe(), "the claim is wrong", method="exact arithmetic differs"
            )
        if missing:
            singular = self.undefined_claim_probe()
            if singular is not None:
                return self.wrong(
                    singular,
                    "the claim is wrong: it is undefined where the derivative is defined",
                    integer=False,
                )
            needs = "; ".join(map(str, missing[:3]))
            return self.result(
                "undecided",
                "undecided: the claim agrees at every probe, but it needs conditions the "
                f"expression does not impose ({needs}), so it may be undefined where the "
                "derivative is defined",
            )
        if proven:
            return self.result("right", "the claim is right", method=CANONICAL)
        if exactly:
            return self.result("right", "the claim is right", method=self.exact_method)
        note = f", {self.method_note}" if self.method_note else ""
        return self.result(
            "undecided",
            f"undecided: the claim agrees with the derivative at {PROBES} random probes{note}, "
            "but einderiv cannot prove it equal everywhere (the canonical forms differ and "
            "exact arithmetic cannot decide)",
        )

    def wrong(self, probe, reason, method="", integer=True) -> CheckResult:
        if integer:
            example, claimed, true = self.counterexample(probe)
        else:
            example, (true, claimed) = probe, self.values(probe)
        return self.result(
            "wrong",
            reason,
            method=method,
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
        hint = None
        if tuple(reversed(got)) == want or (len(want) == 1 and want == got):
            if self.transpose_agrees():
                hint = layout_hint(self.expected)
        describe = describe_array_shape
        return self.result(
            "wrong",
            f"wrong shape: the claim is {describe(self.claim)}, "
            f"the derivative is {describe(self.expected)}",
            diagnosis=hint,
        )

    def transpose_agrees(self) -> bool:
        """The claim is the derivative's transpose at several probes (verified, not assumed)."""
        try:
            for k in range(3):
                probe = self.draw(k)
                want, got = self.values(probe)
                if not close(np.transpose(got), want):
                    return False
        except EinderivError:
            return False
        return True

    # -- symbolic ---------------------------------------------------------------------------

    def renamed_claim(self) -> T.Term | None:
        """The claim's term over the derivative's axes; None when its sizes are left open."""
        if _is_zero_claim(self.claim):  # 0: zero of any shape
            return T.Zero(tuple(self.expected.axes))
        term, axes = self.claim.term, self.claim.axes
        free = self.free_dims
        on_axes = {a.dim: b.dim for a, b in zip(axes, self.expected.axes) if a.dim in free}
        if on_axes:  # delta[i,l] in a claim: its sizes are the derivative's axes' sizes
            term = _with_dims(term, on_axes)
            axes = tuple(T.Index(a.name, on_axes.get(a.dim, a.dim)) for a in axes)
        if [a.dim for a in axes] != [a.dim for a in self.expected.axes]:
            return None
        if free - set(on_axes) and any(_mentions_dim(term, d) for d in free - set(on_axes)):
            return None  # tr(I) with a size nothing fixes: only guesses, no proof
        return T.rename(term, dict(zip(axes, self.expected.axes)))

    def symbolically_equal(self) -> bool:
        term = self.renamed_claim()
        if term is None:
            return False  # sizes the claim leaves open: only the probes can decide
        try:
            claim = canonical(simplify(term))
        except EinderivError:
            return False
        return claim == canonical(self.expected.term)

    def missing_conditions(self) -> list:
        """Conditions the claim needs that the expression and the derivative do not impose."""
        return uncovered(self.claim.term, self.f.term, self.expected.term)

    # -- exact --------------------------------------------------------------------------------

    def exactly_equal(self) -> bool | None:
        """Equal as rational functions at every size assignment tried (True), different
        (False), or no decision (None: sizes left open, no point defined, or a difference
        where non-rational sub-terms were unknowns, which proves nothing)."""
        claim = self.renamed_claim()
        want = self.expected.term
        if claim is None or T.free(claim) != T.free(want):
            return None
        opaque = not (X.is_rational(claim) and X.is_rational(want))
        self.exact_method = EXACT + (", other functions as unknowns" if opaque else "")
        order = tuple(self.expected.axes)
        decided = 0
        rng = np.random.default_rng(7)
        for sizes in self.rounds:
            for p in X.PRIMES:
                for _ in range(4):  # a denominator vanishing at a random point: redraw
                    values, ints = exact_point(rng, self.f, sizes, p)
                    atoms = {"rng": rng}
                    try:
                        a = X.evaluate(want, sizes, ints, values, p, atoms).aligned(order)
                        b = X.evaluate(claim, sizes, ints, values, p, atoms).aligned(order)
                    except X.Undefined:
                        continue
                    except (X.NotRational, KeyError):
                        return None
                    if np.any((a - b) % p != 0):
                        if opaque:
                            return None
                        self.exact_sizes = sizes
                        return False
                    decided += 1
                    break
        return True if decided >= len(self.rounds) else None

    def differing_probe(self) -> dict:
        """A float probe at the sizes where exact arithmetic found a difference."""
        sizes = getattr(self, "exact_sizes", None)
        return self.draw(0, sizes=sizes)

    def undefined_claim_probe(self) -> dict | None:
        """A point of the domain (expression and derivative finite) where the claim is not:
        a variable's entry set to 0, the whole variable 0, or a square matrix made singular.
        Only variables that no condition of the expression or the derivative mentions are
        made degenerate: there both are polynomial-like and their values are trustworthy."""
        imposed = conditions(self.f.term) | conditions(self.expected.term)
        free = set(self.f.variables) - set().union(*(c.names for c in imposed))
        for k in range(4):
            try:
                base = self.draw(k)
            except EinderivError:
                continue
            for name, info in self.f.variables.items():
                if info.kind == "integer" or name not in free:
                    continue
                for variant in _degenerate(base[name]):
                    probe = {**base, name: variant}
                    if not self.acceptable(probe, conditioned=False):
                        continue
                    want, got = self.values(probe)
                    if not np.all(np.isfinite(got)):
                        return probe
        return None

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
        drawn = 0
        for k in range(PROBES):
            try:
                probe = self.draw(k)
            except EinderivError:
                continue  # no point of this kind in the domain (e.g. det < 0 under a logdet)
            drawn += 1
            want, got = self.values(probe)
            if not self.agree(probe, want, got):
                return False, probe
        if not drawn:
            raise EinderivError("could not draw inputs where the expression is defined")
        return True, None

    def agree(self, probe: dict, want: np.ndarray, got: np.ndarray) -> bool:
        if close(want, got):
            return True
        if want.shape != got.shape or not np.all(np.isfinite(got)):
            return False
        return close(want, got, reference=self.largest_term(probe))

    def largest_term(self, probe: dict) -> float:
        """The largest value of a term of the derivative's or the claim's sum (rounding)."""
        largest = 0.0
        for e in (self.expected, self.claim):
            if not isinstance(e.term, T.Add):
                continue
            for term in e.term.terms:
                part = Expr(term, e.axes, e.variables, e.index_dims)
                try:
                    value = np.asarray(self.call(part, probe, e is self.claim), dtype=float)
                except (EinderivError, np.linalg.LinAlgError):
                    continue
                if value.size and np.all(np.isfinite(value)):
                    largest = max(largest, float(np.max(np.abs(value))))
        return largest

    def call(self, e: Expr, probe: dict, claim: bool = False):
        """``e`` at ``probe``; ``claim``: ``e`` is (part of) the claim, give the sizes it
        leaves open."""
        given = {k: v for k, v in probe.items() if k in e.variables}
        sizes = self.claim_sizes(probe) if claim else {}
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a probe outside the domain is simply redrawn
            return e(**given, **sizes)

    def values(self, probe: dict):
        """The derivative's and the claim's values; the claim's is nan where it is undefined."""
        want = np.asarray(self.call(self.expected, probe), dtype=float)
        if _is_zero_claim(self.claim):
            return want, np.zeros_like(want)
        try:
            got = np.asarray(self.call(self.claim, probe, claim=True), dtype=float)
        except (EinderivError, np.linalg.LinAlgError):
            got = np.full(want.shape, np.nan)
        return want, got

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

    def draw(self, k: int, integer: bool = False, sizes: dict | None = None) -> dict:
        """Probe number ``k``: its sizes and mode cycle through ``size_rounds`` and ``MODES``."""
        sizes = sizes or self.rounds[k % len(self.rounds)]
        for attempt in range(REDRAWS):
            mode = MODES[(k + attempt // 10) % len(MODES)]
            probe = {}
            for name, info in self.f.variables.items():
                positive = name in self.positive
                probe[name] = sample(self.rng, info, sizes, mode, positive, integer)
            if self.acceptable(probe):
                return probe
        raise EinderivError("could not draw inputs where the expression is defined")

    def acceptable(self, probe: dict, conditioned: bool = True) -> bool:
        """In the expression's domain: the expression and its derivative are finite there
        (and, when ``conditioned``, every square matrix is well-conditioned)."""
        for value in probe.values() if conditioned else ():
            array = np.asarray(value, dtype=float)
            square = array.ndim == 2 and array.shape[0] == array.shape[1] and array.size
            if square and np.linalg.cond(array) > MAX_CONDITION:
                return False
        try:
            value = np.asarray(self.call(self.f, probe), dtype=float)
            want = np.asarray(self.call(self.expected, probe), dtype=float)
        except (EinderivError, np.linalg.LinAlgError):
            return False
        return bool(np.all(np.isfinite(value)) and np.all(np.isfinite(want)))

    def counterexample(self, float_probe):
        """Small integers where they show the mistake: the smallest sizes first (all-1 sizes
        last), diagonally dominant matrices first; else the float probe that failed."""
        failing = probe_sizes(self.f, float_probe)
        rounds = sorted(self.rounds, key=lambda r: (set(r.values()) == {1}, sum(r.values())))
        for sizes in [*rounds, failing]:
            for k in range(8):
                try:
                    probe = self.draw(k + 1, integer=True, sizes=sizes)
                except EinderivError:
                    break
                for name, info in self.f.variables.items():
                    if info.kind == "integer":
                        probe[name] = float_probe[name]
                if not self.acceptable(probe):
                    continue
                want, got = self.values(probe)
                if not self.agree(probe, want, got):
                    return probe, got, want
        want, got = self.values(float_probe)
        return float_probe, got, want

    # -- diagnosis --------------------------------------------------------------------------

    def diagnose(self, probe: dict) -> str | None:
        """The kind of mistake, found at the counterexample and confirmed at other probes."""
        found = self._diagnosis_at(probe)
        if found is None:
            return None
        for k in range(1, 4):
            try:
                other = self.draw(k, sizes=probe_sizes(self.f, probe))
            except EinderivError:
                return None
            if self._diagnosis_at(other) != found:
                return None
        return found

    def _diagnosis_at(self, probe: dict) -> str | None:
        want, got = self.values(probe)
        if not np.all(np.isfinite(got)):
            return None
        return diagnosis(self.expected, self.claim, probe, want, got)


def _with_dims(x, mapping: dict):
    """``x`` (a term, index, or tuple of them) with dimensions renamed by ``mapping``."""
    if isinstance(x, T.Index):
        return T.Index(x.name, mapping.get(x.dim, x.dim))
    if isinstance(x, T.Size):
        return T.Size(mapping.get(x.dim, x.dim))
    if isinstance(x, tuple):
        return tuple(_with_dims(y, mapping) for y in x)
    if isinstance(x, T.Term) and not isinstance(x, (T.Num, T.Affine)):
        return type(x)(**{f.name: _with_dims(getattr(x, f.name), mapping) for f in fields(x)})
    return x


def _mentions_dim(t: T.Term, dim) -> bool:
    """Whether a size ``dim`` occurs anywhere in ``t`` (an index over it, or the size itself)."""
    return _with_dims(t, {dim: ("\u2205", dim)}) != t


def _degenerate(value) -> list:
    """Values at the edge of domains: one entry 0, all entries 0, a repeated row."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return [0.0]
    one = array.copy()
    one.flat[0] = 0.0
    variants = [one, np.zeros_like(array)]
    if array.ndim == 2 and array.shape[0] == array.shape[1] and array.shape[0] > 1:
        singular = array.copy()
        singular[0] = singular[1]
        variants.append(singular)
    return variants


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
