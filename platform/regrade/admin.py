from django.contrib import admin

from regrade.models import Regrade, RegradeItem


class RegradeItemInline(admin.TabularInline):
    model = RegradeItem
    extra = 0
    fields = ("student", "submission", "quiz_answer", "state", "old_score", "new_score", "new_status", "error")
    raw_id_fields = ("student", "submission", "quiz_answer")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Regrade)
class RegradeAdmin(admin.ModelAdmin):
    list_display = ("pk", "course", "exercise", "status", "total", "created_at", "applied_at")
    list_filter = ("status", "course")
    raw_id_fields = ("created_by", "applied_by", "version")
    readonly_fields = ("created_at", "applied_at", "cancelled_at", "total")
    inlines = [RegradeItemInline]


@admin.register(RegradeItem)
class RegradeItemAdmin(admin.ModelAdmin):
    list_display = ("pk", "regrade", "student", "state", "old_score", "new_score")
    list_filter = ("state",)
    raw_id_fields = ("regrade", "student", "submission", "quiz_answer")
    readonly_fields = ("new_report", "finished_at")
