"""Dutch sentences and tables for the casework demo data (cases/seed.py). Fictional, written for this project.

Placeholders: ``{adult}`` and ``{child}`` are first names of household members,
``{org}`` an involved organisation, ``{surname}`` the household's surname. A
template with ``{child}`` is only used for a household with children.
"""

from __future__ import annotations

THEMES = ["welzijn", "onderwijs", "veiligheid", "wonen", "werk", "democratie"]

# How often a theme is part of a household's need (onderwijs only with children).
THEME_WEIGHTS = {"welzijn": 30, "werk": 26, "wonen": 16, "onderwijs": 16, "veiligheid": 9, "democratie": 5}

SURNAME_PREFIXES = ("van der", "van den", "van de", "van", "de", "den", "ter", "te")

STREET_WORDS = [
    "Linden", "Eiken", "Beuken", "Wilgen", "Kastanje", "Populieren", "Essen", "Berken", "Iepen", "Platanen",
    "Merel", "Lijster", "Vinken", "Spreeuwen", "Reiger", "Zwaluw", "Meeuwen", "Kievit", "Specht", "Koekoek",
    "Rozen", "Tulpen", "Narcissen", "Lelie", "Krokus", "Anjer", "Dahlia", "Seringen", "Jasmijn", "Heide",
    "Rembrandt", "Vermeer", "Mondriaan", "Escher", "Frans Hals", "Jan Steen", "Toorop", "Breitner", "Israëls",
    "Vondel", "Multatuli", "Bredero", "Hooft", "Huygens", "Bilderdijk", "Annie M.G. Schmidt", "Nescio",
    "Smeden", "Bakkers", "Kuipers", "Wevers", "Touwslagers", "Lakenblekers", "Zeilmakers", "Molenaars",
    "Molen", "Dijk", "Veld", "Brug", "Kade", "Weide", "Beek", "Burcht", "Vaart", "Polder", "Akker",
    "Haven", "Sluis", "Dok", "Kerk", "Markt", "School", "Stations", "Park", "Tuin", "Boomgaard", "Kamp",
    "Zon", "Maan", "Sterren", "Noorder", "Zuider", "Ooster", "Wester", "Hoog", "Laag", "Kort", "Lang",
    "Amstel", "Rijn", "Maas", "IJssel", "Waal", "Lek", "Vecht", "Eem", "Gouwe", "Linge", "Dommel", "Berkel",
    "Texel", "Vlieland", "Ameland", "Schiermonnikoog", "Terschelling", "Zeeland", "Drenthe", "Twente",
]  # fmt: skip
STREET_SUFFIXES = [
    "straat", "laan", "weg", "plein", "hof", "kade", "singel", "dreef", "pad", "gracht", "steeg", "dijk",
    "erf", "ring", "plantsoen",
]  # fmt: skip
STREET_PREFIXES = ["Nieuwe ", "Oude ", "Korte ", "Lange "]  # when a large city runs out of plain names

# Dutch postcodes do not use these letter pairs.
UNUSED_POSTCODE_LETTERS = {"SA", "SD", "SS"}

REFERRAL_REASONS = {
    "welzijn": [
        "{adult} voelt zich somber en komt de deur nauwelijks nog uit.",
        "De huisarts maakt zich zorgen over de psychische gezondheid van {adult} en vraagt om steun thuis.",
        "{adult} is eenzaam sinds het overlijden van de partner.",
        "Overbelaste mantelzorger; {adult} redt het thuis niet meer alleen.",
        "Buren maken zich zorgen: het huis raakt vervuild en {adult} eet slecht.",
        "{adult} is na een ziekenhuisopname thuisgekomen en heeft hulp nodig bij het dagelijks leven.",
    ],
    "werk": [
        "Oplopende schulden en een dreigende afsluiting van gas en licht.",
        "Huurachterstand van drie maanden; de verhuurder heeft zich gemeld.",
        "{adult} is de baan kwijtgeraakt en weet niet hoe de uitkering aan te vragen.",
        "De post wordt niet meer geopend; er komen meerdere deurwaarders aan de deur.",
        "Geldzorgen: na de scheiding lukt het {adult} niet om rond te komen.",
        "Terugvordering van toeslagen; het gezin kan de vaste lasten niet meer betalen.",
    ],
    "wonen": [
        "Woonoverlast: buren klagen over geluid en afval in het portiek.",
        "De woning is vervuild; de woningcorporatie maakt zich zorgen.",
        "Dreigende huisuitzetting door een huurachterstand.",
        "Het gezin woont te krap; de kinderen hebben geen eigen plek.",
        "Schimmel en vocht in de woning; {adult} durft de verhuurder niet te bellen.",
    ],
    "onderwijs": [
        "{child} verzuimt veel van school; de leerplichtambtenaar is ingeschakeld.",
        "School maakt zich zorgen over het gedrag van {child} in de klas.",
        "De ouders hebben moeite met de opvoeding van {child} en vragen zelf om hulp.",
        "Taalachterstand bij {child}; thuis wordt weinig Nederlands gesproken.",
        "{child} zit al weken thuis zonder passende plek op school.",
    ],
    "veiligheid": [
        "De politie meldt huiselijke spanningen na een uitruk naar het adres.",
        "Veilig Thuis vraagt het wijkteam om vervolg na een melding over ruzies thuis.",
        "{child} is een paar keer met de politie in aanraking gekomen.",
        "Zorgen over de veiligheid van de kinderen na een escalatie thuis.",
        "{adult} wordt bedreigd door een ex-partner en durft niet goed naar buiten.",
    ],
    "democratie": [
        "{adult} wil graag meedoen in de buurt maar weet niet waar te beginnen.",
        "{adult} is geïsoleerd geraakt en zoekt contact met buurtbewoners.",
        "{adult} wil vrijwilligerswerk doen om weer ritme te krijgen.",
    ],
}

