"""The argument parser of the ``einderiv`` command line (SPEC sections 4 and 9).

Input: nothing. Output: ``build_parser()``, an ``argparse`` parser with the subcommands ``diff``,
``hessian``, ``check``, ``audit`` and ``serve``, each with its own ``--help`` examples; and
``usage_of``, the parser whose usage an unknown argument is reported with.
Invariants: only argument syntax lives here; what the arguments mean is ``einderiv.cli``'s.
"""

from __future__ import annotations

import argparse
import re
import sys

from einderiv.cli_io import argument_text as _text
from einderiv.errors import MAX_CHARS

PROG = "einderiv"
LAYOUTS = ("numerator", "denominator", "jacobian")
FORMATS = ("text", "latex", "index", "einsum", "python", "differential", "kronecker")

_EXIT_CODES = """\
exit codes: 0 ok (check: the claim is right), 1 check: the claim is wrong,
            2 bad input or usage, 3 internal error (please report it),
            4 check: undecided (einderiv could not prove the claim right or wrong)
"""

_DASH = f"""\
EXPR '-' reads the expression from standard input. An expression that starts
with '-' and contains no space must follow '--':
  einderiv diff --wrt X -- -X
Each text (EXPR, --wrt, --where, --claim, --identity) is at most {MAX_CHARS:,} characters.
"""

_MAIN_EPILOG = f"""\
examples:
  einderiv diff "tr(X' A X)" --wrt X
  einderiv diff "x' A x" --wrt x --layout denominator --format latex
  einderiv diff "tr(W2 tanh(W1 X))" --wrt W1 --wrt W2 --json
  einderiv hessian "x' A x" --wrt x
  einderiv check "tr(inv(X) A)" --wrt X --claim "-inv(X)' A inv(X)'"
  einderiv serve --open

{_DASH}
{_EXIT_CODES}"""

_DIFF_EPILOG = f"""\
examples:
  einderiv diff "tr(X' A X)" --wrt X
  einderiv diff "x' A x" --wrt x --layout denominator --format latex
  einderiv diff "log|X|" --wrt X --where "X: matrix(n, n)" --steps
  einderiv diff "tr(W2 tanh(W1 X))" --wrt W1 --wrt W2      (one result per variable)
  einderiv diff "sum(log(1 + exp(-y .* (X w))))" --wrt w --json   (JSON Lines)
  echo "tr(X' A X)" | einderiv diff - --wrt X                (EXPR from standard input)
  einderiv diff "tr(X' A X)" --wrt "X[i,j]"                  (elementwise, index notation)

With several --wrt, each text result is preceded by a line '# d/dX' (and a blank line between
results); --format python names the functions grad_X, grad_Y, ...; --json prints one JSON object
per line: expr, wrt, layout, shape, text, latex, index (plus einsum, python or differential when
--format asks for it, and steps with --steps).

{_DASH}
{_EXIT_CODES}"""

_HESSIAN_EPILOG = f"""\
examples:
  einderiv hessian "x' A x" --wrt x                           (A + A')
  einderiv hessian "sum(log(1 + exp(X w)))" --wrt w --json
  einderiv hessian "tr(X' A X)" --wrt X --format index        (order 4: index notation)

The Hessian H[I, J] = d2 f / dX[I] dX[J] of a scalar f, shape S_X + S_X (layout jacobian, the
default, as ed.hessian). --wrt may be repeated: one Hessian per variable.

{_DASH}
{_EXIT_CODES}"""

_CHECK_EPILOG = f"""\
examples:
  einderiv check "tr(inv(X) A)" --wrt X --claim "-inv(X)' A inv(X)'"      (wrong: exit 1)
  einderiv check "x' A x" --wrt x --claim "x' (A + A')"                   (right: exit 0)
  einderiv check "tr(W1 X W2)" --wrt W1 --claim "X W2" --wrt W2 --claim "W1 X" --json

--wrt and --claim may be repeated in pairs: the n-th claim is the derivative by the n-th
variable. The exit code is 1 if any claim is wrong, else 4 if any is undecided, else 0. --json
prints one JSON object per claim: expr, wrt, layout, ok, verdict, expected, reason,
counterexample, ...

{_DASH}
{_EXIT_CODES}"""

