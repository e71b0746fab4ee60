"""The Matrix Cookbook's derivative identities (sections 2.1-2.8) and the lecture notes', pasted
as a researcher pastes them: LaTeX and plain text, the book's right-hand side as the claim in
the book's layout (tests/cookbook_cases.py holds the table).

For every identity, the truth comes from numpy: central differences of the function written
in numpy (tests/fd.py), against which the book's right-hand side (numpy too) is confirmed first.
Then: both texts read as the numpy function; einderiv's derivative and every printed form of it
read back equal the differences; ``check`` says "right" (or "undecided" for the stated reason);
a transposed, doubled or negated claim, and each known-false one, is "wrong" with a
counterexample.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import einderiv as ed
from tests.cookbook_cases import ALL, IDENTITIES, Identity, inv, mp
from tests.fd import invertible, jacobian_fd, rng_for, to_layout
from tests.named_forms import index_lines, read_lines, substituted


def _param(cases):
    return [pytest.param(c, id=c.id) for c in cases]


def _point(case: Identity) -> dict:
    return case.sample(rng_for(case.id))


def _truth(case: Identity, args: dict, layout: str) -> np.ndarray:
    jac = jacobian_fd(case.f, args, case.wrt, sym=case.sym)
    nx = np.ndim(args[case.wrt])
    return to_layout(jac, jac.ndim - nx, nx, layout)


def _vec_truth(case: Identity, args: dict) -> np.ndarray:
    """d vec(Y) / d vec(X)' (vec stacks columns), from the differences."""
    jac = jacobian_fd(case.f, args, case.wrt, sym=case.sym)
    ny = jac.ndim - np.ndim(args[case.wrt])
    rows = int(np.prod(jac.shape[:ny], dtype=int))
    return np.reshape(jac, (rows, -1), order="F")


def _sizes(f: ed.Expr, args: dict) -> dict:
    """The named sizes of f's variables, by their arrays (n -> 3)."""
    return {
        dim: size
        for name, info in f.variables.items()
        for dim, size in zip(info.dims, np.shape(args[name]))
        if isinstance(dim, str)
    }


def _value(expr: ed.Expr, args: dict, sizes: dict | None = None) -> np.ndarray:
    values = {k: v for k, v in args.items() if k in expr.variables}
    try:
        return np.asarray(expr(**values))
    except ed.EvaluationError as error:  # a size only I or ones carries: given by keyword
        if sizes is None or "pass it as a keyword" not in str(error):
            raise
        return np.asarray(expr(**values, **sizes))


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def _close(got, want, what: str, rtol: float = 1e-5) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-6 * scale, err_msg=what)


def _wrt_latex(case: Identity) -> str:
    return (
        case.wrt
        if case.wrt == "x" and "x: scalar" in (case.where or "")
        else (r"\mathbf{" + case.wrt + "}")
    )


def _identity_text(case: Identity, claim: str, operator: bool) -> str:
    """``\\frac{\\partial f}{\\partial X} = claim`` (the notes write ``d``), or the Cookbook's
    ``\\frac{\\partial}{\\partial X} f = claim``."""
    d = "d" if case.layout == "numerator" else r"\partial"
    wrt = _wrt_latex(case)
    if operator:
        return rf"\frac{{{d}}}{{{d} {wrt}}} \left({case.latex}\right) = {claim}"
    return rf"\frac{{{d} {case.latex}}}{{{d} {wrt}}} = {claim}"


def _check(case: Identity, claim: str, operator: bool = False):
    if claim.lstrip().startswith("d"):  # a differential: d f = tr(G dX), dY = A dX B
        return _quiet(ed.check, case.latex, case.wrt, claim=claim, where=case.where)
    return _quiet(ed.check_identity, _identity_text(case, claim, operator), case.where, case.layout)


# ---- the table itself: each book identity, confirmed by numpy alone


@pytest.mark.parametrize("case", _param(IDENTITIES))
def test_the_books_right_hand_side_equals_central_differences(case):
    # d f / d wrt (the case's layout) = rhs, both in numpy: the table is right
    args = _point(case)
    _close(case.rhs(**args), _truth(case, args, case.layout), case.id, rtol=1e-4)


# ---- reading: the pasted LaTeX and the plain text are the numpy function


