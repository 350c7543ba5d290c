"""The docker-compose web server, run for real: gunicorn with wijkteam/gunicorn.conf.py."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_writes_json_access_lines_with_the_request_id_and_without_the_query_string(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wijkteam.settings.test",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "LOG_FORMAT": "json",
    }
    # Cached bytecode: compiling Django afresh costs the start seconds.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "gunicorn", "--config", "wijkteam/gunicorn.conf.py", "wijkteam.wsgi:application"]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz?q=anna@example.nl", headers={"X-Request-ID": "probe-0001"}
                )
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (http on loopback)
                    assert response.status == 200
                    assert response.headers["X-Request-ID"] == "probe-0001"
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer within 20 s:\n" + log.read_text()
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    access = [record for record in records if record["logger"] == "gunicorn.access"]
    assert access, records
    for line in access:
        assert '"GET /healthz HTTP/1.1" 200' in line["message"]
        assert line["request_id"] == "probe-0001"
    assert "anna" not in log.read_text()
    assert any(record["logger"] == "gunicorn.error" for record in records)


def test_the_wsgi_entry_point_takes_what_it_loaded_out_of_the_collectors_rounds() -> None:
    import gc
    import importlib

    import wijkteam.wsgi

    gc.unfreeze()
    try:
        importlib.reload(wijkteam.wsgi)
        assert gc.get_freeze_count() > 10_000  # Django and the apps, loaded once per worker
    finally:
        gc.unfreeze()
