from django.db import models
from django.utils.translation import gettext_lazy as _

from wijkteam.localised import LocalisedName


class Silo(LocalisedName):
    """A legal or budget framework (koker) that money is bound to."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The municipality's maatwerk-/doorbraakbudget may pay for anything.
    silo_free = models.BooleanField(_("silo-free (flexible budget)"), default=False)

    class Meta:
        ordering = ["order"]
        verbose_name = _("funding silo")
        verbose_name_plural = _("funding silos")
