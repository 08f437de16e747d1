from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import WorkshopDate, WorkshopRegistration
from courses.workshops import services
from tests.factories import UserFactory

Status = WorkshopRegistration.Status
Attendance = WorkshopRegistration.Attendance

pytestmark = pytest.mark.django_db


def _today(date):
    start = timezone.now() - timedelta(minutes=10)
    WorkshopDate.objects.filter(pk=date.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=3)
    )


def _text(response) -> str:
    return response.content.decode()


# --- Participants -----------------------------------------------------------------------------


def test_course_page_lists_dates_and_registration_works(client, learner, course, date):
    client.force_login(learner)
    page = _text(client.get(course.url))
    assert "Präsenztermine" in page and "Praxistag Übergangsmodell" in page
    assert "20 von 20 Plätzen frei" in page

    response = client.post(
        reverse("workshop_register", args=[date.pk]), {"next": course.url}, follow=True
    )
    assert response.redirect_chain[-1][0] == course.url
    page = _text(response)
    assert "Sie sind für „Praxistag Übergangsmodell“ angemeldet." in page
    assert "angemeldet</span>" in page
    assert date.registrations.get().status == Status.REGISTERED


def test_module_and_dashboard_show_the_persons_dates(client, learner, course, module, date):
    services.register(user=learner, date=date)
    client.force_login(learner)
    assert "Praxistag Übergangsmodell" in _text(client.get(module.url))
    dashboard = _text(client.get(reverse("learner_dashboard")))
    assert "Meine Präsenztermine" in dashboard and "Praxistag Übergangsmodell" in dashboard


def test_home_page_shows_next_dates_to_everyone(client, date, home_page):
    page = _text(client.get(home_page.url))
    assert "Nächste Präsenztermine" in page and "Praxistag Übergangsmodell" in page


def test_refusal_is_shown_as_a_clear_message(client, participant, date):
    client.force_login(participant)  # not enrolled
    response = client.post(reverse("workshop_register", args=[date.pk]), follow=True)
    assert "nicht eingeschrieben" in _text(response)
    assert not date.registrations.exists()


def test_foreign_next_url_is_ignored(client, learner, date):
    client.force_login(learner)
    response = client.post(
        reverse("workshop_register", args=[date.pk]), {"next": "https://example.com/"}
    )
    assert response.url == date.get_absolute_url()


def test_detail_page_shows_own_status_and_hides_online_link_from_others(
    client, learner, learners, make_date
):
    date = make_date(capacity=1, online_url="https://konferenz.example.org/geheim")
    other = learners(1)[0]
    services.register(user=other, date=date)
    services.register(user=learner, date=date)

    client.force_login(learner)
    page = _text(client.get(date.get_absolute_url()))
    assert "Platz 1 der Warteliste" in page
    assert "konferenz.example.org/geheim" not in page
    assert other.get_full_name() not in page

    client.force_login(other)
    page = _text(client.get(date.get_absolute_url()))
    assert "Sie haben einen Platz." in page
    assert "konferenz.example.org/geheim" in page


def test_actions_need_post_and_login(client, learner, date):
    register = reverse("workshop_register", args=[date.pk])
    assert client.post(register).status_code == 302  # to the login page
    assert not date.registrations.exists()
    client.force_login(learner)
    assert client.get(register).status_code == 405


def test_dates_of_unpublished_courses_are_hidden(client, learner, course, date):
    course.unpublish()
    client.force_login(learner)
    assert client.get(date.get_absolute_url()).status_code == 404


# --- Trainers, coordination and the roster -------------------------------------------------


def _roster(date):
    return reverse("workshop_roster", args=[date.pk])


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("participant", 403),
        ("provider_coordinator", 403),
        ("other_trainer", 403),
        ("trainer", 200),
        ("coordinator", 200),
        ("superuser", 200),
    ],
)
def test_only_the_dates_trainers_and_the_coordination_see_the_roster(
    client, request, date, learner, who, status
):
    services.register(user=learner, date=date)
    client.force_login(request.getfixturevalue(who))
    response = client.get(_roster(date))
    assert response.status_code == status
    pdf = client.get(reverse("workshop_sign_in_sheet", args=[date.pk]))
    assert pdf.status_code == status
    if status == 200:
        assert learner.get_full_name() in _text(response)
    else:
        assert learner.get_full_name() not in _text(response)


def test_trainer_records_attendance_on_the_roster(client, trainer, learners, date):
    first, second = learners(2)
    for person in (first, second):
        services.register(user=person, date=date)
    _today(date)
    ids = {r.user_id: r.pk for r in date.registrations.all()}
    client.force_login(trainer)

    page = _text(client.get(_roster(date)))
    assert "Alle anwesend" in page

    response = client.post(
        _roster(date),
        {
            f"attendance_{ids[second.pk]}": "absent",
            f"note_{ids[second.pk]}": "krank",
            "all_present": "1",
        },
        follow=True,
    )
    assert "Anwesenheit gespeichert (2 Änderungen)." in _text(response)
    assert dict(date.registrations.values_list("user_id", "attendance")) == {
        first.pk: Attendance.PRESENT,
        second.pk: Attendance.ABSENT,
    }
    assert "Verlauf (1 Änderung)" in _text(response)


