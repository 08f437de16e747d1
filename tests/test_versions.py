"""lms.versions: shared version tokens, read together once per request."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import RequestFactory

from lms import versions


@pytest.fixture(autouse=True)
def _no_changes_in_this_process_yet(monkeypatch):
    from django.db import connection

    monkeypatch.setattr(versions, "_changes_here", {})
    monkeypatch.setattr(connection, "_lms_version_renewals", [], raising=False)


def test_all_tokens_are_read_in_one_round_trip_per_request():
    request = RequestFactory().get("/")
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        content = versions.current("content", request)
        certificates = versions.current("certificates", request)
        assert versions.current("content", request) == content
    assert get_many.call_count == 1
    assert content != certificates
    # The tokens were new: they are now the shared ones every process reads.
    assert cache.get(versions.KEYS["content"]) == content
    assert versions.current("certificates", RequestFactory().get("/")) == certificates


@pytest.mark.django_db
def test_a_change_shows_here_at_once_and_everywhere_after_the_commit(
    django_capture_on_commit_callbacks,
):
    key = versions.KEYS["certificates"]
    versions.current("certificates")
    shared_before = cache.get(key)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        versions.changed("certificates")
        here = versions.current("certificates")
        # Nothing is written to the shared cache before the commit (no lock held until then).
        assert cache.get(key) == shared_before
    assert here != shared_before  # this process sees the change at once
    assert len(callbacks) == 1
    shared_after = cache.get(key)
    assert shared_after != shared_before  # other processes: a new token after the commit
    assert versions.current("certificates") not in {shared_before, here}


@pytest.mark.django_db
def test_other_names_are_untouched():
    content = versions.current("content")
    versions.changed("certificates")
    assert versions.current("content") == content


@pytest.mark.django_db
def test_one_renewal_per_transaction_and_name(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(3):  # a bulk issue saves many certificates in one transaction
            versions.changed("certificates")
        versions.changed("content")
    assert len(callbacks) == 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_nothing_built_meanwhile_in_use():
    key = versions.KEYS["certificates"]
    before = versions.current("certificates")
    shared = cache.get(key)
    with pytest.raises(RuntimeError), transaction.atomic():
        versions.changed("certificates")
        during = versions.current("certificates")  # what this process builds now, from
        raise RuntimeError  # rows that are about to be rolled back, is kept under this
    after = versions.current("certificates")
    assert len({before, during, after}) == 3
    assert cache.get(key) == shared  # nothing was committed: the others keep theirs


@pytest.mark.django_db(transaction=True)
def test_a_change_after_a_rolled_back_savepoint_is_renewed_at_the_commit():
    key = versions.KEYS["certificates"]
    versions.current("certificates")
    shared = cache.get(key)
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            versions.changed("certificates")  # its renewal goes with the savepoint
            raise RuntimeError
        versions.changed("certificates")  # so this one registers its own
    assert cache.get(key) != shared


def test_tokens_read_by_the_caller_are_taken_as_they_are():
    request = RequestFactory().get("/")
    cache.set(versions.KEYS["content"], "content-token", timeout=None)
    versions.remember(request, {versions.KEYS["content"]: "content-token"})
    with mock.patch.object(cache, "get_many") as get_many:
        assert versions.current("content", request) == "content-token"
        assert versions.current("certificates", request)  # missing: made, not read again
    get_many.assert_not_called()


def test_without_a_cache_every_request_reads_from_the_database():
    with mock.patch.object(cache, "get_many", side_effect=ConnectionError("Redis weg")):
        first = versions.current("content", RequestFactory().get("/"))
        second = versions.current("content", RequestFactory().get("/"))
    assert first.startswith("uncached-") and second.startswith("uncached-")
    assert first != second  # nothing kept under one of them is ever found again
    with mock.patch.object(cache, "set", side_effect=ConnectionError("Redis weg")):
        versions.renew("content")  # logged, never raised: the change itself goes through
