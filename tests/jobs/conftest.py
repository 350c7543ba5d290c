"""A real Redis and real Celery workers for the job tests.

Nothing here is mocked: ``redis-server`` from Debian runs on a free loopback
port, and workers are ``celery -A wijkteam worker`` processes on the same test
database as pytest. When either cannot start, the test fails; it never skips.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from jobs import broker as jobs_broker
from wijkteam.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent.parent
# Short, so that a message of a killed worker comes back within seconds; the worker gets it from the environment.
VISIBILITY_TIMEOUT = 3
TASK_LOCK_TIMEOUT = 0.3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {timeout} s for {what}")
        time.sleep(interval)


@dataclass
class RedisServer:
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server); the job tests need it")
        command = [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.directory)]
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._answers, timeout=10, what=f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail("redis-server exited:\n" + (self.directory / "redis.log").read_text())
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(port=free_port(), directory=tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def use_broker(url: str) -> None:
    """Make this pytest process publish to a broker instead of running tasks eagerly."""
    celery_app.conf.update(broker_url=url, task_always_eager=False)


@pytest.fixture
def broker(redis_server: RedisServer, settings: object) -> Iterator[RedisServer]:
    """A clean, running Redis that this process publishes to (readyz checks it too)."""
    if not redis_server.running:
        redis_server.start()
    redis_server.client().flushall()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.CELERY_BROKER_URL = redis_server.url  # type: ignore[attr-defined]
    use_broker(redis_server.url)
    jobs_broker.circuit.reset()
    yield redis_server
    celery_app.conf.update(saved)
    jobs_broker.circuit.reset()


@pytest.fixture
def silent_broker(settings: object) -> Iterator[str]:
    """A broker address that accepts connections and never answers: a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes the handshakes; nobody ever reads
        url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
        settings.CELERY_BROKER_URL = url  # type: ignore[attr-defined]
        use_broker(url)
        jobs_broker.circuit.reset()
        yield url
        celery_app.conf.update(saved)
        jobs_broker.circuit.reset()


def database_url_for_worker() -> str:
    """The URL of the database pytest uses, for the worker (a Unix socket directory as host works too)."""
    params = connection.settings_dict
    user = quote(params.get("USER") or "", safe="")
    password = quote(params.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@"
    host = quote(str(params.get("HOST") or ""), safe="")
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{params['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path
    name: str

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def logged(self, fragment: str) -> bool:
        return fragment in self.text()

    def children(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool children: a machine that dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def kill_child(self) -> None:
        """SIGKILL the pool process running the task: the main process sees it lost (OOM killer)."""
        children = self.children()
        assert children, "the worker has no pool process"
        for pid in children:
            os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@dataclass
class WorkerFactory:
    broker: RedisServer
    directory: Path
    workers: list[Worker] = field(default_factory=list)

    def __call__(self) -> Worker:
        number = len(self.workers) + 1
        name = f"test-{number}-{os.getpid()}@localhost"
        log = self.directory / f"worker-{number}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wijkteam.settings.test",
            "DATABASE_URL": database_url_for_worker(),
            "CELERY_BROKER_URL": self.broker.url,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "WIJKTEAM_TASK_LOCK_TIMEOUT": str(TASK_LOCK_TIMEOUT),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        # Let the worker cache bytecode: compiling Django and Celery afresh costs each start seconds.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        command = [sys.executable, "-m", "celery", "--app", "wijkteam", "worker", "--pool", "prefork"]
        command += ["--concurrency", "1", "--hostname", name, "--loglevel", "INFO"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with log.open("wb") as out:
            # Its own session, so that kill() can take the pool children down with it.
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(process=process, log=log, name=name)
        self.workers.append(worker)

        def ready() -> bool:
            if process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {process.returncode}:\n{worker.text()}")
            return worker.logged(" ready.")

        wait_for(ready, timeout=60, what=f"the Celery worker {name} to be ready")
        return worker

    def stop_all(self) -> None:
        # The tests are done with them; a warm shutdown would only cost time.
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.kill()


@pytest.fixture
def start_worker(broker: RedisServer, tmp_path: Path) -> Iterator[WorkerFactory]:
    factory = WorkerFactory(broker=broker, directory=tmp_path)
    yield factory
    factory.stop_all()


def queue_is_drained(server: RedisServer) -> bool:
    """Nothing waits in the queue and nothing is delivered but unacknowledged."""
    client = server.client()
    return client.llen("celery") == 0 and client.hlen("unacked") == 0
