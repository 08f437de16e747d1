"""Every form a person can submit, fuzzed with hypothesis (security issue: form fuzzing).

Each example posts the form with the test client and checks:

* no server error (the test client re-raises exceptions, so a 500 fails the example);
* a re-rendered form shows every submitted value only escaped (`assert_no_injected_markup`);
* what is stored equals the input after the form's documented normalisation, or nothing is
  stored when the form refused it; NUL bytes are refused with a clear message (or, where the
  service documents it, removed) and never reach the database.

Examples per form: `FUZZ_EXAMPLES` (default 200, the minimum in CI). Every example runs in a
savepoint that is rolled back, with an empty cache (rate limits), see `tests/security/fuzz.py`.
Run more: `FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/security/test_fuzz_forms.py`.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import event, example, given
from hypothesis import strategies as st

from courses.models import (
    Enrollment,
    Invitation,
    LessonPage,
    QuizAttempt,
    ReflectionAnswer,
    WorkshopDate,
    WorkshopRegistration,
)
from lms.accounts.models import User
from lms.accounts.validators import validate_person_name
from tests.conftest import sign_in_recently
from tests.factories import TeamFactory, UserFactory, build_course, workshop_date
from tests.security.fuzz import (
    CSV_PAYLOADS,
    FUZZ_EXAMPLES,
    assert_no_injected_markup,
    formula_emails,
    fuzz_settings,
    fuzz_text,
    isolated_example,
    long_strings,
    payloads,
    unicode_text,
)

PASSWORD = "Leinebergland-2026"
NUL_MESSAGE = "Nullzeichen sind nicht erlaubt."
NAMES = ("Jana", "Anne-Marie", "O’Brien", "von der Heide", "Łukasz", "Zoë", "Ngọc", "Nür")
NOTES = ("krank", "kam 20 Minuten später", "ging um 12 Uhr")


def _html(response) -> str:
    return response.content.decode()


def _post(client, url, data, **extra):
    """POST, drop the messages cookie (examples never read their messages), no server error."""
    response = client.post(url, data, **extra)
    client.cookies.pop("messages", None)
    assert response.status_code < 500
    return response


def _form_errors(response) -> dict:
    context = response.context
    form = context.get("form") if context is not None else None
    return dict(form.errors) if form is not None else {}


def _storable(strategy):
    """Values a database can hold at all (PostgreSQL refuses NUL in text columns): for tests
    that write directly, past the forms."""
    return strategy.map(lambda value: value.replace("\x00", ""))


def _stored_text_is_clean(value: str) -> None:
    assert "\x00" not in value


def _expected_name(value: str) -> str | None:
    """What the name fields store for `value`, or None when they must refuse it."""
    stripped = value.strip()
    if not stripped or len(stripped) > 100 or "\x00" in value:
        return None
    try:
        validate_person_name(stripped)
    except ValidationError:
        return None
    return stripped


# --- Sign-up ----------------------------------------------------------------------------------


@pytest.fixture
def signup_team(home_page):
    return TeamFactory(name="Bezirk Mitte")


# Half plausible names (with padding, other scripts), half fuzz.
name_values = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(NAMES).map(lambda name: f"  {name}\t"),
    fuzz_text(*NAMES),
)
SIGNUP_FIELDS = ("first_name", "last_name", "email", "password", "organisation", "team")


def _signup_data(team, fuzzed: dict) -> dict:
    values = {
        "email": "neu@example.org",
        "first_name": "Jana",
        "last_name": "Özdemir-Schulz",
        "organisation": str(team.organisation_id),
        "team": str(team.pk),
        "password": PASSWORD,
        **fuzzed,
    }
    password = values.pop("password")
    return {**values, "password1": password, "password2": password}


# One or two fields get a fuzzed value, the others a valid one: so the accepted path (what is
# stored) is exercised as well as the refusals.
signup_values = st.fixed_dictionaries(
    {
        "first_name": name_values,
        "last_name": name_values,
        "email": st.one_of(
            st.sampled_from(["Neu.Person@Example.ORG", " neu2@example.org ", "jana@träger.de"]),
            formula_emails(),
            fuzz_text(),
        ),
        "password": fuzz_text(PASSWORD),
        "organisation": st.one_of(fuzz_text(), st.integers(-(10**30), 10**30).map(str)),
        "team": st.one_of(fuzz_text(), st.integers(-(10**30), 10**30).map(str)),
    }
)


@fuzz_settings()
@given(
    values=signup_values,
    fuzzed=st.sets(st.sampled_from(SIGNUP_FIELDS), min_size=1, max_size=2),
)
@example(
    values={
        "first_name": "<script>alert(1)</script>",
        "last_name": '"><img src=x onerror=alert(1)>',
    },
    fuzzed={"first_name", "last_name"},
)
@example(
    values={"first_name": "Jana\x00", "email": "a\x00@example.org"}, fuzzed={"first_name", "email"}
)
@example(
    values={"last_name": "x" * 12_000, "password": "x" * 12_000}, fuzzed={"last_name", "password"}
)
def test_fuzz_signup(client, signup_team, values, fuzzed):
    data = _signup_data(signup_team, {field: values[field] for field in fuzzed})
    with isolated_example():
        before = set(User.objects.values_list("pk", flat=True))
        response = _post(client, reverse("account_signup"), data)
        created = list(User.objects.exclude(pk__in=before))
        event(f"sign-up: {'refused' if response.status_code == 200 else 'accepted'}")

        expected = (_expected_name(data["first_name"]), _expected_name(data["last_name"]))
        if response.status_code == 200:
            assert not created
            assert_no_injected_markup(_html(response), *data.values())
            errors = _form_errors(response)
            assert errors, "a refused sign-up says why"
            if fuzzed <= {"first_name", "last_name"}:  # everything else is valid
                assert None in expected, f"valid names refused: {errors}"
            for field in ("first_name", "last_name", "email", "password1"):
                if "\x00" in data[field] and data[field].strip():
                    assert NUL_MESSAGE in " ".join(errors.get(field, [])), errors
            return

        assert response.status_code == 302, response.status_code
        assert None not in expected, expected
        if not created:  # allauth answers an existing address like a new one (no enumeration)
            assert User.objects.filter(email__iexact=data["email"].strip()).exists()
            return
        (user,) = created
        assert (user.first_name, user.last_name) == expected
        assert user.email == data["email"].strip().lower()
        assert (user.organisation_id, user.team_id) == (signup_team.organisation_id, signup_team.pk)
        for value in (user.first_name, user.last_name, user.email):
            _stored_text_is_clean(value)


# --- Profile ----------------------------------------------------------------------------------


@fuzz_settings()
@given(
    values=st.fixed_dictionaries(
        {
            "first_name": name_values,
            "last_name": name_values,
            "organisation": st.one_of(fuzz_text(), st.integers(-(10**30), 10**30).map(str)),
            "team": st.one_of(fuzz_text(), st.integers(-(10**30), 10**30).map(str)),
        }
    ),
    fuzzed=st.sets(
        st.sampled_from(["first_name", "last_name", "organisation", "team"]), min_size=1, max_size=2
    ),
)
@example(values={"last_name": "</title><script>alert(1)</script>"}, fuzzed={"last_name"})
@example(values={"first_name": "\x00"}, fuzzed={"first_name"})
@example(values={"organisation": "99999999999999999999999"}, fuzzed={"organisation"})
def test_fuzz_profile(participant_client, participant, values, fuzzed):
    data = {
        "first_name": "Jana",
        "last_name": "Neumann",
        "organisation": str(participant.organisation_id),
        "team": str(participant.team_id),
        **{field: values[field] for field in fuzzed},
    }
    before = User.objects.values_list("first_name", "last_name").get(pk=participant.pk)
    with isolated_example():
        response = _post(participant_client, reverse("account_profile"), data)
        stored = User.objects.values_list("first_name", "last_name").get(pk=participant.pk)
        event(f"profile: {'refused' if response.status_code == 200 else 'saved'}")
        expected = (_expected_name(data["first_name"]), _expected_name(data["last_name"]))
        if response.status_code == 200:
            assert stored == before
            assert_no_injected_markup(_html(response), *data.values())
            errors = _form_errors(response)
            assert errors
            if fuzzed <= {"first_name", "last_name"}:  # organisation and team are valid
                assert None in expected, f"valid names refused: {errors}"
            for field in ("first_name", "last_name"):
                if "\x00" in data[field] and data[field].strip():
                    assert NUL_MESSAGE in " ".join(errors.get(field, [])), errors
            return
        assert response.status_code == 302
        assert stored == expected
        page = _html(participant_client.get(reverse("account_profile")))
        assert_no_injected_markup(page, data["first_name"], data["last_name"])


# --- Enrolment --------------------------------------------------------------------------------


@pytest.fixture
def learning_course(home_page):
    return build_course(modules=1, lessons_per_module=1, with_check=True, with_reflection=True)


@fuzz_settings()
@given(
    target=st.one_of(st.just("course"), st.integers(0, 10**30)),
    body=st.dictionaries(
        st.one_of(st.sampled_from(["course", "next", "user"]), unicode_text),
        fuzz_text(),
        max_size=3,
    ),
)
def test_fuzz_self_enrolment(participant_client, participant, learning_course, target, body):
    """Enrolment has no fields: extra fields change nothing, unknown ids are a 404."""
    course_id = learning_course.pk if target == "course" else target
    with isolated_example():
        response = _post(participant_client, f"/kurs/{course_id}/einschreiben/", body)
        enrolments = list(Enrollment.objects.values_list("user_id", "course_id", "status"))
        if course_id == learning_course.pk:
            assert response.status_code == 302
            assert enrolments == [(participant.pk, learning_course.pk, "active")]
        else:
            assert response.status_code == 404
            assert enrolments == []


@pytest.fixture
def selectable(team):
    """Someone of the provider coordination's organisation, and someone of another one."""
    return UserFactory(team=team), UserFactory(team=TeamFactory())


