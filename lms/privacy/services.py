"""Export and deletion of a person's data, both driven by the registry."""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from .registry import Handling, PersonalData, get_registry, retention_text

logger = logging.getLogger(__name__)

# Rendered images inside certificate snapshots: bulky and not about the person.
_SKIPPED_JSON_SUFFIX = "_data_url"


# --- Export ----------------------------------------------------------------------------------


def subject_rows(entry: PersonalData, user) -> models.QuerySet | None:
    """The rows of `entry` that are about `user`, or None when the model has no such rows."""
    manager = entry.model_class._base_manager
    if entry.subject:
        lookup = "pk" if entry.subject == "pk" else entry.subject
        return manager.filter(**{lookup: user.pk})
    if entry.email_field:
        addresses = person_addresses(user)
        query = Q()
        for address in addresses:
            query |= Q(**{f"{entry.email_field}__iexact": address})
        return manager.filter(query) if addresses else manager.none()
    return None


def person_addresses(user) -> set[str]:
    from allauth.account.models import EmailAddress

    addresses = {user.email.lower()} if user.email else set()
    known = EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    addresses |= {email.lower() for email in known}
    return addresses


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {
            key: _plain(item)
            for key, item in value.items()
            if not str(key).endswith(_SKIPPED_JSON_SUFFIX)
        }
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value


def _field_value(obj: models.Model, field: models.Field, user) -> Any:
    user_model = get_user_model()
    if field.many_to_one or field.one_to_one:
        raw = getattr(obj, field.attname)
        if raw is None:
            return None
        if field.related_model is user_model:
            # Another person (who enrolled you, issued the certificate) is their data, not yours.
            return _("Sie") if raw == user.pk else _("eine andere Person")
        return str(getattr(obj, field.name))
    if field.choices:
        return str(getattr(obj, f"get_{field.name}_display")())
    return _plain(getattr(obj, field.attname))


def _export_fields(entry: PersonalData) -> list[models.Field]:
    model = entry.model_class
    skipped = set(entry.exclude_from_export)
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in skipped and not (field.primary_key and field.name != "id")
    ]


def collect_personal_data(*, user) -> list[dict]:
    """One section per registered model that holds something about `user`."""
    sections = []
    for entry in get_registry():
        model = entry.model_class
        fields = _export_fields(entry)
        rows = []
        queryset = subject_rows(entry, user)
        if queryset is not None:
            for obj in queryset.order_by("pk"):
                rows.append({field.name: _field_value(obj, field, user) for field in fields})
            if entry.model == get_user_model()._meta.label:
                for row in rows:
                    row["groups"] = sorted(user.groups.values_list("name", flat=True))
        mentions = sum(
            model._base_manager.filter(**{name: user.pk}).count() for name in entry.actor_fields
        )
        if not rows and not mentions:
            continue
        labels = {field.name: str(field.verbose_name) for field in fields}
        if rows and "groups" in rows[0]:
            labels["groups"] = _("Rollen")
        sections.append(
            {
                "model": entry.model,
                "label": entry.label,
                "purpose": str(entry.purpose),
                "retention": retention_text(entry),
                "on_delete": str(entry.on_delete.label),
                "fields": labels,
                "rows": rows,
                # Records of other people that name this person as the one who acted.
                "mentions_as_actor": mentions,
            }
        )
    return sections


def export_personal_data(*, user) -> dict:
    return {
        "created_at": timezone.localtime().isoformat(),
        "person": user.email,
        "sections": collect_personal_data(user=user),
    }


# --- Deletion --------------------------------------------------------------------------------

DELETED_LABEL = "Gelöschte Person"


def _contains_any(fields: tuple[str, ...], needles: set[str]) -> Q:
    query = Q()
    for name in fields:
        for needle in needles:
            query |= Q(**{f"_privacy_{name}__icontains": needle})
    return query


def _rows_mentioning(entry: PersonalData, needles: set[str]) -> models.QuerySet:
    model = entry.model_class
    annotations = {f"_privacy_{name}": Cast(name, TextField()) for name in entry.content_match}
    return model._base_manager.annotate(**annotations).filter(
        _contains_any(entry.content_match, needles)
    )


