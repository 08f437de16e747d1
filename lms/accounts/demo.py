"""Demo organisations and accounts for `manage.py load_demo` (never used in production)."""

from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.db import transaction

from .mfa import has_second_factor, requires_mfa
from .models import Organisation, Team, User
from .roles import Role

# The demo's staff accounts share this authenticator-app secret (published in the README):
# staff roles must use a second factor, and the demo should be tried without setting one up.
DEMO_TOTP_SECRET = "KZXW6YTBMFZWK4TUMVZXI2LFOJQW4Z3F"  # noqa: S105 (public by design)

JUGENDAMT = "Jugendamt Stadt und Landkreis Hildesheim"
DEMO_ORGANISATIONS = {
    (JUGENDAMT, Organisation.Kind.PUBLIC): [
        *[(f"Bezirk {number}", Team.Kind.DISTRICT) for number in range(1, 7)],
        ("Erziehungshilfe – Fachdienst Leaving Care", Team.Kind.TEAM),
        ("Pflegekinderdienst", Team.Kind.TEAM),
    ],
    ("Jugendhilfe Innerstetal gGmbH (Demo)", Organisation.Kind.PRIVATE): [
        ("Wohngruppe Nord", Team.Kind.FACILITY),
        ("Verselbstständigungsgruppe", Team.Kind.FACILITY),
        ("Ambulante Hilfen", Team.Kind.FACILITY),
    ],
    ("Kinder- und Jugendhaus Leinebergland e. V. (Demo)", Organisation.Kind.PRIVATE): [
        ("Intensivgruppe", Team.Kind.FACILITY),
        ("Mädchenwohngruppe", Team.Kind.FACILITY),
    ],
    ("Diakonische Jugendhilfe Hildesheimer Börde (Demo)", Organisation.Kind.PRIVATE): [
        ("Betreutes Jugendwohnen", Team.Kind.FACILITY),
        ("Nachbetreuung junge Volljährige", Team.Kind.FACILITY),
    ],
}
PROVIDER_OF_DEMO_COORDINATOR = "Jugendhilfe Innerstetal gGmbH (Demo)"

DEMO_ACCOUNTS = [
    # e-mail, first name, last name, role, organisation, team, superuser
    ("teilnehmende@example.org", "Alex", "Berger", None, JUGENDAMT, "Bezirk 3", False),
    (
        "referentin@example.org",
        "Rita",
        "Sommer",
        Role.TRAINER,
        JUGENDAMT,
        "Erziehungshilfe – Fachdienst Leaving Care",
        False,
    ),
    (
        "koordination@example.org",
        "Kim",
        "Hoffmann",
        Role.COORDINATOR,
        JUGENDAMT,
        "Erziehungshilfe – Fachdienst Leaving Care",
        False,
    ),
    (
        "traeger-koordination@example.org",
        "Toni",
        "Krüger",
        Role.PROVIDER_COORDINATOR,
        PROVIDER_OF_DEMO_COORDINATOR,
        "Ambulante Hilfen",
        False,
    ),
    (
        "admin@example.org",
        "Ada",
        "Admin",
        None,
        JUGENDAMT,
        "Erziehungshilfe – Fachdienst Leaving Care",
        True,
    ),
]


@transaction.atomic
def create_demo_organisations() -> None:
    for (name, kind), teams in DEMO_ORGANISATIONS.items():
        organisation, _ = Organisation.objects.update_or_create(name=name, defaults={"kind": kind})
        for team_name, team_kind in teams:
            Team.objects.update_or_create(
                organisation=organisation, name=team_name, defaults={"kind": team_kind}
            )


def ensure_demo_person(
    *,
    email: str,
    first_name: str,
    last_name: str,
    organisation_name: str,
    team_name: str,
    password: str,
    roles: tuple[Role, ...] = (),
    superuser: bool = False,
) -> User:
    """Create or refresh one demo account with a verified address (idempotent)."""
    team = Team.objects.select_related("organisation").get(
        organisation__name=organisation_name, name=team_name
    )
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "organisation": team.organisation,
            "team": team,
            "is_superuser": superuser,
            "is_staff": superuser,
        },
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    user.groups.add(*Group.objects.filter(name__in=[Role.PARTICIPANT, *roles]))
    if requires_mfa(user) and not has_second_factor(user):
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)
    return user


@transaction.atomic
def create_demo_accounts(*, password: str) -> list[User]:
    create_demo_organisations()
    return [
        ensure_demo_person(
            email=email,
            first_name=first,
            last_name=last,
            organisation_name=organisation,
            team_name=team,
            password=password,
            roles=(role,) if role else (),
            superuser=superuser,
        )
        for email, first, last, role, organisation, team, superuser in DEMO_ACCOUNTS
    ]
