"""Reference data: the funding silos (kokers) of the domain brief.

The rows are written with ``apps.get_model`` so that the data migration can
run them against its historical models; tests reload them after a flush.
"""

import json
from pathlib import Path

from django.apps import apps as global_apps
from django.apps.registry import Apps

SILOS = [
    ("jeugdwet", "Jeugdwet", "Youth Act (Jeugdwet)", False),
    ("wmo", "Wmo 2015", "Social Support Act (Wmo 2015)", False),
    ("participatiewet", "Participatiewet", "Participation Act", False),
    ("wgs", "Wet gemeentelijke schuldhulpverlening", "Municipal Debt Assistance Act", False),
    ("wpg", "Wet publieke gezondheid (JGZ)", "Public Health Act (youth health care)", False),
    ("ocw", "Onderwijs (OCW)", "Education (OCW)", False),
    ("zvw", "Zorgverzekeringswet", "Health Insurance Act", False),
    ("wlz", "Wet langdurige zorg", "Long-term Care Act", False),
    ("jenv", "Justitie & Veiligheid", "Justice & Security", False),
    ("woningwet", "Woningwet", "Housing Act", False),
    ("vhf", "Volkshuisvestingsfonds", "Public Housing Fund", False),
    ("flexibel", "Maatwerk- en doorbraakbudget", "Flexible (breakthrough) budget", True),
]


# The iWmo/iJw product categories: the iStandaarden codelists "Productcategorie" (iWmo WMO020, iJw JZ020) of
# Zorginstituut Nederland, in full, each list with its published address and version (the data file says where
# this copy was transcribed from).
PRODUCT_CATEGORY_FILE = Path(__file__).resolve().parent / "reference_data" / "istandaarden_productcategorie.json"


def product_categories() -> list[dict[str, str]]:
    """One row per category: standard, code, name, and the source and version of its list."""
    data = json.loads(PRODUCT_CATEGORY_FILE.read_text(encoding="utf-8"))
    return [
        {
            "standard": codelist["standard"],
            "code": code,
            "name": name,
            "source": f"Zorginstituut Nederland, iStandaarden {codelist['codelist']} Productcategorie: "
            f"{codelist['source_url']}",
            "version": codelist["version"],
        }
        for codelist in data["lists"]
        for code, name in codelist["codes"]
    ]


def load(apps: Apps = global_apps) -> None:
    """Create or update the reference rows; idempotent. Used by the data migration and by tests."""
    _load_silos(apps)
    try:
        ProductCategory = apps.get_model("funding", "ProductCategory")
    except LookupError:  # an earlier data migration's historical models: 0008 loads them
        return
    for row in product_categories():
        ProductCategory.objects.update_or_create(
            code=row["code"],
            defaults={key: row[key] for key in ("standard", "name", "source", "version")},
        )


def _load_silos(apps: Apps) -> None:
    Silo = apps.get_model("funding", "Silo")
    for order, (code, nl, en, silo_free) in enumerate(SILOS, start=1):
        Silo.objects.update_or_create(
            code=code, defaults={"name_nl": nl, "name_en": en, "silo_free": silo_free, "order": order}
        )
