import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from certificates.models import Certificate
from tests.certificates.conftest import complete_course
from tests.factories import build_course

CONCURRENT_REQUESTS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issue_requests_give_one_certificate(participant, coordinator):
    """On PostgreSQL, 20 simultaneous clicks on "ausstellen" end in one certificate, no 500."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers anyway")
    course = build_course(title="Fachkraft Leaving Care", modules=1, lessons_per_module=1)
    enrollment = complete_course(user=participant, course=course)
    url = reverse("certificates_eligible:issue_one", args=[enrollment.pk])
    barrier = threading.Barrier(CONCURRENT_REQUESTS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def click():
        try:
            client = Client(raise_request_exception=True)
            client.force_login(coordinator)
            barrier.wait()
            statuses.append(client.post(url).status_code)
        except BaseException as error:  # collected and re-raised in the test thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(CONCURRENT_REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert statuses == [302] * CONCURRENT_REQUESTS
    assert Certificate.objects.filter(user=participant, course=course).count() == 1
