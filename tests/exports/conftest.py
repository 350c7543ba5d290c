# The real Redis and Celery worker fixtures of the job tests, for the export's integration test.
from tests.jobs.conftest import broker, redis_server, start_worker  # noqa: F401

# The monitoring tests' buurten with casework, funding and summaries, for the dashboard export.
from tests.monitoring.conftest import bureau_data  # noqa: F401
