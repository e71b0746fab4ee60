"""Fuzzing: whatever text a user passes, einderiv answers or raises an ``ed.EinderivError``.

Inputs: valid expressions (a hand-written corpus and tests/strategies.py) with characters
inserted, deleted, swapped or duplicated; random token soup; arbitrary unicode; very long input;
10,000-deep nesting of ``(``, ``-(``, ``exp(``, ``tr(``, ``inv(``, ``'``, ``^``; random and
mutated ``where`` texts; wrong argument types. Each goes through ``ed.parse`` (and the printers),
``ed.diff`` (and ``codegen``), ``ed.hessian`` and ``ed.check``. Any other exception
(RecursionError, IndexError, KeyError, TypeError, AttributeError, MemoryError, ...) fails, and
so does a call that takes longer than ``BUDGET`` seconds (a SIGALRM stops it at twice that).

``EINDERIV_LONG=1`` multiplies the example counts by ``EINDERIV_LONG_FACTOR`` (default 10);
``EINDERIV_STATS=path`` writes the counters (inputs tried, calls, outcomes) as JSON at exit.
Known engine bugs are excused by signature (``BUGS``) and each has a strict-xfail reproducer.
"""

from __future__ import annotations

import builtins
import keyword
import os
import re
import signal
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from strategies import cases, hypothesis_profile, stats_at_exit

ed = pytest.importorskip("einderiv")

LONG = os.environ.get("EINDERIV_LONG") == "1"
FACTOR = int(os.environ.get("EINDERIV_LONG_FACTOR", "10")) if LONG else 1
BUDGET = float(os.environ.get("EINDERIV_FUZZ_BUDGET", "5"))
STATS: Counter = Counter()
DEEP = 10_000


stats_at_exit(STATS, "EINDERIV_FUZZ_STATS")


def profile(n: int):
    return hypothesis_profile(n, FACTOR, list(HealthCheck))


# --------------------------------------------------------------------------------------------
# calling einderiv under a time budget


class Hang(BaseException):
    """Raised by SIGALRM in a call that overran its budget (BaseException: nothing swallows it)."""


@contextmanager
def time_limit(seconds: float):
    def on_alarm(signum, frame):
        raise Hang()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Bug:
    id: str
    summary: str
    matches: Callable[[str, str, BaseException], bool]


def _raised_in(exc: BaseException, filename: str) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(filename):
            return True
        tb = tb.tb_next
    return False


BUGS: list[Bug] = [
    # (empty: every bug this file found so far is fixed; each has a regression test below)
]


def _nesting(text: str) -> int:
    """A crude nesting measure: the deepest parenthesis, or the longest chain of ^, -, '."""
    depth = deepest = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        deepest = max(deepest, depth)
    runs = [len(m) for m in re.findall(r"-+|'+", text)]
    return max([deepest, text.count("^"), *runs])


def attempt(what: str, fn: Callable[[], object], text: object = ""):
    """Run ``fn``: its value, or None if it raised an EinderivError. Anything else fails."""
    STATS["calls"] += 1
    start = time.perf_counter()
    try:
        with time_limit(2 * BUDGET), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = fn()
        STATS["outcome:ok"] += 1
    except ed.EinderivError as error:
        STATS["outcome:einderiv-error"] += 1
        assert str(error).strip(), f"{what}: an EinderivError with no message"
        value = None
    except Hang:
        pytest.fail(f"{what}: still running after {2 * BUDGET:.0f} s")
    except Exception as exc:  # RecursionError, MemoryError, KeyError, TypeError, ...
        for bug in BUGS:
            if bug.matches(what, text if isinstance(text, str) else "", exc):
                STATS[f"excused:{bug.id}"] += 1
                return None
        raise AssertionError(f"{what} raised {type(exc).__name__}: {exc}"[:2000]) from exc
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET, f"{what} took {elapsed:.1f} s (budget {BUDGET} s)"
    return value


