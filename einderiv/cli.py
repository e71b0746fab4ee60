"""The ``einderiv`` command line (SPEC sections 4 and 9).

Input: command-line arguments (the arguments' syntax is ``einderiv.cli_args``), and the
expression on standard input when EXPR is ``-``. Output: the derivatives, Hessians or verdicts
on claimed derivatives on stdout -- as text, or with ``--json`` one JSON object per result (the
objects of ``einderiv.web.results``, so the command line and the web API agree) -- and an exit
code.
Invariants: only the public API (``import einderiv as ed``) is used; every result is computed
before anything is printed (a bad second ``--wrt`` prints nothing but the error); a user's
mistake is one ``einderiv: error: ...`` line (plus the caret context the error carries) on
stderr and exit code 2, never a traceback; a bug inside einderiv is exit code 3 with a hint to
report it.

Exit codes: 0 success (``check``: the claim is right), 1 ``check``: the claim is wrong, 2 bad
input or usage, 3 internal error, 4 ``check``: undecided (not proved right), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import warnings

import einderiv as ed
from einderiv import cli_io
from einderiv.cli_args import FORMATS, LAYOUTS, PROG, _version, build_parser, usage_of
from einderiv.cli_show import json_forms, text_block
from einderiv.errors import ReadAsProduct, too_long

__all__ = ["FORMATS", "LAYOUTS", "PROG", "build_parser", "main"]

EXIT_OK = 0
EXIT_WRONG = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_UNDECIDED = 4
EXIT_INTERRUPTED = 130


def _where(args: argparse.Namespace) -> str | None:
    if not args.where:
        return None
    return "\n".join(args.where)


def _read_expr(args: argparse.Namespace) -> str:
    """EXPR, or the text on standard input when EXPR is ``-``."""
    if args.expr != "-":
        return args.expr
    try:
        text = cli_io.standard_input().removeprefix("\ufeff").strip()  # a byte-order mark
    except ValueError as error:
        raise ed.EinderivError(f"standard input is {error}") from None
    if not text:
        raise ed.EinderivError("EXPR is '-' but standard input is empty: pipe an expression in")
    if why := too_long(text, "the expression on standard input"):
        raise ed.EinderivError(why)
    return text


def _print_json(objects: list[dict]) -> None:
    for obj in objects:
        print(json.dumps(obj, allow_nan=False))


def _run_diff(args: argparse.Namespace) -> int:
    """``diff`` and ``hessian``: one result per --wrt, all computed before any is printed."""
    expr, where = _read_expr(args), _where(args)
    wrts = list(dict.fromkeys(w.strip() for w in args.wrt))  # a variable named twice: once
    several, hessian = len(wrts) > 1, args.command == "hessian"
    if args.cse and args.format not in ("text", "latex", "index"):  # said, never ignored
        args.notes.append(f"--cse names subterms in text, latex and index; not in {args.format}")
    if args.json:
        from einderiv.web.results import derivative_json

        objects = [
            derivative_json(
                expr,
                wrt,
                where,
                args.layout,
                hessian=hessian,
                notes=args.notes,
                forms=json_forms(args, wrt, several),
            )
            for wrt in wrts
        ]
        _print_json(objects)
        return EXIT_OK
    build = ed.hessian if hessian else ed.diff
    blocks = [
        text_block(args, build(expr, wrt, where=where, layout=args.layout), wrt, several, where)
        for wrt in wrts
    ]
    print("\n\n".join(blocks))
    return EXIT_OK


def _run_check(args: argparse.Namespace) -> int:
    """``check``: the n-th --claim is the derivative by the n-th --wrt (or ``--identity``)."""
    args.layout = args.layout or ("jacobian" if args.hessian else "numerator")  # as hessian's
    if args.identity is not None:
        return _run_identity(args)
    if args.expr is None or not args.wrt or not args.claim:
        raise ed.EinderivError(
            "check needs EXPR, --wrt X and --claim CLAIM, or a whole identity with --identity"
        )
    if len(args.claim) != len(args.wrt):
        raise ed.EinderivError(
            f"give one --claim per --wrt (got {len(args.wrt)} --wrt and {len(args.claim)} "
            "--claim); the n-th claim is the derivative by the n-th variable"
        )
    expr, where = _read_expr(args), _where(args)
    pairs = list(zip((w.strip() for w in args.wrt), args.claim))
    order = 2 if args.hessian else 1
    if args.json:
        from einderiv.web.results import check_json

        objects = [
            check_json(expr, wrt, claim, where, args.layout, order=order) for wrt, claim in pairs
        ]
        for obj in objects:
            args.notes.extend((obj.get("note") or "").splitlines())
        args.code = _verdicts_code([obj["verdict"] for obj in objects])
        _print_json(objects)
    else:
        results = [
            ed.check(expr, wrt, claim=claim, where=where, layout=args.layout, order=order)
            for wrt, claim in pairs
        ]
        args.code = _verdicts_code([r.verdict for r in results])
        print("\n\n".join(str(r).rstrip("\n") for r in results))
    return args.code


def _verdicts_code(verdicts: list[str]) -> int:
    """1 if any verdict is wrong, else 0 if all are right, else 4; set as ``args.code`` before
    printing, so a reader that closes the pipe early (``| grep -q``) still gets it."""
    if "wrong" in verdicts:
        return EXIT_WRONG
    return EXIT_OK if all(v == "right" for v in verdicts) else EXIT_UNDECIDED


def _run_identity(args: argparse.Namespace) -> int:
    """``check --identity TEXT``: the left side names the expression and the variable."""
    if args.expr is not None or args.wrt or args.claim or args.hessian:
        raise ed.EinderivError(
            "--identity takes the whole identity: give no EXPR, --wrt, --claim or --hessian"
        )
    if not args.json:
        result = ed.check_identity(args.identity, where=_where(args), layout=args.layout)
        args.code = _verdicts_code([result.verdict])
        print(str(result).rstrip("\n"))
        return args.code
    from einderiv.web.results import identity_json  # notes in "note" too, as check --json's

    obj = identity_json(args.identity, _where(args), args.layout)
    args.notes.extend((obj.get("note") or "").splitlines())
    args.code = _verdicts_code([obj["verdict"]])
    _print_json([obj])
    return args.code


def _run_audit(args: argparse.Namespace) -> int:
    """``audit FILE``: every displayed identity of the file checked; exit 1 if any is wrong."""
    from einderiv.check.audit import as_json, markdown, read_document

    text = read_document(args.file)
    lines = ed.audit(text, where=_where(args), layout=args.layout)
    show = as_json if args.format == "json" else markdown
    args.code = EXIT_WRONG if any(a.verdict == "wrong" for a in lines) else EXIT_OK
    print(show(lines, args.file, args.layout).rstrip("\n"))
    return args.code


def _run_serve(args: argparse.Namespace) -> int:
    from einderiv.web.server import serve

    if not 0 < args.time_limit < 86_400:  # nan, inf: no limit at all is not a time limit
        raise ed.EinderivError("--time-limit must be a positive number of seconds, below a day")
    if not 0 <= args.port <= 65535:
        raise ed.EinderivError(f"--port must be 0 to 65535 (0: any free port), not {args.port}")
    if not args.host.strip():  # "" binds every interface, and the page's address is http://:P/
        raise ed.EinderivError("--host is empty: give an address (0.0.0.0: every interface)")
    try:
        return serve(args.host, args.port, args.time_limit, open_browser=args.open)
    except OSError as error:  # the port is taken, the address does not exist, ...
        raise ed.EinderivError(f"cannot serve on {args.host}:{args.port}: {error}") from None


def main(argv: list[str] | None = None) -> int:
    """Run the program on ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # said with the usage of the command they were given to
            usage_of(parser, args, extra, argv).error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as stop:  # usage errors (2), --help and --version (0)
        code = stop.code
        if code is None:
            return EXIT_OK
        return code if isinstance(code, int) else EXIT_USAGE

    if sys.stdout is None and args.command != "serve":  # stdout closed (`>&-`): output lost
        if sys.stderr is not None:
            print(f"{PROG}: error: standard output is closed; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    try:
        with warnings.catch_warnings(record=True) as notes:
            warnings.simplefilter("always", ReadAsProduct)
            try:
                args.notes = []  # the runners' notes, printed with einderiv's warnings
                run = {
                    "diff": _run_diff,
                    "hessian": _run_diff,
                    "serve": _run_serve,
                    "audit": _run_audit,
                }.get(args.command, _run_check)
                code = run(args)
                sys.stdout.flush()  # a full disk is found here, not at exit
                return code
            finally:  # x'Ax read as x' A x: said on the command line (SPEC 6.3)
                # numpy's floating-point warnings (check probes points where sqrt or log is
                # undefined) are not notes: only einderiv's own are said
                kept = [n for n in notes if not issubclass(n.category, RuntimeWarning)]
                said = [str(n.message) for n in kept] + getattr(args, "notes", [])
                for note in dict.fromkeys(said):
                    print(f"{PROG}: note: {note}", file=sys.stderr)
    except ed.EinderivError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `einderiv diff ... | head -1`; check keeps its verdict's code
        _silence_stdout()
        return getattr(args, "code", EXIT_OK)
    except (OSError, UnicodeEncodeError) as error:  # a full disk; a θ for stdout in ascii
        if (why := cli_io.unwritable(error)) is None:
            return _internal(error)
        _silence_stdout()  # the buffered rest would fail again when Python exits
        print(f"{PROG}: error: cannot write the output: {why}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # noqa: BLE001 - the last line of defence
        return _internal(error)


def _silence_stdout() -> None:
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
    except OSError:
        pass


def _internal(error: Exception) -> int:
    """The last line of defence: a bug, said as one (with the traceback under EINDERIV_DEBUG)."""
    debug = os.environ.get("EINDERIV_DEBUG") == "1"
    if debug:
        traceback.print_exception(type(error), error, error.__traceback__)
    print(
        f"{PROG}: internal error: {type(error).__name__}: {error}\n"
        f"This is a bug in einderiv {_version()}. Please report it with the command you ran"
        + ("." if debug else " and the traceback shown with EINDERIV_DEBUG=1."),
        file=sys.stderr,
    )
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
