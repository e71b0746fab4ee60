"""LaTeX of two arguments apart by a comma (a mixin of ``latex._Lexer``).

Input: ``\\langle``/``\\rangle`` (``⟨``/``⟩``), ``\\max``, and the commas of the text being lexed.
Output: the tokens plain text writes for them: ``\\langle a, b \\rangle`` -> ``sum((a) .* (b))``,
``\\max(0, u)`` and ``\\max(u, 0)`` -> ``relu(u)``.
Invariants: a comma means something here only directly inside one of these groups (never inside
``kron(A, B)`` or ``X_{i,j}``, which are groups of their own); ``\\max`` of anything but zero
and one argument is a ``ParseError`` naming ``relu``, never another reading.
"""

from __future__ import annotations

import re
from dataclasses import replace

from einderiv.frontend.latex_commands import FUNCTION_WORDS, Group, plain_script
from einderiv.ir.matrix_ops import SUM

__all__ = ["Pairs"]

_RELU = FUNCTION_WORDS["ReLU"]  # the function \max(0, u) is
_ONLY_MAX = r"only \max(0, u) and \max(u, 0) are read (as relu(u)); write relu(u)"
# the opener of \max's argument, and "0 ," first (\max(0, u)) or not (\max(u, 0))
_MAX_OPEN = re.compile(r"\s*(?:\\left\s*)?(\(|\\\{)\s*(0\s*,)?")
# what follows the comma of \max(u, 0): the zero, then the closer
_MAX_ZERO = re.compile(r",\s*0\s*(?=\\right|\)|\\\})")
# brackets (and inner products) whose commas are their own
_BRACKETS = re.compile(r"\\[lr]angle|[⟨⟩()\[\]{},]")


def _top_commas(text: str, pos: int) -> int:
    """The number of commas outside any bracket from ``pos`` to the closer of the group open
    there (-1 when nothing closes it)."""
    depth, commas = 0, 0
    for found in _BRACKETS.finditer(text, pos):
        c = found.group()
        if c in ("(", "[", "{", "⟨", "\\langle"):
            depth += 1
        elif c == "," and depth == 0:
            commas += 1
        elif c != ",":
            if depth == 0:
                return commas
            depth -= 1
    return -1


class Pairs:
    """Uses the lexer's ``text``, ``pos``, ``stack``, ``emit``, ``symbol``, ``script``, ``fail``."""

    def angle(self, start: int, opening: bool) -> None:
        """``\\langle a, b \\rangle`` (``⟨a, b⟩``), the inner product: ``sum((a) .* (b))``,
        which is ``a' b`` for two vectors and ``tr(A' B)`` for two matrices; an optional
        ``_F`` (Frobenius) after it is read too. The comma is ``pair_comma``'s."""
        if opening:
            self.emit("FUNC", f"{SUM.name}(", start, self.pos)
            self.symbol("(", start, self.pos)
            self.stack.append(Group("angle", (), start))
            return
        group = self.stack[-1] if self.stack else None
        if group is None or not group.kind.startswith("angle"):
            self.fail("unmatched '\\rangle': no \\langle opens it", start)
        if group.kind == "angle":
            self.fail("an inner product has two arguments: \\langle a, b \\rangle", start)
        self.stack.pop()
        self.symbol(")", start, self.pos)
        self.symbol(")", start, self.pos)
        if self.text[self.pos : self.pos + 1] == "_":
            self.pos += 1
            script, at, _ = self.script(start)
            if plain_script(script) != "F":
                self.fail(f"unknown inner product '_{script}' (use _F, or nothing)", at)

    def max_zero(self, start: int) -> None:
        """``\\max(0, u)``, ``\\max(u, 0)``, ``\\max\\{0, u\\}``: ``relu(u)``, elementwise."""
        found = _MAX_OPEN.match(self.text, self.pos)
        if found is None or _top_commas(self.text, found.end()) != (0 if found[2] else 1):
            self.fail(_ONLY_MAX, start)
        self.pos = found.end()
        self.emit("FUNC", f"{_RELU}(", start, self.pos)
        kind = "paren" if found.group(1) == "(" else "brace"
        self.stack.append(Group(kind, ("RPAR",), start, then="" if found[2] else "max"))

    def pair_comma(self, start: int) -> bool:
        """A comma directly inside ``\\langle ... \\rangle`` separates its two arguments:
        ``) .* (``; the comma of ``\\max(u, 0)`` ends ``u`` (the zero is skipped). False for
        any other comma (``kron(A, B)``, ``X_{i,j}``)."""
        group = self.stack[-1] if self.stack else None
        if group is not None and group.then == "max":  # \max(u, 0): relu(u)
            zero = _MAX_ZERO.match(self.text, start)
            if zero is None:
                self.fail(_ONLY_MAX, start)
            self.pos = zero.end()
            self.stack[-1] = replace(group, then="")
            return True
        if group is None or not group.kind.startswith("angle"):
            return False
        if group.kind != "angle":
            self.fail("an inner product has two arguments: \\langle a, b \\rangle", start)
        self.pos += 1
        self.stack[-1] = Group("angle,", (), group.start)
        self.symbol(")", start, self.pos)
        self.symbol(".*", start, self.pos)
        self.symbol("(", start, self.pos)
        return True