def exercise(text, where=None, wrt="x", claim="0", layout="numerator", full=True) -> None:
    """parse (and print), diff (and print, codegen), hessian and check one input."""
    STATS["inputs"] += 1
    args = f"{text!r:.200}, where={where!r:.200}"
    f = attempt(f"ed.parse({args})", lambda: ed.parse(text, where=where), text)
    if f is not None:
        attempt(
            f"str/index/latex/einsum of ed.parse({args})",
            lambda: (str(f), f.index(), f.latex(), f.einsum()),
            text,
        )
    g = attempt(
        f"ed.diff({args}, wrt={wrt!r}, layout={layout!r})",
        lambda: ed.diff(text, wrt, where=where, layout=layout),
        text,
    )
    if g is not None:
        attempt(f"printing ed.diff({args}, {wrt!r})", lambda: (str(g), g.index(), g.latex()), text)
        attempt(f"ed.codegen(ed.diff({args}, {wrt!r}))", lambda: ed.codegen(g), text)
    if not full:
        return
    attempt(f"ed.hessian({args}, {wrt!r})", lambda: ed.hessian(text, wrt, where=where), text)
    attempt(
        f"ed.check({args}, {wrt!r}, claim={claim!r:.200})",
        lambda: ed.check(text, wrt, claim=claim, where=where),
        text,
    )


# --------------------------------------------------------------------------------------------
# material

CORPUS = [
    ("tr(X' A X)", "X: matrix(m, n)"),
    ("x' A x", None),
    ("log|X| + x' inv(S) x", "S: symmetric(n)"),
    ("sum(log(1 + exp(-y .* (X w))))", None),
    ("tr(X^k)", "k: integer"),
    ("X^(k-1) + X^{-T} + X^-1 + X^{-1}", "k: integer"),
    ("sum_{r=0}^{k-1}(X^r A X^(k - r - 1))", "k: integer"),
    ("det(X) + |X| + logdet(X) + log(det(X))", None),
    ("diag(x) diag(X) + ones", "X: matrix(3, 3)"),
    ("norm2(x) + norm2(X) * 2", None),
    ("exp(a) sin(x) .* cos(x) ./ (1 + tanh(x) .^ 2)", "a: scalar"),
    ("sqrt(1 + x .^ 2) + sigmoid(x) + softplus(x)", None),
    ("X[i,j] A[j,k] delta[k,i]", None),
    ("x[i] y[i]", None),
    ("alpha_2 * X.T @ X ^T / beta", "alpha_2, beta: scalar"),
    ("(A B)' - B' A'", "A: matrix(2, 3); B: matrix(3, 4)"),
    ("x y' + I", "x, y: vector(3)"),
    ("2 log|X| - 3 * |X|", None),
    ("a^b + a^0.5 + 1e-3 a", "a, b: scalar"),
    ("S^2 + S'", "S: symmetric(n)\nk: integer"),
    ("-y' log(softmax(W x)) + logsumexp(X) ones + sum(log_softmax(X'))", None),
    ("sum(softmax(Q K' / sqrt(d)) V) + erf(a) + tr(adj(X))", "d, a: scalar"),
    (r"\operatorname{softmax}(\mathbf{W}\mathbf{x})^\top \operatorname{LSE}(\mathbf{X})", None),
    (
        "norm2(kron(A, B) vec(X) - y)^2 + tr(A ⊗ X) + sum(commutation(m, n) vec(X))",
        "X: matrix(m, n)",
    ),
    ("T[i,j,k] x[k] y[(i,j)] + delta[c,(i,j)] X[i,j] vec(X)[c]", "T: tensor(n, m, p)"),
    (r"\operatorname{vec}(\mathbf{A} \otimes \mathbf{B})^\top \operatorname{vec}(X)", None),
]
WHERES = [
    None,
    "",
    "X: matrix(m, n)",
    "X: matrix(3, 3); x: vector(3); a: scalar; k: integer; S: symmetric(3)",
    "x, y: vector(n)\nA: matrix(n, n)",
    "a: scalar;;\n;b: scalar",
]
WRTS = [
    "x",
    "X",
    "A",
    "a",
    "S",
    "k",
    "X[i,j]",
    "x[i]",
    "X[i,i]",
    "X[i]",
    "zz",
    "",
    "1",
    "X'",
    "x[i,j]",
    "delta",
    "I",
    "ones",
    "tr(X)",
    "X[i,j",
    "S[a,b]",
]
LAYOUTS = ["numerator", "denominator", "jacobian", "Numerator", "", "foo"]

