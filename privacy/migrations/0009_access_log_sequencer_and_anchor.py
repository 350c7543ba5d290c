"""The access log without a global lock on the request path: rows are appended unchained and chained moments later.

Before, the INSERT trigger took one advisory lock (7513) for every INSERT and
held it to the end of the transaction, so that every logged request in the
system waited for every other one. Now:

- The INSERT trigger takes no lock. It clears the chain columns (whatever the
  inserter sent) and stores ``content_hash``, the SHA-256 of the row's own
  content, its id included (``privacy_access_log_content_digest``).
- ``privacy_access_log_sequence(batch)`` chains the oldest unchained rows, in
  id order, under the advisory lock (it never waits for it): their ``seq``,
  ``previous_hash`` and ``entry_hash = sha256('v3', seq, previous_hash,
  content_hash)``. It belongs to the owner and runs with the owner's rights
  (SECURITY DEFINER, fixed search_path); it takes nothing from its caller but a
  batch size, and the application role may execute it and nothing else of the
  kind. It does not recompute content hashes: ``verify_access_log`` does, for
  every row, chained or not, so a row altered before it was chained shows.
- The owner holds UPDATE on the three chain columns only. The row trigger
  refuses every UPDATE and DELETE but the sequencer's UPDATE of unchained rows,
  which a statement trigger checks set-based: unchained rows only, nothing but
  their chain columns, a link that holds. No DELETE may take an unchained row.
- ``privacy_access_log_expire(keep_years)`` is the owner's retention step
  (``privacy/expiry.py``): it removes the chain's prefix of rows past their
  delete-after date and records the last removed row as the chain's new anchor
  (``privacy_accessloganchor``). Nobody else may execute it; the owner holds
  DELETE only inside it, and the change trigger lets only such rows go.
- ``privacy_access_log_digest`` gives the chain hash of either form, so that
  it stays the one SQL definition ``privacy.verify.row_digest`` mirrors.

Rows written before keep their hashes (their ``content_hash`` is empty). Going
back is refused once a row has the new form: the old digest cannot verify it.
"""

import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

from privacy.database_roles import grant_application_role

V2_DIGEST = r"""concat_ws(chr(31),
        e.seq::text, e.previous_hash,
        to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(e.user_id::text, ''), e.username, e.role,
        coalesce(e.organisation_id::text, ''), e.organisation_name, e.on_behalf_of,
        e.action, e.outcome, e.channel,
        coalesce(e.household_id::text, ''), coalesce(e.person_id::text, ''), coalesce(e.case_id::text, ''),
        e.object_type, coalesce(e.object_uuid::text, ''), e.detail, e.path,
        coalesce(host(e.client_address), ''), e.request_id
    ) || CASE
        WHEN e.activity = '' AND e.legal_basis = '' AND e.reason = '' AND e.trace_id = '' AND e.span_id = ''
             AND e.parent_span_id = '' AND e.delete_after IS NULL THEN ''
        ELSE chr(31) || concat_ws(chr(31),
            e.activity, e.legal_basis, e.reason, e.trace_id, e.span_id, e.parent_span_id,
            coalesce(to_char(e.delete_after, 'YYYY-MM-DD'), ''))
    END"""

