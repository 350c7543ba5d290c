"""The demo's processes under one parent: a Celery worker, beat, and the development server.

``make run`` starts this (inside ``wijkteam.embedded_db serve``, which stops the database after it)::

    python -m wijkteam.demo_processes -- python manage.py runserver 127.0.0.1:8000

The worker and beat use kombu's filesystem transport in ``.data/broker`` (``CELERY_BROKER_URL=filesystem://``,
set here for all three), so reminders, summary refreshes and re-detection run in the demo as in production
with nothing installed by hand; production runs them against Redis (docker-compose.yml). At start the
periodic work that is due is queued once (``manage.py catch_up``): a demo started in the afternoon has its
signals and summaries without waiting for the night. When the server ends, so do the worker and beat; a
signal to this process ends all three.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 10.0


def background_commands(python: str) -> list[list[str]]:
    """The worker (one process: the demo's load is one person) and beat, its schedule beside the messages."""
    folder = Path(os.environ.get("WIJKTEAM_BROKER_FOLDER") or ROOT / ".data" / "broker")
    folder.mkdir(parents=True, exist_ok=True)
    # The console script, not ``python -m celery``: a closed terminal sends HUP, which Celery's worker takes as
    # "restart" by running ``sys.executable`` on its own ``sys.argv`` again, and ``-m celery`` leaves there the
    # path of celery/__main__.py, which fails as a script (ImportError).
    script = Path(python).with_name("celery")
    celery = [str(script)] if script.exists() else [python, "-m", "celery"]
    celery += ["--app", "wijkteam"]
    worker = [*celery, "worker", "--pool", "solo", "--loglevel", "WARNING", "--hostname", "demo@%h"]
    worker += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    beat = [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(folder / "beat-schedule")]
    return [worker, beat]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CELERY_BROKER_URL", "filesystem://")
    return env


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait()


def main(argv: Sequence[str]) -> int:
    command = list(argv[1:] if argv[:1] == ["--"] else argv)
    if not command:
        print("usage: python -m wijkteam.demo_processes -- COMMAND …", file=sys.stderr)
        return 2
    env = environment()
    os.environ.update(env)

    def end(number: int, frame: object) -> None:
        raise SystemExit(0)

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, end)
    started: list[subprocess.Popen[bytes]] = []
    # WIJKTEAM_DEMO_BACKGROUND=0 serves without the worker and beat (the make-run stop test after its first rounds).
    background = os.environ.get("WIJKTEAM_DEMO_BACKGROUND", "1") != "0"
    try:
        if background:
            subprocess.run([sys.executable, str(ROOT / "manage.py"), "catch_up"], env=env, check=False)  # noqa: S603
        # The worker and beat say only what goes wrong: the chain task every two seconds would drown the server's lines.
        quiet = {**env, "LOG_LEVEL": os.environ.get("WIJKTEAM_DEMO_WORKER_LOG_LEVEL", "WARNING")}
        if background:
            started += [subprocess.Popen(part, env=quiet) for part in background_commands(sys.executable)]  # noqa: S603
        server = subprocess.Popen(command, env=env)  # noqa: S603 - the Makefile's own command line
        started.append(server)
        return server.wait()
    finally:
        # A second Ctrl-C must not cut the stop short and leave a worker behind.
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_IGN)
        _stop(list(reversed(started)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
