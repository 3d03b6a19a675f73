"""Admin for the catalog: for support, read mostly; the content itself comes from exercises/ by sync."""

from django.contrib import admin

from catalog.models import Exercise, ExerciseVersion, Lesson


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["slug", "order"]
    search_fields = ["slug"]
    ordering = ["order", "slug"]
    # Synced from lesson.toml and lesson.<lang>.md: an edit here would be undone by the next sync.
    readonly_fields = ["title", "summary", "body"]


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["slug", "lesson", "kind", "order", "active", "current_version"]
    list_filter = ["lesson", "kind", "active"]
    search_fields = ["slug"]
    ordering = ["lesson__order", "order", "slug"]
    list_select_related = ["lesson", "current_version__exercise"]
    readonly_fields = ["current_version"]


@admin.register(ExerciseVersion)
class ExerciseVersionAdmin(admin.ModelAdmin):
    list_display = ["exercise", "content_hash", "created_at"]
    list_filter = ["exercise__kind", "exercise__lesson"]
    search_fields = ["exercise__slug", "content_hash"]
    ordering = ["-created_at"]
    list_select_related = ["exercise"]
    readonly_fields = ["exercise", "content_hash", "data", "solution", "created_at"]