FORWARD = rf"""
CREATE FUNCTION privacy_access_log_content_digest(e privacy_accesslogentry) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31),
        'v3', e.id::text,
        to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(e.user_id::text, ''), e.username, e.role,
        coalesce(e.organisation_id::text, ''), e.organisation_name, e.on_behalf_of,
        e.action, e.outcome, e.channel,
        coalesce(e.household_id::text, ''), coalesce(e.person_id::text, ''), coalesce(e.case_id::text, ''),
        e.object_type, coalesce(e.object_uuid::text, ''), e.detail, e.path,
        coalesce(host(e.client_address), ''), e.request_id,
        e.activity, e.legal_basis, e.reason, e.trace_id, e.span_id, e.parent_span_id,
        coalesce(to_char(e.delete_after, 'YYYY-MM-DD'), '')
    ), 'UTF8')), 'hex')
$$;

CREATE FUNCTION privacy_access_log_link(seq bigint, previous_hash text, content_hash text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31), 'v3', seq::text, previous_hash, content_hash), 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION privacy_access_log_digest(e privacy_accesslogentry) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN e.content_hash <> '' THEN
            privacy_access_log_link(e.seq, e.previous_hash, privacy_access_log_content_digest(e))
        ELSE encode(sha256(convert_to({V2_DIGEST}, 'UTF8')), 'hex')
    END
$$;

CREATE FUNCTION privacy_access_log_expired(e privacy_accesslogentry, keep_years integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    -- Rows from before the delete-after column (0008) are kept keep_years from when they were written.
    SELECT coalesce(e.delete_after, ((e.occurred_at AT TIME ZONE 'UTC') + make_interval(years => keep_years))::date)
           <= current_date
$$;

-- Appending takes no lock: the row waits, unchained, for the sequencer.
CREATE OR REPLACE FUNCTION privacy_access_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.seq := NULL;
    NEW.previous_hash := '';
    NEW.entry_hash := '';
    NEW.content_hash := privacy_access_log_content_digest(NEW);
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION privacy_access_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_setting('wijkteam.allow_log_truncate', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    -- The owner's retention step removes chained rows past their delete-after date, and nothing else.
    IF TG_OP = 'DELETE' AND current_setting('wijkteam.access_log_expiry', true) = 'on'
       AND OLD.seq IS NOT NULL
       AND privacy_access_log_expired(OLD, current_setting('wijkteam.access_log_keep_years')::integer) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the access log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- The sequencer's UPDATE of unchained rows skips the row trigger (a plpgsql call per row halved its speed) and
-- is checked per statement instead, set-based: only unchained rows, only their chain columns, a link that holds.
-- (A column added to the log later belongs in the comparison below as well.)
DROP TRIGGER access_log_no_update_or_delete ON privacy_accesslogentry;
CREATE TRIGGER access_log_no_update_or_delete BEFORE UPDATE OR DELETE ON privacy_accesslogentry
    FOR EACH ROW
    WHEN (OLD.seq IS NOT NULL OR current_setting('wijkteam.access_log_sequencer', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION privacy_access_log_refuse_change();

CREATE FUNCTION privacy_access_log_check_sequencing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
         WHERE o.id IS NULL OR n.id IS NULL OR o.seq IS NOT NULL OR n.seq IS NULL
            OR o.previous_hash <> '' OR o.entry_hash <> ''
            OR n.entry_hash IS DISTINCT FROM privacy_access_log_link(n.seq, n.previous_hash, n.content_hash)
            OR (n.occurred_at, n.user_id, n.username, n.role, n.organisation_id, n.organisation_name,
                n.on_behalf_of, n.action, n.outcome, n.channel, n.household_id, n.person_id, n.case_id,
                n.object_type, n.object_uuid, n.detail, n.path, n.client_address, n.request_id, n.activity,
                n.legal_basis, n.reason, n.trace_id, n.span_id, n.parent_span_id, n.delete_after, n.content_hash)
               IS DISTINCT FROM
               (o.occurred_at, o.user_id, o.username, o.role, o.organisation_id, o.organisation_name,
                o.on_behalf_of, o.action, o.outcome, o.channel, o.household_id, o.person_id, o.case_id,
                o.object_type, o.object_uuid, o.detail, o.path, o.client_address, o.request_id, o.activity,
                o.legal_basis, o.reason, o.trace_id, o.span_id, o.parent_span_id, o.delete_after, o.content_hash)
    ) THEN
        RAISE EXCEPTION 'the access log is append-only (UPDATE refused: only the sequencer fills unchained rows)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER access_log_sequencing_checked AFTER UPDATE ON privacy_accesslogentry
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION privacy_access_log_check_sequencing();

CREATE FUNCTION privacy_access_log_check_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o WHERE o.seq IS NULL) THEN
        RAISE EXCEPTION 'the access log is append-only (DELETE refused)' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER access_log_removal_checked AFTER DELETE ON privacy_accesslogentry
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION privacy_access_log_check_removal();

CREATE FUNCTION privacy_access_log_sequence(batch integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    ids bigint[];
    contents text[];
    seqs bigint[] := '{{}}';
    previous text[] := '{{}}';
    links text[] := '{{}}';
BEGIN
    IF batch IS NULL OR batch < 1 THEN
        RETURN 0;
    END IF;
    -- One sequencer at a time; another one chains the same rows, so never wait for it.
    IF NOT pg_try_advisory_xact_lock(7513) THEN
        RETURN 0;
    END IF;
    SELECT e.seq, e.entry_hash INTO head_seq, head_hash
      FROM privacy_accesslogentry e WHERE e.seq IS NOT NULL ORDER BY e.seq DESC LIMIT 1;
    IF head_seq IS NULL THEN
        SELECT a.seq, a.entry_hash INTO head_seq, head_hash FROM privacy_accessloganchor a ORDER BY a.seq DESC LIMIT 1;
    END IF;
    head_seq := coalesce(head_seq, 0);
    head_hash := coalesce(head_hash, repeat('0', 64));
    SELECT array_agg(e.id ORDER BY e.id), array_agg(e.content_hash ORDER BY e.id)
      INTO ids, contents
      FROM (SELECT * FROM privacy_accesslogentry WHERE seq IS NULL ORDER BY id LIMIT batch FOR UPDATE) e;
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    FOR i IN 1 .. cardinality(ids) LOOP
        IF contents[i] = '' THEN
            RAISE EXCEPTION 'access-log row id % has no content hash: it was not appended through the trigger', ids[i]
                USING ERRCODE = 'data_corrupted';
        END IF;
        head_seq := head_seq + 1;
        seqs[i] := head_seq;
        previous[i] := head_hash;
        head_hash := privacy_access_log_link(head_seq, head_hash, contents[i]);
        links[i] := head_hash;
    END LOOP;
    -- One UPDATE for the batch; the change trigger checks every row it fills.
    PERFORM set_config('wijkteam.access_log_sequencer', 'on', true);
    UPDATE privacy_accesslogentry e
       SET seq = c.seq, previous_hash = c.previous_hash, entry_hash = c.link
      FROM unnest(ids, seqs, previous, links) AS c(id, seq, previous_hash, link)
     WHERE e.id = c.id;
    PERFORM set_config('wijkteam.access_log_sequencer', '', true);
    RETURN cardinality(ids);
END;
$$;
REVOKE ALL ON FUNCTION privacy_access_log_sequence(integer) FROM PUBLIC;

CREATE FUNCTION privacy_access_log_expire(keep_years integer)
RETURNS TABLE (removed bigint, anchor_seq bigint, anchor_hash text)
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    keep_from bigint;
    cut bigint;
    cut_hash text;
    removed_count bigint;
BEGIN
    -- No sequencer meanwhile (this waits: it is a maintenance step, not a request).
    PERFORM pg_advisory_xact_lock(7513);
    SELECT e.seq INTO keep_from FROM privacy_accesslogentry e
     WHERE e.seq IS NOT NULL AND NOT privacy_access_log_expired(e, keep_years) ORDER BY e.seq LIMIT 1;
    IF keep_from IS NULL THEN
        SELECT max(e.seq) INTO cut FROM privacy_accesslogentry e;
    ELSE
        cut := keep_from - 1;
    END IF;
    SELECT e.entry_hash INTO cut_hash FROM privacy_accesslogentry e WHERE e.seq = cut;
    IF cut_hash IS NULL THEN
        RETURN QUERY SELECT 0::bigint, NULL::bigint, NULL::text;
        RETURN;
    END IF;
    EXECUTE 'GRANT DELETE ON privacy_accesslogentry TO CURRENT_USER';
    PERFORM set_config('wijkteam.access_log_expiry', 'on', true);
    PERFORM set_config('wijkteam.access_log_keep_years', keep_years::text, true);
    DELETE FROM privacy_accesslogentry e WHERE e.seq <= cut;
    GET DIAGNOSTICS removed_count = ROW_COUNT;
    PERFORM set_config('wijkteam.access_log_expiry', '', true);
    EXECUTE 'REVOKE DELETE ON privacy_accesslogentry FROM CURRENT_USER';
    INSERT INTO privacy_accessloganchor (seq, entry_hash, removed_rows) VALUES (cut, cut_hash, removed_count);
    RETURN QUERY SELECT removed_count, cut, cut_hash;
END;
$$;
REVOKE ALL ON FUNCTION privacy_access_log_expire(integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION privacy_access_log_refuse_anchor_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_setting('wijkteam.allow_log_truncate', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the access log''s anchors are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER access_log_anchor_no_change BEFORE UPDATE OR DELETE ON privacy_accessloganchor
    FOR EACH ROW EXECUTE FUNCTION privacy_access_log_refuse_anchor_change();
CREATE TRIGGER access_log_anchor_no_truncate BEFORE TRUNCATE ON privacy_accessloganchor
    FOR EACH STATEMENT EXECUTE FUNCTION privacy_access_log_refuse_anchor_change();
"""

