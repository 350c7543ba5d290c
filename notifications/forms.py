from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NotificationSettings


class DigestForm(forms.Form):
    digest = forms.ChoiceField(
        label=_("E-mail about unread notifications"),
        choices=NotificationSettings.Digest.choices,
        widget=forms.RadioSelect,
        help_text=_("The e-mail names no resident: it lists the notifications and links to this page."),
    )
