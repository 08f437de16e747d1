"""Workshop dates on the course, module, home, dashboard and profile pages.

Each tag runs one query (the profile tag: one), whatever the number of dates shown. Course and
module titles come from the course outlines in the content cache, not from joined page rows.
"""

from functools import lru_cache

from django import template
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from courses.models import CalendarFeed, ModulePage, WorkshopDate, WorkshopRegistration
from courses.progress import course_outline

register = template.Library()

HOME_LIMIT = 3
COURSE_LIMIT = 12
ACTIVE_STATUSES = [WorkshopRegistration.Status.REGISTERED, WorkshopRegistration.Status.WAITLISTED]


@register.filter
def timespan(date: WorkshopDate) -> str:
    """ "Di., 12. Mai 2026, 9:00–16:00 Uhr", or both days for a date over several days."""
    return _timespan(
        date.starts_at,
        date.ends_at,
        translation.get_language(),
        timezone.get_current_timezone_name(),
    )


@lru_cache(maxsize=2048)
def _timespan(starts_at, ends_at, language, timezone_name) -> str:
    """Pure formatting, so kept: the arguments name everything the text depends on."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() == end.date():
        day = formats.date_format(start, "D, j. F Y")
        return f"{day}, {start:%H:%M}–{end:%H:%M} {_('Uhr')}"
    return (
        f"{formats.date_format(start, 'D, j. F Y, H:i')} {_('Uhr')} – "
        f"{formats.date_format(end, 'D, j. F Y, H:i')} {_('Uhr')}"
    )


def attach_pages(dates, *, request) -> None:
    """Set `date.course` and `date.module` from the cached course outlines (no query); a
    module that isn't live (so not in its outline) is loaded with one query for all of them."""
    missing = {}
    for date in dates:
        outline = course_outline(date.course_id, request=request)
        date.course = outline.course
        if date.module_id is not None:
            module = next((m for m in outline.modules if m.pk == date.module_id), None)
            if module is None:
                missing.setdefault(date.module_id, []).append(date)
            else:
                date.module = module
    if missing:
        for module in ModulePage.objects.filter(pk__in=missing).only("title", "path", "depth"):
            for date in missing[module.pk]:
                date.module = module


def _listing(context, dates, **extra) -> dict:
    request = context.get("request")
    now = timezone.now()
    if request is not None:
        attach_pages(dates, request=request)
    for date in dates:
        date.when = timespan(date)
        date.free_places = max(date.capacity - date.registered_count, 0)
        date.can_register = date.registration_open(now) and date.my_status not in (
            WorkshopRegistration.Status.REGISTERED,
            WorkshopRegistration.Status.WAITLISTED,
        )
        date.can_cancel = date.my_status == WorkshopRegistration.Status.WAITLISTED or (
            date.my_status == WorkshopRegistration.Status.REGISTERED
            and now < date.cancellation_closes_at
        )
        # Everything a card shows (titles come with the content version): its cache key.
        date.card_key = (
            date.pk,
            date.title,
            date.when,
            date.is_online,
            date.place,
            date.course_id,
            date.module_id,
            date.capacity,
            date.free_places,
            date.waitlist_count,
            date.my_status,
            date.can_register,
            date.can_cancel,
        )
    return {
        "dates": dates,
        "request": request,
        "user": context.get("user"),
        "next_url": request.get_full_path() if request else "",
        "csrf_token": context.get("csrf_token"),
        **extra,
    }


def _upcoming_for(user):
    return (
        WorkshopDate.objects.upcoming()
        .with_counts()
        .with_status_of(user)
        .order_by("starts_at", "pk")
    )


@register.inclusion_tag("courses/workshops/_date_list.html", takes_context=True)
def course_dates(context, course):
    user = context["request"].user
    dates = list(_upcoming_for(user).filter(course=course)[:COURSE_LIMIT])
    return _listing(
        context,
        dates,
        heading=_("Präsenztermine"),
        heading_id="course-dates",
        enrolled=bool(context.get("enrollment")),
        course=course,
        show_module=True,
        # The page's own module list is reused (from the course outline): no extra query.
        show_empty=any(module.workshop_required for module in context.get("modules") or ()),
    )


@register.inclusion_tag("courses/workshops/_date_list.html", takes_context=True)
def module_dates(context, module):
    user = context["request"].user
    dates = list(_upcoming_for(user).filter(module=module)[:COURSE_LIMIT])
    return _listing(
        context,
        dates,
        heading=_("Präsenztermine zu diesem Modul"),
        heading_id="module-dates",
        enrolled=bool(context.get("enrollment")),
        course=context.get("course"),
        show_module=False,
        show_empty=module.workshop_required,
    )


@register.inclusion_tag("courses/workshops/_date_list.html", takes_context=True)
def home_dates(context):
    user = context["request"].user
    dates = list(_upcoming_for(user).filter(course__live=True)[:HOME_LIMIT])
    return _listing(
        context,
        dates,
        heading=_("Nächste Präsenztermine"),
        heading_id="home-dates",
        enrolled=False,
        show_course=True,
        show_module=True,
        compact=True,
    )


@register.inclusion_tag("courses/workshops/_my_dates.html", takes_context=True)
def dashboard_dates(context):
    """The person's upcoming registrations. The dashboard passes (registration id, date id,
    status) from its one query (`upcoming_registrations`): then only the dates are loaded, and
    only when there are any."""
    request = context["request"]
    user = request.user
    upcoming = context.get("upcoming_registrations")
    if upcoming is None:
        registrations = list(
            WorkshopRegistration.objects.filter(
                user=user, status__in=ACTIVE_STATUSES, date__ends_at__gt=timezone.now()
            )
            .select_related("date")
            .order_by("date__starts_at", "pk")
        )
    elif upcoming:
        dates = WorkshopDate.objects.in_bulk([date_id for _pk, date_id, _status in upcoming])
        registrations = [
            WorkshopRegistration(pk=pk, user=user, date=dates[date_id], status=status)
            for pk, date_id, status in upcoming
            if date_id in dates
        ]
        registrations.sort(key=lambda registration: (registration.date.starts_at, registration.pk))
    else:
        registrations = []
    dates = [registration.date for registration in registrations]
    attach_pages(dates, request=request)
    for date in dates:
        date.when = timespan(date)
    # Everything the section shows (titles come with the content version): its cache key.
    key = tuple(
        (
            registration.pk,
            registration.status,
            date.pk,
            date.title,
            date.when,
            date.place,
            date.is_online,
            date.is_cancelled,
            date.course_id,
            date.module_id,
        )
        for registration, date in zip(registrations, dates, strict=True)
    )
    return {"registrations": registrations, "key": key, "user": user, "request": request}


@register.inclusion_tag("courses/workshops/_registration_status.html")
def registration_status(status: str, cancelled_date: bool = False):
    return {"status": status, "cancelled_date": cancelled_date}


@register.inclusion_tag("courses/workshops/_calendar_feed.html", takes_context=True)
def profile_calendar(context):
    request = context["request"]
    feed = CalendarFeed.objects.filter(user=request.user).first()
    url = request.build_absolute_uri(feed.get_absolute_url()) if feed else ""
    return {
        "feed": feed,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1] if url else "",
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
