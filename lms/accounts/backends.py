"""Authentication backends that load a signed-in person together with their roles.

Every request loads the person from the session and almost every page asks for their roles
(navigation, permissions): reading the group names in the same query saves one query per
request. Authentication itself (password, e-mail or username) is Django's and allauth's.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import backends
from django.db.models import F

from .models import User


def user_with_roles(user_id) -> User | None:
    """The user with `_role_names` (see `User.has_role`) filled from one query.

    A LEFT JOIN on the groups gives one row per role (one row with None without roles).
    """
    rows = list(User._default_manager.filter(pk=user_id).annotate(_role=F("groups__name")))
    if not rows:
        return None
    user = rows[0]
    user._role_names = {row._role for row in rows if row._role is not None}
    return user


class RolesMixin:
    def get_user(self, user_id):
        user = user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(RolesMixin, backends.ModelBackend):
    pass


class AllauthBackend(RolesMixin, AuthenticationBackend):
    pass
