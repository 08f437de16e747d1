"""Object-level probes: routes that take the id or code of A's objects, used by someone else.

Another participant (B) and the Träger-Koordination of another organisation request every such
route with A's ids, by GET and (for POST-only routes) by POST. They must get 404 (the project's
convention for objects; 403 where a whole feature is closed to the role, 405 for POST-only routes
on GET, "redirect" where the Wagtail admin turns people without permission away) and never a
page that carries A's name, address or notes; A's records must stay unchanged.
"""

import pytest

from certificates.models import Certificate
from courses.models import Enrollment, WorkshopRegistration

from .access_table import EXPECTED_BUGS
from .test_url_matrix import outcome, url_for, world  # noqa: F401 - fixture
from .urlmatrix import project_routes

pytestmark = pytest.mark.django_db

# Capabilities: whoever holds the code or token is meant to see the object (verification page,
# calendar subscription, invitation link). Probed with a wrong code below instead.
BY_CAPABILITY = {
    "certificate_verify",
    "certificate_verify_json",
    "workshop_calendar_feed",
    "follow_invitation",
}
REFUSED = {403, 404, 405, "login", "redirect"}
PROBERS = ("participant_b", "provider_coordinator_other")


def object_routes():
    return [
        route
        for route in project_routes()
        if route.pattern.pattern.regex.groupindex
        and not route.key.startswith("account_")
        and route.key not in BY_CAPABILITY
        and "template" not in route.key  # certificate templates hold no personal data
    ]


def _secrets(world):  # noqa: F811
    a = world["a"]
    return [a.user.email, a.user.last_name, a.reflection.text]


@pytest.mark.parametrize("role", PROBERS)
def test_other_people_never_get_a_participants_objects(
    role,
    client,
    world,  # noqa: F811
    participant_b,
    other_provider_coordinator,
):
    client.force_login(participant_b if role == "participant_b" else other_provider_coordinator)
    a = world["a"]
    before = (
        Enrollment.objects.get(pk=a.enrollment.pk).status,
        WorkshopRegistration.objects.get(pk=a.registration.pk).status,
        Certificate.objects.get(pk=a.certificate.pk).status,
    )
    failures, probed = [], 0
    for route in object_routes():
        url = url_for(route, world)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            probed += 1
            got = outcome(response)
            body = response.content.decode(errors="replace")
            leaked = [s for s in _secrets(world) if s in body]
            if (route.key, role) in EXPECTED_BUGS:
                continue
            if got not in REFUSED and route.key in ("workshop_date", "workshop_date_ics"):
                # Workshop dates are public course information; only people data must not show.
                got = "public"
            if leaked or (got not in REFUSED and got != "public"):
                failures.append(f"{method.upper()} {route.key}: {got} leaked={leaked}")
    after = (
        Enrollment.objects.get(pk=a.enrollment.pk).status,
        WorkshopRegistration.objects.get(pk=a.registration.pk).status,
        Certificate.objects.get(pk=a.certificate.pk).status,
    )
    assert before == after
    assert probed >= 2 * 30
    print(f"{role}: {probed} object requests probed on {len(object_routes())} routes")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("workshop_calendar_feed", {"token": "x" * 43}),
        ("certificate_verify", {"code": "y" * 32}),
        ("certificate_verify_json", {"code": "y" * 32}),
        ("follow_invitation", {"token": "z" * 43}),
    ],
)
def test_capability_routes_answer_404_to_a_wrong_code(client, world, name, kwargs):  # noqa: F811
    from django.urls import reverse

    assert client.get(reverse(name, kwargs=kwargs)).status_code == 404


def test_calendar_feed_of_a_shows_only_a(client, world):  # noqa: F811
    from django.urls import reverse

    feed = client.get(
        reverse("workshop_calendar_feed", kwargs={"token": world["a"].calendar_feed.token})
    )
    body = feed.content.decode()
    assert feed.status_code == 200
    assert world["b"].user.last_name not in body and world["b"].user.email not in body
