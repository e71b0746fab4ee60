"""The JSON objects of one derivative and of one checked claim.

Input: the request's text fields (``expr``, ``wrt``, ``where``, ``layout``, and ``claim`` for a
check), as given by a user. Output: a dict that ``json.dumps`` writes without loss:
``derivative_json`` is the command line's ``--json`` object for one derivative or Hessian
(``expr``, ``wrt``, ``layout``, ``shape``, ``text``, ``latex``, ``index``; with ``extras=True``
also ``einsum``, ``python``, ``steps``, ``named`` -- shared subexpressions named, as
``show(cse=True)`` -- and ``note`` -- einderiv's notes, such as ``x'Ax`` read as a product --
for the web page), and ``check_json`` is the verdict on a claim (``expr``,
``wrt``, ``layout``, ``ok``, ``verdict``, ``expected``, ``reason``, ``counterexample``, ...).

Invariants: only the public API (``import einderiv as ed``) is used; user text is handed to
``ed.parse``/``ed.diff``/``ed.check`` and never evaluated as code; a user's mistake is an
``ed.EinderivError`` (whose text carries the caret lines), raised unchanged; numbers in the
output are finite floats, or the strings ``"nan"``, ``"inf"``, ``"-inf"``, so the output is
strict JSON.
"""

from __future__ import annotations

import math
import re
import warnings

import einderiv as ed
from einderiv.readback import readback_note

LAYOUTS = tuple(getattr(ed, "LAYOUTS", ("numerator", "denominator", "jacobian")))


def _fields(expr, wrt, where, layout) -> tuple[str, str, str | None, str]:
    """The request fields, type-checked: a wrong type is a user's mistake."""
    if not isinstance(expr, str) or not expr.strip():
        raise ed.EinderivError("the expression is empty: type one, e.g. tr(X' A X)")
    if not isinstance(wrt, str) or not wrt.strip():
        raise ed.EinderivError("the variable is empty: name the variable to differentiate by")
    if where is not None and not isinstance(where, str):
        raise ed.EinderivError("the declarations must be text, e.g. X: matrix(m, n)")
    if layout is None or layout == "":
        layout = "numerator"
    if layout not in LAYOUTS:
        raise ed.EinderivError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    return expr, wrt.strip(), (where if where and where.strip() else None), layout


def _noting(run):
    """``run()`` and the notes einderiv gave while it ran (e.g. ``x'Ax`` read as ``x' A x``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = run()
    notes = (str(w.message) for w in caught if w.category.__module__.startswith("einderiv"))
    return value, list(dict.fromkeys(notes))


def _steps(g) -> str | None:
    try:
        steps = g.steps()
    except NotImplementedError:
        return None
    if isinstance(steps, str):
        return steps.rstrip("\n")
    return "\n".join(str(step).rstrip("\n") for step in steps)


def _extra(build):
    """One optional form of the result: its text, or (None, why not) when einderiv refuses."""
    try:
        return str(build()).rstrip("\n"), None
    except ed.EinderivError as error:
        return None, str(error)


def derivative_json(
    expr,
    wrt,
    where=None,
    layout="numerator",
    extras=False,
    *,
    hessian=False,
    notes=None,
    forms=None,
) -> dict:
    """The ``--json`` object of d(expr)/d(wrt); ``extras`` adds the web page's forms.

    ``hessian=True``: of ``ed.hessian(expr, wrt)`` instead (``layout`` names both
    differentiations). ``notes``, a list, receives einderiv's notes (the command line prints
    them on stderr; the web page's ``note`` field has them with ``extras``). ``forms`` maps
    more keys to functions of the derivative (``{"einsum": lambda g: g.einsum()}``); their
    errors are raised.
    """
    expr, wrt, where, layout = _fields(expr, wrt, where, layout)
    build = ed.hessian if hessian else ed.diff
    g, found = _noting(lambda: build(expr, wrt, where=where, layout=layout))
    try:
        written = {"text": str(g), "latex": g.latex(), "index": g.index()}
    except ed.TooLongToWrite as error:  # a tree too large to write whole: named, and said so
        written = {key: g.show(cse=True, format=key) for key in ("text", "latex", "index")}
        found.append(f"{str(error).split(';')[0]}: its shared subexpressions are named")
    else:  # a scalar by use that the result no longer shows as one: the declaration it needs
        found += filter(None, [readback_note(g, written["text"], where)])
    if notes is not None:
        notes.extend(found)
    notes = list(found)
    out = {
        "expr": expr,
        "wrt": wrt,
        "layout": layout,
        "shape": [d if isinstance(d, (int, str)) else str(d) for d in g.shape],
        **written,
    }
    for key, form in (forms or {}).items():
        out[key] = str(form(g)).rstrip("\n")
    if extras:
        out["einsum"], why = _extra(lambda: g.einsum("grad"))  # named as the Python form
        notes += [f"einsum form: {why}"] if why else []
        out["python"], why = _extra(lambda: ed.codegen(g, name="grad"))
        notes += [f"Python form: {why}"] if why else []
        out["steps"] = _steps(g)
        out["named"], why = _extra(lambda: g.show(cse=True))  # t1 = tanh(W1 x), ..., result
        notes += [f"named form: {why}"] if why else []
        matrix = getattr(g, "matrix", None)
        if callable(matrix) and "[" not in wrt and matrix() is None:
            why = (
                "einderiv finds no matrix form for it"
                if len(g.shape) <= 2
                else f"the result has order {len(g.shape)}, which matrix notation cannot write"
            )
            notes.append(f"{why}; it is shown in index notation")
        out["note"] = "\n".join(notes) or None
    return out


def _number(x: float):
    x = float(x)
    if math.isfinite(x):
        return 0.0 if x == 0 else x  # no "-0.0"
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def plain(value):
    """An array, number or dict of them as nested lists of JSON numbers (None stays None)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return _number(value)
    return str(value)


