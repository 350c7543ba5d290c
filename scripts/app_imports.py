"""Which app imports which: every ``import`` in an app's code (module level and inside functions), by ast.

    python scripts/app_imports.py            # a table: app, the apps it imports, and how many import statements
    python scripts/app_imports.py --files    # also each importing file
    python scripts/app_imports.py --check    # exit 1 when a layering rule below is broken

Rules (docs/architecture.md, "Layers"): no app imports the project package
``wijkteam``; ``common`` imports no app; ``exports`` (the generic engine)
imports no app but ``common``, ``jobs`` (the task path), ``organisations`` (the
user) and ``privacy`` (the access log). Migrations and management commands count like any code; imports
made only for type checking (under ``if TYPE_CHECKING:``) do not.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "wijkteam"
ALLOWED: dict[str, set[str]] = {
    "common": set(),
    "exports": {"common", "jobs", "organisations", "privacy"},
}


def packages() -> list[str]:
    return sorted(path.parent.name for path in ROOT.glob("*/apps.py"))


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    typing_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING"
        for statement in node.body
        for child in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def cross_imports() -> dict[str, dict[str, list[str]]]:
    """app -> imported app -> the files (relative) that import it, once per import statement."""
    apps = packages()
    result: dict[str, dict[str, list[str]]] = {app: defaultdict(list) for app in apps}
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            for module in imported_modules(path):
                top = module.split(".", 1)[0]
                if top != app and top in apps:
                    result[app][top].append(str(path.relative_to(ROOT)))
    return result


def violations(result: dict[str, dict[str, list[str]]]) -> list[str]:
    found: list[str] = []
    for app, imports in result.items():
        if app != PROJECT and PROJECT in imports:
            found.extend(f"{file} imports {PROJECT}" for file in imports[PROJECT])
        if app in ALLOWED:
            for other, files in imports.items():
                if other not in ALLOWED[app]:
                    found.extend(
                        f"{file} imports {other} ({app} may import only {sorted(ALLOWED[app])})" for file in files
                    )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", action="store_true")
    parser.add_argument("--check", action="store_true")
    options = parser.parse_args()
    result = cross_imports()
    total = 0
    for app, imports in result.items():
        total += sum(len(files) for files in imports.values())
        listed = ", ".join(f"{other} {len(files)}" for other, files in sorted(imports.items())) or "-"
        print(f"{app:14} {listed}")
        if options.files:
            for other, files in sorted(imports.items()):
                for file in sorted(set(files)):
                    print(f"{'':14}   {other}: {file}")
    importing_project = sorted({f for app, i in result.items() if app != PROJECT for f in i.get(PROJECT, [])})
    print(f"\ncross-app import statements: {total}; files of an app importing {PROJECT}: {len(importing_project)}")
    if options.check:
        problems = violations(result)
        for problem in problems:
            print(f"layering: {problem}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
