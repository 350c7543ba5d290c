from django.db import models
from django.utils.translation import gettext_lazy as _

from common.localised import LocalisedName


class Theme(LocalisedName):
    """One of the six fixed themes of the neighbourhood approach."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class SubTheme(LocalisedName):
    """A configurable refinement of a theme (schulden, huiselijk geweld, taal)."""

    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="sub_themes", verbose_name=_("theme"))
    code = models.SlugField(_("code"), max_length=40, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["theme__order", "name_nl"]
        verbose_name = _("sub-theme")
        verbose_name_plural = _("sub-themes")


class Instrument(LocalisedName):
    """A measurement instrument such as the Zelfredzaamheid-Matrix."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    min_score = models.PositiveSmallIntegerField(_("lowest score"))
    max_score = models.PositiveSmallIntegerField(_("highest score"))
    # Positieve Gezondheid is a conversation tool: recorded, never trended as an outcome.
    trended = models.BooleanField(_("trended as an outcome"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_score__lt=models.F("max_score")), name="instrument_score_range_valid"
            )
        ]


class InstrumentDomain(LocalisedName):
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="domains", verbose_name=_("instrument")
    )
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["instrument", "order"]
        verbose_name = _("instrument domain")
        verbose_name_plural = _("instrument domains")
        constraints = [models.UniqueConstraint(fields=["instrument", "code"], name="instrument_domain_code_unique")]