# Goals in the household's own words (first person), per theme.
OWN_WORDS_GOALS = {
    "welzijn": [
        "Ik wil weer zin hebben om 's ochtends op te staan.",
        "Ik wil dat ik het thuis weer zelf kan, met een beetje hulp.",
        "Ik wil een keer per week iets leuks doen buiten de deur.",
        "Ik wil beter slapen en minder piekeren.",
        "We willen dat mama weer rust krijgt en niet alles alleen hoeft te doen.",
        "Ik wil mensen om me heen hebben op wie ik kan terugvallen.",
    ],
    "werk": [
        "Ik wil weer overzicht over mijn geld, zodat ik 's nachts niet wakker lig.",
        "We willen elke maand de huur op tijd betalen.",
        "Ik wil dat de deurwaarders stoppen met langskomen.",
        "Ik wil binnen een jaar weer werk hebben, al is het maar parttime.",
        "Ik wil zelf mijn post leren bijhouden.",
        "We willen geen nieuwe schulden meer maken.",
        "Ik wil genoeg geld hebben om de kinderen mee te laten doen met sport.",
    ],
    "wonen": [
        "We willen in ons huis kunnen blijven wonen.",
        "Ik wil een huis waar de kinderen een eigen kamer hebben.",
        "Ik wil dat het weer schoon en opgeruimd is als er iemand langskomt.",
        "We willen goed met de buren kunnen opschieten.",
        "Ik wil dat de schimmel weg is, zodat de kleine niet meer zo hoest.",
    ],
    "onderwijs": [
        "Ik wil dat {child} weer elke dag naar school gaat.",
        "We willen minder ruzie thuis over huiswerk en bedtijd.",
        "Ik wil dat {child} een school vindt die bij hem of haar past.",
        "Ik wil beter Nederlands spreken, zodat ik met de juf kan praten.",
        "We willen dat {child} weer vrienden heeft en blij thuiskomt.",
    ],
    "veiligheid": [
        "Ik wil dat de kinderen zich thuis veilig voelen.",
        "We willen ruzies oplossen zonder te schreeuwen.",
        "Ik wil dat {child} uit de problemen blijft en iets te doen heeft na school.",
        "Ik wil dat mijn ex zich aan de afspraken houdt.",
    ],
    "democratie": [
        "Ik wil iets betekenen voor de buurt.",
        "Ik wil mensen leren kennen in de wijk.",
        "Ik wil vrijwilligerswerk doen, bijvoorbeeld in het buurthuis.",
    ],
}
GOAL_TAILS = [
    "",
    "",
    "",
    " Dat is nu het belangrijkste.",
    " Daar wil ik hulp bij.",
    " Stap voor stap.",
    " Zonder dat er steeds weer nieuwe mensen over de vloer komen.",
    " Het moet wel te combineren zijn met mijn werk.",
    " Liefst voor de zomer.",
    " Dan heb ik weer ruimte voor de rest.",
]
# The same goals as a professional would write them (in_own_words=False).
PROFESSIONAL_GOALS = {
    "welzijn": ["Psychisch welbevinden verbeteren; aansluiten bij de huisarts.", "Mantelzorger ontlasten."],
    "werk": ["Financiële situatie stabiliseren en schuldhulptraject starten.", "Toeleiden naar betaald werk."],
    "wonen": ["Huisuitzetting voorkomen.", "Woonsituatie verbeteren (urgentie onderzoeken)."],
    "onderwijs": ["Schoolverzuim terugdringen.", "Opvoedvaardigheden van de ouders versterken."],
    "veiligheid": ["Veiligheid van de kinderen borgen met een veiligheidsplan.", "Escalaties thuis voorkomen."],
    "democratie": ["Sociaal netwerk uitbreiden via activiteiten in de wijk."],
}
PLAN_PHRASES = {
    "welzijn": "meer rust en grip op de eigen gezondheid",
    "werk": "rust in de financiën",
    "wonen": "een veilige en betaalbare woning",
    "onderwijs": "de kinderen weer goed op school",
    "veiligheid": "een veilige thuissituatie",
    "democratie": "weer meedoen in de buurt",
}

