"""Every access-log row says why (processing activity, legal basis, reason) and carries its Logboek trace.

The digest covers the new columns, so that nobody can change a row's purpose
or reason without breaking the chain. A row whose new columns are all empty
(every row written before this migration) hashes exactly as before, so the old
chain still verifies; every row written from now on has a processing id and
so hashes in the extended form. ``privacy.verify.row_digest`` mirrors this.
"""

from django.db import migrations, models

DIGEST = r"""
CREATE OR REPLACE FUNCTION privacy_access_log_digest(e privacy_accesslogentry) RETURNS text
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
    ) || CASE
        WHEN e.activity = '' AND e.legal_basis = '' AND e.reason = '' AND e.trace_id = '' AND e.span_id = ''
             AND e.parent_span_id = '' AND e.delete_after IS NULL THEN ''
        ELSE chr(31) || concat_ws(chr(31),
            e.activity, e.legal_basis, e.reason, e.trace_id, e.span_id, e.parent_span_id,
            coalesce(to_char(e.delete_after, 'YYYY-MM-DD'), ''))
    END, 'UTF8')), 'hex')
$$;
"""

DIGEST_BEFORE = r"""
CREATE OR REPLACE FUNCTION privacy_access_log_digest(e privacy_accesslogentry) RETURNS text
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
"""


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0007_access_request_review_and_officer_visit"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslogentry",
            name="activity",
            field=models.CharField(blank=True, db_default="", max_length=40, verbose_name="processing activity"),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="legal_basis",
            field=models.CharField(blank=True, db_default="", max_length=20, verbose_name="legal basis"),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="delete_after",
            field=models.DateField(null=True, verbose_name="delete after"),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="parent_span_id",
            field=models.CharField(blank=True, db_default="", max_length=16, verbose_name="parent processing id"),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="reason",
            field=models.CharField(blank=True, db_default="", max_length=200, verbose_name="reason given"),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="span_id",
            field=models.CharField(blank=True, db_default="", max_length=16, verbose_name="processing id"),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="trace_id",
            field=models.CharField(blank=True, db_default="", max_length=32, verbose_name="trace id"),
        ),
        migrations.RunSQL(DIGEST, DIGEST_BEFORE),
    ]
