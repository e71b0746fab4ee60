"""Generate docs/gallery.md: every identity of the lecture notes, differentiated by einderiv.

The lecture notes are /work/shared/matrix-differentiation-notes.txt (CS5240, "Matrix
Differentiation"). Each identity below is an expression, the variable and the declarations; the
gallery shows what einderiv derives for it in numerator and denominator layout and as LaTeX.

The table ``IDENTITIES`` also records the notes' right-hand side of each identity (``claim``),
written in einderiv syntax; docs/make_notes_audit.py checks those claims with ``ed.check``.

Rule identities (SS, VS, MS, SV, SM, VV) hold for any inner functions; they are instantiated with
concrete ones (e.g. SS2 with u = exp(x^2), v = sin(x)), and the claim is the rule applied by hand.

Usage:
    python docs/make_gallery.py           # write docs/gallery.md
    python docs/make_gallery.py --check   # exit 1, with a diff summary, if it is not current
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # document this checkout, whatever else is installed

ed = importlib.import_module("einderiv")


@dataclass(frozen=True)
class Identity:
    """One identity of the notes.

    id      the notes' label; a suffix when the notes state several forms (e.g. "DT3 (XA)")
    expr    the differentiated expression, in einderiv syntax
    wrt     the variable
    where   declarations
    claim   the notes' right-hand side, in einderiv syntax, in ``layout``
    layout  the layout of the notes' claim (the notes use numerator layout)
    remark  a short note shown in the audit
    """

    id: str
    expr: str
    wrt: str
    where: str
    claim: str
    layout: str = "numerator"
    remark: str = ""

    def __post_init__(self):
        # keep only the declarations of the variable and of names in the expression
        names = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", self.expr)) | {self.wrt}
        used = [d.strip() for d in self.where.split(";") if d.split(":")[0].strip() in names]
        object.__setattr__(self, "where", "; ".join(used))


@dataclass(frozen=True)
class Section:
    title: str
    intro: str
    identities: list[Identity]
    show_claims: bool = False  # show the notes' right-hand sides in the gallery


Id = Identity  # a short name for the tables below

# --- (C1)-(C11) commonly used derivatives ------------------------------------------------------

C_VEC = "a: vector(n); x: vector(n)"
COMMON = [
    Id("C1", "a", "x", "a: vector(n); x: scalar", "0 a", remark="0 (column)"),
    Id("C2", "a", "x", "a: scalar; x: vector(n)", "0 x'", remark="0' (row)"),
    Id("C3", "a", "X", "a: scalar; X: matrix(m, n)", "0 X'", remark="0' (matrix, n-by-m)"),
    Id("C4", "a", "x", "a: vector(m); x: vector(n)", "0 a x'", remark="0 (matrix, m-by-n)"),
    Id("C5", "x", "x", "x: vector(n)", "I"),
    Id("C6", "a' x", "x", C_VEC, "a'"),
    Id("C6 (x'a)", "x' a", "x", C_VEC, "a'"),
    Id("C7", "x' x", "x", "x: vector(n)", "2 x'"),
    Id("C8", "(x' a)^2", "x", C_VEC, "2 x' a a'"),
    Id("C9", "A x", "x", "A: matrix(m, n); x: vector(n)", "A"),
    Id("C10", "x' A", "x", "A: matrix(m, n); x: vector(m)", "A'"),
    Id("C11", "x' A x", "x", "A: matrix(n, n); x: vector(n)", "x' (A + A')"),
]

# --- rules, instantiated -----------------------------------------------------------------------

SS = "x: scalar"
SCALAR_BY_SCALAR = [
    Id("SS1", "exp(x^2) + sin(x)", "x", SS, "2 x exp(x^2) + cos(x)"),
    Id("SS2", "exp(x^2) sin(x)", "x", SS, "exp(x^2) cos(x) + sin(x) 2 x exp(x^2)"),
    Id("SS3", "exp(sin(x))", "x", SS, "exp(sin(x)) cos(x)"),
    Id("SS4", "log(1 + exp(sin(x^2)))", "x", SS, "sigmoid(sin(x^2)) cos(x^2) 2 x"),
]

VS = "x: scalar; c: scalar; a: vector(m); b: vector(m); A: matrix(p, m); B: matrix(p, m)"
U_VS = "x a + x^2 b"  # u(x); du/dx = a + 2 x b
VECTOR_BY_SCALAR = [
    Id("VS1", f"c ({U_VS})", "x", VS, "c (a + 2 x b)"),
    Id("VS2", f"A ({U_VS})", "x", VS, "A (a + 2 x b)"),
    Id("VS3", f"({U_VS})'", "x", VS, "(a + 2 x b)'"),
    Id("VS4", "sin(x) a + exp(x) b", "x", VS, "cos(x) a + exp(x) b"),
    Id("VS5", f"tanh({U_VS})", "x", VS, f"diag(1 - tanh({U_VS}) .^ 2) (a + 2 x b)"),
    Id(
        "VS6",
        f"sin(B tanh({U_VS}))",
        "x",
        VS,
        f"diag(cos(B tanh({U_VS}))) B diag(1 - tanh({U_VS}) .^ 2) (a + 2 x b)",
    ),
]

MS = (
    "x: scalar; c: scalar; A: matrix(m, n); B: matrix(m, n); C: matrix(n, q); D: matrix(n, q); "
    "P: matrix(p, m); Q: matrix(n, q)"
)
MATRIX_BY_SCALAR = [
    Id("MS1", "c (x A + x^2 B)", "x", MS, "c (A + 2 x B)"),
    Id("MS2", "P (x A + x^2 B) Q", "x", MS, "P (A + 2 x B) Q"),
    Id("MS3", "sin(x) A + exp(x) B", "x", MS, "cos(x) A + exp(x) B"),
    Id("MS4", "(x A + B) (C + x^2 D)", "x", MS, "(x A + B) (2 x D) + A (C + x^2 D)"),
]

SV = "x: vector(n); a: vector(n); c: scalar; A: matrix(m, n); B: matrix(m, n); M: matrix(m, m)"
SCALAR_BY_VECTOR = [
    Id("SV1", "c sin(a' x)", "x", SV, "c cos(a' x) a'"),
    Id("SV2", "x' x + sin(a' x)", "x", SV, "2 x' + cos(a' x) a'"),
    Id("SV3", "(x' x) sin(a' x)", "x", SV, "(x' x) cos(a' x) a' + sin(a' x) 2 x'"),
    Id("SV4", "exp(x' x)", "x", SV, "exp(x' x) 2 x'"),
    Id("SV5", "exp(sin(x' x))", "x", SV, "exp(sin(x' x)) cos(x' x) 2 x'"),
    Id("SV6", "(A x)' tanh(B x)", "x", SV, "(A x)' diag(1 - tanh(B x) .^ 2) B + tanh(B x)' A"),
    Id("SV7", "(A x)' M sin(B x)", "x", SV, "(A x)' M diag(cos(B x)) B + sin(B x)' M' A"),
]

SM = "X: matrix(m, n); A: matrix(m, m); B: matrix(n, m); c: scalar"
DT5_RHS = "X' (A + A')"  # du/dX for u = tr(X' A X), by (DT5)
SCALAR_BY_MATRIX = [
    Id("SM1", "c tr(X' A X)", "X", SM, f"c {DT5_RHS}"),
    Id("SM2", "tr(X' A X) + sum(sin(X))", "X", SM, f"{DT5_RHS} + cos(X)'"),
    Id(
        "SM3",
        "tr(X' A X) sum(sin(X))",
        "X",
        SM,
        f"tr(X' A X) cos(X)' + sum(sin(X)) {DT5_RHS}",
    ),
    Id("SM4", "exp(tr(B X))", "X", SM, "exp(tr(B X)) B"),
    Id("SM5", "exp(sin(tr(B X)))", "X", SM, "exp(sin(tr(B X))) cos(tr(B X)) B"),
]

VV = (
    "x: vector(n); c: vector(n); A: matrix(m, n); B: matrix(m, n); F: matrix(m, p); G: matrix(p, n)"
)
VV5_NUM = "diag(cos(F tanh(G x))) F diag(1 - tanh(G x) .^ 2) G"
VV5_DEN = "G' diag(1 - tanh(G x) .^ 2) F' diag(cos(F tanh(G x)))"
VECTOR_BY_VECTOR = [
    Id("VV1", "sin(c' x) (A x)", "x", VV, "sin(c' x) A + (A x) cos(c' x) c'"),
    Id("VV2", "F tanh(G x)", "x", VV, "F diag(1 - tanh(G x) .^ 2) G"),
    Id("VV3", "A x + tanh(B x)", "x", VV, "A + diag(1 - tanh(B x) .^ 2) B"),
    Id("VV4", "tanh(A x)", "x", VV, "diag(1 - tanh(A x) .^ 2) A"),
    Id("VV5", "sin(F tanh(G x))", "x", VV, VV5_NUM),
]

# --- (DT1)-(DT8) trace ------------------------------------------------------------------------

SQ = "X: matrix(n, n); A: matrix(n, n)"
NS = "X: matrix(m, n); A: matrix(p, m); B: matrix(n, p)"
TRACE = [
    Id("DT1", "tr(X)", "X", "X: matrix(n, n)", "I"),
    Id("DT2", "tr(X^k)", "X", "X: matrix(n, n); k: integer", "k X^(k-1)", remark="symbolic k"),
    Id("DT2 (k=3)", "tr(X^3)", "X", "X: matrix(n, n)", "3 X^(3-1)", remark="literal k = 3"),
    Id("DT3", "tr(A X)", "X", "X: matrix(m, n); A: matrix(n, m)", "A"),
    Id("DT3 (XA)", "tr(X A)", "X", "X: matrix(m, n); A: matrix(n, m)", "A"),
    Id("DT4", "tr(A X')", "X", "X: matrix(m, n); A: matrix(m, n)", "A'"),
    Id("DT4 (X'A)", "tr(X' A)", "X", "X: matrix(m, n); A: matrix(m, n)", "A'"),
    Id("DT5", "tr(X' A X)", "X", "X: matrix(m, n); A: matrix(m, m)", "X' (A + A')"),
    Id(
        "DT6",
        "tr(X^-1 A)",
        "X",
        SQ,
        "-X^-T A X^-T",
        remark="the printed form is the numerator-layout derivative only for symmetric X, and "
        "the denominator-layout one (-X^-T A' X^-T) only for symmetric A",
    ),
    Id("DT7", "tr(A X B)", "X", NS, "B A"),
    Id("DT7 (BAX)", "tr(B A X)", "X", NS, "B A"),
    Id(
        "DT8",
        "tr(A X B X' C)",
        "X",
        "X: matrix(m, n); A: matrix(p, m); B: matrix(n, n); C: matrix(m, p)",
        "B X' C A + B' X' A' C'",
    ),
]

# --- (DD1)-(DD5) determinant ------------------------------------------------------------------

SQX = "X: matrix(n, n)"
DETERMINANT = [
    Id("DD1", "|X|", "X", SQX, "det(X) X^-1"),
    Id("DD1 (det)", "det(X)", "X", SQX, "det(X) X^-1"),
    Id("DD2", "|X^k|", "X", "X: matrix(n, n); k: integer", "k det(X^k) X^-1", remark="symbolic k"),
    Id("DD2 (k=3)", "|X^3|", "X", SQX, "3 det(X^3) X^-1", remark="literal k = 3"),
    Id("DD3", "log|X|", "X", SQX, "X^-1"),
    Id("DD3 (logdet)", "logdet(X)", "X", SQX, "X^-1"),
    Id(
        "DD4",
        "|A X B|",
        "X",
        "X: matrix(n, n); A: matrix(n, n); B: matrix(n, n)",
        "det(A X B) X^-1",
        remark="A, X, B square",
    ),
    Id(
        "DD5",
        "|X' A X|",
        "X",
        "X: matrix(n, n); A: matrix(n, n)",
        "2 det(X' A X) X^-1",
        remark="X square",
    ),
]

# The notes state DD4 and DD5 "for variable matrix X and constant matrices A, B", without
# requiring square matrices; their derivations (|AXB| = |A||X||B|, |X'| = |X|) need them.
SCOPE = [
    Id(
        "DD4 (non-square)",
        "|A X B|",
        "X",
        "X: matrix(m, n); A: matrix(p, m); B: matrix(n, p)",
        "det(A X B) X^-1",
        remark="X m-by-n: X^-1 does not exist",
    ),
    Id(
        "DD5 (non-square)",
        "|X' A X|",
        "X",
        "X: matrix(m, n); A: matrix(m, m)",
        "2 det(X' A X) X^-1",
        remark="X m-by-n: X^-1 does not exist",
    ),
]

# --- "Notes on Denominator Layout": claims in denominator layout ---------------------------------

DENOMINATOR = [
    Id(
        "den C6",
        "a' x",
        "x",
        C_VEC,
        "a",
        layout="denominator",
        remark="labelled (C7) in the notes' table; it is (C6)",
    ),
    Id("den C11", "x' A x", "x", "A: matrix(n, n); x: vector(n)", "(A + A') x", "denominator"),
    Id("den VV5", "sin(F tanh(G x))", "x", VV, VV5_DEN, "denominator", remark="right to left"),
]

SECTIONS = [
    Section("Commonly used derivatives (C1)-(C11)", "", COMMON),
    Section(
        "Scalar by scalar (SS1)-(SS4)",
        "u = exp(x^2), v = sin(x); f(g) = log(1 + exp(g)), g = sin, u = x^2.",
        SCALAR_BY_SCALAR,
    ),
    Section(
        "Vector by scalar (VS1)-(VS6)",
        "u = x a + x^2 b, so du/dx = a + 2 x b; g = tanh, f(g) = sin(B g).",
        VECTOR_BY_SCALAR,
    ),
    Section(
        "Matrix by scalar (MS1)-(MS4)",
        "U = x A + x^2 B, so dU/dx = A + 2 x B.",
        MATRIX_BY_SCALAR,
    ),
    Section(
        "Scalar by vector (SV1)-(SV7)",
        "u, v scalars such as x' x and sin(a' x); in SV6, SV7 u = A x, v = tanh(B x) or sin(B x).",
        SCALAR_BY_VECTOR,
    ),
    Section(
        "Scalar by matrix (SM1)-(SM5)",
        "u = tr(X' A X) (derivative by DT5), v = sum(sin(X)); in SM4, SM5 u = tr(B X).",
        SCALAR_BY_MATRIX,
    ),
    Section(
        "Vector by vector (VV1)-(VV5)",
        "a = sin(c' x), u = A x; g = tanh(G x), f(g) = sin(F g).",
        VECTOR_BY_VECTOR,
    ),
    Section("Derivatives of the trace (DT1)-(DT8)", "", TRACE),
    Section("Derivatives of the determinant (DD1)-(DD5)", "", DETERMINANT),
    Section(
        "Determinant identities outside square matrices",
        "DD4 and DD5 with non-square X (the notes do not say the matrices must be square).",
        SCOPE,
    ),
    Section(
        'The notes\' table "Notes on Denominator Layout"',
        "The notes' right-hand sides here are in denominator layout.",
        DENOMINATOR,
        show_claims=True,
    ),
]

IDENTITIES = [identity for section in SECTIONS for identity in section.identities]


# --- markdown helpers -----------------------------------------------------------------------


def code(text: str) -> str:
    """Inline code for a table cell (a `|` must be escaped even inside a code span)."""
    return "`" + text.replace("|", "\\|") + "`"


def math(latex: str) -> str:
    """Inline math for a table cell, with no `|` (it would end the cell)."""
    latex = re.sub(r"\\\|(?=[A-Za-z])", r"\\Vert ", latex).replace("\\|", "\\Vert")
    latex = re.sub(r"\|(?=[A-Za-z])", r"\\vert ", latex).replace("|", "\\vert")
    return f"${latex}$"


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def derivative(identity: Identity, layout: str):
    """einderiv's derivative (an Expr), or the error text when it fails."""
    try:
        return ed.diff(identity.expr, identity.wrt, where=identity.where, layout=layout)
    except ed.EinderivError as error:
        return f"error: {str(error).splitlines()[0]}"


