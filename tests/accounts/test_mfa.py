"""Two-factor authentication: required for staff roles, optional for participants."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from lms.accounts.roles import Role
from tests.conftest import sign_in_recently
from tests.factories import TOTP_SECRET, UserFactory, current_totp_code

PASSWORD = "demo-lms-2026"
STAFF_KINDS = [
    {"roles": [Role.TRAINER]},
    {"roles": [Role.COORDINATOR]},
    {"roles": [Role.PROVIDER_COORDINATOR]},
    {"is_superuser": True, "is_staff": True},
]


@pytest.fixture
def staff_without_second_factor(home_page):
    return UserFactory(roles=[Role.COORDINATOR], second_factor=False)


@pytest.mark.parametrize("kind", STAFF_KINDS, ids=["trainer", "koordination", "traeger", "super"])
@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/pages/",
        "/admin/auswertungen/teilnahme/",
        "/django-admin/",
        "/lernbereich/",
    ],
)
def test_staff_without_second_factor_reach_no_page_but_the_setup(client, home_page, kind, url):
    person = UserFactory(second_factor=False, **kind)
    client.force_login(person)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_the_setup_explains_why_and_leaving_stays_possible(client, staff_without_second_factor):
    client.force_login(staff_without_second_factor)
    page = client.get("/admin/", follow=True)
    assert "Für Ihre Rolle ist die Zwei-Faktor-Authentifizierung vorgeschrieben" in page.text
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_participants_may_go_without_a_second_factor(participant_client):
    assert participant_client.get(reverse("learner_dashboard")).status_code == 200


def test_setting_up_the_app_opens_the_admin(client, staff_without_second_factor):
    person = staff_without_second_factor
    sign_in_recently(client, person)
    activate = client.get(reverse("mfa_activate_totp"))
    assert activate.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in activate.text  # shown for typing in, next to the QR code

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=person).exists()

    done = client.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})
    assert done.status_code == 302
    assert set(Authenticator.objects.filter(user=person).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP,
        Authenticator.Type.RECOVERY_CODES,
    }
    assert client.get("/admin/").status_code == 200


def test_staff_cannot_remove_their_only_second_factor(client, coordinator):
    sign_in_recently(client, coordinator)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "vorgeschrieben" in response.text
    assert Authenticator.objects.filter(user=coordinator, type=Authenticator.Type.TOTP).exists()


def test_participants_may_switch_it_off_again(client, home_page):
    person = UserFactory(second_factor=True)
    sign_in_recently(client, person)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()


def _password_step(client, email):
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


def test_sign_in_asks_for_the_code_after_the_password(client, coordinator):
    response = _password_step(client, coordinator.email)
    assert response["Location"] == reverse("mfa_authenticate")
    # Between the two steps nobody is signed in: the admin is still closed.
    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session

    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    right = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(TOTP_SECRET)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(coordinator.pk)
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_works_once(client, coordinator):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes(
        Authenticator.objects.get(user=coordinator, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    _password_step(client, coordinator.email)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    client.post(reverse("account_logout"))

    _password_step(client, coordinator.email)
    reused = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert reused.status_code == 200
    assert "_auth_user_id" not in client.session


def test_guessing_codes_locks_the_code_step(client, coordinator):
    _password_step(client, coordinator.email)
    for _ in range(5):  # ACCOUNT_RATE_LIMITS["login_failed"]: 5 per 5 minutes per account
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    locked = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(TOTP_SECRET)})
    assert locked.status_code == 200
    assert "_auth_user_id" not in client.session
