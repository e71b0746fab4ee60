"""Checking a hand derivation: is the claimed derivative right?

Input: an expression, the variable, the claimed derivative (matrix or index notation), the layout.
Output: ``CheckResult``: verdict, derivative, a counterexample to check by hand, a diagnosis.
Stages, in import order: ``claims`` (the claim read with the expression's declarations) ->
``probes`` (random inputs from the domain) -> ``exact`` (rational terms evaluated exactly) ->
``domain`` (where each side is defined) -> ``sampling`` (probing the claim) -> ``diagnose`` ->
``result`` -> ``readings`` -> ``ill_formed`` (a claim that does not type-check) ->
``constant_terms`` (terms without the variable dropped) -> ``kron_regroup`` -> this module.
Invariants (the soundness rule, README "Checking a derivative"):
- "wrong" needs a witness: a probe from the expression's domain (all signs, determinants of both
  signs, several sizes per dimension, integer symbols over a wide range) where the claim's value
  differs from the derivative's beyond rounding, or is undefined; or an exact difference of the
  two as rational functions;
- "right" needs a proof, and that no probe disagrees: equal canonical forms (large terms also
  multiplied out, ``expanded``), or (rational terms) equality by exact arithmetic mod large
  primes at random points, for every size and integer value tried; and every condition the
  claim needs to be defined (a denominator, a log's argument...) is imposed by f or f';
- anything else (numerical agreement without a proof) is "undecided", never "right".
- Probes are redrawn where an inverted matrix is ill-conditioned or a side is not finite (no
  verdict rests on a bad draw). A claim of the wrong shape is wrong, not an error.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from einderiv.api import Expr, parse
from einderiv.calculus.simplify import simplify
from einderiv.calculus.symmetry import orient
from einderiv.check import claim_sizes as S
from einderiv.check import diagnose as D
from einderiv.check import exact as X
from einderiv.check import forms as F
from einderiv.check import result as R
from einderiv.check.affine import folded
from einderiv.check.claims import other_readings
from einderiv.check.conditional import conditional
from einderiv.check.constant_terms import decided_on_text
from einderiv.check.det_scale import numbers_out
from einderiv.check.dims import commute, mentions_dim, same_shape, with_dims
from einderiv.check.expanded import expanded_equal
from einderiv.check.ill_formed import not_well_formed
from einderiv.check.intervals import PREC, differing_probe
from einderiv.check.kink_products import kink_products
from einderiv.check.kron_claim import is_kronecker, kronecker_hint
from einderiv.check.kron_numbered import numbered
from einderiv.check.kron_plain import plain_verdict, plainly
from einderiv.check.kron_regroup import read_entry, regrouped, unreadable_entry
from einderiv.check.probes import PROBES, close, integer_sizes, probe_sizes, too_large
from einderiv.check.proof import exactly_equal
from einderiv.check.readings import as_read
from einderiv.check.result import CheckResult
from einderiv.check.sampling import Sampler, is_zero_claim
from einderiv.check.size_factor import by_size
from einderiv.check.slopes import kinked, kinks_proved
from einderiv.check.smooth import disagreement, fails_at, missing_conditions
from einderiv.check.symmetric_bases import equal_by_symmetric_bases
from einderiv.errors import EinderivError, ShapeError, UnpairedSizes, guarded
from einderiv.ir import index_ir as T
from einderiv.ir.canon import canonical

__all__ = ["CheckResult", "check"]

EXACT = "proved by exact arithmetic at random rational points"
CANONICAL = "equal canonical forms"
INTERVALS = f"interval arithmetic at {PREC} bits differs"


@guarded
def check(
    expr, wrt: str, claim, where: str | None = None, layout: str | None = None, order: int = 1
):
    """Is ``claim`` the derivative (``order=2``: the Hessian) of ``expr`` by ``wrt`` in
    ``layout`` (default: numerator; for a Hessian jacobian, as ``hessian``'s)? The claim may be
    matrix notation, LaTeX, index notation or a differential."""
    layout = layout or ("jacobian" if order == 2 else "numerator")
    judge = partial(_check, wrt=wrt, claim=claim, layout=layout, diagnose=True, order=order)
    again = partial(decided_on_text, expr, where, wrt, layout, order, judge)  # tr(exp(X)) + x' x
    result = as_read(lambda: judge(parse(expr, where)), expr, claim, again=again)
    return numbered(result, expr, where, claim, partial(check, wrt=wrt, layout=layout, order=order))


def _check(
    f: Expr, wrt: str, claim, layout: str, diagnose: bool, order=1, question="", split=0
) -> CheckResult:
    if order not in (1, 2) or isinstance(order, bool):
        raise EinderivError(f"order must be 1 (the derivative) or 2 (the Hessian), not {order!r}")
    expected = F.expected_derivative(f, wrt, layout, order)
    question = question or R.question_of(f, wrt, layout, order)
    text, differential, kron = claim, F.is_differential(claim), is_kronecker(claim)  # axes named
    if (hidden := S.hidden_sizes(f, claim, expected, question)) is not None:
        return hidden  # K_{m,n} about an X whose sizes einderiv named: not ours to bind
    if differential:
        try:
            claim = F.differential_claim(f, wrt, claim, layout, order)
        except F.NotLinear as error:  # its witness: the probe, the claim's and the true value
            why, fields = f"the claim is wrong: {error}", ("wrong", expected, None, text)
            values = ("", None, error.probe, error.claimed, error.true)  # (no method, diagnosis)
            return CheckResult(*fields, why, *values, question=question)
        except F.Unsure as error:
            why = f"undecided: {error}"
            return CheckResult("undecided", expected, None, text, why, question=question)
        except UnpairedSizes as error:  # m*n against n*m: as many positions, paired otherwise
            return S.unpaired(error, expected, text, question)
        except ShapeError as error:
            judge = partial(_judged, wrt=wrt, layout=layout, order=order) if diagnose else None
            return not_well_formed(error, f, text, expected, question, judge)
    elif isinstance(claim, str):
        claim = F.normalize_claim(claim)
    try:  # d vec(Y) / d vec(X)' = R: R indexed, as str(g) prints it (kron_claim.as_entry)
        # (kron_regroup: I[(i,j),(l,k)]: both compounds n*m, the derivative's 1*3 and 3*1)
        claimed, claim_text = read_entry(f, wrt, claim, expected, order, split)
        if isinstance(text, str):
            claim_text = text
    except ShapeError as error:  # a claim that does not type-check is a wrong claim
        plain = plain_verdict(f, wrt, expected, text, question, error, claim) if kron else None
        if plain is not None:  # kron(X, I) commutation(2, 3): its plain matrices fit
            return plain
        if isinstance(error, UnpairedSizes) or unreadable_entry(f, wrt, claim, expected, order):
            return S.unpaired(error, expected, text, question)  # (R reads, its indexing not)
        judge = partial(_judged, wrt=wrt, layout=layout, order=order) if diagnose else None
        return not_well_formed(error, f, claim, expected, question, judge, reverse=order == 1)
    hessian_of_kinks = order == 2 and kinked(f.term)  # slopes of the gradient, then
    base = F.expected_derivative(f, wrt, layout, 1) if hessian_of_kinks else f
    judging = partial(_Judge, f, expected, claim_text=claim_text, question=question, wrt=wrt)
    judge = judging(claim=claimed, base=base)
    result = judge.verdict()
    if kron and not split:  # I_2 (x) I_2 for I_4; kron(A, kron(B, C)) as kron(kron(A, B), C)
        again = partial(_check, f, wrt, claim, layout, False, order, question)
        result = regrouped(result, judge, expected, claimed, again)
        result = plainly(result, f, wrt, expected, text, question, claim)  # kron(A, I_1) = A
    if diagnose and result.reason.startswith("wrong shape") and not (differential or kron):
        again = partial(_check, f, wrt, layout=layout, diagnose=False, order=order)
        hessian = order == 2 and layout == "jacobian" and not f.axes  # d2 f / d vec d vec'
        hint = kronecker_hint(result, again, wrt, text, hessian, (claimed.shape, expected.shape))
        result = D.proved_diagonal(hint, again)
    if not (result.ok or differential or kron) and F.unbound_axes(claimed, expected):
        others = other_readings(f, expected, claimed, claim)
        for other in judge.agreeing_orders(others):  # another reading right: a guess
            if judging(claim=other, base=base).verdict().verdict == "right":
                names = ", ".join(i.name for i in claimed.axes)
                raise EinderivError(F.AMBIGUOUS.format(n=len(claimed.axes), names=names))
    return result


class _Judge(Sampler):
    def __init__(self, f, expected, claim, claim_text: str, question: str, wrt: str, base):
        super().__init__(f, expected, claim, wrt, base)
        self.claim_text, self.question = claim_text, question

    def result(self, verdict, reason, **extra) -> CheckResult:
        fields = (verdict, self.expected, self.claim, self.claim_text, reason)
        return CheckResult(*fields, question=self.question, **extra)

    def verdict(self) -> CheckResult:
        zero = is_zero_claim(self.claim) and isinstance(self.expected.term, T.Zero)
        if zero and not self.missing_conditions():  # 0 / s is not 0 at s = 0
            return self.right("the derivative is zero")
        problem = None if is_zero_claim(self.claim) else self.shape_problem()
        if problem is not None:
            return problem
        proven = self.symbolically_equal()
        missing = self.missing_conditions()
        if too_large(self.f):
            if proven and not missing:
                return self.right(CANONICAL)
            return self.result(
                "undecided",
                "undecided: the forms differ and the declared sizes are too large to probe",
            )
        agree, probe = self.numerically_equal()
        exactly = None
        if not agree:
            if proven and not missing:
                return self.result(
                    "undecided",
                    "undecided: the forms are equal but a numerical probe disagrees",
                    method="numerical trouble at the probe",
                )
            done, exactly = disagreement(self, probe)
            if done is not None:
                return done
        if exactly is None and not proven:
            exactly = self.exactly_equal()
        if exactly is False:
            return self.wrong(
                self.differing_probe(), "the claim is wrong", method="exact arithmetic differs"
            )
        if missing:
            if not (proven or exactly) and (apart := self.apart()) is not None:
                return apart  # 1.0000001 log(x)' with a condition of its own: apart
            if (singular := self.undefined_claim_probe(partial(fails_at, self))) is not None:
                why = "the claim is wrong: it is undefined where the derivative is defined"
                return self.wrong(singular, why, integer=False)
            method = CANONICAL if proven else self.exact_method if exactly else None
            return self.result("undecided", conditional(missing, method))
        if proven:
            return self.right(CANONICAL)
        if exactly:
            return self.right(self.exact_method)
        witness = self.integer_witness(partial(fails_at, self))
        if witness is not None:  # small integers: X = [[1]]
            return self.wrong(witness, "the claim is wrong", integer=False)
        if (apart := self.apart()) is not None:  # 1.0000001 exp(x)': apart, in intervals
            return apart
        note = f", {self.method_note}" if self.method_note else ""
        return self.result(
            "undecided",
            f"undecided: the claim agrees with the derivative at {PROBES} random probes{note}, "
            "but einderiv cannot prove it equal everywhere (the canonical forms differ and "
            "exact arithmetic cannot decide)",
        )

    def right(self, method: str) -> CheckResult:
        """ "right" by ``method``, unless kink conventions may decide values where the function
        has a derivative (``slopes.kinks_proved``): then "undecided"."""
        term, _, target, *_ = self.expected._origin
        proved = kinks_proved(term, target.name, target.symmetric, self.expected.term)
        if proved and term is not self.f.term:  # a Hessian: the gradient's conventions too
            proved = kinks_proved(self.f.term, target.name, target.symmetric, term)
        if proved:
            return self.result("right", "the claim is right", method=method)
        return self.result(
            "undecided",
            f"undecided: the claim equals einderiv's derivative ({method}), but that takes the "
            "kinks' conventions (relu'(0) = abs'(0) = 0, SPEC 6.1) at points where the kinks "
            "may cancel (relu(x) - relu(-x) is x, with slope 1 at 0), so it may differ there "
            "from the derivative",
            method=method,
        )

    def apart(self) -> CheckResult | None:
        """ "wrong" where an entry of the claim and of the derivative differ in rigorous
        interval arithmetic (``intervals``: by less than float rounding), else None."""
        if (probe := differing_probe(self)) is not None:
            reason = "the claim is wrong: it differs from the derivative by less than floats show"
            return self.wrong(probe, reason, method=INTERVALS, integer=False)
        return None

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
        orientations = D.orientation(self.expected), D.orientation(self.claim)
        if same_shape(want, got) and (None in orientations or orientations[0] == orientations[1]):
            return None  # m*n and n*m: one length (I_{nm} is I_{mn}), compared entry by entry
        flipped = tuple(reversed(got)) == want or (len(want) == 1 and want == got)
        if flipped and self.transpose_agrees():  # verified at probes, never assumed
            hint = D.layout_hint(self.expected)
        else:  # 2 A x for d(x' A x)/dx: the transpose for a symmetric A; 2 x for d(x .* x)/dx
            find = D.flipped_symmetric if flipped else D.diagonal
            hint = self.confirmed(lambda p: find(self.expected, self.claim, p))
        describe = D.describe_array_shape
        return self.result(
            "wrong",
            f"wrong shape: the claim is {describe(self.claim)}, "
            f"the derivative is {describe(self.expected)}",
            diagnosis=hint,
        )

    def confirmed(self, find) -> str | None:
        """``find``'s finding when it is the same at three probes (of sizes above 1, where a
        1-by-1 matrix is symmetric and tells nothing), else None."""
        try:
            probes = [self.draw(k) for k in range(6)]
            probes = [p for p in probes if any(np.size(v) > 1 for v in p.values())]
            found = {find(p) for p in probes}
        except EinderivError:
            return None
        return found.pop() if len(found) == 1 and len(probes) >= 3 else None

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
        if is_zero_claim(self.claim):  # 0: zero of any shape
            return T.Zero(tuple(self.expected.axes))
        term, axes = self.claim.term, self.claim.axes
        free = self.free_dims
        on_axes = {a.dim: b.dim for a, b in zip(axes, self.expected.axes) if a.dim in free}
        if on_axes:  # delta[i,l] in a claim: its sizes are the derivative's axes' sizes
            term = with_dims(term, on_axes)
            axes = tuple(T.Index(a.name, on_axes.get(a.dim, a.dim)) for a in axes)
        term, axes = commute(term, axes, tuple(self.expected.axes))  # I_{nm} as I_{mn}
        if [a.dim for a in axes] != [a.dim for a in self.expected.axes]:
            return None
        if free - set(on_axes) and any(mentions_dim(term, d) for d in free - set(on_axes)):
            return None  # tr(I) with a size nothing fixes: only guesses, no proof
        return T.rename(term, dict(zip(axes, self.expected.axes)))

    def symbolically_equal(self) -> bool:
        claim = self.settled_claim()
        if claim is None:
            return False  # sizes the claim leaves open: only the probes can decide
        want = self.oriented(self.expected.term)  # inv(X' C X), C = C': one symmetric matrix
        return canonical(claim) == canonical(want) or equal_by_symmetric_bases(claim, want, self.f)

    def settled_claim(self) -> T.Term | None:
        """The renamed claim simplified and oriented (once); None: sizes left open."""
        if "_settled" not in self.__dict__:
            term = self.renamed_claim()
            try:
                self._settled = None if term is None else self.oriented(simplify(term))
            except EinderivError:
                self._settled = None
        return self._settled

    def oriented(self, term: T.Term) -> T.Term:
        """``term`` in one form: integer exponents one form (``affine.folded``), det(2 W) as
        2^len(W) det(W), a kink function times its argument one, symmetric entries oriented."""
        symmetric = frozenset(n for n, v in self.f.variables.items() if v.kind == "symmetric")
        flat = kink_products(folded(numbers_out(term), integer_sizes(self.f)))
        return orient(term if flat is term else simplify(flat), symmetric)

    def missing_conditions(self) -> list:
        """Conditions the claim needs that the expression and the derivative do not impose."""
        return missing_conditions(self)

    # -- exact --------------------------------------------------------------------------------

    def exactly_equal(self) -> bool | None:
        """Equal as rational functions at every size assignment tried (True), different
        (False), or no decision (None: sizes left open, no point defined, or a difference
        where non-rational sub-terms were unknowns, which proves nothing)."""
        claim, want = self.settled_claim(), self.oriented(self.expected.term)
        if claim is None or T.free(claim) != T.free(want):
            return None
        if expanded_equal(self, claim, want):  # x' (A0 + .. + A999 + (..)') multiplied out
            return True
        opaque = not (X.is_rational(claim) and X.is_rational(want))
        self.exact_method = EXACT + (", other functions as unknowns" if opaque else "")
        order = tuple(self.expected.axes)
        found, self.exact_where = exactly_equal(claim, want, order, self.used, self.rounds, opaque)
        return found

    def differing_probe(self) -> dict:
        """A float probe at the sizes and integer values where exact arithmetic found a
        difference (another value of k may be one where the claim is right)."""
        if (where := getattr(self, "exact_where", None)) is None:
            return self.draw(0)
        probe = self.draw(0, sizes=where.sizes)
        return {**probe, **{n: v for n, v in where.ints.items() if n in probe}}

    def diagnose(self, probe: dict) -> str | None:
        """The kind of mistake, found at the counterexample (else at draw 1: at A of equal
        entries, ``A`` for the Hessian of x' A x is off by 0.5) and confirmed at 3 other draws."""
        found = self._confirmed(probe, sizes := probe_sizes(self.f, probe))
        found = found or self._confirmed(None, sizes)
        again = lambda sizes: self.values(self.draw(1, sizes=sizes))
        return found and (by_size(found, sizes, self.f.variables, again) or found)

    def _confirmed(self, probe: dict | None, sizes) -> str | None:
        k = 1 if probe is not None else 2  # the diagnosis at probe (else at draw 1), the same at
        try:  # the 3 draws after it
            found = self._diagnosis_at(probe if probe is not None else self.draw(1, sizes=sizes))
            same = lambda j: self._diagnosis_at(self.draw(j, sizes=sizes)) == found
            return found if found is not None and all(same(j) for j in range(k, k + 3)) else None
        except EinderivError:
            return None

    def _diagnosis_at(self, probe: dict) -> str | None:
        return D.diagnosis(self.expected, self.claim, probe, *self.values(probe))


def _judged(f: Expr, claim, wrt: str, layout: str, order: int) -> CheckResult:
    return _check(f, wrt, claim, layout, diagnose=False, order=order)  # (ill_formed's claims)