BACKWARD = r"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM privacy_accesslogentry WHERE content_hash <> '')
       OR EXISTS (SELECT 1 FROM privacy_accessloganchor) THEN
        RAISE EXCEPTION 'the access log holds rows in the sequenced form, or was cut by retention: not reversible';
    END IF;
END $$;
DROP TRIGGER access_log_removal_checked ON privacy_accesslogentry;
DROP TRIGGER access_log_sequencing_checked ON privacy_accesslogentry;
DROP FUNCTION privacy_access_log_check_removal();
DROP FUNCTION privacy_access_log_check_sequencing();
DROP TRIGGER access_log_no_update_or_delete ON privacy_accesslogentry;
CREATE TRIGGER access_log_no_update_or_delete BEFORE UPDATE OR DELETE ON privacy_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION privacy_access_log_refuse_change();
DROP TRIGGER access_log_anchor_no_truncate ON privacy_accessloganchor;
DROP TRIGGER access_log_anchor_no_change ON privacy_accessloganchor;
DROP FUNCTION privacy_access_log_refuse_anchor_change();
DROP FUNCTION privacy_access_log_expire(integer);
DROP FUNCTION privacy_access_log_sequence(integer);
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
CREATE OR REPLACE FUNCTION privacy_access_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(7513);
    SELECT seq, entry_hash INTO last_seq, last_hash
      FROM privacy_accesslogentry ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.previous_hash := coalesce(last_hash, repeat('0', 64));
    NEW.entry_hash := privacy_access_log_digest(NEW);
    RETURN NEW;
