"""Single sign-on with OpenID Connect, end to end against a real provider on loopback.

The provider is django-oidc-provider in its own process (tests/accounts/oidc_provider); the LMS
side runs in the Django test client. Every round trip is real: the LMS redirects to the
provider, the person signs in and consents there (requests), the provider redirects back with a
code, and the LMS fetches tokens, keys and user info from the provider over HTTP.
"""

import os
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.core import mail
from django.urls import reverse
from environs import Env

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accounts.social_adapter import clean_person_name
from lms.settings import sso as sso_settings
from tests.accounts import oidc_fixtures
from tests.accounts.oidc_fixtures import CALLBACK_PATH, LOGIN_PATH, PEOPLE, IdentityProvider
from tests.factories import TeamFactory, UserFactory

oidc_provider = oidc_fixtures.oidc_provider  # the session-wide provider process (a fixture)

PASSWORD = "demo-lms-2026"  # tests.factories.UserFactory


@pytest.fixture
def sso(settings, oidc_provider, home_page) -> IdentityProvider:
    """SSO switched on with the provider not marked trusted (the default)."""
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.providers_setting()
    return oidc_provider


@pytest.fixture
def trusted_sso(settings, oidc_provider, home_page) -> IdentityProvider:
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.providers_setting(trusted=True)
    return oidc_provider


@pytest.fixture
def bezirk(db):
    return TeamFactory(name="Bezirk 3", organisation__name="Jugendamt Hildesheim")


@pytest.fixture
def bernd(home_page):
    """A local account (password, verified address) with the address Bernd has at the provider."""
    return UserFactory(email=PEOPLE["bernd"].email, first_name="Bernd", last_name="Meyer-Local")


def start(client, idp: IdentityProvider, *, process: str = "login", next_url: str = "") -> str:
    """Press the SSO button: the LMS answers with a redirect to the provider."""
    query = {"process": process, **({"next": next_url} if next_url else {})}
    response = client.post(f"{LOGIN_PATH}?{urlencode(query)}")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{idp.issuer}/authorize"), response["Location"]
    assert "code_challenge=" in response["Location"]  # PKCE on top of the client secret
    return response["Location"]


def come_back(client, callback_url: str):
    """Follow the provider's redirect back to the LMS (the test client's host is testserver)."""
    parts = urlsplit(callback_url)
    assert (parts.netloc, parts.path) == ("testserver", CALLBACK_PATH), callback_url
    return client.get(f"{parts.path}?{parts.query}")


def round_trip(client, idp: IdentityProvider, username: str, **kwargs):
    return come_back(client, idp.sign_in(start(client, idp, **kwargs), username))


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def complete_signup(client, team, **overrides):
    data = {
        "email": PEOPLE["jana"].email,
        "first_name": "Jana",
        "last_name": "Özdemir-Schulz",
        "organisation": team.organisation_id,
        "team": team.pk,
        **overrides,
    }
    return client.post(reverse("socialaccount_signup"), data)


# --- the button -----------------------------------------------------------------------------


def test_login_page_shows_the_sso_button(client, sso):
    html = client.get(reverse("account_login")).content.decode()

    assert "Mit Dienstkonto anmelden" in html
    assert f'action="{LOGIN_PATH}?process=login"' in html


def test_button_uses_the_configured_name_and_keeps_next(client, settings, oidc_provider, home_page):
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.providers_setting(name="Kreis-Konto")

    html = client.get(reverse("account_login") + "?next=/lernbereich/").content.decode()

    assert "Mit Kreis-Konto anmelden" in html
    assert "next=%2Flernbereich%2F" in html


def test_without_configuration_there_is_no_button_and_no_provider(client, settings, home_page):
    settings.SOCIALACCOUNT_PROVIDERS = {}

    html = client.get(reverse("account_login")).content.decode()

    assert "Dienstkonto" not in html
    assert client.get(LOGIN_PATH).status_code == 404
    assert client.post(LOGIN_PATH).status_code == 404
    assert client.get(f"{CALLBACK_PATH}?code=x&state=y").status_code == 404


def test_get_on_the_provider_url_only_asks_to_continue(client, sso):
    response = client.get(LOGIN_PATH)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Mit Dienstkonto anmelden" in html and "Weiter" in html
    assert "weitergeleitet" in html


