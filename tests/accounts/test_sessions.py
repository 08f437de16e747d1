"""Sessions: rotated at sign-in, ended on logout, password or second-factor change, idle staff."""

import time

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from lms.accounts.middleware import LAST_ACTIVITY_SESSION_KEY
from tests.conftest import sign_in_recently
from tests.factories import UserFactory, current_totp_code

PASSWORD = "demo-lms-2026"
NEW_PASSWORD = "Neues-Passwort-2026!"


def _sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def _is_signed_in(client) -> bool:
    return client.get(reverse("learner_dashboard")).status_code == 200


def test_sign_in_rotates_the_session_key(client, participant):
    client.get(reverse("account_login"))
    client.cookies["sessionid"] = "x" * 32  # a key planted before sign-in (session fixation)
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    _sign_in(client, participant.email)
    assert client.session.session_key != before
    assert _is_signed_in(client)


def test_logout_ends_the_session_on_the_server(client, participant):
    _sign_in(client, participant.email)
    key = client.session.session_key
    client.post(reverse("account_logout"))
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert not _is_signed_in(stolen)


def test_changing_the_password_ends_the_other_sessions(participant):
    laptop, phone = Client(), Client()
    _sign_in(laptop, participant.email)
    _sign_in(phone, participant.email)
    session = laptop.session  # the change asks for a fresh confirmation first
    session["account_authentication_methods"][-1]["reauthenticated"] = True
    session.save()
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert _is_signed_in(laptop)
    assert not _is_signed_in(phone)


def test_setting_up_a_second_factor_ends_the_other_sessions(
    participant, django_capture_on_commit_callbacks
):
    laptop, phone = Client(), Client()
    _sign_in(phone, participant.email)
    sign_in_recently(laptop, participant)
    laptop.get(reverse("mfa_activate_totp"))
    secret = laptop.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        laptop.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})
    assert _is_signed_in(laptop)
    assert not _is_signed_in(phone)


def test_a_person_sees_and_ends_their_other_sessions(participant):
    laptop, phone = Client(), Client()
    _sign_in(phone, participant.email, HTTP_USER_AGENT="Telefon-Browser/1.0")
    _sign_in(laptop, participant.email, HTTP_USER_AGENT="Laptop-Browser/2.0")
    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert "Telefon-Browser" in page.text
    assert UserSession.objects.filter(user=participant).count() == 2
    session = laptop.session
    session["account_authentication_methods"][-1]["reauthenticated"] = True
    session.save()
    laptop.post(reverse("usersessions_list"))  # "Andere Sitzungen beenden"
    assert _is_signed_in(laptop)
    assert not _is_signed_in(phone)


def test_nobody_else_sees_a_persons_sessions(participant, home_page):
    _sign_in(Client(), participant.email, HTTP_USER_AGENT="Geheimer-Browser/1.0")
    other = Client()
    other.force_login(UserFactory())
    assert "Geheimer-Browser" not in other.get(reverse("usersessions_list")).text


@pytest.mark.parametrize("idle_minutes, signed_out", [(29, False), (31, True)])
def test_staff_sessions_end_after_thirty_idle_minutes(
    client, coordinator, idle_minutes, signed_out
):
    client.force_login(coordinator)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[LAST_ACTIVITY_SESSION_KEY] = time.time() - idle_minutes * 60
    session.save()
    response = client.get("/admin/", follow=True)
    if signed_out:
        assert response.redirect_chain[0][0].startswith(reverse("account_login"))
        assert "ohne Aktivität abgemeldet" in response.text
        assert "_auth_user_id" not in client.session
    else:
        assert response.status_code == 200
        assert client.session[LAST_ACTIVITY_SESSION_KEY] > time.time() - 5


def test_participants_keep_their_session_while_reading(participant_client):
    session = participant_client.session
    session[LAST_ACTIVITY_SESSION_KEY] = time.time() - 3 * 3600
    session.save()
    assert _is_signed_in(participant_client)


# --- Rate limits behind the reverse proxy -------------------------------------------------


@pytest.fixture
def behind_one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


LOCKED = "Zu viele fehlgeschlagene Anmeldeversuche"


def _failed_sign_in(email, forwarded_for) -> bool:
    """One wrong password from a client behind the proxy; True if the form said "locked"."""
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    return LOCKED in _sign_in(client, email, "falsch").text


def test_failed_sign_ins_are_counted_per_client_behind_the_proxy(behind_one_proxy, home_page):
    # Ten different accounts from one client: the per-IP limit (10/m) stops the eleventh try.
    locked = [_failed_sign_in(f"person{n}@example.org", "203.0.113.7") for n in range(11)]
    assert locked == [False] * 10 + [True]
    # Another client behind the same proxy (same REMOTE_ADDR) is not locked out with it.
    assert not _failed_sign_in("person0@example.org", "198.51.100.2")


def test_a_forged_forwarded_for_does_not_escape_the_limit(behind_one_proxy, home_page):
    # The proxy appends the real client address; what the client sent in front is ignored.
    locked = [
        _failed_sign_in(f"person{n}@example.org", f"10.0.0.{n}, 203.0.113.7") for n in range(11)
    ]
    assert locked[-1]


def test_without_the_proxy_setting_the_header_is_not_trusted(settings, home_page):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    locked = [_failed_sign_in(f"person{n}@example.org", f"10.0.0.{n}") for n in range(11)]
    assert locked[-1]  # all from REMOTE_ADDR 127.0.0.1, whatever the header claims


@pytest.mark.parametrize("login_url", ["/admin/login/", "/django-admin/login/"])
def test_admin_sign_in_goes_through_the_rate_limited_form(client, home_page, login_url):
    response = client.get(login_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # Django's own admin form never accepts a password.
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.post(login_url, {"username": superuser.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


# --- Confirmation before sensitive changes -------------------------------------------------


def test_changing_the_email_address_asks_for_the_password(participant_client):
    response = participant_client.post(
        reverse("account_email"), {"action_add": "", "email": "neu@example.org"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not participant_client.get(reverse("account_email")).text.count("neu@example.org")


def test_a_role_change_waits_for_the_password_and_is_then_carried_out(
    client, coordinator, participant
):
    trainers = Group.objects.get(name="Referent*innen")
    client.force_login(coordinator)
    form = {
        "email": participant.email,
        "first_name": participant.first_name,
        "last_name": participant.last_name,
        "organisation": participant.organisation_id,
        "team": participant.team_id,
        "is_active": "on",
        "groups": [*participant.groups.values_list("pk", flat=True), trainers.pk],
    }
    edit_url = reverse("wagtailusers_users:edit", args=[participant.pk])
    response = client.post(edit_url, form)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not participant.groups.filter(pk=trainers.pk).exists()

    # Confirming the password carries out the form that was sent: nothing typed is lost.
    confirmed = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert confirmed.status_code == 200
    assert participant.groups.filter(pk=trainers.pk).exists()


def test_a_fresh_sign_in_counts_as_confirmation_for_two_minutes(client, coordinator):
    from tests.factories import TOTP_SECRET

    export_url = reverse("coordination:participation") + "?export=csv"
    _sign_in(client, coordinator.email)
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(TOTP_SECRET)})
    assert client.get(export_url).status_code == 200

    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] -= 301  # five minutes later
    session.save()
    assert client.get(export_url)["Location"].startswith(reverse("account_reauthenticate"))
