"""The ``einderiv`` command line (SPEC section 4).

Input: command-line arguments. Output: the derivative (or a verdict on a claimed derivative) on
stdout, and an exit code.
Invariants: only the public API (``import einderiv as ed``) is used; a user's mistake is one
``einderiv: error: ...`` line (plus the caret context the error carries) on stderr and exit code 2,
never a traceback; a bug inside einderiv is exit code 3 with a hint to report it.

Exit codes: 0 success (``check``: the claim is right), 1 ``check``: the claim is wrong,
2 bad input or usage, 3 internal error, 4 ``check``: undecided (not proved right), 130
interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings

import einderiv as ed
from einderiv.errors import ReadAsProduct

PROG = "einderiv"
LAYOUTS = ("numerator", "denominator", "jacobian")
FORMATS = ("text", "latex", "index", "einsum", "python", "differential")

EXIT_OK = 0
EXIT_WRONG = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_UNDECIDED = 4
EXIT_INTERRUPTED = 130

_EPILOG = """\
examples:
  einderiv diff "tr(X' A X)" --wrt X
  einderiv diff "x' A x" --wrt x --layout denominator --format latex
  einderiv diff "log|X|" --wrt X --where "X: matrix(n, n)" --steps
  einderiv check "tr(inv(X) A)" --wrt X --claim "-inv(X)' A inv(X)'"

An expression that starts with '-' and contains no space must follow '--':
  einderiv diff --wrt X -- -X

exit codes: 0 ok (check: the claim is right), 1 check: the claim is wrong,
            2 bad input or usage, 3 internal error (please report it),
            4 check: undecided (einderiv could not prove the claim right or wrong)
