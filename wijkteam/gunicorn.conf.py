"""gunicorn configuration for the docker-compose web service."""

import os

from common.logs import logging_config

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Query strings may hold search terms; they are left out of the access log.
# The request id comes from the response header RequestIdMiddleware sets.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss request_id=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn's own lines (start-up, worker restarts, the access log) in the same
# format as the application's: JSON by default, redacted either way.
logconfig_dict = logging_config(
    log_format=os.environ.get("LOG_FORMAT", "json"), level=os.environ.get("LOG_LEVEL", "INFO")
)
logconfig_dict["loggers"].update(
    {
        "gunicorn.error": {"level": os.environ.get("LOG_LEVEL", "INFO"), "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    }
)
