from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Probe


class ProbeForm(forms.Form):
    hold_seconds = forms.IntegerField(
        label=_("Hold for (seconds)"),
        min_value=0,
        max_value=300,
        initial=0,
        help_text=_("Keep the job busy this long, to stop or kill a worker meanwhile. 0 runs it straight through."),
    )
    hold_phase = forms.ChoiceField(
        label=_("Hold"), choices=Probe.HoldPhase.choices, initial=Probe.HoldPhase.BEFORE_COMMIT
    )
