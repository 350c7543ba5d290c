"""A load test against gunicorn on the data in the database: ``manage.py bench_load`` (``make bench``).

It starts gunicorn (``wijkteam/gunicorn.conf.py``, loopback only) and runs a
realistic mix from N concurrent clients, each a thread with its own kept-alive
connection and its own session:

- professionals (half of the clients) open their caseload and the household
  pages of their own cases, and log contacts through the real form (CSRF
  token and all);
- team leads open the team's caseload; the programme bureau its dashboard;
- API clients fetch pages of 50 cases with a personal bearer token.

It stops by itself after ``--requests`` requests or ``--seconds`` seconds,
whichever comes first, and reports throughput, p50/p95 per endpoint and the
errors. Then it checks that every contact it posted is in the database once
and that every personal-data read it made has its rows in the access log
(by the response's ``X-Request-ID``). The sessions, devices and tokens it made
are removed afterwards; the contacts stay (their note starts with
``[bench_load]``), as do their access-log rows.
"""

from __future__ import annotations

import datetime
import http.client
import itertools
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from argparse import ArgumentParser
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.benchmarking import bench_client
from accounts.models import ApiToken
from accounts.services import api_token_create
from cases.models import Case, Contact, Involvement
from common.benchmarking import percentile
from organisations.models import Role, TeamMembership, User
from privacy.models import AccessLogEntry

LOOPBACK = "127.0.0.1"
MARKER = "[bench_load]"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Which endpoints read personal data: each of their answers must have access-log rows.
PERSONAL = {"caseload", "team caseload", "household", "contact form", "contact post", "api cases"}


@dataclass
class Persona:
    kind: str
    user: User
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""
    households: list[tuple[str, str]] = field(default_factory=list)  # (household uuid, case uuid)


@dataclass
class Outcome:
    label: str
    status: int
    milliseconds: float
    request_id: str
    error: str = ""


class Budget:
    """At most ``requests`` requests until ``deadline``: one per client, so a fast API client cannot
    use up the round before a professional has posted a contact."""

    def __init__(self, requests: int, deadline: float) -> None:
        self._left = requests
        self._deadline = deadline
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0 or time.monotonic() > self._deadline:
                return False
            self._left -= 1
            return True


