import re
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses import services
from courses.models import LessonCompletion, QuizAttempt, ReflectionAnswer
from tests.factories import UserFactory, build_course, lessons_of

# Exact counts per page: tests/courses/test_page_caching.py (lesson 3, course 6, dashboard 4).
MAX_QUERIES = 6


@pytest.fixture
def course(home_page):
    return build_course(modules=2, lessons_per_module=2, with_check=True, with_reflection=True)


@pytest.fixture
def enrolled_client(client, participant, course):
    services.enrol(user=participant, course=course)
    client.force_login(participant)
    return client


def test_catalogue_and_course_page_are_public(client, course):
    assert client.get(course.get_parent().url).status_code == 200
    response = client.get(course.url)
    assert response.status_code == 200
    assert "Anmelden" in response.content.decode()


@pytest.mark.parametrize("which", ["module", "lesson"])
def test_anonymous_visitor_is_sent_to_login(client, course, which):
    page = course.get_modules().first() if which == "module" else lessons_of(course)[0]
    response = client.get(page.url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_not_enrolled_participant_gets_a_friendly_offer(client, participant, course):
    client.force_login(participant)
    response = client.get(lessons_of(course)[0].url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Jetzt einschreiben" in html
    assert "Text 1.1" not in html


@pytest.mark.parametrize("role", ["trainer", "coordinator", "provider_coordinator", "superuser"])
def test_staff_roles_read_lessons_without_enrolment(client, request, course, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(lessons_of(course)[0].url)
    assert response.status_code == 200
    assert "Text 1.1" in response.content.decode()


def test_enrol_mark_done_and_progress_via_http(enrolled_client, participant, course):
    lesson = lessons_of(course)[0]
    html = enrolled_client.get(lesson.url).content.decode()
    assert "Als erledigt markieren" in html

    response = enrolled_client.post(reverse("lesson_complete", args=[lesson.pk]), follow=True)
    assert "Wissenscheck" in response.content.decode()  # refused: check not yet passed
    assert not LessonCompletion.objects.exists()

    enrolled_client.post(
        reverse("lesson_check", args=[lesson.pk, "check-1-1"]),
        {"q0": "1", "q1": ["0", "2"]},
    )
    assert LessonCompletion.objects.filter(user=participant, lesson=lesson).exists()
    course_html = enrolled_client.get(course.url).content.decode()
    assert 'value="1"' in course_html and "Noch offen" in course_html


def test_knowledge_check_shows_solution_only_after_submitting(enrolled_client, course):
    lesson = lessons_of(course)[0]
    before = enrolled_client.get(lesson.url).content.decode()
    assert "is-correct" not in before and "Hilfe für junge Volljährige ab 18." not in before

    response = enrolled_client.post(
        reverse("lesson_check", args=[lesson.pk, "check-1-1"]), {"q0": "0", "q1": "0"}
    )
    after = enrolled_client.get(response.url).content.decode()
    assert "Noch nicht bestanden" in after
    assert "is-missed" in after and "Hilfe für junge Volljährige ab 18." in after


def test_tampered_quiz_post_changes_nothing_and_says_why(enrolled_client, course):
    lesson = lessons_of(course)[0]
    response = enrolled_client.post(
        reverse("lesson_check", args=[lesson.pk, "check-1-1"]),
        {"q0": "1", "q1": "0", "q99": "1"},
        follow=True,
    )
    assert "passen nicht zu diesem Wissenscheck" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_another_persons_attempt_id_shows_nothing(enrolled_client, course):
    lesson = lessons_of(course)[0]
    other = UserFactory()
    services.enrol(user=other, course=course)
    attempt = services.submit_knowledge_check(
        user=other, lesson=lesson, block_id="check-1-1", answers={"q0": ["0"], "q1": ["1"]}
    )
    html = enrolled_client.get(f"{lesson.url}?versuch={attempt.pk}").content.decode()
    assert "Noch nicht bestanden" not in html and "is-wrong" not in html


def test_reflection_answers_are_private(enrolled_client, participant, course):
    lesson = lessons_of(course)[0]
    enrolled_client.post(
        reverse("lesson_reflection", args=[lesson.pk, "refl-1-1"]), {"text": "Nur für mich"}
    )
    assert ReflectionAnswer.objects.get(user=participant).text == "Nur für mich"
    assert "Nur für mich" in enrolled_client.get(reverse("learner_notes")).content.decode()

    other = UserFactory()
    services.enrol(user=other, course=course)
    enrolled_client.force_login(other)
    assert "Nur für mich" not in enrolled_client.get(lesson.url).content.decode()
    assert "Nur für mich" not in enrolled_client.get(reverse("learner_notes")).content.decode()


def test_dashboard_shows_only_own_courses_and_progress(enrolled_client, participant, course):
    other_course = build_course(title="Kurs einer anderen Person")
    stranger = UserFactory()
    services.enrol(user=stranger, course=other_course)
    html = enrolled_client.get(reverse("learner_dashboard")).content.decode()
    assert course.title in html and "Kurs einer anderen Person" not in html
    assert "<progress" in html and "Mit der ersten Lerneinheit beginnen" in html


@pytest.mark.parametrize(
    "name", ["lesson_complete", "course_enrol", "course_withdraw", "lesson_check"]
)
def test_actions_are_post_only(enrolled_client, course, name):
    target = lessons_of(course)[0].pk if name.startswith("lesson") else course.pk
    args = [target, "check-1-1"] if name == "lesson_check" else [target]
    assert enrolled_client.get(reverse(name, args=args)).status_code == 405


def test_search_requires_login_and_finds_live_lessons(client, participant, course):
    assert client.get(reverse("lesson_search"), {"q": "Text"}).status_code == 302
    client.force_login(participant)
    html = client.get(reverse("lesson_search"), {"q": "Lerneinheit"}).content.decode()
    assert "Lerneinheit 1.1" in html


# --- Query counts ---------------------------------------------------------------------------


def _queries(client, url):
    client.get(url)  # warm per-process caches (site root paths)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("page_kind", ["lesson", "course", "dashboard"])
def test_pages_run_a_fixed_number_of_queries(client, participant, home_page, page_kind):
    counts = []
    for index, lessons_per_module in enumerate([3, 40]):
        course = build_course(
            title=f"Kurs {index}",
            modules=1 if lessons_per_module == 3 else 4,
            lessons_per_module=lessons_per_module if lessons_per_module == 3 else 10,
            with_check=True,
            with_reflection=True,
        )
        services.enrol(user=participant, course=course)
        lessons = lessons_of(course)
        for lesson in lessons[:2]:
            for answers in ({"q0": ["0"], "q1": ["1"]}, {"q0": ["1"], "q1": ["0", "2"]}):
                services.submit_knowledge_check(
                    user=participant, lesson=lesson, block_id=lesson.body[1].id, answers=answers
                )
        client.force_login(participant)
        url = {
            "lesson": lessons[1].url,
            "course": course.url,
            "dashboard": reverse("learner_dashboard"),
        }[page_kind]
        counts.append(_queries(client, url))
    assert counts[0] == counts[1], counts
    assert counts[1] <= MAX_QUERIES, counts


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_double_click_on_done_creates_one_record(live_server):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; CI runs this on PostgreSQL")
    from tests.conftest import ensure_site

    ensure_site()
    course = build_course(modules=1, lessons_per_module=1)
    person = UserFactory()
    services.enrol(user=person, course=course)
    lesson = lessons_of(course)[0]
    barrier = threading.Barrier(8)
    errors = []

    def click():
        try:
            barrier.wait()
            services.complete_lesson(user=person, lesson=lesson)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert LessonCompletion.objects.filter(user=person, lesson=lesson).count() == 1


def test_lesson_html_contains_no_solution_markers(enrolled_client, course):
    html = enrolled_client.get(lessons_of(course)[0].url).content.decode()
    assert not re.search(r'data-correct|"correct"|richtig:\s*true', html)
