"""The operator registry: every elementwise function declared once, with all a stage needs.

Input: nothing (a table built at import).
Output: ``ELEMENTWISE``, name -> ``Elementwise`` record, read by every stage: the grammar's
function names (``frontend.parse`` fills them in when it loads the grammar), shapes and lowering
(elementwise: the result has the argument's shape), differentiation (``derivative``), printing
(``latex``), evaluation and compiled plans (``numpy``, ``array_api``), generated code
(``source``) and the probes of ``check`` (``domain``; ``interval``, its rigorous witness).
Invariants:
* one record per function; adding an elementwise function is one entry here (and its test
  oracle in ``tests/test_registry.py``), nothing else;
* ``derivative(u)`` is f'(u) as an index term with the free indices of ``u`` (the chain rule's
  du is multiplied in by ``calculus.differentiate``); its formula is the comment above it, and
  it returns ``ZERO`` where f' vanishes everywhere it is defined;
* ``numpy`` is plain numpy, stable on both tails where that matters (sigmoid, softplus), and its
  source is what generated code defines when ``source`` is not a numpy function's name;
* at a kink the one-sided convention of SPEC 6.1 holds: ``abs'(0) = sign(0) = 0``,
  ``relu'(0) = step(0) = 0``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from einderiv.ir import index_ir as T
from einderiv.ir.row_ops import ROW, RowFunction  # the vector functions' registry

__all__ = [
    "ABS",
    "BY_LATEX",
    "DECIMAL_PI",
    "DOMAINS",
    "ELEMENTWISE",
    "ROW",
    "SIGMOID",
    "SQRT",
    "Elementwise",
    "RowFunction",
    "ones_like",
]

# where a function is defined (check): every real, x > 0, x >= 0, -1 < x < 1, x > -1, cos(x) != 0
DOMAINS = ("real", "positive", "nonnegative", "open_unit", "above_minus_one", "cos_nonzero")


@dataclass(frozen=True)
class Elementwise:
    """One elementwise function: applied to each entry of a vector or matrix, or to a scalar."""

    name: str
    derivative: Callable[[T.Term], T.Term]  # f'(u), free indices those of u
    numpy: Callable  # the reference implementation on numpy arrays
    array_api: Callable  # xp -> the implementation in array namespace xp (torch, jax.numpy)
    latex: str  # LaTeX of the function's name: \tanh, \operatorname{relu}
    source: str | None = None  # numpy function generated code calls; None: it defines ``numpy``
    domain: str = "real"
    smooth: bool = True  # False: a kink or a jump (abs, sign, relu, step)
    jump: bool = False  # True: not continuous at its kink (sign, step), so no slope there
    braced: bool = False  # LaTeX takes the argument in braces: \sqrt{x}, not \sqrt\left(x\right)
    # u -> f(u) written with exp and log, equal for every real u (its formula in the comment
    # above the record): check's exact proof reads tanh(u) and (e^(2u) - 1) / (e^(2u) + 1) alike
    definition: Callable[[T.Term], T.Term] | None = None
    positive: bool = False  # f(u) > 0 for every u: a divisor f(u) needs no condition (check)
    nonnegative: bool = False  # f(u) >= 0 wherever defined: 1 + sqrt(a) > 0 (ir.signs)
    # f(u) g(u) = h(u) at every real u, 0 included, as (g, h), "u" the argument itself:
    # step's ("u", "relu") is step(u) u = relu(u) (check.kink_products folds such products)
    folds: tuple[tuple[str, str], ...] = ()
    idempotent: bool = False  # f(u)^k = f(u) for every integer k >= 1: step
    entire: bool = False  # a power series converging everywhere: a matrix function at every M
    # (c, x) -> an enclosure of f over the interval x, for x inside ``domain`` and, for a kink,
    # clear of it (every kink is at 0); c: ``check.intervals.Context``, mpmath's intervals,
    # rounded outward. None: by ``definition``, else check's interval witness gives up
    interval: Callable | None = None


def ones_like(u: T.Term) -> T.Term:
    """1, broadcast over the free indices of ``u`` (as ``1 + u`` lowers: 1 ones[i] ones[j])."""
    ones = tuple(T.Ones(i) for i in sorted(T.free(u), key=lambda i: i.name))
    return T.Prod((T.ONE, *ones)) if ones else T.ONE


def _power(u: T.Term, p: Fraction | int) -> T.Term:
    return T.Pow(u, T.Num(Fraction(p)))


def _neg(u: T.Term) -> T.Term:
    return T.Prod((T.MINUS_ONE, u))


def _exp(u: T.Term, c: int = 1) -> T.Term:
    """exp(c u)."""
    return T.Func("exp", u if c == 1 else T.Prod((T.Num(Fraction(c)), u)))


def _half(u: T.Term, sign: int) -> T.Term:
    """(exp(u) + sign exp(-u)) / 2: cosh (sign 1), sinh (sign -1)."""
    other = _exp(u, -1) if sign > 0 else _neg(_exp(u, -1))
    return T.Prod((T.Num(Fraction(1, 2)), T.Add((_exp(u), other))))


def _sigmoid(x):
    # 1 / (1 + exp(-x)) for x >= 0, exp(x) / (1 + exp(x)) for x < 0: exp of -|x| never
    # overflows, and both tails keep their relative accuracy (e^x down to the smallest
    # subnormal, then 0: log(sigmoid(-1000)) is -inf, as in torch, never a finite -709)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _relu(x):
    return np.maximum(x, 0.0)


def _step(x):
    return np.where(x > 0, 1.0, np.where(x <= 0, 0.0, x))  # nan stays nan


_PI = T.Num(Fraction("3.141592653589793"))


def _erf(x):
    import math  # the standard library's erf, entry by entry: numpy has none, scipy is not needed

    return np.vectorize(math.erf, otypes=[float])(x)


def _xp_erf(xp):
    if hasattr(xp, "erf"):  # torch
        return xp.erf
    if xp.__name__ == "jax.numpy":
        from jax.scipy.special import erf

        return erf
    return _erf


def _xp_sigmoid(xp):
    return lambda x: xp.exp(-xp.logaddexp(xp.zeros_like(x), -x))


def _entries(*records: Elementwise) -> dict[str, Elementwise]:
    return {r.name: r for r in records}


ELEMENTWISE: dict[str, Elementwise] = _entries(
    # exp'(u) = exp(u)
    Elementwise(
        "exp",
        lambda u: T.Func("exp", u),
        np.exp,
        lambda xp: xp.exp,
        r"\exp",
        "np.exp",
        positive=True,
        interval=lambda c, x: c.exp(x),
        entire=True,
    ),
    # log'(u) = u^-1
    Elementwise(
        "log",
        lambda u: _power(u, -1),
        np.log,
        lambda xp: xp.log,
        r"\log",
        "np.log",
        "positive",
        interval=lambda c, x: c.log(x),
    ),
    # log1p'(u) = (1 + u)^-1
    Elementwise(
        "log1p",
        lambda u: _power(T.Add((ones_like(u), u)), -1),
        np.log1p,
        lambda xp: xp.log1p,
        r"\operatorname{log1p}",
        "np.log1p",
        "above_minus_one",
        interval=lambda c, x: c.log(1 + x),
    ),
    # sqrt'(u) = sqrt(u)^-1 / 2 (= u^(-1/2) / 2; as a power of sqrt(u) it merges with the
    # sqrt(u)^-k of a quotient: d/du 1/sqrt(u) = -sqrt(u)^-3 / 2)
    Elementwise(
        "sqrt",
        lambda u: T.Prod((T.Num(Fraction(1, 2)), _power(T.Func("sqrt", u), -1))),
        np.sqrt,
        lambda xp: xp.sqrt,
        r"\sqrt",
        "np.sqrt",
        "positive",
        braced=True,
        interval=lambda c, x: c.sqrt(x),
        nonnegative=True,
    ),
    # sin'(u) = cos(u)
    Elementwise(
        "sin",
        lambda u: T.Func("cos", u),
        np.sin,
        lambda xp: xp.sin,
        r"\sin",
        "np.sin",
        interval=lambda c, x: c.sin(x),
        entire=True,
    ),
    # cos'(u) = -sin(u)
    Elementwise(
        "cos",
        lambda u: _neg(T.Func("sin", u)),
        np.cos,
        lambda xp: xp.cos,
        r"\cos",
        "np.cos",
        interval=lambda c, x: c.cos(x),
        entire=True,
    ),
    # tan'(u) = 1 + tan(u)^2
    Elementwise(
        "tan",
        lambda u: T.Add((ones_like(u), _power(T.Func("tan", u), 2))),
        np.tan,
        lambda xp: xp.tan,
        r"\tan",
        "np.tan",
        domain="cos_nonzero",  # tan(u) = sin(u) / cos(u): a pole where cos(u) = 0
        interval=lambda c, x: c.tan(x),
    ),
    # arcsin'(u) = (1 - u^2)^(-1/2)
    Elementwise(
        "arcsin",
        lambda u: _power(T.Add((ones_like(u), _neg(_power(u, 2)))), Fraction(-1, 2)),
        np.arcsin,
        lambda xp: xp.asin if hasattr(xp, "asin") else xp.arcsin,
        r"\arcsin",
        "np.arcsin",
        "open_unit",
        interval=lambda c, x: c.atan(x / c.sqrt(1 - x**2)),
    ),
    # arccos'(u) = -(1 - u^2)^(-1/2)
    Elementwise(
        "arccos",
        lambda u: _neg(_power(T.Add((ones_like(u), _neg(_power(u, 2)))), Fraction(-1, 2))),
        np.arccos,
        lambda xp: xp.acos if hasattr(xp, "acos") else xp.arccos,
        r"\arccos",
        "np.arccos",
        "open_unit",
        interval=lambda c, x: c.pi / 2 - c.atan(x / c.sqrt(1 - x**2)),
        nonnegative=True,
    ),
    # arctan'(u) = (1 + u^2)^-1
    Elementwise(
        "arctan",
        lambda u: _power(T.Add((ones_like(u), _power(u, 2))), -1),
        np.arctan,
        lambda xp: xp.atan if hasattr(xp, "atan") else xp.arctan,
        r"\arctan",
        "np.arctan",
        interval=lambda c, x: c.atan(x),
    ),
    # sinh'(u) = cosh(u);  sinh(u) = (exp(u) - exp(-u)) / 2
    Elementwise(
        "sinh",
        lambda u: T.Func("cosh", u),
        np.sinh,
        lambda xp: xp.sinh,
        r"\sinh",
        "np.sinh",
        definition=lambda u: _half(u, -1),
        entire=True,
    ),
    # cosh'(u) = sinh(u);  cosh(u) = (exp(u) + exp(-u)) / 2
    Elementwise(
        "cosh",
        lambda u: T.Func("sinh", u),
        np.cosh,
        lambda xp: xp.cosh,
        r"\cosh",
        "np.cosh",
        definition=lambda u: _half(u, 1),
        positive=True,
        entire=True,
    ),
    # tanh'(u) = 1 - tanh(u)^2;  tanh(u) = (exp(2u) - 1) / (exp(2u) + 1)
    Elementwise(
        "tanh",
        lambda u: T.Add((ones_like(u), _neg(_power(T.Func("tanh", u), 2)))),
        np.tanh,
        lambda xp: xp.tanh,
        r"\tanh",
        "np.tanh",
        definition=lambda u: T.Prod(
            (
                T.Add((_exp(u, 2), _neg(ones_like(u)))),
                _power(T.Add((_exp(u, 2), ones_like(u))), -1),
            )
        ),
    ),
    # sigmoid'(u) = sigmoid(u) (1 - sigmoid(u)) = sigmoid(u) sigmoid(-u);
    # sigmoid(u) = 1 / (1 + exp(-u))
    Elementwise(
        "sigmoid",
        lambda u: T.Prod((T.Func("sigmoid", u), T.Func("sigmoid", _neg(u)))),
        _sigmoid,
        _xp_sigmoid,
        r"\sigma",
        definition=lambda u: _power(T.Add((ones_like(u), _exp(u, -1))), -1),
        positive=True,
    ),
    # softplus'(u) = sigmoid(u);  softplus(u) = log(1 + exp(u))
    Elementwise(
        "softplus",
        lambda u: T.Func("sigmoid", u),
        _softplus,
        lambda xp: lambda x: xp.logaddexp(xp.zeros_like(x), x),
        r"\operatorname{softplus}",
        definition=lambda u: T.Func("log", T.Add((ones_like(u), _exp(u)))),
        positive=True,
    ),
    # erf'(u) = 2 pi^(-1/2) exp(-u^2)   (pi as the decimal 3.141592653589793: a number, not a name)
    Elementwise(
        "erf",
        lambda u: T.Prod(
            (T.Num(Fraction(2)), _power(_PI, Fraction(-1, 2)), T.Func("exp", _neg(_power(u, 2))))
        ),
        _erf,
        _xp_erf,
        r"\operatorname{erf}",
    ),
    # relu'(u) = step(u)   (relu'(0) = 0)
    Elementwise(
        "relu",
        lambda u: T.Func("step", u),
        _relu,
        lambda xp: lambda x: xp.where(x <= 0, xp.zeros_like(x), x),  # nan stays nan
        r"\operatorname{relu}",
        smooth=False,
        interval=lambda c, x: x if x > 0 else 0 * x,
        nonnegative=True,
    ),
    # step'(u) = 0 (u != 0): the Heaviside step, step(0) = 0
    Elementwise(
        "step",
        lambda u: T.ZERO,
        _step,
        lambda xp: (
            lambda x: xp.where(x > 0, xp.ones_like(x), xp.where(x <= 0, xp.zeros_like(x), x))
        ),
        r"\operatorname{step}",
        smooth=False,
        jump=True,
        interval=lambda c, x: c.mpf(1 if x > 0 else 0),
        nonnegative=True,
        folds=(("u", "relu"), ("relu", "relu"), ("abs", "relu")),
        idempotent=True,
    ),
    # abs'(u) = sign(u)   (abs'(0) = 0)
    Elementwise(
        "abs",
        lambda u: T.Func("sign", u),
        np.abs,
        lambda xp: xp.abs,
        r"\operatorname{abs}",
        "np.abs",
        smooth=False,
        interval=lambda c, x: abs(x),
        nonnegative=True,
    ),
    # sign'(u) = 0 (u != 0)
    Elementwise(
        "sign",
        lambda u: T.ZERO,
        np.sign,
        lambda xp: lambda x: xp.where(xp.isnan(x), x, xp.sign(x)),  # torch: sign(nan) = 0
        r"\operatorname{sign}",
        "np.sign",
        smooth=False,
        jump=True,
        interval=lambda c, x: c.mpf(1 if x > 0 else -1),
        folds=(("u", "abs"), ("relu", "relu"), ("abs", "u")),
    ),
)

# LaTeX command -> function (\\tanh -> tanh, \\sigma -> sigmoid): what the LaTeX reader accepts
BY_LATEX = {op.latex: name for name, op in ELEMENTWISE.items()}
SQRT = ELEMENTWISE["sqrt"]  # the record printers use by name (a divisor sqrt(v' v) is norm2(v))
SIGMOID = ELEMENTWISE["sigmoid"]  # the record the rules for sigmoid identities use by name
DECIMAL_PI = _PI  # not pi: erf's derivative with it is no exact derivative (check.intervals)
ABS = ELEMENTWISE["abs"]  # the record check's rounding bound uses by name
SIGN = ELEMENTWISE["sign"]  # sign(u) u = abs(u): a rule of calculus/functions.py uses it
COS = ELEMENTWISE["cos"]  # tan(u) is defined where cos(u) != 0: check.domain says it by name
SINH, COSH, TANH = (ELEMENTWISE[n] for n in ("sinh", "cosh", "tanh"))  # sinh / cosh = tanh
