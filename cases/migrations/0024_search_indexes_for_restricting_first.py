"""The household search starts from both sets at once (issue 16, item 2: p95 under 100 ms at the municipality seed).

- ``wijkteam_name_prefixes(key)``: every start of every word of a name key (words split at a space or a
  hyphen, where ``cases.search.name_pattern`` lets a word begin), GIN-indexed, so "every typed word starts
  a word of the name" is one exact lookup (``@>``) instead of trigram candidates rechecked by a regular
  expression. Declared expensive (COST) so that the planner reads it from the index, never per row.
- The members of the caller's households from an index alone (household, person); it serves every lookup
  the lone (household) index did, which is dropped (tests/test_indexes.py). The state change is
  ``db_index=False``; the database change is written out, as in 0023.
- A postcode start (``LIKE '1115%'``) from an index, with the household's id.
"""

import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models

import cases.search

FORWARD = """
CREATE FUNCTION wijkteam_name_prefixes(text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
    AS $$ SELECT coalesce(array_agg(DISTINCT left(word, n)), '{}')
          FROM regexp_split_to_table($1, '[ -]') AS word, generate_series(1, length(word)) AS n $$;
"""

BACKWARD = "DROP FUNCTION IF EXISTS wijkteam_name_prefixes(text);"


class Migration(migrations.Migration):
    dependencies = [("cases", "0023_drop_redundant_single_column_indexes")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.AddIndex(
            model_name="person",
            index=django.contrib.postgres.indexes.GinIndex(
                cases.search.NamePrefixes("name_key"), name="person_name_prefixes_gin"
            ),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["postcode"],
                include=("id",),
                name="household_postcode_like_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="householdmembership",
            index=models.Index(fields=["household", "person"], name="membership_household_idx"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="householdmembership",
                    name="household",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="cases.household",
                        verbose_name="household",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS cases_householdmembership_household_id_543e1886",
                    "CREATE INDEX cases_householdmembership_household_id_543e1886"
                    " ON cases_householdmembership (household_id)",
                ),
            ],
        ),
    ]
