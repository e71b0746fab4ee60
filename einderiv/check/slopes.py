"""One-sided slopes of an expression at a probe: whether a kink convention decides its value.

Input: functions ``f(probe) -> array`` (the expression at a probe, or for a Hessian its
gradient) and ``g`` (einderiv's derivative of it at a probe), the probe (arrays by name), the
variable ``name`` that ``g`` is the derivative by, and whether it is symmetric.
Output: ``smooth_at``: True when the probe sits on a kink of ``g`` (``g`` jumps along an entry
of ``name``) while ``f`` has neither a jump nor a kink along any entry moved (at most
``_ENTRIES``; a symmetric variable's entries (i, j) and (j, i) move together, one coordinate).
A jump is a change, and a kink a difference of one-sided slopes, that Richardson extrapolation
finds the same at a whole and a quarter step (what a smooth function leaves shrinks).
``kinks_proved``: whether the kink conventions can only decide values where a term has no
derivative (then a claim equal to einderiv's derivative is right).
Invariants: used only to discard a witness, never to accept a claim: at such a point ``f``
has a derivative (relu(a - 1) - relu(1 - a) is a - 1, with slope 1 at a = 1), while the
derivative einderiv computes applies its parts' kink conventions (relu'(0) = 0, SPEC 6.1) and
may differ from it; a claim that differs there is not shown wrong by that point (a genuine
kink, relu(x) at 0: slopes 0 and 1, still is; so is a point off every kink, relu(x) at 2,
where ``g`` does not jump; and so are points where only other variables meet a kink). A
point with a cancelled kink excuses the claim at its other entries too, and a kink too small
to tell from curvature counts as smooth, so the error this can make is "undecided" instead of
"wrong".
"""

from __future__ import annotations

import numpy as np

from einderiv.errors import EinderivError
from einderiv.ir import index_ir as T
from einderiv.ir.ops import ELEMENTWISE

__all__ = ["in_optional_sums", "kinked", "kinks_proved", "may_be_empty", "smooth_at"]

_STEP = 1e-4
_ENTRIES = 16


def smooth_at(f, g, probe: dict, name: str, symmetric: bool = False) -> bool:
    value = np.asarray(probe[name], dtype=float)
    integral = [np.asarray(v) for v in probe.values() if not isinstance(v, (int, np.integer))]
    if not any(np.any(v == np.round(v)) for v in integral):
        return False  # kinks are met at integer entries (0, or a - 1 at a = 1), not at draws
    jumped = False
    try:
        at_f, at_g = _values(f, probe), _values(g, probe)
        for step in _steps(value, symmetric):
            up, down = (_changes(f, probe, name, value, at_f, side * step) for side in (1, -1))
            if _jumps(up, at_f) or _jumps(down, at_f):
                return False  # f jumps: it has no derivative here (sign(a - 1) a at 1)
            if _kinks(up, down, at_f):
                return False  # a genuine kink: the convention decides the derivative
            jumped = jumped or any(
                _jumps(_changes(g, probe, name, value, at_g, side * step), at_g) for side in (1, -1)
            )
    except (EinderivError, np.linalg.LinAlgError):
        return False  # a step leaves the domain: the witness stands
    return jumped


def _values(f, probe: dict) -> np.ndarray:
    return np.asarray(f(probe), dtype=float)


def _changes(f, probe: dict, name: str, value, at: np.ndarray, step: np.ndarray) -> dict:
    """``f``'s change from ``at`` at each of ``_SCALES`` times ``step``."""
    return {s: _values(f, {**probe, name: value + s * step}) - at for s in _SCALES}


def _jumps(d: dict, at: np.ndarray) -> bool:
    """Whether a function whose changes along a step are ``d`` (its value ``at``) jumps: the
    change that stays when its linear and quadratic parts are taken out (Richardson: d(t) = J +
    a t + b t^2 gives J = (8 d(t/4) - 6 d(t/2) + d(t)) / 3), the same at the whole step and at a
    quarter of it (what a smooth function leaves shrinks 64 times), above rounding."""

    def jump(t):
        return (8 * d[t / 4] - 6 * d[t / 2] + d[t]) / 3

    return _kept(jump(1.0), jump(0.25), _EPS * (1 + np.abs(at)))


def _kinks(up: dict, down: dict, at: np.ndarray) -> bool:
    """Whether a function with changes ``up`` and ``down`` along a step and back has a kink:
    one-sided slopes whose difference stays when the curvature's part is taken out (gap(t) = K
    + 2 b t: K = 2 gap(t/2) - gap(t)), the same at the whole step and at a quarter of it, above
    rounding."""

    def gap(s):  # the right slope minus the left one
        return (up[s] + down[s]) / (s * _STEP)

    def kink(t):
        return 2 * gap(t / 2) - gap(t)

    # rounding: 4 values of f's size, over an eighth of the step, twice: 1 in 10^9 + relu(a - 1)
    return _kept(kink(1.0), kink(0.25), 160 * np.finfo(float).eps * (1 + np.abs(at)) / _STEP)


_SCALES = (1.0, 0.5, 0.25, 0.125, 0.0625)
_EPS = 50 * np.finfo(float).eps  # rounding in values, with room


def _kept(whole: np.ndarray, quarter: np.ndarray, floor: np.ndarray) -> bool:
    """Whether an entry's estimate at a quarter step is above ``floor`` and within a quarter of
    it at the whole step (a jump or a kink; what smoothness leaves changes with the step)."""
    return bool(
        np.any((np.abs(quarter) > floor) & (np.abs(whole - quarter) <= np.abs(quarter) / 4))
    )


def _steps(value: np.ndarray, symmetric: bool):
    """Steps of size ``_STEP`` along the first ``_ENTRIES`` entries of ``value`` (a symmetric
    matrix: its entries (i, j) and (j, i) together, i <= j)."""
    if value.ndim == 0:
        yield np.asarray(_STEP)
        return
    count = 0
    for at in np.ndindex(value.shape):
        if symmetric and at[0] > at[1]:
            continue
        if count == _ENTRIES:
            return
        count += 1
        step = np.zeros(value.shape)
        step[at] = _STEP
        if symmetric:
            step[at[::-1]] = _STEP
        yield step


def kinked(t: T.Term) -> bool:
    """Whether ``t`` applies a function with a kink or a jump (abs, sign, relu, step)."""
    return any(type(u) is T.Func and not ELEMENTWISE[u.name].smooth for u in T.nodes(t))


def kinks_proved(
    t: T.Term, var: str, symmetric: bool = False, derivative: T.Term | None = None
) -> bool:
    """Whether the derivative einderiv computes of ``t`` by ``var`` (with the kink conventions
    of SPEC 6.1: relu'(0) = abs'(0) = 0) is the derivative wherever ``t`` has one.

    True when ``t`` applies no function with a kink to a term that mentions ``var``, or one
    such node (it may be used many times), continuous (relu, abs: not sign or step), whose
    argument is linear in ``var`` entry by entry: ``c X[i,a] y[a] + b[i]`` (one occurrence of
    ``var``, indexed by every free index of the argument, the rest free of ``var``). Then at a
    point where an entry's argument is 0, the one-sided slopes of ``t`` differ by that entry's
    weight in ``t`` times the kink's jump times the entry's coefficients: either ``t`` has no
    derivative there, or the weight or the coefficients are 0 and so is the term the
    convention decides. Two such nodes (``relu(x) - relu(-x)``, which is x), entries that
    share coordinates (``u' relu(A x)`` with rows a and -a of A) or a jump (``sign(x) .^ 2 .*
    x``, which is x) can make ``t`` differentiable where the convention gives another value.
    A kink taken by log or by a negative power (``log(abs(det(X)))``) is off the domain of
    ``t`` and not counted. A ``symmetric`` variable's entries (i, j) and (j, i) are one
    coordinate, so a kink of it is never linear entry by entry (``tr(W' relu(C .* S))``).

    The one node may be a jump J = h(u) (h constant on each side of 0), its argument linear
    entry by entry as above, when ``_jump_proved``: at a point p0 with u = 0 the sides u < 0,
    u > 0 (and u = 0) meet p0 in cones that span every direction (each entry its own
    coordinates), and t = F(p, J) with F smooth. (a) h(0) is h's value on one side (step(0) =
    0, as for u < 0): t = F(p, J(p0)) on that side's closed cone, so where t has a derivative
    it is F's at J(p0), which einderiv computes (h' = 0); ``sum(step(x))``, ``step(x) .* x .^
    2``. (b) The ``derivative`` einderiv computes holds no kink or jump of ``var`` (``0`` for
    ``sum(sign(x))``): F's gradient is one G(p) for every value J takes, so F(p, s) - F(p, s')
    is constant near p0; where t is continuous at p0 all its values agree there, t = F(p,
    J(p0)) near p0 and its derivative is G(p0). ``sign(x) .^ 2 .* x`` (which is x, derivative
    ``sign(x) .^ 2``, 0 at 0) is neither."""
    mentions: dict[int, bool] = {}

    def mentioned(u: T.Term) -> bool:  # T.mentions, each shared node looked at once
        known = mentions.get(id(u))
        if known is None:
            kids = T.children(u)
            known = mentions[id(u)] = (
                u.name == var if type(u) is T.Var else any(map(mentioned, kids))
            )
        return known

    optional = in_optional_sums(t)  # sum_{r<k}(log(relu(a))) imposes nothing at k = 0
    kinks, outside, todo, seen = {}, set(), [t], set()
    while todo:
        u = todo.pop()
        if id(u) in seen or not mentioned(u):
            continue
        seen.add(id(u))
        inner = _kink_in(u)  # log(abs(v)), abs(v)^-1: the kink at v = 0 is off the domain
        if inner is not None and not ELEMENTWISE[inner.name].jump and id(u) not in optional:
            outside.add(id(inner))
        if type(u) is T.Func and not ELEMENTWISE[u.name].smooth:
            kinks[id(u)] = u
        todo.extend(T.children(u))
    inside = [u for key, u in kinks.items() if key not in outside]
    if inside and symmetric:
        return False
    if any(not _linear_entries(u.arg, var) for u in inside) or len(inside) > 1:
        return False
    return all(_jump_proved(u, var, derivative) for u in inside)


