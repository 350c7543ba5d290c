"""One path for background work, checked over the source (issue 18, step 4).

Apps ask for background work by task name through the outbox (``jobs.services.enqueue``); only ``jobs`` talks
to Celery. A ``.delay()`` or ``.apply_async()`` elsewhere skips the outbox (work lost on a broker outage, sent
for a rolled-back change), and a module that imports its own app's tasks makes an import circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(path.parent.name for path in ROOT.glob("*/apps.py"))


def modules(package: str) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(), filename=str(path))


def imported_names(path: Path, tree: ast.Module) -> list[str]:
    """The modules a file imports (with ``from m import n``, also ``m.n``), relative imports resolved."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names if alias.name != "*")
    # "from m import n" names the module m; keep m.n only where it may be a module of its own.
    return sorted(
        name
        for name in names
        if not any(name.startswith(f"{other}.") for other in names if other != name) or name.endswith(".tasks")
    )


def test_the_scan_sees_the_apps() -> None:
    assert {"cases", "funding", "jobs", "organisations", "privacy"} <= set(APPS)


def test_no_app_sends_a_task_past_the_outbox() -> None:
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}"
        for package in [*APPS, "wijkteam"]
        if package != "jobs"
        for path, tree in modules(package)
        for node in ast.walk(tree)
        # A call, or a reference handed on (``on_commit(partial(task.delay, pk))``).
        if isinstance(node, ast.Attribute) and node.attr in {"delay", "apply_async"}
    ]
    assert not calls, "enqueue by name through jobs.services.enqueue instead:\n" + "\n".join(calls)


def test_no_module_imports_its_own_apps_tasks() -> None:
    imports = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package in APPS
        for path, tree in modules(package)
        if path.name != "tasks.py"
        for name in imported_names(path, tree)
        if name == f"{package}.tasks"
    ]
    assert not imports, "\n".join(imports)


def test_jobs_does_not_import_the_project_package() -> None:
    imports = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, tree in modules("jobs")
        for name in imported_names(path, tree)
        if name == "wijkteam" or name.startswith("wijkteam.")
    ]
    assert not imports, "\n".join(imports)


def test_organisations_does_not_import_funding() -> None:
    """Funding owns the relation between its silos and the organisations that bill them (issue 18)."""
    imports = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, tree in modules("organisations")
        for name in imported_names(path, tree)
        if name == "funding" or name.startswith("funding.")
    ]
    assert not imports, "\n".join(imports)
