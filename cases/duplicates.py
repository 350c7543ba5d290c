"""Likely duplicates: the matches shown before a member is registered, and the team lead's review queue.

Three signs that two records may be one person or one household:

- the same BSN;
- the same date of birth and a similar name: trigram similarity (``pg_trgm``) of the names without accents
  and without tussenvoegsels (``wijkteam_name_key`` of migration ``0013_person_name_search``, with the
  prefixes taken out), so "Ozturk"/"Öztürk" and "Dijk"/"van Dijk" match;
- the same address (postcode and house number).

At registration (:func:`person_matches`, :func:`address_matches`) only what the registering user may see
already is searched: a person or household they may not see is never looked at, so the answer and its
queries are the same whether or not one exists elsewhere (docs/bsn-rule.md). Those matches surface in
the review queue of the team leads instead (:func:`person_pairs`, :func:`household_pairs`), each lead
seeing their own side of a pair and, of the other side, only what they may see anyway.

The referral and member forms call these functions; nothing here writes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, FloatField, Func, Q, TextField, Value

from organisations.models import User
from privacy import policy

from .models import DuplicateDecision, Household, HouseholdMembership, Person
from .search import name_words

# Two names whose trigram similarity (without accents and tussenvoegsels) reaches this are "similar".
SIMILARITY = 0.6

# Dutch (and a few common foreign) surname prefixes: ignored when names are compared.
PREFIXES = (
    "van", "de", "der", "den", "het", "'t", "te", "ten", "ter", "in", "op", "aan", "bij", "uit", "onder", "over",
    "voor", "la", "le", "du", "des", "d'", "del", "della", "di", "da", "von", "vom", "zu", "el", "al", "'s",
)  # fmt: skip

# The same rule in SQL: the name key with the prefixes taken out (``%s`` is the key expression).
_PREFIX_PATTERN = "(^| )(" + "|".join(word.replace("'", "''") for word in PREFIXES) + ")(?= |$)"
PLAIN_KEY_SQL = "regexp_replace(wijkteam_name_key({first}, '', {last}), '" + _PREFIX_PATTERN + "', ' ', 'g')"


def plain_name(*parts: str) -> str:
    """A typed name as the comparison sees it: lower case, no accents, no tussenvoegsels, one space apart."""
    return " ".join(word for word in name_words(" ".join(parts)) if word not in PREFIXES)


class PlainNameKey(Func):
    """The stored name as :func:`plain_name` makes the typed one (prefix field and prefix words left out)."""

    output_field = TextField()

    def __init__(self, first_name: Any, last_name: Any) -> None:
        super().__init__(first_name, last_name)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        first_sql, first_params = compiler.compile(self.source_expressions[0])
        last_sql, last_params = compiler.compile(self.source_expressions[1])
        return PLAIN_KEY_SQL.format(first=first_sql, last=last_sql), [*first_params, *last_params]


@dataclass
class PersonMatch:
    """A person the user may see who may be the one being registered, and why."""

    person: Person
    same_bsn: bool = False
    same_birth_and_name: bool = False
    memberships: list[HouseholdMembership] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        from django.utils.translation import gettext as _

        reasons = []
        if self.same_bsn:
            reasons.append(_("same BSN"))
        if self.same_birth_and_name:
            reasons.append(_("same date of birth and a similar name"))
        return reasons


@dataclass
class AddressMatch:
    """A household the user may see at the same address, and whether it has an open case."""

    household: Household
    has_open_case: bool


def person_matches(
    *,
    by: User,
    first_name: str,
    surname_prefix: str = "",
    last_name: str,
    date_of_birth: datetime.date | None,
    bsn: str | None,
) -> list[PersonMatch]:
    """Persons the user may already see who may be this one: same BSN, or born the same day with a similar name.

    Two queries (the persons, then their households), whatever the database holds elsewhere.
    """
    if not policy.may_see_casework(by):
        return []
    condition = Q(pk__in=[])
    if bsn:
        condition |= Q(bsn=bsn)
    typed = plain_name(first_name, surname_prefix, last_name)
    if date_of_birth is not None and typed:
        condition |= Q(date_of_birth=date_of_birth, closeness__gte=SIMILARITY)
    closeness = Func(
        PlainNameKey(F("first_name"), F("last_name")), Value(typed), function="similarity", output_field=FloatField()
    )
    persons = list(
        Person.objects.visible_to(by).annotate(closeness=closeness).filter(condition).order_by("-closeness", "pk")[:10]
    )
    if not persons:
        return []
    memberships: dict[int, list[HouseholdMembership]] = {}
    for membership in (
        HouseholdMembership.objects.visible_to(by)
        .filter(person__in=persons)
        .select_related("household")
        .order_by("end_date", "-start_date", "pk")
    ):
        memberships.setdefault(membership.person_id, []).append(membership)
    return [
        PersonMatch(
            person=person,
            same_bsn=bool(bsn) and person.bsn == bsn,
            same_birth_and_name=(
                date_of_birth is not None and person.date_of_birth == date_of_birth and person.closeness >= SIMILARITY
            ),
            memberships=memberships.get(person.pk, []),
        )
        for person in persons
    ]


def matches_to_decide(
    *,
    by: User,
    first_name: str,
    surname_prefix: str = "",
    last_name: str,
    date_of_birth: datetime.date | None,
    bsn: str | None,
) -> list[PersonMatch]:
    """The matches a registering user must decide on for one member: :func:`person_matches`, or none at all
    when one of them has the same BSN, for then that person is linked as before (docs/bsn-rule.md, rule 1).

    The screens (``formviews/duplicates.DuplicateCheck``) and the API (``CaseViewSet.create``) both ask this.
    """
    matches = person_matches(
        by=by,
        first_name=first_name,
        surname_prefix=surname_prefix,
        last_name=last_name,
        date_of_birth=date_of_birth,
        bsn=bsn,
    )
    return [] if any(match.same_bsn for match in matches) else matches


def address_matches(*, by: User, postcode: str, house_number: int) -> list[AddressMatch]:
    """Households the user may see at this postcode and house number, open cases first. One query."""
    if not policy.may_see_casework(by):
        return []
    from django.db.models import Exists, OuterRef

    from .models import Case

    households = (
        Household.objects.visible_to(by)
        .filter(postcode=postcode.replace(" ", "").upper(), house_number=house_number)
        .annotate(has_open_case=Exists(Case.objects.open().filter(household_id=OuterRef("pk"))))
        .order_by("-has_open_case", "pk")[:10]
    )
    return [AddressMatch(household=household, has_open_case=household.has_open_case) for household in households]


# --- The review queue ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """Two ids that may be one person (or household); ``mine`` lies in the lead's teams, ``other`` anywhere."""

    mine: int
    other: int
    same_bsn: bool = False

    @property
    def key(self) -> tuple[int, int]:
        return (min(self.mine, self.other), max(self.mine, self.other))


