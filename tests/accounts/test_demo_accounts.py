from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from lms.accounts.demo import DEMO_TOTP_SECRET, create_demo_accounts
from tests.factories import current_totp_code


def test_demo_staff_accounts_come_with_the_published_second_factor(home_page, settings):
    accounts = {user.email: user for user in create_demo_accounts(password="demo-lms-2026")}
    for email in ("referentin@example.org", "koordination@example.org", "admin@example.org"):
        totp = Authenticator.objects.get(user=accounts[email], type=Authenticator.Type.TOTP)
        assert totp.wrap().validate_code(current_totp_code(DEMO_TOTP_SECRET))
    participant = accounts["teilnehmende@example.org"]
    assert not Authenticator.objects.filter(user=participant).exists()
    # Loading the demo again keeps the authenticators as they are.
    create_demo_accounts(password="demo-lms-2026")
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == 4


def test_demo_code_prints_the_current_code_only_in_development(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_code", stdout=out)
    assert out.getvalue().split()[0] in {
        current_totp_code(DEMO_TOTP_SECRET, offset=offset) for offset in (0, 1)
    }
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_code")
