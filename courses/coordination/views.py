from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms.accounts.models import User

from ..models import CoursePage, Enrollment, QuizAttempt
from ..progress import progress_for_courses
from . import services
from .access import CoordinatorRequiredMixin, is_coordinating
from .coverage import coverage
from .exports import german_csv_response
from .forms import CourseChoiceForm, ImportForm, SelectionForm


def _require_coordinator(request):
    if not is_coordinating(request.user):
        raise PermissionDenied


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


class CoordinationPageMixin(CoordinatorRequiredMixin, WagtailAdminTemplateMixin):
    """Admin chrome for the coordination pages: title in the header and the breadcrumbs."""

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": "", "label": _("Auswertungen")},
            {"url": "", "label": self.get_page_title()},
        ]


class PersonDetailView(CoordinationPageMixin, TemplateView):
    template_name = "courses/coordination/person.html"
    header_icon = "user"

    def get_person(self):
        return get_object_or_404(
            User.objects.visible_to(self.request.user).select_related("organisation", "team"),
            pk=self.kwargs["user_id"],
        )

    def get_page_title(self):
        return self.person.get_full_name()

    def get(self, request, *args, **kwargs):
        self.person = self.get_person()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from certificates.models import Certificate

        from ..models import WorkshopRegistration

        person = self.person
        enrollments = list(
            Enrollment.objects.filter(user=person).select_related("course").order_by("enrolled_at")
        )
        courses = [enrollment.course for enrollment in enrollments]
        progress = progress_for_courses(user=person, courses=courses)
        context = super().get_context_data(**kwargs)
        context.update(
            person=person,
            items=[
                {
                    "enrollment": e,
                    "progress": progress[e.course_id],
                    "missing": progress[e.course_id].missing(),
                }
                for e in enrollments
            ],
            attempts=QuizAttempt.objects.filter(user=person)
            .select_related("lesson")
            .order_by("-submitted_at")[:50],
            registrations=WorkshopRegistration.objects.filter(user=person)
            .select_related("date")
            .order_by("-date__starts_at"),
            certificates=Certificate.objects.filter(user=person)
            .select_related("course")
            .order_by("-issued_at"),
            course_form=CourseChoiceForm(),
        )
        return context


