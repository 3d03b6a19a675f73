import secrets

from django.db import migrations, models

ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"


def give_codes(apps, schema_editor):
    """Courses made before join codes get one each, so their instructors can share it."""
    Course = apps.get_model("courses", "Course")
    for course in Course.objects.filter(join_code__isnull=True):
        course.join_code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        course.save(update_fields=["join_code"])


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="join_code",
            field=models.CharField(blank=True, max_length=16, null=True, unique=True),
        ),
        migrations.RunPython(give_codes, migrations.RunPython.noop),
    ]
