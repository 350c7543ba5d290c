"""The casework demo data (cases/seed.py): realistic, consistent with every rule, deterministic, fast."""

import datetime
import io
import itertools
import re
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from stdnum.nl import bsn as stdnum_bsn

from cases import seed_text, workflow
from cases.models import (
    Action,
    Case,
    CaseConference,
    CaseStatus,
    CaseStatusChange,
    Consent,
    Contact,
    Household,
    HouseholdMembership,
    Involvement,
    KeyFigure,
    Measurement,
    MeasurementScore,
    Person,
    PlanVersion,
)
from common.seeding import SEED_TODAY
from organisations.models import TeamMembership, User
from themes.models import Instrument

R = HouseholdMembership.Role
OPEN_STATUSES = {CaseStatus.REFERRAL, CaseStatus.INTAKE, CaseStatus.PLAN, CaseStatus.EXECUTION, CaseStatus.AFTERCARE}


# The seed drops and rebuilds indexes: it runs as the database owner, as `make seed` does.
pytestmark = pytest.mark.database_owner


@dataclass
class Seeded:
    output: str
    seconds: float


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One demo load for the whole module, rolled back at its end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL ROLE NONE")  # the owner, until the rollback at the module's end
            out = io.StringIO()
            started = time.perf_counter()
            call_command("seed_demo", "--scale", "demo", "--reset", stdout=out)
            yield Seeded(out.getvalue(), time.perf_counter() - started)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(seeded, db):
    return seeded


def years(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def fingerprint() -> str:
    """A hash over sorted columns of the main tables (ids left out: they follow the sequences)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT md5(
              (SELECT string_agg(concat_ws('|', first_name, last_name, date_of_birth, bsn, uuid), ',' ORDER BY uuid)
                 FROM cases_person)
              || (SELECT string_agg(concat_ws('|', postcode, house_number, house_number_suffix, street), ','
                                    ORDER BY postcode, house_number, house_number_suffix) FROM cases_household)
              || (SELECT string_agg(concat_ws('|', reference, status, referred_on, closed_on, referral_reason), ','
                                    ORDER BY reference) FROM cases_case)
              || (SELECT string_agg(concat_ws('|', uuid, occurred_on, kind, minutes, note), ',' ORDER BY uuid)
                    FROM cases_contact)
            )
            """
        )
        return cursor.fetchone()[0]


# --- Loading -----------------------------------------------------------------------------------


def test_the_demo_scale_loads_in_seconds_and_reports_every_casework_table(demo: Seeded) -> None:
    assert demo.seconds < 30  # a few seconds alone; generous for a shared two-core machine
    for table in ("cases_household", "cases_person", "cases_case", "cases_contact", "cases_measurementscore"):
        assert re.search(rf"{table}\s+[1-9][\d,]*\n", demo.output), table
    for step in ("households and persons", "contacts", "coordinator checks", "rebuild indexes and foreign keys"):
        assert f"  {step}: " in demo.output


def test_the_same_seed_gives_the_same_casework_and_another_seed_does_not(db: None) -> None:
    call_command("seed_demo", "--seed", "7", "--reset", stdout=io.StringIO())
    first = fingerprint()
    call_command("seed_demo", "--seed", "7", "--reset", stdout=io.StringIO())
    assert fingerprint() == first
    call_command("seed_demo", "--seed", "8", "--reset", stdout=io.StringIO())
    assert fingerprint() != first