@pytest.mark.parametrize("case", _param(ALL))
def test_latex_and_plain_text_read_as_the_numpy_function(case):
    args = _point(case)
    want = case.f(**args)
    for text in (case.latex, case.plain):
        f = _quiet(ed.parse, text, where=case.where)
        _close(_value(f, args), want, f"{case.id}: {text!r} read as {f}", rtol=1e-9)


# ---- einderiv's derivative and every printed form of it


@pytest.mark.parametrize("case", _param(ALL))
def test_derivative_equals_central_differences(case):
    args = _point(case)
    want = _truth(case, args, case.layout)
    for text in (case.latex, case.plain):
        g = _quiet(ed.diff, text, case.wrt, where=case.where, layout=case.layout)
        _close(_value(g, args), want, f"{case.id}: d/d{case.wrt} {text!r} = {g}", rtol=1e-4)


def _declared(g: ed.Expr) -> str:
    """The declarations of g's variables as einderiv sized them (``B: matrix(p, q)``), which
    the reader of a printed form has beside it."""
    out = []
    for name, info in g.variables.items():
        dims = ", ".join(map(str, info.dims))
        out.append(f"{name}: {info.kind}({dims})" if dims else f"{name}: {info.kind}")
    return "; ".join(out)


def _read_plain(text: str, where: str, shape) -> ed.Expr:
    return _quiet(ed.parse, text, where=where, shape=shape)


def _read_named(text: str, where: str, args: dict, sizes: dict, shape, latex: bool):
    if index_lines(text):

        def evaluate(expr, values, last):
            return _value(expr, values, sizes)

        return _quiet(read_lines, ed, text, args, where, evaluate, shape=shape)
    back = substituted(text, r"\left(", r"\right)") if latex else substituted(text)
    return _value(_read_plain(back, where, shape), args, sizes)


def _forms(g: ed.Expr) -> dict:
    forms = {
        "str": str(g),
        "latex": g.latex(),
        "index": g.index(),
        "cse text": g.show(cse=True),
        "cse latex": g.show(cse=True, format="latex"),
        "cse index": g.show(cse=True, format="index"),
    }
    for kind, printer in (("differential", g.differential), ("kronecker", g.kronecker)):
        try:
            forms[kind] = printer()
        except ed.EinderivError as error:  # said, never a wrong text
            assert (
                "Kronecker" in str(error) or "differential" in str(error) or ".index" in str(error)
            ), error
    return forms


@pytest.mark.parametrize("case", _param(ALL))
def test_every_printed_form_reads_back_to_the_differences(case):
    args = _point(case)
    want = _truth(case, args, case.layout)
    numerator = _truth(case, args, "numerator")
    g = _quiet(ed.diff, case.latex, case.wrt, where=case.where, layout=case.layout)
    sizes, where = _sizes(g, args), _declared(g)
    for kind, text in _forms(g).items():
        what = f"{case.id}, {kind}: {text!r}"
        if kind == "differential":
            back = _quiet(ed.read_differential, text, case.wrt, where=where)
            got = _value(back, args, sizes)
            _close(got, numerator, what, rtol=1e-4)
        elif kind == "kronecker":
            left, _, right = text.partition("=")
            assert re.fullmatch(r"d vec\(\w+\) / d vec\(\w+\)' ", left), what
            want_vec = _vec_truth(case, args)
            back = _read_plain(right, where, None)
            try:
                got = _value(back, args, sizes)
            except ed.EvaluationError as error:  # kron(Y', I): I's size by keyword (README)
                name = re.search(r"\((\w+)=\.\.\.\)", str(error)).group(1)
                fits = [n for n in range(1, 7) if _value(back, args, {**sizes, name: n}).shape
                        == want_vec.shape]  # fmt: skip
                assert len(fits) == 1, what
                got = _value(back, args, {**sizes, name: fits[0]})
            _close(got, want_vec, what, rtol=1e-4)
        elif kind.startswith("cse"):
            got = _read_named(text, where, args, sizes, g.shape, latex=kind == "cse latex")
            _close(got, want, what, rtol=1e-4)
        else:
            got = _value(_read_plain(text, where, g.shape), args, sizes)
            _close(got, want, what, rtol=1e-4)


# ---- check: the book's claim right, a broken one wrong


