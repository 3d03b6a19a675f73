from django.contrib import admin

from submissions.models import QuizAnswer, Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "exercise", "student", "course", "status", "score", "max_score", "created_at"]
    list_filter = ["status", "course", "exercise"]
    readonly_fields = ["source", "report", "created_at", "started_at", "finished_at"]


@admin.register(QuizAnswer)
class QuizAnswerAdmin(admin.ModelAdmin):
    list_display = ["id", "exercise", "student", "course", "attempt", "score", "credit", "late", "created_at"]
    list_filter = ["course", "exercise", "late"]