@fuzz_settings()
@given(
    fuzz=st.sampled_from(["nothing", "course", "people", "both"]),
    course=st.one_of(fuzz_text(), st.integers(-(10**30), 10**30).map(str)),
    people=st.lists(
        st.one_of(st.just("own"), st.just("stranger"), fuzz_text(), st.integers().map(str)),
        max_size=4,
    ),
)
@example(fuzz="course", course=str(2**63), people=[])
def test_fuzz_coordinator_enrolment(
    client, provider_coordinator, selectable, learning_course, fuzz, course, people
):
    """The provider coordination enrols a selection: only own people, only a listed course."""
    own, stranger = selectable
    client.force_login(provider_coordinator)
    ids = {"own": str(own.pk), "stranger": str(stranger.pk)}
    data = {
        "course": course if fuzz in {"course", "both"} else str(learning_course.pk),
        "people": [ids.get(value, value) for value in people]
        if fuzz in {"people", "both"}
        else [str(own.pk)],
    }
    in_scope = {str(own.pk), str(provider_coordinator.pk)}
    valid = (
        data["course"] == str(learning_course.pk)
        and data["people"]
        and all(value in in_scope for value in data["people"])
    )
    event(f"selection: {'enrolled' if valid else 'refused'}")
    with isolated_example():
        response = _post(client, reverse("coordination:people"), data)
        assert response.status_code == 302
        enrolled = set(Enrollment.objects.values_list("user_id", flat=True))
        if valid:
            assert enrolled == {int(value) for value in data["people"]}
        else:
            assert enrolled == set()


