"""No index that another makes redundant on the tables every working day writes to: each INSERT pays for it.

Other tables still carry such indexes (Django's automatic index on a foreign key that also leads a
composite unique constraint, mostly on small tables); they are listed by this query without the table filter.
"""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# Plain btree indexes (not unique, not partial, no expression) whose columns are the leading columns of
# another btree index on the same table: that other index serves every lookup the first one could.
REDUNDANT_PREFIXES = """
SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
  FROM pg_index a
  JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
  JOIN pg_class t ON t.oid = a.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
  JOIN pg_class ai ON ai.oid = a.indexrelid
  JOIN pg_class bi ON bi.oid = b.indexrelid
 WHERE NOT a.indisunique AND a.indpred IS NULL AND a.indexprs IS NULL AND b.indpred IS NULL
   AND ai.relam = bi.relam AND ai.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
   AND a.indnkeyatts <= b.indnkeyatts
   AND (a.indkey::int2[])[0:a.indnkeyatts - 1] = (b.indkey::int2[])[0:a.indnkeyatts - 1]
   AND (a.indoption::int2[])[0:a.indnkeyatts - 1] = (b.indoption::int2[])[0:a.indnkeyatts - 1]
   AND (a.indclass::oid[])[0:a.indnkeyatts - 1] = (b.indclass::oid[])[0:a.indnkeyatts - 1]
   AND (a.indcollation::oid[])[0:a.indnkeyatts - 1] = (b.indcollation::oid[])[0:a.indnkeyatts - 1]
   AND t.relname = ANY(%s)
   AND (a.indnkeyatts < b.indnkeyatts OR a.indexrelid > b.indexrelid)
 ORDER BY 1
"""


WRITTEN_ALL_DAY = [
    "cases_household",
    "cases_person",
    "cases_householdmembership",
    "cases_case",
    "cases_involvement",
    "cases_action",
    "cases_contact",
    "privacy_accesslogentry",
]


def test_no_index_is_the_leading_part_of_another() -> None:
    with connection.cursor() as cursor:
        cursor.execute(REDUNDANT_PREFIXES, [WRITTEN_ALL_DAY])
        assert cursor.fetchall() == []
