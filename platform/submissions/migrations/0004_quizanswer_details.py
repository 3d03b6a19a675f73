from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0003_late_and_hints"),
    ]

    operations = [
        migrations.AddField(
            model_name="quizanswer",
            name="details",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
