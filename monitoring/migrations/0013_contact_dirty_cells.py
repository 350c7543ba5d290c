"""Cells to refresh: triggers on cases_contact mark the (buurt, month) cells a contact write changes.

Statement-level triggers with transition tables: one INSERT … SELECT per statement, so a bulk load
(the seed's COPY) marks each cell a few times rather than once per contact. A contact feeds two
summaries: coordination minutes (its buurt and month, for the coordination kinds) and the timing of
its case (filed under the case's buurt and referral month). An UPDATE marks the cells of the old and
the new version, and only when a column those summaries read changed.
"""

import django.db.models.deletion
from django.db import migrations, models

_CELLS = """
    INSERT INTO monitoring_dirtycell (buurt_id, month, coordination)
    SELECT DISTINCT h.neighbourhood_id, m.month, m.coordination
      FROM {rows} k
      JOIN cases_case c ON c.id = k.case_id
      JOIN cases_household h ON h.id = c.household_id
     CROSS JOIN LATERAL (VALUES (date_trunc('month', c.referred_on)::date, false),
                                (CASE WHEN k.kind IN ('coordination', 'case_conference')
                                      THEN date_trunc('month', k.occurred_on)::date END, true)) AS m(month, coordination)
     WHERE m.month IS NOT NULL{where};
"""
_CHANGED = """
       AND k.id IN (SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id
                     WHERE (o.case_id, o.occurred_on, o.kind, o.minutes, o.author_organisation_id)
                           IS DISTINCT FROM (n.case_id, n.occurred_on, n.kind, n.minutes, n.author_organisation_id))
"""

FORWARD = f"""
CREATE FUNCTION monitoring_contacts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_CELLS.format(rows="new_rows", where="")}
    RETURN NULL;
END $$;
CREATE FUNCTION monitoring_contacts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_CELLS.format(rows="old_rows", where=_CHANGED)}
    {_CELLS.format(rows="new_rows", where=_CHANGED)}
    RETURN NULL;
END $$;
CREATE FUNCTION monitoring_contacts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_CELLS.format(rows="old_rows", where="")}
    RETURN NULL;
END $$;
CREATE TRIGGER monitoring_contacts_inserted AFTER INSERT ON cases_contact
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION monitoring_contacts_inserted();
CREATE TRIGGER monitoring_contacts_updated AFTER UPDATE ON cases_contact
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION monitoring_contacts_updated();
CREATE TRIGGER monitoring_contacts_deleted AFTER DELETE ON cases_contact
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION monitoring_contacts_deleted();
"""

BACKWARD = """
DROP TRIGGER monitoring_contacts_inserted ON cases_contact;
DROP TRIGGER monitoring_contacts_updated ON cases_contact;
DROP TRIGGER monitoring_contacts_deleted ON cases_contact;
DROP FUNCTION monitoring_contacts_inserted();
DROP FUNCTION monitoring_contacts_updated();
DROP FUNCTION monitoring_contacts_deleted();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0012_amount_noise"),
        ("organisations", "0005_silos_relation_moves_to_funding"),
        ("cases", "0014_case_team_id_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="DirtyCell",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(verbose_name="month")),
                ("coordination", models.BooleanField(default=False)),
                (
                    "buurt",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organisations.area",
                    ),
                ),
            ],
            options={"verbose_name": "cell to refresh", "verbose_name_plural": "cells to refresh"},
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
