from django.contrib import admin

from review.models import RegradeRequest, ScoreChange


@admin.register(ScoreChange)
class ScoreChangeAdmin(admin.ModelAdmin):
    list_display = ["id", "at", "kind", "exercise", "student", "course", "old_score", "new_score", "by"]
    list_filter = ["kind", "course"]
    search_fields = ["student__username", "exercise__slug", "reason"]
    raw_id_fields = ["submission", "quiz_answer", "student", "by"]
    # The audit trail is appended to by the review pages, never edited afterwards.
    readonly_fields = ["at"]


@admin.register(RegradeRequest)
class RegradeRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "state", "exercise", "student", "course", "answered_by", "answered_at"]
    list_filter = ["state", "course"]
    search_fields = ["student__username", "exercise__slug", "message"]
    raw_id_fields = ["submission", "quiz_answer", "student", "answered_by"]
