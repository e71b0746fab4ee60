"""Conditions written after an identity (``\\text{ if } B = B^\\top``, ``(B symmetric)``).

Input: a condition as the document writes it (its connective word, LaTeX and ``\\text``
unwrapped: ``if \\mathbf{B} is symmetric``), the caller's ``where`` declarations, and a verdict.
Output: ``symmetric(condition, where)``: ``B: symmetric`` when the whole condition says one
matrix is symmetric (or positive definite, ``\\Sigma \\succ 0``), else ""; ``under(result,
condition, declared)``: the verdict under it, ``said``: the note that a read condition declared
a matrix symmetric.
Invariants:
- a condition is read only whole: an optional connective (``if``, ``when``, ``for``, ``where``,
  ``provided that``, ``given``, ``assuming``, ``with``, ``\\Leftarrow``, ``\\iff``), then one of
  ``B = B^\\top``, ``B^\\top = B``, ``B symmetric``, ``B is (a) symmetric (matrix)``,
  ``symmetric B``; anything more (``unless``, ``not``, ``or``, ``and``, ``positive definite``
  in words) or less is not read, and a lower-case (vector) name or one ``where`` declares is
  never declared symmetric here;
- ``B \\succ 0`` (``\\succeq``: semidefinite) is read as B symmetric, a positive definite
  matrix being symmetric in the usual convention, and the note says so; its positivity is not
  read, so it leaves a "wrong" undecided as an unread condition does, unless the
  counterexample's B is positive definite (a claim right for every symmetric B is right for
  the positive definite ones);
- a condition that is not read never leaves a verdict "wrong": the claim may hold under it,
  so it is "undecided", and the reason quotes the condition as written.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from einderiv.check.result import CheckResult
from einderiv.ir.greek import NAMES

__all__ = ["TOP", "readable", "said", "symmetric", "under"]

# a transpose as written: ^T, ^{T}, ^\top, ^{\top}, ^\intercal, ^\mathsf{T}, '
TOP = r"(?:\^\s*(?:\\top|\{\s*\\top\s*\}|T|\{\s*T\s*\}|\\intercal|\\mathsf\s*\{\s*T\s*\})|')"
_FONT = r"\\(?:mathbf|boldsymbol|bm|mathit|mathrm)\s*\{\s*\\?([A-Za-z]\w*)\s*\}"
_NAME = r"\\?[A-Za-z]\w*"
_CONNECTIVE = re.compile(
    r"(?:if(?: and only if)?|iff|when(?:ever)?|provided(?: that)?|assuming(?: that)?"
    r"|given(?: that)?|where|with|for(?: all| every| any)?"
    r"|\\(?:Leftarrow|Longleftarrow|impliedby|iff|[Ll]eftrightarrow|Longleftrightarrow))"
    r"(?![A-Za-z])\s*[,:]?\s*"
)
_DEFINITE = re.compile(  # B \succ 0, B \succeq \mathbf{0}: positive (semi)definite
    rf"(?P<a>{_NAME})\s*\\succ(?:eq|curlyeq)?(?![A-Za-z])\s*"
    r"(?:0|\{\s*0\s*\}|\\mathbf\s*\{\s*0\s*\})"
)
_SAYS_SYMMETRIC = (  # B = B^T, B^T = B; B symmetric, B is a symmetric matrix; symmetric B
    re.compile(rf"(?P<a>{_NAME})\s*(?P<t1>{TOP})?\s*=\s*(?P<b>{_NAME})\s*(?P<t2>{TOP})?"),
    re.compile(rf"(?P<a>{_NAME})\s+(?:is\s+)?(?:an?\s+)?symmetric(?:\s+matrix)?"),
    re.compile(rf"(?:an?\s+)?symmetric(?:\s+matrix)?\s+(?P<a>{_NAME})"),
    _DEFINITE,
)
_TEXT = re.compile(r"\\(?:text|textrm|textnormal|textit|textbf|mbox)\s*\{([^{}]*)\}")


def readable(text: str) -> str:
    """A condition as written, for reading and quoting: ``\\text{...}`` unwrapped, spacing
    (``\\quad``, ``\\,``, ``\\ ``, ``~``) as one space, trailing punctuation dropped."""
    text = _TEXT.sub(r" \1 ", text)
    text = re.sub(r"\\q?quad(?![A-Za-z])|\\[,;:! ]|~", " ", text)
    text = re.sub(r"\s+", " ", text).replace("( ", "(").replace(" )", ")")
    return text.strip(" ,;.\n\t")


def symmetric(condition: str, where: str | None, identity: str = "") -> str:
    """``B: symmetric`` when ``condition`` (see ``readable``) says just that B is symmetric,
    ``where`` does not declare B and ``identity`` (when given) writes B as one name (in
    ``(\\mathbf{A}\\mathbf{B} symmetric)`` the product AB is no variable); else ""."""
    text = _statement(condition)
    for number, pattern in enumerate(_SAYS_SYMMETRIC):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        if number == 0 and (
            match.group("a") != match.group("b")
            or (match.group("t1") is None) == (match.group("t2") is None)  # A = A: nothing
        ):
            return ""
        name = match.group("a").lstrip("\\")
        if not name[0].isupper() or name == "T":  # x = x^T of a vector says nothing of ours
            return ""
        if re.search(rf"(?<![\w]){re.escape(name)}\s*(?:,[^:;]*)?:", where or ""):
            return ""  # the caller's declaration is the caller's
        if identity and not _one_variable(name, identity):
            return ""  # AB symmetric of \mathbf{A}\mathbf{B} or \mathbf{AB}: a product
        return f"{name}: symmetric"
    return ""


def _statement(condition: str) -> str:
    """What ``condition`` states, its connective, parentheses and fonts taken off."""
    text = _unparenthesized(readable(condition or ""))
    connective = _CONNECTIVE.match(text)
    text = _unparenthesized(text[connective.end() :] if connective else text)
    return re.sub(_FONT, r"\1", text).strip(" ,;.")


def _definite(condition: str) -> bool:
    """Whether ``condition`` says B \\succ 0 (read as B symmetric: more than is read)."""
    return _DEFINITE.fullmatch(_statement(condition)) is not None


def _one_variable(name: str, identity: str) -> bool:
    """Whether ``identity`` writes ``name`` as one variable: not letters that read as a
    product (``AB``, ``\\mathbf{AB}``: undeclared, each letter is a variable), nor the stem of
    another name (the A of ``\\mathbf{A}_1``)."""
    if len(name) > 1 and name.isalpha() and name not in NAMES:
        return False
    alone = rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])(?!\s*\}}?\s*_)"
    return re.search(alone, re.sub(_FONT, r" \1 ", identity)) is not None


def _unparenthesized(text: str) -> str:
    """``(B symmetric)`` -> ``B symmetric``: one pair of parentheses around all of it."""
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for at, c in enumerate(text):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and at < len(text) - 1:  # (a)(b): the first pair closes early
            return text
    return text[1:-1].strip()


def said(condition: str, declared: str) -> str:
    """`` (B symmetric, as the condition "if B = B^T" says)`` when ``declared``, else ""."""
    if not declared:
        return ""
    name, quoted = declared.split(":")[0], readable(condition)
    if _definite(condition):  # positive definite: symmetric by convention, its sign not read
        return (
            f' ({name} symmetric, as the condition "{quoted}" says: a positive definite matrix '
            "is read as symmetric, as is usual; its definiteness is not used)"
        )
    return f' ({name} symmetric, as the condition "{quoted}" says)'


def under(result: CheckResult, condition: str, declared: str) -> CheckResult:
    """``result`` under the identity's ``condition``: not read (no ``declared``), a "wrong" is
    "undecided" (the claim may hold under it), its reason quoting the condition as written;
    so does one read in part (``\\Sigma \\succ 0``: symmetric, and positive definite)."""
    if not condition or result.verdict != "wrong" or (declared and not _definite(condition)):
        return result
    name = declared.split(":")[0]
    if declared and _positive_definite((result.counterexample or {}).get(name)):
        return result  # the counterexample's B is positive definite: wrong under the condition
    read = "does not read; without it"
    if declared:  # B \succ 0 read as B symmetric: the claim may hold for definite B only
        read = f"reads only as {name} symmetric (not as definite); so read"
    return replace(
        result,
        verdict="undecided",
        reason=f'the identity states a condition, "{readable(condition)}", that einderiv '
        f"{read}: {result.reason}",
    )


def _positive_definite(value) -> bool:
    """Whether ``value`` is a symmetric matrix whose least eigenvalue is clearly above 0."""
    try:
        m = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    if m.ndim != 2 or m.shape[0] != m.shape[1] or not np.all(np.isfinite(m)) or m.size == 0:
        return False
    scale = float(np.max(np.abs(m)))
    return bool(np.array_equal(m, m.T)) and np.linalg.eigvalsh(m)[0] > 1e-6 * scale
