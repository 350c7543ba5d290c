"""The purpose and trace columns (migration privacy.0007) are part of each row's hash; older rows still verify."""

import pytest
from django.db import connection

from privacy import access_log
from privacy.sequencer import chain_access_log
from privacy.verify import _CHAINED, DIGEST_FIELDS, _rows, row_digest, verify_access_log
from tests.security.test_access_log_seal import as_superuser

CHANGE_REASON = """
ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER;
UPDATE privacy_accesslogentry SET {column} = {value} WHERE seq = 1;
ALTER TABLE privacy_accesslogentry ENABLE TRIGGER USER;
"""


@pytest.mark.django_db
@pytest.mark.database_owner
def test_a_row_without_purpose_or_trace_hashes_as_before_the_migration() -> None:
    # A row as the chain trigger of migrations 0002-0008 wrote it: chained at once, no content hash.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
        cursor.execute(
            "INSERT INTO privacy_accesslogentry (seq, previous_hash, entry_hash, occurred_at, user_id, username, role,"
            " organisation_id, organisation_name, on_behalf_of, action, outcome, channel, object_type,"
            " detail, path, request_id) VALUES (1, repeat('0', 64), '', now(), 7, 'jan', 'professional', 9, 'GGD',"
            " '', 'read', 'allowed', 'screen', 'cases.household', 'household page', '/huishoudens/x/', 'req-1')"
        )
        cursor.execute("UPDATE privacy_accesslogentry e SET entry_hash = privacy_access_log_digest(e)")
        cursor.execute("ALTER TABLE privacy_accesslogentry ENABLE TRIGGER USER")
    (row,) = list(_rows(_CHAINED, [1]))
    assert (row["activity"], row["trace_id"], row["delete_after"], row["content_hash"]) == ("", "", None, "")
    # The digest of migration 0002 (the original fields only), as for every older row.
    original_fields_only = {name: row[name] for name in DIGEST_FIELDS}
    assert row_digest(original_fields_only) == row_digest(row) == row["entry_hash"]
    assert row_digest({**row, "activity": "casework"}) != row["entry_hash"]
    assert verify_access_log().ok


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "column, value",
    [
        ("activity", "'casework'"),
        ("legal_basis", "'wmo'"),
        ("reason", "'review'"),
        ("trace_id", "repeat('a', 32)"),
        ("span_id", "repeat('b', 16)"),
        ("parent_span_id", "repeat('c', 16)"),
        ("delete_after", "delete_after + 1"),
    ],
)
def test_changing_a_rows_purpose_or_trace_breaks_its_hash(column: str, value: str) -> None:
    access_log.record(user=None, action=access_log.Action.READ, detail="retention: anonymised", reason="standing_in")
    assert chain_access_log() == 1
    assert verify_access_log().ok
    with as_superuser() as conn:
        conn.execute(CHANGE_REASON.format(column=column, value=value))
    result = verify_access_log()
    assert [(found.seq, found.problem) for found in result.breaks] == [(1, "altered")]