def _jump_proved(u: T.Func, var: str, derivative: T.Term | None) -> bool:
    """Whether the one kink node ``u`` of ``kinks_proved`` is continuous, or a jump proved
    there: its value at 0 is one side's (step), or ``derivative`` has no kink of ``var``."""
    if not ELEMENTWISE[u.name].jump:
        return True
    with np.errstate(all="ignore"):
        at = ELEMENTWISE[u.name].numpy(np.array([-1.0, 0.0, 1.0]))
    if at[1] in (at[0], at[2]):  # step(0) = 0 = step(-1): h constant on u <= 0
        return True
    return derivative is not None and not any(
        type(w) is T.Func and not ELEMENTWISE[w.name].smooth and T.mentions(w, var)
        for w in T.nodes(derivative)
    )


def may_be_empty(t: T.SumOver) -> bool:
    """Whether the finite sum ``t`` may have no term: its count is not a non-zero number
    (``sum_{r=0}^{k-1}`` at k = 0; ``sum_{r=5}^{2}``, count -2, has terms)."""
    return not (t.count.is_literal and t.count.const != 0)


def in_optional_sums(t: T.Term) -> dict[int, T.Term]:
    """The nodes inside a finite sum that may have no term, by id: what they need to be
    defined, ``t`` does not need for every integer."""
    found: dict[int, T.Term] = {}
    seen: set[tuple[int, bool]] = set()  # a shared node walked once inside, once outside
    todo = [(t, False)]
    while todo:
        u, inside = todo.pop()
        if (id(u), inside) in seen:
            continue
        seen.add((id(u), inside))
        if inside:
            found[id(u)] = u
        elif type(u) is T.SumOver and may_be_empty(u):
            inside = True
        todo.extend((c, inside) for c in T.children(u))
    return found


def _kink_in(u: T.Term) -> T.Func | None:
    """The kink function ``u`` takes where it is not defined (``log(abs(v))``, ``relu(v) ^
    -1``: at the kink the function value is 0, where ``u`` is undefined), or None. (Not
    ``sqrt(relu(v))``: sqrt(0) = 0 is defined, though sqrt has no derivative there.)"""
    if type(u) is T.Func and _undefined_at_zero(u.name):
        inner = u.arg
    elif type(u) is T.Pow and type(u.exponent) is T.Num and u.exponent.value < 0:
        inner = u.base
    else:
        return None
    if type(inner) is T.Func and not ELEMENTWISE[inner.name].smooth:
        return inner
    return None


def _undefined_at_zero(name: str) -> bool:
    """Whether the elementwise function ``name`` has no finite value at 0 (log: -inf)."""
    with np.errstate(all="ignore"):
        return not np.isfinite(ELEMENTWISE[name].numpy(np.zeros(1))).all()


def _linear_entries(u: T.Term, var: str) -> bool:
    """``u`` is ``c var[...] + terms without var``, each entry of ``u`` linear in its own
    entries of ``var`` (see ``kinks_proved``)."""
    terms = u.terms if type(u) is T.Add else (u,)
    users = [x for x in terms if T.mentions(x, var)]
    if len(users) != 1:
        return False
    factors = users[0].factors if type(users[0]) is T.Prod else (users[0],)
    own = [f for f in factors if T.mentions(f, var)]
    if len(own) != 1 or type(own[0]) is not T.Var:
        return False
    return T.free(u) <= set(own[0].indices)