END;
$$;
CREATE OR REPLACE FUNCTION privacy_access_log_digest(e privacy_accesslogentry) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(""" + V2_DIGEST + r""", 'UTF8')), 'hex')
$$;
DROP FUNCTION privacy_access_log_expired(privacy_accesslogentry, integer);
DROP FUNCTION privacy_access_log_link(bigint, text, text);
DROP FUNCTION privacy_access_log_content_digest(privacy_accesslogentry);
REVOKE UPDATE ON privacy_accesslogentry FROM CURRENT_USER;
"""


def grant(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    with schema_editor.connection.cursor() as cursor:
        grant_application_role(cursor, app_role=settings.WIJKTEAM_DATABASE_APP_ROLE)


class Migration(migrations.Migration):

    dependencies = [("privacy", "0008_access_log_purpose_and_trace")]

    operations = [
        migrations.CreateModel(
            name='AccessLogAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(unique=True, verbose_name='sequence')),
                ('entry_hash', models.CharField(max_length=64)),
                ('removed_rows', models.BigIntegerField(verbose_name='rows removed')),
                ('made_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='made at')),
            ],
            options={
                'verbose_name': 'access log anchor',
                'verbose_name_plural': 'access log anchors',
                'ordering': ['-seq'],
            },
        ),
        migrations.AddField(
            model_name='accesslogentry',
            name='content_hash',
            field=models.CharField(blank=True, db_default='', editable=False, max_length=64),
        ),
        migrations.AddIndex(
            model_name='accesslogentry',
            index=models.Index(condition=models.Q(('seq__isnull', True)), fields=['id'], name='accesslog_unchained_idx'),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
