"""The command line's text input and output: arguments and standard input read as UTF-8
whatever the locale says, within ``MAX_CHARS``; why a write to standard output failed.

Input: argument strings, ``sys.stdin``, a write's exception. Output: texts, or messages.
Invariants: a byte that is not UTF-8, or a text past the limit, is an error that says so.
"""

from __future__ import annotations

import argparse
import codecs
import errno
import os
import sys

from einderiv.errors import MAX_CHARS, too_long


def non_utf8(text: str) -> str | None:
    """Which byte of ``text`` is not UTF-8 (Python reads such a byte of the command line, or
    of standard input in the C locale, as a lone surrogate ``\\udcff``), else None."""
    bad = next((c for c in text if "\udc80" <= c <= "\udcff"), None)
    return None if bad is None else f"byte 0x{ord(bad) - 0xDC00:02x} at offset {text.index(bad)}"


def from_utf8(data: bytes) -> str:
    """``data`` read as UTF-8, whatever the locale says; a ``ValueError`` naming the first byte
    that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        where = f"byte 0x{data[error.start]:02x} at offset {error.start}"
        raise ValueError(f"not UTF-8 text: {where}") from None


STDIN_BYTES = 4 * MAX_CHARS + 1024  # MAX_CHARS of 4 bytes, a BOM, blank space; more: too long


def standard_input() -> str:
    """Standard input's bytes read as UTF-8, whatever the locale or PYTHONIOENCODING say (a
    ``ValueError`` naming a byte that is not UTF-8, or saying it is longer than ``STDIN_BYTES``
    bytes); the text of a stream without bytes."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        data = buffer.read(STDIN_BYTES + 1)
        if len(data) > STDIN_BYTES:
            raise ValueError(f"longer than {MAX_CHARS:,} characters, the limit")
        return from_utf8(data)
    text = "" if sys.stdin is None else sys.stdin.read(STDIN_BYTES + 1)
    if bad := non_utf8(text):
        raise ValueError(f"not UTF-8 text: {bad}")
    return text


# a write to standard output failed: disk full, I/O error, file too large, quota, closed
_WRITE_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EBADF, getattr(errno, "EDQUOT", -1)}


def unwritable(error: OSError | UnicodeEncodeError) -> str | None:
    """Why the output could not be written, when ``error`` says so: a write that failed (a full
    disk), or standard output's codec failing on a character (a θ under PYTHONIOENCODING=ascii);
    else None (a bug)."""
    if isinstance(error, OSError):
        return error.strerror if error.errno in _WRITE_ERRNOS else None
    try:
        if codecs.lookup(error.encoding) != codecs.lookup(sys.stdout.encoding):
            return None
    except (LookupError, TypeError, AttributeError):
        return None
    return (
        f"{error.object[error.start]!r} has no {error.encoding} encoding; "
        "set PYTHONIOENCODING=utf-8"
    )


def argument_text(value: str) -> str:
    """An argument's text: its bytes (``os.fsencode`` gives back those of the command line)
    read as UTF-8, so that θ is θ in the C locale without UTF-8 mode too, where Python reads its
    two bytes as two lone surrogates; a byte that is not UTF-8 is an error that says so, and so
    is a text longer than ``MAX_CHARS``."""
    try:
        text = from_utf8(os.fsencode(value))
    except UnicodeEncodeError:  # a str passed to main() that the locale cannot encode
        if bad := non_utf8(value):
            raise argparse.ArgumentTypeError(f"not UTF-8 text: {bad}") from None
        text = value
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if why := too_long(text, "the text"):
        raise argparse.ArgumentTypeError(why)
    return text
