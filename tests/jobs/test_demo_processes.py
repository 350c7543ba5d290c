"""Issue 15 item 11: `make run` runs a Celery worker and beat on a broker that needs nothing installed.

The real ``wijkteam.demo_processes`` supervisor starts a real worker and beat on kombu's
filesystem transport in a temporary folder, against the test database: the periodic work that
was due is queued at start and done by the worker, and a TERM ends all of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from jobs.models import TaskExecution

from .conftest import ROOT, database_url_for_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("ending", ["term to the supervisor", "hangup to the group"])
def test_the_demo_runs_due_work_in_a_worker_and_stops_it_with_the_server(tmp_path: Path, ending: str) -> None:
    """A closed terminal sends HUP to every process of the job: Celery's worker takes HUP as "restart" and
    re-executes its own command line, which as ``python -m celery`` failed with an ImportError."""
    folder = tmp_path / "broker"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wijkteam.settings.test",
        "DATABASE_URL": database_url_for_worker(),
        "WIJKTEAM_BROKER_FOLDER": str(folder),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_BROKER_URL", None)  # the supervisor chooses the demo's broker itself
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    server = [sys.executable, "-c", "import time; time.sleep(600)"]  # stands in for runserver
    log = (tmp_path / "demo.log").open("wb")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "wijkteam.demo_processes", "--", *server],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def done(task: str) -> bool:
            if supervisor.poll() is not None:
                pytest.fail("the supervisor exited:\n" + (tmp_path / "demo.log").read_text())
            return TaskExecution.objects.filter(task_name=task).exists()

        # The signals and the summaries of the day are there without waiting for the night.
        wait_for(lambda: done("cases.refresh_reminders"), timeout=180, what="the worker to refresh the signals")
        wait_for(lambda: done("monitoring.refresh_summaries"), timeout=120, what="the summaries to be refreshed")
        family = psutil.Process(supervisor.pid).children(recursive=True)
        commands = [" ".join(child.cmdline()) for child in family]
        assert any(" worker " in command for command in commands), commands
        assert any(" beat " in command for command in commands), commands

        if ending == "hangup to the group":
            os.killpg(supervisor.pid, signal.SIGHUP)
        else:
            supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=60) == 0
        deadline = time.monotonic() + 30
        while any(child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in family):
            assert time.monotonic() < deadline, "a demo process outlived the supervisor"
            time.sleep(0.2)
        output = (tmp_path / "demo.log").read_text()
        assert "Traceback" not in output, output[-3000:]
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()
        log.close()