# --- Knowledge check and reflection (lesson pages) --------------------------------------------


@pytest.fixture
def lesson(participant, learning_course):
    from courses import services

    services.enrol(user=participant, course=learning_course)
    return LessonPage.objects.live().descendant_of(learning_course).get()


def _expected_attempt(answers: dict[str, list[str]]) -> list[list[int]] | None:
    """The chosen answers a valid submission stores (two questions: 3 options each)."""
    if set(answers) != {"q0", "q1"} or not all(answers.values()):
        return None
    chosen = []
    for key in ("q0", "q1"):
        try:
            values = {int(value) for value in answers[key]}
        except ValueError:
            return None
        if not values <= {0, 1, 2}:
            return None
        chosen.append(sorted(values))
    if len(chosen[0]) != 1:
        return None
    return chosen


answer_values = st.one_of(st.sampled_from(["0", "1", "2", " 1 ", "١", "-1", "3"]), fuzz_text())


@fuzz_settings()
@given(
    answers=st.one_of(
        st.fixed_dictionaries(
            {
                "q0": st.lists(st.sampled_from(["0", "1", "2"]), min_size=1, max_size=2),
                "q1": st.lists(st.sampled_from(["0", "1", "2"]), min_size=1, max_size=3),
            }
        ),
        st.fixed_dictionaries({"q0": st.lists(answer_values, max_size=2), "q1": st.just(["1"])}),
        st.dictionaries(
            st.one_of(
                st.sampled_from(["q0", "q1", "q2", "q", "q00"]),
                unicode_text.map(lambda text: "q" + text),
            ),
            st.lists(answer_values, min_size=0, max_size=3),
            max_size=3,
        ),
    ),
    block_id=st.one_of(st.sampled_from(["check-1-1"] * 3 + ["check-1-2", "refl-1-1"]), fuzz_text()),
)
@example(answers={"q0": ["1"], "q1": ["0", "2"]}, block_id="check-1-1")
@example(answers={"q0": ["1\x00"], "q1": ["9" * 5000]}, block_id="check-1-1")
def test_fuzz_knowledge_check(participant_client, participant, lesson, answers, block_id):
    data = {key: values for key, values in answers.items() if values}
    url = f"/lerneinheit/{lesson.pk}/wissenscheck/{quote(block_id, safe='')}/"
    with isolated_example():
        response = _post(participant_client, url, data)
        attempts = list(QuizAttempt.objects.filter(user=participant))
        if block_id != "check-1-1" or not block_id:
            assert response.status_code in (302, 404)
            assert attempts == []
            return
        assert response.status_code == 302
        assert response["Location"].startswith(lesson.url)
        expected = _expected_attempt(data)
        event(f"knowledge check: {'refused' if expected is None else 'scored'}")
        if expected is None:
            assert attempts == []
        else:
            (attempt,) = attempts
            assert [item["chosen"] for item in attempt.answers["feedback"]] == expected
            assert attempt.passed == (expected == [[1], [0, 2]])


