"""Exactly one active coordinator per open case, checked by PostgreSQL at commit.

The partial unique index of 0001 allows at most one. This deferred constraint
trigger adds "at least one while the case is open": it fires at commit for every
case whose status or involvements changed, so a service may pass through zero
coordinators inside its transaction (unset the old, set the new) but can never
commit that state.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION cases_check_one_coordinator() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
BEGIN
    IF TG_TABLE_NAME = 'cases_case' THEN
        target := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        target := OLD.case_id;
    ELSE
        target := NEW.case_id;
    END IF;
    IF EXISTS (SELECT 1 FROM cases_case WHERE id = target AND status <> 'afgesloten')
       AND (SELECT count(*) FROM cases_involvement
            WHERE case_id = target AND is_coordinator AND end_date IS NULL) <> 1 THEN
        RAISE EXCEPTION 'case % must have exactly one active coordinator while it is open', target
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_exactly_one_coordinator';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER case_exactly_one_coordinator
    AFTER INSERT OR UPDATE OF status ON cases_case
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION cases_check_one_coordinator();

CREATE CONSTRAINT TRIGGER involvement_exactly_one_coordinator
    AFTER INSERT OR UPDATE OR DELETE ON cases_involvement
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION cases_check_one_coordinator();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS involvement_exactly_one_coordinator ON cases_involvement;
DROP TRIGGER IF EXISTS case_exactly_one_coordinator ON cases_case;
DROP FUNCTION IF EXISTS cases_check_one_coordinator();
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
