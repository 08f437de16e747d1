"""The Wagtail admin viewset: trainers manage their own dates, the coordination all of them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from courses.models import WorkshopDate
from courses.workshops import services

pytestmark = pytest.mark.django_db
# The real worker calls close_old_connections(), which closes a PostgreSQL connection that is
# inside a test transaction; tests that run it therefore use real transactions.
worker_test = pytest.mark.django_db(transaction=True)


def _form_data(course, module, **overrides):
    start = timezone.localtime(timezone.now() + timedelta(days=20)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    data = {
        "course": course.pk,
        "module": module.pk,
        "title": "Praxistag Fachstandard",
        "starts_at": start.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (start + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M"),
        "location": "Jugendamt Hildesheim",
        "room": "Raum 2.14",
        "online_url": "",
        "capacity": "16",
        "registration_deadline": "",
        "cancellation_deadline": "",
        "reminder_days": "3",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["trainer", "coordinator"])
def test_staff_reach_the_list(client, request, date, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("workshop_dates:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Praxistag Übergangsmodell" in page
    assert reverse("workshop_roster", args=[date.pk]) in page


@pytest.mark.parametrize("who", ["participant", "provider_coordinator"])
def test_others_do_not(client, request, date, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("workshop_dates:index"))
    assert response.status_code in (302, 403)


def test_a_trainer_sees_and_edits_only_their_own_dates(client, date, other_trainer):
    client.force_login(other_trainer)
    assert (
        "Praxistag Übergangsmodell"
        not in client.get(reverse("workshop_dates:index")).content.decode()
    )
    for view in ("edit", "history", "copy", "delete"):
        response = client.get(reverse(f"workshop_dates:{view}", args=[date.pk]))
        assert response.status_code in (302, 403, 404), view
        assert "Praxistag Übergangsmodell" not in response.content.decode()


def test_filters_narrow_the_list(client, coordinator, make_date):
    make_date(title="Kommender Termin")
    make_date(title="Vergangener Termin", module=None, starts_at=timezone.now() - timedelta(days=3))
    client.force_login(coordinator)
    page = client.get(reverse("workshop_dates:index"), {"period": "upcoming"}).content.decode()
    assert "Kommender Termin" in page and "Vergangener Termin" not in page


def test_a_trainer_creates_a_date_and_leads_it(client, trainer, course, module):
    client.force_login(trainer)
    response = client.post(reverse("workshop_dates:add"), _form_data(course, module))
    assert response.status_code == 302, response.content.decode()[:3000]
    date = WorkshopDate.objects.get()
    assert list(date.trainers.all()) == [trainer]
    assert timezone.localtime(date.starts_at).hour == 9


def test_module_of_another_course_is_refused(client, coordinator, course, home_page):
    from tests.factories import build_course

    other = build_course(title="Anderer Kurs", modules=1)
    client.force_login(coordinator)
    response = client.post(
        reverse("workshop_dates:add"), _form_data(course, other.get_modules().first())
    )
    assert response.status_code == 200
    assert "Das Modul gehört nicht zu diesem Kurs." in response.content.decode()
    assert not WorkshopDate.objects.exists()


def test_capacity_below_registered_is_refused_in_the_form(
    client, coordinator, course, module, make_date, learners
):
    date = make_date(capacity=3)
    for person in learners(3):
        services.register(user=person, date=date)
    client.force_login(coordinator)
    response = client.post(
        reverse("workshop_dates:edit", args=[date.pk]), _form_data(course, module, capacity="2")
    )
    assert response.status_code == 200
    assert "bereits 3 Personen angemeldet" in response.content.decode()
    date.refresh_from_db()
    assert date.capacity == 3


def test_editing_the_time_in_the_admin_tells_the_registered(
    client, coordinator, course, module, date, learner, django_capture_on_commit_callbacks
):
    services.register(user=learner, date=date)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("workshop_dates:edit", args=[date.pk]),
            _form_data(course, module, trainers=[date.trainers.get().pk]),
        )
    assert response.status_code == 302
    date.refresh_from_db()
    assert date.sequence == 1
    assert len(callbacks) >= 1  # the change e-mail is queued for after the commit


@worker_test
def test_coordination_cancels_a_date_in_the_admin(
    client, coordinator, date, learner, django_capture_on_commit_callbacks, run_tasks
):
    services.register(user=learner, date=date)
    run_tasks()  # what earlier steps queued
    mail.outbox.clear()
    client.force_login(coordinator)
    url = reverse("workshop_dates:cancel", args=[date.pk])
    assert "wirklich absagen" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Raum nicht verfügbar"})
    assert response.status_code == 302
    run_tasks()
    date.refresh_from_db()
    assert date.status == WorkshopDate.Status.CANCELLED
    assert [m.subject for m in mail.outbox] == ["Abgesagt: Praxistag Übergangsmodell"]


def test_trainers_cannot_cancel_dates(client, trainer, date):
    client.force_login(trainer)
    url = reverse("workshop_dates:cancel", args=[date.pk])
    assert client.get(url).status_code in (302, 403)  # the admin turns 403 into a redirect
    client.post(url, {"reason": "x"})
    date.refresh_from_db()
    assert date.status == WorkshopDate.Status.SCHEDULED


def test_dates_with_registrations_are_cancelled_not_deleted(client, coordinator, date, learner):
    services.register(user=learner, date=date)
    client.force_login(coordinator)
    response = client.post(reverse("workshop_dates:delete", args=[date.pk]), follow=True)
    assert "Bitte sagen Sie ihn ab" in response.content.decode()
    assert WorkshopDate.objects.filter(pk=date.pk).exists()


def test_copying_a_date_makes_a_new_one(client, trainer, course, module, date):
    client.force_login(trainer)
    url = reverse("workshop_dates:copy", args=[date.pk])
    assert "Praxistag Übergangsmodell" in client.get(url).content.decode()
    response = client.post(url, _form_data(course, module, title="Alternativtermin"))
    assert response.status_code == 302
    copy = WorkshopDate.objects.get(title="Alternativtermin")
    assert copy.uid != date.uid and copy.sequence == 0
    assert WorkshopDate.objects.get(pk=date.pk).title == "Praxistag Übergangsmodell"
    assert list(copy.trainers.all()) == [trainer]
