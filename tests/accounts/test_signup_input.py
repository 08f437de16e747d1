"""Odd input on the sign-up form (found by tests/security/test_fuzz_forms.py)."""

import pytest
from django.urls import reverse

from lms.accounts.models import User

PASSWORD = "Leinebergland-2026"
# Valid for Django's validate_email (up to 320 characters), too long for the e-mail column (254).
LONG_ADDRESS = "=cmd@" + ".".join(["d" * 63] * 4) + ".de"


def _sign_up(client, team, email):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "first_name": "Jana",
            "last_name": "Özdemir",
            "organisation": team.organisation_id,
            "team": team.pk,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


@pytest.mark.parametrize("email", [LONG_ADDRESS, "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".de"])
def test_overlong_address_is_refused_not_cut(client, home_page, team, email):
    """allauth cut the address to 254 characters when saving: the account got another one."""
    assert 254 < len(email) <= 320
    response = _sign_up(client, team, email)
    assert response.status_code == 200
    assert "höchstens 254 Zeichen" in " ".join(response.context["form"].errors["email"])
    assert not User.objects.filter(first_name="Jana", last_name="Özdemir").exists()


def test_address_of_254_characters_is_accepted(client, home_page, team):
    email = "a" * 64 + "@" + ".".join(["b" * 61, "b" * 61, "b" * 62]) + ".de"
    assert len(email) == 254
    _sign_up(client, team, email)
    assert User.objects.get(first_name="Jana", last_name="Özdemir").email == email


def test_overlong_address_is_refused_when_adding_an_address(client, participant):
    from allauth.account.models import EmailAddress

    from tests.conftest import sign_in_recently

    sign_in_recently(client, participant)
    response = client.post("/accounts/email/", {"action_add": "", "email": LONG_ADDRESS})
    assert response.status_code == 200
    assert not EmailAddress.objects.filter(email=LONG_ADDRESS).exists()
