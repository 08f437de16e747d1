from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.access import active_enrollment
from courses.models import AttendanceChange, CalendarFeed, Enrollment, WorkshopDate
from courses.models import WorkshopRegistration as Registration
from lms.accounts.models import User

from . import ics, services
from .forms import ReleasePlaceForm, RosterForm
from .permissions import can_cancel, can_manage_dates, can_run

FEED_HISTORY = timedelta(days=180)
WALK_IN_RESULTS = 10


def _date_or_404(date_id: int, *, user) -> WorkshopDate:
    date = get_object_or_404(
        WorkshopDate.objects.select_related("course", "module").prefetch_related("trainers"),
        pk=date_id,
    )
    if not date.course.live and not can_manage_dates(user):
        raise Http404
    return date


def _own_registration(*, date: WorkshopDate, user) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(date=date, user=user).first()


def _back(request: HttpRequest, fallback: str) -> str:
    """The `next` path of the form if it is a local path, else `fallback`.

    Only paths starting with "/" are taken: `redirect()` would treat anything else as a URL
    pattern name (a 500 for "foo", an internal redirect for "account_profile").
    """
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _user_id(value: str) -> int | None:
    """A user id from a form value; anything that is not a plain number is no id."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


# --- Participants -----------------------------------------------------------------------


def date_detail(request: HttpRequest, date_id: int) -> HttpResponse:
    date = _date_or_404(date_id, user=request.user)
    registration = _own_registration(date=date, user=request.user)
    counts = date.registrations.aggregate(
        registered=Count("pk", filter=Q(status=Registration.Status.REGISTERED)),
        waiting=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
    )
    holding = registration is not None and registration.status in services.HOLDING
    has_place = registration is not None and registration.status == Registration.Status.REGISTERED
    now = timezone.now()
    context = {
        "date": date,
        "registration": registration if holding else None,
        "cancelled_registration": registration if registration and not holding else None,
        "free_places": max(date.capacity - counts["registered"], 0),
        "waitlist_count": counts["waiting"],
        "waitlist_position": services.waitlist_position(registration)
        if registration and registration.status == Registration.Status.WAITLISTED
        else None,
        "enrollment": active_enrollment(user=request.user, course=date.course),
        "registration_open": date.registration_open(now),
        "can_cancel_place": holding
        and not date.is_cancelled
        and not date.has_started(now)
        and (not has_place or now < date.cancellation_closes_at),
        "show_online_link": has_place or can_run(request.user, date),
        "can_run": can_run(request.user, date),
    }
    return render(request, "courses/workshops/date_detail.html", context)


@login_required
@require_POST
def register(request: HttpRequest, date_id: int) -> HttpResponse:
    date = _date_or_404(date_id, user=request.user)
    try:
        registration = services.register(user=request.user, date=date)
    except services.WorkshopError as error:
        messages.error(request, str(error))
    else:
        if registration.status == Registration.Status.REGISTERED:
            messages.success(
                request,
                _(
                    "Sie sind für „%(title)s“ angemeldet. Die Bestätigung mit dem "
                    "Kalendereintrag kommt per E-Mail."
                )
                % {"title": date.title},
            )
        else:
            messages.info(
                request,
                _(
                    "Der Termin ist ausgebucht. Sie stehen auf Platz %(position)s der Warteliste "
                    "und erhalten eine E-Mail, sobald ein Platz für Sie frei wird."
                )
                % {"position": services.waitlist_position(registration)},
            )
    return redirect(_back(request, date.get_absolute_url()))


@login_required
@require_POST
def cancel(request: HttpRequest, date_id: int) -> HttpResponse:
    date = _date_or_404(date_id, user=request.user)
    try:
        services.cancel_registration(user=request.user, date=date)
    except services.WorkshopError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Sie sind von „%(title)s“ abgemeldet.") % {"title": date.title})
    return redirect(_back(request, date.get_absolute_url()))


def date_ics(request: HttpRequest, date_id: int) -> HttpResponse:
    date = _date_or_404(date_id, user=request.user)
    registration = _own_registration(date=date, user=request.user)
    response = HttpResponse(
        ics.single_date(date, registration=registration),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="praesenztermin-{date.pk}.ics"'
    return response


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The personal subscription: no login (calendar apps cannot), the secret is the token."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    registrations = (
        Registration.objects.filter(
            user=feed.user,
            status=Registration.Status.REGISTERED,
            date__status=WorkshopDate.Status.SCHEDULED,
            date__ends_at__gte=timezone.now() - FEED_HISTORY,
        )
        .select_related("date", "date__course", "user")
        .order_by("date__starts_at")
    )
    body = ics.feed(registrations, name=_("Meine Präsenztermine – Fachkraft Leaving Care"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def renew_calendar_feed(request: HttpRequest) -> HttpResponse:
    had_feed = CalendarFeed.objects.filter(user=request.user).exists()
    services.renew_calendar_feed(user=request.user)
    messages.success(
        request,
        _("Sie haben eine neue Kalenderadresse. Die bisherige Adresse gilt nicht mehr.")
        if had_feed
        else _("Ihre Kalenderadresse ist eingerichtet."),
    )
    return redirect(reverse("account_profile") + "#kalender")


@login_required
@require_POST
def revoke_calendar_feed(request: HttpRequest) -> HttpResponse:
    services.revoke_calendar_feed(user=request.user)
    messages.success(request, _("Die Kalenderadresse ist gelöscht und funktioniert nicht mehr."))
    return redirect(reverse("account_profile") + "#kalender")


# --- Trainers and coordination ----------------------------------------------------------


@login_required
def my_dates(request: HttpRequest) -> HttpResponse:
    """ "Meine Termine": the dates a trainer runs (the coordination sees all)."""
    if not can_manage_dates(request.user):
        raise PermissionDenied
    dates = (
        WorkshopDate.objects.filter(ends_at__gte=timezone.now() - timedelta(days=60))
        .with_counts()
        .select_related("course", "module")
        .prefetch_related("trainers")
        .order_by("starts_at", "pk")
    )
    if not request.user.is_coordinator:
        dates = dates.led_by(request.user)
    dates = list(dates)
    now = timezone.now()
    context = {
        "upcoming": [date for date in dates if not date.is_over(now)],
        "past": [date for date in dates if date.is_over(now)][::-1],
    }
    return render(request, "courses/workshops/my_dates.html", context)


def _walk_in_candidates(*, date: WorkshopDate, query: str):
    # A NUL byte cannot be part of a name and PostgreSQL refuses it in a query parameter.
    query = query.replace("\x00", "").strip()[:100]
    if len(query) < 2:
        return []
    on_roster = date.registrations.filter(status=Registration.Status.REGISTERED).values("user_id")
    return list(
        User.objects.filter(
            is_active=True,
            enrollments__course_id=date.course_id,
            enrollments__status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED],
        )
        .exclude(pk__in=on_roster)
        .filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
        .select_related("organisation")
        .distinct()
        .order_by("last_name", "first_name")[:WALK_IN_RESULTS]
    )


@login_required
def roster(request: HttpRequest, date_id: int) -> HttpResponse:
    """The trainer's list in the room: attendance, notes, walk-ins; made for a phone."""
    date = _date_or_404(date_id, user=request.user)
    if not can_run(request.user, date):
        raise PermissionDenied
    url = reverse("workshop_roster", kwargs={"date_id": date.pk})

    if request.method == "POST" and "walk_in" in request.POST:
        user_id = _user_id(request.POST.get("walk_in", ""))
        person = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
        try:
            if person is None:
                raise services.WorkshopError(_("Diese Person gibt es nicht."))
            services.add_walk_in(date=date, user=person, added_by=request.user)
        except services.WorkshopError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(name)s steht jetzt auf der Liste (anwesend).")
                % {"name": person.get_full_name()},
            )
        return redirect(url)

    registrations = (
        date.registrations.filter(status=Registration.Status.REGISTERED)
        .select_related("user", "user__organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    form = RosterForm(request.POST or None, registrations=registrations)
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services.record_attendance(
                    date=date,
                    recorded_by=request.user,
                    marks=form.marks(),
                    all_present="all_present" in request.POST,
                )
            except services.WorkshopError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("Anwesenheit gespeichert (%(count)s Änderungen).") % {"count": changed},
                )
            return redirect(url)
        messages.error(request, _("Bitte prüfen Sie die markierten Angaben."))

    history = defaultdict(list)
    for change in (
        AttendanceChange.objects.filter(registration__date=date)
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")
    ):
        history[change.registration_id].append(change)
    rows = form.rows()
    for row in rows:
        row["history"] = history.get(row["registration"].pk, [])
    query = request.GET.get("q", "")
    context = {
        "date": date,
        "form": form,
        "rows": rows,
        "waitlist": list(
            date.registrations.filter(status=Registration.Status.WAITLISTED)
            .select_related("user")
            .order_by("queued_at", "pk")
        ),
        "roster_open": not date.is_cancelled
        and timezone.localdate() >= timezone.localtime(date.starts_at).date(),
        "query": query,
        "candidates": _walk_in_candidates(date=date, query=query) if query else None,
        "can_cancel_date": can_cancel(request.user),
        "can_release": can_cancel(request.user)
        and not date.is_cancelled
        and not date.has_started(),
        "present_count": sum(
            1 for row in rows if row["registration"].attendance == Registration.Attendance.PRESENT
        ),
    }
    return render(request, "courses/workshops/roster.html", context)


@login_required
def release_place(request: HttpRequest, date_id: int, registration_id: int) -> HttpResponse:
    """Koordination cancels one person's place or waiting-list entry, with a reason."""
    date = _date_or_404(date_id, user=request.user)
    if not can_cancel(request.user):
        raise PermissionDenied
    registration = get_object_or_404(
        Registration.objects.select_related("user", "user__organisation"),
        pk=registration_id,
        date=date,
    )
    roster_url = reverse("workshop_roster", kwargs={"date_id": date.pk})
    # Bound on every POST, even an empty one, so a missing reason is shown as an error.
    form = ReleasePlaceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        had_place = registration.status == Registration.Status.REGISTERED
        try:
            services.release_place(
                date=date,
                registration_id=registration.pk,
                released_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except services.WorkshopError as error:
            messages.error(request, str(error))
        else:
            name = registration.user.get_full_name()
            if had_place:
                message = _(
                    "Die Anmeldung von %(name)s ist storniert. Die Person erhält eine E-Mail; "
                    "ein freier Platz geht an die erste Person der Warteliste."
                )
            else:
                message = _("%(name)s steht nicht mehr auf der Warteliste und erhält eine E-Mail.")
            messages.success(request, message % {"name": name})
        return redirect(roster_url)
    context = {"date": date, "registration": registration, "form": form, "back": roster_url}
    return render(request, "courses/workshops/release_place.html", context)


@login_required
def sign_in_sheet(request: HttpRequest, date_id: int) -> HttpResponse:
    from .pdf import render_sign_in_sheet

    date = _date_or_404(date_id, user=request.user)
    if not can_run(request.user, date):
        raise PermissionDenied
    response = HttpResponse(render_sign_in_sheet(date), content_type="application/pdf")
    local = timezone.localtime(date.starts_at)
    response["Content-Disposition"] = (
        f'inline; filename="teilnehmendenliste-{local:%Y-%m-%d}-{date.pk}.pdf"'
    )
    return response
