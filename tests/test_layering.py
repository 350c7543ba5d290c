"""#18: the project package is the roof, common/ the ground floor, exports a generic engine (scripts/app_imports.py)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("app_imports", ROOT / "scripts" / "app_imports.py")
assert spec and spec.loader
app_imports = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app_imports)


def test_no_app_imports_the_project_package_common_imports_no_app_and_exports_knows_no_screen() -> None:
    assert app_imports.violations(app_imports.cross_imports()) == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from wijkteam.celery import app\n    return app\n")
    assert "wijkteam.celery" in app_imports.imported_modules(module)
    typed = tmp_path / "typed.py"
    typed.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from organisations.models import User\n")
    assert "organisations.models" not in app_imports.imported_modules(typed)