def _anonymise_log_entries(*, objects: list[tuple[int, str]], needles: set[str]) -> None:
    """Audit log rows about the person, or naming them, lose the name and address."""
    from wagtail.models import ModelLogEntry, PageLogEntry

    about = Q()
    for content_type_id, object_id in objects:
        about |= Q(content_type_id=content_type_id, object_id=object_id)
    for log_model in (ModelLogEntry, PageLogEntry):
        entry = next(e for e in get_registry() if e.model == log_model._meta.label)
        pks = set(_rows_mentioning(entry, needles).values_list("pk", flat=True))
        if about and log_model is ModelLogEntry:  # page log entries are about pages only
            pks |= set(log_model.objects.filter(about).values_list("pk", flat=True))
        for row in log_model.objects.filter(pk__in=pks):
            row.label = DELETED_LABEL
            if any(needle in str(row.data).lower() for needle in needles):
                row.data = {}
            row.save(update_fields=["label", "data"])


def _anonymise_admin_log(*, objects: list[tuple[int, str]], needles: set[str]) -> None:
    from django.contrib.admin.models import LogEntry

    about = Q(pk__in=[])
    for content_type_id, object_id in objects:
        about |= Q(content_type_id=content_type_id, object_id=object_id)
    for needle in needles:
        about |= Q(object_repr__icontains=needle) | Q(change_message__icontains=needle)
    LogEntry.objects.filter(about).update(object_repr=DELETED_LABEL, change_message="")


def _delete_sessions(user) -> None:
    """Sign the person out everywhere: sessions do not link to users, so decode them."""
    from django.contrib.sessions.models import Session

    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        try:
            data = session.get_decoded()
        except Exception:  # noqa: S112 - a corrupt session is no one's
            continue
        if data.get("_auth_user_id") == str(user.pk):
            session.delete()


def _delete_avatar(user) -> None:
    from wagtail.users.models import UserProfile

    profile = UserProfile.objects.filter(user=user).first()
    if profile and profile.avatar:
        name = profile.avatar.name
        storage = profile.avatar.storage
        transaction.on_commit(lambda: storage.delete(name))


def delete_account(*, user) -> None:
    """Remove the person; certificates stay verifiable through their frozen snapshot.

    Order matters: collect what identifies the person first, then clear links others hold,
    then delete or anonymise the person's own rows, and the account itself last.
    """
    needles = person_addresses(user)
    user_model = get_user_model()
    with transaction.atomic():
        _delete_avatar(user)
        logged_objects: list[tuple[int, str]] = [
            (ContentType.objects.get_for_model(user_model).pk, str(user.pk))
        ]
        for entry in get_registry():
            model = entry.model_class
            manager = model._base_manager
            for name in entry.actor_fields:
                field = model._meta.get_field(name)
                if field.many_to_many:
                    through = field.remote_field.through
                    through._base_manager.filter(
                        **{field.m2m_reverse_field_name(): user.pk}
                    ).delete()
                elif field.null:
                    manager.filter(**{name: user.pk}).update(**{name: None})
            rows = subject_rows(entry, user)
            if rows is None or entry.model == user_model._meta.label:
                continue
            if entry.on_delete == Handling.KEEP_REGISTER:
                manager.filter(pk__in=rows.values("pk")).update(**{entry.subject: None})
                continue
            content_type = ContentType.objects.get_for_model(model)
            pks = list(rows.values_list("pk", flat=True))
            logged_objects += [(content_type.pk, str(pk)) for pk in pks]
            if entry.on_delete == Handling.DELETE:
                manager.filter(pk__in=pks).delete()
        for entry in get_registry():
            if entry.content_match and entry.on_delete == Handling.DELETE and not entry.subject:
                _rows_mentioning(entry, needles).delete()
        _anonymise_log_entries(objects=logged_objects, needles=needles)
        _anonymise_admin_log(objects=logged_objects, needles=needles)
        _delete_sessions(user)
        pk = user.pk
        user.delete()
    logger.info("Account %s deleted by request", pk)
