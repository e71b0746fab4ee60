"""A mutation fuzz of bad input: every mutated text is read, or refused with a clear error.

Not collected by pytest (tests/test_mutation_fuzz.py runs a small slice with a fixed seed); run
it from the repository root:

    python tests/mutation_fuzz.py --seconds 300 --seed 3551 --out /tmp/mutation.json

Seeds: the gallery's identities (docs/make_gallery.py: expression, variable, declarations and
the notes' claim), the expressions in README.md's code spans and commands, the strings tests/
pass to ``ed.parse``/``ed.diff``/``ed.check``, and hand-written plain, LaTeX and Unicode forms
(``SEEDS``). Mutations (``mutate``, one to four per case): characters and tokens deleted,
inserted, duplicated, swapped or replaced; an unbalanced bracket; a stray ``\\``; a LaTeX
command cut short; a huge or tiny number; deep nesting; odd whitespace and newlines;
declaration text (``A: symmetric``, ``n: integer``) in the expression; the declarations mutated
too.

Each case goes through ``ed.parse``, ``ed.diff`` (by a variable of the expression when it
parses), ``ed.check`` (the seed's claim, the printed derivative, or a mutated claim), the
command line's ``main`` in-process and the web API's handlers (``einderiv.web.results``, as the
worker calls them). Findings (the exit code is 1 when any is found):

* ``crash``: any exception but an ``EinderivError`` (the command line: exit code 3 or a
  traceback; the web API: anything ``workers._answer`` would answer as ``internal``);
* ``empty message``: an ``EinderivError`` with no text; ``no caret``: a ``ParseError`` without
  line, column and a caret line (the command line's message is checked the same way);
* ``hang``: a call stopped after ``LIMIT`` s; ``slow``: one over ``SLOW`` s (re-run alone
  before believing it: the machine is shared);
* ``other reading``: a text that parses, whose printed forms (``str``, ``index()``,
  ``latex()``, and ``str`` of its derivative) do not parse back to the same function (both
  evaluated with numpy at a random point) or do not parse back at all;
* ``silent guess``: a plain-text word of two or more letters that is neither a variable of the
  result, declared, a function, a Greek letter nor reserved, read without a note (SPEC 6.3).

Counters and findings are printed as JSON (``--out`` writes them).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import signal
import sys
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import einderiv as ed
from einderiv import cli
from einderiv.frontend.lexing import CALLED_NAMES, RESERVED
from einderiv.ir import greek
from einderiv.web import results

LIMIT = 10.0  # seconds: a call still running is a hang
SLOW = 4.0  # seconds: a call slower is noted as slow
STATS: Counter = Counter()
FINDINGS: list[str] = []
DEFECTS = ("crash", "empty message", "no caret", "hang", "slow", "other reading", "silent guess")

HAND = [
    ("tr(X' A X)", "X: matrix(m, n)", "X", "A X + A' X"),
    ("x' A x", "", "x", "x' (A + A')"),
    ("log|X| + x' inv(S) x", "S: symmetric(n)", "S", "0"),
    ("sum(log(1 + exp(-y .* (X w))))", "", "w", "0"),
    ("tr(X^k)", "k: integer", "X", "k X^(k-1)"),
    ("sum_{r=0}^{k-1}(X^r A X^(k - r - 1))", "k: integer", "A", "0"),
    ("softmax(Q K' / sqrt(d)) V", "d: scalar", "V", "0"),
    ("norm2(kron(A, B) vec(X) - y)^2", "X: matrix(m, n)", "X", "0"),
    ("T[i,j,k] x[k] y[(i,j)]", "T: tensor(n, m, p)", "x", "0"),
    ("X[i,j] A[j,k] delta[k,i]", "", "X", "0"),
    ("x'Ax + lr * b'x", "lr: scalar", "x", "0"),
    ("a^b + a^0.5 + 1e-3 a", "a, b: scalar", "a", "0"),
    (r"\operatorname{tr}(X^\top A X)", "", "X", r"A X + A^\top X"),
    (r"\frac{\partial}{\partial x} x^\top A x", "", "x", "0"),
    (r"\|A x - b\|_2^2 + \lambda \|x\|_1", "", "x", r"2 (A x - b)^\top A"),
    (r"\log\det(X) + \operatorname{tr}(X^{-1} A)", "", "X", r"X^{-1} - X^{-1} A X^{-1}"),
    (r"\sigma(W_1 x + b_1)^\top \mathbf{1}", "", "x", "0"),
    (r"\sum_{i=0}^{n-1} X^i A X^{n-i-1}", "n: integer", "A", "0"),
    (r"\left( \mathbf{A} \otimes \mathbf{B} \right) \operatorname{vec}(X)", "", "X", "kron(A, B)"),
    (r"\frac{1}{2} \| \mathbf{y} - \mathbf{X}\boldsymbol{\beta} \|^2", "", "beta", "0"),
    (r"\exp(x^\top x) \cdot \sqrt{x^\top x} \odot \ln(a)", "a: scalar", "x", "0"),
    ("‖x‖² + xᵀAx + X⁻¹ + Xᵀ ⊙ Y", "", "x", "0"),
    ("√(x·x) + Σ + A ⊗ B + A ∘ B", "", "x", "0"),
    ("∂(xᵀAx)/∂x", "", "x", "0"),
    ("λ‖w‖² + σ(Wx)ᵀ1", "", "w", "0"),
    ("tr(Xᵀ A X) + X⁻ᵀ + |X|", "", "X", "0"),
    (
        "logdet(S) - tr(inv(S) C)",
        "S: symmetric(n); C: symmetric(n)",
        "S",
        "inv(S) C inv(S) - inv(S)",
    ),
    ("log_softmax(X')[i,j] + logsumexp(x) + mean(X) + norm1(x)", "", "x", "0"),
    ("relu(W x) .* sign(x) + abs(x) ./ (1 + x .^ 2)", "", "x", "0"),
    ("A: symmetric\nn: integer", "", "A", "0"),
]
# inserted as they are: cut-short LaTeX, odd whitespace, huge numbers, declarations, symbols
PIECES = [
    "\\",
    "\\f",
    "\\frac{",
    "\\frac{1}{",
    "\\operatorname{t",
    "\\operatorname{",
    "\\left(",
    "\\right)",
    "\\left|",
    "\\right.",
    "\\mathbf{",
    "\\mathrm",
    "\\|",
    "\\cdot",
    "\\top",
    "^\\top",
    "^{",
    "_{",
    "}",
    "{",
    "\\sum_{i=1}^{n}",
    "\\partial",
    "\\det",
    "\\log",
    "\\sqrt{",
    "\\sqrt[3]{",
    "\\bigl(",
    "\\text{tr}",
    "\\lvert",
    "\\rVert",
    "\\\\",
    "\\,",
    "~",
    "&",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\u00a0",
    "\u2003",
    "\u200b",
    "\ufeff",
    "  \n  ",
    "\n\n",
    "1e400",
    "1e-400",
    "99999999999999999999999999",
    "1e308",
    "0.0000000000000001",
    "1e99999",
    "10000000000000000000000",
    "0x10",
    "1_000",
    "1.2.3",
    "..",
    "1e",
    "NaN",
    "inf",
    "-0",
    "A: symmetric",
    "n: integer",
    "k: integer",
    "x: vector(n)",
    "; A: matrix(2, 3)",
    ":",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "|",
    "||",
    "‖",
    "'",
    "''",
    "^",
    "^-1",
    "^T",
    ".T",
    ".^",
    ".*",
    "./",
    "**",
    "*",
    "@",
    "/",
    "+",
    "-",
    ",",
    ";",
    "=",
    "_",
    "ᵀ",
    "⁻¹",
    "²",
    "⊗",
    "∘",
    "⊙",
    "·",
    "√",
    "Σ",
    "∂",
    "∑",
    "λ",
    "σ",
    "−",
    "×",
    "∈",
    "ℝ",
    "x",
    "X",
    "A",
    "a",
    "k",
    "n",
    "I",
    "ones",
    "delta",
    "tr(",
    "det(",
    "inv(",
    "sum_{r=0}^{k-1}(",
    "kron(",
    "vec(",
    "[i,j]",
    "[i]",
    "[(i,j),k]",
    "(i,j)",
    "softmax(",
    "diag(",
    "exp(",
    "log|",
    "lr",
    "xAx",
    "foo(",
    "0",
    "2",
]
TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d*)?(?:e-?\d+)?|\s+|.")
LAYOUTS = ("numerator", "denominator", "jacobian")
FORMATS = ("text", "latex", "index", "einsum", "python", "differential", "kronecker")


# --------------------------------------------------------------------------------------------
# seeds


def _gallery() -> list[tuple[str, str, str, str]]:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import make_gallery
    except Exception:  # noqa: BLE001 - the gallery is optional material
        return []
    return [(i.expr, i.where, i.wrt, i.claim) for i in make_gallery.IDENTITIES]


def _quoted(path: Path, pattern: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    return [m for m in re.findall(pattern, text) if 2 < len(m) < 160 and "\\n" not in m]


def seeds() -> list[tuple[str, str, str, str]]:
    """(expression, declarations, variable, claim) to mutate: gallery, README, tests, HAND."""
    out = list(HAND) * 10 + _gallery() * 3  # the hand-written and gallery seeds drawn more
    readme = ROOT / "README.md"
    texts = _quoted(readme, r"`([^`\n]+)`") + _quoted(readme, r'einderiv \w+ "([^"]+)"')
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        texts += _quoted(path, r'ed\.(?:parse|diff|check|hessian)\(\s*r?"([^"]+)"')
    for text in dict.fromkeys(texts):
        if re.search(r"[A-Za-z]", text) and not text.startswith(("ed.", "einderiv ", "--")):
            out.append((text, "", "", "0"))
    return out


# --------------------------------------------------------------------------------------------
# mutations


def mutate(text: str, rng: np.random.Generator) -> str:
    """``text`` with one to four random changes (characters, tokens, pieces, nesting)."""
    for _ in range(int(rng.choice([1, 1, 1, 2, 3, 4]))):
        tokens = TOKEN.findall(text) or [""]
        pos = int(rng.integers(0, len(tokens) + 1))
        chars = int(rng.integers(0, len(text) + 1))
        how = rng.choice(
            ["piece", "piece", "delete", "dup", "swap", "char", "chardel", "nest", "cut", "wrap"]
        )
        if how == "piece":
            tokens.insert(pos, str(rng.choice(PIECES)))
        elif how == "delete" and pos < len(tokens):
            del tokens[pos]
        elif how == "dup" and pos < len(tokens):
            end = int(rng.integers(pos, min(len(tokens), pos + 4) + 1))
            tokens[end:end] = tokens[pos:end]
        elif how == "swap" and pos + 1 < len(tokens):
            tokens[pos], tokens[pos + 1] = tokens[pos + 1], tokens[pos]
        elif how == "char":
            text = (
                text[:chars]
                + chr(int(rng.choice([rng.integers(32, 127), rng.integers(160, 0x2300)])))
                + text[chars:]
            )
            continue
        elif how == "chardel" and text:
            text = text[: max(chars - 1, 0)] + text[chars:]
            continue
        elif how == "nest":
            opener = str(rng.choice(["(", "exp(", "-(", "tr(", "{", "\\left(", "sqrt("]))
            # a function d deep has a derivative of d^2 / 2 calls (its text, 120 kB at 200)
            depth = int(rng.choice([3, 30, 60] + ([300, 600] if opener in "({-(" else [])))
            closer = {"{": "}", "\\left(": "\\right)"}.get(opener, ")")
            text = opener * depth + text + closer * depth * int(rng.integers(0, 2))
            continue
        elif how == "cut":
            tokens = tokens[:pos]
        elif how == "wrap":
            text = str(rng.choice(["(", "[", "{", "|", "\\|", "\\left("])) + text
            continue
        text = "".join(tokens)
    return text


# --------------------------------------------------------------------------------------------
# calling einderiv


class Hang(BaseException):
    """A call ran past ``LIMIT`` (a BaseException: nothing in einderiv swallows it)."""


def _alarm(signum, frame):
    raise Hang()


def call(what: str, fn, *, quiet: bool = False):
    """``(value, warnings), None`` or ``None, error`` of ``fn()``: an EinderivError is returned
    (after checking its message), any other exception, a hang or a slow call is a finding.
    ``quiet``: ``fn()``'s value, or its exception raised (a hang and a slow call still found)."""
    STATS["calls"] += 1
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = fn()
        return value if quiet else ((value, caught), None)
    except Hang as error:
        finding("hang", f"{what}: still running after {LIMIT:.0f} s")
        if quiet:
            raise ed.EinderivError("hang") from error
        return None, error
    except ed.EinderivError as error:
        if quiet:
            raise
        STATS["einderiv errors"] += 1
        _message(what, error)
        return None, error
    except Exception as error:  # what this fuzz looks for
        if quiet:
            raise
        trace = "".join(traceback.format_exception(error)[-6:])
        finding("crash", f"{what}: {type(error).__name__}: {error}"[:600] + "\n" + trace)
        return None, error
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        seconds = time.perf_counter() - start
        if SLOW < seconds < LIMIT:
            finding("slow", f"{what}: {seconds:.1f} s")


