import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.widgets import AdminDateInput

from lms.accounts.models import Organisation, Team, User

from ..models import CoursePage, Enrollment
from .forms import PageChoiceFilterField


def visible_organisations(request):
    """Filter choices follow the same scope as the rows: never list another organisation."""
    people = User.objects.visible_to(request.user)
    return Organisation.objects.filter(pk__in=people.values("organisation"))


def visible_teams(request):
    people = User.objects.visible_to(request.user)
    return Team.objects.filter(pk__in=people.values("team")).select_related("organisation")


class CourseChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = PageChoiceFilterField


class ParticipationFilterSet(WagtailFilterSet):
    course = CourseChoiceFilter(label=_("Kurs"), queryset=CoursePage.objects.order_by("title"))
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"), field_name="user__organisation", queryset=visible_organisations
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team / Bezirk"), field_name="user__team", queryset=visible_teams
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Enrollment.Status.choices)
    enrolled_from = django_filters.DateFilter(
        label=_("Eingeschrieben ab"),
        field_name="enrolled_at",
        lookup_expr="date__gte",
        widget=AdminDateInput,
    )
    enrolled_until = django_filters.DateFilter(
        label=_("Eingeschrieben bis"),
        field_name="enrolled_at",
        lookup_expr="date__lte",
        widget=AdminDateInput,
    )
    q = django_filters.CharFilter(label=_("Name oder E-Mail"), method="search_people")

    class Meta:
        model = Enrollment
        fields = ["course", "organisation", "team", "status"]

    def search_people(self, queryset, name, value):
        words = value.split()[:5]
        for word in words:
            queryset = queryset.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__email__icontains=word)
            )
        return queryset


class PeopleFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"), queryset=visible_organisations
    )
    team = django_filters.ModelChoiceFilter(label=_("Team / Bezirk"), queryset=visible_teams)
    q = django_filters.CharFilter(label=_("Name oder E-Mail"), method="search_people")

    class Meta:
        model = User
        fields = ["organisation", "team"]

    def search_people(self, queryset, name, value):
        for word in value.split()[:5]:
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return queryset
