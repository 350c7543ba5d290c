"""An allocation with spend cannot be deleted, checked by PostgreSQL at the delete itself.

Spend has no foreign-key constraint (``Spend``: a million rows load in one statement). Django's PROTECT looks
for spend before it deletes, but an import that has written spend and not yet committed is invisible to that
look: the delete then waited for the import's lock (FOR KEY SHARE) and went ahead once the import committed,
leaving spend that points at no allocation. This trigger runs after the delete has locked the row, so it sees
any import that held the row before it: the delete is refused whatever path it takes (the admin, the ORM, SQL).
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION funding_allocation_keeps_its_spend() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM funding_spend WHERE allocation_id = OLD.id) THEN
        RAISE EXCEPTION 'allocation % has spend and cannot be deleted', OLD.id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'allocation_keeps_its_spend';
    END IF;
    RETURN OLD;
END;
$$;

CREATE TRIGGER allocation_keeps_its_spend
    BEFORE DELETE ON funding_allocation
    FOR EACH ROW EXECUTE FUNCTION funding_allocation_keeps_its_spend();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS allocation_keeps_its_spend ON funding_allocation;
DROP FUNCTION IF EXISTS funding_allocation_keeps_its_spend();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0018_spend_id_sequence_cache"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
