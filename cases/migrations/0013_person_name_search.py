"""Search that knows Dutch names: an accent-free, lower-case key of a person's whole name, indexed by trigrams.

``unaccent`` and ``pg_trgm`` are trusted extensions: the database owner may
create them. ``unaccent()`` itself is only STABLE (its dictionary could
change), so an index cannot use it directly; ``wijkteam_name_key`` names the
dictionary and is declared IMMUTABLE, the usual way to index it.
"""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE FUNCTION wijkteam_name_key(text, text, text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, concat_ws(' ', $1, nullif($2, ''), $3))) $$;
CREATE INDEX person_name_key_trgm ON cases_person
    USING gin (wijkteam_name_key(first_name, surname_prefix, last_name) gin_trgm_ops);
"""

BACKWARD = """
DROP INDEX IF EXISTS person_name_key_trgm;
DROP FUNCTION IF EXISTS wijkteam_name_key(text, text, text);
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_action_product_category_checked")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