# --- the gallery ------------------------------------------------------------------------------

HEADER = """\
# Gallery: the identities of the lecture notes, derived by einderiv

<!-- Generated by docs/make_gallery.py; do not edit by hand. Regenerate with
     `python docs/make_gallery.py`; `python docs/make_gallery.py --check` tests it is current. -->

Every identity of the lecture notes *Matrix Differentiation* (CS5240, Leow Wee Kheng), as
einderiv derives it: `ed.diff(expression, by, where=declarations, layout=...)`, printed with
`str(...)` in numerator layout (the notes' convention: d tr(AX)/dX = A) and in denominator layout
(the gradient, shaped like the variable), and with `.latex()` in numerator layout; then the
differential (`.differential()`: `d f = tr(G dX)`, `dY = A dX B + ...`) and, for derivatives by a
matrix, the Kronecker form (`.kronecker()`: `d vec(Y) / d vec(X)' = ...`). Whether the
notes' own right-hand sides are right is in [notes-audit.md](notes-audit.md).

The rule identities (SS, VS, MS, SV, SM, VV) hold for any inner functions; here they are
instantiated with concrete ones. Where the engine cannot write a result in matrix notation it
prints index notation (section 1 of the SPEC), with summation over repeated indices.
"""


def table(section: Section) -> list[str]:
    head = ["id", "expression", "by", "declarations", "numerator", "denominator"]
    if section.show_claims:
        head.append("the notes")
    head += ["LaTeX (numerator)", "differential", "Kronecker"]
    lines = [row(head), row(["---"] * len(head))]
    for identity in section.identities:
        num = derivative(identity, "numerator")
        den = derivative(identity, "denominator")
        latex = math(num.latex()) if isinstance(num, ed.Expr) else ""
        cells = [
            identity.id,
            code(identity.expr),
            code(identity.wrt),
            code(identity.where),
            code(str(num)),
            code(str(den)),
        ]
        if section.show_claims:
            cells.append(code(identity.claim))
        cells += [latex, _form(num, "differential"), _form(num, "kronecker")]
        lines.append(row(cells))
    return lines