def test_loading_without_indexes_puts_back_the_same_indexes_and_constraints(db: None) -> None:
    def definitions() -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'cases\\_%%'
                UNION ALL
                SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid::regclass::text LIKE 'cases\\_%%'
                ORDER BY 1, 2
                """
            )
            return cursor.fetchall()

    before = definitions()
    call_command("seed_demo", "--reset", stdout=io.StringIO())
    assert definitions() == before
    assert (
        "contact_themes_gin",
        "CREATE INDEX contact_themes_gin ON public.cases_contact USING gin (themes)",
    ) in before


# --- Households and persons ---------------------------------------------------------------------


def test_households_have_one_to_nine_members_at_unique_valid_addresses(demo: Seeded) -> None:
    sizes = Counter(
        Household.objects.annotate(n=Count("memberships", filter=Q(memberships__end_date__isnull=True))).values_list(
            "n", flat=True
        )
    )
    assert min(sizes) >= 1 and max(sizes) == 9
    assert len(sizes) >= 6  # singles, couples, families large and small
    addresses = list(Household.objects.values_list("postcode", "house_number", "house_number_suffix"))
    assert len(addresses) == len(set(addresses))
    for household in Household.objects.all():
        household.full_clean()  # postcode format among others


def test_every_person_is_of_an_age_that_fits_their_role(demo: Seeded) -> None:
    memberships = HouseholdMembership.objects.select_related("person")
    parents_by_household: dict[int, list[datetime.date]] = {}
    for membership in memberships.filter(role=R.PARENT):
        parents_by_household.setdefault(membership.household_id, []).append(membership.person.date_of_birth)
    for membership in memberships:
        born = membership.person.date_of_birth
        age_at_start = years(born, membership.start_date)
        assert 0 <= years(born, SEED_TODAY) <= 100
        if membership.role == R.CHILD:
            assert age_at_start <= 25, membership
            for parent_born in parents_by_household.get(membership.household_id, []):
                assert years(parent_born, born) >= 16, membership
        else:
            assert age_at_start >= 18, membership


def test_bsns_pass_the_eleven_test_and_are_unique(demo: Seeded) -> None:
    bsns = list(Person.objects.exclude(bsn=None).values_list("bsn", flat=True))
    assert len(bsns) > Person.objects.count() / 3
    assert len(bsns) == len(set(bsns))
    assert all(len(bsn) == 9 and stdnum_bsn.is_valid(bsn) for bsn in bsns)
    assert Person.objects.filter(bsn=None).exists()
    for person in Person.objects.all()[:200]:
        person.full_clean()


def test_households_change_over_time_and_some_children_live_in_two_households(demo: Seeded) -> None:
    coparented = (
        Person.objects.annotate(
            homes=Count("memberships", filter=Q(memberships__role=R.CHILD, memberships__end_date__isnull=True))
        )
        .filter(homes=2)
        .count()
    )
    assert coparented >= 1
    ended = HouseholdMembership.objects.exclude(end_date=None)
    assert ended.filter(role=R.CHILD).exists()  # a child moved out
    assert ended.filter(role=R.PARENT).exists()  # a partner left
    household_start = Min("household__memberships__start_date")
    joined_later = HouseholdMembership.objects.filter(role=R.PARTNER).annotate(first=household_start)
    assert any(m.start_date > m.first for m in joined_later)  # a new partner moved in


# --- Cases ------------------------------------------------------------------------------------------


def test_every_status_occurs_and_closed_on_is_set_only_for_closed_cases(demo: Seeded) -> None:
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert not Case.objects.filter(status=CaseStatus.CLOSED, closed_on=None).exists()
    assert not Case.objects.exclude(status=CaseStatus.CLOSED).exclude(closed_on=None).exists()
    assert len(set(Case.objects.values_list("referral_source", flat=True))) >= 8


def test_every_status_history_follows_the_workflow_and_ends_in_the_current_status(demo: Seeded) -> None:
    changes: dict[int, list[CaseStatusChange]] = {}
    for change in CaseStatusChange.objects.order_by("case_id", "changed_at", "id"):
        changes.setdefault(change.case_id, []).append(change)
    for case in Case.objects.all():
        history = changes[case.pk]
        assert history[0].from_status == "" and history[0].to_status == CaseStatus.REFERRAL
        assert history[0].changed_at.date() == case.referred_on
        for before, after in itertools.pairwise(history):
            assert after.from_status == before.to_status
            assert workflow.refusal(after.from_status, after.to_status) is None, (case, after)
            assert after.changed_at.date() >= before.changed_at.date()
        assert history[-1].to_status == case.status
        if case.status == CaseStatus.CLOSED:
            assert history[-1].changed_at.date() == case.closed_on and history[-1].reason
        assert history[-1].changed_at.date() <= SEED_TODAY


def test_every_open_case_has_exactly_one_active_coordinator(demo: Seeded) -> None:
    counts = Case.objects.open().annotate(
        coordinators=Count("involvements", filter=Q(involvements__is_coordinator=True, involvements__end_date=None))
    )
    assert set(counts.values_list("coordinators", flat=True)) == {1}
    # Some cases changed coordinator on the way: the former one is no longer marked.
    assert Involvement.objects.filter(is_coordinator=False, role=Involvement.Role.PRACTITIONER).exists()


def test_every_case_belongs_to_a_team_that_covers_the_households_neighbourhood(demo: Seeded) -> None:
    outside = Case.objects.exclude(team__areas=F("household__neighbourhood"))
    assert not outside.exists()


def test_coordinators_are_team_members_and_cases_involve_one_to_twelve_professionals_from_at_most_eight_organisations(
    demo: Seeded,
) -> None:
    for involvement in Involvement.objects.filter(is_coordinator=True).select_related("case"):
        assert TeamMembership.objects.filter(
            user_id=involvement.professional_id,
            team_id=involvement.case.team_id,
            start_date__lte=involvement.start_date,
        ).exists()
    per_case = Case.objects.annotate(
        professionals=Count("involvements__professional", distinct=True),
        organisations=Count("involvements__organisation", distinct=True),
    )
    professionals = set(per_case.values_list("professionals", flat=True))
    assert min(professionals) == 1 and max(professionals) <= 12 and max(professionals) >= 8
    assert max(per_case.values_list("organisations", flat=True)) <= 8
    assert len(set(Involvement.objects.values_list("legal_basis", flat=True))) >= 7
    # An involvement names the professional's own organisation.
    assert not Involvement.objects.exclude(organisation=F("professional__organisation")).exists()


def test_plans_have_one_to_three_versions_with_goals_in_the_households_own_words(demo: Seeded) -> None:
    versions = Counter(PlanVersion.objects.values_list("plan_id", flat=True))
    assert set(versions.values()) == {1, 2, 3}
    assert PlanVersion.objects.filter(author=PlanVersion.Author.HOUSEHOLD).exists()
    in_execution = Case.objects.filter(status=CaseStatus.EXECUTION)
    assert not in_execution.filter(plan__versions=None).exists()
    goals = list(PlanVersion.objects.values_list("goals__text", "goals__in_own_words"))
    own = [text for text, own_words in goals if own_words]
    assert len(own) > 0.7 * len(goals) and len(set(own)) > 40
    assert any(text.startswith("Ik wil") for text in own) and any(text.startswith("We willen") for text in own)


def test_actions_are_delivered_by_an_organisation_whose_kind_fits_the_theme_for_a_household_member(
    demo: Seeded,
) -> None:
    fitting = {
        (theme, description): set(kinds)
        for theme, templates in seed_text.ACTIONS.items()
        for description, kinds, *_ in templates
    }
    actions = Action.objects.select_related("theme", "delivering_organisation__kind", "case")
    assert actions.count() > 100
    for action in actions:
        assert action.delivering_organisation.kind.code in fitting[(action.theme.code, action.description)]
        if action.beneficiary_id is not None:
            assert HouseholdMembership.objects.filter(
                household_id=action.case.household_id, person_id=action.beneficiary_id
            ).exists()
    assert actions.filter(beneficiary=None).exists() and actions.exclude(beneficiary=None).exists()
    assert actions.exclude(conference=None).exists()
    assert len(set(actions.values_list("status", flat=True))) == len(Action.Status.values)


def test_contacts_lie_between_referral_and_closure_by_an_involved_professional_of_their_organisation(
    demo: Seeded,
) -> None:
    contacts = Contact.objects.annotate(referred=F("case__referred_on"), closed=F("case__closed_on"))
    assert not contacts.filter(occurred_on__lt=F("referred")).exists()
    assert not contacts.filter(occurred_on__gt=F("closed")).exists()
    assert not contacts.filter(occurred_on__gt=SEED_TODAY).exists()
    # The author was involved, for that organisation, on the day of the contact.
    involved_that_day = Involvement.objects.filter(
        Q(end_date=None) | Q(end_date__gte=OuterRef("occurred_on")),
        case_id=OuterRef("case_id"),
        professional_id=OuterRef("author_id"),
        organisation_id=OuterRef("author_organisation_id"),
        start_date__lte=OuterRef("occurred_on"),
    )
    assert not Contact.objects.exclude(Exists(involved_that_day)).exists()
    share_own = (
        Contact.objects.filter(confidentiality=Contact.Confidentiality.OWN_ORGANISATION).count() / contacts.count()
    )
    assert 0.05 < share_own < 0.15
    assert all(1 <= len(themes) <= 3 for themes in Contact.objects.values_list("themes", flat=True))
    assert len(set(Contact.objects.values_list("kind", flat=True))) == len(Contact.Kind.values)


def test_contacts_per_case_are_long_tailed(demo: Seeded) -> None:
    counts = sorted(
        Case.objects.filter(status=CaseStatus.EXECUTION).annotate(n=Count("contacts")).values_list("n", flat=True)
    )
    median = counts[len(counts) // 2]
    assert 20 <= median <= 150
    assert counts[-1] >= 1000  # a heavy case


def test_case_conferences_have_participants_among_the_involved(demo: Seeded) -> None:
    conferences = CaseConference.objects.annotate(n=Count("participants"))
    assert conferences.exists() and not conferences.filter(n=0).exists()
    strangers = CaseConference.participants.through.objects.exclude(
        caseconference__case__involvements__professional_id=F("user_id")
    )
    assert not strangers.exists()


def test_zrm_is_scored_partially_with_reasons_and_repeated_so_trends_exist(demo: Seeded) -> None:
    zrm = Instrument.objects.get(code="zrm")
    per_measurement = Measurement.objects.filter(instrument=zrm).annotate(n=Count("scores"))
    assert per_measurement.aggregate(Max("n"))["n__max"] <= 5  # never all 13 domains
    assert not MeasurementScore.objects.filter(reason="").exists()
    repeated = (
        Measurement.objects.filter(instrument=zrm).values("person_id").annotate(n=Count("id")).filter(n__gte=3).count()
    )
    assert repeated >= 10
    assert Measurement.objects.filter(instrument__code="positieve-gezondheid").exists()


def test_consent_is_recorded_where_it_is_the_basis_and_some_is_revoked_or_expired(demo: Seeded) -> None:
    on_consent = Involvement.objects.filter(legal_basis="consent")
    for involvement in on_consent:
        assert Consent.objects.filter(
            case_id=involvement.case_id, organisations=involvement.organisation_id, given_on=involvement.start_date
        ).exists()
    assert Consent.objects.exclude(revoked_on=None).exists()
    assert Consent.objects.filter(expires_on__lt=SEED_TODAY).exists()
    member = HouseholdMembership.objects.filter(household__cases=OuterRef("case_id"), person_id=OuterRef("person_id"))
    assert not Consent.objects.exclude(Exists(member)).exists()


def test_key_figures_are_kept_per_neighbourhood_by_a_team_covering_it(demo: Seeded) -> None:
    assert KeyFigure.objects.count() >= 20
    assert not KeyFigure.objects.exclude(team__areas=F("area")).exists()


# --- The demo accounts' caseloads -----------------------------------------------------------------


def test_demo_professional_coordinates_about_ten_open_cases_and_works_on_a_large_household(demo: Seeded) -> None:
    user = User.objects.get(username="demo-professional")
    mine = Involvement.objects.filter(professional=user, end_date=None, case__status__in=OPEN_STATUSES)
    assert mine.filter(is_coordinator=True).count() == 10
    team = TeamMembership.objects.get(user=user).team
    assert not mine.exclude(case__team=team).exists()
    others = mine.filter(is_coordinator=False)
    assert others.count() >= 3
    large = (
        Case.objects.filter(involvements__in=others)
        .annotate(
            members=Count("household__memberships", filter=Q(household__memberships__end_date=None), distinct=True),
            n=Count("contacts", distinct=True),
        )
        .filter(members__gte=8, n__gte=1000)
    )
    assert large.exists()
    assert Case.objects.filter(status=CaseStatus.CLOSED, involvements__professional=user).exists()


def test_demo_professional_b_has_its_own_caseload_in_another_team(demo: Seeded) -> None:
    user = User.objects.get(username="demo-professional-b")
    other = User.objects.get(username="demo-professional")
    coordinated = Case.objects.open().filter(involvements__professional=user, involvements__is_coordinator=True)
    assert coordinated.count() == 6
    assert not Case.objects.filter(involvements__professional=user).filter(involvements__professional=other).exists()


def test_demo_leads_team_has_open_cases_in_every_stage_among_several_coordinators(demo: Seeded) -> None:
    lead = User.objects.get(username="demo-lead")
    team = TeamMembership.objects.get(user=lead).team
    open_cases = Case.objects.open().filter(team=team)
    assert open_cases.count() >= 20
    assert set(open_cases.values_list("status", flat=True)) == OPEN_STATUSES
    coordinators = Involvement.objects.filter(case__in=open_cases, is_coordinator=True, end_date=None)
    assert coordinators.values("professional").distinct().count() >= 4
    assert CaseStatusChange.objects.filter(changed_by=lead, to_status=CaseStatus.CLOSED).exists()


def test_every_column_the_seed_leaves_out_of_its_copy_may_be_left_out() -> None:
    """A new NOT NULL column without a database default broke the COPY of the seed after a merge: guard it."""
    from django.db.models.fields import NOT_PROVIDED

    from cases.seed import COLUMNS

    missing = []
    for model, columns in COLUMNS.items():
        for field in model._meta.concrete_fields:
            if field.column in columns or field.null or field.primary_key or getattr(field, "generated", False):
                continue
            if field.db_default is NOT_PROVIDED:
                missing.append(f"{model._meta.label}.{field.column}")
    assert missing == [], "NOT NULL without a database default, left out of the seed's COPY"
