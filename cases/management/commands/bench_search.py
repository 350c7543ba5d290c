"""Measure the household search on the data in the database: ``manage.py bench_search`` (``make bench``).

As the member of the busiest team who sees the most, it runs the searches a
professional types: a surname with its prefix in both orders ("van Dijk",
"Dijk, van"), first name plus surname, a surname without its accents, and the
first four digits of a postcode, each taken from persons and addresses that
member may see. It prints the median and 95th percentile per kind and over all.
Target (#16): p95 under 100 ms at the ``municipality`` seed.

On a shared machine the wall times follow the load; the median CPU time of this
process and of its database server process (from ``/proc``, when the server runs
on this machine) is printed beside them, which the load hardly moves.
"""

from __future__ import annotations

import random
import time
import unicodedata
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count

from cases.formviews.search import search_households
from cases.models import Case, HouseholdMembership
from common.benchmarking import percentile
from organisations.models import TeamMembership

TARGET_P95_MS = 100.0


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _server_cpu_ms() -> Callable[[], float | None]:
    """The CPU time the database server process of this connection has used so far, if this machine can tell."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()

    def used() -> float | None:
        try:
            with open(f"/proc/{pid}/schedstat") as stat:
                return int(stat.read().split()[0]) / 1e6
        except (OSError, ValueError, IndexError):
            return None

    return used


class Command(BaseCommand):
    help = "Time the household search (names the Dutch way, postcode starts); print median and p95 per kind."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--runs", type=int, default=40, help="searches per kind (default 40)")

    def handle(self, *args: Any, runs: int, **options: Any) -> None:
        busiest = Case.objects.values("team_id").annotate(n=Count("pk")).order_by("-n", "team_id").first()
        if busiest is None:
            raise CommandError("No case found: load data first (manage.py seed_demo).")
        members = TeamMembership.objects.current().filter(team_id=busiest["team_id"], user__is_active=True)
        user = max((m.user for m in members.select_related("user")), key=lambda u: Case.objects.visible_to(u).count())
        people = list(
            HouseholdMembership.objects.filter(household__cases__in=Case.objects.visible_to(user))
            .values_list("person__first_name", "person__surname_prefix", "person__last_name", "household__postcode")
            .distinct()[:2000]
        )
        if not people:
            raise CommandError("The chosen user sees no household members.")
        rng = random.Random(7)  # noqa: S311 - a repeatable sample, not a secret
        with_prefix = [p for p in people if p[1]] or people
        kinds: dict[str, Callable[[], dict[str, Any]]] = {
            "prefix surname": lambda: (lambda p: {"name": f"{p[1]} {p[2]}".strip()})(rng.choice(with_prefix)),
            "surname, prefix": lambda: (lambda p: {"name": f"{p[2]}, {p[1]}".strip(", ")})(rng.choice(with_prefix)),
            "first + surname": lambda: (lambda p: {"name": f"{p[0]} {p[2]}"})(rng.choice(people)),
            "without accents": lambda: (lambda p: {"name": _plain(p[2])})(rng.choice(people)),
            "postcode start": lambda: {"postcode": rng.choice(people)[3][:4]},
        }
        self.stdout.write(f"As user #{user.pk} ({user.role}), who sees {len(people)} household members (sampled).")
        everything: list[float] = []
        server_cpu = _server_cpu_ms()
        for kind, criteria in kinds.items():
            times, app, database = [], [], []
            for _ in range(runs):
                typed = criteria()
                started, app_started, database_started = time.perf_counter(), time.process_time(), server_cpu()
                search_households(user, **typed)
                times.append((time.perf_counter() - started) * 1000)
                app.append((time.process_time() - app_started) * 1000)
                database_now = server_cpu()
                if database_started is not None and database_now is not None:
                    database.append(database_now - database_started)
            everything += times
            cpu = f"   cpu: app {percentile(app, 0.5):5.1f} ms" + (
                f", database {percentile(database, 0.5):5.1f} ms" if database else ""
            )
            self.stdout.write(
                f"  {kind:16} median {percentile(times, 0.5):6.1f} ms   p95 {percentile(times, 0.95):6.1f} ms{cpu}"
            )
        p95 = percentile(everything, 0.95)
        verdict = "within" if p95 <= TARGET_P95_MS else "ABOVE"
        self.stdout.write(f"  all searches     p95 {p95:6.1f} ms: {verdict} the target of {TARGET_P95_MS:.0f} ms")