# --- new people -----------------------------------------------------------------------------


def test_new_person_from_a_trusted_provider_is_a_participant_and_lands_on_the_dashboard(
    client, trusted_sso, bezirk
):
    response = round_trip(client, trusted_sso, "jana", next_url="/lernbereich/")

    # First sign-in: a short form, prefilled from the provider's claims.
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("socialaccount_signup")
    form = client.get(reverse("socialaccount_signup")).context["form"]
    assert form.initial["first_name"] == "Jana"
    assert form.initial["last_name"] == "Özdemir-Schulz"
    assert form.initial["email"] == PEOPLE["jana"].email
    assert signed_in_user(client) is None

    response = complete_signup(client, bezirk)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/lernbereich/"
    user = User.objects.get(email=PEOPLE["jana"].email)
    assert signed_in_user(client) == user
    assert (user.first_name, user.last_name) == ("Jana", "Özdemir-Schulz")
    assert (user.organisation, user.team) == (bezirk.organisation, bezirk)
    assert user.has_role(Role.PARTICIPANT)
    assert not user.has_staff_role
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified  # the trusted provider vouches for it
    account = SocialAccount.objects.get(user=user)
    assert account.provider == "dienstkonto"
    assert account.extra_data["userinfo"]["email"] == PEOPLE["jana"].email
    assert not SocialToken.objects.exists()  # SOCIALACCOUNT_STORE_TOKENS = False
    assert client.get("/lernbereich/").status_code == 200
    assert "Angemeldet als Jana Özdemir-Schulz" in client.get("/").content.decode()


def test_second_sign_in_goes_straight_in(client, trusted_sso, bezirk):
    round_trip(client, trusted_sso, "jana")
    complete_signup(client, bezirk)
    client.logout()

    response = round_trip(client, trusted_sso, "jana")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user(client).email == PEOPLE["jana"].email
    assert User.objects.count() == 1


def test_new_person_from_an_untrusted_provider_confirms_the_address_first(client, sso, bezirk):
    round_trip(client, sso, "jana")
    response = complete_signup(client, bezirk)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user(client) is None
    user = User.objects.get(email=PEOPLE["jana"].email)
    assert user.has_role(Role.PARTICIPANT)
    assert not EmailAddress.objects.get(user=user).verified
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body)[1]
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified

    response = round_trip(client, sso, "jana")

    assert response.status_code == 302
    assert signed_in_user(client) == user


def test_names_the_project_refuses_are_left_for_the_person_to_type(client, sso, bezirk):
    round_trip(client, sso, "funktion")
    form = client.get(reverse("socialaccount_signup")).context["form"]
    assert form.initial["first_name"] == "" and form.initial["last_name"] == ""

    response = complete_signup(
        client, bezirk, email=PEOPLE["funktion"].email, first_name="", last_name="<b>Amt</b>"
    )

    assert response.status_code == 200
    assert "nur mit Buchstaben" in response.content.decode()
    assert not User.objects.exists()

    complete_signup(
        client, bezirk, email=PEOPLE["funktion"].email, first_name="Paula", last_name="Post"
    )

    assert User.objects.get(email=PEOPLE["funktion"].email).get_full_name() == "Paula Post"


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("Anne-Marie", "Anne-Marie"),
        ("  von der Heide ", "von der Heide"),
        ("O’Brien", "O’Brien"),
        ("R2D2", ""),
        ("<script>", ""),
        ("x" * 101, ""),
        (None, ""),
    ],
)
def test_names_from_claims_follow_the_projects_rules(claim, expected):
    assert clean_person_name(claim) == expected


def test_sign_up_through_sso_can_be_closed(client, settings, oidc_provider, home_page):
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.providers_setting(allow_signup=False)

    response = round_trip(client, oidc_provider, "jana")

    assert response.status_code == 200
    assert "signup_closed" in response.templates[0].name
    assert not User.objects.exists()


# --- existing local accounts ----------------------------------------------------------------


