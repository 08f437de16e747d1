from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from courses import services as learning
from courses.attendance import attended_dates, attended_module_ids
from courses.models import (
    AttendanceChange,
    Enrollment,
    LessonPage,
    WorkshopDate,
    WorkshopRegistration,
)
from courses.progress import ModuleStatus, course_progress
from courses.workshops import services
from courses.workshops.services import WorkshopError
from tests.factories import UserFactory

Status = WorkshopRegistration.Status
Attendance = WorkshopRegistration.Attendance

pytestmark = pytest.mark.django_db
# The real worker calls close_old_connections(), which closes a PostgreSQL connection that is
# inside a test transaction; tests that run it therefore use real transactions.
worker_test = pytest.mark.django_db(transaction=True)


def _sent(run_tasks):
    """Run the queued e-mail tasks with the real worker; return the sent messages."""
    run_tasks()
    return list(mail.outbox)


def _ics(message) -> Calendar:
    (name, content, mimetype), *_ = message.attachments
    assert name == "termin.ics" and mimetype == "text/calendar"
    return Calendar.from_ical(content)


def _start_today(date):
    """Pretend the date is today (attendance is recorded from the day of the date on)."""
    start = timezone.now() - timedelta(minutes=30)
    WorkshopDate.objects.filter(pk=date.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=4)
    )
    date.refresh_from_db()
    return date


# --- Registration -----------------------------------------------------------------------


@worker_test
def test_register_gives_a_place_and_sends_confirmation_with_calendar_entry(
    learner, date, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register(user=learner, date=date)

    assert registration.status == Status.REGISTERED
    (message,) = _sent(run_tasks)
    assert message.to == [learner.email]
    assert message.subject == "Anmeldung bestätigt: Praxistag Übergangsmodell"
    assert "Sie sind für diesen Präsenztermin angemeldet" in message.body
    assert "Raum 2.14" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Guten Tag" in html
    calendar = _ics(message)
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]).startswith(str(date.uid))
    assert event["SEQUENCE"] == 0


@worker_test
def test_full_date_puts_people_on_the_waiting_list_in_order(
    learners, make_date, django_capture_on_commit_callbacks, run_tasks
):
    date = make_date(capacity=2)
    first, second, third, fourth = learners(4)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [services.register(user=u, date=date).status for u in (first, second, third)]
        services.register(user=fourth, date=date)
    assert statuses == [Status.REGISTERED, Status.REGISTERED, Status.WAITLISTED]

    messages = _sent(run_tasks)
    waitlisted = [m for m in messages if m.to == [fourth.email]][0]
    assert waitlisted.subject.startswith("Warteliste:")
    assert "Platz 2 der Warteliste" in waitlisted.body
    assert not waitlisted.attachments


@worker_test
def test_cancellation_promotes_the_first_waiting_person_and_tells_them(
    learners, make_date, django_capture_on_commit_callbacks, run_tasks
):
    date = make_date(capacity=1)
    holder, first_waiting, second_waiting = learners(3)
    for person in (holder, first_waiting, second_waiting):
        services.register(user=person, date=date)
    run_tasks()  # what earlier steps queued
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(user=holder, date=date)
    messages = _sent(run_tasks)

    statuses = dict(date.registrations.values_list("user_id", "status"))
    assert statuses == {
        holder.pk: Status.CANCELLED,
        first_waiting.pk: Status.REGISTERED,
        second_waiting.pk: Status.WAITLISTED,
    }
    by_person = {message.to[0]: message for message in messages}
    assert set(by_person) == {holder.email, first_waiting.email}
    promoted = by_person[first_waiting.email]
    assert promoted.subject == "Sie haben einen Platz: Praxistag Übergangsmodell"
    assert "von der Warteliste nachgerückt" in promoted.body
    assert _ics(promoted)["METHOD"] == "REQUEST"
    confirmation = _ics(by_person[holder.email])
    assert confirmation["METHOD"] == "CANCEL"
    (event,) = confirmation.walk("VEVENT")
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1


def test_leaving_the_waiting_list_promotes_nobody(learners, make_date):
    date = make_date(capacity=1)
    holder, waiting = learners(2)
    services.register(user=holder, date=date)
    services.register(user=waiting, date=date)
    services.cancel_registration(user=waiting, date=date)
    assert date.registrations.get(user=holder).status == Status.REGISTERED
    assert date.registrations.get(user=waiting).status == Status.CANCELLED


