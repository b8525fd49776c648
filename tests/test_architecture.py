"""The dependency rules of the code base, checked from the import statements themselves.

designer_api -> domain -> engine, never back; the domain and the web layer use the engine
only through `engine` (its __init__); inside the engine the rooms are layered
scripting -> intake -> store -> runtime -> authoring, with the facade on top: no room imports
the facade or `engine` itself, and no module of the engine imports another in a circle, even
for type hints only (`if TYPE_CHECKING:`). In the web layer the pages (designer_api/web) never
import the API's modules (designer_api/blueprints, openapi): both use the use-case modules.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "domain", "designer_api")
TOP_LEVEL = ("errors", "pack")  # what a room may import from the engine's top level
API_MODULES = ("designer_api.blueprints", "designer_api.openapi")
ROOMS = ("scripting", "intake", "store", "runtime", "authoring")  # each may use the ones before it, never after


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, type_hints: bool = False, source: str | None = None) -> set[str]:
    """The absolute names a module imports at run time (module-level and inside functions); with `type_hints`,
    those under `if TYPE_CHECKING:` too. `source`: the text to read instead of the file's."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child) and not type_hints:
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names = {f"{base}.{alias.name}" for alias in child.names}
                found.update(names)
                if not all(_is_module(name) for name in names):  # `from package import name`: the package's __init__
                    found.add(base)
            visit(child)

    visit(ast.parse(path.read_text() if source is None else source, str(path)))
    return found


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


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


def _room_faults(path: Path, source: str | None = None) -> list[str]:
    """What a module of a room imports that it may not: `engine` itself (from engine import X, from .. import X),
    the facade, or a later room, at run time or for type hints."""
    module = _module_name(path).split(".")
    if len(module) < 3 or module[1] not in ROOMS:
        return []
    allowed = ROOMS[: ROOMS.index(module[1]) + 1]
    wrong = []
    for name in _imports(path, type_hints=True, source=source):
        parts = name.split(".")
        if parts[0] != "engine":
            continue
        if len(parts) == 1 or parts[1] == "facade" or parts[1] in ROOMS and parts[1] not in allowed or (
                len(parts) == 2 and parts[1] not in ROOMS and parts[1] not in TOP_LEVEL):
            wrong.append(f"{'.'.join(module)} imports {name}")
    return wrong


def test_engine_rooms_only_use_the_rooms_before_them():
    assert [fault for path in _sources("engine") for fault in _room_faults(path)] == []


@pytest.mark.parametrize("planted", ["from engine import Engine", "from .. import Engine", "import engine.facade",
                                     "from ..authoring import Authoring"])
def test_a_planted_late_import_of_the_engine_inside_a_room_is_seen(planted):
    path = ROOT / "engine" / "runtime" / "commands.py"
    source = path.read_text() + f"\n\ndef _late():\n    {planted}\n"
    assert _room_faults(path, source)


def _page_faults(path: Path, source: str | None = None) -> list[str]:
    return [f"{_module_name(path)} imports {name}" for name in _imports(path, source=source)
            if name.startswith(API_MODULES)]


def test_pages_never_import_the_api_modules():
    assert [fault for path in _sources("designer_api/web") for fault in _page_faults(path)] == []


@pytest.mark.parametrize("planted", ["from ..blueprints.tasks import complete", "from ..openapi import API",
                                     "import designer_api.blueprints"])
def test_a_page_importing_an_api_module_is_seen(planted):
    path = ROOT / "designer_api" / "web" / "tasks.py"
    assert _page_faults(path, path.read_text() + f"\n{planted}\n")


def test_no_module_imports_another_in_a_circle():
    paths = [p for package in PACKAGES for p in _sources(package)]
    modules = {_module_name(p) for p in paths}
    # inside the engine type hints count too: a circle of hints is a circle of knowledge
    graph = {_module_name(p): _internal(_imports(p, type_hints=p.is_relative_to(ROOT / "engine")), modules)
             - {_module_name(p)} for p in paths}
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
