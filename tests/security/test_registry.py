"""The privacy registry covers every model that links to a person (Moodle privacy API style)."""

import pytest
from django.apps import apps
from django.template import Context, Template

from lms.privacy.registry import Handling, get_registry, models_linking_to_user, user_links


def test_every_model_linking_to_the_user_is_registered():
    registered = {entry.model for entry in get_registry()}
    missing = sorted(set(models_linking_to_user()) - registered)
    assert not missing, (
        "Models with personal data missing from lms/privacy/registry.py "
        f"(add purpose, retention and deletion handling): {missing}"
    )


def test_the_scan_finds_the_known_links():
    found = models_linking_to_user()
    for label in (
        "account.EmailAddress",
        "wagtailusers.UserProfile",
        "wagtailcore.ModelLogEntry",
        "wagtailcore.PageLogEntry",
        "courses.Enrollment",
        "courses.WorkshopDate",  # many-to-many trainers
        "certificates.Certificate",
    ):
        assert label in found, label
    assert "certificates.CompletionWithoutCertificate" not in found  # a proxy of Enrollment


def test_every_entry_names_a_real_model_and_real_fields():
    labels = [entry.model for entry in get_registry()]
    assert len(labels) == len(set(labels)), "a model is registered twice"
    for entry in get_registry():
        model = apps.get_model(entry.model)
        for name in (*entry.actor_fields, *entry.content_match, *entry.exclude_from_export):
            model._meta.get_field(name)
        if entry.subject and entry.subject != "pk":
            model._base_manager.filter(**{entry.subject: 0})  # raises FieldError if wrong
        if entry.email_field:
            model._meta.get_field(entry.email_field)
        assert str(entry.purpose) and str(entry.retention)
        links = set(user_links(model))
        declared = {entry.subject, *entry.actor_fields} | {"pk"}
        assert links <= declared | {"user_permissions", "groups"}, (entry.model, links)


def test_certificates_are_the_only_register_kept_after_deletion():
    kept = [e.model for e in get_registry() if e.on_delete == Handling.KEEP_REGISTER]
    assert kept == ["certificates.Certificate"]


@pytest.mark.django_db
def test_registry_table_renders_in_german(settings):
    settings.PRIVACY_UNVERIFIED_ACCOUNT_DAYS = 21
    html = Template("{% load privacy_tags %}{% privacy_registry_table %}").render(Context())
    assert "Zweck" in html and "Speicherdauer" in html
    assert "Einschreibungen" in html
    assert "nach 21 Tagen gelöscht" in html
    assert "Zertifikatsregister" in html
