"""Checking a hand derivation: is the claimed derivative right?

Input: an expression, the variable, the claimed derivative (matrix or index notation), the layout.
Output: ``CheckResult``: the verdict (right, wrong, or undecided), the engine's derivative, a
counterexample a person can check by hand, and what kind of mistake it looks like.
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
from fractions import Fraction

import numpy as np

from . import index_ir as T
from . import matrix_ir as M
from .api import Expr, _dim_names, diff, parse
from .canon import canonical
from .errors import EinderivError, EvaluationError, ParseError, ShapeError, guarded
from .parse import parse_expression
from .simplify import simplify

_PROBES = 6
_REDRAWS = 50
_MAX_CONDITION = 1e4


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
        claimed, claim_text = _read_claim(f, expected, claim)
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


def _read_claim(f: Expr, expected: Expr, claim) -> tuple[Expr, str]:
    if isinstance(claim, Expr):
        unknown = sorted(set(claim.variables) - set(f.variables))
        if unknown:
            raise EinderivError(f"the claim uses names not in the expression: {', '.join(unknown)}")
        return claim, str(claim)
    if not isinstance(claim, str):
        raise EinderivError(f"the claim must be text or an Expr, not {type(claim).__name__}")
    root = None
    if expected.slots is not None:
        root = tuple(None if i is None else i.dim for i in expected.slots)
    try:
        try:
            parsed = parse(claim, where=_declarations(f), what="claim", shape=root)
        except ShapeError:
            parsed = parse(claim, where=_declarations(f), what="claim")  # judged: wrong shape
    except ParseError as error:
        raise ParseError(
            str(error).split("\n", 1)[0].split(": ", 1)[-1],
            text=claim,
            line=error.line,
            column=error.column,
            expected=error.expected,
            what="claim",
        ) from None
    unknown = sorted(set(parsed.variables) - set(f.variables))
    if unknown:
        raise EinderivError(
            f"the claim uses names that are not in the expression: {', '.join(unknown)}"
        )
    return _match_indices(parsed, expected), claim


def _match_indices(claim: Expr, expected: Expr) -> Expr:
    """An index-notation claim's axes in the derivative's order, matched by index name."""
    names = [i.name for i in expected.axes]
    by_name = {i.name: i for i in claim.axes}
    if claim.slots is not None or sorted(names) != sorted(by_name):
        return claim
    axes = tuple(by_name[n] for n in names)
    return Expr(claim.term, axes, claim.variables, claim.index_dims)


def _declarations(f: Expr) -> str:
    """``where`` text that gives the claim the expression's kinds and dimensions."""
    parts = []
    for name, info in sorted(f.variables.items()):
        dims = f"({', '.join(map(str, info.dims))})" if info.dims else ""
        kind = info.kind
        if kind == "symmetric":
            dims = f"({info.dims[0]})"
        parts.append(f"{name}: {kind}{dims}")
    return "; ".join(parts)


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
        if _too_large(self.f):
            if proven:
                return self.result(True, "the claim is right", method="equal canonical forms")
            return self.result(
                None, "undecided: the forms differ and the declared sizes are too large to probe"
            )
        agree, probe = self.numerically_equal()
        if agree and proven:
            return self.result(True, "the claim is right", method="equal canonical forms")
        if agree:
            method = f"{_PROBES} random probes" + (
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
        orientation = _orientation(self.expected), _orientation(self.claim)
        if want == got and (None in orientation or orientation[0] == orientation[1]):
            return None
        if tuple(reversed(got)) == want or (len(want) == 1 and want == got):
            diagnosis = _layout_hint(self.expected)
        else:
            diagnosis = None
        describe = _describe_shape
        return self.result(
            False,
            f"wrong shape: the claim is {describe(self.claim)}, "
            f"the derivative is {describe(self.expected)}",
            diagnosis=diagnosis,
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
        guesses = _candidate_sizes(self.f) if unfixed else [None]
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
        for _ in range(_PROBES):
            probe = self.draw(integer=False)
            want, got = self.values(probe)
            if not _close(want, got):
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
        known = _dim_names(self.f)
        return {d for d in _dim_names(self.claim) if d not in known}

    def claim_sizes(self, probe: dict) -> dict:
        sizes = _probe_sizes(self.f, probe)
        chosen = {}
        for axis, want in zip(self.claim.axes, self.expected.axes):
            if axis.dim in self.free_dims:
                chosen[axis.dim] = want.dim if isinstance(want.dim, int) else sizes[want.dim]
        for d in self.free_dims - set(chosen):
            guess = self.guess
            chosen[d] = guess if isinstance(guess, int) else sizes.get(guess, 2)
        return chosen

    def draw(self, integer: bool) -> dict:
        sizes = _sizes(self.f, integer)
        positive = _needs_positive(self.f.term) or _needs_positive(self.claim.term)
        for _ in range(_REDRAWS):
            probe = {}
            for name, info in self.f.variables.items():
                probe[name] = _sample(self.rng, info, sizes, positive, integer)
            if self.acceptable(probe):
                return probe
        raise EinderivError("could not draw inputs where the expression is defined")

    def acceptable(self, probe: dict) -> bool:
        for value in probe.values():
            array = np.asarray(value, dtype=float)
            square = array.ndim == 2 and array.shape[0] == array.shape[1] and array.size
            if square and np.linalg.cond(array) > _MAX_CONDITION:
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
            if not _close(want, got):
                return probe, got, want
        want, got = self.values(float_probe)
        return float_probe, got, want

    # -- diagnosis --------------------------------------------------------------------------

    def diagnose(self, probe: dict) -> str | None:
        want, got = self.values(probe)
        if want.ndim >= 2 and _close(got, np.transpose(want)):
            return _layout_hint(self.expected)
        ratio = _constant_ratio(got, want)
        if ratio is not None:
            if ratio == -1:
                return "the sign is wrong"
            if ratio == 0:
                return "the claim is zero, the derivative is not"
            return f"off by a factor of {_nice(ratio)}"
        reversed_claim = _reversed_products(self.claim)
        if reversed_claim is not None:
            try:
                value = np.asarray(
                    reversed_claim(
                        **{k: v for k, v in probe.items() if k in reversed_claim.variables}
                    )
                )
            except EinderivError:
                value = None
            if value is not None and value.shape == want.shape and _close(value, want):
                return "the product order is reversed"
        return None


def _too_large(f: Expr) -> bool:
    """Declared sizes whose arrays would not fit a probe (more than a million entries)."""
    for info in f.variables.values():
        if int(np.prod([d for d in info.dims if isinstance(d, int)] or [1])) > 1_000_000:
            return True
    return False


def _candidate_sizes(f: Expr) -> list:
    """Sizes a size the claim leaves open may mean: the expression's named and literal sizes."""
    named = sorted(d for d in _dim_names(f) if isinstance(d, str))
    literal = sorted({d for v in f.variables.values() for d in v.dims if isinstance(d, int)})
    return named + literal or [None]


def _probe_sizes(f: Expr, probe: dict) -> dict:
    sizes = {}
    for name, info in f.variables.items():
        shape = np.shape(probe.get(name, ()))
        for d, n in zip(info.dims, shape):
            if isinstance(d, str):
                sizes[d] = n
    return sizes


def _is_zero_claim(claim: Expr) -> bool:
    """The claim ``0``: right for a zero derivative of any shape."""
    return isinstance(claim.term, (T.Zero, T.Num)) and getattr(claim.term, "value", 0) == 0


def _uses(e: Expr, name: str) -> bool:
    return name in e.variables


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to rounding, relative to the values themselves (no floor at 1), so a factor of
    two shows even where the values are small; 1e-12 absorbs cancellation noise at O(1) inputs."""
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b)))) if a.size else 0.0
    return bool(np.allclose(a, b, rtol=1e-6, atol=1e-12 + 1e-9 * scale))


def _constant_ratio(got: np.ndarray, want: np.ndarray) -> float | None:
    if got.shape != want.shape or not want.size or np.max(np.abs(want)) == 0:
        return None
    k = int(np.argmax(np.abs(want)))
    ratio = float(got.flat[k] / want.flat[k])
    if _close(got, ratio * want):
        return ratio
    return None


def _nice(x: float) -> str:
    fraction = Fraction(x).limit_denominator(12)
    if abs(float(fraction) - x) < 1e-9:
        return M.format_number(fraction)
    return f"{x:.6g}"


def _orientation(e: Expr):
    """'row' or 'column' for a vector in matrix form; None otherwise."""
    if e.slots is None or len(e.axes) != 1:
        return None
    return "column" if e.slots[0] is not None else "row"


def _layout_hint(expected: Expr) -> str:
    layout = expected._layout or "numerator"
    other = {"numerator": "denominator", "denominator": "numerator"}.get(layout, "numerator")
    return f"this is the {other}-layout answer (the transpose); in {layout} layout it is {expected}"


def _describe_shape(e: Expr) -> str:
    if not e.shape:
        return "a scalar"
    orientation = _orientation(e)
    if orientation:
        return f"a {orientation} vector of length {e.shape[0]}"
    return "an array of shape " + " x ".join(map(str, e.shape))


def _sizes(f: Expr, integer: bool) -> dict:
    names = sorted({d for v in f.variables.values() for d in v.dims if isinstance(d, str)})
    base = [2, 3, 4, 5, 6] if integer else [3, 4, 5, 2, 6]
    return {name: base[k % len(base)] + (k // len(base)) for k, name in enumerate(names)}


def _sample(rng, info, sizes: dict, positive: bool, integer: bool):
    if info.kind == "integer":
        return int(rng.integers(2, 5))
    shape = tuple(d if isinstance(d, int) else sizes[d] for d in info.dims)
    if integer:
        values = rng.integers(1 if positive else -2, 3, size=shape).astype(float)
    else:
        values = rng.uniform(0.5, 1.5, size=shape) if positive else rng.normal(size=shape)
    if info.kind == "scalar":
        return float(values) if np.ndim(values) == 0 else float(values.flat[0])
    if len(shape) == 2 and shape[0] == shape[1]:
        n = shape[0]
        if integer:  # small integers, diagonally dominant: invertible, easy to check by hand
            values = values + (n + 1) * np.eye(n)
        else:  # near the identity: det ~ 1, so sigmoid(det(X)) or exp(tr(X)) do not saturate
            values = np.eye(n) + values * (0.5 / n)
        if info.kind == "symmetric":
            values = (values + values.T) / 2
    return values


def _needs_positive(t: T.Term) -> bool:
    match t:
        case T.Func(name=name) if name in ("log", "sqrt"):
            return True
        case T.Pow(exponent=T.Num(value=v)) if v.denominator != 1:
            return True
        case T.Pow(exponent=exponent) if not isinstance(exponent, T.Num):
            return True
    return any(_needs_positive(c) for c in T.children(t))


def _reversed_products(claim: Expr) -> Expr | None:
    """The claim with every matrix product's factors in reverse order (no transposes added)."""
    tree = claim.matrix()
    if tree is None:
        return None
    flipped = _reverse(tree)
    if flipped == tree:
        return None
    try:
        return parse(M.show(flipped), where=_declarations(claim))
    except EinderivError:
        return None


def _reversed_diagnosis(f: Expr, wrt: str, layout: str, claim) -> str | None:
    """'the product order is reversed' if reversing the claim's products makes it right."""
    if not isinstance(claim, str):
        return None
    try:
        flipped = M.show(_reverse(parse_expression(claim, what="claim")))
        if _check(f, wrt, flipped, layout, diagnose=False).ok:
            return f"the product order is reversed: {flipped} is right"
    except EinderivError:
        return None
    return None


def _reverse(e: M.MExpr) -> M.MExpr:
    match e:
        case M.MatMul():
            factors = _chain(e)
            return _rebuild([_reverse(f) for f in reversed(factors)])
        case M.Add(left=a, right=b):
            return M.Add(_reverse(a), _reverse(b))
        case M.Sub(left=a, right=b):
            return M.Sub(_reverse(a), _reverse(b))
        case M.Neg(operand=x):
            return M.Neg(_reverse(x))
    return e


def _chain(e: M.MExpr) -> list[M.MExpr]:
    if isinstance(e, M.MatMul):
        return _chain(e.left) + _chain(e.right)
    return [e]


def _rebuild(factors: list[M.MExpr]) -> M.MExpr:
    out = factors[0]
    for f in factors[1:]:
        out = M.MatMul(out, f)
    return out


def _show_value(prefix: str, value) -> str:
    array = np.asarray(value, dtype=float)
    if np.all(np.round(array) == array) and np.all(np.abs(array) < 1e9):
        text = np.array2string(array.astype(np.int64), separator=", ")
    else:
        text = np.array2string(array, separator=", ", precision=6, suppress_small=True)
    pad = " " * len(prefix)
    return prefix + text.replace("\n", "\n" + pad)
