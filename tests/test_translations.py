from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_every_interface_string_has_a_dutch_translation() -> None:
    po = polib.pofile(str(PO))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    untranslated += [e.msgid for e in po.translated_entries() if e.msgid_plural and not all(e.msgstr_plural.values())]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_placeholders_survive_translation() -> None:
    import re

    placeholder = re.compile(r"%\(\w+\)s|\{\w*\}")
    for entry in polib.pofile(str(PO)).translated_entries():
        if entry.msgid_plural:
            pairs = [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translation in pairs:
            assert set(placeholder.findall(source)) == set(placeholder.findall(translation)), source


def test_each_message_is_defined_once() -> None:
    """A merge can leave a message twice; gettext's msgmerge then refuses the whole catalogue."""
    from collections import Counter

    keys = Counter((entry.msgctxt, entry.msgid) for entry in polib.pofile(str(PO)))
    assert [key for key, count in keys.items() if count > 1] == []


GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def _marked_in_python() -> set[tuple[str | None, str, str]]:
    """Every (context, message, where) the project's Python code marks for translation with a literal."""
    import ast

    root = PO.parents[3]
    found = set()
    for path in root.glob("*/**/*.py"):
        if {".venv", "node_modules", "tests", "migrations"} & set(path.relative_to(root).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT_NAMES):
                continue
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
            context = args.pop(0) if node.func.id.startswith("pgettext") and args else None
            if args and args[0] is not None:
                found.add((context, args[0], f"{path.relative_to(root)}:{node.lineno}"))
    return found


def test_every_message_marked_in_python_is_in_the_catalogue() -> None:
    """A string marked in code but missing from django.po shows in English on the Dutch interface."""
    catalogue = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(PO))}
    missing = sorted(where for context, message, where in _marked_in_python() if (context, message) not in catalogue)
    assert missing == []
