"""Every project URL requested by every role, compared with tests/security/access_table.py.

Codes: 200 (or another status) as the view answers; "login" is a redirect to the login page;
"redirect" any other redirect. Objects in the URLs belong to participant A, so a 404 or 403 for
participant B, the trainer or the other organisation's Träger-Koordination means "not theirs".
"""

from __future__ import annotations

import json
import os
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from certificates.models import Certificate, CertificateTemplate
from courses.models import Invitation

from .access_table import ACCESS, EXPECTED_BUGS, ROLES
from .urlmatrix import project_routes

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def outcome(response) -> int | str:
    if response.status_code in (301, 302):
        return "login" if response["Location"].startswith(LOGIN) else "redirect"
    return response.status_code


@pytest.fixture
def world(learner_a, learner_b, participant_b, provider_coordinator, other_provider_coordinator):
    certificate = learner_a.certificate
    Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.ISSUED)
    certificate.refresh_from_db()
    certificate.pdf.save("a.pdf", ContentFile(b"%PDF-1.4 A"), save=True)
    invitation = Invitation.objects.create(email="eingeladen@example.org", course=learner_a.course)
    template = CertificateTemplate.objects.first() or CertificateTemplate.objects.create(
        name="Standard", signatory_name="Leitung"
    )
    if template.latest_revision_id is None:
        template.save_revision()
    return {
        "a": learner_a,
        "b": learner_b,
        "invitation": invitation,
        "template": template,
    }


def url_kwargs(route, world) -> dict[str, object]:
    a = world["a"]
    # Parameters of the whole route: included URLconfs may take some (accounts/oidc/<provider_id>/).
    names = set(route.pattern.pattern.regex.groupindex) | {
        regex_name or path_name
        for regex_name, path_name in re.findall(r"\(\?P<(\w+)>|<(?:\w+:)?(\w+)>", route.route)
    }
    key = route.key
    values: dict[str, object] = {}
    for name in names:
        if name == "user_id":
            values[name] = a.user.pk
        elif name == "enrollment_id":
            values[name] = a.enrollment.pk
        elif name == "course_id":
            values[name] = a.course.pk
        elif name == "lesson_id":
            values[name] = a.lesson.pk
        elif name == "block_id":
            values[name] = "check-1-1" if "check" in key else "refl-1-1"
        elif name == "date_id":
            values[name] = a.date.pk
        elif name == "registration_id":
            values[name] = a.registration.pk
        elif name == "code":
            values[name] = a.certificate.verification_code
        elif name == "token":
            values[name] = (
                world["invitation"].token if key == "follow_invitation" else a.calendar_feed.token
            )
        elif name == "revision_id":
            values[name] = world["template"].latest_revision_id
        elif name == "revision_id_a":
            values[name] = "earliest"
        elif name == "revision_id_b":
            values[name] = "latest"
        elif name == "provider_id":  # single sign-on: not configured in the tests
            values[name] = "dienstkonto"
        elif name in ("key", "uidb36"):
            values[name] = "abc123"
        elif name == "pk":
            if "wagtailusers" in key:
                values[name] = a.user.pk
            elif "template" in key:
                values[name] = world["template"].pk
            elif "workshop_dates" in key:
                values[name] = a.date.pk
            elif "eligible" in key or "completionwithout" in key:
                values[name] = a.enrollment.pk
            else:
                values[name] = a.certificate.pk
        else:  # pragma: no cover - a new kind of parameter needs a value here
            raise AssertionError(f"no test value for {name} in {key}")
    return values


def url_for(route, world) -> str:
    if route.key.startswith("admin/"):  # unnamed project patterns
        return "/" + route.route
    if route.key == "wagtail_serve":  # every Wagtail page: the first lesson of A's course
        return world["a"].lesson.url
    return reverse(route.key, kwargs=url_kwargs(route, world))


@pytest.fixture
def people(world, participant_b, trainer, coordinator, provider_coordinator, superuser, request):
    return {
        "anonymous": None,
        "participant_a": world["a"].user,
        "participant_b": participant_b,
        "trainer": trainer,
        "coordinator": coordinator,
        "provider_coordinator_a": provider_coordinator,
        "provider_coordinator_other": request.getfixturevalue("other_provider_coordinator"),
        "superuser": superuser,
    }


def test_every_project_url_has_an_entry_in_the_access_table():
    keys = {route.key for route in project_routes()}
    missing = sorted(keys - set(ACCESS))
    assert not missing, f"URLs without an entry in tests/security/access_table.py: {missing}"
    stale = sorted(set(ACCESS) - keys)
    assert not stale, f"Entries for URLs that no longer exist: {stale}"
    for key, row in ACCESS.items():
        assert set(row) == set(ROLES), key


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role, client, people, world):
    user = people[role]
    if user is not None:
        client.force_login(user)
    observed, mismatches = {}, []
    for route in sorted(project_routes(), key=lambda r: r.key):
        response = client.get(url_for(route, world))
        got = outcome(response)
        observed[route.key] = got
        expected = ACCESS.get(route.key, {}).get(role)
        if (route.key, role) in EXPECTED_BUGS:
            continue  # checked strictly in test_known_access_bugs
        if got != expected:
            mismatches.append(f"{route.key}: expected {expected!r}, got {got!r}")
    if dump := os.environ.get("URL_MATRIX_DUMP"):
        with open(f"{dump}.{role}.json", "w") as handle:
            json.dump(observed, handle, indent=1, sort_keys=True)
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)


def _known_bug_params():
    return [
        pytest.param(key, role, marks=pytest.mark.xfail(strict=True, reason=reason))
        for (key, role), reason in EXPECTED_BUGS.items()
    ]


@pytest.mark.parametrize(("key", "role"), _known_bug_params())
def test_known_access_bugs(key, role, client, people, world):
    user = people[role]
    if user is not None:
        client.force_login(user)
    route = next(r for r in project_routes() if r.key == key)
    assert outcome(client.get(url_for(route, world))) == ACCESS[key][role]
