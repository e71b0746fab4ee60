"""Bad input is a clear error, never a traceback, a hang or a wrong reading (SPEC 1, 5, 6).

A fixed-seed slice of tests/mutation_fuzz.py (mutated gallery, README, tests' and hand-written
plain, LaTeX and Unicode expressions through ``ed.parse``, ``ed.diff``, ``ed.check``, the
command line and the web API in-process), and the regression tests of the defects it found.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mutation_fuzz
from fd import jacobian_fd

import einderiv as ed
from einderiv.frontend import lower as lowering

# --------------------------------------------------------------------------------------------
# the fuzz, a small slice


def test_a_slice_of_the_mutation_fuzz_finds_nothing():
    mutation_fuzz.STATS.clear()
    mutation_fuzz.FINDINGS.clear()
    stats = mutation_fuzz.fuzz(0, seed=3551, cases=25)
    assert stats["cases"] == 25 and stats["calls"] > 100
    # "slow" depends on the machine's load: only the defects that do not are asserted
    found = [f for f in mutation_fuzz.FINDINGS if not f.startswith(("SLOW", "note"))]
    assert not found, "\n".join(found)


@pytest.mark.filterwarnings("ignore")
def test_the_fuzz_mutates_into_bad_input():
    rng = np.random.default_rng(3552)
    texts = [mutation_fuzz.mutate("tr(X' A X)", rng) for _ in range(200)]
    assert len(set(texts)) > 150
    refused = 0
    for text in texts[:60]:
        try:
            ed.parse(text)
        except ed.EinderivError:
            refused += 1
    assert refused > 20


# --------------------------------------------------------------------------------------------
# tr(tr(...)) of index notation: each level lowered its argument twice (2^depth)


def test_nested_traces_of_index_notation_lower_each_argument_once(monkeypatch):
    # tr(s) = s for a scalar s, so tr^d(x[c] delta[c,c]) = sum_c x[c]; the check that a call's
    # argument has no free index lowered the argument once more at each level: 2^d lowerings
    calls = []
    original = lowering._Lowerer._lower

    def counted(self, *args):
        calls.append(1)
        return original(self, *args)

    monkeypatch.setattr(lowering._Lowerer, "_lower", counted)
    depth = 14
    f = ed.parse("tr(" * depth + "x[c] delta[c,c]" + ")" * depth)
    assert len(calls) < 20 * depth * depth  # was 49,151 at depth 14; now 135
    x = np.array([1.0, -2.0, 4.5])
    assert np.isclose(f(x=x), x.sum())


@pytest.mark.parametrize("fn", ["tr", "sum", "norm2", "mean"])
def test_nested_calls_of_index_notation_are_still_checked(fn):
    # the check, now once per argument, still refuses tr(x[i]) (free index i) at any depth
    with pytest.raises(ed.ShapeError, match="free indices"):
        ed.parse(f"{fn}({fn}({fn}(x[i] y[j])))")


# --------------------------------------------------------------------------------------------
# LaTeX of a name with an empty part between underscores: x_ printed x


CASES = [  # the text, and its value at u = the first name's value, v = the second's
    ("x_ + x", lambda u, v: u + v),
    ("W_i_ - W_i", lambda u, v: u - v),
    ("a__b + 3 a_b", lambda u, v: u + 3 * v),
    ("x__ / x", lambda u, v: u / v),
    ("alpha_ - alpha", lambda u, v: u - v),
    ("tr_ + tr_A", lambda u, v: u + v),
]


@pytest.mark.parametrize("text, value", CASES, ids=[c[0] for c in CASES])
def test_latex_of_names_with_trailing_or_double_underscores_reads_back(text, value):
    # x_ + x at x_ = u, x = v is u + v; its LaTeX was "x + x", read back as 2 v
    first, second = text.split()[0], text.split()[-1]
    f = ed.parse(text, where=f"{first}, {second}: scalar")
    given = {first: 1.5, second: 0.25}
    back = ed.parse(f.latex(), where=f"{first}, {second}: scalar")
    assert sorted(back.variables) == sorted(given), f.latex()
    assert np.isclose(back(**given), value(1.5, 0.25))
    assert np.isclose(f(**given), value(1.5, 0.25))


# --------------------------------------------------------------------------------------------
# a LaTeX entry's subscript with a non-ASCII character: \delta_{i,j¹} read with an index j¹


@pytest.mark.parametrize(
    "text, column",
    [(r"\delta_{i,j¹}", 12), (r"\mathbf{1}_é", 12), (r"A_{é,i}", 4), (r"x^\top \delta_{é}", 16)],
)
def test_an_entry_subscript_with_a_non_ascii_index_is_a_parse_error(text, column):
    # the index j¹ (or é) was read as a name that no text reads back ("delta[i,j¹]")
    with pytest.raises(ed.ParseError) as error:
        ed.parse(text)
    assert error.value.column == column
    assert error.value.context.splitlines()[-1].strip() == "^"
    assert "subscript holds indices" in str(error.value)


# --------------------------------------------------------------------------------------------
# \|\cdot\| said "unmatched '\|'", where \sigma(\cdot) says what the dot is


@pytest.mark.parametrize(
    "text, column",
    [
        (r"\|\cdot\|", 3),
        (r"\|\cdot\|_2", 3),
        (r"\|\cdot\|^2", 3),
        (r"|\cdot|", 2),
        (r"\| \cdot \|_F + x", 4),
        (r"a |\cdot| b", 4),
        ("‖·‖", 2),
        ("|·|", 2),
    ],
)
def test_a_dot_alone_between_bars_is_a_placeholder(text, column):
    # a paper's name of the norm itself, as \sigma(\cdot) names the function: the argument is
    # missing, which the error says at the dot (not "unmatched '\|'" at the first bar)
    with pytest.raises(ed.ParseError, match="placeholder for an argument") as error:
        ed.parse(text)
    assert error.value.column == column
    assert error.value.context.splitlines()[-1] == "  " + " " * (column - 1) + "^"


@pytest.mark.parametrize("text", [r"|x| \cdot |", r"\|x \cdot"])
def test_bars_that_nothing_closes_are_still_said_so(text):
    with pytest.raises(ed.ParseError, match="nothing closes it"):
        ed.parse(text)


def test_a_product_of_norms_written_with_cdot_still_reads():
    # \|x\| \cdot \|y\| = norm2(x) norm2(y): the dot between two norms is a product
    x, y = np.array([3.0, 4.0]), np.array([1.0, 2.0, 2.0])
    f = ed.parse(r"\|x\| \cdot \|y\|")
    assert np.isclose(f(x=x, y=y), np.linalg.norm(x) * np.linalg.norm(y))


# --------------------------------------------------------------------------------------------
# a Kronecker size with a factor 1 (u of length 1 in kron(x, u)) was "1*n" beside n: a crash


@pytest.mark.parametrize(
    "text", ["kron(x, u)' y + tanh(x)' y", "kron(u, x)' y + x' y", "kron(x, u)' y + x' y"]
)
@pytest.mark.parametrize("wrt", ["x", "y", "u"])
def test_a_kronecker_size_with_a_factor_one_beside_a_plain_size(text, wrt):
    # y pairs with kron(x, u), of n*1 entries, and with x, of n: sizing keeps 1*n apart from n,
    # so y is used with both; by x and u the derivative is right, by y a ShapeError in words
    # (it was "ValueError: delta over different dimensions n and 1*n", exit code 3)
    rng = np.random.default_rng(3555)
    values = {"x": rng.normal(size=3), "u": rng.normal(size=1), "y": rng.normal(size=3)}

    def f(x, u, y):
        first = np.kron(x, u) if text.startswith("kron(x") else np.kron(u, x)
        return first @ y + (np.tanh(x) if "tanh" in text else x) @ y

    if wrt == "y":
        with pytest.raises(ed.ShapeError, match="sized two ways"):
            ed.diff(text, wrt, where="x: vector(n)")
        return
    g = ed.diff(text, wrt, where="x: vector(n)")
    assert np.allclose(g(**values), jacobian_fd(f, values, wrt), atol=1e-7)


def test_a_kronecker_size_with_a_factor_one_on_the_command_line():
    from einderiv import cli

    argv = ["diff", "kron(x, u)' y + x' y", "--wrt", "y", "--where", "x: vector(n)"]
    assert cli.main(argv) == cli.EXIT_USAGE


@pytest.mark.parametrize("text", ["kron(x, u)' y + tanh(x)' y", "kron(u, x)' y + x' y"])
def test_its_own_derivative_as_a_claim_is_never_wrong(text):
    # d/dx is right (central differences); its text, y' (I + kron(I, u)), does not pair the
    # size of kron(I, u) (?*1) with y's n when read with the expression's sizes: that claim
    # was "wrong" (not well-formed), a wrong answer; it is undecided
    rng = np.random.default_rng(3556)
    values = {"x": rng.normal(size=3), "u": rng.normal(size=1), "y": rng.normal(size=3)}

    def f(x, u, y):
        first = np.kron(x, u) if text.startswith("kron(x") else np.kron(u, x)
        return first @ y + (np.tanh(x) if "tanh" in text else x) @ y

    g = ed.diff(text, "x", where="x: vector(n)")
    assert np.allclose(g(**values), jacobian_fd(f, values, "x"), atol=1e-7)
    assert ed.check(text, "x", claim=str(g), where="x: vector(n)").verdict == "undecided"