def finding(kind: str, text: str) -> None:
    STATS[kind] += 1
    FINDINGS.append(f"{kind.upper()}: {text}")


def _message(what: str, error: ed.EinderivError) -> None:
    if not str(error).strip():
        finding("empty message", f"{what}: {type(error).__name__} with no message")
    if isinstance(error, ed.ParseError):
        STATS["parse errors"] += 1
        ok = error.line >= 1 and error.column >= 1 and _caret(str(error))
        if not ok:
            finding("no caret", f"{what}: {str(error)[:400]!r}")


def _caret(message: str) -> bool:
    """A line of text, then a line of spaces ending in ``^`` under it."""
    lines = message.splitlines()
    return any(re.fullmatch(r" *\^", line) for line in lines[1:])


# --------------------------------------------------------------------------------------------
# the same function: both texts evaluated with numpy at one random point


def point(expr, rng: np.random.Generator, positive: bool = False) -> dict:
    """Arrays for ``expr``'s variables (named sizes 2 or 3; square matrices shifted by 2 I,
    symmetric ones symmetric; integers 1 to 3)."""
    sizes: dict = {}

    def size(dim) -> int:
        if isinstance(dim, int):
            return dim
        parts = [p for p in str(dim).replace(" ", "").split("*") if p]
        return int(np.prod([int(p) if p.isdigit() else sizes.setdefault(p, int(rng.integers(2, 4)))
                            for p in parts]))  # fmt: skip

    values: dict = {}
    for name, info in sorted(expr.variables.items()):
        if info.kind == "integer":
            values[name] = int(rng.integers(1, 4))
            continue
        shape = tuple(size(d) for d in info.dims)
        value = rng.uniform(0.2, 0.9, shape) * (1.0 if positive else rng.choice([1.0, -1.0]))
        if info.kind == "symmetric":
            value = (value + value.T) / 2
        if len(shape) == 2 and shape[0] == shape[1]:
            value = value + 2 * np.eye(shape[0])
        values[name] = value if shape else float(value)
    return values


