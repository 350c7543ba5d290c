from django.db import migrations


class Migration(migrations.Migration):
    """Store a spend file's bytes without compressing them.

    PostgreSQL compresses a large value with pglz before storing it out of line; for a file of a million rows
    (45 MB) that took about a second of the upload, and decompressing it again a part of the import's reading.
    EXTERNAL keeps the value out of line but as it is, so a CSV file takes three to four times the space it
    took compressed.
    """

    dependencies = [
        ("funding", "0016_amount_noise"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE funding_spendimport ALTER COLUMN content SET STORAGE EXTERNAL",
            "ALTER TABLE funding_spendimport ALTER COLUMN content SET STORAGE EXTENDED",
        ),
    ]
