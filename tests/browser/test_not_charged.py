"""A grading that fails on our side turns, in place, into an explained "not charged"."""

import pytest

from tests.browser.axe import audit
from tests.browser.conftest import log_in, new_page
from tests.conftest import SOLUTION, exercise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_page_explains_an_uncharged_attempt_when_it_arrives(live_server, chromium, alice, course):
    from submissions.models import Submission

    item = exercise("softmax-temperature")
    submission = Submission.objects.create(
        course=course,
        student=alice,
        exercise=item,
        version=item.current_version,
        source=SOLUTION,
        max_score=10,
        status="running",
    )
    page = new_page(chromium, 390, 844)
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/submissions/{submission.pk}/")
    assert page.locator("#not-charged").is_hidden()
    report = {"message": {"pt": "O corretor ficou indisponível.", "en": "The grader was unavailable."}, "checks": []}
    Submission.objects.filter(pk=submission.pk).update(status="sandbox_error", charged=False, score=0, report=report)
    page.wait_for_selector("#not-charged", state="visible")
    assert page.text_content("#status").strip() == "Corretor indisponível"
    assert "não por causa do seu código" in page.text_content("#not-charged")
    assert "O corretor ficou indisponível." in page.text_content("#message")
    assert not audit(page)
