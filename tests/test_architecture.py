"""The package's shape (docs/architecture.md, issue 11): imports run one way, from ``ir/``
upward; the stages import only ``ir/``, ``errors`` and themselves; no import cycle; every module
stays under about 400 lines.

Each module's imports are read from its source (``ast``), both those at the top and those inside
functions (a lazy import still makes a stage depend on another), so the test fails when a new
import breaks the layering, whatever the order the modules load in.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "einderiv"
STAGES = ("frontend", "calculus", "notation", "backend")
MAX_LINES = 400

# Modules over MAX_LINES today, each with the work splitting it; remove an entry when its split
# lands (kept even when already short, so that split can land without editing this test).
OVER_LIMIT: set[str] = set()  # modules allowed over MAX_LINES (none)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


MODULES = _modules()


def _imports(name: str, path: Path, top_only: bool = False) -> set[str]:
    """The einderiv modules ``name`` imports (``from einderiv.x import y`` names ``x.y`` when
    that is a module, else ``x``); with ``top_only``, only those run when it is imported."""
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = tree.body if top_only else list(ast.walk(tree))
    if top_only:  # statements run at load: not in a function, nor under `if TYPE_CHECKING:`
        nodes = [n for stmt in nodes if _runs_at_load(stmt) for n in ast.walk(stmt)]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("einderiv")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            if not base.startswith("einderiv"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    found.discard(name)
    return found


def _runs_at_load(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    return not (isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test))


def _allowed(importer: str, imported: str) -> bool:
    """May ``importer`` import ``imported``? ir/: only ir/ and errors; a stage: only ir/,
    errors and its own package."""
    base = ("einderiv.ir", "einderiv.errors")
    if importer.startswith("einderiv.ir"):
        return imported.startswith(base)
    for stage in STAGES:
        if importer.startswith(f"einderiv.{stage}"):
            return imported.startswith((*base, f"einderiv.{stage}"))
    return True


def test_modules_are_found():
    # the walk sees every stage package, so the checks below are not vacuous
    assert {"einderiv.api", "einderiv.pipeline", "einderiv.ir.index_ir"} <= MODULES.keys()
    for stage in (*STAGES, "ir", "check"):
        assert any(m.startswith(f"einderiv.{stage}.") for m in MODULES), stage


def test_imports_run_one_way():
    # ir/ imports nothing above it; frontend/, calculus/, notation/, backend/ only ir/ and errors
    wrong = sorted(
        f"{name} imports {imported}"
        for name, path in MODULES.items()
        for imported in _imports(name, path)
        if not _allowed(name, imported)
    )
    assert not wrong, "\n".join(wrong)


def test_rule_catches_an_upward_import():
    # the checker itself: an ir module importing a stage, a stage importing another, are wrong
    assert not _allowed("einderiv.ir.node", "einderiv.calculus.simplify")
    assert not _allowed("einderiv.notation.printing", "einderiv.calculus.simplify")
    assert _allowed("einderiv.notation.printing", "einderiv.ir.index_ir")
    assert _allowed("einderiv.check.verdict", "einderiv.api")


def test_no_import_cycles():
    # module-level imports form no cycle (a function may import lazily what imports it: the
    # facade loads einderiv.gradients, and with it the compiler, only when asked)
    graph = {n: _imports(n, p, top_only=True) & MODULES.keys() for n, p in MODULES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt.startswith(f"{node}."):  # a package importing its own submodule
                continue
            if state.get(nxt) == 1 and not node.startswith(f"{nxt}."):
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name)
            assert cycle is None, " -> ".join(cycle)


def test_modules_stay_small():
    # every module under about 400 lines; the allow-list names only modules still over it
    sizes = {n: len(p.read_text().splitlines()) for n, p in MODULES.items()}
    over = sorted(n for n, s in sizes.items() if s > MAX_LINES and n not in OVER_LIMIT)
    assert not over, [(n, sizes[n]) for n in over]


def test_facade_loads_no_compiler():
    # `import einderiv` does not load the code generator or the compiled-program path
    import subprocess
    import sys

    code = (
        "import sys, einderiv; "
        "print([m for m in sys.modules if m.endswith(('.codegen', '.compiled', '.joint'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
