"""No Docker engine runs here, so the production stack is checked by reading it."""

import importlib
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def command_of(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    return command if isinstance(command, list) else shlex.split(command)


def test_the_stack_has_every_service_of_production() -> None:
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(SERVICES)


@pytest.mark.parametrize("service", ["web", "worker", "beat"])
def test_app_services_wait_for_healthy_database_and_broker_and_for_migrations(service: str) -> None:
    depends = SERVICES[service]["depends_on"]
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    if service != "beat":
        assert depends["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", ["postgres", "redis", "web", "worker"])
def test_long_running_services_have_a_health_check(service: str) -> None:
    assert SERVICES[service]["healthcheck"]["test"]


def test_data_lives_in_named_volumes() -> None:
    assert set(COMPOSE["volumes"]) == {"postgres-data", "postgres-replica-data", "redis-data", "access-log-seals"}
    assert any(v.startswith("postgres-data:") for v in SERVICES["postgres"]["volumes"])
    assert any(v.startswith("redis-data:") for v in SERVICES["redis"]["volumes"])


def test_app_services_use_production_settings_and_the_compose_database_and_broker() -> None:
    for service in ["migrate", "web", "worker", "beat"]:
        env = SERVICES[service]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "wijkteam.settings.production"
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        importlib.import_module(env["DJANGO_SETTINGS_MODULE"].rsplit(".", 1)[0])


def test_the_web_command_points_at_files_and_modules_that_exist() -> None:
    command = command_of("web")
    assert command[0] == "gunicorn"
    config = command[command.index("--config") + 1]
    assert (ROOT / config).is_file()
    module, attribute = command[-1].split(":")
    assert hasattr(importlib.import_module(module), attribute)


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_the_celery_commands_name_the_project_app(service: str) -> None:
    command = command_of(service)
    assert command[:3] == ["celery", "--app", "wijkteam"]
    assert command[3] in {"worker", "beat"}
    assert importlib.import_module("wijkteam").celery_app.main == "wijkteam"


def test_the_migrate_command_is_a_management_command() -> None:
    command = command_of("migrate")
    assert command[:2] == ["python", "manage.py"] and command[2] in get_commands()


@pytest.mark.django_db
def test_the_web_health_check_probes_an_endpoint_that_exists(client) -> None:
    probe = " ".join(SERVICES["web"]["healthcheck"]["test"])
    path = probe.split("127.0.0.1:8000", 1)[1].split("'", 1)[0]
    assert client.get(path).status_code in {200, 503}


def test_the_image_installs_the_locked_dependencies() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "npm ci" in dockerfile


def test_redis_keeps_published_messages_across_a_restart() -> None:
    # The outbox forgets a message once it is published; from then on only Redis holds it.
    command = command_of("redis")
    assert command[command.index("--appendonly") + 1] == "yes"


def test_every_beat_entry_names_a_registered_task_and_the_outbox_relay_is_one() -> None:
    from django.conf import settings

    from wijkteam.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "jobs.relay_outbox" in tasks
    assert tasks <= set(app.tasks)


def test_the_web_health_check_waits_longer_than_the_broker_check_inside_readyz() -> None:
    from django.conf import settings

    probe = " ".join(SERVICES["web"]["healthcheck"]["test"])
    client_timeout = float(probe.split("timeout=", 1)[1].split(")", 1)[0])
    # Connecting, then PING: each may take the whole broker timeout, and the database check comes first.
    assert client_timeout > settings.WIJKTEAM_BROKER_TIMEOUT * 3


def test_migrations_run_as_the_owner_and_the_app_services_never_get_its_password() -> None:
    migrate = SERVICES["migrate"]["environment"]
    assert migrate["WIJKTEAM_DATABASE_ROLE"] == "owner"
    assert migrate["DATABASE_OWNER_URL"].startswith("postgres://wijkteam_owner:")
    for service in ["web", "worker", "beat"]:
        env = SERVICES[service]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://wijkteam:")
        assert "DATABASE_OWNER_URL" not in env and "WIJKTEAM_DATABASE_ROLE" not in env
        assert "OWNER_PASSWORD" not in str(env)


def test_the_database_init_script_creates_both_roles_and_the_owners_database() -> None:
    assert "./docker/postgres-init:/docker-entrypoint-initdb.d:ro" in SERVICES["postgres"]["volumes"]
    script = (ROOT / "docker" / "postgres-init" / "10-wijkteam-roles.sh").read_text()
    assert "CREATE ROLE wijkteam_owner LOGIN" in script and "CREATE ROLE wijkteam LOGIN" in script
    assert "CREATE DATABASE wijkteam OWNER wijkteam_owner" in script


def test_the_worker_seals_into_a_volume_the_database_does_not_mount() -> None:
    worker = SERVICES["worker"]
    assert worker["environment"]["WIJKTEAM_LOG_SEAL_KEY"]
    seal_dir = worker["environment"]["WIJKTEAM_LOG_SEAL_DIR"]
    assert f"access-log-seals:{seal_dir}" in worker["volumes"]
    assert not any(volume.startswith("access-log-seals") for volume in SERVICES["postgres"]["volumes"])


def test_an_optional_streaming_replica_is_one_profile_away_and_the_app_reads_it_when_told() -> None:
    replica = SERVICES["postgres-replica"]
    assert replica["profiles"] == ["replica"]
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    script = (ROOT / "docker" / "postgres-replica.sh").read_text()
    assert "pg_basebackup" in script and " -R " in script and "hot_standby=on" in script
    assert "./docker/postgres-replica.sh:/usr/local/bin/postgres-replica.sh:ro" in replica["volumes"]
    init = (ROOT / "docker" / "postgres-init" / "10-wijkteam-roles.sh").read_text()
    assert "LOGIN REPLICATION" in init and "host replication wijkteam_replication" in init
    for service in ["web", "worker", "beat"]:
        assert SERVICES[service]["environment"]["DATABASE_REPLICA_URL"] == "${WIJKTEAM_DATABASE_REPLICA_URL:-}"


def test_the_worker_scales_to_several_containers_and_beat_stays_one() -> None:
    worker = SERVICES["worker"]
    # `docker compose up --scale worker=3`: nothing in the worker may name one container or claim a host port.
    assert "container_name" not in worker and "ports" not in worker and "hostname" not in worker
    assert "--hostname" not in command_of("worker")  # Celery's default, celery@<container id>, is unique per container
    assert "deploy" not in SERVICES["beat"] or SERVICES["beat"]["deploy"].get("replicas", 1) == 1
