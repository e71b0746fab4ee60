"""Probing a claim numerically for ``check``: draws from the expression's domain, values of
the derivative and the claim there, and points that show a claim wrong or undefined.

Input: the expression ``f``, the engine's derivative ``expected`` and the claim (``Expr`` s).
Output: ``Sampler``, whose methods draw probes (``draw``: sizes and modes cycle through
``size_rounds`` and ``MODES``), evaluate both sides (``values``: the claim is nan where it is
undefined), compare them (``agree``), look for a disagreement (``numerically_equal``), for a point
where the claim alone is undefined (``undefined_claim_probe``), and for a small-integer
counterexample (``counterexample``).
Invariants: a probe is kept only where the expression and the derivative are finite (the domain
is the expression's, never the claim's); sizes a claim leaves open are those a caller solved
(``sized``), else follow the derivative's axes, else a guess (``guess``) no proof may rest on.
Draws are deterministic (a fixed seed)."""

from __future__ import annotations

import functools
import re
import warnings

import numpy as np

from einderiv.api import Expr
from einderiv.backend.binding import dim_names
from einderiv.calculus.simplify import simplify
from einderiv.check.domain import conditions, restricted
from einderiv.check.probes import (
    FIRST_MATRICES,
    MODES,
    PROBES,
    REDRAWS,
    candidate_sizes,
    close,
    ill_conditioned,
    probe_sizes,
    sample,
    size_rounds,
    undrawable,
)
from einderiv.check.slopes import kinked, smooth_at
from einderiv.errors import EinderivError
from einderiv.ir import index_ir as T
from einderiv.ir.names_used import names_in_bases, variable_names
from einderiv.ir.node import dim_size
from einderiv.ir.ops import ABS

__all__ = ["Sampler", "is_zero_claim"]


