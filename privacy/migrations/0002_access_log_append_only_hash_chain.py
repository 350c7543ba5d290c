"""The access log is append-only and hash-chained, enforced by PostgreSQL.

- A BEFORE INSERT trigger takes a transaction-level advisory lock, gives the
  row the next place in the chain (``seq``), the previous row's hash and its own
  SHA-256 over every field. Whatever path inserts (ORM, bulk, raw SQL), the
  chain is right.
- UPDATE and DELETE are revoked from the application's role and refused by a
  trigger as well; TRUNCATE is refused unless the session sets
  ``wijkteam.allow_log_truncate = on`` (only the test settings do, so that the
  test runner can flush between tests).
- ``privacy_access_log_digest`` is the one definition of a row's hash, used
  both here and by ``manage.py verify_access_log``.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION privacy_access_log_digest(e privacy_accesslogentry) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31),
        e.seq::text, e.previous_hash,
        to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(e.user_id::text, ''), e.username, e.role,
        coalesce(e.organisation_id::text, ''), e.organisation_name, e.on_behalf_of,
        e.action, e.outcome, e.channel,
        coalesce(e.household_id::text, ''), coalesce(e.person_id::text, ''), coalesce(e.case_id::text, ''),
        e.object_type, coalesce(e.object_uuid::text, ''), e.detail, e.path,
        coalesce(host(e.client_address), ''), e.request_id
    ), 'UTF8')), 'hex')
$$;

CREATE FUNCTION privacy_access_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    -- One writer at a time extends the chain; the lock ends with the transaction.
    PERFORM pg_advisory_xact_lock(7513);
    SELECT seq, entry_hash INTO last_seq, last_hash
      FROM privacy_accesslogentry ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.previous_hash := coalesce(last_hash, repeat('0', 64));
    NEW.entry_hash := privacy_access_log_digest(NEW);
    RETURN NEW;
END;
$$;

CREATE TRIGGER access_log_chain BEFORE INSERT ON privacy_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION privacy_access_log_chain();

CREATE FUNCTION privacy_access_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('wijkteam.allow_log_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the access log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER access_log_no_update_or_delete BEFORE UPDATE OR DELETE ON privacy_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION privacy_access_log_refuse_change();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON privacy_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION privacy_access_log_refuse_change();

REVOKE UPDATE, DELETE ON privacy_accesslogentry FROM CURRENT_USER;
"""

BACKWARD = r"""
GRANT UPDATE, DELETE ON privacy_accesslogentry TO CURRENT_USER;
DROP TRIGGER IF EXISTS access_log_no_truncate ON privacy_accesslogentry;
DROP TRIGGER IF EXISTS access_log_no_update_or_delete ON privacy_accesslogentry;
DROP TRIGGER IF EXISTS access_log_chain ON privacy_accesslogentry;
DROP FUNCTION IF EXISTS privacy_access_log_refuse_change();
DROP FUNCTION IF EXISTS privacy_access_log_chain();
DROP FUNCTION IF EXISTS privacy_access_log_digest(privacy_accesslogentry);
"""


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