_SETTLED = """
    NOT EXISTS (
        SELECT 1 FROM cases_duplicatedecision d
        WHERE d.kind = %(kind)s AND d.outcome IN ('new', 'dismissed')
          AND ((d.{column} = mine.id AND other.id = ANY(d.other_ids))
               OR (d.{column} = other.id AND mine.id = ANY(d.other_ids)))
    )
"""

# Built from the constants above only; every value travels as a parameter.
_PERSON_PAIRS = f"""
WITH mine AS (
    SELECT DISTINCT p.id, p.bsn, p.date_of_birth, p.first_name, p.last_name
    FROM cases_person p
    JOIN cases_householdmembership m ON m.person_id = p.id
    JOIN cases_case c ON c.household_id = m.household_id
    WHERE c.team_id = ANY(%(teams)s)
)
SELECT mine.id, other.id, (mine.bsn IS NOT NULL AND mine.bsn = other.bsn) AS same_bsn
FROM mine
JOIN cases_person other ON other.id <> mine.id AND (
    (mine.bsn IS NOT NULL AND other.bsn = mine.bsn)
    OR (mine.date_of_birth IS NOT NULL AND other.date_of_birth = mine.date_of_birth
        AND similarity({PLAIN_KEY_SQL.format(first="mine.first_name", last="mine.last_name")},
                       {PLAIN_KEY_SQL.format(first="other.first_name", last="other.last_name")}) >= %(similarity)s)
)
WHERE EXISTS (SELECT 1 FROM cases_householdmembership om WHERE om.person_id = other.id)
  AND {_SETTLED.format(column="person_id")}
ORDER BY mine.id, other.id
LIMIT %(limit)s
"""  # noqa: S608

_HOUSEHOLD_PAIRS = f"""
WITH mine AS (
    SELECT DISTINCT h.id, h.postcode, h.house_number
    FROM cases_household h JOIN cases_case c ON c.household_id = h.id
    WHERE c.team_id = ANY(%(teams)s)
)
SELECT mine.id, other.id, false
FROM mine
JOIN cases_household other
  ON other.id <> mine.id AND other.postcode = mine.postcode AND other.house_number = mine.house_number
WHERE EXISTS (SELECT 1 FROM cases_case oc WHERE oc.household_id = other.id)
  AND {_SETTLED.format(column="household_id")}
ORDER BY mine.id, other.id
LIMIT %(limit)s
"""  # noqa: S608


def _pairs(sql: str, *, user: User, kind: str, limit: int) -> list[Pair]:
    teams = list(policy.led_team_ids(user))
    if not teams:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, {"teams": teams, "kind": kind, "similarity": SIMILARITY, "limit": limit})
        rows = cursor.fetchall()
    unique: dict[tuple[int, int], Pair] = {}
    for mine, other, same_bsn in rows:
        pair = Pair(mine=mine, other=other, same_bsn=same_bsn)
        unique.setdefault(pair.key, pair)
    return list(unique.values())


def person_pairs(user: User, *, limit: int = 200) -> list[Pair]:
    """Persons of the lead's teams' households and the persons anywhere who may be the same one, undecided.

    Where the BSN rule lands (docs/bsn-rule.md): two persons with one BSN are a pair here.
    """
    return _pairs(_PERSON_PAIRS, user=user, kind=DuplicateDecision.Kind.PERSON, limit=limit)


def household_pairs(user: User, *, limit: int = 200) -> list[Pair]:
    """Households of the lead's teams' cases and other households with a case at the same address, undecided."""
    return _pairs(_HOUSEHOLD_PAIRS, user=user, kind=DuplicateDecision.Kind.HOUSEHOLD, limit=limit)


def mergeable_ids(user: User, *, persons: Iterable[int] = (), households: Iterable[int] = ()) -> set[tuple[str, int]]:
    """Which of these persons and households the lead may merge: those in a household of a case of a team they lead.

    Returned as ``("person", id)`` / ``("household", id)``; two queries at most.
    """
    result: set[tuple[str, int]] = set()
    condition = policy.mergeable_household_condition(user)
    person_ids, household_ids = list(persons), list(households)
    if person_ids:
        in_scope = HouseholdMembership.objects.filter(
            person_id__in=person_ids, household__in=Household.objects.filter(condition)
        ).values_list("person_id", flat=True)
        result |= {("person", pk) for pk in in_scope}
    if household_ids:
        result |= {
            ("household", pk)
            for pk in Household.objects.filter(condition, pk__in=household_ids).values_list("pk", flat=True)
        }
    return result
