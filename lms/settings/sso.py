"""Single sign-on through allauth's OpenID Connect provider, configured by the environment.

Off unless SSO_OIDC_SERVER_URL, SSO_OIDC_CLIENT_ID and SSO_OIDC_CLIENT_SECRET are all set; then the
login page shows "Mit <SSO_OIDC_NAME> anmelden". The redirect URI to register at the identity
provider is `<site>/accounts/oidc/<SSO_OIDC_PROVIDER_ID>/login/callback/`. See docs/sso.md.

| Variable | Meaning | Default |
| --- | --- | --- |
| SSO_OIDC_SERVER_URL | issuer URL (its /.well-known/openid-configuration is read) | off |
| SSO_OIDC_CLIENT_ID, SSO_OIDC_CLIENT_SECRET | the client registered at the provider | off |
| SSO_OIDC_NAME | name on the button ("Mit … anmelden") | Dienstkonto |
| SSO_OIDC_PROVIDER_ID | part of the callback URL | dienstkonto |
| SSO_OIDC_TRUSTED | the provider's addresses count as verified; see below | False |
| SSO_OIDC_ALLOW_SIGNUP | people without an account may create one through SSO | True |

SAML (allauth.socialaccount.providers.saml; needs python3-saml and that app in INSTALLED_APPS):
SSO_SAML_ORGANIZATION (URL part, default "verwaltung"), SSO_SAML_NAME, SSO_SAML_TRUSTED,
SSO_SAML_ALLOW_SIGNUP, and either SSO_SAML_IDP_METADATA_URL + SSO_SAML_IDP_ENTITY_ID or
SSO_SAML_IDP_ENTITY_ID + SSO_SAML_IDP_SSO_URL + SSO_SAML_IDP_X509CERT.

Trusted: e-mail addresses from the provider count as verified, and a sign-in with the address of
an existing account logs into that account and connects it. Not trusted: addresses are confirmed
by e-mail, and such a sign-in is refused with instructions to connect the account oneself.
"Trusted" is enforced by lms.accounts.social_adapter.SocialAccountAdapter from the app's
settings["trusted"], whatever else the app settings say.
"""

from environs import Env

__all__ = [
    "SOCIALACCOUNT_ADAPTER",
    "SOCIALACCOUNT_AUTO_SIGNUP",
    "SOCIALACCOUNT_EMAIL_AUTHENTICATION",
    "SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT",
    "SOCIALACCOUNT_EMAIL_REQUIRED",
    "SOCIALACCOUNT_EMAIL_VERIFICATION",
    "SOCIALACCOUNT_LOGIN_ON_GET",
    "SOCIALACCOUNT_PROVIDERS",
    "SOCIALACCOUNT_QUERY_EMAIL",
    "SOCIALACCOUNT_REQUESTS_TIMEOUT",
    "SOCIALACCOUNT_STORE_TOKENS",
]

DEFAULT_NAME = "Dienstkonto"

# Attribute names for SAML identity providers common in German administrations (Active Directory
# Federation Services / Entra ID claim URIs, and the LDAP OIDs that Shibboleth and Keycloak use).
SAML_ATTRIBUTE_MAPPING = {
    "uid": [
        "urn:oasis:names:tc:SAML:attribute:subject-id",
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
    ],
    "email": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "email",
        "mail",
    ],
    "first_name": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "urn:oid:2.5.4.42",
        "givenName",
        "given_name",
    ],
    "last_name": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "urn:oid:2.5.4.4",
        "sn",
        "family_name",
    ],
}


def oidc_app(
    *,
    server_url: str,
    client_id: str,
    secret: str,
    name: str = DEFAULT_NAME,
    provider_id: str = "dienstkonto",
    trusted: bool = False,
    allow_signup: bool = True,
) -> dict:
    """One entry of SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] (the tests use it too)."""
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": client_id,
        "secret": secret,
        "settings": {
            "server_url": server_url,
            "oauth_pkce_enabled": True,
            "trusted": trusted,
            # allauth's own switches, kept in line with "trusted" (the adapter enforces it too).
            "verified_email": trusted,
            "email_authentication": trusted,
            "allow_signup": allow_signup,
        },
    }


def saml_app(
    *,
    organization: str,
    idp: dict,
    name: str = DEFAULT_NAME,
    trusted: bool = False,
    allow_signup: bool = True,
) -> dict:
    """One entry of SOCIALACCOUNT_PROVIDERS["saml"]["APPS"]; `organization` is the URL part."""
    return {
        "client_id": organization,
        "name": name,
        "settings": {
            "idp": idp,
            "attribute_mapping": SAML_ATTRIBUTE_MAPPING,
            "advanced": {
                "strict": True,
                "want_assertion_signed": True,
                "reject_idp_initiated_sso": True,
            },
            "trusted": trusted,
            "verified_email": trusted,
            "email_authentication": trusted,
            "allow_signup": allow_signup,
        },
    }


def _providers_from_environment(env: Env) -> dict:
    providers: dict = {}
    server_url = env.str("SSO_OIDC_SERVER_URL", default="")
    client_id = env.str("SSO_OIDC_CLIENT_ID", default="")
    secret = env.str("SSO_OIDC_CLIENT_SECRET", default="")
    if server_url and client_id and secret:
        app = oidc_app(
            server_url=server_url,
            client_id=client_id,
            secret=secret,
            name=env.str("SSO_OIDC_NAME", default=DEFAULT_NAME),
            provider_id=env.str("SSO_OIDC_PROVIDER_ID", default="dienstkonto"),
            trusted=env.bool("SSO_OIDC_TRUSTED", default=False),
            allow_signup=env.bool("SSO_OIDC_ALLOW_SIGNUP", default=True),
        )
        providers["openid_connect"] = {"APPS": [app]}

    entity_id = env.str("SSO_SAML_IDP_ENTITY_ID", default="")
    metadata_url = env.str("SSO_SAML_IDP_METADATA_URL", default="")
    sso_url = env.str("SSO_SAML_IDP_SSO_URL", default="")
    x509cert = env.str("SSO_SAML_IDP_X509CERT", default="")
    if entity_id and (metadata_url or (sso_url and x509cert)):
        idp = {"entity_id": entity_id}
        if metadata_url:
            idp["metadata_url"] = metadata_url
        else:
            idp.update(sso_url=sso_url, x509cert=x509cert)
        app = saml_app(
            organization=env.str("SSO_SAML_ORGANIZATION", default="verwaltung"),
            idp=idp,
            name=env.str("SSO_SAML_NAME", default=DEFAULT_NAME),
            trusted=env.bool("SSO_SAML_TRUSTED", default=False),
            allow_signup=env.bool("SSO_SAML_ALLOW_SIGNUP", default=True),
        )
        providers["saml"] = {"APPS": [app]}
    return providers


SOCIALACCOUNT_PROVIDERS = _providers_from_environment(Env())

SOCIALACCOUNT_ADAPTER = "lms.accounts.social_adapter.SocialAccountAdapter"
# The button on the login page posts; a GET to the provider URL only shows "Weiter".
SOCIALACCOUNT_LOGIN_ON_GET = False
# The first SSO sign-in always shows a short form: name as it will appear on certificates (taken
# from the provider), organisation and team, which no provider knows.
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_QUERY_EMAIL = True
# Addresses from a provider not marked trusted are confirmed by e-mail like any sign-up.
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Only a trusted provider's app turns e-mail authentication on (per app, see oidc_app()); then
# the SSO account is connected to the existing account, so later sign-ins find it directly.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Access and refresh tokens are not needed after sign-in: nothing is stored.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