"""


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("einderiv")
    except (ImportError, PackageNotFoundError):
        return str(getattr(ed, "__version__", "unknown"))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``einderiv`` program."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Matrix calculus in index notation: differentiate matrix expressions, "
        "or check a derivative you worked out by hand.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("expr", metavar="EXPR", help='the expression, e.g. "tr(X\' A X)"')
        sub.add_argument(
            "--wrt",
            required=True,
            metavar="X",
            help="the variable to differentiate by, e.g. X, or X[i,j] for the elementwise "
            "derivative",
        )
        sub.add_argument(
            "--where",
            action="append",
            metavar="DECLS",
            help='declarations, e.g. "X: matrix(m, n); S: symmetric(n); k: integer" '
            "(may be given more than once)",
        )
        sub.add_argument(
            "--layout",
            choices=LAYOUTS,
            default="numerator",
            help="layout of the result (default: numerator, as in the lecture notes)",
        )

    diff = commands.add_parser(
        "diff",
        help="differentiate an expression",
        description="Differentiate EXPR by X and print the derivative.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common(diff)
    diff.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text: matrix notation (default); latex; index: index notation; einsum: the "
        "contractions that evaluate it; python: a standalone numpy function 'grad'; "
        "differential: d f = tr(G dX)",
    )
    diff.add_argument(
        "--steps",
        action="store_true",
        help="also print the derivation: indexed sum, Kronecker deltas, contraction, matrix form",
    )

    check = commands.add_parser(
        "check",
        help="check a claimed derivative",
        description="Check whether CLAIM is the derivative of EXPR by X. Exit code 0 when it "
        "is, 1 when it is not (with a counterexample and the right answer).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common(check)
    check.add_argument(
        "--claim",
        required=True,
        metavar="CLAIM",
        help="the claimed derivative, in matrix or index notation",
    )

    serve = commands.add_parser(
        "serve",
        help="a local web page: type an expression, see its derivative, check a claim",
        description="Serve the einderiv web page and its JSON API (POST /api/diff, "
        "POST /api/check, GET /api/health) until Ctrl-C.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any)")
    serve.add_argument("--open", action="store_true", help="open the page in a web browser")
    serve.add_argument(
        "--time-limit",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="stop a request's work after this many seconds (default: 5)",
    )
    return parser


def _where(args: argparse.Namespace) -> str | None:
    if not args.where:
        return None
    return "\n".join(args.where)


def _print_steps(g) -> None:
    try:
        steps = g.steps()
    except NotImplementedError:
        print(
            f"{PROG}: note: --steps is not available yet; showing the result only", file=sys.stderr
        )
        return
    if isinstance(steps, str):
        print(steps.rstrip("\n"))
    else:
        for step in steps:
            print(str(step).rstrip("\n"))
    print()


def _run_diff(args: argparse.Namespace) -> int:
    g = ed.diff(args.expr, args.wrt, where=_where(args), layout=args.layout)
    if args.steps:
        _print_steps(g)
    elementwise = "[" in args.wrt  # its natural form is index notation: no remark
    no_form = hasattr(g, "matrix") and g.matrix() is None
    if args.format in ("text", "latex") and no_form and not elementwise:
        print(f"{PROG}: note: {_no_matrix_form(g)}; shown in index notation", file=sys.stderr)
    if args.format == "text":
        out = str(g)
    elif args.format == "latex":
        out = g.latex()
    elif args.format == "index":
        out = g.index()
    elif args.format == "einsum":
        out = g.einsum()
    elif args.format == "differential":  # d f = tr(G dX) (SPEC section 7)
        out = g.differential()
    else:  # python
        out = ed.codegen(g, name="grad")
    print(str(out).rstrip("\n"))
    return EXIT_OK


def _no_matrix_form(g) -> str:
    """Why a result is printed in index notation (one line)."""
    from einderiv.ir import index_ir as T

    order = len(g.axes)
    term = g.term
    factors = term.factors if isinstance(term, T.Prod) else (term,)
    kronecker = (
        order == 4
        and not getattr(term, "summed", ())
        and sum(len(T.free(f)) for f in factors if not isinstance(f, T.Num)) == 4
        and all(len(T.free(f)) in (0, 2) for f in factors)
    )
    if kronecker:
        return "the order-4 result is a Kronecker product, which matrix notation cannot write"
    return f"the result has order {order}, which matrix notation cannot write"


def _run_check(args: argparse.Namespace) -> int:
    check = getattr(ed, "check", None)
    if check is None:
        print(f"{PROG} check is not available yet", file=sys.stderr)
        return EXIT_USAGE
    result = check(args.expr, args.wrt, claim=args.claim, where=_where(args), layout=args.layout)
    print(str(result).rstrip("\n"))
    return {"right": EXIT_OK, "wrong": EXIT_WRONG}.get(result.verdict, EXIT_UNDECIDED)


def _run_serve(args: argparse.Namespace) -> int:
    from einderiv.web.server import serve

    if not args.time_limit > 0:
        raise ed.EinderivError("--time-limit must be a positive number of seconds")
    try:
        return serve(args.host, args.port, args.time_limit, open_browser=args.open)
    except OSError as error:  # the port is taken, the address does not exist, ...
        raise ed.EinderivError(f"cannot serve on {args.host}:{args.port}: {error}") from None


def main(argv: list[str] | None = None) -> int:
    """Run the program on ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # usage errors (2), --help and --version (0)
        code = stop.code
        if code is None:
            return EXIT_OK
        return code if isinstance(code, int) else EXIT_USAGE

    try:
        with warnings.catch_warnings(record=True) as notes:
            warnings.simplefilter("always", ReadAsProduct)
            try:
                run = {"diff": _run_diff, "serve": _run_serve, "check": _run_check}[args.command]
                return run(args)
            finally:  # x'Ax read as x' A x: said on the command line (SPEC 6.3)
                for note in dict.fromkeys(str(n.message) for n in notes):
                    print(f"{PROG}: note: {note}", file=sys.stderr)
    except ed.EinderivError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `einderiv diff ... | head -1`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last line of defence
        if os.environ.get("EINDERIV_DEBUG") == "1":
            traceback.print_exc()
        print(
            f"{PROG}: internal error: {type(error).__name__}: {error}\n"
            f"This is a bug in einderiv {_version()}. Please report it with the command you ran"
            + (
                "."
                if os.environ.get("EINDERIV_DEBUG") == "1"
                else " and the traceback shown with EINDERIV_DEBUG=1."
            ),
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
