"""submissions.services.lock_enrollment: a student's work in a course is written under a lock on
their enrolment row, so two quick clicks cannot both take the last attempt."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from courses.models import Enrollment
from submissions.services import lock_enrollment


@pytest.mark.django_db
def test_the_lock_reads_the_row_for_update_where_the_database_can(alice, course):
    enrollment = Enrollment.objects.get(user=alice, course=course)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        lock_enrollment(enrollment)
    (sql,) = [q["sql"] for q in captured.captured_queries if "courses_enrollment" in q["sql"]]
    assert str(enrollment.pk) in sql
    assert ("FOR UPDATE" in sql) is connection.features.has_select_for_update


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not connection.features.has_select_for_update, reason="SQLite has no row locks (it locks the file on a write)"
)
def test_a_second_transaction_waits_for_the_first_to_end(alice, course):
    enrollment = Enrollment.objects.get(user=alice, course=course)
    held = threading.Event()
    at: dict[str, float] = {}

    def first():
        with transaction.atomic():
            lock_enrollment(enrollment)
            held.set()
            time.sleep(0.3)
            at["first_ends"] = time.monotonic()  # its commit comes after this
        connections.close_all()

    def second():
        held.wait(10)
        with transaction.atomic():
            lock_enrollment(enrollment)
            at["second_holds"] = time.monotonic()
        connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert at["second_holds"] > at["first_ends"], at
