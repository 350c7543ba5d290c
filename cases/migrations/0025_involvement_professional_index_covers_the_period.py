"""The (professional, case) index of involvements carries the period (issue 17, item 2).

"My caseload" and the access policy ask for a professional's involvements running today. The rows of one
professional lie scattered over the table, so checking the period read a heap page per row: 10 of the
caseload query's 23 ms at the municipality seed. With the dates in the index it reads the index alone
(9 ms for the query).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0024_search_indexes_for_restricting_first"),
        ("organisations", "0008_team_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="involvement",
            name="involvement_professional_idx",
        ),
        migrations.AddIndex(
            model_name="involvement",
            index=models.Index(
                fields=["professional", "case"], include=("start_date", "end_date"), name="involvement_professional_idx"
            ),
        ),
    ]
