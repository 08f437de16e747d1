import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from courses import services
from courses.models import LessonPage
from tests.conftest import sign_in_recently
from tests.factories import TeamFactory, UserFactory, build_course

REPORT = "coordination:participation"


@pytest.fixture
def course(home_page):
    return build_course(modules=2, lessons_per_module=2)


@pytest.fixture
def people(course, team, other_organisation):
    """Two people in the provider coordinator's organisation, one in another organisation."""
    own = [UserFactory(team=team, last_name=f"Eigene{i}") for i in range(2)]
    foreign = UserFactory(
        team=TeamFactory(organisation=other_organisation), last_name="Fremd", first_name="Frida"
    )
    for person in [*own, foreign]:
        services.enrol(user=person, course=course)
    lesson = LessonPage.objects.descendant_of(course).first()
    services.complete_lesson(user=own[0], lesson=lesson)
    return own, foreign


def _export(client, fmt, **params):
    response = client.get(reverse(REPORT), {"export": fmt, **params})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content) if response.streaming else response.getvalue()


def test_coordinator_sees_everyone(client, coordinator, people):
    sign_in_recently(client, coordinator)
    html = client.get(reverse(REPORT)).content.decode()
    assert "Eigene0" in html and "Fremd" in html


def test_provider_coordinator_sees_only_own_organisation(client, provider_coordinator, people):
    sign_in_recently(client, provider_coordinator)
    html = client.get(reverse(REPORT)).content.decode()
    assert "Eigene0" in html and "Eigene1" in html
    assert "Fremd" not in html
    assert "Anderer Träger" not in html  # not even as a filter choice


@pytest.mark.parametrize("fixture", ["participant", "trainer"])
def test_participants_and_trainers_get_no_report(client, request, fixture, people):
    sign_in_recently(client, request.getfixturevalue(fixture))
    response = client.get(reverse(REPORT))
    assert response.status_code in (302, 403)
    response = client.get(reverse(REPORT), {"export": "csv"})
    assert response.status_code in (302, 403)


def test_csv_export_is_german_excel_friendly_and_scoped(client, provider_coordinator, people):
    sign_in_recently(client, provider_coordinator)
    raw = _export(client, "csv")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nachname", "Vorname", "E-Mail"]
    assert sorted(row[0] for row in rows[1:]) == ["Eigene0", "Eigene1"]
    progress_column = rows[0].index("Fortschritt in %")
    assert {row[progress_column] for row in rows[1:]} == {"25", "0"}


def test_xlsx_export_respects_filters(client, coordinator, people):
    sign_in_recently(client, coordinator)
    raw = _export(client, "xlsx", q="Fremd")
    sheet = load_workbook(io.BytesIO(raw)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][0] == "Fremd"


def test_formulas_in_names_are_neutralised_in_exports(client, coordinator, course, team):
    from lms.accounts.models import User

    sneaky = UserFactory(team=team)
    User.objects.filter(pk=sneaky.pk).update(last_name='=HYPERLINK("http://x","y")')
    services.enrol(user=sneaky, course=course)
    sign_in_recently(client, coordinator)
    raw = _export(client, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in raw
    sheet = load_workbook(io.BytesIO(_export(client, "xlsx"))).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://x","y")' in names


def test_exports_are_written_to_the_audit_log(client, coordinator, people):
    from wagtail.models import ModelLogEntry

    sign_in_recently(client, coordinator)
    _export(client, "csv")
    assert ModelLogEntry.objects.filter(action="lms.export", user=coordinator).exists()


def test_report_runs_a_fixed_number_of_queries(client, coordinator, course, team):
    sign_in_recently(client, coordinator)
    counts = []
    for batch in (3, 30):
        for _ in range(batch):
            services.enrol(user=UserFactory(team=team), course=course)
        client.get(reverse(REPORT))
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse(REPORT)).status_code == 200
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1], counts


def test_person_detail_is_scoped(client, provider_coordinator, people):
    own, foreign = people
    sign_in_recently(client, provider_coordinator)
    assert client.get(reverse("coordination:person", args=[own[0].pk])).status_code == 200
    assert client.get(reverse("coordination:person", args=[foreign.pk])).status_code == 404