# each claim as \frac{\partial f}{\partial X} = ... and as \frac{\partial}{\partial X} f = ...;
# a differential (d f = tr(G dX)) is its own form, written once
@pytest.mark.parametrize(
    "case, operator",
    [pytest.param(c, False, id=f"{c.id}-frac") for c in ALL]
    + [pytest.param(c, True, id=f"{c.id}-operator") for c in IDENTITIES],
)
def test_the_books_claim_is_right(case, operator):
    r = _check(case, case.claim, operator)
    if case.undecided is None:
        assert r.verdict == "right", r
    else:
        assert r.verdict in ("right", "undecided"), r
        if r.verdict == "undecided":
            assert case.undecided in r.reason, r


def _broken(case: Identity, args: dict) -> list[tuple[str, str, np.ndarray | None]]:
    """(how, claim, its numpy value) for each claim made false from the book's."""
    out = [("given", claim, None if value is None else value(**args))
           for claim, value in case.broken]  # fmt: skip
    if case.rhs is None:
        return out
    rhs = np.asarray(case.rhs(**args), dtype=float)
    c = case.claim
    out += [("negated", rf"-\left({c}\right)", -rhs), ("doubled", rf"2\left({c}\right)", 2 * rhs)]
    if rhs.ndim == 2 and rhs.shape[0] == rhs.shape[1] and not np.allclose(rhs, rhs.T):
        out.append(("transposed", rf"\left({c}\right)^T", rhs.T))
    return out


@pytest.mark.parametrize("case", _param(ALL))
def test_a_broken_claim_is_wrong_with_a_counterexample(case):
    args = _point(case)
    want = _truth(case, args, case.layout)
    for how, claim, value in _broken(case, args):
        if value is not None:  # numpy says the broken claim is false at this point
            assert not np.allclose(value, want, atol=1e-3), (case.id, how)
        r = _check(case, claim)
        assert r.verdict == "wrong", (how, r)
        # at a point, or by its shape (B dX A for A dX B: the sizes do not fit)
        assert r.counterexample is not None or "shape" in r.reason, (how, r)


# ---- defects the sweep found, each with its own numerical truth


@pytest.mark.parametrize("x0", [np.array([0.3, -1.2, 0.7]), np.zeros(3)], ids=["x", "x=0"])
def test_the_norm_of_a_nonnegative_scalar_is_that_scalar(x0):
    # d ||x'x||_2 / dx = 2x (Cookbook 2.6): ||s||_2 = |s| = s for s = x'x >= 0. It was
    # 2 x'x x / sqrt((x'x)^2): nan at x = 0, where the derivative is 0, and check said
    # "undecided" of the book's 2x
    want = jacobian_fd(lambda x: abs(x @ x), {"x": x0}, "x")
    g = ed.diff(r"\left\|\mathbf{x}^T\mathbf{x}\right\|_2", "x", layout="denominator")
    _close(_value(g, {"x": x0}), want, "d ||x'x|| / dx")
    for text in (str(g), g.latex()):
        _close(_value(ed.parse(text, shape=g.shape), {"x": x0}), want, text)
    r = ed.check_identity(
        r"\frac{\partial \|\mathbf{x}^T\mathbf{x}\|_2}{\partial \mathbf{x}} = 2\mathbf{x}",
        layout="denominator",
    )
    assert r.verdict == "right", r
    # the norm of a scalar of either sign keeps its kink: |x'y| by x is x'y y / |x'y|
    y0 = np.array([1.0, 2.0, -0.5])
    h = ed.diff("norm2(x' y)", "x", layout="denominator")
    if x0.any():
        want = jacobian_fd(lambda x: abs(x @ y0), {"x": x0}, "x")
        _close(_value(h, {"x": x0, "y": y0}), want, str(h))


@pytest.mark.parametrize(
    "text, fn",
    [
        # the Cookbook's (60) and (74) write entries (X^-1)_{kl}, (XA)_{ij}: two indices, no comma
        (r"(\mathbf{X}^{-1})_{kl}", lambda X, A: inv(X)),
        (r"\left(\mathbf{X}\mathbf{A}\right)_{ij}", lambda X, A: X @ A),
        ("inv(X)[kl]", lambda X, A: inv(X)),
        ("(X A)[ij]", lambda X, A: X @ A),
        ("X[ij]", lambda X, A: X),
    ],
)
def test_an_entry_written_without_a_comma_is_refused_with_a_form_that_reads(text, fn):
    # the refusal's suggestion, plain and LaTeX, is the entry meant: it said "write X A[i,j]",
    # which is X times the entry A[i,j] (refused), and "X^-1[k,l]", which does not parse
    X, A = invertible(rng_for("entries"), 3), rng_for("A").normal(size=(3, 3))
    with pytest.raises(ed.ShapeError, match="indices are given") as refused:
        ed.parse(text)
    plain, latex = re.search(r"\(write (.+), in LaTeX (.+)\)", str(refused.value)).groups()
    for suggested in (plain, latex):
        e = ed.parse(suggested)
        _close(_value(e, {"X": X, "A": A}), fn(X, A), f"{text}: {suggested}", rtol=1e-9)


