"""The dependency rules of the code base, checked from the import statements themselves.

designer_api -> domain -> engine, never back; the domain and the web layer use the engine
only through `engine` (its __init__); inside the engine the rooms are layered
intake -> store -> runtime -> authoring, with the facade on top, and no module imports
another in a circle. Imports under `if TYPE_CHECKING:` are type hints only and do not count.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "domain", "designer_api")
ROOMS = ("intake", "store", "runtime", "authoring")  # each may use the ones before it, never after


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> set[str]:
    """The absolute names a module imports at run time (module-level and inside functions)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return found


def _sources(package: str) -> list[Path]:
    return [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


def _internal(imports: set[str], modules: set[str]) -> set[str]:
    """The project modules among `imports` (a `from x import y` of a name, not a module, maps to x)."""
    return {name if name in modules else name.rpartition(".")[0] for name in imports
            if name in modules or name.rpartition(".")[0] in modules}


def test_dependencies_point_from_the_web_layer_to_the_domain_to_the_engine():
    refused = {"engine": ("domain", "designer_api", "flask"), "domain": ("designer_api", "flask")}
    wrong = [f"{_module_name(path)} imports {name}"
             for package, banned in refused.items() for path in _sources(package)
             for name in _imports(path) if name.split(".")[0] in banned]
    assert wrong == []


def test_the_domain_and_the_web_layer_use_the_engine_only_through_its_public_interface():
    wrong = [f"{_module_name(path)} imports {name}"
             for package in ("domain", "designer_api") for path in _sources(package)
             for name in _imports(path) if name.startswith("engine.")
             and _module_name(ROOT / "engine" / "__init__.py") != name.rpartition(".")[0]]
    assert wrong == []


def test_engine_rooms_only_use_the_rooms_before_them():
    wrong = []
    for path in _sources("engine"):
        module = _module_name(path).split(".")
        if len(module) < 3 or module[1] not in ROOMS:
            continue
        allowed = ROOMS[: ROOMS.index(module[1]) + 1]
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "engine" or len(parts) < 2:
                continue
            if parts[1] in ROOMS and parts[1] not in allowed or parts[1] == "facade":
                wrong.append(f"{'.'.join(module)} imports {name}")
    assert wrong == []


def test_no_module_imports_another_in_a_circle():
    paths = [p for package in PACKAGES for p in _sources(package)]
    modules = {_module_name(p) for p in paths}
    graph = {_module_name(p): _internal(_imports(p), modules) - {_module_name(p)} for p in paths}
    # a package's __init__ re-exporting its own modules is not a cycle
    graph = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    cycles, state = [], {}

    def walk(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == "open":
                cycles.append(" -> ".join(trail[trail.index(dep):] + [dep]) if dep in trail else dep)
            elif dep not in state:
                walk(dep, [*trail, dep])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            walk(start, [start])
    assert cycles == []


def test_the_engine_top_level_holds_only_the_facade_the_pack_interface_and_the_errors():
    top = {p.name for p in (ROOT / "engine").glob("*.py")}
    rooms = {p.name for p in (ROOT / "engine").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert top == {"__init__.py", "facade.py", "pack.py", "errors.py"}
    assert set(ROOMS) <= rooms
