"""Who may do what with certificates. Scope always comes from `User.objects.visible_to`.

- Koordination (and superusers): edit templates; issue, revoke, re-issue and download for all.
- Träger-Koordination: the same for the people of their own organisation; no templates.
- Everybody else: only their own issued certificates.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.permission_policies.base import BasePermissionPolicy

from lms.accounts.roles import Role

from .models import Certificate, CertificateTemplate, CompletionWithoutCertificate


def can_manage_certificates(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_coordinator or user.is_provider_coordinator)
    )


def can_edit_templates(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_coordinator)


def manages_person(viewer, person_id: int | None) -> bool:
    if not can_manage_certificates(viewer):
        return False
    if person_id is None:
        return viewer.is_coordinator
    return get_user_model().objects.visible_to(viewer).filter(pk=person_id).exists()


def can_download(user, certificate: Certificate) -> bool:
    if not user.is_authenticated:
        return False
    if certificate.user_id == user.pk and certificate.status == Certificate.Status.ISSUED:
        return True
    return manages_person(user, certificate.user_id)


def _users_with_roles(*roles: Role):
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name__in=[role.value for role in roles]))
        .filter(is_active=True)
        .distinct()
    )


class RolePermissionPolicy(BasePermissionPolicy):
    """Permissions from the project's roles (not per-model Django permissions).

    `actions` lists what the roles may do; anything else (e.g. "add" for certificates, which
    only the issue service creates) is refused.
    """

    def __init__(self, model, *, actions: set[str], allowed, roles: tuple[Role, ...]):
        super().__init__(model)
        self.actions = actions
        self.allowed = allowed
        self.roles = roles

    def user_has_permission(self, user, action):
        return action in self.actions and self.allowed(user)

    def users_with_any_permission(self, actions):
        if not set(actions) & self.actions:
            return get_user_model().objects.none()
        return _users_with_roles(*self.roles)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        person_id = getattr(instance, "user_id", None)
        if self.model is CertificateTemplate:
            return True
        return manages_person(user, person_id)

    def instances_user_has_any_permission_for(self, user, actions):
        if not any(self.user_has_permission(user, action) for action in actions):
            return self.model.objects.none()
        if self.model is CertificateTemplate:
            return self.model.objects.all()
        return self.model.objects.visible_to(user)


template_policy = RolePermissionPolicy(
    CertificateTemplate,
    actions={"add", "change", "delete", "view", "publish"},
    allowed=can_edit_templates,
    roles=(Role.COORDINATOR,),
)
certificate_policy = RolePermissionPolicy(
    Certificate,
    actions={"view", "issue", "revoke", "reissue", "download"},
    allowed=can_manage_certificates,
    roles=(Role.COORDINATOR, Role.PROVIDER_COORDINATOR),
)
completion_policy = RolePermissionPolicy(
    CompletionWithoutCertificate,
    actions={"view", "issue"},
    allowed=can_manage_certificates,
    roles=(Role.COORDINATOR, Role.PROVIDER_COORDINATOR),
)