@fuzz_settings()
@given(
    text=fuzz_text("Übergangsplanung früher beginnen.", "Zeile 1\nZeile 2"),
    block_id=st.one_of(st.sampled_from(["refl-1-1"] * 4 + ["check-1-1"]), fuzz_text()),
)
@example(text="</textarea><script>alert(1)</script>", block_id="refl-1-1")
@example(text="a\x00b" * 3000, block_id="refl-1-1")
@example(text="x" * 10_001, block_id="refl-1-1")
@example(text=" " + "x" * 10_000 + "\n", block_id="refl-1-1")
def test_fuzz_reflection_answer(participant_client, participant, lesson, text, block_id):
    """Documented normalisation (courses.services.save_reflection): NUL removed, stripped,
    at most 10,000 characters; the answer is shown only escaped."""
    url = f"/lerneinheit/{lesson.pk}/reflexion/{quote(block_id, safe='')}/"
    with isolated_example():
        response = _post(participant_client, url, {"text": text})
        assert response.status_code in (302, 404)
        stored = list(ReflectionAnswer.objects.values_list("block_id", "text"))
        expected = text.replace("\x00", "").strip()
        saved = block_id == "refl-1-1" and len(expected) <= 10_000
        event(f"reflection: {'saved' if saved else 'refused'}")
        if saved:
            assert stored == [("refl-1-1", expected)]
            assert_no_injected_markup(
                _html(participant_client.get(reverse("learner_notes"))), text, expected
            )
        else:
            assert stored == []


# --- Workshop registration and attendance -----------------------------------------------------


def _workshop_date(course, trainer, *, starts_at) -> WorkshopDate:
    return workshop_date(course=course, trainers=[trainer], starts_at=starts_at)


@fuzz_settings()
@given(
    next_url=st.one_of(
        st.sampled_from(
            [
                "/lernbereich/",
                "//evil.example/",
                "https://evil.example/",
                "javascript:alert(1)",
                "/\\evil.example",
                "\x00/",
                " /lernbereich/",
                "/%0d%0aSet-Cookie:x=1",
                "/\r\nLocation: https://evil.example/",
                "http://testserver/lernbereich/",
            ]
        ),
        fuzz_text(),
        fuzz_text("lernbereich/", "termine/meine/").map(lambda path: "/" + path),
        st.just(None),
    ),
)
def test_fuzz_workshop_registration(client, participant, trainer, lesson, next_url):
    course = lesson.get_parent().get_parent().specific
    date = _workshop_date(course, trainer, starts_at=timezone.now() + timedelta(days=14))
    client.force_login(participant)
    data = {} if next_url is None else {"next": next_url}
    with isolated_example():
        response = _post(client, reverse("workshop_register", args=[date.pk]), data)
        assert response.status_code == 302
        location = response["Location"]
        event(f"registration: {'fallback' if location == date.get_absolute_url() else 'next'}")
        assert "\n" not in location and "\r" not in location
        # A local path only (checked without Django's 2048-character cap on URLs to check).
        parts = urlsplit(location)
        assert location.startswith("/") and not location.startswith(("//", "/\\"))
        assert not parts.scheme and not parts.netloc, location[:200]
        if len(location) <= 2048:
            assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"})
        registration = WorkshopRegistration.objects.get(date=date)
        assert (registration.user_id, registration.status) == (participant.pk, "registered")


@pytest.fixture
def roster(trainer, lesson, participant):
    from courses.workshops import services

    course = lesson.get_parent().get_parent().specific
    date = _workshop_date(course, trainer, starts_at=timezone.now() + timedelta(days=3))
    other = UserFactory(team=participant.team)
    Enrollment.objects.create(user=other, course=course)
    walk_in = UserFactory(team=participant.team, last_name="Spontan")
    Enrollment.objects.create(user=walk_in, course=course)
    registrations = [services.register(user=person, date=date) for person in (participant, other)]
    began = timezone.now() - timedelta(minutes=10)
    WorkshopDate.objects.filter(pk=date.pk).update(
        starts_at=began, ends_at=began + timedelta(hours=3)
    )
    return date, registrations, walk_in


ATTENDANCE = ["", "present", "excused", "absent"]