class Client:
    def __init__(self, port: int, persona: Persona) -> None:
        self.port = port
        self.persona = persona
        self.cookies = dict(persona.cookies)
        self.connection = http.client.HTTPConnection(LOOPBACK, port, timeout=60)

    def request(self, label: str, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[Outcome, str]:
        headers = {"Host": "localhost", "X-Request-ID": uuid.uuid4().hex}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.persona.token:
            headers["Authorization"] = f"Bearer {self.persona.token}"
        payload = None
        if body is not None:
            payload = urlencode(body, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://localhost{path}"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            return Outcome(label, 0, elapsed, headers["X-Request-ID"], type(error).__name__), ""
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        rid = response.headers.get("X-Request-ID", "")
        return Outcome(label, response.status, elapsed, rid), text


def _scenario(persona: Persona, sequence: Callable[[], int]) -> list[tuple[str, str, str, Any]]:
    """One round of a persona's work: (label, method, path, form or None); "csrf" marks a form to fetch first."""
    if persona.kind == "professional":
        household, case = persona.households[sequence() % len(persona.households)]
        return [
            ("caseload", "GET", "/casussen/", None),
            ("household", "GET", f"/huishoudens/{household}/", None),
            ("contact form", "GET", f"/casussen/{case}/contacten/nieuw/", "csrf"),
            ("contact post", "POST", f"/casussen/{case}/contacten/nieuw/", "contact"),
            ("household", "GET", f"/huishoudens/{household}/", None),
        ]
    if persona.kind == "team lead":
        return [("team caseload", "GET", "/casussen/", None)]
    if persona.kind == "bureau":
        return [("dashboard", "GET", "/monitoring/", None)]
    return [("api cases", "GET", "/api/v1/cases/?page_size=50", None)]


def _run_client(port: int, persona: Persona, budget: Budget, outcomes: list[Outcome], posted: list[str]) -> None:
    client = Client(port, persona)
    counter = itertools.count()
    token = ""
    local: list[Outcome] = []
    while True:
        for label, method, path, extra in _scenario(persona, lambda: next(counter)):
            if not budget.take():
                outcomes.extend(local)
                return
            body = None
            note = ""
            if extra == "contact":
                note = f"{MARKER} {uuid.uuid4().hex}"
                body = {
                    "csrfmiddlewaretoken": token,
                    "occurred_on": timezone.localdate().isoformat(),
                    "kind": Contact.Kind.choices[0][0],
                    "themes": ["welzijn"],
                    "minutes": "15",
                    "note": note,
                    "confidentiality": Contact.Confidentiality.ALL_INVOLVED,
                }
            outcome, text = client.request(label, method, path, body)
            if extra == "csrf":
                found = CSRF_FIELD.search(text)
                token = found.group(1) if found else ""
            if extra == "contact" and outcome.status == 302:
                posted.append(note)
            local.append(outcome)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


class Command(BaseCommand):
    help = "Load-test gunicorn on loopback with a realistic mix; report throughput, p50/p95, errors; check writes/log."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--clients", default="1,16", help="concurrent clients per round, comma-separated")
        parser.add_argument(
            "--requests", type=int, default=600, help="requests per round at most, shared evenly by the clients (600)"
        )
        parser.add_argument("--seconds", type=float, default=60, help="seconds per round at most (default 60)")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3)")

    def handle(self, *args: Any, clients: str, requests: int, seconds: float, workers: int, **options: Any) -> None:
        rounds = [int(number) for number in clients.split(",") if number.strip()]
        if not rounds or min(rounds) < 1 or requests < 1 or seconds <= 0:
            raise CommandError("--clients takes positive numbers; --requests and --seconds must be positive.")
        personas = self._personas(max(rounds))
        port = _free_port()
        log = Path(tempfile.mkstemp(prefix="bench_load-", suffix=".log")[1])
        server = self._gunicorn(port, workers, log)
        try:
            self.stdout.write(
                f"gunicorn on {LOOPBACK}:{port}, {workers} workers; "
                f"at most {requests} requests / {seconds:.0f} s per round"
            )
            problems = 0
            for count in rounds:
                problems += self._round(port, personas, count, requests, seconds)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            self._clean_up(personas)
        if problems:
            raise CommandError(f"{problems} check(s) failed; gunicorn's log: {log}")
        log.unlink(missing_ok=True)

    # --- set-up ---------------------------------------------------------------------------

    def _personas(self, clients: int) -> list[Persona]:
        busiest = Case.objects.values("team_id").annotate(n=Count("pk")).order_by("-n", "team_id").first()
        if busiest is None:
            raise CommandError("No case found: load data first (manage.py seed_demo).")
        members = list(
            TeamMembership.objects.current()
            .filter(team_id=busiest["team_id"], user__is_active=True)
            .select_related("user")
            .order_by("user_id")
        )
        professionals = []
        for membership in members:
            if membership.user.role != Role.PROFESSIONAL:
                continue
            own = list(
                Involvement.objects.filter(
                    professional=membership.user, end_date__isnull=True, case__closed_on__isnull=True
                ).values_list("case__household__uuid", "case__uuid")[:20]
            )
            if own:
                professionals.append((membership.user, [(str(h), str(c)) for h, c in own]))
        # The team lead of the busiest team, or (the scale seeds give only the demo team a lead) of the busiest
        # team that has one.
        leads = [m.user for m in members if m.user.role == Role.TEAM_LEAD] or [
            membership.user
            for membership in TeamMembership.objects.current()
            .filter(user__role=Role.TEAM_LEAD, user__is_active=True)
            .annotate(cases=Count("team__cases"))
            .select_related("user")
            .order_by("-cases", "user_id")[:1]
        ]
        bureau = User.objects.filter(role=Role.PROGRAMME_BUREAU, is_active=True).order_by("pk").first()
        if not professionals or not leads or bureau is None:
            raise CommandError("The busiest team needs professionals with open cases, a team lead, and a bureau user.")
        mix = ["professional", "api", "professional", "team lead", "professional", "bureau", "api", "professional"]
        personas = []
        for number in range(clients):
            kind = mix[number % len(mix)]
            if kind == "professional":
                user, households = professionals[number % len(professionals)]
                personas.append(Persona(kind, user, households=households))
            elif kind == "api":
                user, _ = professionals[number % len(professionals)]
                secret = api_token_create(
                    by=user, name="bench_load", expires_on=timezone.localdate() + datetime.timedelta(days=1)
                ).secret
                personas.append(Persona(kind, user, token=secret))
            else:
                personas.append(Persona(kind, leads[0] if kind == "team lead" else bureau))
        for persona in personas:
            if not persona.token:
                client = bench_client(persona.user)  # a committed session past the second factor
                persona.cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
        return personas

    def _gunicorn(self, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "GUNICORN_BIND": f"{LOOPBACK}:{port}",
            "GUNICORN_WORKERS": str(workers),
            "DJANGO_DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "wijkteam.settings.local"),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "wijkteam/gunicorn.conf.py",
            "wijkteam.wsgi:application",
        ]
        with log.open("wb") as out:
            server = subprocess.Popen(  # noqa: S603 - our own interpreter and config
                command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
            try:
                with socket.create_connection((LOOPBACK, port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            server.kill()
            raise CommandError("gunicorn did not start within 60 s")
        # Warm every worker (imports, first connection) before measuring.
        for _ in range(workers * 3):
            connection = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
            connection.request("GET", "/healthz", headers={"Host": "localhost"})
            connection.getresponse().read()
            connection.close()
        return server

    def _clean_up(self, personas: list[Persona]) -> None:
        users = [persona.user.pk for persona in personas]
        ApiToken.objects.filter(user_id__in=users, name="bench_load").delete()
        TOTPDevice.objects.filter(user_id__in=users, name="bench").delete()
        keys = [persona.cookies.get(settings.SESSION_COOKIE_NAME) for persona in personas]
        Session.objects.filter(session_key__in=[key for key in keys if key]).delete()

    # --- one round ------------------------------------------------------------------------

    def _round(self, port: int, personas: list[Persona], count: int, requests: int, seconds: float) -> int:
        deadline = time.monotonic() + seconds
        share, rest = divmod(requests, count)
        outcomes: list[Outcome] = []
        posted: list[str] = []
        threads = [
            threading.Thread(
                target=_run_client,
                args=(port, persona, Budget(share + (number < rest), deadline), outcomes, posted),
            )
            for number, persona in enumerate(personas[:count])
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        wall = time.perf_counter() - started
        by_label: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in outcomes:
            by_label[outcome.label].append(outcome)
        errors = [o for o in outcomes if o.status == 0 or o.status >= 400]
        self.stdout.write(
            f"\n{count} concurrent client(s): {len(outcomes)} requests in {wall:.1f} s = "
            f"{len(outcomes) / wall:.1f} req/s, {len(errors)} errors"
        )
        for label, items in sorted(by_label.items()):
            times = [o.milliseconds for o in items]
            statuses = ",".join(f"{s} x{n}" for s, n in sorted(Counter(o.status for o in items).items()))
            self.stdout.write(
                f"  {label:13} {len(items):5} req   p50 {percentile(times, 0.5):7.1f} ms   "
                f"p95 {percentile(times, 0.95):7.1f} ms   status {statuses}"
            )
        return self._check(outcomes, posted, errors)

    def _check(self, outcomes: list[Outcome], posted: list[str], errors: list[Outcome]) -> int:
        problems = 0
        stored = Counter(Contact.objects.filter(note__in=posted).values_list("note", flat=True))
        missing = [note for note in posted if stored.get(note, 0) != 1]
        self.stdout.write(
            f"  check: {len(posted)} contacts posted, {sum(stored.values())} stored, {len(missing)} missing or doubled"
        )
        problems += bool(missing)
        reads = {o.request_id for o in outcomes if o.label in PERSONAL and o.status in (200, 302) and o.request_id}
        logged = set(
            AccessLogEntry.objects.filter(request_id__in=reads).values_list("request_id", flat=True).distinct()
        )
        self.stdout.write(f"  check: {len(reads)} personal-data answers, {len(reads & logged)} in the access log")
        problems += bool(reads - logged)
        if errors:
            sample = ", ".join(f"{o.label} {o.status or o.error}" for o in errors[:5])
            self.stdout.write(f"  errors (first 5): {sample}")
            problems += 1
        return problems
