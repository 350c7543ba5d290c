"""Reference data: the kinds of organisation that work in a neighbourhood team.

The rows are written with ``apps.get_model`` so that the data migration can
run them against its historical models; tests reload them after a flush.
"""

from django.apps import apps as global_apps
from django.apps.registry import Apps

KINDS = [
    ("municipality", "Gemeente", "Municipality"),
    ("youth_care", "Jeugdhulp", "Youth care"),
    ("ggd_jgz", "GGD / JGZ", "Public health service / youth health care"),
    ("social_work", "Maatschappelijk werk", "Social work"),
    ("debt_counselling", "Schuldhulpverlening", "Debt counselling"),
    ("housing_corporation", "Woningcorporatie", "Housing corporation"),
    ("school", "School", "School"),
    ("police", "Politie", "Police"),
    ("uwv", "UWV", "Employee insurance agency (UWV)"),
    ("health_care", "Gezondheidszorg", "Health care"),
    ("welfare", "Welzijn", "Welfare"),
    ("other", "Overig", "Other"),
]


def load(apps: Apps = global_apps) -> None:
    """Create or update the reference rows; idempotent. Used by the data migration and by tests."""
    OrganisationKind = apps.get_model("organisations", "OrganisationKind")
    for order, (code, nl, en) in enumerate(KINDS, start=1):
        OrganisationKind.objects.update_or_create(code=code, defaults={"name_nl": nl, "name_en": en, "order": order})
