"""The themes, read once per process: reference data without personal data, shown on every casework page.

The household page, its contact timeline and the contact form each read the
six themes; ``all_themes()`` reads them once and keeps them for a minute, so
those pages do not query them. A theme saved or deleted through the ORM (the
admin, the reference data loader, a test) clears the copy at once and again
when its transaction commits; ``post_migrate`` clears it too. Another process
sees a renamed theme within ``MAX_AGE`` seconds. Nothing else is cached here:
personal data never is.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from .models import Theme

MAX_AGE = 60.0  # seconds another process may show a theme's earlier name

_cached: tuple[float, tuple[Theme, ...]] | None = None


def all_themes() -> list[Theme]:
    """The themes in their order, as ``list(Theme.objects.all())`` gives them; fresh copies on every call."""
    global _cached
    cached = _cached
    now = time.monotonic()
    if cached is None or now - cached[0] > MAX_AGE:
        cached = (now, tuple(Theme.objects.order_by("order", "pk")))
        _cached = cached
    # Copies: a page may set attributes on what it was given, the next one must not see them.
    return [copy.copy(theme) for theme in cached[1]]


def clear(**_: Any) -> None:
    """Forget the themes read; the next call reads them again."""
    global _cached
    _cached = None


def _theme_changed(**_: Any) -> None:
    clear()
    # A page read between the save and the commit may have kept what was not committed yet.
    transaction.on_commit(clear)


post_save.connect(_theme_changed, sender=Theme, dispatch_uid="themes.cache.saved")
post_delete.connect(_theme_changed, sender=Theme, dispatch_uid="themes.cache.deleted")
post_migrate.connect(clear, dispatch_uid="themes.cache.migrated")
