"""Form widgets written in Python where Django's templates cost too much for what they write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from .html import escaped


def _attributes(attrs: dict[str, Any]) -> str:
    """As ``django/forms/widgets/attrs.html``: True gives the bare name, False leaves the attribute out."""
    return "".join(
        f" {escaped(name)}" if value is True else f' {escaped(name)}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class OptionsSelect(forms.Select):
    """A ``<select>`` whose options are written in one pass, in exactly the HTML of Django's ``select.html``.

    Django renders every option through a template of its own (with its attributes through another): the
    dashboard's list of 42 municipalities cost about 10 ms a request, more than any of its queries. The
    options, their order, grouping, selection and escaping are Django's (``get_context``); only the writing
    is done here (``tests/test_widgets.py`` compares the two).
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escaped(widget["name"])}"{_attributes(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{escaped(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{escaped(option["value"])}"{_attributes(option["attrs"])}>'
                    f"{escaped(localize(option['label']))}</option>\n"  # select_option.html ends with a newline
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped
