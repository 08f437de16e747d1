"""The learner pages' caches (content/page_cache.py) never mix up people, languages or versions.

What is cached is the same for everybody (course outline, page addresses, rendered lesson blocks,
fragments keyed by everything they show); per-person state is read on every request. These tests
hold the caches to that: two people on the same lesson, staff without enrolment, a re-published
or unpublished page, a draft, a language switch, a change made by another process, and the
single-query readers compared with the ORM.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from content import page_cache
from courses import services
from courses.models import (
    Enrollment,
    LessonCompletion,
    LessonPage,
    QuizAttempt,
    ReflectionAnswer,
    WorkshopDate,
    WorkshopRegistration,
)
from courses.progress import course_outline, learner_courses, lesson_reader_state
from tests.factories import UserFactory, build_course, lessons_of
from tests.redis_available import requires_redis

RIGHT = {"q0": ["1"], "q1": ["0", "2"]}
WRONG = {"q0": ["0"], "q1": ["1"]}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def course(home_page):
    return build_course(modules=2, lessons_per_module=2, with_check=True, with_reflection=True)


@pytest.fixture
def lesson(course):
    return lessons_of(course)[0]


def reader(course, **user_fields):
    user = UserFactory(**user_fields)
    services.enrol(user=user, course=course)
    client = Client()
    client.force_login(user)
    return user, client


def html_of(client, url, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Per-person state ----------------------------------------------------------------------


def test_two_readers_of_one_lesson_each_see_their_own_state(course, lesson):
    anna, anna_client = reader(course)
    ben, ben_client = reader(course)
    services.submit_knowledge_check(user=anna, lesson=lesson, block_id="check-1-1", answers=RIGHT)
    services.save_reflection(user=anna, lesson=lesson, block_id="refl-1-1", text="Notiz von Anna")
    services.complete_lesson(user=anna, lesson=lesson)

    for _ in range(2):  # the second round is served from warm caches
        annas = html_of(anna_client, lesson.url)
        bens = html_of(ben_client, lesson.url)
        assert "Notiz von Anna" in annas and "Notiz von Anna" not in bens
        assert "Bestanden mit 100 %" in annas and "Bestanden mit" not in bens
        assert "Diese Lerneinheit ist erledigt." in annas
        assert "Diese Lerneinheit ist erledigt." not in bens
        assert "Als erledigt markieren" in bens
        assert 'class="is-done is-current"' in annas and "is-done" not in bens
        assert page_cache.CSRF_PLACEHOLDER not in annas + bens


def test_cached_forms_carry_each_readers_own_csrf_token(course, lesson):
    tokens = {}
    for name in ("anna", "ben"):
        user, _ = reader(course)
        services.submit_knowledge_check(
            user=user, lesson=lesson, block_id="check-1-1", answers=RIGHT
        )
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        html_of(client, lesson.url)  # the first reader fills the caches
        html = html_of(client, lesson.url)
        found = set(TOKEN.findall(html))
        assert len(found) == 1  # header, check, reflection and completion forms alike
        tokens[name] = found.pop()
        # The token works for this person's session: the completion form is accepted.
        response = client.post(
            reverse("lesson_complete", args=[lesson.pk]), {"csrfmiddlewaretoken": tokens[name]}
        )
        assert response.status_code == 302
        assert LessonCompletion.objects.filter(user=user, lesson=lesson).exists()
    assert tokens["anna"] != tokens["ben"]


@pytest.mark.parametrize("first", ["trainer", "participant"])
def test_staff_without_enrolment_and_enrolled_reader_get_their_own_forms(
    request, course, lesson, trainer, first
):
    _, participant_client = reader(course)
    trainer_client = Client()
    trainer_client.force_login(trainer)
    clients = {"trainer": trainer_client, "participant": participant_client}
    order = [first, *(name for name in clients if name != first)]
    html = {name: html_of(clients[name], lesson.url) for name in order}
    assert "Antworten prüfen" in html["participant"]
    assert "Antworten prüfen" not in html["trainer"] and " disabled>" in html["trainer"]
    assert "Notiz speichern" in html["participant"] and "Notiz speichern" not in html["trainer"]


def test_a_submitted_attempt_is_shown_to_its_author_only(course, lesson):
    anna, anna_client = reader(course)
    _, ben_client = reader(course)
    html_of(anna_client, lesson.url)  # warm the fresh form
    attempt = services.submit_knowledge_check(
        user=anna, lesson=lesson, block_id="check-1-1", answers=WRONG
    )
    shown = html_of(anna_client, f"{lesson.url}?versuch={attempt.pk}")
    assert "Noch nicht bestanden: 0 % richtig" in shown and "Nicht richtig." in shown
    assert "Nicht richtig." not in html_of(ben_client, f"{lesson.url}?versuch={attempt.pk}")
    assert "Nicht richtig." not in html_of(anna_client, lesson.url)


# --- Content changes -----------------------------------------------------------------------


def test_a_republished_lesson_shows_at_once_everywhere(course, lesson):
    _, client = reader(course)
    neighbour = lessons_of(course)[1]
    assert "Text 1.1" in html_of(client, lesson.url)
    assert "Lerneinheit 1.1" in html_of(client, neighbour.url)  # table of contents

    lesson.title = "Neu: Übergänge planen"
    lesson.body = [{"type": "paragraph", "value": "<p>Ganz neuer Text</p>"}]
    lesson.save_revision().publish()

    html = html_of(client, lesson.url)
    assert "Ganz neuer Text" in html and "Text 1.1" not in html
    assert "Neu: Übergänge planen" in html_of(client, neighbour.url)
    assert "Neu: Übergänge planen" in html_of(client, course.url)


def test_a_draft_stays_invisible_until_published(course, lesson):
    _, client = reader(course)
    html_of(client, lesson.url)
    lesson.body = [{"type": "paragraph", "value": "<p>Entwurf</p>"}]
    revision = lesson.save_revision()
    assert "Entwurf" not in html_of(client, lesson.url)
    revision.publish()
    assert "Entwurf" in html_of(client, lesson.url)


def test_a_preview_shows_the_draft_and_leaves_the_caches_alone(course, lesson, rf):
    _, client = reader(course)
    assert "Text 1.1" in html_of(client, lesson.url)
    lesson.title = "Titel im Entwurf"
    lesson.body = [{"type": "paragraph", "value": "<p>Text im Entwurf</p>"}]
    draft = lesson.save_revision().as_object()
    original = rf.get(lesson.url, HTTP_COOKIE=f"sessionid={client.cookies['sessionid'].value}")
    preview = draft.make_preview_request(original).content.decode()
    assert "Text im Entwurf" in preview and "Titel im Entwurf" in preview
    live = html_of(client, lesson.url)
    assert "Text 1.1" in live and "Entwurf" not in live


def test_an_unpublished_lesson_leaves_the_outline(course, lesson):
    _, client = reader(course)
    neighbour = lessons_of(course)[1]
    assert "Lerneinheit 1.1" in html_of(client, neighbour.url)
    lesson.unpublish()
    assert "Lerneinheit 1.1" not in html_of(client, neighbour.url)
    assert client.get(lesson.url).status_code == 404


def test_a_change_by_another_process_is_seen_after_its_version_bump(course, lesson):
    _, client = reader(course)
    html_of(client, lesson.url)
    # Another process changes the page (no signal here) and publishes a new content version.
    LessonPage.objects.filter(pk=lesson.pk).update(title="Anderswo geändert")
    assert "Anderswo geändert" not in html_of(client, lesson.url)  # still this version
    cache.set(page_cache.VERSION_KEY, "version-of-another-process", timeout=None)
    assert "Anderswo geändert" in html_of(client, lesson.url)


def test_a_lost_version_token_starts_a_new_version(course, lesson):
    _, client = reader(course)
    html_of(client, lesson.url)
    LessonPage.objects.filter(pk=lesson.pk).update(title="Nach dem Cache-Neustart")
    cache.delete(page_cache.VERSION_KEY)  # culled, flushed or restarted
    assert "Nach dem Cache-Neustart" in html_of(client, lesson.url)


def test_language_switch_shows_english_and_back(course, lesson):
    _, client = reader(course)
    german = html_of(client, lesson.url)
    assert "Antworten prüfen" in german and "Brotkrümelnavigation" in german
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = html_of(client, lesson.url)
    assert "Check answers" in english and "Antworten prüfen" not in english
    assert 'aria-label="Breadcrumb"' in english and "Browse lessons" in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert "Antworten prüfen" in html_of(client, lesson.url)


def test_unknown_addresses_are_not_kept(course, participant_client):
    html_of(participant_client, course.url)
    before = len(page_cache._entries)
    for number in range(20):
        assert participant_client.get(f"{course.url}gibt-es-nicht-{number}/").status_code == 404
    assert len(page_cache._entries) == before


# --- The single-query readers agree with the ORM -------------------------------------------


def test_lesson_reader_state_matches_the_orm(course, participant, rf):
    lessons = lessons_of(course)
    other_course = build_course(title="Zweiter Kurs", modules=1, lessons_per_module=1)
    services.enrol(user=participant, course=course)
    services.enrol(user=participant, course=other_course)
    for done in (lessons[0], lessons[2], lessons_of(other_course)[0]):
        LessonCompletion.objects.create(user=participant, lesson=done)
    lesson = lessons[1]
    # Failed, passed, failed again: the passed attempt counts. Another check: only a failure.
    for answers in (WRONG, RIGHT, WRONG):
        services.submit_knowledge_check(
            user=participant, lesson=lesson, block_id="check-1-2", answers=answers
        )
    QuizAttempt.objects.create(
        user=participant, lesson=lesson, block_id="other", score=50, passed=False
    )
    services.save_reflection(user=participant, lesson=lesson, block_id="refl-1-2", text="x")
    stranger = UserFactory()
    services.enrol(user=stranger, course=course)
    LessonCompletion.objects.create(user=stranger, lesson=lessons[3])

    request = rf.get("/")
    outline = course_outline(course.pk, request=request)
    state = lesson_reader_state(user=participant, outline=outline, lesson_id=lesson.pk)

    enrollment = Enrollment.objects.active().get(user=participant, course=course)
    assert state.enrollment.pk == enrollment.pk
    assert state.enrollment.status == enrollment.status
    assert state.enrollment.completed_at == enrollment.completed_at
    assert state.enrollment.enrolled_at == enrollment.enrolled_at  # deferred, loads on access
    # Passing the check completed lesson 1.2 too; other courses and people don't count.
    assert state.done_ids == {lessons[0].pk, lesson.pk, lessons[2].pk}
    assert state.done_ids == set(
        LessonCompletion.objects.filter(user=participant, lesson__in=lessons).values_list(
            "lesson_id", flat=True
        )
    )
    assert {key: (s.passed, s.score) for key, s in state.latest_attempts.items()} == {
        "check-1-2": (True, 100),
        "other": (False, 50),
    }
    assert state.answered_blocks == set(
        ReflectionAnswer.objects.filter(user=participant, lesson=lesson).values_list(
            "block_id", flat=True
        )
    )

    services.withdraw(user=participant, course=course)
    assert (
        lesson_reader_state(user=participant, outline=outline, lesson_id=lesson.pk).enrollment
        is None
    )


def test_learner_courses_matches_the_orm(course, participant, trainer):
    other_course = build_course(title="Zweiter Kurs", modules=1, lessons_per_module=1)
    dropped = build_course(title="Abgebrochen", modules=1, lessons_per_module=1)
    for each in (course, other_course, dropped):
        services.enrol(user=participant, course=each)
    services.withdraw(user=participant, course=dropped)
    Enrollment.objects.filter(user=participant, course=other_course).update(
        completed_at=timezone.now() - timedelta(days=2),
        enrolled_at=timezone.now() - timedelta(days=30),
    )
    LessonCompletion.objects.create(user=participant, lesson=lessons_of(course)[0])
    now = timezone.now()
    dates = [
        WorkshopDate.objects.create(
            course=course,
            title=title,
            starts_at=now + offset,
            ends_at=now + offset + timedelta(hours=3),
            location="Kreishaus",
        )
        for title, offset in (
            ("kommt", timedelta(days=3)),
            ("vorbei", timedelta(days=-3)),
            ("abgemeldet", timedelta(days=4)),
        )
    ]
    statuses = ["registered", "registered", "cancelled"]
    for date, status in zip(dates, statuses, strict=True):
        WorkshopRegistration.objects.create(date=date, user=participant, status=status)

    mine = learner_courses(user=participant)

    expected = list(
        Enrollment.objects.active().filter(user=participant).order_by("-enrolled_at", "-pk")
    )
    assert [e.pk for e in mine.enrollments] == [e.pk for e in expected]
    for ours, theirs in zip(mine.enrollments, expected, strict=True):
        assert (ours.course_id, ours.status, ours.enrolled_at, ours.completed_at) == (
            theirs.course_id,
            theirs.status,
            theirs.enrolled_at,
            theirs.completed_at,
        )
    assert mine.done_ids == set(
        LessonCompletion.objects.filter(user=participant).values_list("lesson_id", flat=True)
    )
    registration = WorkshopRegistration.objects.get(date=dates[0])
    assert mine.upcoming_registrations == [(registration.pk, dates[0].pk, "registered")]


# --- Query counts: fixed, whatever the size of the course ----------------------------------

# Session (1) and the person with their roles (1) come before any page code; Wagtail's site
# and home page come from the content cache.
EXPECTED_QUERIES = {
    "lesson": 3,  # + the reader's state (enrolment, completions, checks, notes): one UNION
    "course": 6,  # + enrolment, completions, attendance, upcoming workshop dates
    # + enrolments/completions/registrations (one UNION); the certificate section is kept per
    # process under the certificate version (certificates/caching.py)
    "dashboard": 3,
}


def _queries(client, url) -> int:
    client.get(url)  # warm the content cache and Wagtail's site root paths
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("page_kind", sorted(EXPECTED_QUERIES))
def test_pages_run_exactly_their_queries(client, participant, home_page, page_kind):
    counts = []
    for index, (modules, per_module) in enumerate([(1, 3), (4, 10)]):
        course = build_course(
            title=f"Kurs {index}",
            modules=modules,
            lessons_per_module=per_module,
            with_check=True,
            with_reflection=True,
            workshop_modules=(1,),
        )
        services.enrol(user=participant, course=course)
        lesson = lessons_of(course)[1]
        services.submit_knowledge_check(
            user=participant, lesson=lesson, block_id=lesson.body[1].id, answers=WRONG
        )
        LessonCompletion.objects.create(user=participant, lesson=lessons_of(course)[0])
        client.force_login(participant)
        url = {
            "lesson": lesson.url,
            "course": course.url,
            "dashboard": reverse("learner_dashboard"),
        }[page_kind]
        counts.append(_queries(client, url))
    assert counts == [EXPECTED_QUERIES[page_kind]] * 2


# --- The public verification page -----------------------------------------------------------


@pytest.fixture
def certificate(course, participant):
    from certificates.models import Certificate, CertificateTemplate
    from certificates.snapshots import sample_snapshot

    template = CertificateTemplate.objects.create(
        name="Vorlage", course=course, signatory_name="Kim Hoffmann"
    )
    snapshot = sample_snapshot(template)
    snapshot["holder_name"] = "Jana Özdemir"
    return Certificate.objects.create(
        user=participant,
        course=course,
        year=2026,
        sequence=7,
        number="LC-2026-0007",
        snapshot=snapshot,
        template=template,
        status=Certificate.Status.ISSUED,
        issued_at=timezone.now(),
    )


def test_verification_lookup_matches_the_orm(certificate):
    from certificates.models import Certificate

    found = Certificate.objects.published(certificate.verification_code)
    assert (found.pk, found.status, found.snapshot) == (
        certificate.pk,
        certificate.status,
        Certificate.objects.get(pk=certificate.pk).snapshot,
    )
    Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.PENDING)
    assert Certificate.objects.published(certificate.verification_code) is None
    assert Certificate.objects.published("unbekannt") is None


def test_cached_verification_page_is_per_visitor_and_never_stale(certificate, participant):
    from certificates.models import Certificate

    url = certificate.get_absolute_url()
    tokens = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        html = html_of(visitor, url)
        assert "Jana Özdemir" in html and "Gültig" in html
        assert page_cache.CSRF_PLACEHOLDER not in html
        token = TOKEN.search(html).group(1)
        tokens.append(token)
        # The token in the (cached) page belongs to this visitor: the language form accepts it.
        response = visitor.post(
            reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302
        english = html_of(visitor, url)  # the language cookie is now set: a page of its own
        assert "Verify certificate" in english and "Valid" in english
    assert tokens[0] != tokens[1]

    certificate.status = Certificate.Status.REVOKED
    certificate.save(update_fields=["status"])  # as the revocation does: a new version
    assert "Widerrufen" in html_of(Client(), url)

    signed_in = Client()
    signed_in.force_login(participant)
    assert "Mein Konto" in html_of(signed_in, url)  # their own header, not the cached one


# --- The fragment tag's contract ---------------------------------------------------------------


def test_fragment_varies_by_its_variables_language_and_version_only(rf, home_page):
    from django.template import Context, Template
    from django.utils import translation

    template = Template(
        "{% load i18n page_cache_tags %}"
        "{% fragment 'probe' a %}{{ a }}-{{ b }} {% translate 'Kurse' %}{% endfragment %}"
    )

    def render(request, **values):
        return template.render(Context({"request": request, **values}))

    request = rf.get("/")
    assert render(request, a=1, b=1) == "1-1 Kurse"
    assert render(rf.get("/"), a=1, b=2) == "1-1 Kurse"  # b isn't in the key: never put such in
    assert render(rf.get("/"), a=2, b=2) == "2-2 Kurse"
    with translation.override("en"):
        assert render(rf.get("/"), a=1, b=3) == "1-3 Courses"
    preview = rf.get("/")
    preview.is_preview = True
    assert render(preview, a=1, b=4) == "1-4 Kurse"  # previews are never cached
    page_cache.invalidate()
    assert render(rf.get("/"), a=1, b=5) == "1-5 Kurse"  # a new content version


@requires_redis
def test_verification_rate_limit_with_redis_is_one_incr_per_request(rf):
    import uuid

    from django.core.cache import cache
    from django.test import override_settings

    from certificates.views import _verification_rate_exceeded
    from lms import versions

    redis = {
        "default": {
            "BACKEND": "lms.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/1",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    # A context, not the settings fixture: the autouse fixture's cache.clear() must not run
    # against Redis (FLUSHDB would empty the whole database, other prefixes included).
    with override_settings(CACHES=redis, CERTIFICATE_VERIFY_RATE=(3, 60)):
        request = rf.get("/verify/x/", REMOTE_ADDR="192.0.2.7")
        assert [_verification_rate_exceeded(request) for _ in range(4)] == [False] * 3 + [True]
        other = rf.get("/verify/x/", REMOTE_ADDR="192.0.2.8")
        assert _verification_rate_exceeded(other) is False
        # The same round trip brought the version tokens: the page reads no more from the cache.
        tokens = {name: cache.get(key) for name, key in versions.KEYS.items()}
        assert other._lms_versions == tokens
        cache.delete_many(list(versions.KEYS.values()))  # the counters expire on their own


# --- Header and footer (templates/base.html) ------------------------------------------------


def _nav_links(html: str) -> list[str]:
    nav = html.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'class="lc-nav__link" href="[^"]*">([^<]+)<', nav)


def test_header_shows_each_person_their_own_links_and_next_address(
    course, lesson, participant, trainer, coordinator
):
    pages = [course.url, lesson.url, reverse("learner_dashboard")]
    expected = {
        "anonymous": ["Kurse"],
        "participant": ["Kurse", "Mein Lernbereich", "Meine Notizen", "Meine Zertifikate", "Suche"],
        "trainer": [
            "Kurse",
            "Mein Lernbereich",
            "Meine Notizen",
            "Meine Zertifikate",
            "Meine Termine",
            "Suche",
            "Verwaltung",
        ],
    }
    people = {"anonymous": None, "participant": participant, "trainer": trainer}
    # Twice round, so every person also gets the header the others warmed up.
    for _ in range(2):
        for who, person in people.items():
            client = Client(enforce_csrf_checks=True)
            if person is not None:
                client.force_login(person)
            for url in pages[:1] if person is None else pages:
                html = client.get(url).content.decode()
                assert _nav_links(html) == expected[who], (who, url)
                assert ("Abmelden" in html) is (person is not None)
                assert f'name="next" type="hidden" value="{url}"' in html
                # The first form is in the cached header (log-out or language): its token is theirs.
                token = TOKEN.findall(html)[0]
                response = client.post(
                    reverse("set_language"),
                    {"language": "de", "next": url, "csrfmiddlewaretoken": token},
                )
                assert response.status_code == 302, (who, url)


# --- Wagtail's own views behind the cached page view ---------------------------------------


@pytest.mark.parametrize("restriction", ["password", "login"])
def test_restricted_pages_can_still_be_unlocked(client, course, participant, restriction):
    """page_cache.serve sits before Wagtail's URLs: its _util/ views must stay reachable."""
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(
        page=course, restriction_type=restriction, password="Fachkraft-2026"
    )
    if restriction == "login":
        response = client.get(course.url)
        assert response.status_code == 302 and "/_util/login/" not in response["Location"]
        client.force_login(participant)
        assert client.get(course.url).status_code == 200
        return
    form = client.get(course.url)
    assert form.status_code == 200 and b'name="password"' in form.content
    restriction_id = PageViewRestriction.objects.get(page=course).pk
    url = reverse("wagtailcore_authenticate_with_password", args=[restriction_id, course.pk])
    wrong = client.post(url, {"password": "falsch", "return_url": course.url})
    assert wrong.status_code == 200
    right = client.post(url, {"password": "Fachkraft-2026", "return_url": course.url})
    assert right.status_code == 302 and right["Location"] == course.url
    assert client.get(course.url).status_code == 200
    assert b'name="password"' not in client.get(course.url).content