def check_json(expr, wrt, claim, where=None, layout="numerator", order=1) -> dict:
    """The verdict on ``claim`` as d(expr)/d(wrt): right, wrong or undecided, and why."""
    expr, wrt, where, layout = _fields(expr, wrt, where, layout)
    if not isinstance(claim, str) or not claim.strip():
        raise ed.EinderivError("the claim is empty: type the derivative you worked out")
    r, notes = _noting(
        lambda: ed.check(expr, wrt, claim=claim, where=where, layout=layout, order=order)
    )
    return check_object(r, expr, wrt, layout, claim, notes)


def identity_json(text: str, where: str | None, layout: str) -> dict:
    """The object of ``check --json --identity``: ``check_identity`` on ``text``, with the notes
    it gave (``A_{ji}`` read as an entry) in ``note``, as ``check_json`` has them."""
    from einderiv.check.identity import read_identity

    r, notes = _noting(lambda: ed.check_identity(text, where=where, layout=layout))
    read = read_identity(text, where)
    layout = "denominator" if read.gradient else layout  # the gradient: the shape of X
    layout = "jacobian" if read.order == 2 else layout  # a Hessian: H[I, J], as ed.hessian
    expr, claim = (_SPACES.sub("", side) for side in (read.expr, read.claim))
    return check_object(r, expr, read.wrt, layout, claim, notes)


_SPACES = re.compile(r"^(?:\\[,;:! ]|\s)+|(?:\\[,;:! ]|\s)+$")  # LaTeX spacing at either end


def check_object(r, expr: str, wrt: str, layout: str, claim: str, notes=()) -> dict:
    """The JSON object of the ``CheckResult`` ``r`` (``check --json``, ``/api/check``)."""
    ok = getattr(r, "ok", None)
    verdict = getattr(r, "verdict", None)
    if verdict not in ("right", "wrong", "undecided"):
        verdict = {True: "right", False: "wrong"}.get(ok, "undecided")
    expected = getattr(r, "expected", None)
    return {
        "expr": expr,
        "wrt": wrt,
        "layout": layout,
        "ok": ok is True,
        "verdict": verdict,
        "question": getattr(r, "question", "") or None,
        "claim": getattr(r, "claim_text", claim),
        "expected": None if expected is None else str(expected),
        "expected_latex": None if expected is None else expected.latex(),
        "reason": getattr(r, "reason", "") or None,
        "method": getattr(r, "method", "") or None,
        "diagnosis": getattr(r, "diagnosis", None),
        "counterexample": plain(getattr(r, "counterexample", None)),
        "claimed_value": plain(getattr(r, "claimed_value", None)),
        "true_value": plain(getattr(r, "expected_value", None)),
        "report": str(r),
        "note": "\n".join(notes) or None,
    }