ALPHABET = (
    list("()[]{}|'^.*/@+-,;:_=<>!?#$%&~`\"\\ \n\t\r0123456789")
    + list("XxAaSkTIeE")
    + ["é", "α", "∑", "\u200b", "\x00", "🙂", "（", "ｘ", "\u0301", "\ufeff", "\u2212", "ℓ"]
)
TOKENS = [
    "X",
    "x",
    "A",
    "a",
    "S",
    "k",
    "n",
    "I",
    "ones",
    "delta",
    "T",
    "r",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "|",
    "'",
    ".T",
    "^",
    "^T",
    "^-1",
    "^-T",
    "^{-1}",
    ".^",
    ".*",
    "./",
    "/",
    "*",
    "@",
    "+",
    "-",
    ",",
    ";",
    ":",
    "=",
    " ",
    "\n",
    "tr(",
    "det(",
    "log|",
    "logdet(",
    "inv(",
    "diag(",
    "sum(",
    "norm2(",
    "exp(",
    "log(",
    "sqrt(",
    "sigmoid(",
    "softplus(",
    "softmax(",
    "log_softmax(",
    "logsumexp(",
    "erf(",
    "adj(",
    "kron(",
    "vec(",
    "commutation(",
    "⊗",
    "(i,j)",
    "[(i,j),k]",
    "sin(",
    "sum_{",
    "r=0}",
    "foo(",
    "[i,j]",
    "[i]",
    "[i,i]",
    "[a,b,c]",
    "0",
    "2",
    "0.5",
    "1e-3",
    ".5",
    "1e400",
    "1e-400",
    "-0",
    "k-1",
    "2k",
]
DECL_TOKENS = [
    "X",
    "x",
    "A",
    "S",
    "k",
    "a",
    "n",
    "m",
    ":",
    ",",
    ";",
    "\n",
    "(",
    ")",
    " ",
    "matrix",
    "vector",
    "scalar",
    "integer",
    "symmetric",
    "tensor",
    "0",
    "1",
    "3",
    "-1",
    "2.5",
    "1e3",
    "I",
    "ones",
    "delta",
    "T",
    "tr",
    "exp",
]


@st.composite
def mutated(draw, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["insert", "delete", "swap", "duplicate", "replace", "cut"]))
        if how == "insert":
            text = text[:pos] + draw(st.sampled_from(ALPHABET)) + text[pos:]
        elif how == "delete" and text:
            pos = min(pos, len(text) - 1)
            text = text[:pos] + text[pos + 1 :]
        elif how == "swap" and len(text) > 1:
            pos = min(pos, len(text) - 2)
            text = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
        elif how == "duplicate":
            end = draw(st.integers(pos, len(text)))
            text = text[:end] + text[pos:end] + text[end:]
        elif how == "replace" and text:
            pos = min(pos, len(text) - 1)
            text = text[:pos] + draw(st.sampled_from(ALPHABET)) + text[pos + 1 :]
        elif how == "cut":
            text = text[:pos]
    return text


def soup(tokens) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=30).map(lambda parts: "".join(parts))


valid = st.one_of(
    st.sampled_from(CORPUS),
    cases(max_depth=3).map(lambda c: (c.text, c.where)),
)


# --------------------------------------------------------------------------------------------
# random inputs


@profile(250)
@given(st.data())
def test_mutated_expressions(data):
    text, where = data.draw(valid)
    text = data.draw(mutated(text))
    if where is not None and data.draw(st.booleans()):
        where = data.draw(mutated(where))
    wrt = data.draw(st.sampled_from(WRTS))
    claim = data.draw(st.one_of(mutated(text), st.sampled_from(["0", "I", "A'", "x[i]"])))
    exercise(text, where, wrt, claim, data.draw(st.sampled_from(LAYOUTS)))


@profile(250)
@given(soup(TOKENS), st.one_of(st.none(), soup(DECL_TOKENS)), st.sampled_from(WRTS), soup(TOKENS))
def test_token_soup(text, where, wrt, claim):
    exercise(text, where, wrt, claim)