@fuzz_settings()
@given(
    marks=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(ATTENDANCE), fuzz_text()),
            st.one_of(fuzz_text(*NOTES), long_strings(280, 320)),
        ),
        min_size=2,
        max_size=2,
    ),
    all_present=st.booleans(),
)
@example(marks=[("present", "<script>alert(1)</script>"), ("absent", "a\x00")], all_present=False)
@example(marks=[("excused", "  zu   spät \n"), ("", '=HYPERLINK("x")')], all_present=True)
def test_fuzz_attendance(client, trainer, roster, marks, all_present):
    date, registrations, _walk_in = roster
    client.force_login(trainer)
    data = {}
    for registration, (attendance, note) in zip(registrations, marks, strict=True):
        data[f"attendance_{registration.pk}"] = attendance
        data[f"note_{registration.pk}"] = note
    if all_present:
        data["all_present"] = "1"
    valid = all(
        attendance in ATTENDANCE and "\x00" not in note and len(note.strip()) <= 300
        for attendance, note in marks
    )
    event(f"attendance: {'saved' if valid else 'refused'}")
    with isolated_example():
        response = _post(client, reverse("workshop_roster", args=[date.pk]), data)
        stored = [
            WorkshopRegistration.objects.values_list("attendance", "attendance_note").get(
                pk=registration.pk
            )
            for registration in registrations
        ]
        if not valid:
            assert response.status_code == 200
            assert stored == [("", "")] * 2
            assert_no_injected_markup(_html(response), *data.values())
            errors = _form_errors(response)
            for key, value in data.items():
                if key.startswith("note_") and "\x00" in value:
                    assert NUL_MESSAGE in " ".join(errors.get(key, [])), errors
            return
        assert response.status_code == 302
        expected = [
            (attendance or ("present" if all_present else ""), " ".join(note.split()))
            for attendance, note in marks
        ]
        assert stored == expected
        page = _html(client.get(reverse("workshop_roster", args=[date.pk])))
        assert_no_injected_markup(page, *data.values())


@pytest.fixture
def registration_to_release(trainer, lesson, participant):
    from courses.workshops import services

    course = lesson.get_parent().get_parent().specific
    date = _workshop_date(course, trainer, starts_at=timezone.now() + timedelta(days=14))
    Enrollment.objects.get_or_create(user=participant, course=course)
    return services.register(user=participant, date=date)


@fuzz_settings()
@given(reason=st.one_of(fuzz_text("Krank gemeldet", "Doppelt angemeldet"), long_strings(495, 505)))
@example(reason="</textarea><script>alert(1)</script>")
@example(reason="krank\x00")
@example(reason=" " * 3 + "x" * 500 + "\n")
def test_fuzz_release_place(client, coordinator, registration_to_release, reason):
    """Koordination cancels a person's place with a reason: the form strips it and takes
    1-500 characters without NUL; the reason reaches the log and the e-mail only escaped."""
    from types import SimpleNamespace
    from unittest import mock

    from wagtail.models import ModelLogEntry

    registration = registration_to_release
    client.force_login(coordinator)
    url = reverse("workshop_release_place", args=[registration.date_id, registration.pk])
    expected = reason.strip()
    valid = "\x00" not in reason and 1 <= len(expected) <= 500
    event(f"release: {'saved' if valid else 'refused'}")
    queued = []
    # The e-mail is rendered when it is queued and handed to the worker after the commit, which
    # never comes inside the example's savepoint: hand it over at once, to a recorder.
    with (
        mock.patch("lms.mail.transaction.on_commit", lambda callback: callback()),
        mock.patch(
            "lms.mail.send_mail_task", SimpleNamespace(enqueue=lambda **mail: queued.append(mail))
        ),
        isolated_example(),
    ):
        response = _post(client, url, {"reason": reason})
        status = WorkshopRegistration.objects.get(pk=registration.pk).status
        if not valid:
            assert response.status_code == 200 and status == "registered"
            assert_no_injected_markup(_html(response), reason)
            assert queued == []
            return
        assert response.status_code == 302 and status == "cancelled"
        assert ModelLogEntry.objects.get(action="lms.release_place").data["reason"] == expected
        (email,) = [mail for mail in queued if mail["to"] == [registration.user.email]]
        assert email["subject"].startswith("Anmeldung storniert:")
        assert expected in email["text_body"]  # plain text keeps the words as written
        assert_no_injected_markup(email["html_body"], reason)