class Sampler:
    """Numerical probes of ``claim`` against ``expected``, the derivative of ``f``."""

    def __init__(self, f: Expr, expected: Expr, claim: Expr, wrt: str = "", base=None):
        """``wrt``: the variable ``expected`` is the derivative by; ``base``: what it is the
        derivative of (``f``, or for a Hessian the gradient), whose slopes ``agree`` takes."""
        self.f, self.expected, self.claim = f, expected, claim
        self.wrt, self.base = re.match(r"\w*", wrt).group(), f if base is None else base
        self.rng = np.random.default_rng(20261124)
        self.guess, self.method_note = None, ""
        self.sized: dict = {}  # sizes of the claim a caller solved (kron_regroup.regrouped)
        self.rounds = size_rounds(f)
        self.positive = restricted(f.term)
        self.kinked = kinked(f.term) or kinked(expected.term)  # relu(x) - relu(-x): slopes
        named = variable_names(f.term) | variable_names(claim.term)  # (one walk each)
        used = [n for n, info in f.variables.items() if info.kind == "integer" or n in named]
        self.used = {n: f.variables[n] for n in used}  # declared and used: only they vary
        self.inverted = [
            Expr(base, bound, f.variables)
            for base, bound in dict.fromkeys(_inverted(f.term) + _inverted(expected.term))
        ]
        sized = {d for info in self.used.values() for d in info.dims}
        for name, info in sorted(f.variables.items()):  # one met only in a size, len(x): drawn
            if name not in self.used and set(info.dims) - sized:  # for the sizes it fixes
                self.used[name] = info
                sized.update(info.dims)
        # a probe where one of these is ill-conditioned is redrawn: the variables inverted, raised
        # to a power or under det (in any of the three), the compound matrices inverted (A' A in
        # inv(A' A)), and the first few matrices, so counterexamples show the mistake plainly
        # (A for the Hessian A + A' of x' A x, at a singular, symmetric integer A, looks like a
        # factor 2). Not every one: integer draws were redrawn until all 1,000 A_k of
        # x' (A0 + ... + A999) x were invertible, 14,230 condition numbers, seconds
        first = [n for n, info in self.used.items() if len(info.dims) == 2][:FIRST_MATRICES]
        bases = [names_in_bases(e.term) for e in (f, expected, claim)]
        self.conditioned = frozenset(first).union(*bases)

    def undefined_claim_probe(self, genuine=None) -> dict | None:
        """A point of the domain (expression and derivative finite) where the claim is not:
        a variable's entry set to 0, the whole variable 0, or a square matrix made singular.
        Only variables that no condition of the expression or the derivative mentions are
        made degenerate: there both are polynomial-like and their values are trustworthy.
        ``genuine(probe)``: whether the claim is undefined there, not only overflowing."""
        imposed = conditions(self.f.term) | conditions(self.expected.term)
        free = set(self.f.variables) - set().union(*(c.names for c in imposed))
        for probe in self._edge_probes(free):
            _, got = self.values(probe)
            if not np.all(np.isfinite(got)) and (genuine is None or genuine(probe)):
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
            kink = self.kink_probe() if agree else None
            if kink is not None:  # agreeing at random draws, but not at a kink
                agree, probe = False, kink
            if agree:
                if guess is not None:
                    self.method_note = f"reading the size the claim leaves open as {guess}"
                return True, None
            first = first or (guess, probe)
        self.guess = first[0]
        return False, first[1]

    def _probe_all(self) -> tuple[bool, dict | None]:
        drawn, why = 0, EinderivError("could not draw inputs where the expression is defined")
        for k in range(PROBES):
            try:
                probe = self.draw(k)
            except EinderivError as error:
                why = error
                continue  # no point of this kind in the domain (e.g. det < 0 under a logdet)
            drawn += 1
            want, got = self.values(probe)
            if not self.agree(probe, want, got):
                return False, probe
        if not drawn:
            raise why
        return True, None

    def agreeing_orders(self, others: list, count: int = 2) -> list:
        """The readings among ``others`` (this claim with its axes in another order) whose
        values agree with the derivative's at the first ``count`` probes, which a right
        reading must: the claim is evaluated once, and each reading's value is a transpose of
        its value (so 23 readings of an order-4 claim cost two evaluations, not 23 verdicts).
        All of them when the claim leaves a size open (its sizes then follow the order)."""
        if self.free_dims:
            return others
        samples = []
        for k in range(count):
            try:
                probe = self.draw(k)
            except EinderivError:
                continue
            samples.append((probe, *self.values(probe)))
        axes = list(self.claim.axes)
        return [
            other
            for other in others
            if all(
                self.agree(probe, want, np.transpose(got, [axes.index(i) for i in other.axes]))
                for probe, want, got in samples
            )
        ]

    def agree(self, probe: dict, want: np.ndarray, got: np.ndarray) -> bool:
        if close(want, got):
            return True
        if want.shape != got.shape or not np.all(np.isfinite(got)):
            return False
        if close(want, got, reference=self.largest_term(probe)):
            return True
        if not self.kinked or self.wrt not in probe:
            return False
        f, g = (functools.partial(self.call, e) for e in (self.base, self.expected))
        return smooth_at(f, g, probe, self.wrt, self.used[self.wrt].kind == "symmetric")

    def largest_term(self, probe: dict) -> float:
        """The size of the terms the derivative's and the claim's values are sums of (their
        rounding error grows with it): the largest term of a top-level sum, and the largest
        entry of the value with every sum and product taken over absolute values
        (``magnitude``: where terms cancel, as in a derivative that is 0 for n = 2, the
        entries the cancelling terms have)."""
        largest = 0.0
        for e in (self.expected, self.claim):
            terms = e.term.terms if isinstance(e.term, T.Add) else ()
            for term in (*terms, magnitude(e.term)):
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
        if claim:  # the expression's sizes the claim has (I_{mn}: m and n, fixed by A and B)
            sizes = {**{d: n for d, n in probe_sizes(self.f, probe).items() if d in dim_names(e)},
                     **sizes}  # fmt: skip
        fixed = {d for k in given for d in e.variables[k].dims}  # Y: matrix(p, p) sized by Y
        sizes = {k: v for k, v in sizes.items() if k not in given and k not in fixed}  # n: int
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a probe outside the domain is simply redrawn
            return e(**given, **sizes)

    def values(self, probe: dict):
        """The derivative's and the claim's values; the claim's is nan where it is undefined."""
        want = np.asarray(self.call(self.expected, probe), dtype=float)
        if is_zero_claim(self.claim):
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
                chosen[axis.dim] = dim_size(want.dim, sizes.__getitem__)  # p*n: the product
        for d in self.free_dims - set(chosen):
            guess = self.guess
            chosen[d] = guess if isinstance(guess, int) else sizes.get(guess, 2)
        return {**chosen, **self.sized}

    def draw(self, k: int, integer: bool = False, sizes: dict | None = None) -> dict:
        """Probe number ``k``: its sizes and mode cycle through ``size_rounds`` and ``MODES``."""
        sizes = sizes or self.rounds[k % len(self.rounds)]
        for attempt in range(REDRAWS):
            mode = MODES[(k + attempt // 10) % len(MODES)]
            probe = {}
            for name, info in self.used.items():
                positive = name in self.positive
                probe[name] = sample(self.rng, info, sizes, mode, positive, integer)
                if info.kind == "integer" and name in sizes:  # an integer that is a size
                    probe[name] = sizes[name]
            if self.acceptable(probe):
                return probe
        # a size no variable has (sum(x ones')), a value past float64: said, not "could not draw"
        raise EinderivError(undrawable(lambda: self.call(self.f, probe))) from None

    def _edge_probes(self, names: set, count: int | None = None):
        """Probes at the edge of domains (``_degenerate``: one entry 0, all of it 0, a square
        matrix made singular; the first ``count`` of these) of each variable of ``names``,
        where the expression and the derivative are finite."""
        for k in range(4):
            try:
                base = self.draw(k)
            except EinderivError:
                continue
            for name, info in self.used.items():
                if info.kind == "integer" or name not in names:
                    continue
                for variant in _degenerate(base[name])[:count]:
                    probe = {**base, name: variant}
                    if self.acceptable(probe, conditioned=False):
                        yield probe

    def kink_probe(self) -> dict | None:
        """A point of the domain where the claim and the derivative differ at a kink: for an
        expression or derivative with abs, sign, relu or step (not ``smooth`` in the registry),
        probes with one entry of a variable, or all of it, 0, where random draws never land
        (``(sign(x) + 1) / 2`` for relu'(x) is wrong at 0: relu'(0) = 0, SPEC 6.1)."""
        if not (kinked(self.f.term) or kinked(self.expected.term)):
            return None
        for probe in self._edge_probes(set(self.used), count=2):  # one entry 0, all of it 0
            want, got = self.values(probe)
            if not self.agree(probe, want, got):
                return probe
        return None

    def integer_witness(self, genuine=None) -> dict | None:
        """A probe of small integers where the claim and the derivative differ: the last try
        before "undecided" (X^(10^11) by X: at X = [[1]] the derivative is 10^11, while random
        draws under- or overflow)."""
        for sizes in self.rounds:
            for k in range(4):
                try:
                    probe = self.draw(k + 1, integer=True, sizes=sizes)
                except EinderivError:
                    break
                if self.acceptable(probe):
                    want, got = self.values(probe)
                    finite = np.all(np.isfinite(got)) or genuine is None or genuine(probe)
                    if finite and not self.agree(probe, want, got):  # not an overflow alone
                        return probe
        return None

    def acceptable(self, probe: dict, conditioned: bool = True) -> bool:
        """In the expression's domain: the expression and its derivative are finite there
        (and, when ``conditioned``, every matrix ``__init__`` names is well-conditioned)."""
        try:
            for name in self.conditioned & probe.keys() if conditioned else ():
                if ill_conditioned(probe[name]):
                    return False
            for base in self.inverted if conditioned else ():
                if ill_conditioned(self.call(base, probe)):
                    return False
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


def _inverted(t: T.Term) -> list:
    """(base, bound) of every compound base ``t`` inverts, raises to a symbolic power or takes
    the log-determinant of, whose value depends on nothing but its bound indices."""
    return [
        (u.base, tuple(u.bound))
        for u in T.compound_bases(t)
        if (type(u) is T.LogDet or (type(u) is T.MatPow and _inverts(u)))
        and T.free(u.base) == set(u.bound)
    ]


def _inverts(u: T.MatPow) -> bool:
    """A negative or symbolic power (``X^-1``, ``X^k``): defined only for an invertible base."""
    return not (u.exponent.is_literal and u.exponent.const >= 0)


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


def is_zero_claim(claim: Expr) -> bool:
    """The claim ``0``, or a scalar that is 0 (``2 0``, ``0 - 0``, ``0 x' x``): right for a zero
    derivative of any shape, as the literal is."""
    term = claim.term
    if not isinstance(term, (T.Zero, T.Num)) and not claim.axes:
        term = simplify(term)  # exact: numbers are fractions, so 0.1 + 0.2 - 0.3 is 0 too
    return isinstance(term, (T.Zero, T.Num)) and getattr(term, "value", 0) == 0


def magnitude(t: T.Term, memo: dict | None = None) -> T.Term:
    """``t`` with its sums and products over absolute values (an upper bound of the terms that
    rounding acts on): ``x[a] y[a] - z`` -> ``|x[a]| |y[a]| + |z|``; a function's or power's
    value is taken whole (``|exp(u)|``). ``memo``: each shared subterm is made once."""
    memo = {} if memo is None else memo
    if t not in memo:
        memo[t] = _magnitude(t, memo)
    return memo[t]


def _magnitude(t: T.Term, memo: dict) -> T.Term:
    kind = type(t)
    if kind is T.Add:
        return T.Add(tuple(magnitude(u, memo) for u in t.terms))
    if kind is T.Prod:
        return T.Prod(tuple(magnitude(u, memo) for u in t.factors), t.summed)
    if kind is T.Num:
        return T.Num(abs(t.value))
    if kind in (T.Delta, T.Ones, T.Pair, T.Size, T.Zero):
        return t
    return T.Func(ABS.name, t)