def test_re_registering_after_cancelling_joins_the_end_of_the_queue(learners, make_date):
    date = make_date(capacity=1)
    first, second, third = learners(3)
    services.register(user=first, date=date)
    services.register(user=second, date=date)
    services.cancel_registration(user=second, date=date)
    services.register(user=third, date=date)
    again = services.register(user=second, date=date)
    assert again.status == Status.WAITLISTED and again.revision == 2
    assert services.waitlist_position(again) == 2


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("twice", "Sie sind für diesen Termin bereits angemeldet."),
        ("past", "Dieser Termin hat bereits stattgefunden"),
        ("deadline", "Die Anmeldefrist für diesen Termin ist am"),
        ("not_enrolled", "Sie sind in den Kurs „Fachkraft Leaving Care“ nicht eingeschrieben."),
        ("withdrawn", "nicht eingeschrieben"),
        ("cancelled_date", "Dieser Termin wurde abgesagt."),
        ("other_date_of_module", "bereits für einen anderen Termin dieses Moduls angemeldet"),
    ],
)
def test_refused_registrations_say_why_and_change_nothing(
    participant, course, make_date, enrol, setup, message
):
    now = timezone.now()
    date = make_date()
    if setup != "not_enrolled":
        enrol(participant, course)
    if setup == "twice":
        services.register(user=participant, date=date)
    elif setup == "past":
        date = make_date(starts_at=now - timedelta(days=1))
    elif setup == "deadline":
        date = make_date(registration_deadline=now - timedelta(hours=1))
    elif setup == "withdrawn":
        Enrollment.objects.filter(user=participant).update(status=Enrollment.Status.WITHDRAWN)
    elif setup == "cancelled_date":
        date.status = WorkshopDate.Status.CANCELLED
        date.save()
    elif setup == "other_date_of_module":
        services.register(user=participant, date=make_date(title="Alternativtermin"))
    before = list(WorkshopRegistration.objects.values_list("pk", "status", "revision"))

    with pytest.raises(WorkshopError, match=message):
        services.register(user=participant, date=date)
    assert list(WorkshopRegistration.objects.values_list("pk", "status", "revision")) == before


