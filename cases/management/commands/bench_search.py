"""Measure the household search on the data in the database: ``manage.py bench_search`` (``make bench``).

As the member of the busiest team who sees the most, it runs the searches a
professional types: a surname with its prefix in both orders ("van Dijk",
"Dijk, van"), first name plus surname, a surname without its accents, and the
first four digits of a postcode, each taken from persons and addresses that
member may see. It prints the median and 95th percentile per kind and over all.
Target (#16): p95 under 100 ms at the ``municipality`` seed.
"""

from __future__ import annotations

import random
import time
import unicodedata
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from cases.formviews.search import search_households
from cases.models import Case, HouseholdMembership
from common.benchmarking import percentile
from organisations.models import TeamMembership

TARGET_P95_MS = 100.0


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


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
        for kind, criteria in kinds.items():
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                search_households(user, **criteria())
                times.append((time.perf_counter() - started) * 1000)
            everything += times
            self.stdout.write(
                f"  {kind:16} median {percentile(times, 0.5):6.1f} ms   p95 {percentile(times, 0.95):6.1f} ms"
            )
        p95 = percentile(everything, 0.95)
        verdict = "within" if p95 <= TARGET_P95_MS else "ABOVE"
        self.stdout.write(f"  all searches     p95 {p95:6.1f} ms: {verdict} the target of {TARGET_P95_MS:.0f} ms")