@fuzz_settings()
@given(
    walk_in=st.one_of(st.just("person"), fuzz_text(), st.integers(-(10**30), 10**30).map(str)),
    query=fuzz_text("Spontan", "spo"),
)
@example(walk_in="abc", query="")
@example(walk_in="person", query="\x00")
@example(walk_in="99999999999999999999999", query="%_\\")
def test_fuzz_walk_in(client, trainer, roster, walk_in, query):
    """The walk-in search (GET q) and adding the chosen person (POST walk_in)."""
    date, _registrations, person = roster
    client.force_login(trainer)
    url = reverse("workshop_roster", args=[date.pk])
    value = str(person.pk) if walk_in == "person" else walk_in
    with isolated_example():
        page = client.get(url, {"q": query})
        assert page.status_code == 200
        assert_no_injected_markup(_html(page), query)
        response = _post(client, url, {"walk_in": value})
        assert response.status_code == 302
        added = WorkshopRegistration.objects.filter(date=date, user=person, walk_in=True).exists()
        event(f"walk-in: {'added' if added else 'refused'}")
        assert added == (value.strip() == str(person.pk))


# --- Search and filter forms (GET) -------------------------------------------------------------

SEARCH_FORMS = {
    "lesson search": ("participant", "/suche/", "q"),
    "people filter": ("coordinator", "/admin/auswertungen/personen/", "q"),
    "participation filter": ("coordinator", "/admin/auswertungen/teilnahme/", "q"),
    "participation date filter": ("coordinator", "/admin/auswertungen/teilnahme/", "enrolled_from"),
    "participation course filter": ("coordinator", "/admin/auswertungen/teilnahme/", "course"),
    "certificate search": ("coordinator", "/admin/zertifikate/liste/", "search"),
    "certificate date filter": ("coordinator", "/admin/zertifikate/liste/", "workshop_date"),
    "coverage course": ("coordinator", "/admin/auswertungen/abdeckung/", "course"),
}


@fuzz_settings()
@given(
    form=st.sampled_from(sorted(SEARCH_FORMS)),
    value=st.one_of(
        fuzz_text("Jana", "LC-2026"),
        st.sampled_from(["2026-02-30", "99999-01-01"]),
        st.integers(-(10**30), 10**30).map(str),
    ),
)
@example(form="lesson search", value='"unbalanced')
@example(form="lesson search", value="Über\x00gang")
@example(form="people filter", value="a\x00b")
@example(form="participation course filter", value=str(2**63))
@example(form="certificate search", value="%_\\\x00")
def test_fuzz_search_and_filter_forms(
    client, participant, coordinator, learning_course, form, value
):
    """The GET forms: searches and report filters answer, show the value escaped, and keep
    NUL bytes away from the database."""
    who, url, field = SEARCH_FORMS[form]
    client.force_login(participant if who == "participant" else coordinator)
    with isolated_example():
        response = client.get(url, {field: value})
        assert response.status_code == 200, response.status_code
        assert_no_injected_markup(_html(response), value)


# --- Participant import (addresses pasted or uploaded as CSV) ---------------------------------


@pytest.fixture
def import_course(home_page):
    return build_course(title="Importkurs", modules=1, lessons_per_module=1, self_enrolment=False)


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8", errors="surrogatepass")


def _is_plain_address(value: str) -> bool:
    if not value or len(value) > 254 or re.search(r'[\s,;"]', value):
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


cell = st.one_of(
    formula_emails(), fuzz_text("person@example.org", "Jana Özdemir"), st.sampled_from(CSV_PAYLOADS)
)


@fuzz_settings()
@given(
    rows=st.lists(st.lists(cell, min_size=1, max_size=3), min_size=1, max_size=4),
    as_upload=st.booleans(),
    confirm=st.booleans(),
)
@example(rows=[["=1+1@example.org", "+cmd@example.org"]], as_upload=True, confirm=True)
@example(rows=[["person@example.org\n"]], as_upload=False, confirm=True)  # found in CI
@example(rows=[["a\x00@example.org"]], as_upload=True, confirm=False)
@example(rows=[["x" * 140_000 + "@example.org", "b@example.org"]], as_upload=False, confirm=False)
@example(rows=[["a" * 64 + "@" + ".".join(["d" * 63] * 3) + ".de"]], as_upload=True, confirm=True)
def test_fuzz_participant_import(client, coordinator, import_course, rows, as_upload, confirm):
    client.force_login(coordinator)
    raw = _csv_bytes(rows)
    data = {"course": import_course.pk}
    if as_upload:
        data["upload"] = SimpleUploadedFile("liste.csv", raw, content_type="text/csv")
    else:
        data["addresses"] = raw.decode()
    if confirm:
        data["confirm"] = "1"
    cells = [value for row in rows for value in row]
    with isolated_example():
        response = _post(client, reverse("coordination:import"), data)
        assert response.status_code == 200
        invitations = list(Invitation.objects.values_list("email", flat=True))
        event(f"import: {'invitations stored' if invitations else 'nothing stored'}")
        html = _html(response)
        assert_no_injected_markup(html, *cells)
        if not confirm:
            assert invitations == []
        for email in invitations:
            validate_email(email)
            assert len(email) <= 254 and email == email.strip().lower()
            assert email in raw.decode().lower()
        errors = _form_errors(response)
        if errors:
            assert invitations == []
        if not as_upload and "\x00" in data["addresses"]:
            assert NUL_MESSAGE in " ".join(errors.get("addresses", [])), errors
        if confirm and not errors:
            # Every cell that is one plain, valid address (and no one's account yet) is invited.
            for value in cells:
                address = value.strip().lower()
                if (
                    _is_plain_address(address)
                    and not User.objects.filter(email__iexact=address).exists()
                ):
                    assert address in invitations, (address, invitations)


