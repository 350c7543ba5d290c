"""A household the user knows from a closed case, found by its address: a new referral there reuses it.

Separate from the duplicate review (``cases/duplicates.py``), which warns about open cases and likely
matches of persons: this only offers "a new case for this known household" (``inbox.case_open_for_household``)
when every case of it the user sees is closed. Starts from ``visible_to``: a household the user may not see
is never offered, and its existence is not revealed.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from organisations.models import User

from .models import Case, Household


def known_household_at(
    *, user: User, postcode: str, house_number: int, house_number_suffix: str = ""
) -> Household | None:
    """The household at this address the user sees through closed cases only, or None. One query."""
    open_case = Case.objects.visible_to(user).open().filter(household_id=OuterRef("pk"))
    return (
        Household.objects.visible_to(user)
        .filter(
            postcode=postcode.replace(" ", "").upper(),
            house_number=house_number,
            house_number_suffix__iexact=house_number_suffix.strip(),
        )
        .exclude(Exists(open_case))
        .order_by("-created_at", "-id")
        .first()
    )
