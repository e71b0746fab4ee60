"""What of a document is typeset math, for ``audit``: code, comments and hidden text blanked.

Input: the text of a Markdown or LaTeX document.
Output: ``typeset(text)``: the same text with everything that is not typeset replaced by
spaces, its line breaks kept (``audit`` counts lines); ``uncomment(body)``: a display's body
without its ``%`` comments.
Invariants:
- a LaTeX document (``\\documentclass``, ``\\begin{document}``): ``verbatim``/``comment``/
  ``lstlisting``/``minted`` environments, ``\\verb|...|``, ``\\lstinline``, ``\\url{...}`` and
  every ``%`` comment, in one pass, whichever comes first (``%\\begin{comment}`` is a comment); an
  escaped ``\\%`` (an odd run of backslashes before it) is a per cent sign; then ``\\iffalse
  ... \\fi`` (or ``\\else``), counting the TeX conditionals nested in it (``\\ifx``; not
  ``\\iff``), unless assigned (``\\let``, ``\\csname``, ``\\unless``) or in a definition's body;
- Markdown: code fences (to their closing fence or the end), inline code spans (unless the
  document uses LaTeX quotes, ``so''``), HTML comments, the code environments and ``\\verb``,
  and lines that start with ``%`` (50% is prose); ``\\iffalse`` is text there.
"""

from __future__ import annotations

import re

__all__ = ["typeset", "uncomment"]

# a fenced code block, to its closing fence or (CommonMark) to the end of the document
_FENCE = re.compile(
    r"^[ \t]*((`|~)\2\2+)[^\n]*\n(?:.*?^[ \t]*\1\2*[ \t]*$|.*\Z)", re.DOTALL | re.MULTILINE
)
_CODE_SPAN = re.compile(r"(`+)[^`\n]+?\1(?!`)")  # `$$ x $$` quoted in Markdown, not displayed
_LATEX_QUOTES = re.compile(
    r"``[^`'\n]+''|`[A-Za-z][A-Za-z -]*[A-Za-z]'(?![A-Za-z])"
)  # ``so'', `rule'
_CODE = re.compile(
    r"\\begin\{(verbatim|Verbatim|comment|lstlisting|minted|alltt)\*?\}.*?(?:\\end\{\1\*?\}|\Z)"
    r"|\\(?:verb|lstinline)\*?([^A-Za-z\s*{]).*?(?:\2|$)"  # \verb|...|: to its delimiter
    r"|\\lstinline\s*\{[^{}\n]*\}",
    re.DOTALL | re.MULTILINE,
)
_COMMENT = re.compile(r"(?P<run>\\*)%[^\n]*")  # to the line's end, unless escaped (odd \ run)
_CODE_OR_COMMENT = re.compile(
    _CODE.pattern + r"|\\(?:url|href)\s*\{[^{}\n]*\}|" + _COMMENT.pattern, re.DOTALL | re.MULTILINE
)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_COMMENT_LINE = re.compile(r"^[ \t]*%[^\n]*", re.MULTILINE)
_LATEX_DOCUMENT = re.compile(r"\\documentclass|\\begin\{document\}")
# TeX's conditionals (\newif's own, \ifdraft, are not known here: a nested one is not counted)
_IF_TOKEN = re.compile(
    r"\\(if|ifcat|ifnum|ifdim|ifodd|ifvmode|ifhmode|ifmmode|ifinner|ifvoid|ifhbox|ifvbox|ifx"
    r"|ifeof|iftrue|iffalse|ifcase|ifdefined|ifcsname|iffontchar|fi|else)(?![A-Za-z@])"
)


def typeset(text: str) -> str:
    """``text`` with code, comments and ``\\iffalse`` blocks blanked (see the invariants)."""
    if _LATEX_DOCUMENT.search(text):  # code and comments in one pass: whichever comes first
        return _if_false(_CODE_OR_COMMENT.sub(_code_or_comment, text))
    text = _FENCE.sub(_blank, text)  # Markdown: fences, code spans, HTML comments
    if not _LATEX_QUOTES.search(text):
        text = _CODE_SPAN.sub(_blank, text)
    text = _HTML_COMMENT.sub(_blank, text)
    return _COMMENT_LINE.sub(_blank, _CODE.sub(_blank, text))


def _code_or_comment(match: re.Match) -> str:
    return _uncomment(match) if match.group("run") is not None else _blank(match)


def uncomment(body: str) -> str:
    """A display's body without its comments (TeX's, in MathJax and KaTeX too)."""
    return _COMMENT.sub(_uncomment, body)


def _uncomment(match: re.Match) -> str:
    """A ``%`` comment blanked; an escaped ``\\%`` (after an odd run of backslashes: ``\\\\\\%``
    is a row break and a per cent sign) kept, as is the rest of its line."""
    run = match.group("run")
    if len(run) % 2:
        return run + "%" + _COMMENT.sub(_uncomment, match.group(0)[len(run) + 1 :])
    return run + re.sub(r"[^\n]", " ", match.group(0)[len(run) :])


def _if_false(text: str) -> str:
    """``\\iffalse ... \\fi`` (or ``\\else``) blanked, nested conditionals counted."""
    out, at = [], 0
    for found in re.finditer(r"\\iffalse(?![A-Za-z@])", text):
        start = found.start()
        if start < at or _in_definition("".join(out) + text[at:start]) or _defined(text, start):
            continue  # inside one blanked already, or a definition's token, not a block
        depth, end = 0, len(text)
        for token in _IF_TOKEN.finditer(text, start):
            word = token.group(1)
            if word == "else" and depth == 1:
                end = token.end()
                break
            depth += -1 if word == "fi" else 0 if word == "else" else 1
            if depth == 0:
                end = token.end()
                break
        out += [text[at:start], re.sub(r"[^\n]", " ", text[start:end])]
        at = end
    return "".join(out) + text[at:]


def _in_definition(before: str) -> bool:
    """Whether the innermost brace open at the end of ``before`` is a definition's body
    (``\\def\\x{\\iffalse}``, ``\\newcommand{\\x}{...}``); a plain group hides as TeX does."""
    opened: list[int] = []
    for m in re.finditer(r"\\[{}]|[{}]", before):
        if m.group(0) == "{":
            opened.append(m.start())
        elif m.group(0) == "}" and opened:
            opened.pop()
    return bool(opened) and _DEFINITION.search(before[: opened[-1]]) is not None


_DEFINITION = re.compile(
    r"\\(?:[gex]?def|(?:re)?newcommand\*?|providecommand\*?)\s*\{?\s*\\[A-Za-z@]+\s*\}?"
    r"(?:\s*\[\d\])?(?:\s*#\d)*\s*$"
)


def _defined(text: str, start: int) -> bool:
    """``\\let\\ifx\\iffalse``, ``\\unless\\iffalse``, ``\\csname ...\\endcsname\\iffalse``:
    the token is assigned or turned, not a block hidden."""
    return (
        re.search(r"(?:\\let\s*\\[A-Za-z@]+\s*=?|\\unless|\\endcsname)\s*$", text[:start])
        is not None
    )


def _blank(code: re.Match) -> str:
    """Code as spaces, its line breaks kept (lines are counted)."""
    return re.sub(r"[^\n]", " ", code.group(0))
