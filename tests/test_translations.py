from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_every_interface_string_has_a_dutch_translation() -> None:
    po = polib.pofile(str(PO))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_placeholders_survive_translation() -> None:
    import re

    placeholder = re.compile(r"%\(\w+\)s|\{\w*\}")
    for entry in polib.pofile(str(PO)).translated_entries():
        # A plural entry has its translations in msgstr_plural; each form keeps the placeholders.
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert sorted(placeholder.findall(entry.msgid)) == sorted(placeholder.findall(translation)), entry.msgid
