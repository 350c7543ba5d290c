"""What the application's database role may do, granted by the owner role.

The owner role owns the database and every table and runs the migrations;
the web and worker processes connect as the application role. That role may
read and write the ordinary tables, but on the access log it may only INSERT
and SELECT: it owns none of the log's objects, so it cannot TRUNCATE the log,
grant itself UPDATE or DELETE, disable its triggers or replace its functions.
It cannot create anything in the ``public`` schema either (a function it
created there could be picked up by the owner's next migration); the spend
import stages its files in a schema of its own.

:func:`grant_application_role` is run by migration 0006 and again after a
restore (``manage.py db_restore``), which leaves privileges out of the dump so
that a backup can be restored under other role names.
"""

from __future__ import annotations

from typing import Any

# The schema in which the application role may create tables: the spend import's staging tables.
STAGING_SCHEMA = "spend_staging"
ACCESS_LOG_TABLE = "privacy_accesslogentry"
ANCHOR_TABLE = "privacy_accessloganchor"
# The sequencer (migration 0009): the one function of the log the application role may execute.
SEQUENCER_FUNCTION = "privacy_access_log_sequence(integer)"


def _current_user(cursor: Any) -> str:
    cursor.execute("SELECT current_user")
    return str(cursor.fetchone()[0])


def _owner_may_chain(cursor: Any) -> bool:
    """From migration 0009 on: the owner may fill the log's three chain columns, nothing else; False before it.

    The sequencer runs with the owner's rights; the triggers check which rows
    and values. The retention step grants itself DELETE for its own transaction only.
    """
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [ANCHOR_TABLE])
    if not cursor.fetchone()[0]:
        return False
    cursor.execute(f"GRANT UPDATE (seq, previous_hash, entry_hash) ON {ACCESS_LOG_TABLE} TO CURRENT_USER")
    return True


def grant_application_role(cursor: Any, *, app_role: str) -> bool:
    """Give ``app_role`` what the web and worker processes need, and nothing of the access log but INSERT/SELECT.

    Run as the owner. Returns False, granting nothing, when the application
    connects as the owner itself (one role: nothing to separate).
    """
    owner = _current_user(cursor)
    cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {STAGING_SCHEMA}")
    if app_role == owner:
        _owner_may_chain(cursor)
        return False
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
    if cursor.fetchone() is None:
        raise RuntimeError(
            f"The application's database role {app_role!r} does not exist; create it first "
            "(the embedded server does so itself, docker-compose's init script in docker/postgres-init/)."
        )
    role = '"' + app_role.replace('"', '""') + '"'
    # The role is quoted as an identifier; the rest are constants.
    cursor.execute(
        # Nobody but the owner creates objects in public (PostgreSQL 15+ already says so; older clusters do not).
        f"REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
        f"GRANT USAGE ON SCHEMA public TO {role};"
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};"
        # UPDATE: setval, with which the seed machinery reserves blocks of ids.
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};"
        # Tables and sequences later migrations create get the same.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};"
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role};"
        f"GRANT USAGE, CREATE ON SCHEMA {STAGING_SCHEMA} TO {role};"
        # The access log: append and read, nothing else, for the application and for everybody else.
        f"REVOKE ALL ON {ACCESS_LOG_TABLE} FROM PUBLIC;"
        f"REVOKE ALL ON {ACCESS_LOG_TABLE} FROM {role};"
        f"GRANT SELECT, INSERT ON {ACCESS_LOG_TABLE} TO {role};"
        # Its ids come from nextval alone: no setval, which would also hide that an emptied log once held rows.
        f"REVOKE UPDATE ON SEQUENCE {ACCESS_LOG_TABLE}_id_seq FROM {role};"
        # The owner keeps TRUNCATE (the test runner's flush) but not row changes; the triggers refuse them too.
        f"REVOKE UPDATE, DELETE ON {ACCESS_LOG_TABLE} FROM CURRENT_USER;"
    )
    if _owner_may_chain(cursor):
        for statement in (
            f"REVOKE ALL ON FUNCTION {SEQUENCER_FUNCTION} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {SEQUENCER_FUNCTION} TO {role}",
            "REVOKE ALL ON FUNCTION privacy_access_log_expire(integer) FROM PUBLIC",
            # The anchors: the application role reads them, nobody changes them.
            f"REVOKE ALL ON {ANCHOR_TABLE} FROM PUBLIC",
            f"REVOKE ALL ON {ANCHOR_TABLE} FROM {role}",
            f"GRANT SELECT ON {ANCHOR_TABLE} TO {role}",
            f"REVOKE ALL ON SEQUENCE {ANCHOR_TABLE}_id_seq FROM {role}",
            f"REVOKE UPDATE ON {ANCHOR_TABLE} FROM CURRENT_USER",
            f"REVOKE DELETE ON {ANCHOR_TABLE} FROM CURRENT_USER",
        ):
            cursor.execute(statement)
    return True
