from django.db import migrations


class Migration(migrations.Migration):
    """Let each connection take spend ids a thousand at a time.

    Spend is written a million rows at once by the import's one INSERT … SELECT. With the identity's default
    cache of one, every row's id locked the sequence's page and every 32nd wrote it to the WAL: 0.2–0.4 s of
    the server's time for a million rows. A connection now reserves a thousand ids; those it does not use are
    skipped, so ids have gaps and, across connections, do not follow insertion order. Nothing reads them as a
    count or an order: spend is ordered by allocation and month.
    """

    dependencies = [
        ("funding", "0017_spend_import_content_uncompressed"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE funding_spend ALTER COLUMN id SET CACHE 1000",
            "ALTER TABLE funding_spend ALTER COLUMN id SET CACHE 1",
        ),
    ]
