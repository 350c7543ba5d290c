"""Form building blocks shared by every screen: fields that read Dutch input, choices among objects a view
already loaded (one query per page, whatever the number of rows), formsets whose rows are added and removed
by ordinary submit buttons, and the mapping of a service's ValidationError onto the fields that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Self

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.formsets import BaseFormSet
from django.http import QueryDict
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

# Dutch first (the interface language), ISO for the browser's date picker.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]


class DateInput(forms.DateInput):
    """The browser's own date picker: keyboard and screen-reader friendly, always sends ISO dates."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _written_attrs(attrs: Mapping[str, Any]) -> str:
    """Django's ``attrs.html``: `` name="value"``, a bare `` name`` for True, nothing for False."""
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_shown(_as_text(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _as_text(value: Any) -> str:
    """The ``stringformat:"s"`` filter: ``"%s" % value``, still marked safe if the value was."""
    text = "%s" % value  # noqa: UP031 - the filter's own formatting
    return mark_safe(text) if isinstance(value, SafeData) else text  # noqa: S308 - it was safe already


def _shown(value: Any) -> str:
    """A value as ``{{ value }}`` puts it in a template: localised, then escaped unless marked safe."""
    return conditional_escape(formats.localize(value))


class WrittenSelect(forms.Select):
    """Django's ``Select``, its markup written in one pass rather than by three widget templates per option
    (``select.html``, ``select_option.html``, ``attrs.html``): the caseload's four filters took a fifth of
    its Python time that way. The same HTML as Django's, byte for byte (tests/common/test_forms.py); the
    form's renderer is not asked, as no project template overrides these three."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_shown(widget["name"])}"{_written_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
            parts.extend(
                f'\n  <option value="{_shown(_as_text(option["value"]))}"'
                f"{_written_attrs(option['attrs'])}>{_shown(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value escaped by _shown


class DateField(forms.DateField):
    widget = DateInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        super().__init__(**kwargs)


# --- Amounts in euros, typed the Dutch way ------------------------------------------


def parse_localised_decimal(text: str, decimal_separator: str, thousand_separator: str) -> str | None:
    """Turn ``1.250,50`` (Dutch) or ``1,250.50`` (English) into ``1250.50``; None when it is not an amount.

    Thousands come in groups of three, so one separator followed by one or two digits can only be a
    decimal separator: ``1250.5`` is read as 1250,50 in Dutch too, because people type it that way.
    """
    text = text.replace("€", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").strip()
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    d, t = re.escape(decimal_separator), re.escape(thousand_separator)
    if re.fullmatch(rf"\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d+)?", text):
        text = text.replace(thousand_separator, "")
    elif re.fullmatch(rf"\d+{t}\d{{1,2}}", text):
        text = text.replace(thousand_separator, decimal_separator)
    if not re.fullmatch(rf"\d+(?:{d}\d+)?", text):
        return None
    return sign + text.replace(decimal_separator, ".")


class LocalisedDecimalField(forms.DecimalField):
    """An amount as people type it in the active language (``1.250,50`` in Dutch), shown the same way."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        normalised = parse_localised_decimal(
            str(value), formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")
        )
        if normalised is None:
            example = formats.number_format(Decimal("1250.50"), decimal_pos=2, use_l10n=True, force_grouping=True)
            raise ValidationError(
                _("Enter an amount such as %(example)s."), code="invalid", params={"example": example}
            )
        return Decimal(normalised)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
        return value


# --- Choices among loaded objects -----------------------------------------------------


def public_key(obj: Any) -> str:
    """What an option's value says about an object: its UUID, or its code (themes, areas), never its row id.

    Row ids tell how many persons, users and cases there are and in which order they came; a value in a
    page's HTML is read by anyone who opens the source.
    """
    for attribute in ("uuid", "code"):
        value = getattr(obj, attribute, None)
        if value:
            return str(value)
    raise TypeError(f"{type(obj).__name__} has no public key (a uuid or a code)")


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects the view loaded once; cleans to the object itself.

    Unlike ModelChoiceField it neither queries per form (a formset of twenty rows needs the theme list
    once) nor per submit. Options carry each object's public key (``public_key``); an initial value may
    be the object or its row id.
    """

    def __init__(self, *, empty_label: Any = "—", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.empty_label = empty_label
        self.objects: dict[str, Any] = {}
        self.keys_by_pk: dict[Any, str] = {}

    def set_objects(
        self,
        objects: Iterable[Any],
        label: Callable[[Any], str] = str,
        groups: Sequence[tuple[str, Sequence[Any]]] | None = None,
    ) -> None:
        """The objects to choose from; with ``groups``, shown as option groups (an object may be in several)."""
        self.objects = {public_key(obj): obj for obj in objects}
        if groups is not None:
            for _name, members in groups:
                self.objects.update({public_key(obj): obj for obj in members})
            choices: list[Any] = [(name, [(public_key(o), label(o)) for o in members]) for name, members in groups]
        else:
            choices = [(key, label(obj)) for key, obj in self.objects.items()]
        self.keys_by_pk = {obj.pk: key for key, obj in self.objects.items()}
        if self.empty_label is not None and not isinstance(self.widget, forms.RadioSelect):
            choices.insert(0, ("", self.empty_label))
        self.choices = choices

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Model):
            return public_key(value)
        if isinstance(value, int):  # an initial value given as a row id
            return self.keys_by_pk.get(value, "")
        return value

    def clean(self, value: Any) -> Any:
        key = super().clean(value)
        return self.objects.get(key) if key else None


class ObjectMultipleChoiceField(forms.MultipleChoiceField):
    """Several of the objects a view loaded once; cleans to a list of objects (options by public key)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.objects: dict[str, Any] = {}
        self.keys_by_pk: dict[Any, str] = {}

    def set_objects(self, objects: Iterable[Any], label: Callable[[Any], str] = str) -> None:
        self.objects = {public_key(obj): obj for obj in objects}
        self.keys_by_pk = {obj.pk: key for key, obj in self.objects.items()}
        self.choices = [(key, label(obj)) for key, obj in self.objects.items()]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [
                public_key(v) if isinstance(v, Model) else self.keys_by_pk.get(v, "") if isinstance(v, int) else v
                for v in value
            ]
        return value

    def clean(self, value: Any) -> list[Any]:
        keys = super().clean(value)
        return [self.objects[key] for key in keys]


def load_choices(
    form: forms.BaseForm,
    name: str,
    objects: Iterable[Any],
    label: Callable[[Any], str] = str,
    groups: Sequence[tuple[str, Sequence[Any]]] | None = None,
) -> None:
    """Give the object choice field ``name`` of ``form`` its objects."""
    field = form.fields[name]
    if isinstance(field, ObjectChoiceField):
        field.set_objects(objects, label, groups)
    elif isinstance(field, ObjectMultipleChoiceField):
        field.set_objects(objects, label)
    else:
        raise TypeError(f"{name} is not an object choice field")


# --- Rows added and removed without JavaScript ---------------------------------------


class RowFormSet(BaseFormSet):
    """Rows (household members, goals, action items) that the user adds and removes with submit buttons.

    Every row counts as new: an untouched row beyond ``min_num`` is skipped, the first ``min_num`` rows
    must be filled. A row button re-renders the page with what was typed, one row more or less, and no
    error messages yet (nothing was submitted for saving).
    """

    extra = 0

    def initial_form_count(self) -> int:
        return 0

    @property
    def row_button_name(self) -> str:
        return f"{self.prefix}-row"

    @classmethod
    def with_rows(cls, rows: Sequence[Mapping[str, Any]], *, focus: int | None = None, **kwargs: Any) -> Self:
        """An unbound formset showing ``rows`` as typed values (at least ``min_num`` rows)."""
        formset = cls(initial=list(rows), **kwargs)
        formset.extra = max(len(rows) - formset.min_num, 0)
        if focus is not None and 0 <= focus < formset.total_form_count():
            form = formset.forms[focus]
            first = next(iter(form.fields.values()))
            first.widget.attrs["autofocus"] = True
        return formset

    @classmethod
    def row_action(cls, data: QueryDict, prefix: str) -> tuple[str, int] | None:
        """("add", -1) or ("remove", index) when a row button was pressed, else None."""
        value = data.get(f"{prefix}-row", "")
        if value == "add":
            return ("add", -1)
        if match := re.fullmatch(r"remove-(\d+)", value):
            return ("remove", int(match.group(1)))
        return None

    @classmethod
    def rebuilt(cls, data: QueryDict, *, add: bool = False, remove: int | None = None, **kwargs: Any) -> Self:
        """The rows typed in ``data`` as an unbound formset, with one row added or one removed."""
        bound = cls(data, **kwargs)
        rows = [typed_values(form, data) for index, form in enumerate(bound.forms) if index != remove]
        if add:
            rows.append({})
        return cls.with_rows(rows, focus=len(rows) - 1 if add else None, **kwargs)


def typed_values(form: forms.BaseForm, data: QueryDict) -> dict[str, Any]:
    """The raw values typed into ``form``'s fields, to show again in an unbound form without messages."""
    return {
        name: field.widget.value_from_datadict(data, {}, form.add_prefix(name)) for name, field in form.fields.items()
    }


# --- A service's refusal, shown next to the fields -----------------------------------


def apply_errors(
    error: ValidationError,
    form: forms.BaseForm,
    *,
    formsets: Sequence[BaseFormSet] = (),
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Put a service's ValidationError on the fields it names.

    Keys are form fields (``postcode``), formset rows (``goals-0-text``), a formset as a whole
    (``goals``) or, through ``aliases``, another name for a form field. Anything else, and messages
    without a field, go to the top of the form.
    """
    by_prefix = {formset.prefix: formset for formset in formsets}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        key = (aliases or {}).get(key, key)
        row = re.fullmatch(r"(?P<prefix>.+)-(?P<index>\d+)-(?P<field>\w+)", key)
        if key in form.fields:
            form.add_error(key, messages)
        elif row and row["prefix"] in by_prefix and int(row["index"]) < len(by_prefix[row["prefix"]].forms):
            row_form = by_prefix[row["prefix"]].forms[int(row["index"])]
            row_form.add_error(row["field"] if row["field"] in row_form.fields else None, messages)
        elif key in by_prefix:
            # Formset-level messages live in the list non_form_errors() returns; adding to it is the only way in.
            by_prefix[key].non_form_errors().extend(messages)
        else:
            form.add_error(None, messages)
