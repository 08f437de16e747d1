import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from lms.accounts.models import Organisation, Team, User
from lms.accounts.roles import Role


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Freier Träger {n}")
    kind = Organisation.Kind.PRIVATE


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Wohngruppe {n}")
    kind = Team.Kind.FACILITY


class UserFactory(factory.django.DjangoModelFactory):
    """A verified participant; pass `roles=[Role.COORDINATOR]` for staff roles."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    team = factory.SubFactory(TeamFactory)
    organisation = factory.LazyAttribute(lambda user: user.team.organisation)
    password = factory.django.Password("demo-lms-2026")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        names = [Role.PARTICIPANT, *(extracted or [])]
        self.groups.add(*Group.objects.filter(name__in=names))
