"""Code generation: an ``Expr`` -> standalone Python source that imports only numpy.

Input: an ``Expr`` (term, axes, variables) and a function name.
Output: the source of ``def name(A, X, ...)`` returning the value, for arrays of any size.
Invariants:
- The code is the compiled program (``compiled.CompiledExpr``): the same plan, shared
  subterms, factored sums, BLAS products and lazy deltas, rendered once for symbolic sizes
  (``_n = X.shape[0]``) by the same renderer; contraction orders are chosen for a nominal size
  of 100 per dimension. Symbolic sums (``sum_{r=0}^{k-1}``) are the plan's loops: a closed
  form (``powersum._powsum``) when the doubling state is small enough, else a Python loop of at
  most ``powersum.MAX_SUM_TERMS`` terms.
- The source never interpolates user text: variable names are checked identifiers (parameters
  that shadow a Python keyword or builtin get a trailing ``_``) and every other token is made here.
  Every generated name starts with ``_`` and a digit or is a helper defined in the source.
- The code checks its arrays first: each array's rank and sizes agree with its variable's
  declaration and with the other arrays, and a symmetric one is symmetric; anything else is a
  ValueError that shows the declarations and the shapes (numpy would otherwise broadcast a
  vector of length 1 against one of length n and return a wrong value).
"""

from __future__ import annotations

import builtins
import keyword
import re

from einderiv.backend.compiled import CompiledExpr
from einderiv.backend.plan_values import dim_local, safe_name
from einderiv.backend.runtime import ALIASES, DEFINED, HELPER_NAMES
from einderiv.errors import EinderivError

NOMINAL_SIZE = 100  # per named dimension, for choosing contraction orders only

_TEMP = re.compile(r"(?<![\w.])_(\d+)\b")
_HELPER = re.compile(r"(?<![\w.])(_[a-z]\w*)\(")


def codegen(expr, name: str = "f", compiled=None, *, einsum: bool = False) -> str:
    """The source of ``def name(...)``; ``einsum=True``: every product one ``np.einsum`` call
    (the einsum form, ``Expr.einsum``)."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise EinderivError(f"{name!r} is not a valid Python function name")
    if name.startswith("_"):
        raise EinderivError(
            f"{name!r}: names starting with '_' are reserved for the generated code"
        )
    if name in ("np", "numpy"):
        raise EinderivError(f"{name!r} is taken by the generated code's import of numpy")
    if hasattr(builtins, name):  # the code calls float, int, range, abs, max, len...
        raise EinderivError(f"{name!r} would hide Python's builtin {name}; choose another name")
    compiled = compiled or CompiledExpr(expr, "numpy")  # or a joint one (``joint``)
    variables = expr.variables
    sizes = {d: NOMINAL_SIZE for d in compiled.dim_names}
    ctx = compiled.render(sizes, generic=True, einsum_only=einsum)
    used_dims = dict(ctx.used_dims)
    body = [_numpy_text(line) for line in ctx.lines]
    helpers = sorted({h for line in body for h in _HELPER.findall(line)})
    unknown = [h for h in helpers if h not in DEFINED]
    if unknown:
        raise EinderivError(f"cannot generate standalone code for {', '.join(unknown)}")
    arrays = set(compiled.vars)
    dims = _dimension_lines(used_dims, variables, arrays)
    # an integer named as a size (x: vector(n); n: integer) is that size: read from an array
    tied = {k for k in compiled.ints if any(k in variables[v].dims for v in variables)}
    used_dims.update({k: None for k in tied if k not in used_dims})
    unfixed = [d for d in used_dims if d not in dims and isinstance(d, str)]
    if unfixed:  # a size no array the code reads fixes, but a variable of the expression has
        # (len(X), the ones of d mean(x) / dx): read from that array, as the function's call
        arrays |= _sized_by(set(unfixed), variables)
        dims = _dimension_lines(used_dims, variables, arrays)
    clashing = [d for d in used_dims if d not in dims and d in variables]
    if clashing:  # a size named like a variable (x: vector(x)) is read from an array of that
        # size, never taken as a parameter of the variable's name
        arrays |= {v for v in variables for d in clashing if d in variables[v].dims}
        dims = _dimension_lines(used_dims, variables, arrays)
    tied = {k for k in tied if k in dims}  # optional: the arrays give them
    params = sorted(arrays | set(compiled.ints) - tied)
    sizes_params = [d for d in used_dims if d not in dims and isinstance(d, str)]
    sizes_params = [d for d in sizes_params if d not in compiled.ints]
    taken = set(params) | set(variables)
    size_names = {d: _size_parameter(d, taken) for d in sizes_params}
    params += size_names.values()  # sizes no array fixes are parameters: _n = n
    dims.update({d: f"{_local(d)} = int({safe_name(p)})" for d, p in size_names.items()})
    for k in sorted(tied):  # n=None: the arrays' n; another n: refused
        n = safe_name(k)
        dims[f"{k} (tied)"] = "\n    ".join(
            [
                f"if {n} is None:",
                f"    {n} = {_local(k)}",
                f"elif isinstance({n}, bool) or {n} != {_local(k)}:",
                f'    raise ValueError(f"{k} = {{{n}!r}}, but the arrays give {k} = {{{_local(k)}}}")',
            ]
        )
    lines = ["import numpy as np", ""]
    for helper in helpers:
        lines += ["", DEFINED[helper].rstrip(), ""]
    lines += [
        "",
        f"def {name}({', '.join([*map(safe_name, params), *(f'{safe_name(k)}=None' for k in sorted(tied))])}):",
        '    """Generated by einderiv."""',
    ]
    if arrays:  # real arrays: cast to float, a complex one would lose its imaginary part
        given = ", ".join(safe_name(p) for p in sorted(arrays))
        lines += [
            f"    if any(np.iscomplexobj(_a) for _a in ({given}{',' * (len(arrays) == 1)})):",
            f'        raise ValueError("complex arrays are not evaluated: give {given} as real arrays")',
        ]
    for p in sorted(arrays):
        lines.append(f"    {safe_name(p)} = np.asarray({safe_name(p)}, dtype=float)")
    for p in [p for p in sorted(compiled.ints) if p not in tied]:  # k of X^k: an integer
        k = safe_name(p)  # (2.5 would be truncated below; np.True_ is no integer)
        lines += [
            f"    if np.asarray({k}).dtype == bool or not float({k}).is_integer():",
            f'        raise ValueError(f"{p} must be an integer, not {{{k}!r}}")',
        ]
    for p in size_names.values():  # a size: a positive integer, as the evaluator reads one
        k = safe_name(p)  # (n = 0 or -1 once gave tr(I) = 0.0 or -1.0; 3.0 is refused there)
        lines += [
            f"    if np.asarray({k}).dtype.kind not in 'iu' or np.ndim({k}) or {k} <= 0:",
            f'        raise ValueError(f"the size {p} must be a positive integer, not {{{k}!r}}")',
        ]
    if arrays:  # the arrays' shapes checked, and every size they fix bound, first
        lines += [f"    {line}" for line in _shape_check_lines(sorted(arrays), variables)]
    lines += [f"    {line}" for line in dims.values()]
    for said in compiled.plan.overflows:  # 10^400 x: numpy says the overflow at every run
        lines += [f"    # {said}", "    np.multiply(np.float64(1e308), 10.0)"]
    lines += body
    return _renumber("\n".join(lines) + "\n")


def _shape_check_lines(arrays: list, variables: dict) -> list[str]:
    """Lines that raise a ValueError unless the arrays have their variables' ranks, sizes (one
    length wherever a size's name recurs; a product ``m*n`` of its factors) and symmetry."""
    axes: dict = {}  # size -> the texts of the axes declared with it
    for p in arrays:
        for k, dim in enumerate(variables[p].dims):
            axes.setdefault(dim, []).append(f"{safe_name(p)}.shape[{k}]")
    same = [
        " == ".join(texts) for dim, texts in axes.items() if isinstance(dim, str) and len(texts) > 1
    ]
    same += [f"{texts[0]} == {dim}" for dim, texts in axes.items() if isinstance(dim, int)]
    for dim, texts in axes.items():  # a product: its length is the product of its factors'
        factors = dim.split("*") if isinstance(dim, str) else ()
        if len(factors) > 1 and all(f.isdigit() or f in axes for f in factors):
            product = " * ".join(f if f.isdigit() else axes[f][0] for f in factors)
            same.append(f"{texts[0]} == {product}")
    ranks = [f"{safe_name(p)}.ndim == {len(variables[p].dims)}" for p in arrays]
    declared = ", ".join(
        f"{p}: {' x '.join(map(str, variables[p].dims)) or 'scalar'}" for p in arrays
    )
    shapes = ", ".join(f"{{{safe_name(p)}.shape}}" for p in arrays)
    conditions = ranks + same
    lines = ["if not (", f"    {conditions[0]}", *(f"    and {c}" for c in conditions[1:]), "):"]
    lines += [
        "    raise ValueError(",
        f'        f"expected {declared}; given arrays of shapes {shapes}"',
        "    )",
    ]
    for p in arrays:
        if variables[p].kind == "symmetric":
            lines += [
                f"if not np.allclose({safe_name(p)}, {safe_name(p)}.T, rtol=1e-10, atol=1e-12):",
                f'    raise ValueError("{p} is declared symmetric, but the array is not")',
            ]
    return lines


