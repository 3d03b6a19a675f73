"""Admin for attempts, hints and drafts: what a student sent and what the grader said is read-only."""

from django.contrib import admin

from submissions.models import Draft, HintReveal, QuizAnswer, Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "exercise", "student", "course", "queue", "status", "score", "max_score", "created_at"]
    list_filter = ["status", "queue", "charged", "late", "course", "exercise"]
    search_fields = ["=id", "student__username", "exercise__slug"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    list_select_related = ["exercise", "student", "course"]
    raw_id_fields = ["student", "version"]
    readonly_fields = ["source", "report", "created_at", "started_at", "finished_at"]


@admin.register(QuizAnswer)
class QuizAnswerAdmin(admin.ModelAdmin):
    list_display = ["id", "exercise", "student", "course", "attempt", "score", "credit", "late", "created_at"]
    list_filter = ["course", "exercise", "late", "correct", "provisional"]
    search_fields = ["=id", "student__username", "exercise__slug"]
    ordering = ["-created_at"]
    list_select_related = ["exercise", "student", "course"]
    raw_id_fields = ["student", "version"]
    readonly_fields = ["answer", "params", "feedback", "details", "explanation", "created_at"]


@admin.register(HintReveal)
class HintRevealAdmin(admin.ModelAdmin):
    list_display = ["id", "exercise", "student", "course", "index", "created_at"]
    list_filter = ["course", "exercise"]
    search_fields = ["student__username", "exercise__slug"]
    ordering = ["-created_at"]
    list_select_related = ["exercise", "student", "course"]
    raw_id_fields = ["student"]
    readonly_fields = ["created_at"]


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["id", "exercise", "student", "course", "updated_at"]
    list_filter = ["course", "exercise"]
    search_fields = ["student__username", "exercise__slug"]
    ordering = ["-updated_at"]
    list_select_related = ["exercise", "student", "course"]
    raw_id_fields = ["student"]
    readonly_fields = ["source", "updated_at"]
