"""The (case, id) index of contacts carries what the confidentiality rule reads (issue 17, item 1).

The API's contact list takes the newest 50 contacts of the cases the caller sees. Its page's keys are now
found before its rows are read (``common.api.pagination.KeysFirst``), but the rule on confidentiality still
read each candidate contact from the table: 25,553 rows, 17,000 pages, for a professional of the national
seed's busiest team. With the two columns in the index the keys come from the index alone.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0025_involvement_professional_index_covers_the_period"),
        ("organisations", "0008_team_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["case", "id"],
                include=("confidentiality", "author_organisation"),
                name="contact_case_id_conf_idx",
            ),
        ),
        migrations.RemoveIndex(model_name="contact", name="contact_case_id_idx"),
    ]
