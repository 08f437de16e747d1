"""Registered from courses/wagtail_hooks.py (Wagtail only discovers `<app>/wagtail_hooks.py`)."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from courses.models import WorkshopDate

from .viewsets import WorkshopDatePermissionPolicy, workshop_date_viewset

# Before any view asks for the policy: otherwise Wagtail falls back to model permissions.
register_permission_policy(WorkshopDate, WorkshopDatePermissionPolicy(WorkshopDate))


@hooks.register("register_admin_viewset")
def register_workshop_dates():
    return workshop_date_viewset