# --- Coordination exports: formulas neutralised, every value survives -------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def exported_person(import_course):
    person = UserFactory(team=TeamFactory(name="Team"))
    Enrollment.objects.create(user=person, course=import_course)
    return person


def _read_export(response, export: str) -> list[list]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if export == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body)).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row), "a formula cell"
    return [[c.value if c.value is not None else "" for c in row] for row in sheet.iter_rows()]


def _as_exported(value: str, export: str) -> str:
    """A value as the export writes it: formulas neutralised; XLSX without the control
    characters the format cannot hold (and XML turns a carriage return into a line feed)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from courses.coordination.exports import neutralise_formula

    if export == "xlsx":
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    value = neutralise_formula(value)
    if export == "xlsx":
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


@fuzz_settings()
@given(
    last_name=_storable(st.one_of(st.sampled_from(CSV_PAYLOADS), fuzz_text())),
    email=st.one_of(formula_emails(), st.just("=1+1@example.org")),
    organisation=_storable(st.one_of(st.sampled_from(CSV_PAYLOADS), unicode_text)).filter(
        str.strip
    ),
    course_title=_storable(st.one_of(st.sampled_from(CSV_PAYLOADS), unicode_text)).filter(
        str.strip
    ),
    export=st.sampled_from(["csv", "xlsx"]),
)
@example(
    last_name="=1+1",
    email="=1+1@example.org",
    organisation="+cmd",
    course_title="Zeile\x0b2",
    export="xlsx",
)
def test_fuzz_participation_export_neutralises_formulas(
    client,
    coordinator,
    import_course,
    exported_person,
    last_name,
    email,
    organisation,
    course_title,
    export,
):
    """Addresses from the import and values of other forms end up in the exports: no cell may
    start like a formula, and no value may break the XLSX writer."""
    from wagtail.models import Page

    from lms.accounts.models import Organisation

    person = exported_person
    sign_in_recently(client, coordinator)  # exports ask for the password after 5 minutes
    with isolated_example():
        # Written directly: the export must cope with whatever is stored (older data, admin).
        Organisation.objects.filter(pk=person.organisation_id).update(name=organisation[:200])
        User.objects.filter(pk=person.pk).update(last_name=last_name[:100], email=email[:254])
        Page.objects.filter(pk=import_course.pk).update(title=course_title[:255])
        person.refresh_from_db()

        response = client.get(reverse("coordination:participation"), {"export": export})
        assert response.status_code == 200
        rows = _read_export(response, export)
        (row,) = [r for r in rows[1:] if r and r[2] == _as_exported(person.email, export)]
        for value in row:
            assert not (isinstance(value, str) and value.startswith(FORMULA_START)), value
        stored = [person.last_name, person.email, person.organisation.name, course_title[:255]]
        assert [row[0], row[2], row[3], row[5]] == [_as_exported(v, export) for v in stored]


# --- Certificate template (Wagtail snippet, edited by the coordination) ------------------------

TEMPLATES_URL = "/admin/zertifikate/vorlagen/"
TEMPLATE_TEXT_FIELDS = {
    "name": 200,
    "issuer": 200,
    "place": 100,
    "signatory_name": 200,
    "signatory_function": 200,
}


def _template_data(**values) -> dict:
    data = {
        "name": "Vorlage",
        "course": "",
        "heading": "Zertifikat",
        "body": "{name} hat „{kurs}“ am {datum} abgeschlossen.",
        "show_modules": "on",
        "issuer": "Jugendamt",
        "place": "Hildesheim",
        "signatory_name": "Kim Hoffmann",
        "signatory_function": "Koordination",
        "accent_colour": "#006E5A",
        "orientation": "portrait",
    }
    data.update(values)
    return data


def _submit_template(client, coordinator, data: dict, *, via: str):
    """Submit the admin form: over HTTP (the snippet's add view) or its form class directly
    (the same WagtailAdminModelForm the view builds; much faster). Returns the re-rendered
    page (HTTP only) and the errors, or ("", {}) when the template was saved."""
    if via == "http":
        response = _post(client, f"{TEMPLATES_URL}add/", data)
        if response.status_code == 302:
            return "", {}
        assert response.status_code == 200
        return _html(response), dict(response.context["form"].errors)
    from wagtail.admin.panels import get_edit_handler

    from certificates.models import CertificateTemplate

    form_class = get_edit_handler(CertificateTemplate).get_form_class()
    form = form_class(data, instance=CertificateTemplate(), for_user=coordinator)
    if not form.is_valid():
        return form.as_div(), dict(form.errors)
    form.save()
    return "", {}


@fuzz_settings()
@given(
    field=st.sampled_from(
        [*TEMPLATE_TEXT_FIELDS, "body", "accent_colour", "heading", "orientation"]
    ),
    value=fuzz_text("Landkreis Hildesheim", "{name} war dabei.", "#2044AA", "Zertifikat"),
    body=st.one_of(st.just(None), fuzz_text("{name}\n{kurs}", "Text mit {ue} UE")),
    # One example in five goes through the admin view; the rest use its form class.
    via=st.sampled_from(["http", "form", "form", "form", "form"]),
)
@example(field="issuer", value="</title><script>alert(1)</script>", body=None, via="http")
@example(field="body", value='{name}"><img src=x onerror=alert(1)>\n{kurs}', body=None, via="http")
@example(
    field="accent_colour", value="red;}</style><script>alert(1)</script>", body=None, via="http"
)
@example(field="signatory_name", value="a\x00b", body=None, via="http")
@example(field="place", value="x" * 12_000, body=None, via="http")
def test_fuzz_certificate_template(client, coordinator, field, value, body, via):
    """Create a template as the coordination; the certificate HTML (what the PDF preview
    renders) contains every value only escaped."""
    from certificates.models import CertificateTemplate
    from certificates.rendering import render_html
    from certificates.snapshots import sample_snapshot

    client.force_login(coordinator)
    data = _template_data(**{field: value})
    if body is not None and field != "body":
        data["body"] = body
    with isolated_example():
        page, errors = _submit_template(client, coordinator, data, via=via)
        templates = list(CertificateTemplate.objects.all())
        event(f"template via {via}: {'refused' if errors else 'saved'}")
        if errors:
            assert templates == []
            assert_no_injected_markup(page, *data.values())
            for name, value in data.items():
                if "\x00" in value and value.strip() and name in TEMPLATE_TEXT_FIELDS:
                    assert NUL_MESSAGE in " ".join(errors.get(name, [])), errors
            return
        (template,) = templates
        for name, max_length in TEMPLATE_TEXT_FIELDS.items():
            assert getattr(template, name) == data[name].strip()
            assert len(getattr(template, name)) <= max_length
            _stored_text_is_clean(getattr(template, name))
        assert template.body == data["body"].strip()
        _stored_text_is_clean(template.body)
        for name in ("heading", "orientation", "accent_colour"):
            assert getattr(template, name) == data[name]

        page = render_html(sample_snapshot(template))
        assert_no_injected_markup(page, *data.values())
        for name in ("issuer", "place", "signatory_name", "signatory_function"):
            if getattr(template, name):
                assert escape(getattr(template, name)) in page


@fuzz_settings(max_examples=max(FUZZ_EXAMPLES // 20, 5))
@given(
    field=st.sampled_from(["issuer", "place", "signatory_name", "signatory_function", "body"]),
    value=_storable(st.one_of(payloads, unicode_text, long_strings(150, 200))),
)
def test_fuzz_certificate_preview_pdf(rf, coordinator, field, value):
    """The preview itself (WeasyPrint, slow): a smaller sample of the same payloads."""
    from certificates.models import CertificateTemplate

    limits = {**TEMPLATE_TEXT_FIELDS, "body": 10_000}
    with isolated_example():
        data = _template_data(**{field: value[: limits[field]]})
        template = CertificateTemplate.objects.create(
            **{k: v.strip() for k, v in data.items() if k not in {"course", "show_modules"}}
        )
        request = rf.get(f"{TEMPLATES_URL}preview/{template.pk}/")
        request.user = coordinator
        preview = template.serve_preview(request, "")
        assert preview.status_code == 200
        assert preview.content.startswith(b"%PDF")


# --- The check itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p><script>alert(1)</script></p>",
        '<input value=""><img src=x onerror=alert(1)>">',
        '<a href="javascript:alert(1)">x</a>',
        "<textarea></textarea><svg onload=alert(1)></textarea>",
    ],
)
def test_markup_check_catches_unescaped_payloads(html):
    payloads_in_page = [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "javascript:alert(1)",
        "<svg onload=alert(1)>",
    ]
    with pytest.raises(AssertionError):
        assert_no_injected_markup(html, *payloads_in_page)


def test_markup_check_accepts_escaped_payloads():
    value = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
    assert_no_injected_markup(f'<input value="{escape(value)}"><p>{escape(value)}</p>', value)