# Actions per theme: description, organisation kinds that deliver it, cost range (€),
# iWmo/iJw product category, and who benefits (an adult, a child, or the household).
ACTIONS = {
    "werk": [
        ("Budgetcoaching", ["social_work", "debt_counselling", "welfare"], (300, 1500), "", "adult"),
        ("Schuldhulpverlening: minnelijke schuldregeling", ["debt_counselling", "municipality"], (1200, 3500), "",
         "adult"),
        ("Aanvraag bijzondere bijstand", ["municipality"], (0, 800), "", "household"),
        ("Re-integratietraject naar werk", ["uwv", "municipality"], (1500, 6000), "", "adult"),
        ("Vrijwillige thuisadministratie", ["welfare"], (0, 250), "", "household"),
    ],
    "wonen": [
        ("Betalingsregeling voor de huurachterstand", ["housing_corporation"], (0, 0), "", "household"),
        ("Woning opruimen en schoonmaken", ["municipality", "housing_corporation"], (600, 2500), "", "household"),
        ("Urgentieaanvraag voor een grotere woning", ["municipality", "housing_corporation"], (0, 0), "",
         "household"),
        ("Tweede-kansovereenkomst huur", ["housing_corporation"], (0, 500), "", "household"),
    ],
    "welzijn": [
        ("Ambulante begeleiding (Wmo)", ["social_work", "welfare", "municipality"], (2500, 9000), "02", "adult"),
        ("Praktische thuisondersteuning", ["social_work", "welfare"], (800, 3000), "02", "household"),
        ("Verwijzing naar de praktijkondersteuner GGZ", ["health_care"], (0, 0), "", "adult"),
        ("Maatjesproject tegen eenzaamheid", ["welfare"], (0, 200), "", "adult"),
        ("Respijtzorg voor de mantelzorger", ["welfare", "health_care"], (500, 2500), "", "adult"),
    ],
    "onderwijs": [
        ("Ambulante gezinsbegeleiding", ["youth_care"], (4000, 18000), "45", "household"),
        ("Huiswerkbegeleiding", ["school", "welfare"], (300, 1200), "", "child"),
        ("Opvoedondersteuning voor de ouders", ["ggd_jgz", "youth_care"], (600, 2400), "45", "household"),
        ("Taalles voor ouders", ["welfare", "municipality"], (200, 900), "", "adult"),
        ("Plan van aanpak schoolverzuim met leerplicht", ["school", "municipality"], (0, 0), "", "child"),
    ],
    "veiligheid": [
        ("Veiligheidsplan opstellen met het gezin", ["youth_care", "social_work"], (0, 1500), "", "household"),
        ("Systeemgerichte hulp bij huiselijk geweld", ["youth_care", "social_work"], (3000, 12000), "45",
         "household"),
        ("Begeleiding door het jongerenwerk", ["welfare"], (300, 1500), "", "child"),
        ("Afspraken met de wijkagent", ["police"], (0, 0), "", "household"),
    ],
    "democratie": [
        ("Vrijwilligerswerk via het buurthuis", ["welfare", "other"], (0, 150), "", "adult"),
        ("Meedoen met een bewonersinitiatief", ["other", "municipality"], (0, 0), "", "adult"),
    ],
}  # fmt: skip

