"""What counts toward a student's score, in words, for the pages that show a score.

One statement for every page (dashboard, lesson, coding exercise, submission), built from what
decides the score: the course's attempt and score policy over each item's own
(`courses.policies`, read through `submissions.services`) and the late policy of the lessons in
question (`courses.deadlines.Deadline.statement`). A page passes the items and the deadlines it
shows; the statement says only what is true of all of them, and says so when they differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Exercise
from courses.deadlines import Deadline
from submissions import services


@dataclass(frozen=True)
class ScorePolicy:
    sentences: tuple[str, ...]
    # The lessons' late policies differ: the page states each one beside its lesson's due date.
    late_varies: bool = False

    def __str__(self) -> str:
        return " ".join(self.sentences)

    def __bool__(self) -> bool:
        return bool(self.sentences)


def _code_sentences(limits: set[int]) -> list[str]:
    sentences = [_("In a coding exercise, your best submission counts.")]
    if len(limits) > 1:
        sentences.append(_("The attempt limit differs per exercise."))
    elif limits == {0}:
        sentences.append(_("No limit on attempts."))
    else:
        (n,) = limits
        text = ngettext("Up to %(n)d attempt per exercise.", "Up to %(n)d attempts per exercise.", n)
        sentences.append(text % {"n": n})
    return sentences


def _quiz_sentences(policies: list[dict]) -> list[str]:
    rules = {p["score"] for p in policies}
    if len(rules) > 1:
        sentences = [_("Each question states which of its answers counts.")]
    elif rules == {"last"}:
        sentences = [_("In a question, your last answer counts.")]
    elif rules == {"decreasing"}:
        shares = {tuple(p["credit"]) for p in policies}
        if len(shares) == 1:
            (credit,) = shares
            text = " · ".join(f"{share:.0%}" for share in credit)
            sentences = [
                _("In a question, each later answer is worth less (%(shares)s of the points); the best counts.")
                % {"shares": text}
            ]
        else:
            sentences = [
                _("In a question, each later answer is worth less (the question shows how much); the best counts.")
            ]
    else:
        sentences = [_("In a question, your best answer counts.")]
    limits = {p["max"] for p in policies}
    if len(limits) > 1:
        sentences.append(_("The number of answers allowed differs per question."))
    else:
        (n,) = limits
        text = ngettext("Up to %(n)d answer per question.", "Up to %(n)d answers per question.", n)
        sentences.append(text % {"n": n})
    return sentences


def score_policy(course, exercises: Iterable[Exercise], deadlines: Iterable[Deadline] = ()) -> ScorePolicy:
    """What counts in `course` for these items, under these lessons' deadlines (theirs for one student).

    Reads nothing from the database beyond what the items already hold (their current version).
    """
    items = [e for e in exercises if e.current_version is not None]
    code_limits = {services.attempt_limit(e, course) for e in items if e.kind == Exercise.CODE}
    quiz_policies = [services.quiz_policy(e, course) for e in items if e.kind == Exercise.QUIZ]
    sentences: list[str] = []
    if code_limits:
        sentences += _code_sentences(code_limits)
    if quiz_policies:
        sentences += _quiz_sentences(quiz_policies)
    # Only a lesson with a due date has late work.
    late = list(dict.fromkeys(d.statement() for d in deadlines if d.due is not None))
    if len(late) > 1:
        sentences.append(_("Late work: each lesson states its own rule beside its due date."))
    elif late:
        sentences.append(late[0])
    return ScorePolicy(tuple(sentences), late_varies=len(late) > 1)
