"""Reading named forms back (SPEC section 7, ``show(cse=True)``): the result line with every
definition put back, parenthesised, last to first -- text of the same function."""

from __future__ import annotations

import re


def substituted(text: str, left: str = "(", right: str = ")") -> str:
    """``t1 = A x`` / ``t1' t1`` -> ``(A x)' (A x)``; LaTeX names (``t_{1}``) with ``\\left(``."""
    *definitions, result = text.split("\n")
    for line in reversed(definitions):
        name, body = line.split(" = ", 1)
        result = re.sub(
            rf"(?<![\w\\]){re.escape(name)}(?!\w)",
            lambda _, body=body: f"{left}{body}{right}",
            result,
        )
    return result


_INDEXED = re.compile(r"^(?:\w+\[[\w,]+\]|\\left\(t_\{\d+\}\\right\)_\{[\w,]+\}) = ", re.MULTILINE)


def index_lines(text: str) -> bool:
    """Whether ``text`` defines names by their entries (``t1[i,j] = ...``, LaTeX
    ``\\left(t_{1}\\right)_{i,j} = ...``): read line by line, not substituted."""
    return bool(_INDEXED.search(text.rsplit("\n", 1)[0])) if "\n" in text else False


def _defined(left: str) -> str:
    """The name a definition line defines: ``t1[i,j]`` -> t1, ``\\left(t_{1}\\right)_{i}`` and
    ``t_{1}`` -> t_1."""
    found = re.match(r"(?:\\left\()?t_\{(\d+)\}", left)
    return f"t_{found.group(1)}" if found else left.split("[")[0]


def read_lines(ed, text: str, values: dict, where: str | None, evaluate, shape=None):
    """The value of definitions-then-result text read line by line: each definition is parsed
    with the earlier ones declared (by the shapes of their values, tensors too), evaluated
    with ``evaluate(expr, values, last)`` (``last``: whether it is the result), and passed on;
    then the result."""
    import numpy as np

    *definitions, result = text.split("\n")
    values, declared = dict(values), [where] if where else []
    named = set(re.findall(r"[A-Za-z]\w*", " ".join(re.findall(r"\(([^)]*)\)", where or ""))))
    for line in definitions:
        left, body = line.split(" = ", 1)
        name = _defined(left)
        value = ed.parse(body, where="; ".join(declared) or None)
        values[name] = np.asarray(evaluate(value, values, False))
        # declared as einderiv reads the definition (t5: matrix(d2, d1)), a size the case
        # declares by its name: by its number alone, 2*1 against commutation(d1, d2) in the
        # result pairs only by making d1 1, which the reader refuses (a factor 1 pairs with
        # any); any other size (compound, inferred) by its number
        read = value.shape if len(value.shape) == values[name].ndim else values[name].shape
        dims = ", ".join(
            str(d if isinstance(d, str) and d in named else n)
            for d, n in zip(read, values[name].shape)
        )
        kind = {0: "scalar", 1: "vector", 2: "matrix"}.get(values[name].ndim, "tensor")
        declared.append(f"{name}: {kind}({dims})" if dims else f"{name}: scalar")
    back = ed.parse(result, where="; ".join(declared) or None, shape=shape)
    return evaluate(back, values, True)
