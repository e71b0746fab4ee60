"""Functions written without parentheses: ``\\log\\det\\Sigma`` is ``log(det(Sigma))``.

Input: the LaTeX lexer's tokens, where such a function is a ``BARE_FUNC`` token.
Output: the same tokens with each ``BARE_FUNC`` made a ``FUNC`` and a ``)`` inserted after its
argument: the next call or symbol with its superscripts (``\\log x^\\top x`` is
``log(x') x``, with a ``ReadAsBareCall`` note when a product goes on after the argument);
a ``ParseError`` when nothing follows.
Invariants: one pass over the tokens (a nested bare function is closed inside its argument);
the inserted ``)`` sits where the argument ends, so carets stay in the user's text.
"""

from __future__ import annotations

import warnings

from lark import Token

from einderiv.errors import ReadAsBareCall
from einderiv.frontend.lexing import STATE, error_at

__all__ = ["close_bare_calls"]


def close_bare_calls(out: list[Token], symbols: dict[str, str]) -> list[Token]:
    """Close each function written without parentheses after its argument: the next call or
    symbol with its superscripts (``\\log\\det\\Sigma^{-1}`` is ``log(det(Sigma^-1))``)."""
    result: list[Token] = []
    i = 0
    while i < len(out):
        token = out[i]
        if token.type == "BARE_FUNC":
            end = _atom_end(out, i + 1)
            if end is None:
                raise error_at(_no_argument(out, i), token.start_pos)
            if out[i + 1].type == "NUMBER" and end < len(out) and out[end].type in _STARTS:
                end = _number_times(out, i, end)  # \log 2\pi: log(2 pi)
            elif end < len(out) and out[end].type in _STARTS and out[i + 1].type != "FUNC":
                # \tr X^\top A X: tr(X') A X, said; \log\det(W) x: the argument's own
                # parentheses end it, nothing to say
                fn = token.value[:-1]
                warnings.warn(f"read {fn} without parentheses as {fn} of the next symbol "
                              f"only, times what follows; write {fn}(...) around a longer "
                              "argument", ReadAsBareCall, stacklevel=2)  # fmt: skip
            inner = close_bare_calls(out[i + 1 : end], symbols)
            closing = inner[-1].end_pos if inner else token.end_pos
            result.append(Token.new_borrow_pos("FUNC", token.value, token))
            result.extend(inner)
            result.append(Token("RPAR", ")", start_pos=closing, end_pos=closing, line=1, column=1))
            i = end
            continue
        result.append(token)
        i += 1
    return result


def _no_argument(out: list[Token], i: int) -> str:
    """The refusal of the function ``out[i]`` written without an argument; beside ``\\circ``
    (``\\sigma \\circ \\tanh``) a composition, which einderiv's Hadamard ``\\circ`` is not."""
    fn, text = out[i].value[:-1], STATE.get().text
    near = [t for t in out[max(i - 1, 0) : i + 2] if t.value == ".*"]
    if any(text[t.start_pos : t.end_pos] in ("\\circ", "∘") for t in near):
        return (
            f"'{fn}' needs an argument: a composition (f \\circ g) is not read, \\circ is the "
            f"Hadamard product; write the function of the inner one's value, \\{fn}(g(x))"
        )
    return f"'{fn}' needs an argument"


def _number_times(out: list[Token], i: int, end: int) -> int:
    """The end of the argument of the bare function ``out[i]`` whose argument is a number, with
    an operand at ``out[end]``: ``\\log 2\\pi`` is ``log(2 pi)`` (R&W eq. 2.30), never
    ``log(2) pi``, said with a note; ``\\log 2\\pi\\sigma^2``, more factors on, is refused (a
    paper means ``log(2 pi sigma^2)``, but where its argument ends is only guessed)."""
    last, factors = end, 0
    while last is not None and last < len(out) and out[last].type in _STARTS:
        last, factors = _atom_end(out, last), factors + 1
    if last is None:  # an unmatched bracket: the parser says so
        return end
    text = STATE.get().text
    head = text[out[i].start_pos : out[i].end_pos].strip()  # \log
    argument = text[out[i + 1].start_pos : out[last - 1].end_pos]
    number = text[out[i + 1].start_pos : out[end - 1].end_pos]
    rest = text[out[end].start_pos : out[last - 1].end_pos]
    written = f"{head} {argument}"
    if factors > 1:
        raise error_at(f"'{written}' reads two ways: write {head}({argument}) for the "
                       f"{out[i].value[:-1]} of the product, as a paper means it, or ({head} {number}) {rest} for "
                       f"{head} {number} times the rest", out[i].start_pos)  # fmt: skip
    warnings.warn(f"read {written} as {head}({argument}): a number and the symbol written "
                  f"after it are one argument, as in \\sin 2x; write ({head} {number}) {rest} "
                  f"for the product", ReadAsBareCall, stacklevel=3)  # fmt: skip
    return last


_POSTFIX = {"TOP", "INV_T", "QUOTE", "DOT_T"}
# tokens that start an operand: after a bare function's argument, a product goes on
_STARTS = {"NAME", "NUMBER", "FUNC", "BARE_FUNC", "LPAR", "BAR_OPEN", "LOGBAR"}
_PAIRS = {"LPAR": "RPAR", "FUNC": "RPAR", "BAR_OPEN": "BAR_CLOSE", "LOGBAR": "BAR_CLOSE"}


def _atom_end(out: list[Token], i: int) -> int | None:
    """The index just past the atom starting at ``out[i]`` and its superscripts."""
    if i >= len(out):
        return None
    token = out[i]
    if token.type == "BARE_FUNC":
        end = _atom_end(out, i + 1)
        number = out[i + 1 : i + 2] and out[i + 1].type == "NUMBER"  # \det 2\Sigma in \log
        while number and end is not None and end < len(out) and out[end].type in _STARTS:
            end = _atom_end(out, end)  # its argument: the symbols after it (_number_times)
    elif token.type in ("NAME", "NUMBER"):
        end = i + 1
    elif token.type in _PAIRS:
        end = _matching(out, i)
    else:
        return None
    while end is not None and end < len(out):
        if out[end].type in _POSTFIX:
            end += 1
        elif out[end].type == "CIRCUMFLEX":
            end = (
                _atom_end(out, end + 1)
                if out[end + 1 : end + 2] and out[end + 1].type != ("LBRACE")
                else _matching(out, end + 1)
            )
        else:
            break
    return end


def _matching(out: list[Token], i: int) -> int | None:
    """The index just past the token that closes ``out[i]`` (a paren, call, bar or brace)."""
    # sum_{ opens the brace its bounds close: \log\det\left(\left(\sum_{r=1}^{1} ...
    opens = {"LPAR", "FUNC", "BAR_OPEN", "LOGBAR", "LBRACE", "LSQB", "SUM_OPEN", "NORM_OPEN"}
    closes = {"RPAR", "BAR_CLOSE", "RBRACE", "RSQB", "NORM_CLOSE"}
    depth = 0
    for j in range(i, len(out)):
        if out[j].type in opens:
            depth += 1
        elif out[j].type in closes:
            depth -= 1
        if depth == 0:
            return j + 1
    return None
