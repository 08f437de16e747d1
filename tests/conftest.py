import os
import time

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, Locale, Page, Site

from content.models import HomePage
from lms.accounts.roles import STAFF_ROLES, Role
from tests.factories import OrganisationFactory, TeamFactory, UserFactory, forget_surnames

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used
# synchronously from the same thread, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


def ensure_site() -> HomePage:
    """The Wagtail tree and roles as the migrations leave them (live_server flushes them)."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        if role in STAFF_ROLES:
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label="wagtailadmin", codename="access_admin"
                )
            )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    home = HomePage.objects.first()
    if home:
        return home
    Locale.objects.get_or_create(language_code="de")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=HomePage(title="Fachkraft Leaving Care", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home},
    )
    return home


@pytest.fixture
def home_page(db) -> HomePage:
    return ensure_site()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Jugendhilfe Beispiel gGmbH")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Anderer Träger e. V.")


@pytest.fixture
def team(organisation):
    return TeamFactory(organisation=organisation, name="Wohngruppe Nord")


@pytest.fixture
def participant(home_page, team):
    return UserFactory(team=team, email="teilnehmende@example.org")


@pytest.fixture
def trainer(home_page):
    return UserFactory(roles=[Role.TRAINER], email="referentin@example.org")


@pytest.fixture
def coordinator(home_page):
    return UserFactory(roles=[Role.COORDINATOR], email="koordination@example.org")


@pytest.fixture
def provider_coordinator(home_page, team):
    return UserFactory(
        roles=[Role.PROVIDER_COORDINATOR], team=team, email="traeger-koordination@example.org"
    )


@pytest.fixture
def superuser(home_page):
    return UserFactory(email="admin@example.org", is_superuser=True, is_staff=True)


def sign_in_recently(client, user) -> None:
    """Log in as if the password had just been confirmed: sensitive actions (exports, role
    changes, revocations) then need no further confirmation for five minutes.
    """
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": user.email, "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


@pytest.fixture
def participant_client(client, participant):
    client.force_login(participant)
    return client


# --- Browser journeys --------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "de-DE", "timezone_id": "Europe/Berlin"}


@pytest.fixture
def live_site(live_server, transactional_db):
    """A live server with the site tree rebuilt (live_server flushes the database)."""
    ensure_site()
    return live_server


@pytest.fixture(autouse=True)
def _fresh_cache_and_media(settings, tmp_path):
    """Rate-limit counters live in the cache: each test starts with an empty one."""
    from django.core.cache import cache

    cache.clear()
    forget_surnames()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()


def run_background_tasks() -> None:
    """Run every queued project task with the real database worker, then return."""
    from unittest import mock

    from django.core.management import call_command

    # Inside a test transaction the worker's close_old_connections() would really close the
    # PostgreSQL connection (autocommit is off); the worker process in production needs it.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        _run_worker(call_command)


def _run_worker(call_command) -> None:
    call_command(
        "db_worker",
        "--batch",
        "--backend",
        "background",
        "--queue-name",
        "*",
        "--no-startup-delay",
        "--no-reload",
        verbosity=0,
    )


@pytest.fixture
def run_tasks(db):
    return run_background_tasks
