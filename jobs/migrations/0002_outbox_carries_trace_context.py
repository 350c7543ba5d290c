
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_outbox_executions_and_probes'),
    ]

    operations = [
        migrations.AddField(
            model_name='outboxmessage',
            name='traceparent',
            field=models.CharField(blank=True, max_length=55, verbose_name='trace context'),
        ),
    ]
