"""Single sign-on in a real browser: the LMS (live server) and a real OpenID Connect provider.

Chromium goes from the LMS login page to the provider (tests/accounts/oidc_provider, a separate
process on 127.0.0.1), signs in and consents there, and comes back to finish the sign-up.
"""

import pytest
from allauth.socialaccount.models import SocialAccount
from environs import Env
from playwright.sync_api import Page, expect

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.settings import csp
from tests.a11y import assert_accessible
from tests.accounts.oidc_fixtures import CALLBACK_PATH, PEOPLE, running_identity_provider
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser_idp(live_server, tmp_path_factory):
    redirect_uri = f"{live_server.url}{CALLBACK_PATH}"
    with running_identity_provider(tmp_path_factory.mktemp("idp_e2e"), [redirect_uri]) as idp:
        yield idp


@pytest.fixture
def sso_site(settings, live_site, browser_idp):
    """SSO on, as sso.py would configure it, including the login form's CSP form-action."""
    settings.SOCIALACCOUNT_PROVIDERS = browser_idp.providers_setting(trusted=True)
    directives = csp.site_directives(
        media=[], sso=csp.sso_origins(settings.SOCIALACCOUNT_PROVIDERS, Env())
    )
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    return live_site


def sign_in_at_provider(page: Page, username: str) -> None:
    person = PEOPLE[username]
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in at the provider").click()
    consent_at_provider(page)


def consent_at_provider(page: Page) -> None:
    expect(page.get_by_role("heading", name="Request for Permission")).to_be_visible()
    page.get_by_role("button", name="Authorize").click()


def test_first_sign_in_with_the_county_account(page: Page, sso_site):
    TeamFactory(name="Bezirk 3", organisation__name="Jugendamt Hildesheim")
    page.goto(f"{sso_site.url}/accounts/login/")
    assert_accessible(page)

    page.get_by_role("button", name="Mit Dienstkonto anmelden").click()
    sign_in_at_provider(page, "jana")

    expect(page.get_by_role("heading", level=1)).to_have_text("Registrierung abschließen")
    expect(page.get_by_label("Vorname")).to_have_value("Jana")
    expect(page.get_by_label("Nachname")).to_have_value("Özdemir-Schulz")
    assert_accessible(page)
    page.get_by_label("Organisation").select_option(label="Jugendamt Hildesheim")
    page.get_by_label("Team / Bezirk").select_option(label="Bezirk 3")
    page.get_by_role("button", name="Konto anlegen").click()

    expect(page.get_by_text("Angemeldet als Jana Özdemir-Schulz")).to_be_visible()
    user = User.objects.get(email=PEOPLE["jana"].email)
    assert user.has_role(Role.PARTICIPANT)
    assert SocialAccount.objects.filter(user=user).exists()

    page.goto(f"{sso_site.url}/accounts/3rdparty/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung mit Dienstkonto")
    expect(page.get_by_text("Dienstkonto: jana")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Abmelden").first.click()
    page.goto(f"{sso_site.url}/accounts/login/")
    page.get_by_role("button", name="Mit Dienstkonto anmelden").click()
    consent_at_provider(page)  # still signed in there; the provider asks for consent each time
    expect(page.get_by_text("Angemeldet als Jana Özdemir-Schulz")).to_be_visible()


def test_existing_account_is_not_taken_over_through_an_untrusted_provider(
    page: Page, sso_site, settings, browser_idp
):
    settings.SOCIALACCOUNT_PROVIDERS = browser_idp.providers_setting()  # not trusted
    UserFactory(email=PEOPLE["bernd"].email, first_name="Bernd", last_name="Meyer")
    page.goto(f"{sso_site.url}/accounts/login/")

    page.get_by_role("button", name="Mit Dienstkonto anmelden").click()
    sign_in_at_provider(page, "bernd")

    expect(page.get_by_role("heading", level=1)).to_have_text("Es gibt bereits ein Konto")
    expect(page.get_by_role("link", name="Anmelden", exact=True)).to_be_visible()
    assert_accessible(page)
    assert not SocialAccount.objects.exists()
