"""Admin for courses, their lessons and who is enrolled in which role."""

from django.contrib import admin

from courses.models import Course, CourseLesson, Enrollment, Extension


class CourseLessonInline(admin.TabularInline):
    model = CourseLesson
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["slug", "join_code", "created_at"]
    search_fields = ["slug", "join_code"]
    ordering = ["slug"]
    readonly_fields = ["created_at"]
    inlines = [CourseLessonInline]


@admin.register(CourseLesson)
class CourseLessonAdmin(admin.ModelAdmin):
    list_display = ["course", "lesson", "order", "due_at"]
    list_filter = ["course"]
    search_fields = ["course__slug", "lesson__slug"]
    ordering = ["course__slug", "order"]
    list_select_related = ["course", "lesson"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["course", "user", "role", "created_at"]
    list_filter = ["role", "course"]
    search_fields = ["user__username", "user__email", "course__slug"]
    ordering = ["course__slug", "user__username"]
    list_select_related = ["course", "user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ["course", "lesson", "student", "due_at", "by", "at"]
    list_filter = ["course"]
    search_fields = ["student__username", "course__slug", "lesson__slug", "reason"]
    ordering = ["course__slug", "lesson__slug", "student__username"]
    list_select_related = ["course", "lesson", "student", "by"]
    raw_id_fields = ["student", "by"]
    readonly_fields = ["at"]