def value(expr, values: dict, like=None):
    """``expr`` at ``values``; sizes no array fixes (a lone ``I``) read off ``like``'s shape."""
    args = {k: v for k, v in values.items() if k in expr.variables}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return np.asarray(expr(**args), dtype=float)
        except ed.EvaluationError as error:
            if "not fixed by any array" not in str(error):
                raise
        known: dict = {}
        for name, info in expr.variables.items():
            for dim, n in zip(info.dims, np.shape(args.get(name, ()))):
                if isinstance(dim, str) and "*" not in dim:
                    known[dim] = n
        for dim, n in zip(expr.shape, np.shape(like)):
            if isinstance(dim, str) and "*" not in dim:
                known.setdefault(dim, n)
        for dim in [d for info in expr.variables.values() for d in info.dims] + list(expr.shape):
            if isinstance(dim, str) and "*" not in dim:
                known.setdefault(dim, 2)  # a size nothing fixes: any will do
        known = {k: n for k, n in known.items() if k not in args}
        return np.asarray(expr(**args, **known), dtype=float)


def same(got: np.ndarray, want: np.ndarray) -> bool:
    if got.shape != want.shape:
        if got.ndim == 0 and not got:  # a zero printed as 0 reads back as a scalar
            got = np.broadcast_to(got, want.shape)
        else:
            return False
    finite = np.isfinite(want) & np.isfinite(got)
    scale = max(1.0, float(np.max(np.abs(want[finite])))) if finite.any() else 1.0
    # inv((A X)^2) at a random A X may be ill-conditioned: 1e-5 of the largest entry
    return bool(np.allclose(got, want, rtol=1e-5, atol=1e-5 * scale, equal_nan=True))