@profile(150)
@given(
    st.text(max_size=60),
    st.one_of(st.none(), st.text(max_size=40)),
    st.text(max_size=8),
    st.text(max_size=20),
    st.text(max_size=12),
)
def test_unicode(text, where, wrt, claim, layout):
    exercise(text, where, wrt, claim, layout)


@profile(150)
@given(st.data())
def test_valid_expressions_with_random_declarations(data):
    text, _ = data.draw(valid)
    where = data.draw(
        st.one_of(
            soup(DECL_TOKENS),
            st.sampled_from(WHERES).flatmap(lambda w: mutated(w or "X: matrix(2, 3)")),
        )
    )
    exercise(text, where, data.draw(st.sampled_from(WRTS)), "0")


@profile(100)
@given(st.data())
def test_valid_expressions_all_variables(data):
    """Valid input: every call succeeds or raises an EinderivError (never anything else)."""
    case = data.draw(cases())
    for name in case.real_vars:
        for layout in ("numerator", "denominator", "jacobian"):
            exercise(case.text, case.where, name, "0", layout, full=layout == "numerator")


BAD_VALUES = [None, 1, 1.5, b"x", ["x"], {"x": 1}, object(), np.ones(2), ("x",), True]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=lambda v: type(v).__name__)
def test_wrong_argument_types(bad):
    exercise(bad)
    exercise("x' x", where=bad)
    exercise("x' x", wrt=bad)
    exercise("x' x", claim=bad)
    exercise("x' x", layout=bad)
    attempt("ed.parse('x')(x=bad)", lambda: ed.parse("x' x")(x=bad))
    attempt("ed.parse('x')(bad=...)", lambda: ed.parse("x' x")(y=bad))
    attempt("ed.hessian(bad)", lambda: ed.hessian("x' x", bad))


# --------------------------------------------------------------------------------------------
# depth and length

NESTINGS = {
    "parens": lambda n: ("(" * n + "x" + ")" * n, "x", None),
    "neg": lambda n: ("-(" * n + "x" + ")" * n, "x", None),
    "minus": lambda n: ("-" * n + "x", "x", None),
    "exp": lambda n: ("sum(" + "exp(" * n + "x" + ")" * (n + 1), "x", None),
    "sin": lambda n: ("sum(" + "sin(" * n + "x" + ")" * (n + 1), "x", None),
    "softmax": lambda n: ("logsumexp(" + "softmax(" * n + "x" + ")" * (n + 1), "x", None),
    "tr": lambda n: ("tr(" * n + "X" + ")" * n, "X", "X: matrix(1, 1)"),
    "inv": lambda n: ("tr(" + "inv(" * n + "X" + ")" * (n + 1), "X", None),
    "transpose": lambda n: ("x" + "'" * n + " x", "x", None),
    "power": lambda n: ("a" + "^a" * n, "a", "a: scalar"),
    # nested determinants; written together, || is a norm bar (SPEC 6.2)
    "bars": lambda n: ("| " * n + "X" + " |" * n, "X", None),
    "brackets": lambda n: ("x" + "[" * n + "i" + "]" * n, "x", None),
    "braces": lambda n: ("X^" + "{" * n + "2" + "}" * n, "X", None),
    "sum": lambda n: ("sum(" + " + ".join(["x"] * n) + ")", "x", None),
    "product": lambda n: ("x' " + " ".join(["A"] * n) + " x", "x", None),
}


@pytest.mark.parametrize("family", sorted(NESTINGS))
def test_nesting_10000_deep(family):
    text, wrt, where = NESTINGS[family](DEEP)
    exercise(text, where, wrt, "0")


# The deepest nesting every family handles completely (parse, print, diff, codegen, hessian,
# check all succeed or raise an EinderivError) with the default recursion limit.
# (a power tower's derivatives grow quadratically and its Hessian cubically, and a Hessian of
# nested exp/sin cubically too, so those stop earlier to keep within the time budget; nested
# softmax: index forms of its gradient grow ~2x per level (10 deep: 0.8 s to print; 12: 2.2 s)).
HANDLED_DEPTH = 100
HANDLED = {"power": 50, "exp": 80, "sin": 80, "softmax": 10}


