"""The one place quiz item types are registered.

A type listed here is validated (its `Spec` joins the manifest's union on
`quiz.type`), graded, shown on its page and proven by the selftest. To add one,
copy a sibling module, give it a new `name`, and add it below (docs/authoring.md).
"""

from __future__ import annotations

from grader.quiz.base import ItemType
from grader.quiz.free_text import FreeText
from grader.quiz.list_answer import ListAnswer
from grader.quiz.matching import Matching
from grader.quiz.multiple_choice import MultipleChoice
from grader.quiz.numeric import Numeric
from grader.quiz.ordering import Ordering, Parsons
from grader.quiz.short_answer import ShortAnswer
from grader.quiz.single_choice import SingleChoice

TYPES: dict[str, ItemType] = {
    item.name: item
    for item in (
        FreeText(),
        Numeric(),
        SingleChoice(),
        MultipleChoice(),
        Ordering(),
        Parsons(),
        Matching(),
        ShortAnswer(),
        ListAnswer(),
    )
}


def item_type(name: str) -> ItemType:
    """The type of an item by its `quiz.type`; KeyError for one that is not registered."""
    return TYPES[name]
