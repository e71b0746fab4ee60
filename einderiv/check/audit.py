"""Auditing a document: every displayed identity of a Markdown or LaTeX text checked (SPEC 8).

Input: the text of a document, ``where`` declarations and the layout for all its identities.
Output: ``audit`` gives one ``AuditLine`` per identity, in document order: its line, its label
(``(C11)``, ``\\tag{...}``), the identity, the verdict (right, wrong, undecided, or unreadable with
the reason) and ``check``'s ``CheckResult``; ``markdown`` and ``as_json`` print them; and
``read_document`` reads a file or says in one message why it cannot.
Invariants:
- displays are ``$$...$$``, ``\\[...\\]`` and the ``equation``/``align``/``alignat``/``gather``/
  ``multline``/``displaymath``/``dmath`` environments, split into equations by
  ``audit_rows.chains``; Markdown code fences (```` ``` ````, ``~~~``; unclosed, to the end)
  and inline code spans hold code, not displays (LaTeX quotes are not code); LaTeX comments
  (all of them in a LaTeX document; in Markdown, lines starting with ``%`` and comments inside
  a display), verbatim and comment environments and ``\\iffalse ... \\fi`` are not audited;
  a chain ``A = B = C`` pairs every derivative side with
  every other, and a pair across a side that ends in a derivative is never called wrong;
- a display without a derivative is not an identity and is not listed; an identity that cannot
  be read is a line with the reason, never an exception; the verdicts are ``check``'s.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from einderiv.check import conditions
from einderiv.check.audit_rows import chains
from einderiv.check.audit_text import typeset, uncomment
from einderiv.check.conditions import readable, said, under
from einderiv.check.differential_identity import is_differential_identity
from einderiv.check.identity import check_identity
from einderiv.check.identity_left import is_derivative
from einderiv.check.identity_text import mentions_derivative, no_full_stop, split_top, unclosed
from einderiv.check.result import CheckResult
from einderiv.errors import EinderivError, too_long

__all__ = ["AuditLine", "as_json", "audit", "markdown", "read_document", "result_json"]

MAX_BYTES = 2_000_000
_OPENER = re.compile(  # of a display; its body (not empty) runs to the first closer after it
    r"\$\$|\\\[|\\begin\{(?P<env>(?:equation|align|alignat|flalign|gather|multline|eqnarray"
    r"|displaymath|dmath)\*?)\}"
)
# every derivative writes one of these: a display with none holds no identity
_MAY_DERIVE = re.compile(r"d|\\partial|\\nabla|[\u2202\u2207]")
_DERIVATIVE_AT = re.compile(r"\\[dt]?frac(?![A-Za-z])|\\nabla(?![A-Za-z])|[\u2202\u2207]")
_UNSEPARATED = (  # A = B d2 = C: a chain, or two identities written without a separator
    "a side between these two holds a derivative: if they are two identities, write one per "
    "row, or separate them with \\quad"
)


@dataclass(frozen=True)
class AuditLine:
    """One identity of a document and its verdict ("unreadable": ``reason`` says why)."""

    line: int
    label: str
    identity: str
    verdict: str
    reason: str
    result: CheckResult | None = None

    @property
    def ok(self) -> bool | None:
        return {"right": True, "wrong": False}.get(self.verdict)


def audit(text, where: str | None = None, layout: str = "numerator") -> list[AuditLine]:
    """Every displayed identity of ``text`` (Markdown or LaTeX), checked in ``layout``."""
    if not isinstance(text, str):
        raise EinderivError(f"audit takes the document's text, not {type(text).__name__}")
    lines = []
    for line, label, identity, problem, condition in identities(text):
        if why := too_long(identity, "the identity"):  # as the command line and the web page
            cut = f"{identity[:60]}... ({len(identity):,} characters)"
            lines.append(AuditLine(line, label, cut, "unreadable", why))
            continue
        across, problem = (problem, "") if problem == _UNSEPARATED else ("", problem)
        if problem:
            lines.append(AuditLine(line, label, identity, "unreadable", problem))
            continue
        symmetric = conditions.symmetric(condition, where, identity)  # if A = A^T: A symmetric
        try:
            result = check_identity(identity, where=_and(where, symmetric), layout=layout)
        except EinderivError as error:
            reason = str(error).split("\n", 1)[0]
            lines.append(AuditLine(line, label, identity, "unreadable", reason))
            continue
        if across and result.verdict == "wrong":  # maybe two identities read as one chain
            lines.append(AuditLine(line, label, identity, "unreadable", across))
            continue
        if result.verdict == "right" and not symmetric and _defines(condition, identity):
            result = replace(  # y = A x: the identity's y depends on x, which it does not read
                result,
                verdict="undecided",
                reason=f"right with the names as variables, but the document defines one "
                f'("{readable(condition)}"), which audit does not read',
            )
        result = under(result, condition, symmetric)  # unread: a wrong claim may hold under it
        why = result.reason if result.verdict != "right" else result.method or result.reason
        why += said(condition, symmetric)  # (B symmetric, as the condition "..." says)
        lines.append(AuditLine(line, label, identity, result.verdict, why, result))
    return lines


def _defines(condition: str, identity: str) -> bool:
    """Whether ``condition`` defines a name the identity uses (``y = A x``, ``y := A x``)."""
    over = (
        r"(?:\\stackrel|\\overset)\s*\{(?:[^{}]|\{[^{}]*\})*\}\s*\{=\}"  # \overset{\text{def}}{=}
    )
    named = r"\\coloneqq|\\eqqcolon|\\triangleq|\\equiv|\\doteq|\\dot\{=\}|\\mathrel\{:\}="
    defining = rf"(?::?=|=:|{named}|{over})"
    spacing = r"(?:\s|\\[,;:! ])*"
    pattern = rf"(\\?[A-Za-z]\w*){spacing}\}}?{spacing}{defining}([^;]*)"
    for match in re.finditer(pattern, condition or ""):
        name, value = match.group(1).lstrip("\\"), match.group(2)
        if name in ("top", "T") or not re.search(r"[A-Za-z]", value):  # x = 0: a point
            continue
        if re.search(rf"(?<![A-Za-z]){name}(?![A-Za-z])", identity):
            return True
    return False


def identities(text: str) -> list[tuple[int, str, str, str, str]]:
    """(line, label, identity text, problem or "", condition or "") for each identity of each
    display."""
    found = []
    text = typeset(text)  # code, comments, \iffalse blanked (``audit_text``)
    line, counted = 1, 0
    for start, body, env in _displays(text):
        line, counted = line + text.count("\n", counted, start), start
        if not _MAY_DERIVE.search(body):  # every derivative writes d, \partial, \nabla, ∂ or ∇
            continue
        body = uncomment(body)  # a % inside a display, in Markdown too
        multline = env.startswith("multline")  # \\ + b': goes on
        equations = chains(body, multline)
        # y = A x beside d(x' y)/dx = y': a definition in the display, read as a condition
        defined = [e.chain.strip() for e in equations if not _pairs(e.chain)]
        # each row's own line (an align's second row is not on \begin{align}'s), found in
        # order near the last, its lines counted once: linear in the display
        seen = upto = 0
        row_line = line + text.count("\n", start, text.find(body, start))
        for eq in equations:
            head = re.split(r"&|=|\s{2}", eq.chain.strip())[0]
            row = body.find(head, seen, seen + 2 * len(eq.chain) + len(head) + 200)
            if row >= 0:  # not found (a row rewritten): the line of the last one found
                row_line, upto = row_line + body.count("\n", upto, row), row
                seen = row + len(head)
            for identity, problem in _pairs(eq.chain):
                used = [d for d in defined if _defines(d, identity)]
                condition = "; ".join(c for c in (eq.condition, *used) if c)
                found.append((row_line, eq.label, identity, problem, condition))
    return found


def _displays(text: str):
    """(start, body, environment or "") of each display of ``text``: ``$$...$$``, ``\\[...\\]``,
    ``\\begin{equation}...\\end{equation}``, in linear time (a closer missing after one opener
    is missing after every later one: it is not searched for again)."""
    at, missing = 0, set()
    while opener := _OPENER.search(text, at):
        env = opener.group("env") or ""
        closer = {"$$": "$$", "\\[": "\\]"}.get(opener.group(0), f"\\end{{{env}}}")
        end = -1 if closer in missing else text.find(closer, opener.end() + 1)
        if end < 0:
            missing.add(closer)
            at = opener.start() + 1
            continue
        yield opener.start(), text[opener.end() : end], env
        at = end + len(closer)


def _and(where: str | None, more: str) -> str | None:
    return "; ".join(w for w in (where, more) if w and w.strip()) if more else where


_PLAIN_RATIO = re.compile(r"\s*-?\s*d(?![A-Za-z]{2})[^/]*/\s*d\s*[A-Za-z]")  # d tr(X / dX


def _pairs(chain: str) -> list[tuple[str, str]]:
    """(identity, problem) for each derivative side paired with each other side."""
    spacing = r"(?:\\[,;:! ]|\\q?quad(?![A-Za-z])|\s)*"  # \; = B \;: spacing at either end
    chain = no_full_stop(re.sub(rf"^{spacing}|{spacing}$", "", chain))
    parts = [p.strip() for p in split_top(chain, "=")]
    differential = is_differential_identity(parts)  # d \log|X| = tr(X^{-1} dX)
    # d tr(X / dX = I: a plain derivative whose bracket is never closed hides its '='
    unclosed_plain = len(parts) == 1 and _PLAIN_RATIO.match(chain.split("=", 1)[0]) is not None
    derivative = mentions_derivative(chain) or any(map(is_derivative, parts))
    if not (differential or derivative or unclosed_plain):
        return []  # no derivative: not an identity of ours (d tr(X)/dX counts, as in check)
    if len(parts) == 1 and "=" in chain:
        return [(chain, f"not an identity: {unclosed(chain)}")]
    if len(parts) == 1:
        return [(chain, "no '=': not an identity")]
    lefts = [p for p in parts if is_derivative(p)] or (parts[:1] if differential else [])
    rights = [p for p in parts if p not in lefts]
    if not lefts:
        return [(chain, "the left side is not a derivative of a form einderiv reads")]
    if not rights:
        return [(chain, "every side is a derivative: there is no right side to check")]
    pairs = []
    for left in lefts:
        for right in rights:
            between = parts[min(parts.index(left), parts.index(right)) + 1 : max(
                parts.index(left), parts.index(right)
            )]  # fmt: skip
            mixed = any(map(_ends_in_derivative, between))  # A = B d2 = C: two identities?
            pairs.append((f"{left} = {right}", _UNSEPARATED if mixed else ""))
    return pairs


def _ends_in_derivative(side: str) -> bool:
    """``B d2``: something, then a derivative to the end (``a' \\frac{\\partial x'x}{\\partial
    x}``); not ``\\frac{\\partial}{\\partial X} \\sum ...`` (the derivative of what follows)."""
    return any(
        side[: m.start()].strip() and is_derivative(side[m.start() :])
        for m in _DERIVATIVE_AT.finditer(side)
    )


# -- output ----------------------------------------------------------------------------------


def _compact(value) -> str:
    """An array on one line, integers without decimals."""
    array = np.asarray(value, dtype=float)
    if np.all(np.isfinite(array)) and np.all(np.round(array) == array):
        array = array.astype(np.int64)
        text = np.array2string(array, separator=", ", max_line_width=10**6)
    else:
        text = np.array2string(array, separator=", ", precision=6, max_line_width=10**6)
    return re.sub(r"\s+", " ", text)


def counterexample_text(result: CheckResult | None) -> str:
    """``X = [[1, 0], [1, 1]]; A = ...; claimed ...; true ...`` (empty when there is none)."""
    if result is None or result.counterexample is None:
        return ""
    parts = [f"{name} = {_compact(v)}" for name, v in result.counterexample.items()]
    if result.claimed_value is not None:
        parts.append(f"claimed {_compact(result.claimed_value)}")
    if result.expected_value is not None:
        parts.append(f"true {_compact(result.expected_value)}")
    return "; ".join(parts)


def _cell(text: str, code: bool = False) -> str:
    text = re.sub(r"\s+", " ", text).strip().replace("|", "\\|")
    return f"`{text}`" if code and text else text


def markdown(lines: list[AuditLine], source: str, layout: str = "numerator") -> str:
    """The audit as a Markdown report: a summary, then one table row per identity."""
    counts = {v: sum(1 for a in lines if a.verdict == v) for v in _VERDICTS}
    summary = ", ".join(f"{n} {v}" for v, n in counts.items())
    out = [
        f"# einderiv audit of {source}",
        "",
        f"{len(lines)} identities ({layout} layout): {summary}.",
        "",
        "| line | label | identity | verdict | why | correct right side | counterexample |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for a in lines:
        wrong = a.verdict == "wrong" and a.result is not None
        why = a.reason
        if a.result is not None and a.result.diagnosis:
            why += f"; {a.result.diagnosis}"
        correct = a.result.correct.split(" = ")[-1] if wrong else ""  # kron(B', A): its right
        verdict = a.verdict if a.verdict == "right" else f"**{a.verdict}**"
        cells = [
            str(a.line),
            _cell(a.label),
            _cell(a.identity, code=True),
            verdict,
            _cell(why),
            _cell(correct, code=True),
            _cell(counterexample_text(a.result) if wrong else ""),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


_VERDICTS = ("right", "wrong", "undecided", "unreadable")


def _plain(value):
    if value is None:
        return None
    return np.asarray(value, dtype=float).tolist()


def result_json(result: CheckResult) -> dict:
    """A ``CheckResult`` as plain JSON values."""
    expected = result.expected
    return {
        "question": result.question,
        "verdict": result.verdict,
        "claim": result.claim_text,
        "reason": result.reason,
        "method": result.method or None,
        "diagnosis": result.diagnosis,
        "expected": None if expected is None else str(expected),
        "expected_latex": None if expected is None else expected.latex(),
        "counterexample": None
        if result.counterexample is None
        else {k: _plain(v) for k, v in result.counterexample.items()},
        "claimed_value": _plain(result.claimed_value),
        "expected_value": _plain(result.expected_value),
    }


def as_json(lines: list[AuditLine], source: str, layout: str = "numerator") -> str:
    """The audit as one JSON document."""
    items = []
    for a in lines:
        item = {"line": a.line, "label": a.label, "identity": a.identity, "verdict": a.verdict}
        item["reason"] = a.reason
        if a.result is not None:
            item["check"] = result_json(a.result)
        items.append(item)
    counts = {v: sum(1 for a in lines if a.verdict == v) for v in _VERDICTS}
    document = {"file": source, "layout": layout, "counts": counts, "identities": items}
    return json.dumps(document, indent=1)


def read_document(path: str) -> str:
    """The text of the file at ``path``; an ``EinderivError`` (one message) if it is missing,
    not a file, larger than ``MAX_BYTES`` or not UTF-8 text."""
    file = Path(path)
    try:
        if not path.strip():  # Path("") is the current folder: "'': not a file" said nothing
            raise EinderivError("FILE is empty: give the path of a Markdown or LaTeX file")
        if not file.exists():
            raise EinderivError(f"{path}: no such file")
        if not file.is_file():
            raise EinderivError(f"{path}: not a file")
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise EinderivError(
                f"{path}: too large to audit ({size:,} bytes; the limit is {MAX_BYTES:,})"
            )
        data = file.read_bytes()
    except OSError as error:
        raise EinderivError(f"{path}: cannot be read ({error.strerror or error})") from None
    if b"\x00" in data:
        raise EinderivError(f"{path}: not a text file (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")  # a byte-order mark is not text
    except UnicodeDecodeError:
        raise EinderivError(f"{path}: not a text file (it is not UTF-8)") from None
