"""The browser tests check what they wait for: no ``locator.is_visible()`` in an assertion.

``is_visible()`` answers at once. After a click that loads another page it may look at a page whose
address has changed but whose body has not arrived yet: CI once failed on the funding register this way
(``assert page.get_by_role("link", name="WT-WALK0001").is_visible()`` right after "Tonen"). Playwright's
``expect(locator).to_be_visible()`` (or ``to_be_hidden()``) retries until the page is there.
"""

import ast
from pathlib import Path

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def _asserted_visibility(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for statement in ast.walk(tree):
        if not isinstance(statement, ast.Assert):
            continue
        for node in ast.walk(statement.test):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "is_visible":
                found.append(f"{path.name}:{statement.lineno}")
    return found


def test_no_browser_test_asserts_is_visible_without_waiting() -> None:
    files = sorted(BROWSER_TESTS.glob("*.py"))
    assert len(files) > 10
    assert [place for path in files for place in _asserted_visibility(path)] == []


def test_the_check_finds_an_unwaited_visibility_assertion(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "def test_x(page):\n"
        "    page.get_by_role('button', name='Tonen').click()\n"
        "    assert page.get_by_role('link', name='WT-1').is_visible()\n"
        "    assert ready and not page.locator('#nav').is_visible()\n"
    )
    assert _asserted_visibility(sample) == ["test_sample.py:3", "test_sample.py:4"]