def test_person_detail_shows_progress_and_missing(client, coordinator, people):
    own, _ = people
    sign_in_recently(client, coordinator)
    html = client.get(reverse("coordination:person", args=[own[0].pk])).content.decode()
    assert "1 von 4 Lerneinheiten" in html
    assert "Modul 1, Lerneinheit 2" in html


def test_module_overview_counts_started_and_completed(client, coordinator, people):
    sign_in_recently(client, coordinator)
    response = client.get(reverse("coordination:modules"))
    assert response.status_code == 200
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    client.get(reverse("coordination:modules"), {"export": "csv"}).streaming_content
                ).decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    header, first = rows[0], rows[1]
    assert first[header.index("begonnen")] == "1"
    assert first[header.index("abgeschlossen")] == "0"


def test_coverage_lists_teams_without_certified_person_first(client, coordinator, people, course):
    sign_in_recently(client, coordinator)
    response = client.get(reverse("coordination:coverage"), {"course": course.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<table" in html
    assert response.context["teams"][0].covered is False


def test_trainer_cannot_open_coverage_or_import(client, trainer):
    sign_in_recently(client, trainer)
    assert client.get(reverse("coordination:coverage")).status_code in (302, 403)
    assert client.get(reverse("coordination:import")).status_code in (302, 403)


def test_workshop_dates_report_counts_only_people_in_scope(
    client, provider_coordinator, coordinator, course, team, other_organisation
):
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import WorkshopDate, WorkshopRegistration

    date = WorkshopDate.objects.create(
        course=course,
        title="Praxistag",
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2, hours=-6),
        capacity=10,
    )
    own = UserFactory(team=team)
    foreign = UserFactory(team=TeamFactory(organisation=other_organisation))
    for person, attendance in ((own, "present"), (foreign, "absent")):
        WorkshopRegistration.objects.create(
            date=date, user=person, status="registered", attendance=attendance
        )

    def counts(user):
        sign_in_recently(client, user)
        raw = b"".join(
            client.get(reverse("coordination:dates"), {"export": "csv"}).streaming_content
        ).decode("utf-8-sig")
        header, row = list(csv.reader(io.StringIO(raw), delimiter=";"))[:2]
        return {name: row[header.index(name)] for name in ("angemeldet", "anwesend", "abwesend")}

    assert counts(coordinator) == {"angemeldet": "2", "anwesend": "1", "abwesend": "1"}
    assert counts(provider_coordinator) == {"angemeldet": "1", "anwesend": "1", "abwesend": "0"}
    assert WorkshopRegistration.objects.count() == 2


def test_coverage_exports_csv_for_excel(client, provider_coordinator, people, course):
    sign_in_recently(client, provider_coordinator)
    response = client.get(reverse("coordination:coverage"), {"course": course.pk, "export": "csv"})
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Ebene", "Name"]
    names = {row[1] for row in rows[1:]}
    assert "Wohngruppe Nord" in names and "Anderer Träger e. V." not in names


def test_coverage_counts_per_team(coordinator, people, course, team):
    from courses.coordination.coverage import coverage

    own, _foreign = people
    services.withdraw(user=own[1], course=course)
    teams, _organisations = coverage(course=course, viewer=coordinator)
    row = next(row for row in teams if row.label == team.name)
    # staff counts the coordinator fixtures' team members too: only compare the course figures
    assert (row.enrolled, row.completed, row.certified, row.covered) == (1, 0, 0, False)


def test_an_export_asks_for_the_password_first_and_then_downloads(client, coordinator, people):
    client.force_login(coordinator)  # signed in earlier, password not confirmed just now
    response = client.get(reverse(REPORT), {"export": "csv"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    confirmation = client.post(response["Location"], {"password": "demo-lms-2026"})
    assert confirmation.status_code == 302
    download = client.get(confirmation["Location"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")


def test_a_wrong_password_gives_no_export(client, coordinator, people):
    from wagtail.models import ModelLogEntry

    client.force_login(coordinator)
    location = client.get(reverse(REPORT), {"export": "csv"})["Location"]
    response = client.post(location, {"password": "falsch-falsch"})
    assert response.status_code == 200  # the form again, with an error
    assert client.get(reverse(REPORT), {"export": "csv"}).status_code == 302
    assert not ModelLogEntry.objects.filter(action="lms.export").exists()