_SERVE_EPILOG = """\
examples:
  einderiv serve                     (http://127.0.0.1:8000/)
  einderiv serve --port 0 --open     (any free port, opened in your browser)
  einderiv serve --time-limit 10
"""


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("einderiv")
    except (ImportError, PackageNotFoundError):
        import einderiv

        return str(getattr(einderiv, "__version__", "unknown"))


class _Once(argparse.Action):
    """An option that takes one value: given again with another value it is an error, not
    silently the last one (``--layout numerator --layout denominator``); the same value
    repeated is that value."""

    def __call__(self, parser, namespace, values, option_string=None):
        given = getattr(namespace, "_given", set())
        before = getattr(namespace, self.dest)
        if self.dest in given and before != values:
            parser.error(f"{option_string} given twice ({before}, then {values}): give it once")
        namespace._given = given | {self.dest}
        setattr(namespace, self.dest, values)


def _sub(commands, name: str, help: str, description: str, epilog: str):
    return commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _common(
    sub: argparse.ArgumentParser, default_layout: str | None, optional: bool = False
) -> None:
    sub.add_argument(
        "expr",
        metavar="EXPR",
        nargs="?" if optional else None,
        type=_text,
        help="the expression, e.g. \"tr(X' A X)\"; '-': standard input",
    )
    sub.add_argument(
        "--wrt",
        type=_text,
        required=not optional,
        action="append",
        metavar="X",
        help="the variable to differentiate by, e.g. X, or X[i,j] for the elementwise "
        "derivative; repeat it for one result per variable",
    )
    sub.add_argument(
        "--where",
        type=_text,
        action="append",
        metavar="DECLS",
        help='declarations, e.g. "X: matrix(m, n); S: symmetric(n); k: integer" '
        "(may be given more than once)",
    )
    sub.add_argument(
        "--layout",
        choices=LAYOUTS,
        default=default_layout,
        action=_Once,
        help=f"layout of the result (default: {default_layout or 'numerator; jacobian with --hessian, as for hessian'})",
    )
    sub.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per result, one per line (JSON Lines)",
    )


def _formats(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--format",
        choices=FORMATS,
        action=_Once,
        default="text",
        help="text: matrix notation (default); latex; index: index notation; einsum: a "
        "standalone numpy function, each product one np.einsum; python: a standalone numpy "
        "function ('grad' for diff, 'hessian' for hessian); "
        "differential: d f = tr(G dX); kronecker: d vec(Y) / d vec(X)' = kron(B', A)",
    )
    sub.add_argument(
        "--steps",
        action="store_true",
        help="also print the derivation: indexed sum, Kronecker deltas, contraction, matrix form",
    )
    cse = sub.add_mutually_exclusive_group()
    cse.add_argument(
        "--cse",
        action="store_true",
        default=None,
        help="name repeated subexpressions once (t1 = tanh(W1 x)), then the result in terms of "
        "them (text, latex, index); the default when it at least halves the text",
    )
    cse.add_argument(
        "--no-cse", dest="cse", action="store_false", help="never name shared subexpressions"
    )