def test_posting_another_persons_registration_changes_nothing(
    client, trainer, learners, make_date, date
):
    other_date = make_date(module=None, title="Anderer Termin")
    person = learners(1)[0]
    services.register(user=person, date=date)
    services.register(user=person, date=other_date)
    _today(date)
    foreign = other_date.registrations.get()
    client.force_login(trainer)
    client.post(_roster(date), {f"attendance_{foreign.pk}": "present"})
    foreign.refresh_from_db()
    assert foreign.attendance == ""


def test_trainer_adds_a_walk_in(client, trainer, learners, date):
    walk_in = learners(1)[0]
    _today(date)
    client.force_login(trainer)
    page = _text(client.get(_roster(date), {"q": walk_in.last_name[:4]}))
    assert f"{walk_in.get_full_name()} hinzufügen" in page

    response = client.post(_roster(date), {"walk_in": walk_in.pk}, follow=True)
    assert "steht jetzt auf der Liste" in _text(response)
    registration = date.registrations.get(user=walk_in)
    assert registration.walk_in and registration.attendance == Attendance.PRESENT


def test_walk_in_search_finds_only_people_enrolled_in_the_course(client, trainer, date):
    outsider = UserFactory(last_name="Außenstehend")
    _today(date)
    client.force_login(trainer)
    page = _text(client.get(_roster(date), {"q": "Außenstehend"}))
    assert "Keine passende Person gefunden." in page
    client.post(_roster(date), {"walk_in": outsider.pk})
    assert not date.registrations.exists()


def test_my_dates_lists_only_the_trainers_dates(client, trainer, other_trainer, make_date):
    make_date(title="Mein Praxistag")
    theirs = make_date(title="Fremder Praxistag", module=None)
    theirs.trainers.set([other_trainer])
    client.force_login(trainer)
    page = _text(client.get(reverse("workshop_my_dates")))
    assert "Mein Praxistag" in page and "Fremder Praxistag" not in page


def test_my_dates_is_for_staff_only(client, participant):
    client.force_login(participant)
    assert client.get(reverse("workshop_my_dates")).status_code == 403


def test_sign_in_sheet_is_a_pdf_with_the_people(client, trainer, learners, date):
    people = learners(2)
    for person in people:
        services.register(user=person, date=date)
    client.force_login(trainer)
    response = client.get(reverse("workshop_sign_in_sheet", args=[date.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")

    from courses.workshops.pdf import sign_in_sheet_html

    html = sign_in_sheet_html(date)
    for person in people:
        assert f"{person.last_name}, {person.first_name}" in html
    assert "Unterschrift" in html and "Raum 2.14" in html and trainer.get_full_name() in html


def test_pdf_fetcher_refuses_everything_but_bundled_fonts():
    from courses.workshops.pdf import FontsOnlyFetcher, RefusedResource, fonts_dir

    fetcher = FontsOnlyFetcher()
    font = (fonts_dir() / "fira-sans-latin-400-normal.woff2").resolve().as_uri()
    assert fetcher.fetch(font).read(4) == b"wOF2"
    for url in ("file:///etc/passwd", "https://example.org/x.css", font + "/../../x"):
        with pytest.raises(RefusedResource):
            fetcher.fetch(url)


# --- Query counts ------------------------------------------------------------------------------


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


# Not named "page": that is Playwright's fixture, and shadowing it drags in the browser fixtures.
@pytest.mark.parametrize(
    "page_kind", ["course", "module", "dashboard", "home", "roster", "my_dates"]
)
def test_pages_with_dates_run_a_fixed_number_of_queries(
    client, learner, trainer, course, module, make_date, learners, home_page, page_kind
):
    counts = []
    for extra in (1, 6):
        for index in range(extra):
            first = extra == 1 and index == 0
            date = make_date(module=module if first else None, title=f"Termin {extra}.{index}")
            for person in [learner, *learners(2)]:
                if not date.registrations.filter(user=person).exists():
                    services.register(user=person, date=date)
        _today(date)
        viewer = trainer if page_kind in {"roster", "my_dates"} else learner
        client.force_login(viewer)
        url = {
            "course": course.url,
            "module": module.url,
            "dashboard": reverse("learner_dashboard"),
            "home": home_page.url,
            "roster": _roster(date),
            "my_dates": reverse("workshop_my_dates"),
        }[page_kind]
        counts.append(_count(client, url))
    assert counts[0] == counts[1], counts


def test_module_requiring_a_workshop_says_when_no_date_is_announced(client, learner, module):
    client.force_login(learner)
    page = _text(client.get(module.url))
    assert "Zurzeit sind keine Präsenztermine angekündigt." in page
