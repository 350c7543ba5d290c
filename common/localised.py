"""Reference data that carries its own Dutch and English name.

Themes, silos, organisation kinds and instrument domains are configurable
rows, so their names cannot go through gettext; each row holds both names and
shows the one for the active language.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LocalisedName(models.Model):
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl
