from django.contrib import admin

from similarity.models import Pair, Run


class PairInline(admin.TabularInline):
    model = Pair
    extra = 0
    fields = ("rank", "score", "submission_a", "submission_b", "regions_a", "regions_b")
    raw_id_fields = ("submission_a", "submission_b")
    readonly_fields = fields
    can_delete = False


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("course", "exercise", "status", "created_at", "finished_at", "compared")
    list_filter = ("status", "course")
    raw_id_fields = ("requested_by",)
    readonly_fields = ("created_at", "started_at", "finished_at", "compared", "skipped", "error")
    inlines = [PairInline]


@admin.register(Pair)
class PairAdmin(admin.ModelAdmin):
    list_display = ("run", "rank", "score", "submission_a", "submission_b")
    raw_id_fields = ("run", "submission_a", "submission_b")
