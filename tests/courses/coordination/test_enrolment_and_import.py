import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.coordination import services
from courses.models import Enrollment, Invitation
from tests.factories import TeamFactory, UserFactory, build_course


@pytest.fixture
def course(home_page):
    return build_course(modules=1, lessons_per_module=1, self_enrolment=False)


def test_bulk_enrol_a_selection(client, coordinator, course, team):
    people = [UserFactory(team=team) for _ in range(3)]
    client.force_login(coordinator)
    response = client.post(
        reverse("coordination:people"),
        {"course": course.pk, "people": [p.pk for p in people]},
        follow=True,
    )
    assert "3 Person(en) eingeschrieben" in response.content.decode()
    assert Enrollment.objects.filter(course=course).count() == 3


def test_provider_coordinator_cannot_enrol_people_of_another_organisation(
    client, provider_coordinator, course, other_organisation
):
    stranger = UserFactory(team=TeamFactory(organisation=other_organisation))
    client.force_login(provider_coordinator)
    response = client.post(
        reverse("coordination:people"), {"course": course.pk, "people": [stranger.pk]}, follow=True
    )
    assert "gehört nicht zu Ihrem Bereich" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_import_preview_saves_nothing_then_apply_is_idempotent(client, coordinator, course, team):
    known = UserFactory(team=team, email="bekannt@example.org")
    text = "bekannt@example.org; neu@example.org\nkaputt-adresse\nneu@example.org"
    client.force_login(coordinator)

    preview = client.post(reverse("coordination:import"), {"course": course.pk, "addresses": text})
    html = preview.content.decode()
    assert "wird eingeschrieben" in html and "erhält eine Einladung" in html
    assert "keine gültige E-Mail-Adresse" in html and "doppelt in der Liste" in html
    assert not Enrollment.objects.exists() and not Invitation.objects.exists()

    data = {"course": course.pk, "addresses": text, "confirm": "1"}
    client.post(reverse("coordination:import"), data)
    assert Enrollment.objects.filter(user=known, course=course).exists()
    assert Invitation.objects.filter(email="neu@example.org").count() == 1

    second = client.post(reverse("coordination:import"), data).content.decode()
    assert "0 eingeschrieben, 0 eingeladen" in second
    assert Invitation.objects.count() == 1 and Enrollment.objects.count() == 1


def test_import_refuses_people_of_another_organisation_for_provider_coordinator(
    provider_coordinator, course, other_organisation
):
    UserFactory(team=TeamFactory(organisation=other_organisation), email="fremd@example.org")
    rows = services.preview_import(
        addresses=[(1, "fremd@example.org")], course=course, by=provider_coordinator
    )
    assert rows[0].action == "error" and "anderen Organisation" in rows[0].message


def test_too_large_upload_is_refused_in_german(client, coordinator, course):
    client.force_login(coordinator)
    big = SimpleUploadedFile("liste.csv", b"a@example.org\n" * 800_000, content_type="text/csv")
    response = client.post(reverse("coordination:import"), {"course": course.pk, "upload": big})
    assert "zu groß" in response.content.decode()
    assert not Invitation.objects.exists()


def test_xlsx_upload_is_read(coordinator, course):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Name", "E-Mail"])
    workbook.active.append(["Jana", "jana@example.org"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("liste.xlsx", buffer.getvalue())
    assert services.read_addresses(upload=upload) == [(2, "jana@example.org")]


def test_invitation_leads_to_signup_and_enrolment(
    client, coordinator, course, team, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.apply_import(
            addresses=[(1, "eingeladen@example.org")],
            course=course,
            by=coordinator,
            base_url="http://testserver",
        )
    run_tasks()
    invitation_mail = mail.outbox[-1]
    assert "Einladung" in invitation_mail.subject
    link = invitation_mail.body.split("http://testserver", 1)[1].split()[0]

    response = client.get(link, follow=True)
    assert 'value="eingeladen@example.org"' in response.content.decode()
    client.post(
        reverse("account_signup"),
        {
            "email": "eingeladen@example.org",
            "first_name": "Ina",
            "last_name": "Eingeladen",
            "organisation": team.organisation_id,
            "team": team.pk,
            "password1": "Weidenkätzchen-71",
            "password2": "Weidenkätzchen-71",
        },
    )
    assert Enrollment.objects.filter(user__email="eingeladen@example.org", course=course).exists()
    assert Invitation.objects.get().accepted_at is not None


def test_manual_reminder_is_mailed_and_logged(
    client, coordinator, course, team, django_capture_on_commit_callbacks, run_tasks
):
    from courses import services as learning

    person = UserFactory(team=team)
    learning.enrol(user=person, course=course, enrolled_by=coordinator)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("coordination:remind_person", args=[person.pk]))
    run_tasks()
    assert mail.outbox[-1].to == [person.email]
    assert "Erinnerung" in mail.outbox[-1].subject


def test_automatic_reminders_are_sent_once(
    course, team, provider_coordinator, run_tasks, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from courses import services as learning
    from courses.coordination.tasks import send_due_reminders_now
    from courses.models import ReminderLog, ReminderRule

    person = UserFactory(team=team)
    enrollment = learning.enrol(user=person, course=course, enrolled_by=provider_coordinator)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        enrolled_at=timezone.now() - timedelta(days=20)
    )
    ReminderRule.objects.create(
        course=course, not_started_days=14, copy_to_provider_coordination=True
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders_now() == 1
        assert send_due_reminders_now() == 0
    run_tasks()
    recipients = [message.to for message in mail.outbox]
    assert [person.email] in recipients
    assert [provider_coordinator.email] in recipients
    assert ReminderLog.objects.count() == 1


def test_person_page_quick_action_issues_a_certificate(client, coordinator, team, home_page):
    from certificates.models import Certificate
    from courses import services as learning
    from courses.models import LessonPage

    course = build_course(modules=1, lessons_per_module=1)
    person = UserFactory(team=team)
    learning.enrol(user=person, course=course)
    learning.complete_lesson(user=person, lesson=LessonPage.objects.descendant_of(course).get())
    enrollment = Enrollment.objects.get(user=person, course=course)
    client.force_login(coordinator)

    response = client.post(
        reverse("coordination:issue_for_person", args=[person.pk, enrollment.pk]), follow=True
    )

    assert "Das Zertifikat wird erstellt." in response.content.decode()
    assert Certificate.objects.filter(user=person, course_id=course.pk).count() == 1


def test_quick_actions_refuse_people_outside_the_scope(
    client, provider_coordinator, course, other_organisation
):
    stranger = UserFactory(team=TeamFactory(organisation=other_organisation))
    client.force_login(provider_coordinator)
    for name in ("coordination:enrol_person", "coordination:remind_person"):
        response = client.post(reverse(name, args=[stranger.pk]), {"course": course.pk})
        assert response.status_code == 404
    assert not Enrollment.objects.filter(user=stranger).exists()