# ---- identities by entries (Cookbook 60, 74, 75, 80), Kronecker forms, the symmetric
# convention (2.8) and the Hessian (94): the truth in numpy, each claim checked as pasted

_X3, _A3, _B3 = invertible(rng_for("X3"), 3), *rng_for("AB3").normal(size=(2, 3, 3))


def _entries_jacobian(fn):
    """J[k, l, i, j] = d fn(X)[k, l] / d X[i, j] at _X3, by central differences."""
    return jacobian_fd(lambda X: fn(X), {"X": _X3}, "X")


@pytest.mark.parametrize(
    "identity, truth, verdict",
    [
        (  # (60) d (X^-1)_kl / d X_ij = -(X^-1)_ki (X^-1)_jl
            (
                r"\frac{\partial (\mathbf{X}^{-1})_{k,l}}{\partial X_{i,j}} = "
                r"-(\mathbf{X}^{-1})_{k,i}(\mathbf{X}^{-1})_{j,l}"
            ),
            lambda J: np.allclose(J, -np.einsum("ki,jl->klij", inv(_X3), inv(_X3)), atol=1e-6),
            "right",
        ),
        (  # the indices of the second factor swapped: wrong
            (
                r"\frac{\partial (\mathbf{X}^{-1})_{k,l}}{\partial X_{i,j}} = "
                r"-(\mathbf{X}^{-1})_{k,i}(\mathbf{X}^{-1})_{l,j}"
            ),
            lambda J: not np.allclose(J, -np.einsum("ki,lj->klij", inv(_X3), inv(_X3)), atol=1e-3),
            "wrong",
        ),
    ],
)
def test_an_identity_by_entries(identity, truth, verdict):
    assert truth(_entries_jacobian(inv))
    assert ed.check_identity(identity).verdict == verdict


@pytest.mark.parametrize(
    "identity, rhs, verdict",
    [
        # (74) d (XA)_ij / d X_mn = delta_im A_nj; (75) d (X'A)_ij / d X_mn = delta_in A_mj
        (
            r"\frac{\partial (\mathbf{X}\mathbf{A})_{i,j}}{\partial X_{m,n}} = \delta_{i,m}A_{n,j}",
            lambda X: X @ _A3,
            "right",
        ),
        (
            r"\frac{\partial (\mathbf{X}^T\mathbf{A})_{i,j}}{\partial X_{m,n}} = \delta_{i,n}A_{m,j}",
            lambda X: X.T @ _A3,
            "right",
        ),
        # (80) d (X'BX)_kl / d X_ij = (X'B J^ij + J^ji B X)_kl, by entries
        (
            (
                r"\frac{\partial (\mathbf{X}^T\mathbf{B}\mathbf{X})_{k,l}}{\partial X_{i,j}} = "
                r"\delta_{l,j}(\mathbf{X}^T\mathbf{B})_{k,i} + \delta_{k,j}(\mathbf{B}\mathbf{X})_{i,l}"
            ),
            lambda X: X.T @ _B3 @ X,
            "right",
        ),
    ],
)
def test_an_entry_identity_of_the_cookbook(identity, rhs, verdict):
    J = _entries_jacobian(rhs)  # J[i, j, m, n] = d Y[i, j] / d X[m, n]
    if "X}\\mathbf{A})" in identity:
        assert np.allclose(J, np.einsum("im,nj->ijmn", np.eye(3), _A3), atol=1e-6)
    elif "X}^T\\mathbf{A}" in identity:
        assert np.allclose(J, np.einsum("in,mj->ijmn", np.eye(3), _A3), atol=1e-6)
    else:
        XB, BX = _X3.T @ _B3, _B3 @ _X3  # J[k, l, i, j]
        want = np.einsum("lj,ki->klij", np.eye(3), XB) + np.einsum("kj,il->klij", np.eye(3), BX)
        assert np.allclose(J, want, atol=1e-6)
    assert ed.check_identity(identity).verdict == verdict


