"""An index on (team, id) for the team's way into its cases (issue 17: a list costs what the caller sees).

Built concurrently: the cases table is written all day and a national one holds hundreds of thousands of rows.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0013_person_name_search"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(fields=["team", "id"], include=["household"], name="case_team_id_idx"),
        ),
    ]
