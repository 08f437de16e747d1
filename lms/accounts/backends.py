"""Authentication backends that load a signed-in person together with their roles.

Every request loads the person from the session and almost every page asks for their roles
(navigation, permissions): reading the group names in the same query saves one query per
request. Authentication itself (password, e-mail or username) is Django's and allauth's.
"""

from functools import cache

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import backends
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection

from lms.db import fetch_rows, instance_from_row

from .models import User

_USER_FIELDS = tuple(field.name for field in User._meta.concrete_fields)


@cache
def _user_with_roles_sql(vendor: str) -> str:
    """SELECT the user's columns and one group name per row (LEFT JOINs: one row without roles).

    Written once from the models' metadata: compiling the same ORM query on every request
    costs several times what running it does. Only table and column names go into the text.
    """
    quote = connection.ops.quote_name
    through = User.groups.through
    columns = ", ".join(f"u.{quote(User._meta.get_field(name).column)}" for name in _USER_FIELDS)
    return (
        f"SELECT {columns}, g.{quote('name')} AS {quote('_role')}"  # noqa: S608
        f" FROM {quote(User._meta.db_table)} u"
        f" LEFT JOIN {quote(through._meta.db_table)} ug"
        f" ON ug.{quote(through._meta.get_field('user').column)} = u.{quote(User._meta.pk.column)}"
        f" LEFT JOIN {quote(Group._meta.db_table)} g"
        f" ON g.{quote(Group._meta.pk.column)}"
        f" = ug.{quote(through._meta.get_field('group').column)}"
        f" WHERE u.{quote(User._meta.pk.column)} = %s"
    )


def user_with_roles(user_id) -> User | None:
    """The user with `_role_names` (see `User.has_role`) filled, from one query."""
    try:
        user_id = User._meta.pk.to_python(user_id)
    except ValidationError:  # a session holding something that isn't an id: nobody
        return None
    rows = fetch_rows(_user_with_roles_sql(connection.vendor), [user_id])
    if not rows:
        return None
    user = instance_from_row(User, _USER_FIELDS, rows[0])
    user._role_names = {row[-1] for row in rows if row[-1] is not None}
    return user


# Sessions remember the path of the backend that signed the person in; Django only trusts paths
# still listed in AUTHENTICATION_BACKENDS. Sessions from before these backends carry the paths
# they replaced (see SessionBackendMiddleware).
REPLACED_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "lms.accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "lms.accounts.backends.AllauthBackend",
}


class RolesMixin:
    def get_user(self, user_id):
        user = user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(RolesMixin, backends.ModelBackend):
    pass


class AllauthBackend(RolesMixin, AuthenticationBackend):
    pass
