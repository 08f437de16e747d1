"""Workshop dates on the course, module, home, dashboard and profile pages.

Each tag runs one query (the profile tag: one), whatever the number of dates shown.
"""

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.models import CalendarFeed, WorkshopDate, WorkshopRegistration

register = template.Library()

HOME_LIMIT = 3
COURSE_LIMIT = 12


@register.filter
def timespan(date: WorkshopDate) -> str:
    """ "Di., 12. Mai 2026, 9:00–16:00 Uhr", or both days for a date over several days."""
    start, end = timezone.localtime(date.starts_at), timezone.localtime(date.ends_at)
    if start.date() == end.date():
        day = formats.date_format(start, "D, j. F Y")
        return f"{day}, {start:%H:%M}–{end:%H:%M} {_('Uhr')}"
    return (
        f"{formats.date_format(start, 'D, j. F Y, H:i')} {_('Uhr')} – "
        f"{formats.date_format(end, 'D, j. F Y, H:i')} {_('Uhr')}"
    )


def _listing(context, dates, **extra) -> dict:
    request = context.get("request")
    now = timezone.now()
    for date in dates:
        date.free_places = max(date.capacity - date.registered_count, 0)
        date.can_register = date.registration_open(now) and date.my_status not in (
            WorkshopRegistration.Status.REGISTERED,
            WorkshopRegistration.Status.WAITLISTED,
        )
        date.can_cancel = date.my_status == WorkshopRegistration.Status.WAITLISTED or (
            date.my_status == WorkshopRegistration.Status.REGISTERED
            and now < date.cancellation_closes_at
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
        .select_related("module", "course")
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
        # The page's own module list is reused (already fetched for the page): no extra query.
        show_empty=any(module.workshop_required for module in context.get("modules") or []),
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
    user = context["request"].user
    registrations = list(
        WorkshopRegistration.objects.filter(
            user=user,
            status__in=[
                WorkshopRegistration.Status.REGISTERED,
                WorkshopRegistration.Status.WAITLISTED,
            ],
            date__ends_at__gt=timezone.now(),
        )
        .select_related("date", "date__course", "date__module")
        .order_by("date__starts_at", "pk")
    )
    return {"registrations": registrations, "user": user, "request": context["request"]}


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