@pytest.mark.parametrize("local_address", [PEOPLE["bernd"].email, "Bernd.Meyer@Kreis.example"])
def test_untrusted_provider_never_links_to_an_existing_account(
    client, settings, oidc_provider, home_page, local_address
):
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.providers_setting()
    bernd = UserFactory(email=local_address, first_name="Bernd", last_name="Meyer-Local")
    before = User.objects.values().get(pk=bernd.pk)
    addresses_before = list(EmailAddress.objects.values())

    response = round_trip(client, oidc_provider, "bernd")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Es gibt bereits ein Konto" in html
    assert "Melden Sie sich mit Ihrer E-Mail-Adresse und Ihrem Passwort an" in html
    assert "„Dienstkonto verbinden“" in html
    assert signed_in_user(client) is None
    assert "socialaccount_sociallogin" not in client.session
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1
    assert User.objects.values().get(pk=bernd.pk) == before  # password and names untouched
    assert list(EmailAddress.objects.values()) == addresses_before
    assert mail.outbox == []


def test_after_password_sign_in_the_person_connects_the_account_then_sso_works(client, sso, bernd):
    client.post(reverse("account_login"), {"login": bernd.email, "password": PASSWORD})
    assert signed_in_user(client) == bernd
    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert "Dienstkonto verbinden" in page
    assert "noch kein Dienstkonto verbunden" in page

    response = round_trip(client, sso, "bernd", process="connect")

    # Connecting is a sensitive change: unless the password sign-in a moment ago counts as the
    # confirmation (lms.accounts.reauthentication), allauth asks for it again, then resumes.
    assert response.status_code == 302
    if response["Location"].startswith(reverse("account_reauthenticate")):
        response = client.post(response["Location"], {"password": PASSWORD})
        assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_connections")
    page = client.get(response["Location"]).content.decode()
    assert "Ihr Dienstkonto wurde verbunden" in page
    assert SocialAccount.objects.get().user == bernd

    client.post(reverse("account_logout"))
    response = round_trip(client, sso, "bernd")

    assert response.status_code == 302
    assert signed_in_user(client) == bernd
    bernd.refresh_from_db()
    assert bernd.last_name == "Meyer-Local"  # the provider's claims do not overwrite the profile
    assert bernd.has_usable_password()


def test_trusted_provider_links_to_the_existing_account(client, trusted_sso, bernd):
    password_before = bernd.password

    response = round_trip(client, trusted_sso, "bernd")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user(client) == bernd
    assert SocialAccount.objects.get().user == bernd
    assert User.objects.count() == 1
    bernd.refresh_from_db()
    assert bernd.password == password_before
    assert bernd.last_name == "Meyer-Local"


def test_trusted_provider_locks_out_whoever_preregistered_an_unconfirmed_address(
    client, trusted_sso, bernd
):
    """Someone signed up with Bernd's address but never confirmed it: the password is wiped."""
    EmailAddress.objects.filter(user=bernd).update(verified=False)

    round_trip(client, trusted_sso, "bernd")

    bernd.refresh_from_db()
    assert not bernd.has_usable_password()
    assert SocialAccount.objects.get().user == bernd


def test_sso_does_not_skip_a_second_factor(client, trusted_sso):
    """Staff roles need a second factor (lms.accounts.middleware): SSO asks for it as well."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    trainer = UserFactory(email=PEOPLE["ole"].email, roles=[Role.TRAINER])
    if not Authenticator.objects.filter(user=trainer, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(trainer, generate_totp_secret())

    response = round_trip(client, trusted_sso, "ole")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user(client) is None


def test_an_sso_only_account_cannot_disconnect_its_only_way_in(client, trusted_sso, bezirk):
    round_trip(client, trusted_sso, "jana")
    complete_signup(client, bezirk)
    account = SocialAccount.objects.get()

    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})

    assert response.status_code == 200
    assert "Ihr Konto hat noch kein Passwort" in response.content.decode()
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_my_data_shows_the_connection_and_deletion_removes_it(client, trusted_sso, bezirk):
    from lms.privacy import services as privacy

    round_trip(client, trusted_sso, "jana")
    complete_signup(client, bezirk)
    user = User.objects.get(email=PEOPLE["jana"].email)

    sections = {s["model"]: s for s in privacy.export_personal_data(user=user)["sections"]}

    (row,) = sections["socialaccount.SocialAccount"]["rows"]
    assert row["provider"] == "dienstkonto"
    assert "socialaccount.SocialToken" not in sections  # nothing stored
    privacy.delete_account(user=user)
    assert not SocialAccount.objects.exists()


# --- failures -------------------------------------------------------------------------------


def test_a_tampered_state_is_refused_in_german(client, trusted_sso):
    callback = trusted_sso.sign_in(start(client, trusted_sso), "jana")
    query = parse_qs(urlsplit(callback).query)
    tampered = f"http://testserver{CALLBACK_PATH}?" + urlencode(
        {"code": query["code"][0], "state": query["state"][0][:-2] + "xx"}
    )

    response = come_back(client, tampered)

    assert response.status_code == 401
    html = response.content.decode()
    assert "Anmeldung mit Dienstkonto fehlgeschlagen" in html
    assert "Sie sind nicht angemeldet" in html
    assert signed_in_user(client) is None
    assert "socialaccount_sociallogin" not in client.session
    assert not User.objects.exists() and not SocialAccount.objects.exists()


def test_a_callback_without_a_started_sign_in_is_refused(client, trusted_sso):
    """A code and state from someone else's browser (login CSRF) meet an empty session."""
    other_browser = client.__class__()
    callback = trusted_sso.sign_in(start(other_browser, trusted_sso), "jana")

    response = come_back(client, callback)

    assert response.status_code == 401
    assert signed_in_user(client) is None


