from django.contrib.auth.models import Group
from django.db import transaction

from .models import Organisation, Team, User
from .roles import Role


@transaction.atomic
def register_account(*, user: User) -> User:
    """Save a new account: every account is a participant (Teilnehmende)."""
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=Role.PARTICIPANT))
    return user


@transaction.atomic
def update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    organisation: Organisation,
    team: Team | None,
) -> User:
    """A person corrects their own name or affiliation (coordinators do it in the admin)."""
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.organisation = organisation
    user.team = team
    user.full_clean(exclude=["password"])
    user.save(update_fields=["first_name", "last_name", "organisation", "team"])
    return user
