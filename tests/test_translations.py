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
