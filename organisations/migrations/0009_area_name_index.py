"""Areas by name: the dashboard's neighbourhood table in the order of names reads one page of buurten (issue 17)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0008_team_history"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="area",
            index=models.Index(fields=["name", "code"], name="area_name_code_idx"),
        ),
    ]
