"""The signed-in person is loaded with their roles in one query, and still checked as before."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.backends import (
    REPLACED_BACKENDS,
    AllauthBackend,
    ModelBackend,
    user_with_roles,
)
from lms.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "roles",
    [[], [Role.TRAINER], [Role.COORDINATOR, Role.PROVIDER_COORDINATOR, Role.TRAINER]],
)
def test_roles_come_with_the_person_in_one_query(roles):
    person = UserFactory(roles=roles)
    with CaptureQueriesContext(connection) as context:
        loaded = user_with_roles(person.pk)
        answers = {role: loaded.has_role(role) for role in Role}
    assert len(context.captured_queries) == 1
    assert answers == {role: role in [Role.PARTICIPANT, *roles] for role in Role}
    assert loaded == person and loaded.email == person.email


@pytest.mark.parametrize("backend", [ModelBackend, AllauthBackend])
def test_deactivated_and_unknown_people_are_not_signed_in(backend):
    person = UserFactory()
    assert backend().get_user(person.pk) == person
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert backend().get_user(person.pk) is None
    assert backend().get_user(person.pk + 1000) is None
    assert backend().get_user("kein-Konto") is None


def test_a_request_asks_for_the_roles_only_once(client):
    trainer = UserFactory(roles=[Role.TRAINER])
    client.force_login(trainer)
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("learner_dashboard")).status_code == 200
    sql = [query["sql"] for query in context.captured_queries]
    assert sum("auth_group" in statement for statement in sql) == 1


@pytest.mark.parametrize("old_path", sorted(REPLACED_BACKENDS))
def test_sessions_from_before_the_switch_stay_signed_in(client, old_path):
    person = UserFactory()
    client.force_login(person)
    session = client.session
    session[BACKEND_SESSION_KEY] = old_path
    session.save()

    response = client.get(reverse("learner_dashboard"))
    assert response.status_code == 200
    assert response.context["user"] == person
    assert client.session[BACKEND_SESSION_KEY] == REPLACED_BACKENDS[old_path]


def test_an_unknown_backend_path_still_signs_nobody_in(client):
    client.force_login(UserFactory())
    session = client.session
    session[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    session.save()
    assert client.get(reverse("learner_dashboard")).status_code == 302
