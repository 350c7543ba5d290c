"""Load the full iStandaarden product category lists (iWmo WMO020, iJw JZ020) instead of the first three codes."""

from django.db import migrations

from funding.reference import load


def seed(apps, schema_editor):
    load(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0014_blockage_reason_beneficiary_left"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
