"""Sizes and shapes in words, for shape messages: "an n-by-m matrix", "2*3", "?".

Input: union-find cells of ``dimensions`` (anything with ``root()``, ``value`` and ``factors``),
or a (rows, columns) pair of them. Output: text. Invariants: a class with no fixed size is "?";
a compound class is its factors' words joined by ``*``.
"""

from __future__ import annotations

__all__ = ["describe_shape", "describe_size"]


def describe_shape(shape) -> str:
    """A shape in cells in words: "a scalar", "a column vector of length 3", "an n-by-m matrix"."""
    rows, cols = (describe_size(d) if d is not None else None for d in shape)
    if rows is None and cols is None:
        return "a scalar"
    if cols is None:
        return "a column vector" + ("" if rows == "?" else f" of length {rows}")
    if rows is None:
        return "a row vector" + ("" if cols == "?" else f" of length {cols}")
    if "?" in (rows, cols):
        return "a matrix"
    return f"{_article(str(rows))} {rows}-by-{cols} matrix"


def _article(word: str) -> str:
    """ "an" before a vowel sound: an n-by-m, an 8-by-3, an 11-by-3, an 18000-by-2; a 3-by-4."""
    if word.isdigit():
        eleven = len(word) % 3 == 2 and word[:2] in ("11", "18")  # eleven, eighteen (thousand)
        return "an" if word[0] == "8" or eleven else "a"
    return "an" if word[0] in "aefhilmnorsx" else "a"


def describe_size(d) -> str:
    """The size of ``d``'s class as written in messages: its fixed value, or "?"."""
    if d is None:
        return "no axis"
    root = d.root()
    if root.value is None and root.factors is not None:
        fast, slow = (describe_size(f) for f in root.factors)
        return "?" if "?" in (fast, slow) else f"{fast}*{slow}"
    return str(root.value) if root.value is not None else "?"
