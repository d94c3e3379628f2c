"""The layout's one rule (DESIGN "Layout"): dependencies point one way,
zhaoqing_tracker ← projects ← supervision ← supervision.ranking, and no module imports itself
back through others. Read from the source (every import statement, those inside functions
included), so a cycle cannot hide behind an import on use."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("zhaoqing_tracker", "projects", "supervision")

# The composition roots, which wire the layers together and so may look above themselves:
# the URL and Celery configuration, an app's ready() (Django and Celery look for admin.py and
# tasks.py only at an app's top, and the ranking is a sub-package), the management commands
# and the demo data set (which seed and print every layer).
COMPOSITION_ROOTS = (
    "zhaoqing_tracker.urls",
    "zhaoqing_tracker.celery",
    "supervision.apps",
    "supervision.management.",
    "supervision.demo",
)
# zhaoqing_tracker/api/ is the API's shared machinery and knows the user model's companions
# (tokens, roles, regions) as it did before the layout existed (DESIGN: "as now").
SHARED_API = "zhaoqing_tracker.api."


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


MODULES = app_modules()


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (the code uses absolute imports)"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name in MODULES}


GRAPH = {name: imported(path) - {name} for name, path in MODULES.items()}


def layer(module: str) -> int:
    for depth, prefix in enumerate(("supervision.ranking", "supervision", "projects")):
        if module == prefix or module.startswith(prefix + "."):
            return 3 - depth
    return 0


def test_no_module_imports_a_layer_above_its_own():
    upward = [
        f"{module} -> {target}"
        for module, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if layer(target) > layer(module)
        and not module.startswith(COMPOSITION_ROOTS)
        and not module.startswith(SHARED_API)
    ]
    assert upward == []


def test_projects_never_imports_supervision():
    assert [m for m, targets in GRAPH.items() if layer(m) == 1 and any(layer(t) >= 2 for t in targets)] == []


def test_there_is_no_import_cycle():
    # Tarjan's strongly connected components; a component of more than one module is a cycle.
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []
