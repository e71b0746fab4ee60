"""Plain texts refused before they are parsed, because a reader takes them otherwise.

Input: the text of an expression (never a ``where`` list) and the names its ``where`` declares.
Output: ``refusal(text, declared)``: the first ``Refusal`` found (what to write instead, and the
offset it points at), or None.
Invariants: nothing is rewritten, only refused with the spelling that says what is meant; each
check looks at the text only when a cheap test finds its character in it:
* ``x^1/2``, ``(x'x)^-1/2``: the power divided by 2, or the power 1/2?
* ``I(3)``, ``ones(n)``, ``ones(len(x))`` (numpy's eye(3), ones(n)): the grammar reads the
  products I 3, ones n, ones len(x); so is a size of lower-case names (``I(m + n)``, ``ones(2 m
  - n)``) whose names stand nowhere else in the text and are declared only as integers, if at
  all (the product I (m + n) of two vectors used nowhere else; ``I(a + b) + a``, ``I(A + B)``
  and ``I(alpha + beta)``, a Greek scalar, stay products);
* ``sum_j x[j]``, ``Σ_j``, ``sum_{i,j}``: a sum over an index, which the grammar reads as a
  name (then a product) when j is an index of the text; ``sum_x`` alone, or a declared name
  (``Sigma_j``), is a name;
* ``x_*``, ``k_*' x``: R&W's test-point label, which no name has (``x_*y`` read as a name
  x_ times y): ``k_star``, as LaTeX's ``\\mathbf{k}_*`` reads;
* ``‖X‖F``, ``||x||2``: a letter or digit against a closing norm bar, where text copied from
  a PDF has lost the ``_`` of a subscript (or the ``^`` of a power): ``norm_script``, called
  by the post-lexer at each closing bar (which only it tells from an opening one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from einderiv.frontend.name_uses import greek_scalar

__all__ = ["INDEX_SUM", "Refusal", "norm_script", "refusal"]

INDEX_SUM = (  # what a sum over an index (\sum_j, sum_{i,j}) is written as instead
    r"a sum over an index (\sum_j, sum_{i,j}) is not read: write sum(...) of the vector or "
    r"matrix (\log\sum_j e^{z_j} is \log \operatorname{sum}(\exp(z)), \sum_{i,j} X_{i,j}^3 is "
    r"sum(X .^ 3)), or index notation, where an index repeated in a product is summed "
    r"(\sum_j A_{k,j} x_j is A_{k,j} x_j)"
)
_WHAT = {"I": "the identity matrix", "ones": "the vector of ones"}
# x^1/2, (x'x)^-1/2, x.^3/2: a power of 1 or -1, or an odd power, then a divisor (2 for an odd
# power) written against it: papers mean the root x^(1/2), while products read (x^1) / 2
_ROOT_LIKE = re.compile(r"\^\s*(-?\s*(?:1|\d*[13579](?=/2(?![\d.])))(?![\d.]))/(\d+)")
# I(3), ones(n): a size in parentheses, as numpy's eye(3), ones(n); also a size computed
# (ones(len(x)), I(n + 1), I(2*3), I(2 n)): a length, or a name or length with integers
_LEN = r"len\(\s*[A-Za-z]\w*\s*\)"
_TERM = rf"(?:\d+\s*\*?\s*)?(?:{_LEN}|[A-Za-z]\w*)|\d+"  # 3, n, len(x), 2 n, 2*len(x)
_SIZE = rf"(?:{_TERM})(?:\s*[-+*]\s*(?:{_LEN}|\d+))*"
_SIZED_CALL = re.compile(rf"(?<![A-Za-z_.])(I|ones)\(\s*({_SIZE})\s*\)")  # 2I(3) too
# I(m + n), ones(2 m - n): sizes of names (checked to be used nowhere else: ``_sizes_only``)
_NAMES_SIZE = re.compile(
    rf"(?<![A-Za-z_.])(I|ones)\(\s*((?:{_TERM})(?:\s*[-+*]\s*(?:{_TERM}))+)\s*\)"
)
_STAR_LABEL = re.compile(r"(?<![\w\\])([A-Za-z]\w*?)_(\*+)")  # k_*: a test-point label
# sum_j x[j], Σ_j, Sigma_{i,j} (not sum_{r}^{k}, a finite sum missing its "=")
_INDEX_SUM_NAME = re.compile(r"(?<![\w.])(?:sum|Sigma|Σ)_(?:[A-Za-z]\b|\{[\sA-Za-z,]*\})(?!\s*\^)")


@dataclass(frozen=True)
class Refusal:
    """What to write instead of the text at ``at``."""

    message: str
    at: int


def refusal(text: str, declared: frozenset, integers: frozenset = frozenset()) -> Refusal | None:
    """The first refusal of the module's docstring that ``text`` meets, or None
    (``declared``: the names ``where`` declares; ``integers``: those declared integers)."""
    if "^" in text and "/" in text and (found := _ROOT_LIKE.search(text)):
        power, divisor = found.group(1).replace(" ", ""), found.group(2)
        return Refusal(
            f"^{power}/{divisor} is ambiguous: the power {power} divided by {divisor}, or the "
            f"power {power}/{divisor}? write ^({power}/{divisor}) for the power, or put the "
            f"power in parentheses, (...^{power})/{divisor}",
            found.start(),
        )
    if ("I(" in text or "ones(" in text) and (found := _sized_call(text, declared, integers)):
        name, size = found.groups()
        atom = re.fullmatch(rf"\d+|[A-Za-z]\w*|{_LEN}", size)
        factor = size if atom else f"({size})"  # I n, I (n + 1), I (2n)
        return Refusal(
            f"{found.group()} reads as the product {name} {factor}, not {_WHAT[name]} of size "
            f"{size}: its size comes from what it meets (declare the shapes with where=); "
            f"write {name} {factor}, with a space, for the product",
            found.start(),
        )
    for found in _STAR_LABEL.finditer(text) if "_*" in text else ():
        if found.group(1) + "_" in declared:  # a declared x_: x_*y is x_ times y
            continue
        name, label = found.group(1), "star" * len(found.group(2))
        return Refusal(
            f"{found.group()} is not a name: write {name}_{label} for the test-point label "
            f"(as LaTeX's \\mathbf{{{name}}}_* reads), or {name}_ * with a space for a product",
            found.start(),
        )
    for found in _INDEX_SUM_NAME.finditer(text) if "_" in text else ():
        if found.group() not in declared and _sums_an_index(found, text):
            return Refusal(INDEX_SUM, found.start())
    return None


def _sized_call(text: str, declared: frozenset, integers: frozenset) -> re.Match | None:
    """The first ``I(size)`` or ``ones(size)`` of ``text`` that reads as a product where a
    size is meant (the module's docstring)."""
    found = _SIZED_CALL.search(text)
    if found is not None:
        return found
    calls = list(_NAMES_SIZE.finditer(text))
    rest = _NAMES_SIZE.sub(" ", text)  # the text outside every such call
    for call in calls:
        names = set(re.findall(r"(?<![\w(])[A-Za-z]\w*(?!\s*\()", call.group(2)))  # not len
        if all(_size_name(name, rest, declared, integers) for name in names):
            return call
    return None


def _size_name(name: str, rest: str, declared: frozenset, integers: frozenset) -> bool:
    """Whether ``name`` in a call's size can only be a size: lower-case, not a Greek scalar,
    declared (if at all) an integer, and standing nowhere in ``rest``."""
    if not name[0].islower() or greek_scalar(name) or (name in declared - integers):
        return False
    return re.search(rf"(?<![\w\\]){re.escape(name)}(?!\w)", rest) is None


def _sums_an_index(found: re.Match, text: str) -> bool:
    """``sum_{i,j}`` (no name: the grammar's finite sum lacks its "="), or ``sum_j`` where j
    is an index of the text (``sum_j A[i,j] x[j]``) or another name's subscript (``sum_k
    x_k' x_k``); ``sum_x`` alone is a name."""
    letter = found.group()[-1]
    if letter == "}":
        return True
    rest = text[: found.start()] + " " + text[found.end() :]  # x[j], or x_j: j an index
    return re.search(rf"\[[^\]]*\b{letter}\b|[A-Za-z]_\{{?{letter}\b", rest) is not None


def norm_script(text: str, start: int, end: int) -> str | None:
    """The message refusing a letter or digit written against the norm bar that closes at
    ``end`` the norm opened at ``start``: ``‖X‖F`` is ``‖X‖_F`` flattened by a PDF, ``‖x‖2`` is
    ``‖x‖_2`` or ``‖x‖^2``, never surely a product (``‖x‖ y``, with a space, is one); None
    when no such character follows."""
    char, norm = text[end : end + 1], text[start:end]
    if not (char.isascii() and char.isalnum()):
        return None
    kind = {"1": "the 1-norm", "2": "the 2-norm", "F": "the Frobenius norm"}.get(char)
    sub = f"{norm}_{char} for {kind}, " if kind else ""
    power = "" if char == "F" else f"{norm}^{char} for a power, "
    known = "" if kind else " (the norms read are _2, _F and _1)"
    return (
        f"'{norm}{char}' reads two ways (a subscript or a power loses its _ or ^ when text is "
        f"copied from a PDF): write {sub}{power}or {norm} {char}, with a space, for a "
        f"product{known}"
    )
