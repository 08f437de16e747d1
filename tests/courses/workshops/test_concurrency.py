"""Places under load: real threads, each with its own database connection (PostgreSQL)."""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from courses.models import Enrollment, WorkshopDate, WorkshopRegistration
from tests.factories import UserFactory

Status = WorkshopRegistration.Status


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs row locks and parallel connections: runs in CI on PostgreSQL "
    "(SQLite serialises every write transaction anyway)",
)
@pytest.mark.django_db(transaction=True)
def test_30_concurrent_registrations_for_20_places(course, make_date):
    date = make_date(capacity=20)
    people = [UserFactory() for _ in range(30)]
    for person in people:
        Enrollment.objects.create(user=person, course=course)
    start = threading.Barrier(len(people))
    responses, errors = [], []

    def register(person):
        try:
            client = Client()
            client.force_login(person)
            start.wait(timeout=30)
            response = client.post(reverse("workshop_register", args=[date.pk]))
            responses.append(response.status_code)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert responses == [302] * 30  # back to the date page: no error page for anyone
    statuses = Counter(date.registrations.values_list("status", flat=True))
    assert statuses == {Status.REGISTERED: 20, Status.WAITLISTED: 10}
    queue = list(date.registrations.filter(status=Status.WAITLISTED).order_by("queued_at", "pk"))
    first_waiting = queue[0].user
    # A cancellation hands the place to the first in the queue.
    client = Client()
    holder = date.registrations.filter(status=Status.REGISTERED).first().user
    client.force_login(holder)
    client.post(reverse("workshop_cancel", args=[date.pk]))
    assert date.registrations.get(user=first_waiting).status == Status.REGISTERED
    assert (
        WorkshopDate.objects.get(pk=date.pk).registrations.filter(status=Status.REGISTERED).count()
        == 20
    )