class _Parser(argparse.ArgumentParser):
    """A command's parser: a missing EXPR says that one starting with '-' (``-X``) was taken
    for an option, and how to write it."""

    def error(self, message: str):  # type: ignore[override]
        if "required: EXPR" in message:  # not "argument EXPR: not UTF-8 text"
            message += (
                "; an expression that starts with '-' is read as an option: write it after "
                "'--' (einderiv diff --wrt X -- -X) or in parentheses ((-X))"
            )
        option = re.match(r"argument (--claim|--identity)(?: \S+)?: expected one argument", message)
        if option:  # --claim -x' : the value taken for an option
            message += (
                f" (a value that starts with '-' is read as an option: write it with '=', "
                f"{option[1]}=\"-x'\", or in parentheses, (-x'))"
            )
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``einderiv`` program."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Matrix calculus in index notation: differentiate matrix expressions, "
        "or check a derivative you worked out by hand.",
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    diff = _sub(
        commands,
        "diff",
        "differentiate an expression",
        "Differentiate EXPR by each variable X and print the derivative.",
        _DIFF_EPILOG,
    )
    _common(diff, "numerator")
    _formats(diff)

    hessian = _sub(
        commands,
        "hessian",
        "the Hessian of a scalar expression",
        "Print the Hessian of the scalar EXPR by each variable X (as ed.hessian).",
        _HESSIAN_EPILOG,
    )
    _common(hessian, "jacobian")
    _formats(hessian)

    check = _sub(
        commands,
        "check",
        "check a claimed derivative",
        "Check whether CLAIM is the derivative of EXPR by X. Exit code 0 when it is, 1 when it "
        "is not (with a counterexample and the right answer).",
        _CHECK_EPILOG,
    )
    _common(check, None, optional=True)
    check.add_argument(
        "--claim",
        type=_text,
        action="append",
        metavar="CLAIM",
        help="the claimed derivative (one per --wrt): matrix notation, LaTeX, index notation, "
        "or a differential such as 'd f = tr(G dX)' or 'dY = A dX B'",
    )
    check.add_argument(
        "--identity",
        action=_Once,
        type=_text,
        metavar="TEXT",
        help="a whole identity instead of EXPR, --wrt and --claim: "
        "'\\frac{\\partial tr(X^\\top A X)}{\\partial X} = X^\\top (A + A^\\top)', "
        "'d tr(X' A X) / dX = X' (A + A')', 'd (A X B)[i,j] / d X[k,l] = A[i,k] B[l,j]'",
    )
    check.add_argument(
        "--hessian",
        action="store_true",
        help="each claim is the Hessian (second derivative) of the scalar EXPR",
    )

    audit = _sub(
        commands,
        "audit",
        "check every displayed identity of a Markdown or LaTeX file",
        "Find every displayed identity (d Y / d X = ...) of FILE ($$...$$, \\[...\\], "
        "equation and align environments), check each and print a table: label, identity, "
        "verdict (right, wrong, undecided, unreadable with the reason), the correct right side "
        "and a counterexample for the wrong ones. Exit code 1 if any identity is wrong.",
        "example:\n  einderiv audit notes.md --layout denominator --format json\n",
    )
    audit.add_argument("file", metavar="FILE", help="a Markdown or LaTeX file")
    audit.add_argument(
        "--where",
        type=_text,
        action="append",
        metavar="DECLS",
        help="declarations for every identity",
    )
    audit.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="numerator",
        action=_Once,
        help="the document's layout (default: numerator)",
    )
    audit.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        action=_Once,
        help="markdown or json",
    )

    serve = _sub(
        commands,
        "serve",
        "a local web page: type an expression, see its derivative, check a claim",
        "Serve the einderiv web page and its JSON API (POST /api/diff, POST /api/check, "
        "GET /api/health) until Ctrl-C.",
        _SERVE_EPILOG,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", action=_Once, help="address (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=8000, action=_Once, help="port (default: 8000; 0: any)"
    )
    serve.add_argument("--open", action="store_true", help="open the page in a web browser")
    serve.add_argument(
        "--time-limit",
        action=_Once,
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="stop a request's work after this many seconds (default: 5)",
    )
    return parser


def usage_of(parser, args, extra, argv) -> argparse.ArgumentParser:
    """The parser of the command (``diff``, ...) the ``extra`` arguments follow, else the
    top-level one (``einderiv --bogus diff ...``)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = args.command
    if command not in argv or argv.index(extra[0]) < argv.index(command):
        return parser
    for action in parser._actions:  # argparse keeps its subparsers only here
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]
    return parser
