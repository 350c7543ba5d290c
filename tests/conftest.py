"""Named personas shared by every test module (house style: an owner, a colleague, an outsider…)."""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test import Client

from organisations.models import Role, Team, User
from tests.organisations.factories import TeamFactory, TeamMembershipFactory, UserFactory
from wijkteam.reference_data import load_all

PASSWORD = "correct horse battery staple"


# --- Database roles (wijkteam/settings/test.py) -------------------------------------------

_ROLE_OPTION: dict[str, str] = {}


def _options() -> dict[str, str]:
    return connection.settings_dict.setdefault("OPTIONS", {})


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Create and migrate the test database as the owner, without taking the application role."""
    if "options" in _options():
        _ROLE_OPTION["options"] = _options().pop("options")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """A reused test database may have lost its reference data to an earlier flush.

    Then every connection takes the application role (until the end, when the
    owner drops the database again if it is not kept).
    """
    with django_db_blocker.unblock():
        load_all()
        connection.close()
    _options().update(_ROLE_OPTION)
    yield
    with django_db_blocker.unblock():
        connection.close()
    _options().pop("options", None)


def _flush_as_owner(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
    """The runner's flush between transactional tests, as the owner: the application role may not TRUNCATE the log."""
    atomic = transaction.atomic(using=self.connection.alias, savepoint=self.connection.features.can_rollback_ddl)
    with atomic, self.connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")
        cursor.execute("SET LOCAL wijkteam.allow_log_truncate = on")
        for sql in sql_list:
            cursor.execute(sql)


@pytest.fixture(scope="session", autouse=True)
def _flush_by_the_owner() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseDatabaseOperations, "execute_sql_flush", _flush_as_owner)
        yield


@pytest.fixture(autouse=True)
def _database_owner(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests marked ``database_owner`` work as the owner, as `make seed` does (the seed drops and rebuilds indexes)."""
    if request.node.get_closest_marker("database_owner") is None:
        yield
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    with connection.cursor() as cursor:
        # In a test's transaction SET LOCAL ends with its rollback; a transactional test sets it back itself.
        cursor.execute("SET ROLE NONE" if transactional else "SET LOCAL ROLE NONE")
    yield
    if transactional:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('role', %s, false)", [settings.WIJKTEAM_DATABASE_APP_ROLE])


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush every table, data migrations included; put the reference rows back."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        load_all()


@pytest.fixture(autouse=True)
def _interface_language_again() -> Iterator[None]:
    """Every test starts in the interface's own language: the language middleware activates the reader's
    choice for the thread, and a request as an English-speaking user left English on for the next test in
    the worker (a Dutch form message came back in English)."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _themes_read_afresh() -> None:
    """Every test reads the themes afresh: a rolled-back test may have changed one after the cache kept it."""
    from themes.cache import clear

    clear()


@pytest.fixture
def log_in(client: Client) -> Callable[[User], Client]:
    """Log a user in on the test client, past every login step; use this, not client.force_login.

    Past the password (force_login), with the session clocks started, and past
    the second factor: the user gets a confirmed authenticator app if they have
    none, and the session is marked verified by it, as the code step would.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.sessions import session_start

    def _log_in(user: User) -> Client:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        client.force_login(user)
        session = client.session
        session_start(session)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return _log_in


@dataclass
class Personas:
    team_a: Team
    team_b: Team
    professional: User  # member of team A
    professional_b: User  # member of team B
    team_lead: User  # leads team A
    bureau: User
    auditor: User
    privacy_officer: User
    administrator: User
    outsider: User  # a professional in no team at all


@pytest.fixture
def personas(db: None) -> Personas:
    team_a = TeamFactory(name="Wijkteam Noord")
    team_b = TeamFactory(name="Wijkteam Zuid", municipality=team_a.municipality)
    professional = TeamMembershipFactory(team=team_a, user__username="prof-a").user
    professional_b = TeamMembershipFactory(team=team_b, user__username="prof-b").user
    team_lead = TeamMembershipFactory(team=team_a, user__username="lead-a", user__role=Role.TEAM_LEAD).user
    return Personas(
        team_a=team_a,
        team_b=team_b,
        professional=professional,
        professional_b=professional_b,
        team_lead=team_lead,
        bureau=UserFactory(username="bureau", role=Role.PROGRAMME_BUREAU),
        auditor=UserFactory(username="auditor", role=Role.AUDITOR),
        privacy_officer=UserFactory(username="privacy", role=Role.PRIVACY_OFFICER),
        administrator=UserFactory(username="admin", role=Role.ADMINISTRATOR, is_staff=True),
        outsider=UserFactory(username="outsider"),
    )


# --- Browser tests: run when Chromium is there, fail loudly in CI when it is not ---------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tests.browser.conftest import chromium_available

    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items or chromium_available():
        return
    if os.environ.get("WIJKTEAM_REQUIRE_BROWSER"):
        raise pytest.UsageError("Chromium is required for the browser tests (WIJKTEAM_REQUIRE_BROWSER) but is missing")
    config.hook.pytest_deselected(items=browser_items)
    items[:] = [item for item in items if not item.get_closest_marker("browser")]
    config._wijkteam_browser_missing = len(browser_items)  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    missing = getattr(config, "_wijkteam_browser_missing", 0)
    if missing:
        terminalreporter.section("BROWSER TESTS NOT RUN", sep="!", red=True, bold=True)
        terminalreporter.line(
            f"{missing} browser tests did NOT run: Chromium is not installed (apt-get install chromium).",
            red=True,
            bold=True,
        )


def analyze_as_owner() -> None:
    """Give the planner statistics of rows a fixture just loaded (ANALYZE is the owner's; the role is put back).

    Without them a fresh test database plans as if every table were empty: with the (case, id) index on
    actions the funding drill-down then looped every action over every allocation and ran for minutes in CI.
    Counts rows the test's own transaction inserted too.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('role')")
        (previous,) = cursor.fetchone()  # the app role, or "none" in a test that works as the owner
        cursor.execute("SET LOCAL ROLE NONE")
        cursor.execute("ANALYZE")
        cursor.execute("SELECT set_config('role', %s, true)", [previous])