def _size_parameter(dim: str, taken: set) -> str:
    """The parameter holding a size no array fixes: its own name, or ``n_size`` (``n_size2``,
    ...) when a variable already has that name."""
    name, k = dim, 1
    while name in taken:
        name, k = f"{dim}_size{k if k > 1 else ''}", k + 1
    return name


def _local(dim: str) -> str:
    return dim_local(dim, HELPER_NAMES)


def _renumber(source: str) -> str:
    """Generated names ``_<k>`` numbered in order of first appearance, for reading."""
    order: dict = {}
    return _TEMP.sub(lambda m: f"_{order.setdefault(m.group(1), len(order))}", source)


def _numpy_text(line: str) -> str:
    """Helpers that are one numpy function are called as numpy (``_exp(`` -> ``np.exp(``)."""
    return _HELPER.sub(lambda m: f"{ALIASES.get(m.group(1), m.group(1))}(", line)


def _sized_by(unfixed: set, variables: dict) -> set:
    """Few variables that have the ``unfixed`` sizes: each the one with the most of those left
    (``len(A) s`` by A, A m-by-n: A alone, not A and a vector of n)."""
    chosen, left = set(), set(unfixed)
    while left and variables:
        best = max(sorted(variables), key=lambda v: len(left.intersection(variables[v].dims)))
        if not left.intersection(variables[best].dims):
            break  # no variable has the sizes left: they are parameters
        chosen.add(best)
        left -= set(variables[best].dims)
    return chosen


def _dimension_lines(used_dims, variables, used_vars) -> dict:
    """``_n = X.shape[0]`` per size some array the code reads has (the others are parameters)."""
    lines = {}
    for dim in sorted(d for d in used_dims if isinstance(d, str)):
        for var in sorted(used_vars):
            info = variables[var]
            if dim in info.dims:
                lines[dim] = f"{_local(dim)} = {safe_name(var)}.shape[{info.dims.index(dim)}]"
                break
    return lines
