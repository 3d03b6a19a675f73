from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.sync import sync_exercises
from grader.content import InvalidContent


class Command(BaseCommand):
    help = "Validate exercises/ and load it into the catalog, keeping earlier versions."

    def add_arguments(self, parser):
        parser.add_argument("root", nargs="?", default=settings.GRADER_EXERCISES_DIR)

    def handle(self, *args, root, **options):
        try:
            result = sync_exercises(Path(root))
        except InvalidContent as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} error(s) in {root}; nothing was loaded") from exc
        self.stdout.write(
            f"exercises: {len(result.created)} new, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged, {len(result.retired)} retired"
        )
        self.stdout.write(
            f"lessons: {len(result.lessons_created)} new, {len(result.lessons_updated)} updated, "
            f"{len(result.lessons_unchanged)} unchanged"
        )
