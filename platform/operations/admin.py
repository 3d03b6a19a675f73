from django.contrib import admin

from operations.models import Resend


@admin.register(Resend)
class ResendAdmin(admin.ModelAdmin):
    list_display = ["id", "submission", "previous_status", "published", "by", "created_at"]
    list_filter = ["previous_status", "published"]
    search_fields = ["=submission__id", "by__username"]
    raw_id_fields = ["submission", "by"]
    readonly_fields = ["submission", "by", "previous_status", "published", "created_at"]
    ordering = ["-created_at"]
