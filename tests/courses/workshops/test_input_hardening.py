"""Odd input on the workshop forms (found by tests/security/test_fuzz_forms.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import WorkshopDate
from courses.workshops import services

pytestmark = pytest.mark.django_db


def _today(date):
    start = timezone.now() - timedelta(minutes=10)
    WorkshopDate.objects.filter(pk=date.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=3)
    )


@pytest.mark.parametrize(
    "next_url", ['"><img src=x onerror=alert(1)>', "account_profile", "lernbereich", ""]
)
def test_next_that_is_not_a_path_falls_back_to_the_date(client, learner, date, next_url):
    """redirect() looked anything without "/" up as a URL name: a 500 or an internal jump."""
    client.force_login(learner)
    response = client.post(reverse("workshop_register", args=[date.pk]), {"next": next_url})
    assert response.status_code == 302
    assert response.url == date.get_absolute_url()
    assert date.registrations.filter(user=learner).exists()


def test_local_next_path_is_still_followed(client, learner, date):
    client.force_login(learner)
    response = client.post(reverse("workshop_register", args=[date.pk]), {"next": "/lernbereich/"})
    assert response.url == "/lernbereich/"


@pytest.mark.parametrize("value", ["abc", "", " ", "1.0", "١", "-1", "9" * 30, "\x00"])
def test_walk_in_with_a_malformed_person_id_is_refused(client, trainer, date, value):
    """`User.objects.filter(pk="abc")` raised ValueError (a 500)."""
    _today(date)
    client.force_login(trainer)
    response = client.post(reverse("workshop_roster", args=[date.pk]), {"walk_in": value})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Diese Person gibt es nicht." in page
    assert not date.registrations.exists()


def test_walk_in_with_a_padded_id_still_works(client, trainer, learners, date):
    person = learners(1)[0]
    _today(date)
    client.force_login(trainer)
    client.post(reverse("workshop_roster", args=[date.pk]), {"walk_in": f" {person.pk} "})
    assert date.registrations.get(user=person).walk_in


@pytest.mark.parametrize("query", ["\x00", "Sp\x00ontan", "%_\\"])
def test_walk_in_search_with_nul_bytes_answers(client, trainer, learners, date, query):
    """PostgreSQL refused the NUL in the search parameter (DataError, a 500)."""
    services.register(user=learners(1)[0], date=date)
    _today(date)
    client.force_login(trainer)
    response = client.get(reverse("workshop_roster", args=[date.pk]), {"q": query})
    assert response.status_code == 200