def test_cancelling_after_the_deadline_is_refused(learner, make_date):
    date = make_date(cancellation_deadline=timezone.now() + timedelta(minutes=1))
    services.register(user=learner, date=date)
    WorkshopDate.objects.filter(pk=date.pk).update(
        cancellation_deadline=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(WorkshopError, match="Die Abmeldefrist ist am .* abgelaufen"):
        services.cancel_registration(user=learner, date=date)
    assert date.registrations.get().status == Status.REGISTERED


def test_cancelling_without_registration_is_refused(learner, date):
    with pytest.raises(WorkshopError, match="nicht angemeldet"):
        services.cancel_registration(user=learner, date=date)


# --- Changing and cancelling dates ----------------------------------------------------------


@worker_test
def test_moving_a_date_tells_everyone_and_updates_their_calendar(
    learners, make_date, coordinator, django_capture_on_commit_callbacks, run_tasks
):
    date = make_date(capacity=1)
    holder, waiting = learners(2)
    services.register(user=holder, date=date)
    services.register(user=waiting, date=date)
    run_tasks()  # what earlier steps queued
    mail.outbox.clear()

    date.starts_at += timedelta(days=7)
    date.ends_at += timedelta(days=7)
    date.room = "Raum 3.01"
    with django_capture_on_commit_callbacks(execute=True):
        change = services.save_workshop_date(date=date, changed_by=coordinator)
    messages = {m.to[0]: m for m in _sent(run_tasks)}

    date.refresh_from_db()
    assert date.sequence == 1
    assert change.changed_fields == ["starts_at", "ends_at", "room"]
    assert set(messages) == {holder.email, waiting.email}
    moved = messages[holder.email]
    assert moved.subject == "Geänderter Präsenztermin: Praxistag Übergangsmodell"
    assert "geändert: Beginn, Ende, Raum" in moved.body
    calendar = _ics(moved)
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == date.starts_at.replace(microsecond=0)
    assert not messages[waiting.email].attachments


def test_capacity_cannot_drop_below_the_number_registered(learners, make_date, coordinator):
    date = make_date(capacity=3)
    for person in learners(3):
        services.register(user=person, date=date)
    date.capacity = 2
    with pytest.raises(WorkshopError, match="bereits 3 Personen angemeldet"):
        services.save_workshop_date(date=date, changed_by=coordinator)
    date.refresh_from_db()
    assert date.capacity == 3


def test_more_places_promote_waiting_people(learners, make_date, coordinator):
    date = make_date(capacity=1)
    people = learners(3)
    for person in people:
        services.register(user=person, date=date)
    date.capacity = 2
    change = services.save_workshop_date(date=date, changed_by=coordinator)
    assert [r.user for r in change.promoted] == [people[1]]


def test_a_trainer_cannot_change_another_trainers_date(date, other_trainer):
    date.capacity = 5
    with pytest.raises(WorkshopError, match="nicht ändern"):
        services.save_workshop_date(date=date, changed_by=other_trainer)


@worker_test
def test_cancelling_a_date_tells_everyone_and_removes_the_calendar_entry(
    learners, make_date, coordinator, django_capture_on_commit_callbacks, run_tasks
):
    date = make_date(capacity=1)
    holder, waiting = learners(2)
    services.register(user=holder, date=date)
    services.register(user=waiting, date=date)
    run_tasks()  # what earlier steps queued
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_workshop_date(date=date, cancelled_by=coordinator, reason="Krankheit")
    messages = {m.to[0]: m for m in _sent(run_tasks)}

    date.refresh_from_db()
    assert date.status == WorkshopDate.Status.CANCELLED and date.sequence == 1
    assert messages[holder.email].subject == "Abgesagt: Praxistag Übergangsmodell"
    assert "Grund: Krankheit" in messages[holder.email].body
    calendar = _ics(messages[holder.email])
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["SEQUENCE"] == 1
    assert not messages[waiting.email].attachments


@pytest.mark.parametrize("who", ["trainer", "participant"])
def test_only_the_coordination_cancels_dates(request, date, who):
    with pytest.raises(WorkshopError, match="Nur die Koordination"):
        services.cancel_workshop_date(date=date, cancelled_by=request.getfixturevalue(who))
    date.refresh_from_db()
    assert date.status == WorkshopDate.Status.SCHEDULED


def test_a_past_date_cannot_be_cancelled(make_date, coordinator):
    date = make_date(starts_at=timezone.now() - timedelta(days=2))
    with pytest.raises(WorkshopError, match="vergangener Termin"):
        services.cancel_workshop_date(date=date, cancelled_by=coordinator)


# --- Attendance ---------------------------------------------------------------------------------


def test_attendance_completes_the_module_and_the_course(learner, course, date, trainer):
    for lesson in LessonPage.objects.descendant_of(course):
        learning.complete_lesson(user=learner, lesson=lesson)
    services.register(user=learner, date=date)
    progress = course_progress(user=learner, course=course)
    assert progress.modules[0].status == ModuleStatus.STARTED
    assert Enrollment.objects.get(user=learner).completed_at is None

    _start_today(date)
    registration = date.registrations.get()
    services.record_attendance(
        date=date, recorded_by=trainer, marks={registration.pk: (Attendance.PRESENT, "")}
    )

    assert course_progress(user=learner, course=course).modules[0].status == ModuleStatus.COMPLETE
    assert Enrollment.objects.get(user=learner).completed_at is not None
    assert attended_module_ids(user=learner, module_ids=[date.module_id]) == {date.module_id}
    assert [d.pk for d in attended_dates(user=learner, course=course)] == [date.pk]
    assert attended_dates(user=learner, course=course)[0].place.startswith("Raum 2.14")


def test_attendance_history_records_who_changed_what(learner, date, trainer, coordinator):
    services.register(user=learner, date=date)
    _start_today(date)
    registration = date.registrations.get()
    services.record_attendance(
        date=date, recorded_by=trainer, marks={registration.pk: (Attendance.PRESENT, "")}
    )
    services.record_attendance(
        date=date,
        recorded_by=coordinator,
        marks={registration.pk: (Attendance.EXCUSED, "Attest  liegt vor")},
    )
    changes = list(AttendanceChange.objects.order_by("pk"))
    assert [(c.changed_by, c.attendance_before, c.attendance_after) for c in changes] == [
        (trainer, "", Attendance.PRESENT),
        (coordinator, Attendance.PRESENT, Attendance.EXCUSED),
    ]
    assert changes[1].note_after == "Attest liegt vor"
    registration.refresh_from_db()
    assert registration.attendance_recorded_by == coordinator


def test_all_present_marks_only_people_without_a_mark(learners, date, trainer):
    first, second, third = learners(3)
    for person in (first, second, third):
        services.register(user=person, date=date)
    _start_today(date)
    ids = {r.user_id: r.pk for r in date.registrations.all()}
    services.record_attendance(
        date=date,
        recorded_by=trainer,
        marks={ids[second.pk]: (Attendance.ABSENT, "")},
        all_present=True,
    )
    assert dict(date.registrations.values_list("user_id", "attendance")) == {
        first.pk: Attendance.PRESENT,
        second.pk: Attendance.ABSENT,
        third.pk: Attendance.PRESENT,
    }


def test_a_trainer_cannot_mark_attendance_for_a_date_that_is_not_theirs(
    learner, date, other_trainer
):
    services.register(user=learner, date=date)
    _start_today(date)
    registration = date.registrations.get()
    with pytest.raises(WorkshopError, match="nicht als Referent\\*in eingetragen"):
        services.record_attendance(
            date=date, recorded_by=other_trainer, marks={registration.pk: (Attendance.PRESENT, "")}
        )
    registration.refresh_from_db()
    assert registration.attendance == "" and not AttendanceChange.objects.exists()


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ("unknown", "steht nicht auf der Liste"),
        ("bad_value", "anwesend, entschuldigt oder abwesend"),
        ("long_note", "zu lang"),
        ("future", "erst ab dem Tag des Termins"),
    ],
)
def test_bad_attendance_input_is_refused(learner, learners, date, trainer, marks, message):
    services.register(user=learner, date=date)
    if marks != "future":
        _start_today(date)
    registration = date.registrations.get()
    stranger = WorkshopRegistration.objects.create(
        date=date, user=learners(1)[0], status=Status.WAITLISTED
    )
    values = {
        "unknown": {stranger.pk: (Attendance.PRESENT, "")},
        "bad_value": {registration.pk: ("vielleicht", "")},
        "long_note": {registration.pk: (Attendance.PRESENT, "x" * 301)},
        "future": {registration.pk: (Attendance.PRESENT, "")},
    }[marks]
    with pytest.raises(WorkshopError, match=message):
        services.record_attendance(date=date, recorded_by=trainer, marks=values)
    assert not AttendanceChange.objects.exists()