def _form(g, name: str) -> str:
    """``g.differential()`` or ``g.kronecker()`` as a cell; empty where it does not apply."""
    if not isinstance(g, ed.Expr) or not hasattr(g, name):
        return ""
    try:
        return code(getattr(g, name)())
    except ed.EinderivError:
        return ""


def gallery() -> str:
    lines = [HEADER]
    for section in SECTIONS:
        lines.append(f"## {section.title}\n")
        if section.intro:
            lines.append(section.intro + "\n")
        lines.extend(table(section))
        lines.append("")
    return "\n".join(lines)


# --- writing and checking ---------------------------------------------------------------------


def write_or_check(path: Path, text: str, argv: list[str], script: str) -> int:
    """Write ``text`` to ``path``; with ``--check`` compare instead. Returns the exit code."""
    if "--check" not in argv:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
        return 0
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current == text:
        print(f"{path.relative_to(ROOT)} is current")
        return 0
    diff = list(
        difflib.unified_diff(
            current.splitlines(),
            text.splitlines(),
            f"{path.relative_to(ROOT)} (on disk)",
            f"{path.relative_to(ROOT)} (generated)",
            lineterm="",
        )
    )
    changed = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    print(
        f"{path.relative_to(ROOT)} is not current: {changed} changed lines; run `python {script}`"
    )
    shown = 60
    print("\n".join(diff[:shown]))
    if len(diff) > shown:
        print(f"... ({len(diff) - shown} more diff lines)")
    return 1


def fixed_hash_seed(script: str, argv: list[str]) -> int | None:
    """Run ``script`` again under PYTHONHASHSEED=0 unless it already is; its exit code, or None.

    einderiv's printed forms should not depend on Python's hash seed (the gallery is the same
    under seeds 1, 2 and 3 as of 2026-12-04, and tests/test_cse.py checks the named forms); the
    fixed seed keeps the documents byte-identical from run to run even if one came to.
    """
    if os.environ.get("PYTHONHASHSEED") == "0":
        return None
    env = dict(os.environ, PYTHONHASHSEED="0")
    return subprocess.run([sys.executable, script, *argv], env=env, check=False).returncode


def main(argv: list[str]) -> int:
    rerun = fixed_hash_seed(__file__, argv)
    if rerun is not None:
        return rerun
    return write_or_check(ROOT / "docs" / "gallery.md", gallery(), argv, "docs/make_gallery.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
