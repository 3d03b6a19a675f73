from django.contrib import admin

from catalog.models import Exercise, ExerciseVersion, Lesson


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["slug", "order"]


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["slug", "lesson", "kind", "order", "active"]
    list_filter = ["lesson", "kind", "active"]


@admin.register(ExerciseVersion)
class ExerciseVersionAdmin(admin.ModelAdmin):
    list_display = ["exercise", "content_hash", "created_at"]
    readonly_fields = ["exercise", "content_hash", "data", "created_at"]