CONTACT_OPENERS = {
    "home_visit": ["Huisbezoek bij {adult}.", "Op huisbezoek geweest.", "Samen met {org} op huisbezoek."],
    "phone": ["Telefonisch contact met {adult}.", "{adult} belde zelf.", "{adult} teruggebeld."],
    "office": ["{adult} kwam langs op het wijkteamkantoor.", "Afspraak op kantoor met {adult}."],
    "digital": ["Beeldbellen met {adult}.", "Berichten uitgewisseld met {adult}.", "Mail van {adult} beantwoord."],
    "case_conference": ["Casusoverleg met de betrokken partners.", "MDO gehouden.", "Casusoverleg, {adult} was erbij."],
    "coordination": ["Afgestemd met {org}.", "Overleg met {org} over wie wat doet.", "Gebeld met {org}."],
    "outreach": [
        "Langsgegaan zonder afspraak.",
        "Bij de deur gesproken met {adult}.",
        "Niet thuis; briefje achtergelaten.",
    ],
}
CONTACT_CONTENT = {
    "welzijn": [
        "Gesproken over hoe het nu gaat; {adult} slaapt slecht.",
        "Afspraak bij de huisarts samen voorbereid.",
        "{adult} vertelt dat het iets beter gaat sinds de dagbesteding.",
        "Mantelzorg besproken; er is weinig ruimte voor rust.",
        "Zorgen over eenzaamheid; activiteiten in de wijk doorgenomen.",
    ],
    "werk": [
        "Brieven van schuldeisers samen doorgenomen.",
        "Budgetplan besproken; vaste lasten op een rij gezet.",
        "Aanvraag bijzondere bijstand samen ingevuld.",
        "Betalingsregeling met de energieleverancier afgesproken.",
        "Sollicitatiebrief samen geschreven.",
        "Nieuwe aanmaning ontvangen; {adult} schrok ervan.",
    ],
    "wonen": [
        "Huurachterstand besproken met de woningcorporatie.",
        "Woning bekeken; er is veel opgeknapt.",
        "Klachten van de buren besproken; afspraken gemaakt over afval.",
        "Urgentieaanvraag toegelicht.",
    ],
    "onderwijs": [
        "Gesproken met de mentor van {child} over het verzuim.",
        "{child} gaat weer vaker naar school.",
        "Opvoedvragen besproken; bedtijden en schermtijd.",
        "Huiswerkbegeleiding voor {child} is gestart.",
        "Gesprek met de leerplichtambtenaar over {child}.",
    ],
    "veiligheid": [
        "Veiligheidsplan doorgelopen; afspraken zijn nagekomen.",
        "Er is weer ruzie geweest; samen gekeken wat hielp.",
        "Contact met de wijkagent over de situatie.",
        "{adult} voelt zich veiliger sinds het contactverbod.",
    ],
    "democratie": [
        "Samen naar het buurthuis geweest.",
        "{adult} heeft zich aangemeld als vrijwilliger.",
        "Bewonersavond besproken; {adult} wil meedenken.",
    ],
}
CONTACT_CONTENT_WITHOUT_CHILD = "Gesproken over de thuissituatie."
CONTACT_NEXT_STEPS = [
    "",
    "",
    "Volgende week opnieuw contact.",
    "Over twee weken evalueren.",
    "Nieuwe afspraak gemaakt.",
    "{adult} neemt zelf contact op met de huisarts.",
    "Terugkoppeling naar de regisseur.",
    "Afgesproken dat {org} dit oppakt.",
]

CONFERENCE_DECISIONS = [
    "Afgesproken dat {org} de schuldhulp oppakt en de regisseur het overzicht houdt.",
    "Eén plan, één regisseur: de regisseur blijft het aanspreekpunt voor het gezin.",
    "Eerst de huurachterstand aanpakken, daarna starten met opvoedondersteuning.",
    "Partners informeren elkaar binnen een week over nieuwe ontwikkelingen.",
    "De financiering van de begeleiding loopt vast; de teamleider zet dit door naar het programmabureau.",
    "{org} stopt met de eigen begeleiding; de taken gaan naar het wijkteam.",
    "Evaluatie met het gezin over drie maanden; tot dan geen nieuwe hulpverleners erbij.",
]
OTHER_PARTICIPANTS = ["", "", "de ouders", "moeder", "vader en oma", "een buurvrouw", "de mentor van school"]

