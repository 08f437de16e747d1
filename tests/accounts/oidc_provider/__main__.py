"""Run the test identity provider: `python -m tests.accounts.oidc_provider SETUP.json`.

SETUP.json: {"database": path, "client": {"client_id", "client_secret", "redirect_uris"},
"users": [{"username", "password", "email", "first_name", "last_name"}, ...]}.

Migrates its own SQLite database, creates the signing key, the client and the people, binds a
free loopback port, prints "READY <port>" and serves until terminated.
"""

import json
import os
import sys
from pathlib import Path


def main(setup_path: str) -> None:
    setup = json.loads(Path(setup_path).read_text(encoding="utf-8"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.accounts.oidc_provider.settings"
    os.environ["OIDC_PROVIDER_DB"] = setup["database"]

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0, interactive=False)
    _populate(setup)

    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler, ipv6=False)
    server.set_app(get_wsgi_application())
    port = server.server_address[1]
    settings.SITE_URL = f"http://127.0.0.1:{port}"
    print(f"READY {port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _populate(setup: dict) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType, RSAKey

    if not RSAKey.objects.exists():
        call_command("creatersakey", stdout=open(os.devnull, "w"))  # noqa: SIM115
    client_setup = setup["client"]
    client, _ = Client.objects.update_or_create(
        client_id=client_setup["client_id"],
        defaults={
            "name": "Lernplattform Fachkraft Leaving Care",
            "client_type": "confidential",
            "client_secret": client_setup["client_secret"],
            "jwt_alg": "RS256",
            "require_consent": True,
            "reuse_consent": False,
        },
    )
    client.redirect_uris = client_setup["redirect_uris"]
    client.scope = ["openid", "profile", "email"]
    client.save()
    client.response_types.set([ResponseType.objects.get(value="code")])
    for person in setup["users"]:
        user, _ = User.objects.update_or_create(
            username=person["username"],
            defaults={
                "email": person["email"],
                "first_name": person["first_name"],
                "last_name": person["last_name"],
            },
        )
        user.set_password(person["password"])
        user.save()


if __name__ == "__main__":
    main(sys.argv[1])
