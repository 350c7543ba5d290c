"""The access log belongs to the owner role; the application role may only append to it and read it.

- The application's privileges are granted here (``privacy.database_roles``):
  SELECT and INSERT on the log, nothing more; ordinary privileges on every
  other table, now and (default privileges) for tables made later.
- The TRUNCATE switch ``wijkteam.allow_log_truncate`` is honoured only for a
  role that owns the log (the test runner's flush, as the owner). The
  application role has no TRUNCATE privilege to begin with; this also holds if
  someone grants it one.
"""

from django.conf import settings
from django.db import migrations

from privacy.database_roles import grant_application_role

REFUSE_CHANGE = r"""
CREATE OR REPLACE FUNCTION privacy_access_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_setting('wijkteam.allow_log_truncate', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the access log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

REFUSE_CHANGE_BEFORE = r"""
CREATE OR REPLACE FUNCTION privacy_access_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('wijkteam.allow_log_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the access log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def grant(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    with schema_editor.connection.cursor() as cursor:
        grant_application_role(cursor, app_role=settings.WIJKTEAM_DATABASE_APP_ROLE)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0005_access_log_one_household_index")]
    operations = [
        migrations.RunSQL(REFUSE_CHANGE, REFUSE_CHANGE_BEFORE),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
