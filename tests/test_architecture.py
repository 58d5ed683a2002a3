"""The import rules of the code base, checked on the source (an AST walk, no imports run).

- `charter.pii` knows nothing of `charter.policy` or `charter.decision`;
- the SDK never imports the console (`monitor_tui`);
- the console uses only the public `charter` API: `charter` or a public sub-package
  (`charter.<pkg>` whose `__init__` defines `__all__`), and only names in that `__all__`;
- no import cycles between modules, counting every import (type-only and lazy ones too);
- no module over 400 lines.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"charter": ROOT / "sdk" / "charter", "monitor_tui": ROOT / "monitor_tui"}


@dataclass(frozen=True)
class Import:
    module: str
    """The importing module."""
    target: str
    """The module imported (a submodule when `from pkg import sub` names one)."""
    names: tuple[str, ...]
    line: int


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top, base in SOURCES.items():
        for path in base.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = [top, *path.relative_to(base).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def _imports(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if _is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(a.name for a in node.names)
            subs = [n for n in names if f"{base}.{n}" in MODULES]
            for name in subs:
                yield Import(module, f"{base}.{name}", (), node.lineno)
            rest = tuple(n for n in names if n not in subs)
            if rest or not subs:
                yield Import(module, base, rest, node.lineno)


IMPORTS = [i for m, p in MODULES.items() for i in _imports(m, p)]


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _public_names(package: str) -> set[str] | None:
    """`__all__` of a package `__init__` (None when it has none)."""
    path = MODULES.get(package)
    if path is None or path.name != "__init__.py":
        return None
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            value = ast.literal_eval(node.value)  # type: ignore[union-attr]
            return set(value)
    return None


def test_pii_knows_no_policy_and_no_decision() -> None:
    bad = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in IMPORTS
        if _within(i.module, "charter.pii")
        and (_within(i.target, "charter.policy") or _within(i.target, "charter.decision"))
    ]
    assert not bad, bad


def test_the_sdk_never_imports_the_console() -> None:
    bad = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in IMPORTS
        if _within(i.module, "charter") and _within(i.target, "monitor_tui")
    ]
    assert not bad, bad


def test_the_console_uses_only_the_public_charter_api() -> None:
    bad = []
    for i in IMPORTS:
        if not (_within(i.module, "monitor_tui") and _within(i.target, "charter")):
            continue
        if i.target == "charter" and not i.names:
            continue  # `import charter`
        # `from pkg import a, b` uses names of pkg; `from pkg import sub` / `import pkg.sub`
        # (target pkg.sub) uses the name `sub` of pkg.
        owner, wanted = (
            (i.target, i.names)
            if i.names
            else (i.target.rpartition(".")[0], (i.target.rpartition(".")[2],))
        )
        if owner.count(".") > 1 or not _is_package(owner):
            bad.append(f"{i.module}:{i.line} reaches into {i.target}")
            continue
        public = _public_names(owner)
        if public is None:
            bad.append(f"{i.module}:{i.line} imports from {owner}, which has no __all__")
            continue
        hidden = [n for n in wanted if n not in public]
        if hidden:
            bad.append(f"{i.module}:{i.line} uses {owner}.{hidden}, not in its __all__")
    assert not bad, bad


def _cycles() -> list[list[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for i in IMPORTS:
        if i.target in MODULES and i.target != i.module:
            graph[i.module].add(i.target)
    # Tarjan's strongly connected components.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    cycles = _cycles()
    assert not cycles, cycles


MAX_MODULE_LINES = 400
"""Issue 15: small modules with one job. Data files (`.json`, `.rego`, ...) are not code."""


def test_no_module_is_over_400_lines() -> None:
    long = {
        name: lines
        for name, path in _modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules (lines): {long}"


def _defined_names(path: Path) -> Iterator[str]:
    """Module-level classes and CapWords type aliases (`Kind = Literal[...]`) of a module."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            name = target.id if isinstance(target, ast.Name) else ""
            if name[:1].isupper() and not name.isupper():
                yield name


def test_one_meaning_per_name() -> None:
    """Issue 15: a type name means one thing across the SDK and the console (three
    `Verdict`s, two `Check`s and four copies of `FloatArray` were here before)."""
    where: dict[str, list[str]] = {}
    for module, path in MODULES.items():
        for name in _defined_names(path):
            where.setdefault(name, []).append(module)
    twins = {name: modules for name, modules in where.items() if len(modules) > 1}
    assert not twins, f"rename or share these: {twins}"
