"""The ``where`` declarations: the parser callbacks that build ``Decl`` records.

Input: the children lark hands to the ``dims``, ``decl`` and ``declarations`` rules of
``grammar/einderiv.lark`` (tokens with source offsets) while ``parse.parse_declarations`` parses
``X: matrix(m, n); S: symmetric(n); k: integer``.
Output: a tuple of ``matrix_ir.Decl``, one per declared name, in the order written, each with the
span of its source text.
Invariants:
* a kind is one of ``matrix_ir.KINDS`` and takes its own number of dimensions (none for
  ``scalar`` and ``integer``, one for ``vector``, two for ``matrix``, one or two equal ones for
  ``symmetric``, whose dims are then ``(n, n)``); a kind without dimensions leaves them to
  inference;
* a dimension is a name or a positive integer of at most 18 digits;
* reserved names (``I``, ``ones``, ``delta``) and names declared twice are refused;
* every refusal is a ``ParseError`` at the offending token (``lexing.error_at``).
"""

from __future__ import annotations

from lark import Token

from einderiv.errors import closest
from einderiv.frontend.lexing import RESERVED, error_at
from einderiv.ir import matrix_ir as ir

__all__ = ["DeclarationRules"]


class _Dims:
    """The dimension tokens of one ``kind(...)`` and the offset where they end."""

    __slots__ = ("end", "tokens")

    def __init__(self, tokens, end):
        self.tokens, self.end = tokens, end


class DeclarationRules:
    """Callbacks of the declaration rules; the parser's tree builder (``parse``) inherits them."""

    def dims(self, children):
        return _Dims([t for t in children if t.type in ("NAME", "NUMBER")], children[-1].end_pos)

    def decl(self, children):
        colon = next(i for i, c in enumerate(children) if isinstance(c, Token) and c.value == ":")
        names = [t for t in children[:colon] if t.type == "NAME"]
        kind = children[colon + 1]
        dims = children[colon + 2] if len(children) > colon + 2 else None
        end = dims.end if dims else kind.end_pos
        shape = _dims(kind, dims)
        for t in names:
            if t.value in RESERVED:
                raise error_at(f"'{t.value}' is reserved ({RESERVED[t.value]})", t.start_pos)
        return [ir.Decl(t.value, kind.value, shape, span=(t.start_pos, end)) for t in names]

    def declarations(self, children):
        seen: set[str] = set()
        decls = []
        for group in children:
            if isinstance(group, Token):
                continue
            for d in group:
                if d.name in seen:
                    raise error_at(f"'{d.name}' is declared twice", d.span[0])
                seen.add(d.name)
                decls.append(d)
        return tuple(decls)


_COUNTS = {"scalar": (0,), "integer": (0,), "vector": (1,), "matrix": (2,), "symmetric": (1, 2)}
_WORDS = {0: "no dimensions", 1: "one dimension", 2: "two dimensions"}


def _dims(kind: Token, dims: _Dims | None) -> tuple:
    if kind.value not in ir.KINDS:
        guess = closest(kind.value, ir.KINDS)
        hint = f"; did you mean '{guess}'?" if guess else f" (kinds: {', '.join(ir.KINDS)})"
        raise error_at(f"unknown kind '{kind.value}'{hint}", kind.start_pos)
    if dims is None:
        if kind.value == "tensor":
            raise error_at(
                "a tensor declares its dimensions, e.g. T: tensor(m, n, p)", kind.start_pos
            )
        return ()
    values = []
    for t in dims.tokens:
        if t.type == "NUMBER":
            if t.value.isdigit() and len(t.value) > 18:
                raise error_at(
                    f"the dimension {t.value[:30]}{'...' if len(t.value) > 30 else ''} is too "
                    "large: a size has at most 18 digits",
                    t.start_pos,
                )
            if not t.value.isdigit() or int(t.value) == 0:
                raise error_at("a dimension is a name or a positive integer", t.start_pos)
            values.append(int(t.value))
        else:
            values.append(t.value)
    if kind.value == "tensor":  # SPEC 6.1: order 3 or more, used through index notation
        if len(values) < 3:
            raise error_at(
                f"'tensor' takes three or more dimensions, not {len(values)} (a vector or a "
                "matrix is declared as one)",
                dims.tokens[0].start_pos,
            )
        return tuple(values)
    allowed = _COUNTS[kind.value]
    if len(values) not in allowed:
        wanted = " or ".join(_WORDS[n] for n in allowed)
        raise error_at(
            f"'{kind.value}' takes {wanted}, not {len(values)}", dims.tokens[0].start_pos
        )
    if kind.value == "symmetric":
        if len(values) == 2 and values[0] != values[1]:
            raise error_at(
                "a symmetric matrix is square: give one dimension", dims.tokens[0].start_pos
            )
        values = [values[0], values[0]]
    return tuple(values)