@pytest.mark.parametrize("family", sorted(NESTINGS))
def test_nesting_handled_depth(family):
    depth = HANDLED.get(family, HANDLED_DEPTH)
    text, wrt, where = NESTINGS[family](depth)
    STATS[f"depth:{family}"] = depth
    exercise(text, where, wrt, "0")


@pytest.mark.parametrize("family", ["neg", "minus", "sum", "product", "inv", "tr", "parens"])
def test_nesting_just_below_the_limit(family):
    """Depth 390 (< MAX_DEPTH = 400) parses, differentiates and prints without recursing.
    (Not sin/exp: the gradient of 390 nested sin is ~0.6 MB of text, printed in ~10 s.)"""
    text, wrt, where = NESTINGS[family](390)
    exercise(text, where, wrt, "0", full=False)


def _deepest(family: str, lo: int = 1, hi: int = 400) -> int:
    """The largest n <= hi at which family(n) goes through ``exercise`` without failing
    (assuming failures are monotone in n); used by tests/robustness_long.py."""

    def ok(n):
        text, wrt, where = NESTINGS[family](n)
        try:
            exercise(text, where, wrt, "0")
            return True
        except (AssertionError, pytest.fail.Exception):
            return False

    if ok(hi):
        return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


LONG_INPUTS = {
    "long_name": ("A" * 100_000 + "' x", "x"),
    "long_number": ("1" * 10_000 + " x", "x"),
    "long_decimal": ("0." + "1" * 10_000 + " x", "x"),
    "huge_exponent": ("1e99999999 x", "x"),
    "tiny_exponent": ("1e-99999999 x", "x"),
    "big_power": ("tr(X^1000000000)", "X"),
    "whitespace": (" " * 1_000_000 + "x", "x"),
    "newlines": ("\n" * 100_000 + "x' x", "x"),
    "sum_1000_terms": ("x' (" + " + ".join(f"A{i}" for i in range(1000)) + ") x", "x"),
    "flat_sum_20000": ("sum(" + " + ".join(["x"] * 20_000) + ")", "x"),
    "many_indices": ("X[" + ",".join("i" * (k + 1) for k in range(1000)) + "]", "X"),
    "garbage_150kB": ("(x+" * 50_000, "x"),
}


@pytest.mark.parametrize("name", sorted(LONG_INPUTS))
def test_long_inputs(name):
    text, wrt = LONG_INPUTS[name]
    exercise(text, None, wrt, "0")


def test_long_declarations():
    names = [f"v{i}" for i in range(5000)]
    where = "; ".join(f"{n}: vector(n)" for n in names)
    exercise("v0' v1", where, "v0", "v1")
    exercise("x", "X: " + "matrix(" * 10_000, "x")
    exercise("x", "x: vector(" + "9" * 5000 + ")", "x")


# --------------------------------------------------------------------------------------------
# codegen with hostile names

HOSTILE_VARIABLES = [
    "lambda",
    "list",
    "np",
    "import",
    "def",
    "None",
    "True",
    "print",
    "exec",
    "eval",
    "os",
    "sys",
    "f",
    "grad",
    "numpy",
    "class",
    "return",
    "float",
    "sum_",
    "abs",
    "range",
    "r",
    "k",
]


@pytest.mark.parametrize("name", HOSTILE_VARIABLES)
def test_codegen_variable_named_like_python(name):
    """A variable called ``lambda`` or ``np``: valid Python that computes the right value."""
    where = f"{name}: vector(3); A: matrix(3, 3)"
    g = attempt(
        f'ed.diff("{name}\' A {name}", {name!r})',
        lambda: ed.diff(f"{name}' A {name}", name, where=where),
    )
    if g is None:  # refusing such a name with a clear error is acceptable
        return
    source = ed.codegen(g, name="grad")
    namespace: dict = {}
    exec(compile(source, "<codegen>", "exec"), namespace)  # noqa: S102
    rng = np.random.default_rng(0)
    x, a = rng.standard_normal(3), rng.standard_normal((3, 3))
    params = list(namespace["grad"].__code__.co_varnames[: namespace["grad"].__code__.co_argcount])
    assert len(params) == 2, source
    args = [a if p.rstrip("_") == "A" else x for p in params]
    np.testing.assert_allclose(namespace["grad"](*args), x @ (a + a.T))
    for p in params:
        assert not keyword.iskeyword(p) and not hasattr(builtins, p) and p not in ("np", "numpy")


