"""A real OpenID Connect provider for the SSO tests, and a way to sign in there without a browser.

`start_identity_provider()` runs tests/accounts/oidc_provider (django-oidc-provider) in a
subprocess with its own settings and SQLite file, on a free loopback port, and waits until its
/.well-known/openid-configuration answers. `IdentityProvider.sign_in()` plays the person at the
provider with `requests`: login form, consent form, and returns the redirect back to the LMS.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from lms.settings.sso import oidc_app

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_ID = "dienstkonto"
CALLBACK_PATH = f"/accounts/oidc/{PROVIDER_ID}/login/callback/"
LOGIN_PATH = f"/accounts/oidc/{PROVIDER_ID}/login/"
STARTUP_TIMEOUT = 60


@dataclass(frozen=True)
class IdpPerson:
    username: str
    email: str
    first_name: str
    last_name: str
    password: str = "idp-passwort-2026"


# The people known to the provider; each test picks the one its case needs.
PEOPLE = {
    person.username: person
    for person in (
        IdpPerson("jana", "jana.oezdemir@kreis.example", "Jana", "Özdemir-Schulz"),
        IdpPerson("bernd", "bernd.meyer@kreis.example", "Bernd", "Meyer"),
        IdpPerson("ole", "ole.hansen@kreis.example", "Ole", "Hansen"),
        # A directory entry whose names the project refuses (digits, markup): typed in instead.
        IdpPerson("funktion", "poststelle@kreis.example", "Poststelle 2", "<b>Amt</b>"),
    )
}


class _FormReader(HTMLParser):
    """The <input> fields of a page: enough for the provider's login and consent forms."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append({key: value or "" for key, value in attrs})


def _hidden_inputs(html: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(html)
    return {i["name"]: i.get("value", "") for i in reader.inputs if i.get("type") == "hidden"}


@dataclass
class IdentityProvider:
    issuer: str
    client_id: str
    secret: str
    people: dict[str, IdpPerson] = field(default_factory=lambda: dict(PEOPLE))

    def app(self, **kwargs) -> dict:
        return oidc_app(
            server_url=self.issuer,
            client_id=self.client_id,
            secret=self.secret,
            provider_id=PROVIDER_ID,
            **kwargs,
        )

    def providers_setting(self, **kwargs) -> dict:
        """The value for settings.SOCIALACCOUNT_PROVIDERS, e.g. `trusted=True`."""
        return {"openid_connect": {"APPS": [self.app(**kwargs)]}}

    def sign_in(self, authorize_url: str, username: str, *, allow: bool = True) -> str:
        """Follow the LMS's redirect to the provider as `username`; return the way back.

        The provider asks for the password, then for consent; the answer is its redirect to
        the LMS callback (with `code` and `state`, or `error` when consent is declined).
        """
        person = self.people[username]
        with requests.Session() as browser:
            response = browser.get(authorize_url, allow_redirects=False, timeout=10)
            assert response.status_code == 302, response.text
            login_url = urljoin(authorize_url, response.headers["Location"])
            login_page = browser.get(login_url, timeout=10)
            login_page.raise_for_status()
            form = {
                **_hidden_inputs(login_page.text),  # csrfmiddlewaretoken, next
                "username": person.username,
                "password": person.password,
            }
            response = browser.post(login_url, data=form, allow_redirects=False, timeout=10)
            assert response.status_code == 302, "the provider refused the password"
            consent_url = urljoin(login_url, response.headers["Location"])
            consent_page = browser.get(consent_url, timeout=10)
            assert "Request for Permission" in consent_page.text, consent_page.text
            answer = _hidden_inputs(consent_page.text)
            if allow:
                answer["allow"] = "Authorize"
            response = browser.post(
                urljoin(consent_url, "/openid/authorize"),
                data=answer,
                allow_redirects=False,
                timeout=10,
            )
            assert response.status_code == 302, response.text
            return response.headers["Location"]


@contextmanager
def running_identity_provider(
    workdir: Path, redirect_uris: list[str]
) -> Iterator[IdentityProvider]:
    """Start the provider in a subprocess; stop it (and only it) afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    client_id, secret = "lernplattform", "geheim-nur-fuer-tests"
    setup = {
        "database": str(workdir / "idp.sqlite3"),
        "client": {"client_id": client_id, "client_secret": secret, "redirect_uris": redirect_uris},
        "users": [person.__dict__ for person in PEOPLE.values()],
    }
    setup_path = workdir / "setup.json"
    setup_path.write_text(json.dumps(setup), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    log = (workdir / "idp.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tests.accounts.oidc_provider", str(setup_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        port = _wait_for_port(process, workdir)
        issuer = f"http://127.0.0.1:{port}/openid"
        _wait_for_discovery(process, issuer, workdir)
        yield IdentityProvider(issuer=issuer, client_id=client_id, secret=secret)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_for_port(process: subprocess.Popen, workdir: Path) -> int:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], STARTUP_TIMEOUT)
    line = process.stdout.readline() if ready else ""  # "READY <port>", or "" if it died
    if not line.startswith("READY "):
        process.wait(timeout=10)
        raise RuntimeError(f"identity provider did not start:\n{_log(workdir)}")
    return int(line.split()[1])


def _wait_for_discovery(process: subprocess.Popen, issuer: str, workdir: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"identity provider stopped:\n{_log(workdir)}")
        try:
            response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
            if response.ok and response.json()["issuer"] == issuer:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"identity provider did not answer:\n{_log(workdir)}")


def _log(workdir: Path) -> str:
    return (workdir / "idp.log").read_text(encoding="utf-8", errors="replace")[-4000:]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Iterator[IdentityProvider]:
    """The provider for Django test client runs (the LMS answers as http://testserver)."""
    workdir = tmp_path_factory.mktemp("oidc_provider")
    with running_identity_provider(workdir, [f"http://testserver{CALLBACK_PATH}"]) as provider:
        yield provider