def declarations(expr) -> str:
    """Every variable of ``expr`` declared with its kind (and sizes, when they are names)."""
    parts = []
    for name, info in expr.variables.items():
        dims = [str(d) for d in info.dims]
        plain = dims and all(re.fullmatch(r"[A-Za-z]\w*|[1-9]\d*", d) for d in dims)
        kind = "symmetric" if info.kind == "symmetric" else info.kind
        sizes = dims[:1] if kind == "symmetric" else dims
        parts.append(f"{name}: {kind}({', '.join(sizes)})" if plain else f"{name}: {kind}")
    return "; ".join(parts)


def read(text: str, where: str | None, expr, values: dict, want):
    """``text`` parsed with ``where`` and evaluated at ``values``, its axes in ``expr``'s order
    (README: index text is a function of named indices, read with its free indices in
    alphabetical order; a user's index names are kept, the printer's fresh names follow the
    axis order); raises what parsing or evaluating raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = ed.parse(text, where=where, shape=expr.shape if text == "0" else None)
    got = value(back, values, want)
    mine = [i.name for i in getattr(expr, "axes", ()) or ()]
    theirs = [i.name for i in getattr(back, "axes", ()) or ()]
    if len(mine) != got.ndim or len(theirs) != got.ndim or mine == sorted(mine):
        return got
    user = [n for n in mine if n[0].isalpha()]
    fresh = iter(n for n in theirs if n not in user)
    named = [n if n[0].isalpha() else next(fresh, n) for n in mine]
    if sorted(named) != sorted(theirs):
        return got
    return np.transpose(got, [theirs.index(n) for n in named])


def reads_back(what: str, expr, where: str | None, rng: np.random.Generator) -> None:
    """Each printed form of ``expr`` parses back (with ``where``; else with every variable
    declared, as ``readback_note`` tells a user to) to the same function."""
    values = point(expr, rng, positive=rng.random() < 0.5)
    try:
        want = value(expr, values)
    except ed.EinderivError:
        STATS["no value"] += 1
        return
    except Exception as error:  # noqa: BLE001
        finding("crash", f"evaluating {what}: {type(error).__name__}: {error}"[:600])
        return
    if not np.all(np.isfinite(want)):  # outside the domain (log of a negative): no comparison
        STATS["no finite value"] += 1
        return
    forms = {"str": str, "index": ed.Expr.index, "latex": ed.Expr.latex}
    for kind, printer in forms.items():
        got, _ = call(f"{kind} of {what}", lambda p=printer: p(expr))
        if got is None:
            continue
        text = got[0]
        STATS["read back"] += 1
        why = ""
        for decls in (where, declarations(expr)):
            try:
                again = call(
                    f"{kind} {text!r} of {what}",
                    lambda d=decls, t=text: read(t, d, expr, values, want),
                    quiet=True,
                )
            except Exception as error:  # noqa: BLE001 - the reading that failed, said below
                why = f"{type(error).__name__}: {error}"
                continue
            if same(again, want) or (text == "0" and not np.any(want)):  # 0 of any shape
                if decls is not where:
                    STATS["read back with declarations"] += 1
                    FINDINGS.append(f"note: {kind} {text!r} of {what} needs {decls!r}")
                break
            why = f"another value (with {decls!r})"
        else:
            finding("other reading", f"{kind} {text!r} of {what}: {why}"[:900])


# --------------------------------------------------------------------------------------------
# a guess is never silent


_WORD = re.compile(r"(?<![A-Za-z0-9_\\.])[A-Za-z]{2,}(?![A-Za-z0-9_])(?!\s*[(|{\[])")
_KNOWN = set(CALLED_NAMES) | set(RESERVED) | set(greek.NAMES) | {"sum"}


def silent_guess(what: str, text: str, where: str | None, expr, caught) -> None:
    """A plain-text word (two or more letters) that is not one variable, read without a note."""
    if "\\" in text or any(w.category.__module__.startswith("einderiv") for w in caught):
        return
    declared = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", where or ""))
    unindexed = re.sub(r"\[[^\[\]]*\]|_\{[^{}]*\}", "[]", text)  # X[i,jy], W_{in}: names
    for word in _WORD.findall(unindexed):
        if word not in expr.variables and word not in _KNOWN and word not in declared:
            finding("silent guess", f"{word!r} in {what}, no note")
            return


# --------------------------------------------------------------------------------------------
# the command line and the web API, in-process


def run_cli(what: str, argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    stdin = sys.stdin

    def run():
        sys.stdin = io.StringIO("")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                return cli.main(argv)
        finally:
            sys.stdin = stdin

    got, _ = call(f"einderiv {argv!r:.300}", run)
    if got is None:
        return
    code, message = got[0], err.getvalue()
    STATS[f"cli exit {code}"] += 1
    if code == cli.EXIT_INTERNAL or "Traceback" in message:
        finding("crash", f"einderiv {argv!r:.400}: exit {code}\n{message[:600]}")
    elif code == cli.EXIT_USAGE:
        if "error:" not in message:
            finding("empty message", f"einderiv {argv!r:.400}: exit 2, no error line")
        elif "cannot parse" in message and not _caret(message):
            finding("no caret", f"einderiv {argv!r:.400}: {message[:400]!r}")


def run_web(what: str, fields: dict, check: bool) -> None:
    """As ``einderiv.web.workers._answer``: anything but an EinderivError is ``internal``."""
    handler = results.check_json if check else results.derivative_json
    extra = {} if check else {"extras": True}
    got, _ = call(f"web {what}", lambda: handler(**fields, **extra))
    if got is not None:
        try:
            json.dumps(got[0], allow_nan=False)
        except (TypeError, ValueError) as error:
            finding("crash", f"web {what}: not JSON: {error}")


# --------------------------------------------------------------------------------------------
# one case


def one_case(seed: tuple[str, str, str, str], rng: np.random.Generator) -> None:
    text, where, wrt, claim = seed
    text = mutate(text, rng)
    if rng.random() < 0.2:
        where = mutate(where or "A: symmetric(n); n: integer", rng)
    elif rng.random() < 0.3:
        where = str(rng.choice(["A: symmetric", "n: integer", "x: vector(n); A: matrix(n, n)"]))
    where = where or None
    STATS["cases"] += 1
    what = f"ed.parse({text!r}, where={where!r})"
    got, _ = call(what, lambda: ed.parse(text, where=where))
    if got is not None:
        STATS["parsed"] += 1
        f, caught = got
        silent_guess(what, text, where, f, caught)
        reads_back(what, f, where, rng)
        names = [n for n, v in f.variables.items() if v.kind != "integer"]
        wrt = str(rng.choice(names)) if names and rng.random() < 0.9 else wrt
    names = re.findall(r"[A-Za-z]\w*", text)
    wrt = wrt or (str(rng.choice(names)) if names else "x")
    layout = str(rng.choice(LAYOUTS))
    what = f"ed.diff({text!r}, {wrt!r}, where={where!r}, layout={layout!r})"
    got, _ = call(what, lambda: ed.diff(text, wrt, where=where, layout=layout))
    if got is not None:
        STATS["derived"] += 1
        g = got[0]
        if rng.random() < 0.5 and max(g.term_count, 1) < 200:
            reads_back(what, g, where, rng)
        printed, _ = call(f"str of {what}", lambda: str(g))
        if printed is not None and rng.random() < 0.5:
            claim = printed[0]
    if rng.random() < 0.3:
        claim = mutate(claim or "0", rng)
    what = f"ed.check({text!r}, {wrt!r}, claim={claim!r}, where={where!r})"
    call(what, lambda: ed.check(text, wrt, claim=claim or "0", where=where, layout=layout))
    where_args = ["--where", where] if where else []
    if rng.random() < 0.5:
        fmt = str(rng.choice(FORMATS))
        flags = [f for f in ("--steps", "--cse", "--json") if rng.random() < 0.15]
        run_cli(what, ["diff", text, "--wrt", wrt, "--format", fmt, *where_args, *flags])
    else:
        run_cli(what, ["check", text, "--wrt", wrt, "--claim", claim or "0", *where_args])
    fields = {"expr": text, "wrt": wrt, "where": where, "layout": layout}
    if rng.random() < 0.5:
        run_web(what, fields, check=False)
    else:
        run_web(what, {**fields, "claim": claim or "0"}, check=True)


def fuzz(seconds: float, seed: int | None, cases: int | None = None) -> dict:
    """Mutated cases for ``seconds`` (or ``cases`` of them); returns the counters."""
    rng = np.random.default_rng(seed)
    material = seeds()
    STATS["seeds"] = len(material)
    start = time.time()
    done = 0
    while (cases is None and time.time() - start < seconds) or (cases is not None and done < cases):
        one_case(material[int(rng.integers(len(material)))], rng)
        done += 1
    STATS["seconds"] = round(time.time() - start)
    return dict(STATS)


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="time budget")
    parser.add_argument("--seed", type=int, default=None, help="numpy seed")
    parser.add_argument("--out", default=None, help="write the counters and findings as JSON")
    args = parser.parse_args()
    from fuzz_driver import report  # (hypothesis and the strategies: only when run as a script)

    fuzz(args.seconds, args.seed)
    return report(args, STATS, FINDINGS, DEFECTS)  # (no other counter ends in a defect's name)


if __name__ == "__main__":
    raise SystemExit(main())
