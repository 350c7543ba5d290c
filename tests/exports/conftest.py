# The real Redis and Celery worker fixtures of the job tests, for the export's integration test.
from tests.jobs.conftest import broker, redis_server, start_worker  # noqa: F401
