"""Reference data: default retention periods. Jeugdwet: 20 years after closure (art. 7.3.8
Jeugdwet); the others are the municipality's to set, seeded with commonly used periods."""

from django.apps import apps as global_apps
from django.apps.registry import Apps

RULES = [
    ("jeugdwet", 20, "Jeugdwet art. 7.3.8: twintig jaar na afsluiting"),
    ("wmo", 15, "Wmo 2015: gemeentelijke selectielijst"),
    ("participatiewet", 10, "Participatiewet: gemeentelijke selectielijst"),
    ("wgs", 7, "Wet gemeentelijke schuldhulpverlening: gemeentelijke selectielijst"),
    (None, 15, "Standaardtermijn van de gemeente"),
]


def load(apps: Apps = global_apps) -> None:
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    Silo = apps.get_model("funding", "Silo")
    for code, years, ground in RULES:
        silo = Silo.objects.filter(code=code).first() if code else None
        if code and silo is None:
            continue  # a flushed test database: the silos come back first, then this runs again
        RetentionRule.objects.get_or_create(silo=silo, defaults={"years_after_closure": years, "legal_ground": ground})
