"""Reference data: the funding silos (kokers) of the domain brief.

The rows are written with ``apps.get_model`` so that the data migration can
run them against its historical models; tests reload them after a flush.
"""

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


# iWmo/iJw product categories (codelijst "Productcategorie" of the iStandaarden, Zorginstituut Nederland).
# Only the categories this list could be checked for without the published list at hand (the build machine is
# offline): add the others from the current release of the codelijst, with its version below.
PRODUCT_CATEGORY_SOURCE = "Zorginstituut Nederland, iStandaarden iWmo/iJw, codelijst Productcategorie"
PRODUCT_CATEGORY_VERSION = "3.x (partial, unchecked offline)"
PRODUCT_CATEGORIES = [
    ("iwmo", "01", "Hulp bij het huishouden"),
    ("iwmo", "02", "Begeleiding"),
    ("ijw", "45", "Jeugdhulp ambulant"),
]


def load(apps: Apps = global_apps) -> None:
    """Create or update the reference rows; idempotent. Used by the data migration and by tests."""
    _load_silos(apps)
    try:
        ProductCategory = apps.get_model("funding", "ProductCategory")
    except LookupError:  # an earlier data migration's historical models: 0008 loads them
        return
    for standard, code, name in PRODUCT_CATEGORIES:
        ProductCategory.objects.update_or_create(
            code=code,
            defaults={
                "standard": standard,
                "name": name,
                "source": PRODUCT_CATEGORY_SOURCE,
                "version": PRODUCT_CATEGORY_VERSION,
            },
        )


def _load_silos(apps: Apps) -> None:
    Silo = apps.get_model("funding", "Silo")
    for order, (code, nl, en, silo_free) in enumerate(SILOS, start=1):
        Silo.objects.update_or_create(
            code=code, defaults={"name_nl": nl, "name_en": en, "silo_free": silo_free, "order": order}
        )
