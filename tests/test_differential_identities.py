"""Differential identities as Magnus & Neudecker write them, ``d f = ... dX ...``, read by
ed.check_identity, ``einderiv check --identity`` and ed.audit (SPEC 8).

The variable is the one whose differential the right side holds; none or several is a clear
error (in an audit: "unreadable", never skipped). Each identity's truth is shown here with plain
numpy: a central difference of the left side along a random direction dX against the right
side evaluated at that dX; never einderiv's output.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fd import close, gen, invertible, rng_for

import einderiv as ed
from einderiv.cli import main

inv = np.linalg.inv


def along(f, X, dX, h=1e-6):
    """The differential of f at X in the direction dX, by central differences."""
    return (f(X + h * dX) - f(X - h * dX)) / (2 * h)


def vec(M):
    return M.reshape(-1, order="F")  # columns stacked


LOGDET = r"d\ln\det(\mathbf{X}) = \operatorname{tr}(\mathbf{X}^{-1} d\mathbf{X})"


def test_d_log_det():
    # d log|X| = tr(X^{-1} dX); twice that is wrong
    rng = rng_for("d logdet")
    X, dX = invertible(rng, 3), gen(rng, 3, 3)
    dlogdet = along(lambda X: np.log(abs(np.linalg.det(X))), X, dX)
    assert close(dlogdet, np.trace(inv(X) @ dX))
    assert not close(dlogdet, 2 * np.trace(inv(X) @ dX))
    assert ed.check_identity(r"d \log|X| = \operatorname{tr}(X^{-1} dX)").verdict == "right"
    assert ed.check_identity(LOGDET).verdict == "right"
    assert ed.check_identity(LOGDET.replace("= ", "= 2")).verdict == "wrong"
    assert ed.check_identity("d log(det(X)) = tr(inv(X) dX)").verdict == "right"


def test_d_inverse_and_products():
    # d(X^{-1}) = -X^{-1} dX X^{-1} (not with dX^T); d(A X B) = A dX B
    rng = rng_for("d inverse")
    X, dX, A, B = invertible(rng, 3), gen(rng, 3, 3), gen(rng, 3, 3), gen(rng, 3, 3)
    dinv = along(inv, X, dX)
    assert close(dinv, -inv(X) @ dX @ inv(X))
    assert not close(dinv, -inv(X) @ dX.T @ inv(X))
    assert close(along(lambda X: A @ X @ B, X, dX), A @ dX @ B)
    assert ed.check_identity(r"d(X^{-1}) = -X^{-1} dX X^{-1}").verdict == "right"
    assert ed.check_identity(r"d(X^{-1}) = -X^{-1} dX^T X^{-1}").verdict == "wrong"
    assert ed.check_identity(r"d(AXB) = A\,dX\,B").verdict == "right"


def test_d_vec_kronecker():
    # d vec(AXB) = (B' kron A) d vec(X), vec stacking columns; (A kron B') is wrong
    rng = rng_for("d vec AXB")
    A, X, B, dX = gen(rng, 2, 3), gen(rng, 3, 4), gen(rng, 4, 5), gen(rng, 3, 4)
    dvec = along(lambda X: vec(A @ X @ B), X, dX)
    assert close(dvec, np.kron(B.T, A) @ vec(dX))
    assert not close(dvec, np.kron(A, B.T) @ vec(dX))
    text = r"d\,\mathrm{vec}(AXB) = (B^\top \otimes A)\, d\,\mathrm{vec}(X)"
    assert ed.check_identity(text).verdict == "right"
    # d vec(Y) = K d vec(X) is read as the Kronecker claim d vec(Y) / d vec(X)' = K, as the
    # \frac form is: A kron B' was once undecided ("cannot read the claim's sizes": its sizes
    # q*n by p*m against vec(dX)'s m*p), where the \frac form said wrong, as numpy does
    swapped = text.replace(r"B^\top \otimes A", r"A \otimes B^\top")
    assert ed.check_identity(swapped).verdict == "wrong"
    frac = r"\frac{\partial \mathrm{vec}(AXB)}{\partial \mathrm{vec}(X)^\top} = A \otimes B^\top"
    assert ed.check_identity(frac).verdict == "wrong"
    assert ed.check_identity("d vec(A X B) = kron(B', A) d vec(X)").verdict == "right"


def test_d_vec_kronecker_of_a_sum_of_terms():
    # d vec(X X') = (X kron I) d vec(X) + (I kron X) K d vec(X), K vec(X) = vec(X') (X m-by-n,
    # I of size m); with the Kronecker factors swapped it is wrong (numpy below)
    rng = rng_for("d vec XX'")
    m, n = 2, 3
    X, dX, eye = gen(rng, m, n), gen(rng, m, n), np.eye(m)
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[i * n + j, j * m + i] = 1  # vec(X')[i*n + j] = X[i, j] = vec(X)[j*m + i]
    assert close(K @ vec(X), vec(X.T))
    dvec = along(lambda X: vec(X @ X.T), X, dX)
    assert close(dvec, (np.kron(X, eye) + np.kron(eye, X) @ K) @ vec(dX))
    assert not close(dvec, (np.kron(eye, X) + np.kron(X, eye) @ K) @ vec(dX))
    d, bx, I, K_ = (
        r"\,d\,\operatorname{vec}(\mathbf{X})",
        r"\mathbf{X}",
        r"\mathbf{I}",
        r"\mathbf{K}",
    )
    left = rf"d\,\operatorname{{vec}}({bx}{bx}^\top) = "
    right = rf"({bx}\otimes{I}){d} + ({I}\otimes{bx}){K_}_{{m,n}}{d}"
    swapped = rf"({I}\otimes{bx}){d} + ({bx}\otimes{I}){K_}_{{m,n}}{d}"
    where = "X: matrix(m, n)"
    assert ed.check_identity(left + right, where=where).verdict == "right"
    assert ed.check_identity(left + swapped, where=where).verdict == "wrong"


def test_a_differential_under_a_condition():
    # d(x'Ax) = x'(A + A') dx: 2 x'A dx holds for a symmetric A only
    rng = rng_for("d x'Ax")
    A, x, dx = gen(rng, 3, 3), gen(rng, 3), gen(rng, 3)
    assert not close(along(lambda x: x @ A @ x, x, dx), 2 * x @ A @ dx)
    S = A + A.T
    assert close(along(lambda x: x @ S @ x, x, dx), 2 * x @ S @ dx)
    text = r"d(\mathbf{x}^\top \mathbf{A}\mathbf{x}) = 2\mathbf{x}^\top\mathbf{A}\,d\mathbf{x}"
    assert ed.check_identity(text).verdict == "wrong"
    assert ed.check_identity(text + r" \quad \text{if } \mathbf{A} = \mathbf{A}^T").verdict == (
        "right"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("dY = A dX B", "differential of a name"),  # Y is no expression of X
        ("d(A X B) = dA X B + A dX B", "several variables"),  # by A and by X
        (r"d\,\operatorname{tr}(X) = 5", "no differential"),
    ],
)
def test_an_unclear_differential_is_refused(text, message):
    with pytest.raises(ed.EinderivError, match=message):
        ed.check_identity(text)


@pytest.mark.parametrize(
    "text",
    [r"\partial(XY) = (\partial X) Y + X \partial Y", "d(X Y) = dX Y + X dY"],
)
def test_a_total_differential_is_refused_with_the_identities_to_write(text):
    # d(XY) = dX Y + X dY (the Cookbook's (\partial X) Y + X \partial Y) holds the
    # differentials of X and Y; einderiv checks by one variable: the refusal names the
    # identities to write instead, each right (numpy: the product's differential along dX with
    # Y fixed is dX Y, along dY with X fixed is X dY)
    rng = rng_for("total differential")
    X, Y, dX, dY = (rng.normal(size=(3, 3)) for _ in range(4))
    assert close(along(lambda M: M @ Y, X, dX), dX @ Y)
    assert close(along(lambda M: X @ M, Y, dY), X @ dY)
    with pytest.raises(ed.EinderivError, match="several variables") as error:
        ed.check_identity(text)
    message = str(error.value)
    written = message.split("terms only (", 1)[1].split("), or check", 1)[0]
    each = written.split(", then ")
    assert len(each) == 2 and "--wrt X" in message, message
    for identity in each:  # each one the refusal offers is checked right
        assert ed.check_identity(identity).verdict == "right", identity


def test_audit_reads_differentials_and_skips_none(tmp_path, capsys):
    # the identities of test_d_log_det and test_d_inverse_and_products (numpy there)
    doc = "\n\n".join(
        f"$$ {t} $$"
        for t in (
            LOGDET + r" \quad (M1)",
            r"d(X^{-1}) = -X^{-1} dX^T X^{-1}",
            r"dY = A dX B",
            r"d(x, y) = \|x - y\|",  # a distance, no differential: not an identity
        )
    )
    lines = ed.audit(doc)
    assert [(a.label, a.verdict) for a in lines] == [
        ("(M1)", "right"),
        ("", "wrong"),
        ("", "unreadable"),
    ]
    assert main(["check", "--identity", r"d \log|X| = \operatorname{tr}(X^{-1} dX)"]) == 0
    path = tmp_path / "mn.md"
    path.write_text(doc)
    assert main(["audit", str(path)]) == 1
    assert "1 unreadable" in capsys.readouterr().out


@pytest.mark.parametrize(
    "right", [r"d(X)^T X + X^T dX", r"d(X^T) X + X^T d(X)", r"d(X^\top) X + X^\top dX"]
)
def test_a_differential_of_a_parenthesised_or_transposed_variable(right):
    # d(X'X) = dX' X + X' dX; d(X) and d(X^T) were read as a vector d times X (wrong)
    rng = rng_for("d X'X")
    X, dX = gen(rng, 3, 2), gen(rng, 3, 2)
    assert close(along(lambda X: X.T @ X, X, dX), dX.T @ X + X.T @ dX)
    assert not close(along(lambda X: X.T @ X, X, dX), dX.T @ X)
    assert ed.check_identity(f"d(X^T X) = {right}").verdict == "right"
    assert ed.check_identity("d(X^T X) = d(X^T) X").verdict == "wrong"


def test_the_cookbooks_partial_as_a_differential(tmp_path):
    # The Matrix Cookbook (2.1) writes the differential with \partial: d(X^{-1}) = -X^{-1} dX
    # X^{-1} is (40), d ln det X = tr(X^{-1} dX) is (43), d X^T = (dX)^T is (44); they were
    # "the left side is not a derivative such as dY/dX"
    rng = rng_for("cookbook partial")
    X, dX = invertible(rng, 3), gen(rng, 3, 3)
    assert close(along(inv, X, dX), -inv(X) @ dX @ inv(X))
    assert not close(along(inv, X, dX), -inv(X) @ dX @ inv(X).T)
    bx = r"\mathbf{X}"
    d40 = rf"\partial({bx}^{{-1}}) = -{bx}^{{-1}}(\partial{bx}){bx}^{{-1}}"
    assert ed.check_identity(d40).verdict == "right"
    assert ed.check_identity(d40[: -len("{-1}")] + "{-T}").verdict == "wrong"
    assert ed.check_identity("∂(X^{-1}) = -X^{-1} (∂X) X^{-1}").verdict == "right"
    assert close(along(lambda X: np.log(abs(np.linalg.det(X))), X, dX), np.trace(inv(X) @ dX))
    d43 = rf"\partial(\ln(\det({bx}))) = \operatorname{{Tr}}({bx}^{{-1}}\partial{bx})"
    assert ed.check_identity(d43).verdict == "right"
    assert ed.check_identity(d43.replace("= ", "= 2")).verdict == "wrong"
    assert close(along(lambda X: X.T, X, dX), dX.T)
    assert ed.check_identity(rf"\partial{bx}^T = (\partial{bx})^T").verdict == "right"
    assert ed.check_identity(rf"\partial{bx}^T = \partial{bx}").verdict == "wrong"
    # a ratio of partials is still a derivative, not a differential
    assert ed.check_identity(r"\partial tr(X) / \partial X = I").verdict == "right"
    path = tmp_path / "cookbook.md"
    path.write_text(f"$$ {d40} $$\n\n$$ {d43} $$\n")
    assert [a.verdict for a in ed.audit(path.read_text())] == ["right", "right"]


def test_the_cookbooks_partial_right_after_a_transpose():
    # d(x' x) = 2 x' dx and d tr(X' X) = 2 tr(X' dX): a \partial right after ^T was read into
    # the superscript (x^Td x), so the Cookbook's form said "the right side holds no
    # differential of a variable"
    rng = rng_for("cookbook partial after a transpose")
    X, dX = gen(rng, 3, 3), gen(rng, 3, 3)
    x, dx = X[:, 0], dX[:, 0]
    assert close(along(lambda x: x @ x, x, dx), 2 * x @ dx)
    assert close(along(lambda X: np.trace(X.T @ X), X, dX), 2 * np.trace(X.T @ dX))
    bx, bX = r"\mathbf{x}", r"\mathbf{X}"
    vector = rf"\partial({bx}^T{bx}) = 2{bx}^T\partial{bx}"
    assert ed.check_identity(vector).verdict == "right"
    assert ed.check_identity(vector.replace("= 2", "= ")).verdict == "wrong"
    matrix = rf"\partial(\mathrm{{Tr}}({bX}^T{bX})) = 2\mathrm{{Tr}}({bX}^T\partial{bX})"
    assert ed.check_identity(matrix).verdict == "right"
    assert ed.check_identity(matrix.replace("= 2", "= ")).verdict == "wrong"
