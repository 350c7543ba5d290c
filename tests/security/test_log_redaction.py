"""Issue #12 item 10: no BSN or e-mail address from a URL in any log line, whichever settings module runs.

The attack: ``make run`` with the local settings, a request with a BSN and an e-mail address in the query
string. runserver's ``django.server`` logger kept Django's own handler (DEFAULT_LOGGING), which printed the raw
request line next to the redacted one; the ``django`` logger kept Django's console handler (raw, with DEBUG on)
and its mail handler (the whole request, to ADMINS). Now every one of Django's, Celery's and gunicorn's loggers
writes through the one redacting handler of ``common/logs.py`` only.

Each case runs in a fresh interpreter, so that Django configures logging exactly as it does when it starts:
DEFAULT_LOGGING first, then the settings module's LOGGING.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BSN = "111222333"
EMAIL = "anna.jansen@example.nl"
QUERY = f"bsn={BSN}&email={EMAIL}"

SCRIPT = f"""
import json, logging, sys
import django
django.setup()

from django.core.servers.basehttp import WSGIRequestHandler
from django.http import HttpResponse, HttpResponseNotFound
from django.test import RequestFactory
from django.utils.log import log_response

from common.logs import PersonalDataFilter

NAMES = [
    "django", "django.server", "django.request", "django.security", "django.security.csrf",
    "django.security.DisallowedHost", "django.db.backends", "django.template", "celery", "celery.app.trace",
    "gunicorn.error", "gunicorn.access",
]

def unredacted_handlers(name):
    found, logger = [], logging.getLogger(name)
    while logger:
        for handler in logger.handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                found.append(type(handler).__name__)
        logger = logger.parent if logger.propagate else None
    return found

report = {{name: unredacted_handlers(name) for name in NAMES}}

# runserver's own access lines, through its real handler (a 200 at INFO, a 404 at WARNING).
server = WSGIRequestHandler.__new__(WSGIRequestHandler)
server.request, server.client_address = None, ("127.0.0.1", 50000)
server.requestline = "GET /zoeken/?{QUERY} HTTP/1.1"
server.log_request(200)
server.log_request(404)

# django.request as the handler writes it for a 404 and a 500, the request (query string included) as extra.
request = RequestFactory().get("/zoeken/{BSN}/", {{"bsn": "{BSN}", "email": "{EMAIL}"}})
log_response("Not Found: %s", request.path, response=HttpResponseNotFound(), request=request)
try:
    raise ValueError("lookup of {BSN} for {EMAIL} failed")
except ValueError:
    log_response(
        "Internal Server Error: %s", request.get_full_path(), response=HttpResponse(status=500), request=request,
        exception=sys.exc_info()[1],
    )
logging.getLogger("django.security.DisallowedHost").error("Invalid HTTP_HOST header: %s", "{EMAIL}")
logging.getLogger("celery.app.trace").error("Task failed for %s", "{BSN}")
logging.getLogger("gunicorn.access").warning('"GET /zoeken/?{QUERY} HTTP/1.1" 404')
logging.getLogger("gunicorn.error").error("worker saw {EMAIL}")
print(json.dumps(report))
"""

SETTINGS = [
    ("wijkteam.settings.local", "plain"),
    ("wijkteam.settings.local", "json"),
    ("wijkteam.settings.test", "plain"),
    ("wijkteam.settings.production", "json"),
    ("wijkteam.settings.production", "plain"),
]


@pytest.mark.parametrize("module, log_format", SETTINGS)
def test_no_logger_of_any_settings_module_writes_a_bsn_or_an_email_from_a_url(module: str, log_format: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "LOG_FORMAT": log_format,
        "LOG_LEVEL": "INFO",
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "ADMINS": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    log = done.stderr
    assert BSN not in log and EMAIL not in log, log
    assert "?bsn" not in log and "email=" not in log, log
    # The lines are there, redacted: nothing was simply switched off.
    assert log.count("/zoeken/") >= 5, log
    assert "[bsn]" in log and "[e-mail]" in log, log
    unredacted = json.loads(done.stdout.strip().splitlines()[-1])
    assert unredacted == {name: [] for name in unredacted}
