"""When a lesson opens, when it is due for one student, and what late work is worth.

A lesson's due date is the class's, or a student's extension when they have one. After it,
the lesson's late policy decides: `closed` accepts nothing more, `practice` grades the work
but keeps it out of what counts, `penalty` counts it at a reduced share of its score,
losing `penalty_percent` per day late (a started day counts whole) for at most
`penalty_max_days` days; once nothing more can be earned, late work is practice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courses.models import CourseLesson, Extension

# Dates a course can have: wide enough for any term, narrow enough that converting to UTC and
# back never leaves the years Python and PostgreSQL both store (year 9999 became 10000 UTC).
DUE_YEARS = (2000, 2200)

DAY = timedelta(days=1)


def parse_local_datetime(typed: str) -> datetime:
    """What a datetime-local input posted, in the site's time zone; ValueError with a reason to show."""
    try:
        parsed = parse_datetime(typed.strip())
    except ValueError:  # well formed but impossible, as 2025-02-30
        raise ValueError(_("%(typed)s is not a real date") % {"typed": typed}) from None
    if parsed is None:
        raise ValueError(_("write the date and time as 2025-03-31 23:59"))
    if not DUE_YEARS[0] <= parsed.year <= DUE_YEARS[1]:
        raise ValueError(
            _("the year must be between %(first)d and %(last)d") % {"first": DUE_YEARS[0], "last": DUE_YEARS[1]}
        )
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def days_late(due: datetime, when: datetime) -> int:
    """Whole days after the due date, a started day counting whole (1 second late is 1 day)."""
    if when < due:
        return 0
    return max(1, math.ceil((when - due) / DAY))


def late_credit(percent_per_day: float, days: int) -> float:
    """The share of its score late work keeps: 1 − rate × days, never below 0."""
    return round(max(0.0, 1.0 - percent_per_day / 100 * days), 4)


@dataclass(frozen=True)
class Deadline:
    """One student's dates and late policy on one lesson of a course."""

    opens_at: datetime | None
    due: datetime | None  # the student's own: their extension's, else the lesson's
    class_due: datetime | None
    extended: bool
    policy: str
    percent: int
    max_days: int | None

    def is_open(self, when: datetime | None = None) -> bool:
        return self.opens_at is None or (when or timezone.now()) >= self.opens_at

    def is_past(self, when: datetime | None = None) -> bool:
        return self.due is not None and (when or timezone.now()) >= self.due

    def days_late(self, when: datetime | None = None) -> int:
        return days_late(self.due, when or timezone.now()) if self.due else 0

    def closed(self, when: datetime | None = None) -> bool:
        """Nothing is accepted any more (a student's work; staff always may try)."""
        return self.policy == CourseLesson.CLOSED and self.is_past(when)

    def credit(self, when: datetime | None = None) -> float:
        """The share of its score work sent now keeps: 1 on time, the penalty's when late, 0 when it does not count."""
        if not self.is_past(when):
            return 1.0
        if self.policy != CourseLesson.PENALTY:
            return 0.0
        days = self.days_late(when)
        if self.max_days is not None and days > self.max_days:
            return 0.0
        return late_credit(self.percent, days)

    def practice(self, when: datetime | None = None) -> bool:
        """Late work that is graded but does not count (and does not use an attempt)."""
        return self.is_past(when) and self.credit(when) == 0.0

    @property
    def credit_percent(self) -> int:
        """What work sent now keeps, in percent (for the pages)."""
        return round(self.credit() * 100)

    def statement(self) -> str:
        """The late policy as the student's pages state it, next to the due date."""
        if self.policy == CourseLesson.CLOSED:
            return _("After the due date nothing more is accepted.")
        if self.policy == CourseLesson.PENALTY:
            if self.max_days is not None:
                return _(
                    "Late work counts with %(percent)d%% less per day late (a started day counts whole), "
                    "for up to %(days)d days; after that it is practice."
                ) % {"percent": self.percent, "days": self.max_days}
            return _(
                "Late work counts with %(percent)d%% less per day late (a started day counts whole); "
                "once nothing is left to earn it is practice."
            ) % {"percent": self.percent}
        return _("Work after the due date is practice: graded and marked late, it does not count.")


def extension_due(course_id, lesson_id, student):
    """The student's own due date on a lesson of a course, as a one-column query (empty: none)."""
    return Extension.objects.filter(course_id=course_id, lesson_id=lesson_id, student=student).values_list(
        "due_at", flat=True
    )


def deadline_for(course_lesson: CourseLesson, student) -> Deadline:
    extended_to = None
    if student is not None and student.is_authenticated:
        if getattr(course_lesson, "extension_of", None) == student.pk:
            extended_to = course_lesson.extension_due  # kept with the row (courses.course_index)
        else:
            extended_to = extension_due(course_lesson.course_id, course_lesson.lesson_id, student).first()
    return Deadline(
        opens_at=course_lesson.opens_at,
        due=extended_to if extended_to is not None else course_lesson.due_at,
        class_due=course_lesson.due_at,
        extended=extended_to is not None,
        policy=course_lesson.late_policy,
        percent=course_lesson.penalty_percent,
        max_days=course_lesson.penalty_max_days,
    )


NO_DEADLINE = Deadline(None, None, None, False, CourseLesson.PRACTICE, 0, None)


def deadline_of(course, lesson_id: int, student) -> Deadline:
    """The student's deadline on a lesson of the course (none when the lesson is not in it)."""
    course_lesson = CourseLesson.objects.filter(course=course, lesson_id=lesson_id).first()
    return deadline_for(course_lesson, student) if course_lesson else NO_DEADLINE


def local_text(when: datetime | None) -> str:
    """A date as the pages print it, in the site's time zone."""
    return date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT") if when else ""
