"""The layout is the data flow: each stage imports only the stages below it, only fetch/
imports Scrapy, and no two modules import each other, however indirectly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "crawler"
# What each room of crawler/ may import of the others (beyond itself). Stages low in the
# flow know nothing of those above them: clean/ is pure, store/ never calls flow or fetch.
MAY_IMPORT = {
    "items": set(),
    "sources": {"settings"},
    "settings": set(),
    "workers": set(),
    "sample": {"clean"},
    "clean": {"items", "sources"},
    "search": {"clean"},
    "dedupe": {"clean", "items", "workers"},
    "store": {"clean", "dedupe", "items", "search"},
    "flow": {"clean", "dedupe", "items", "search", "sources", "store"},
    "reclean": {"clean", "flow", "items", "search", "sources", "store", "workers"},
    "fetch": {"clean", "flow", "items", "sample", "settings", "sources", "store", "workers"},
    "publish": {"search", "store"},  # its Datasette plugins import crawler.search only (below)
    "cli": {"clean", "dedupe", "fetch", "items", "publish", "reclean", "sample", "settings", "sources", "store", "workers"},
}
SCRAPY = ("scrapy", "twisted")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """Every module `name` imports, anywhere in it (function-level imports too), absolute."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES}
    return found


def room(name: str) -> str:
    """The top-level room of crawler/ a module lives in ('store' for crawler.store.pages)."""
    return name.split(".")[1] if "." in name else "crawler"


def test_every_module_belongs_to_a_room():
    rooms = {room(name) for name in MODULES} - {"crawler"}
    assert rooms == set(MAY_IMPORT)


@pytest.mark.parametrize("name", [name for name in MODULES if name != "crawler"])
def test_module_imports_only_the_rooms_below_it(name):
    own = room(name)
    ours = {room(imported) for imported in imports(name) if imported.startswith("crawler.")}
    assert ours - {own} <= MAY_IMPORT[own], f"{name} imports {sorted(ours - {own} - MAY_IMPORT[own])}"


@pytest.mark.parametrize("name", [name for name in MODULES if room(name) != "fetch"])
def test_only_fetch_imports_scrapy(name):
    assert not [imported for imported in imports(name) if imported.split(".")[0] in SCRAPY]


def test_no_import_cycle():
    graph = {name: {imported for imported in imports(name) if imported in MODULES and imported != name}
             for name in MODULES}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(name):] + [name]))
        if name in done:
            return
        for imported in graph[name]:
            if not imported.startswith(name + "."):  # a package importing its own modules is no cycle
                visit(imported, path + [name])
        done.add(name)

    for name in graph:
        visit(name, [])


@pytest.mark.parametrize("plugin", sorted((PACKAGE / "publish" / "plugins").glob("*.py")), ids=lambda path: path.name)
def test_datasette_plugins_import_only_search(plugin):
    tree = ast.parse(plugin.read_text(encoding="utf-8"))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {module for module in modules if module.startswith("crawler")} <= {"crawler.search"}
