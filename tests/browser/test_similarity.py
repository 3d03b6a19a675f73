"""The similarity pages in a browser: carla finds the ranked pair and sees the shared lines marked."""

from __future__ import annotations

import pytest

from similarity.models import Pair, Run
from submissions.models import Submission
from tests.browser import axe
from tests.browser.conftest import log_in, new_page, no_sideways_scroll, screenshot
from tests.conftest import SOLUTION, exercise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "softmax-temperature"
# A very long line too: it must scroll inside its box, never the page.
COPY = SOLUTION.replace("weights", "pesos").replace("shifted", "deslocado") + "\nNOTE = '" + "x" * 200 + "'\n"


def make_pair(course, alice, bob) -> Pair:
    from grader import similarity

    item = exercise(SLUG)
    subs = [
        Submission.objects.create(
            course=course, student=s, exercise=item, version=item.current_version, source=src, status="graded"
        )
        for s, src in ((alice, SOLUTION), (bob, COPY))
    ]
    found = similarity.compare(
        [similarity.Entry(str(s.pk), str(s.student_id), s.source) for s in subs], item.current_version.data["starter"]
    ).pairs[0]
    run = Run.objects.create(course=course, exercise=item, status=Run.Status.DONE, compared=2)
    a, b = (subs[0], subs[1]) if found.a == str(subs[0].pk) else (subs[1], subs[0])
    return Pair.objects.create(
        run=run,
        rank=1,
        submission_a=a,
        submission_b=b,
        score=found.score,
        regions_a=[list(r) for r in found.regions_a],
        regions_b=[list(r) for r in found.regions_b],
    )


def test_carla_opens_the_ranked_pair_and_sees_the_matching_lines(live_server, chromium, carla, alice, bob, course):
    pair = make_pair(course, alice, bob)
    for width, height, tag in ((1280, 900, "wide"), (390, 844, "phone")):
        page = new_page(chromium, width, height)
        log_in(page, live_server.url, "carla")
        page.goto(f"{live_server.url}/c/{course.slug}/")
        page.click("#similarity-link a")
        section = page.locator(f"#ex-{SLUG}")
        row = section.locator("table.sim-pairs tbody tr").first
        assert "alice" in row.inner_text() and "bob" in row.inner_text()
        assert f"{pair.score * 100:.1f}".replace(".", ",") + "%" in row.inner_text()
        assert axe.audit(page) == [], axe.describe({"index": axe.audit(page)})
        assert no_sideways_scroll(page) <= 0
        screenshot(page, f"similarity-index-{tag}")

        row.get_by_role("link").click()
        page.wait_for_load_state()
        marked = page.locator("table.sim-code tr.match")
        assert marked.count() > 0
        assert marked.first.is_visible()
        background = marked.first.locator("td").nth(1).evaluate("e => getComputedStyle(e).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
        first_line, _col, last_line, _end = pair.regions_a[0]
        said = f"{first_line}–{last_line}" if last_line > first_line else str(first_line)
        assert said in page.locator("#side-1-regions").inner_text()
        # The shared code itself is marked, to the token: the marks hold code, not whole empty rows.
        assert page.locator("table.sim-code mark").count() > 0
        assert all(m.strip() for m in page.locator("table.sim-code mark").all_inner_texts())
        assert axe.audit(page) == [], axe.describe({"pair": axe.audit(page)})
        assert no_sideways_scroll(page) <= 0
        if tag == "phone":  # stacked: the second submission is below the first
            first, second = (page.locator(f".sim-side >> nth={i}").bounding_box() for i in (0, 1))
            assert second["y"] >= first["y"] + first["height"]
        screenshot(page, f"similarity-pair-{tag}")
        page.context.close()


def test_the_page_shows_the_pairs_by_itself_when_the_computation_ends(live_server, chromium, carla, alice, bob, course):
    pair = make_pair(course, alice, bob)
    Run.objects.filter(pk=pair.run_id).update(status=Run.Status.RUNNING)  # the worker is still at it
    page = new_page(chromium)
    log_in(page, live_server.url, "carla")
    page.goto(f"{live_server.url}/c/{course.slug}/staff/similarity/")
    section = page.locator(f"#ex-{SLUG}")
    assert section.locator("button[disabled]").count() == 1
    assert section.locator("table.sim-pairs").count() == 0
    # What the worker writes when it finishes; the page polls, then shows the pairs, no reload by hand.
    Run.objects.filter(pk=pair.run_id).update(status=Run.Status.DONE)
    section.locator("table.sim-pairs").wait_for(timeout=15_000)
    assert "alice" in section.locator("table.sim-pairs").inner_text()
    assert section.locator("button[disabled]").count() == 0
