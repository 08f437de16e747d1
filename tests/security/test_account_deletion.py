"""A person deletes their account: nothing of them stays, except the certificate register."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from certificates.models import Certificate
from courses.models import (
    Enrollment,
    Invitation,
    LessonCompletion,
    QuizAttempt,
    ReflectionAnswer,
    WorkshopRegistration,
)

pytestmark = pytest.mark.django_db


def dump_everything() -> str:
    out = StringIO()
    call_command("dumpdata", format="json", stdout=out, verbosity=0)
    return out.getvalue().lower()


DEMO_PASSWORD = "demo-lms-2026"


def _delete(client, user, password=DEMO_PASSWORD):
    client.force_login(user)
    return client.post(reverse("privacy_delete_account"), {"password": password, "confirm": "on"})


def test_confirmation_page_explains_in_german(participant_client):
    response = participant_client.get(reverse("privacy_delete_account"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Konto löschen" in html and "nicht rückgängig" in html
    assert "Zertifikatsregister" in html
    assert 'type="password"' in html


def test_wrong_password_deletes_nothing(client, participant):
    response = _delete(client, participant, password="falsch-falsch")
    assert response.status_code == 200
    assert "Das Passwort ist nicht richtig." in response.content.decode()
    assert get_user_model().objects.filter(pk=participant.pk).exists()


def test_missing_confirmation_deletes_nothing(client, participant):
    client.force_login(participant)
    client.post(reverse("privacy_delete_account"), {"password": "demo-lms-2026"})
    assert get_user_model().objects.filter(pk=participant.pk).exists()


def test_guessing_the_password_is_rate_limited(client, participant):
    statuses = [_delete(client, participant, password=f"falsch-{n}").status_code for n in range(12)]
    assert 429 in statuses
    assert get_user_model().objects.filter(pk=participant.pk).exists()


def test_get_never_deletes(participant_client, participant):
    participant_client.get(reverse("privacy_delete_account"))
    assert get_user_model().objects.filter(pk=participant.pk).exists()


def test_anonymous_people_cannot_delete(client):
    response = client.post(reverse("privacy_delete_account"), {"password": "x", "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_deletion_leaves_the_address_nowhere_in_the_database(
    client, learner_a, learner_b, coordinator, course
):
    user = learner_a.user
    email = user.email.lower()
    Invitation.objects.create(email=user.email.upper(), course=course, invited_by=coordinator)
    # Queued e-mails and audit labels carry the address in text, not as a link.
    from django_tasks_db.models import DBTaskResult

    from lms.mail import send_mail_task

    send_mail_task.enqueue(to=[user.email], subject="Hallo", text_body="Text")
    from wagtail.log_actions import log

    log(instance=user, action="wagtail.edit", user=coordinator)
    assert email in dump_everything()

    response = _delete(client, user)

    assert response.status_code == 302
    assert response["Location"] == reverse("privacy_account_deleted")
    assert "_auth_user_id" not in client.session
    dump = dump_everything()
    assert email not in dump
    assert user.last_name.lower() not in dump.replace(
        learner_a.certificate.snapshot["holder_name"].lower(), ""
    )
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not Enrollment.objects.filter(pk=learner_a.enrollment.pk).exists()
    assert not ReflectionAnswer.objects.filter(pk=learner_a.reflection.pk).exists()
    assert not QuizAttempt.objects.filter(pk=learner_a.attempt.pk).exists()
    assert not LessonCompletion.objects.filter(pk=learner_a.completion.pk).exists()
    assert not WorkshopRegistration.objects.filter(pk=learner_a.registration.pk).exists()
    assert not Invitation.objects.filter(email__iexact=email).exists()
    assert not DBTaskResult.objects.filter(task_path__endswith="send_mail_task").exists()
    # The other person keeps everything.
    assert ReflectionAnswer.objects.filter(pk=learner_b.reflection.pk).exists()
    assert learner_b.user.email.lower() in dump


def test_certificate_stays_verifiable_after_deletion(client, learner_a):
    certificate = learner_a.certificate
    Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.ISSUED)
    _delete(client, learner_a.user)

    certificate.refresh_from_db()
    assert certificate.user_id is None
    assert certificate.holder_name == learner_a.user.get_full_name()
    response = client.get(
        reverse("certificate_verify", kwargs={"code": certificate.verification_code})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert certificate.holder_name in html and certificate.course_title in html
    assert "ausgestellt" in html
    facts = client.get(
        reverse("certificate_verify_json", kwargs={"code": certificate.verification_code})
    ).json()
    assert facts["valid"] is True and facts["holder_name"] == certificate.holder_name


def test_deleted_page_is_shown(client):
    response = client.get(reverse("privacy_account_deleted"))
    assert response.status_code == 200
    assert "Ihr Konto wurde gelöscht" in response.content.decode()