class CoverageView(CoordinationPageMixin, TemplateView):
    template_name = "courses/coordination/coverage.html"
    page_title = gettext_lazy("Abdeckung")
    header_icon = "site"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") != "csv":
            return super().get(request, *args, **kwargs)
        context = self.get_context_data()
        services.log_export(user=request.user, report=str(self.page_title), query=request.GET)
        rows = [
            [
                kind,
                row.label,
                row.organisation,
                row.staff,
                row.enrolled,
                row.completed,
                row.certified,
                _("ja") if row.covered else _("nein"),
            ]
            for kind, rows in (
                (_("Team"), context["teams"]),
                (_("Organisation"), context["organisations"]),
            )
            for row in rows
        ]
        return german_csv_response(
            filename="abdeckung",
            header=[
                _("Ebene"),
                _("Name"),
                _("Organisation / Art"),
                _("auf der Plattform"),
                _("eingeschrieben"),
                _("abgeschlossen"),
                _("zertifiziert"),
                _("Fachkraft vorhanden"),
            ],
            rows=rows,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CourseChoiceForm(self.request.GET or None)
        course = (
            form.cleaned_data["course"] if form.is_valid() else CoursePage.objects.live().first()
        )
        if not form.is_bound and course:
            form = CourseChoiceForm(initial={"course": course})
        teams, organisations = (
            coverage(course=course, viewer=self.request.user) if course else ([], [])
        )
        widest = max((row.staff for row in organisations), default=1) or 1
        context.update(
            form=form,
            course=course,
            teams=teams,
            organisations=organisations,
            chart=[
                {
                    "row": row,
                    "y": 8 + index * 34,
                    "staff_width": round(360 * row.staff / widest),
                    "certified_width": round(360 * row.certified / widest),
                }
                for index, row in enumerate(organisations)
            ],
            chart_height=16 + 34 * len(organisations),
        )
        return context


class PeopleView(CoordinationPageMixin, TemplateView):
    """People in the coordinator's scope, to enrol a selection into a course."""

    template_name = "courses/coordination/people.html"
    page_title = gettext_lazy("Personen einschreiben")
    header_icon = "group"

    def people(self):
        from .filters import PeopleFilterSet

        self.filterset = PeopleFilterSet(
            self.request.GET or None,
            queryset=User.objects.visible_to(self.request.user)
            .filter(is_active=True)
            .select_related("organisation", "team"),
            request=self.request,
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            people=self.people()[:500], filterset=self.filterset, form=CourseChoiceForm()
        )
        return context

    def post(self, request, *args, **kwargs):
        scope = User.objects.visible_to(request.user)
        form = SelectionForm(request.POST, people_queryset=scope)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("coordination:people")
        people = list(scope.filter(pk__in=form.cleaned_data["people"]))
        summary = services.enrol_people(
            people=people, course=form.cleaned_data["course"], enrolled_by=request.user
        )
        messages.success(
            request,
            _("%(new)s Person(en) eingeschrieben, %(old)s waren bereits eingeschrieben.")
            % {"new": len(summary.enrolled), "old": len(summary.already)},
        )
        return redirect("coordination:people")


class ImportView(CoordinationPageMixin, TemplateView):
    """Paste or upload addresses, see a preview, then confirm (nothing saved before)."""

    template_name = "courses/coordination/import.html"
    page_title = gettext_lazy("Adressliste importieren")
    header_icon = "upload"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm())
        return context

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            addresses = services.read_addresses(
                text=form.cleaned_data.get("addresses") or "",
                upload=form.cleaned_data.get("upload"),
            )
        except ValidationError as error:
            form.add_error("upload" if form.cleaned_data.get("upload") else "addresses", error)
            return self.render_to_response(self.get_context_data(form=form))
        course = form.cleaned_data["course"]
        if request.POST.get("confirm") == "1":
            rows = services.apply_import(
                addresses=addresses, course=course, by=request.user, base_url=_base_url(request)
            )
            messages.success(
                request,
                _(
                    "Import abgeschlossen: %(enrolled)s eingeschrieben, "
                    "%(invited)s eingeladen, %(errors)s Fehler."
                )
                % {
                    "enrolled": sum(r.action == "enrol" for r in rows),
                    "invited": sum(r.action == "invite" for r in rows),
                    "errors": sum(r.action == "error" for r in rows),
                },
            )
            return self.render_to_response(
                self.get_context_data(form=ImportForm(), rows=rows, done=True)
            )
        rows = services.preview_import(addresses=addresses, course=course, by=request.user)
        confirm_text = "\n".join(email for _, email in addresses)
        return self.render_to_response(
            self.get_context_data(form=form, rows=rows, course=course, confirm_text=confirm_text)
        )


@require_POST
def enrol_person(request, user_id):
    _require_coordinator(request)
    person = get_object_or_404(User.objects.visible_to(request.user), pk=user_id)
    form = CourseChoiceForm(request.POST)
    if form.is_valid():
        services.enrol_people(
            people=[person], course=form.cleaned_data["course"], enrolled_by=request.user
        )
        messages.success(request, _("Die Person wurde eingeschrieben."))
    else:
        messages.error(request, _("Bitte wählen Sie einen Kurs aus der Liste."))
    return redirect("coordination:person", user_id=person.pk)


@require_POST
def remind_person(request, user_id):
    _require_coordinator(request)
    person = get_object_or_404(User.objects.visible_to(request.user), pk=user_id)
    enrollments = list(
        Enrollment.objects.active()
        .filter(user=person, completed_at__isnull=True)
        .select_related("course", "user")
    )
    count = services.send_reminders(
        enrollments=enrollments, sent_by=request.user, base_url=_base_url(request)
    )
    if count:
        messages.success(
            request, _("Erinnerung an %(email)s verschickt.") % {"email": person.email}
        )
    else:
        messages.info(request, _("Es gibt keinen offenen Kurs, an den erinnert werden könnte."))
    return redirect("coordination:person", user_id=person.pk)


@require_POST
def issue_for_person(request, user_id, enrollment_id):
    from certificates import services as certificates

    _require_coordinator(request)
    person = get_object_or_404(User.objects.visible_to(request.user), pk=user_id)
    enrollment = get_object_or_404(Enrollment, pk=enrollment_id, user=person)
    try:
        certificates.issue_certificate(enrollment=enrollment, issued_by=request.user)
    except (PermissionDenied, ValidationError, certificates.CertificateError) as error:
        messages.error(request, str(getattr(error, "message", error)))
    else:
        messages.success(request, _("Das Zertifikat wird erstellt."))
    return redirect("coordination:person", user_id=person.pk)
