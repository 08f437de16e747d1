"""Koordination takes one person off a date: their place (also after the deadline) or their
waiting-list entry; the person is told why, the place goes to the waiting list."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from courses.models import WorkshopDate, WorkshopRegistration
from courses.workshops import services
from courses.workshops.services import WorkshopError

Status = WorkshopRegistration.Status

pytestmark = pytest.mark.django_db
worker_test = pytest.mark.django_db(transaction=True)  # the real worker sends the e-mails


def _url(registration) -> str:
    return reverse(
        "workshop_release_place",
        kwargs={"date_id": registration.date_id, "registration_id": registration.pk},
    )


@pytest.fixture
def full_date(make_date, learners):
    """One place, taken; two people waiting; the deadline for cancelling has passed."""
    date = make_date(capacity=1, cancellation_deadline=timezone.now() + timedelta(minutes=1))
    people = learners(3)
    registrations = [services.register(user=person, date=date) for person in people]
    WorkshopDate.objects.filter(pk=date.pk).update(
        cancellation_deadline=timezone.now() - timedelta(minutes=1)
    )
    date.refresh_from_db()
    return date, registrations


@worker_test
def test_releasing_a_place_tells_the_person_and_promotes_the_waiting_list(
    full_date, coordinator, django_capture_on_commit_callbacks, run_tasks
):
    date, (holder, first_waiting, second_waiting) = full_date
    run_tasks()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        released = services.release_place(
            date=date,
            registration_id=holder.pk,
            released_by=coordinator,
            reason="Krank gemeldet <b>am Telefon</b>",
        )
    run_tasks()

    assert released.status == Status.CANCELLED and released.cancelled_at is not None
    statuses = dict(date.registrations.values_list("pk", "status"))
    assert statuses == {
        holder.pk: Status.CANCELLED,
        first_waiting.pk: Status.REGISTERED,
        second_waiting.pk: Status.WAITLISTED,
    }
    by_person = {message.to[0]: message for message in mail.outbox}
    assert set(by_person) == {holder.user.email, first_waiting.user.email}
    told = by_person[holder.user.email]
    assert told.subject == "Anmeldung storniert: Praxistag Übergangsmodell"
    assert "Grund: Krank gemeldet <b>am Telefon</b>" in told.body  # plain text as written
    html = told.alternatives[0][0]
    assert "Krank gemeldet &lt;b&gt;am Telefon&lt;/b&gt;" in html and "<b>am" not in html
    assert told.attachments  # the calendar entry is withdrawn
    entry = ModelLogEntry.objects.get(action="lms.release_place")
    assert entry.user_id == coordinator.pk
    assert entry.data["reason"] == "Krank gemeldet <b>am Telefon</b>"


def test_releasing_a_waiting_list_entry_promotes_nobody(full_date, coordinator):
    date, (holder, first_waiting, second_waiting) = full_date
    services.release_place(
        date=date, registration_id=second_waiting.pk, released_by=coordinator, reason="Doppelt"
    )
    statuses = dict(date.registrations.values_list("pk", "status"))
    assert statuses == {
        holder.pk: Status.REGISTERED,
        first_waiting.pk: Status.WAITLISTED,
        second_waiting.pk: Status.CANCELLED,
    }


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Bitte geben Sie einen Grund an"), ("x" * 501, "höchstens 500 Zeichen")],
)
def test_a_reason_is_required_and_bounded(full_date, coordinator, reason, message):
    date, (holder, *_) = full_date
    with pytest.raises(WorkshopError, match=message):
        services.release_place(
            date=date, registration_id=holder.pk, released_by=coordinator, reason=reason
        )
    assert date.registrations.get(pk=holder.pk).status == Status.REGISTERED


@pytest.mark.parametrize("who", ["trainer", "provider_coordinator", "participant"])
def test_only_the_coordination_may_release(full_date, who, request):
    date, (holder, *_) = full_date
    with pytest.raises(WorkshopError, match="Nur die Koordination"):
        services.release_place(
            date=date,
            registration_id=holder.pk,
            released_by=request.getfixturevalue(who),
            reason="Versuch",
        )
    assert date.registrations.get(pk=holder.pk).status == Status.REGISTERED


def test_twice_or_after_the_start_is_refused_and_changes_nothing(full_date, coordinator):
    date, (holder, first_waiting, _) = full_date
    services.release_place(
        date=date, registration_id=holder.pk, released_by=coordinator, reason="Krank"
    )
    with pytest.raises(WorkshopError, match="nicht mehr angemeldet"):
        services.release_place(
            date=date, registration_id=holder.pk, released_by=coordinator, reason="Krank"
        )
    start = timezone.now() - timedelta(minutes=5)
    WorkshopDate.objects.filter(pk=date.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=4)
    )
    date.refresh_from_db()
    with pytest.raises(WorkshopError, match="bereits begonnen"):
        services.release_place(
            date=date, registration_id=first_waiting.pk, released_by=coordinator, reason="x"
        )
    assert date.registrations.get(pk=first_waiting.pk).status == Status.REGISTERED
    assert ModelLogEntry.objects.filter(action="lms.release_place").count() == 1


def test_a_registration_of_another_date_is_not_found(full_date, make_date, coordinator, learners):
    date, _ = full_date
    elsewhere = services.register(user=learners(1)[0], date=make_date(title="Anderer Termin"))
    with pytest.raises(WorkshopError, match="gibt es nicht"):
        services.release_place(
            date=date, registration_id=elsewhere.pk, released_by=coordinator, reason="x"
        )
    assert WorkshopRegistration.objects.get(pk=elsewhere.pk).status == Status.REGISTERED


# --- The pages ---------------------------------------------------------------------------


def test_coordination_releases_a_place_from_the_roster(client, full_date, coordinator):
    date, (holder, first_waiting, _) = full_date
    client.force_login(coordinator)
    roster = client.get(reverse("workshop_roster", kwargs={"date_id": date.pk})).content.decode()
    assert _url(holder) in roster and _url(first_waiting) in roster

    page = client.get(_url(holder))
    assert page.status_code == 200
    assert holder.user.get_full_name() in page.content.decode()

    refused = client.post(_url(holder), {"reason": "  "})
    assert (
        refused.status_code == 200 and "Bitte geben Sie einen Grund an." in refused.content.decode()
    )
    assert WorkshopRegistration.objects.get(pk=holder.pk).status == Status.REGISTERED

    done = client.post(_url(holder), {"reason": "Krank gemeldet"}, follow=True)
    assert "ist storniert" in done.content.decode()
    assert WorkshopRegistration.objects.get(pk=holder.pk).status == Status.CANCELLED
    again = client.post(_url(holder), {"reason": "Krank gemeldet"}, follow=True)
    assert "nicht mehr angemeldet" in again.content.decode()


@pytest.mark.parametrize(("who", "status"), [("trainer", 403), ("participant", 403)])
def test_others_cannot_release(client, full_date, who, status, request):
    date, (holder, *_) = full_date
    person = request.getfixturevalue(who)
    client.force_login(person)
    assert client.get(_url(holder)).status_code == status
    assert client.post(_url(holder), {"reason": "x"}).status_code == status
    assert WorkshopRegistration.objects.get(pk=holder.pk).status == Status.REGISTERED


def test_the_roster_offers_no_release_to_trainers(client, full_date, trainer):
    date, (holder, *_) = full_date
    client.force_login(trainer)
    roster = client.get(reverse("workshop_roster", kwargs={"date_id": date.pk}))
    assert roster.status_code == 200 and _url(holder) not in roster.content.decode()


def test_a_tampered_address_is_a_404(client, full_date, make_date, coordinator):
    date, (holder, *_) = full_date
    other = make_date(title="Anderer Termin")
    client.force_login(coordinator)
    url = reverse(
        "workshop_release_place", kwargs={"date_id": other.pk, "registration_id": holder.pk}
    )
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert WorkshopRegistration.objects.get(pk=holder.pk).status == Status.REGISTERED


def test_on_the_day_before_the_start_the_attendance_list_offers_it_too(
    client, full_date, coordinator
):
    date, (holder, first_waiting, _) = full_date
    start = timezone.now() + timedelta(minutes=30)  # today: the attendance form is open
    WorkshopDate.objects.filter(pk=date.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=3)
    )
    client.force_login(coordinator)
    roster = client.get(reverse("workshop_roster", kwargs={"date_id": date.pk})).content.decode()
    assert 'name="all_present"' in roster  # the attendance form, not the plain list
    assert _url(holder) in roster and _url(first_waiting) in roster


def test_taking_someone_off_the_waiting_list_says_so(client, full_date, coordinator):
    date, (_, first_waiting, _) = full_date
    client.force_login(coordinator)
    page = client.post(_url(first_waiting), {"reason": "Doppelt angemeldet"}, follow=True)
    text = page.content.decode()
    assert "steht nicht mehr auf der Warteliste und erhält eine E-Mail." in text
    assert "ein freier Platz geht" not in text


def test_an_empty_post_shows_the_missing_reason(client, full_date, coordinator):
    date, (holder, *_) = full_date
    client.force_login(coordinator)
    page = client.post(_url(holder), {})
    assert page.status_code == 200 and "Bitte geben Sie einen Grund an." in page.content.decode()
    assert WorkshopRegistration.objects.get(pk=holder.pk).status == Status.REGISTERED
