from django.contrib import admin

from courses.models import Course, CourseLesson, Enrollment


class CourseLessonInline(admin.TabularInline):
    model = CourseLesson
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["slug", "created_at"]
    inlines = [CourseLessonInline]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["course", "user", "role"]
    list_filter = ["course", "role"]
