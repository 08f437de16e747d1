import re

import pytest
from django.core import mail
from django.urls import reverse

from lms.accounts.models import User
from lms.accounts.roles import Role
from tests.factories import TeamFactory, UserFactory

PASSWORD = "Leinebergland-2026"


def signup_data(chosen_team, **overrides):
    data = {
        "email": "neu@example.org",
        "first_name": "Jana",
        "last_name": "Özdemir-Schulz",
        "organisation": chosen_team.organisation_id,
        "team": chosen_team.pk,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.fixture
def signup(client, home_page):
    def post(data):
        return client.post(reverse("account_signup"), data)

    return post


def test_signup_creates_participant_and_sends_verification(signup, team):
    response = signup(signup_data(team))

    assert response.status_code == 302
    user = User.objects.get(email="neu@example.org")
    assert (user.first_name, user.last_name) == ("Jana", "Özdemir-Schulz")
    assert (user.organisation, user.team) == (team.organisation, team)
    assert user.has_role(Role.PARTICIPANT)
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert "Sie" in mail.outbox[0].body


def test_unverified_account_cannot_log_in(client, signup, team):
    signup(signup_data(team))
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "neu@example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_verification_link_then_login(client, signup, team):
    signup(signup_data(team))
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body)[1]

    assert client.get(link).status_code == 200
    client.post(link)
    response = client.post(
        reverse("account_login"), {"login": "neu@example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="neu@example.org").pk)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password1": "kurz", "password2": "kurz"}, "password1", "mindestens 10 Zeichen"),
        (
            {"password1": "12345678901", "password2": "12345678901"},
            "password1",
            "komplett numerisch",
        ),
        ({"first_name": "<script>alert(1)</script>"}, "first_name", "nur mit Buchstaben"),
        ({"last_name": "<b>Bold</b>"}, "last_name", "nur mit Buchstaben"),
        ({"last_name": "x" * 101}, "last_name", "höchstens 100 Zeichen"),
        ({"organisation": "999999"}, "organisation", "Organisation aus der Liste"),
        ({"team": "999999"}, "team", "Team aus der Liste"),
        ({"email": "kein-at-zeichen"}, "email", "gültige E-Mail-Adresse"),
    ],
)
def test_bad_signup_input_is_refused_in_german(signup, team, overrides, field, message):
    response = signup(signup_data(team, **overrides))

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field]), form.errors
    assert not User.objects.filter(email=signup_data(team, **overrides)["email"]).exists()


def test_team_of_another_organisation_is_refused(signup, team, other_organisation):
    foreign_team = TeamFactory(organisation=other_organisation)

    response = signup(signup_data(team, team=foreign_team.pk))

    assert response.status_code == 200
    assert "gehört nicht zur gewählten Organisation" in response.content.decode()
    assert not User.objects.filter(email="neu@example.org").exists()


def test_duplicate_email_creates_no_second_account(signup, team):
    UserFactory(email="neu@example.org")

    response = signup(signup_data(team, email="NEU@example.org"))

    # allauth prevents account enumeration: it answers as if it worked and mails the owner.
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="neu@example.org").count() == 1
    assert "bereits" in mail.outbox[-1].body or "already" in mail.outbox[-1].body


def test_email_uniqueness_is_case_insensitive_in_the_database(db, team):
    from django.db import IntegrityError, transaction

    UserFactory(email="Same@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="same@EXAMPLE.org".lower().replace("same", "SAME"))