def test_walk_in_is_added_as_present_and_counts(learner, course, date, trainer):
    _start_today(date)
    registration = services.add_walk_in(date=date, user=learner, added_by=trainer)
    assert registration.walk_in and registration.attendance == Attendance.PRESENT
    assert attended_module_ids(user=learner, module_ids=[date.module_id]) == {date.module_id}
    with pytest.raises(WorkshopError, match="steht bereits auf der Liste"):
        services.add_walk_in(date=date, user=learner, added_by=trainer)


def test_walk_in_must_be_enrolled(date, trainer, home_page):
    _start_today(date)
    with pytest.raises(WorkshopError, match="nicht in den Kurs .* eingeschrieben"):
        services.add_walk_in(date=date, user=UserFactory(), added_by=trainer)
    assert not date.registrations.exists()


# --- Course-level rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("excused_rule", "module_done"),
    [("absent", False), ("neutral", False), ("attended", True)],
)
def test_excused_counts_for_the_module_as_the_course_defines(
    learner, course, date, trainer, excused_rule, module_done
):
    course.workshop_excused = excused_rule
    course.save()
    services.register(user=learner, date=date)
    _start_today(date)
    services.record_attendance(
        date=date,
        recorded_by=trainer,
        marks={date.registrations.get().pk: (Attendance.EXCUSED, "")},
    )
    assert bool(attended_module_ids(user=learner, module_ids=[date.module_id])) is module_done


@pytest.mark.parametrize(
    ("excused_rule", "expected"),
    [("absent", (1, 3, 3)), ("neutral", (1, 2, 2)), ("attended", (2, 3, 3))],
)
def test_minimum_share_of_the_series(learner, course, make_date, trainer, excused_rule, expected):
    """Three units: module 1 (two alternative dates), a kick-off and a closing day; 80 %."""
    course.workshop_min_share = 80
    course.workshop_excused = excused_rule
    course.save()
    module_date = make_date()
    make_date(title="Alternativtermin")  # same module: counts as the same unit
    kickoff = make_date(module=None, title="Auftakt")
    closing = make_date(module=None, title="Abschluss")
    for date in (module_date, kickoff, closing):
        services.register(user=learner, date=date)
        _start_today(date)
    marks = {module_date: Attendance.PRESENT, kickoff: Attendance.EXCUSED}
    for date, value in marks.items():
        services.record_attendance(
            date=date,
            recorded_by=trainer,
            marks={date.registrations.get(user=learner).pk: (value, "")},
        )

    share = course_progress(user=learner, course=course).workshop_share
    assert (share.attended, share.units, share.needed) == expected
    progress = course_progress(user=learner, course=course)
    assert not progress.is_complete
    assert any(item.startswith("Präsenztermine: ") for item in progress.missing())


def test_progress_adds_one_query_only_when_workshops_matter(
    participant, home_page, django_assert_num_queries
):
    from tests.factories import build_course

    plain = build_course(title="Ohne Termine", modules=1, lessons_per_module=1)
    with_workshop = build_course(title="Mit Termin", modules=1, workshop_modules=(1,))
    with django_assert_num_queries(3):
        course_progress(user=participant, course=plain)
    with django_assert_num_queries(4):
        course_progress(user=participant, course=with_workshop)


def test_attended_module_ids_is_one_query(learner, date, django_assert_num_queries):
    with django_assert_num_queries(1):
        attended_module_ids(user=learner, module_ids=[date.module_id, 999])
