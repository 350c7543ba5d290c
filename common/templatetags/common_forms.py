"""Template helpers for forms: the NL Design System (Utrecht) classes on any form's widgets."""

from django import forms, template
from django.forms import BoundField
from django.forms.widgets import Input

register = template.Library()

# Widget class → (Utrecht base classes, modifier for an invalid value).
_CLASSES: list[tuple[type[forms.Widget], str, str]] = [
    (forms.CheckboxSelectMultiple, "utrecht-checkbox utrecht-checkbox--html-input", "utrecht-checkbox--invalid"),
    (forms.RadioSelect, "utrecht-radio-button utrecht-radio-button--html-input", "utrecht-radio-button--invalid"),
    (forms.CheckboxInput, "utrecht-checkbox utrecht-checkbox--html-input", "utrecht-checkbox--invalid"),
    (forms.Select, "utrecht-select utrecht-select--html-select", "utrecht-select--invalid"),
    (forms.Textarea, "utrecht-textarea utrecht-textarea--html-textarea", "utrecht-textarea--invalid"),
    (Input, "utrecht-textbox utrecht-textbox--html-input", "utrecht-textbox--invalid"),
]


@register.filter
def styled(field: BoundField) -> BoundField:
    """Give the field's widget its Utrecht classes (and the invalid modifier), then render it as usual.

    Django itself adds aria-invalid and aria-describedby (``<id>_helptext``, ``<id>_error``).
    """
    widget = field.field.widget
    if widget.is_hidden:
        return field
    for widget_class, base, invalid in _CLASSES:
        if isinstance(widget, widget_class):
            own = widget.attrs.get("class", "")
            ours = {*base.split(), invalid}
            classes = [c for c in own.split() if c not in ours]
            classes.append(base)
            if field.errors:
                classes.append(invalid)
            widget.attrs["class"] = " ".join(classes)
            break
    return field


@register.filter
def numbered(text: str, number: int) -> str:
    """``{{ _("Member {number}")|numbered:forloop.counter }}`` → "Member 2".

    Braces, not ``%(number)s``: a ``_("…")`` literal in a template has its % signs doubled before translation.
    """
    return str(text).format(number=number)