@pytest.mark.parametrize(
    "identity, fn, kron, verdict",
    [
        (  # d vec(X^-1) / d vec(X)' = -X^-T (x) X^-1
            (
                r"\frac{\partial \operatorname{vec}(\mathbf{X}^{-1})}{\partial \operatorname{vec}"
                r"(\mathbf{X})^T} = -\mathbf{X}^{-T}\otimes\mathbf{X}^{-1}"
            ),
            inv,
            -np.kron(inv(_X3).T, inv(_X3)),
            "right",
        ),
        (  # d vec(AXB) / d vec(X)' = B' (x) A; the factors swapped: wrong
            (
                r"\frac{\partial \operatorname{vec}(\mathbf{A}\mathbf{X}\mathbf{B})}{\partial "
                r"\operatorname{vec}(\mathbf{X})^T} = \mathbf{B}^T\otimes\mathbf{A}"
            ),
            lambda X: _A3 @ X @ _B3,
            np.kron(_B3.T, _A3),
            "right",
        ),
        (
            (
                r"\frac{\partial \operatorname{vec}(\mathbf{A}\mathbf{X}\mathbf{B})}{\partial "
                r"\operatorname{vec}(\mathbf{X})^T} = \mathbf{A}\otimes\mathbf{B}^T"
            ),
            lambda X: _A3 @ X @ _B3,
            np.kron(_A3, _B3.T),
            "wrong",
        ),
    ],
)
def test_a_kronecker_identity(identity, fn, kron, verdict):
    from tests.fd import vec_jacobian

    assert np.allclose(vec_jacobian(fn, _X3), kron, atol=1e-6) == (verdict == "right")
    assert ed.check_identity(identity).verdict == verdict


def test_the_symmetric_convention_of_section_2_8_is_wrong_and_said_so():
    # d tr(AX) / dX for a symmetric X: the Cookbook's A + A' - A o I is not the gradient over
    # symmetric matrices (SPEC 2); (A + A') / 2 is: central differences along symmetric
    # directions, and the first-order change of tr(A X) for a symmetric step equals <G, dX>
    from tests.fd import symmetric_fd

    S = (_B3 + _B3.T) / 2
    fd = symmetric_fd(lambda X: np.trace(_A3 @ X), {"X": S}, "X")
    assert np.allclose(fd, (_A3 + _A3.T) / 2, atol=1e-6)  # denominator layout: like X
    assert not np.allclose(fd, _A3 + _A3.T - _A3 * np.eye(3), atol=1e-3)
    lhs = r"\frac{\partial \operatorname{Tr}(\mathbf{A}\mathbf{X})}{\partial \mathbf{X}} = "
    book = ed.check_identity(
        lhs + r"\mathbf{A}+\mathbf{A}^T-(\mathbf{A}\circ\mathbf{I})",
        "X: symmetric(n)",
        "denominator",
    )
    assert book.verdict == "wrong" and "Srinivasan" in book.diagnosis, book
    half = ed.check_identity(
        lhs + r"\frac{1}{2}(\mathbf{A}+\mathbf{A}^T)", "X: symmetric(n)", "denominator"
    )
    assert half.verdict == "right", half


def test_the_matrix_sine_is_not_read_as_the_entrywise_one_silently():
    # (128) d tr(sin(X)) / dX = cos(X)' is of the matrix sine; einderiv's sin is entrywise:
    # tr(sin(X)) = sum_i sin(X_ii), whose gradient is diag(cos(X_ii)) -- the verdict says so
    fd = jacobian_fd(lambda X: np.sum(np.sin(np.diag(X))), {"X": _X3}, "X")
    assert np.allclose(fd, np.diag(np.cos(np.diag(_X3))), atol=1e-6)
    r = ed.check_identity(
        r"\frac{\partial}{\partial \mathbf{X}} \operatorname{Tr}(\sin(\mathbf{X})) = "
        r"\cos(\mathbf{X})^T",
        layout="denominator",
    )
    assert r.verdict == "undecided" and "entrywise" in r.reason, r


