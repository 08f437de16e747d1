"""Meine Daten: a person sees and downloads everything stored about them, and nothing else."""

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _download(client, user) -> dict:
    client.force_login(user)
    response = client.get(reverse("privacy_my_data_json"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return json.loads(response.content)


def _section(data: dict, model: str) -> dict:
    return next(s for s in data["sections"] if s["model"] == model)


def test_download_contains_all_own_learning_data(client, learner_a, learner_b):
    data = _download(client, learner_a.user)
    assert data["person"] == learner_a.user.email
    assert _section(data, "accounts.User")["rows"][0]["email"] == learner_a.user.email
    assert "password" not in _section(data, "accounts.User")["rows"][0]
    assert [r["id"] for r in _section(data, "courses.Enrollment")["rows"]] == [
        learner_a.enrollment.pk
    ]
    assert [r["id"] for r in _section(data, "courses.LessonCompletion")["rows"]] == [
        learner_a.completion.pk
    ]
    attempts = _section(data, "courses.QuizAttempt")["rows"]
    assert [r["id"] for r in attempts] == [learner_a.attempt.pk]
    assert attempts[0]["answers"] == learner_a.attempt.answers
    assert attempts[0]["score"] == learner_a.attempt.score
    reflections = _section(data, "courses.ReflectionAnswer")["rows"]
    assert [r["text"] for r in reflections] == [learner_a.reflection.text]
    registrations = _section(data, "courses.WorkshopRegistration")["rows"]
    assert [r["id"] for r in registrations] == [learner_a.registration.pk]
    assert registrations[0]["attendance"] == "anwesend"
    certificates = _section(data, "certificates.Certificate")["rows"]
    assert [r["number"] for r in certificates] == [learner_a.certificate.number]
    feed = _section(data, "courses.CalendarFeed")["rows"][0]
    assert "token" not in feed  # a secret stays out of files people forward
    for section in data["sections"]:
        assert section["purpose"] and section["retention"] and section["on_delete"]


def test_download_never_contains_another_persons_data(client, learner_a, learner_b):
    text = json.dumps(_download(client, learner_a.user), ensure_ascii=False)
    b = learner_b.user
    for secret in (b.email, b.last_name, learner_b.reflection.text, learner_b.certificate.number):
        assert secret not in text
    # Who enrolled or certified the person is someone else's identity: named only as a role.
    coordinator = learner_a.enrollment.enrolled_by
    assert coordinator.email not in text and coordinator.last_name not in text
    trainer = learner_a.registration.attendance_recorded_by
    assert trainer.email not in text and trainer.last_name not in text


def test_staff_see_only_how_often_they_acted_on_others(client, learner_a, learner_b):
    coordinator = learner_a.enrollment.enrolled_by
    data = _download(client, coordinator)
    text = json.dumps(data, ensure_ascii=False)
    enrolments = _section(data, "courses.Enrollment")
    assert enrolments["rows"] == [] and enrolments["mentions_as_actor"] == 2
    for learner in (learner_a, learner_b):
        assert learner.user.email not in text
        assert learner.user.last_name not in text


def test_html_page_shows_the_same_readably(client, learner_a, learner_b):
    client.force_login(learner_a.user)
    response = client.get(reverse("privacy_my_data"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Meine Daten" in html and "Zweck" in html and "Speicherdauer" in html
    assert learner_a.reflection.text in html
    assert learner_a.certificate.number in html
    assert "Einschreibungen" in html and "Anmeldungen zu Präsenzterminen" in html
    assert learner_b.reflection.text not in html and learner_b.user.email not in html
    assert learner_a.calendar_feed.token not in html


@pytest.mark.parametrize("name", ["privacy_my_data", "privacy_my_data_json"])
def test_anonymous_people_are_sent_to_the_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_links_to_my_data_and_deletion(participant_client):
    html = participant_client.get(reverse("account_profile")).content.decode()
    assert reverse("privacy_my_data") in html
    assert reverse("privacy_delete_account") in html
