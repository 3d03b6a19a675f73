"""A course's attempt and score policy per kind of item, over each item's own.

An exercise's manifest says how many attempts it allows and, for a question, which score it
keeps (`grader.quiz.base.Attempts`). An instructor may set, for the whole course and per kind
of item, instead:

- coding exercises: the attempt limit (a number, or none at all);
- questions: the number of answers that count, and which score the item keeps: the best, the
  last, or decreasing (the best of each answer's score times its attempt's share: 1, 0.75,
  0.5, then 0.25 for every later one, unless the item declares its own shares).

A question's answer stores the share it earned when it was given, so a change applies to
answers given from then on; which answer counts (best, last) is read when the score is.
"""

from __future__ import annotations

from grader.quiz.base import Attempts

MAX_QUIZ_ATTEMPTS = 20  # as grader.quiz.base.Attempts allows
MAX_CODE_ATTEMPTS = 100


def decreasing_credit(attempts: int) -> list[float]:
    """The course's shares when it makes an item decreasing: 1, 0.75, 0.5, 0.25, 0.25, ..."""
    return [max(0.25, 1 - 0.25 * i) for i in range(attempts)]


def code_attempt_limit(item_limit: int, course) -> int:
    """Charged submissions allowed before the due date (0: no limit)."""
    if course is None or course.code_attempts is None:
        return item_limit
    return int(course.code_attempts)


def quiz_policy(item_policy: dict, course) -> dict:
    """The item's attempt policy with the course's choices in place of its own."""
    if course is None or (course.quiz_attempts is None and not course.quiz_score):
        return item_policy
    policy = dict(item_policy)
    if course.quiz_attempts:
        policy["max"] = int(course.quiz_attempts)
    if course.quiz_score:
        policy["score"] = course.quiz_score
    if policy["score"] == "decreasing":
        own = item_policy.get("credit") if item_policy.get("score") == "decreasing" else None
        if own:
            # The item's own shares, cut or stretched (its last share repeats) to the course's count.
            policy["credit"] = [own[min(i, len(own) - 1)] for i in range(policy["max"])]
        else:
            policy["credit"] = decreasing_credit(policy["max"])
    else:
        policy["credit"] = None
    return Attempts.model_validate(policy).model_dump()