def test_declining_consent_at_the_provider_cancels_in_german(client, sso):
    callback = sso.sign_in(start(client, sso), "jana", allow=False)
    assert "error=access_denied" in callback

    response = come_back(client, callback)

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Anmeldung abgebrochen" in page
    assert signed_in_user(client) is None


# --- configuration --------------------------------------------------------------------------


def _providers(monkeypatch, **variables) -> dict:
    for name in [n for n in os.environ if n.startswith("SSO_")]:
        monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return sso_settings._providers_from_environment(Env())


def test_environment_switches_oidc_on_only_when_complete(monkeypatch):
    assert _providers(monkeypatch) == {}
    assert _providers(monkeypatch, SSO_OIDC_SERVER_URL="https://idp", SSO_OIDC_CLIENT_ID="x") == {}

    providers = _providers(
        monkeypatch,
        SSO_OIDC_SERVER_URL="https://login.kreis.example/realms/kreis",
        SSO_OIDC_CLIENT_ID="lernplattform",
        SSO_OIDC_CLIENT_SECRET="s3cr3t",
    )

    (app,) = providers["openid_connect"]["APPS"]
    assert app["provider_id"] == "dienstkonto" and app["name"] == "Dienstkonto"
    assert app["settings"]["server_url"] == "https://login.kreis.example/realms/kreis"
    assert app["settings"]["trusted"] is False
    assert app["settings"]["verified_email"] is False
    assert app["settings"]["email_authentication"] is False


def test_environment_trusted_flag_and_saml(monkeypatch):
    providers = _providers(
        monkeypatch,
        SSO_OIDC_SERVER_URL="https://idp",
        SSO_OIDC_CLIENT_ID="x",
        SSO_OIDC_CLIENT_SECRET="y",
        SSO_OIDC_TRUSTED="true",
        SSO_OIDC_NAME="Kreis-Konto",
        SSO_SAML_IDP_ENTITY_ID="https://adfs.kreis.example/adfs/services/trust",
        SSO_SAML_IDP_METADATA_URL="https://adfs.kreis.example/metadata.xml",
    )

    oidc = providers["openid_connect"]["APPS"][0]
    assert oidc["name"] == "Kreis-Konto"
    assert oidc["settings"]["trusted"] and oidc["settings"]["email_authentication"]
    saml = providers["saml"]["APPS"][0]
    assert saml["client_id"] == "verwaltung"
    assert saml["settings"]["idp"]["metadata_url"].endswith("metadata.xml")
    assert saml["settings"]["trusted"] is False


def test_project_settings_are_safe_by_default(settings):
    assert settings.SOCIALACCOUNT_ADAPTER == "lms.accounts.social_adapter.SocialAccountAdapter"
    assert settings.SOCIALACCOUNT_LOGIN_ON_GET is False
    assert settings.SOCIALACCOUNT_STORE_TOKENS is False
    assert settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION is False
    assert settings.SOCIALACCOUNT_EMAIL_VERIFICATION == "mandatory"
