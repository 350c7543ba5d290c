"""Reference data: the six themes (fixed codes), sub-themes, and the ZRM and Positieve Gezondheid instruments.

The rows are written with ``apps.get_model`` so that the data migration can
run them against its historical models; tests reload them after a flush.
"""

from django.apps import apps as global_apps
from django.apps.registry import Apps

THEMES = [
    ("welzijn", "Welzijn, zorg & hulpverlening", "Wellbeing, care & support"),
    ("onderwijs", "Onderwijs & opvoeding", "Education & upbringing"),
    ("veiligheid", "Veiligheid & criminaliteit", "Safety & crime"),
    ("wonen", "Wonen, leefomgeving & openbare ruimte", "Housing, living environment & public space"),
    ("werk", "Werk & inkomen", "Work & income (debts included)"),
    ("democratie", "Lokale democratie & burgerparticipatie", "Local democracy & participation"),
]

SUB_THEMES = [
    ("werk", "schulden", "Schulden", "Debts"),
    ("veiligheid", "huiselijk-geweld", "Huiselijk geweld", "Domestic violence"),
    ("onderwijs", "taal", "Taal", "Language"),
    ("onderwijs", "schoolverzuim", "Schoolverzuim", "School absence"),
    ("welzijn", "eenzaamheid", "Eenzaamheid", "Loneliness"),
    ("welzijn", "psychische-gezondheid", "Psychische gezondheid", "Mental health"),
    ("wonen", "woonoverlast", "Woonoverlast", "Nuisance at home"),
    ("werk", "armoede", "Armoede", "Poverty"),
]

# Zelfredzaamheid-Matrix 2017: 13 domains, scored 1 (acute) to 5 (fully self-reliant).
ZRM_DOMAINS = [
    ("financien", "Financiën", "Finances"),
    ("werk-opleiding", "Werk & opleiding", "Work & education"),
    ("tijdsbesteding", "Tijdsbesteding", "Use of time"),
    ("huisvesting", "Huisvesting", "Housing"),
    ("huiselijke-relaties", "Huiselijke relaties", "Domestic relations"),
    ("geestelijke-gezondheid", "Geestelijke gezondheid", "Mental health"),
    ("lichamelijke-gezondheid", "Lichamelijke gezondheid", "Physical health"),
    ("middelengebruik", "Middelengebruik", "Substance use"),
    ("basale-adl", "Basale ADL", "Basic activities of daily living"),
    ("instrumentele-adl", "Instrumentele ADL", "Instrumental activities of daily living"),
    ("sociaal-netwerk", "Sociaal netwerk", "Social network"),
    ("maatschappelijke-participatie", "Maatschappelijke participatie", "Participation in society"),
    ("justitie", "Justitie", "Justice"),
]

# Positieve Gezondheid: six dimensions, scored 0-10; a conversation tool, never trended.
PG_DIMENSIONS = [
    ("lichaamsfuncties", "Lichaamsfuncties", "Bodily functions"),
    ("mentaal-welbevinden", "Mentaal welbevinden", "Mental well-being"),
    ("zingeving", "Zingeving", "Meaningfulness"),
    ("kwaliteit-van-leven", "Kwaliteit van leven", "Quality of life"),
    ("meedoen", "Meedoen", "Participation"),
    ("dagelijks-functioneren", "Dagelijks functioneren", "Daily functioning"),
]


def load(apps: Apps = global_apps) -> None:
    """Create or update the reference rows; idempotent. Used by the data migration and by tests."""
    Theme = apps.get_model("themes", "Theme")
    SubTheme = apps.get_model("themes", "SubTheme")
    Instrument = apps.get_model("themes", "Instrument")
    InstrumentDomain = apps.get_model("themes", "InstrumentDomain")
    themes = {}
    for order, (code, nl, en) in enumerate(THEMES, start=1):
        themes[code], _ = Theme.objects.update_or_create(
            code=code, defaults={"name_nl": nl, "name_en": en, "order": order}
        )
    for theme_code, code, nl, en in SUB_THEMES:
        SubTheme.objects.update_or_create(
            code=code, defaults={"theme": themes[theme_code], "name_nl": nl, "name_en": en}
        )
    for code, nl, en, low, high, trended, domains in [
        ("zrm", "Zelfredzaamheid-Matrix 2017", "Self-Sufficiency Matrix 2017", 1, 5, True, ZRM_DOMAINS),
        ("positieve-gezondheid", "Positieve Gezondheid", "Positive Health", 0, 10, False, PG_DIMENSIONS),
    ]:
        instrument, _ = Instrument.objects.update_or_create(
            code=code,
            defaults={"name_nl": nl, "name_en": en, "min_score": low, "max_score": high, "trended": trended},
        )
        for order, (domain_code, domain_nl, domain_en) in enumerate(domains, start=1):
            InstrumentDomain.objects.update_or_create(
                instrument=instrument,
                code=domain_code,
                defaults={"name_nl": domain_nl, "name_en": domain_en, "order": order},
            )
