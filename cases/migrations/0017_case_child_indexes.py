from django.db import migrations, models


class Migration(migrations.Migration):
    """From the caller's visible cases to their rows, in the API lists' order (issue 17, item 1).

    ``privacy.policy.case_condition`` filters a child list by ``case_id IN (visible cases)``; with an
    index on (case, id) each visible case's rows are read from the index in id order, bounded by the
    cursor, instead of walking the whole table by primary key.
    """

    dependencies = [("cases", "0016_duplicate_review_and_merge")]

    operations = [
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["case", "id"], name="action_case_id_idx"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["case", "id"], name="contact_case_id_idx"),
        ),
        migrations.AddIndex(
            model_name="involvement",
            index=models.Index(fields=["case", "id"], name="involvement_case_id_idx"),
        ),
    ]