HOSTILE_FUNCTION_NAMES = [
    "os.system('x')",
    "f(); import os",
    "f():\n    import os\ndef g",
    "lambda",
    "import",
    "None",
    "",
    " ",
    "1f",
    "f g",
    "f\nimport os",
    "__import__('os')",
    "f#",
    "f\x00",
    "a" * 10_000,
    "grad'",
    "_np",  # was a bug: def _np(...) shadowed the numpy alias used in the body
    "np",
    "print",
]


@pytest.mark.parametrize(
    "name", HOSTILE_FUNCTION_NAMES, ids=lambda s: repr(s[:20]) if isinstance(s, str) else None
)
def test_codegen_hostile_function_name(name):
    """Either a clear EinderivError, or valid Python defining exactly ``name`` that computes the
    gradient, with no other trace of the raw text."""
    g = ed.diff("x' A x", "x")
    source = attempt(f"ed.codegen(g, name={name!r:.40})", lambda: ed.codegen(g, name=name))
    if source is None:
        return
    assert name.isidentifier() and not keyword.iskeyword(name), source
    tree = compile(source, "<codegen>", "exec")
    namespace: dict = {}
    exec(tree, namespace)  # noqa: S102
    rng = np.random.default_rng(1)
    x, a = rng.standard_normal(3), rng.standard_normal((3, 3))
    np.testing.assert_allclose(namespace[name](A=a, x=x), x @ (a + a.T))


@pytest.mark.parametrize("name", ["os.system('x')", "f(); import os", "f\nimport os"])
def test_codegen_never_contains_hostile_text(name):
    g = ed.diff("x' A x", "x")
    try:
        source = ed.codegen(g, name=name)
    except ed.EinderivError:
        return
    assert name not in source and "import os" not in source


@pytest.mark.parametrize("name", [None, 3, b"grad", ["grad"]], ids=repr)
def test_codegen_name_of_wrong_type(name):
    g = ed.diff("x' A x", "x")
    attempt(f"ed.codegen(g, name={name!r})", lambda: ed.codegen(g, name=name))


# --------------------------------------------------------------------------------------------
# regressions: bugs this file found, now fixed in the engine


def test_check_with_huge_declared_sizes():
    """Was a MemoryError: check allocated X: matrix(100000, 100000)."""
    for claim in ("I", "2 I", "X"):
        exercise("tr(X)", "X: matrix(100000, 100000)", "X", claim)


def test_codegen_name_of_type_none():
    """Was an AttributeError."""
    with pytest.raises(ed.EinderivError):
        ed.codegen("x", name=None)


def test_declared_size_with_5000_digits():
    """Was a ValueError (Python's 4300-digit int conversion limit)."""
    with pytest.raises(ed.EinderivError):
        ed.parse("x", where="x: vector(" + "9" * 5000 + ")")


def test_arguments_of_the_wrong_type():
    """Were TypeError / ValueError."""
    with pytest.raises(ed.EinderivError):
        ed.parse("x", where=1)
    with pytest.raises(ed.EinderivError):
        ed.diff("x", "x", layout=np.ones(2))


def test_deep_nesting_below_the_limit():
    """Was a RecursionError at depth ~200-330 (< MAX_DEPTH = 400)."""
    str(ed.diff("sum(" + "sin(" * 200 + "x" + ")" * 201, "x"))


def test_inputs_were_counted():
    assert STATS["inputs"] > 0 or not STATS


def test_hostile_name_list_is_hostile():
    assert any(keyword.iskeyword(n) for n in HOSTILE_VARIABLES)
    assert any(hasattr(builtins, n) for n in HOSTILE_VARIABLES)
    assert "(" in HOSTILE_FUNCTION_NAMES[0]