CLOSURE_REASONS_EARLY = [
    "Geen hulpvraag na het eerste gesprek.",
    "Het gezin wil nu geen hulp; afgesproken dat ze zich opnieuw mogen melden.",
    "Doorverwezen naar de huisarts; het wijkteam is niet nodig.",
    "Verhuisd naar een andere gemeente; warme overdracht gedaan.",
]
CLOSURE_REASONS_LATE = [
    "Doelen uit het plan behaald.",
    "Het gezin redt het weer zelf; nazorg afgerond.",
    "Overgedragen aan specialistische jeugdhulp.",
    "De schuldregeling loopt; verdere begeleiding is niet meer nodig.",
    "Het gezin wilde stoppen; afgesproken dat ze terug mogen komen.",
]
PLAN_REVISION_REASON = "Plan bijgesteld na evaluatie met het gezin."

# ZRM domains that a theme makes relevant, and why a domain was scored.
ZRM_DOMAINS_BY_THEME = {
    "werk": ["financien", "werk-opleiding"],
    "wonen": ["huisvesting", "instrumentele-adl"],
    "welzijn": ["geestelijke-gezondheid", "lichamelijke-gezondheid", "sociaal-netwerk", "middelengebruik",
                "basale-adl", "tijdsbesteding"],
    "veiligheid": ["huiselijke-relaties", "justitie"],
    "onderwijs": ["huiselijke-relaties", "tijdsbesteding"],
    "democratie": ["maatschappelijke-participatie", "sociaal-netwerk"],
}  # fmt: skip
ZRM_REASONS = {
    "financien": ["De aanmelding ging over schulden.", "Geldzorgen kwamen in het intakegesprek naar voren."],
    "werk-opleiding": ["Zoekt werk na ontslag.", "Wil een opleiding afmaken."],
    "tijdsbesteding": ["Geen dagritme meer sinds de uitval.", "Zit veel thuis zonder bezigheden."],
    "huisvesting": ["Dreigende uitzetting door huurachterstand.", "De woning is te klein en vochtig."],
    "huiselijke-relaties": ["Spanningen thuis, gemeld door Veilig Thuis.", "Veel ruzie tussen ouders en kind."],
    "geestelijke-gezondheid": ["Somberheid en slecht slapen; huisarts betrokken.", "Veel stress, zelf benoemd."],
    "lichamelijke-gezondheid": ["Chronische pijn beperkt het dagelijks leven.", "Herstelt van een operatie."],
    "middelengebruik": ["Zorgen over alcoholgebruik, zelf benoemd.", "Blowt dagelijks, wil minderen."],
    "basale-adl": ["Heeft hulp nodig bij wassen en aankleden."],
    "instrumentele-adl": ["Boodschappen en administratie lukken niet meer zelf.", "Huishouden loopt vast."],
    "sociaal-netwerk": ["Weinig mensen om op terug te vallen.", "Contact met familie is verbroken."],
    "maatschappelijke-participatie": ["Wil meedoen in de buurt, weet niet hoe.", "Doet nergens meer aan mee."],
    "justitie": ["Lopende zaak; reclassering is betrokken.", "Heeft een taakstraf gekregen."],
}
PG_REASONS = [
    "Besproken in het gesprek over wat voor {adult} belangrijk is.",
    "{adult} koos zelf dit onderwerp.",
    "Kwam naar voren bij de vraag wat er goed gaat.",
]

CONSENT_PURPOSES = [
    "Gegevens delen met {org} voor de hulp die in het plan staat",
    "Overleg tussen het wijkteam en {org} over de voortgang",
    "Informatie uitwisselen met {org} over de situatie thuis",
]
SCHOOL_CONSENT_PURPOSE = "Informatie uitwisselen met school over {child}"

KEY_FIGURES = [
    ("Huisartsenpraktijk {word}", "huisarts", "spreekuur via de praktijk"),
    ("Buurthuis De {word}", "buurthuis en ontmoetingsplek", "beheerder via het buurthuis"),
    ("SV {word}", "sportvereniging met jeugdleden", "trainer op dinsdag- en donderdagavond"),
    ("Voedselbank uitgiftepunt {word}", "uitgiftepunt voedselbank", "coördinator op vrijdagochtend"),
    ("Bibliotheek {word}", "bibliotheek met taalcafé", "taalcafé op woensdag"),
    ("{person}", "wijkagent", "via het politiebureau"),
    ("{person}", "sleutelfiguur in de buurt, spreekt meerdere talen", "via het buurthuis"),
    ("{person}", "jongerenwerker", "straathoekwerk in de avond"),
    ("{person}", "voorzitter van de bewonersvereniging", "via de bewonersvereniging"),
    ("{person}", "imam van de moskee", "na het vrijdaggebed"),
    ("{person}", "voorganger van de kerk", "via het kerkelijk bureau"),
    ("{person}", "schoolmaatschappelijk werker", "via de basisscholen in de buurt"),
]
