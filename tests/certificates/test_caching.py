"""Certificates kept per worker process (certificates/caching.py): read once, never stale."""

import re

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates import caching, services
from certificates.models import Certificate
from content import page_cache
from lms import versions
from tests.factories import UserFactory


def make_certificate(*, user, course, status=Certificate.Status.ISSUED, sequence=1):
    return Certificate.objects.create(
        user=user,
        course=course,
        year=2026,
        sequence=sequence,
        number=f"LC-2026-{sequence:04d}",
        snapshot={"holder_name": user.get_full_name(), "course_title": course.title},
        status=status,
        issued_at=timezone.now(),
    )


def html_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def certificate_section(client) -> str:
    """The dashboard's certificate section ("" when it shows none)."""
    html = html_of(client, reverse("learner_dashboard"))
    found = re.search(r'<section aria-labelledby="my-certificates".*?</section>', html, re.S)
    return found.group(0) if found else ""


@pytest.fixture
def issued(participant, course):
    return make_certificate(user=participant, course=course)


def test_verification_reads_a_certificate_once_per_version(issued):
    url = issued.get_absolute_url()
    html_of(Client(), url)
    with CaptureQueriesContext(connection) as queries:
        assert "Gültig" in html_of(Client(), url)
        assert Client().get(f"{url[:-1]}.json").json()["valid"] is True
    assert len(queries) == 0  # the rate limit and the version live in the cache


def test_a_revocation_shows_on_the_next_request(issued, coordinator):
    url = issued.get_absolute_url()
    assert "Gültig" in html_of(Client(), url)
    services.revoke_certificate(certificate=issued, revoked_by=coordinator, reason="Irrtum")
    assert "Widerrufen" in html_of(Client(), url)
    assert Client().get(f"{url[:-1]}.json").json()["status"] == "revoked"


def test_a_change_by_another_process_shows_after_its_version_bump(issued):
    url = issued.get_absolute_url()
    assert "Gültig" in html_of(Client(), url)
    # Another process revokes (no signal reaches this one) and renews the version token.
    Certificate.objects.filter(pk=issued.pk).update(status=Certificate.Status.REVOKED)
    assert "Gültig" in html_of(Client(), url)  # still the version this process read it under
    cache.set(versions.KEYS["certificates"], "version-of-another-process", timeout=None)
    assert "Widerrufen" in html_of(Client(), url)


def test_a_lost_version_token_reads_the_database_again(issued):
    url = issued.get_absolute_url()
    html_of(Client(), url)
    Certificate.objects.filter(pk=issued.pk).update(status=Certificate.Status.REVOKED)
    cache.delete(versions.KEYS["certificates"])  # culled, flushed or restarted
    assert "Widerrufen" in html_of(Client(), url)


def test_unknown_and_pending_codes_are_not_kept(participant, course):
    pending = make_certificate(user=participant, course=course, status=Certificate.Status.PENDING)
    for attempt in range(5):
        assert Client().get(f"/verify/unbekannt-{attempt}/").status_code == 404
    assert Client().get(pending.get_absolute_url()).status_code == 404
    assert not [key for key in caching._kept if "verification" in key]
    # Once its PDF is stored it is found at once.
    pending.status = Certificate.Status.ISSUED
    pending.save(update_fields=["status"])
    assert "Gültig" in html_of(Client(), pending.get_absolute_url())


def test_dashboard_section_follows_every_change(participant, course, coordinator):
    client = Client()
    client.force_login(participant)
    assert certificate_section(client) == ""
    certificate = make_certificate(
        user=participant, course=course, status=Certificate.Status.PENDING
    )
    assert "wird vorbereitet" in certificate_section(client)
    certificate.status = Certificate.Status.ISSUED
    certificate.save(update_fields=["status"])
    section = certificate_section(client)
    assert "LC-2026-0001" in section and "ausgestellt" in section
    services.revoke_certificate(certificate=certificate, revoked_by=coordinator, reason="Irrtum")
    assert "widerrufen" in certificate_section(client)


def test_dashboard_section_is_each_persons_own(participant, course):
    other = UserFactory()
    mine, theirs = Client(), Client()
    mine.force_login(participant)
    theirs.force_login(other)
    assert certificate_section(theirs) == ""
    make_certificate(user=participant, course=course)
    assert "LC-2026-0001" in certificate_section(mine)
    assert certificate_section(theirs) == ""
    make_certificate(user=other, course=course, sequence=2)
    assert "LC-2026-0001" not in certificate_section(theirs)
    assert "LC-2026-0002" not in certificate_section(mine)


def test_dashboard_with_certificates_costs_no_query_for_them(participant, course):
    client = Client()
    client.force_login(participant)
    url = reverse("learner_dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    make_certificate(user=participant, course=course, status=Certificate.Status.REVOKED)
    make_certificate(user=participant, course=course, sequence=2)
    client.get(url)  # reads them once under the new version
    with CaptureQueriesContext(connection) as with_two:
        section = certificate_section(client)
    assert "LC-2026-0001" in section and "LC-2026-0002" in section
    assert len(with_two) == len(without)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_revocation_is_not_shown(participant, course, coordinator):
    certificate = make_certificate(user=participant, course=course)
    url = certificate.get_absolute_url()
    assert "Gültig" in html_of(Client(), url)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.revoke_certificate(certificate=certificate, revoked_by=coordinator, reason="x")
        assert "Widerrufen" in html_of(Client(), url)  # read inside the transaction
        raise RuntimeError("abgebrochen")
    assert "Gültig" in html_of(Client(), url)


def test_certificate_changes_leave_the_content_cache_alone(issued, participant):
    client = Client()
    client.force_login(participant)
    assert "LC-2026-0001" in certificate_section(client)
    assert "Gültig" in html_of(Client(), issued.get_absolute_url())
    content_entries = dict(page_cache._entries)
    assert len(caching._kept) == 2  # the dashboard section and the verification
    issued.status = Certificate.Status.REVOKED
    issued.save(update_fields=["status"])
    assert "Widerrufen" in html_of(Client(), issued.get_absolute_url())
    assert len(caching._kept) == 1  # what the old version held is gone, not just unreachable
    assert content_entries.items() <= page_cache._entries.items()  # lessons etc. untouched


def test_verification_answers_while_redis_is_down(issued):
    unreachable = {
        "default": {"BACKEND": "lms.cache.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    with override_settings(CACHES=unreachable):  # restored before the fixtures clear the cache
        response = Client().get(issued.get_absolute_url())
        assert response.status_code == 200
        assert "Gültig" in response.content.decode()
        assert not [key for key in caching._kept if key[0].startswith(versions.UNCACHED)]