def test_the_hessian_of_a_quadratic_form():
    # (94) d2 (x'Ax + b'x) / dx dx' = A + A'; (A + A') / 2 is wrong
    from tests.fd import hessian_fd

    x0, b0 = rng_for("x").normal(size=3), rng_for("b").normal(size=3)
    H = hessian_fd(lambda x: x @ _A3 @ x + b0 @ x, {"x": x0}, "x")
    assert np.allclose(H, _A3 + _A3.T, atol=1e-5)
    lhs = (
        r"\frac{\partial^2}{\partial \mathbf{x}\partial \mathbf{x}^T}\left(\mathbf{x}^T"
        r"\mathbf{A}\mathbf{x}+\mathbf{b}^T\mathbf{x}\right) = "
    )
    assert ed.check_identity(lhs + r"\mathbf{A}+\mathbf{A}^T").verdict == "right"
    assert ed.check_identity(lhs + r"\frac{1}{2}(\mathbf{A}+\mathbf{A}^T)").verdict == "wrong"


@pytest.mark.parametrize(
    "space",
    [r"\thinspace ", r"\medspace ", r"\thickspace ", r"\enspace ", r"\negthinspace ", r"\>"],
)
def test_named_spaces_are_spaces(space):
    # amsmath's named spaces, as \, is: \thinspace was "unknown command; did you mean \trace?"
    A, X = _A3, _X3
    for text, want in [
        (rf"\operatorname{{Tr}}{space}(\mathbf{{A}}{space}\mathbf{{X}})", np.trace(A @ X)),
        (rf"\mathbf{{A}}{space}\mathbf{{X}}^{{-1}}", A @ inv(X)),
        (rf"\exp{space}(\operatorname{{tr}}(\mathbf{{X}}))", np.exp(np.trace(X))),
    ]:
        _close(_value(ed.parse(text), {"A": A, "X": X}), want, text, rtol=1e-9)


def test_a_space_of_a_given_length_is_refused_with_what_to_write():
    with pytest.raises(ed.ParseError, match=r"space of a given length.*\\,") as refused:
        ed.parse(r"\mathbf{A}\hspace{1em}\mathbf{X}")
    assert "trace" not in str(refused.value)


@pytest.mark.parametrize(
    "text, fn",
    [
        # a superscript against more letters is its first letter, as TeX reads a^TX^nb (the
        # Cookbook's a^T X^n b pasted without braces); it was X^(n b), refused
        ("a^TX^nb", lambda a, b, A, X, n: a @ mp(X, n) @ b),
        ("X^nb", lambda a, b, A, X, n: mp(X, n) @ b),
        ("AX^nA", lambda a, b, A, X, n: A @ mp(X, n) @ A),
        ("X^nA^2", lambda a, b, A, X, n: mp(X, n) @ A @ A),
        ("tr(AX^n)", lambda a, b, A, X, n: np.trace(A @ mp(X, n))),
        # and after a minus: X^-TAX was X^(-(T A X)), X an integer, silently
        ("X^-TAX", lambda a, b, A, X, n: inv(X).T @ A @ X),
        ("a^TX^-TAb", lambda a, b, A, X, n: a @ inv(X).T @ A @ b),
        ("X^-nb", lambda a, b, A, X, n: mp(inv(X), n) @ b),
    ],
)
def test_a_superscript_written_against_letters_is_its_first_letter(text, fn):
    a, b, n = rng_for("a").normal(size=3), rng_for("b").normal(size=3), 3
    with pytest.warns(ed.errors.ReadAsProduct):
        f = ed.parse(text)
    args = {"a": a, "b": b, "A": _A3, "X": _X3, "n": n}
    _close(_value(f, args), fn(a, b, _A3, _X3, n), f"{text} read as {f}", rtol=1e-9)
    if "^n" in text:
        with pytest.raises(ed.EinderivError, match=r"`X\^\(n b\)`"):
            ed.parse(text.replace("^n", "^(nb)"))  # in parentheses: the exponent as written


# the note says what was read: X^nb is X^n b, the power of n only (it said "read 'nb' as the
# product n b", which reads as X^(n b)); the value is X^n b, by numpy
def test_the_note_of_a_superscript_against_letters_names_the_power_of_its_first_letter():
    b, n = rng_for("b").normal(size=3), 3
    with pytest.warns(ed.errors.ReadAsProduct, match=r"'\^nb' as \^n b: the power of n only"):
        f = ed.parse("X^nb")
    _close(_value(f, {"b": b, "X": _X3, "n": n}), mp(_X3, n) @ b, str(f), rtol=1e-9)
