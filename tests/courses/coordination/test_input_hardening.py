"""Odd input in the coordination forms and exports (found by tests/security/test_fuzz_forms.py)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page

from courses import services as learning
from courses.models import Invitation, WorkshopDate
from tests.conftest import sign_in_recently
from tests.factories import build_course

# 64 + 1 + 3 * 64 + 2 = 259 characters: passes Django's validate_email (up to 320), but the
# e-mail columns hold 254 (PostgreSQL: DataError, a 500).
OVERLONG_ADDRESS = "a" * 64 + "@" + ".".join(["d" * 63] * 3) + ".de"


@pytest.fixture
def course(home_page):
    return build_course(modules=1, lessons_per_module=1, self_enrolment=False)


def _import(client, course, **data):
    return client.post(reverse("coordination:import"), {"course": course.pk, **data})


def test_overlong_address_is_an_error_row_not_an_invitation(client, coordinator, course):
    client.force_login(coordinator)
    response = _import(client, course, addresses=OVERLONG_ADDRESS, confirm="1")
    assert response.status_code == 200
    assert "0 eingeladen, 1 Fehler" in response.content.decode()
    assert not Invitation.objects.exists()


def test_nul_bytes_in_an_uploaded_list_never_reach_the_database(client, coordinator, course):
    """The upload bypasses the form's NUL check; the preview queried with the raw values."""
    client.force_login(coordinator)
    upload = SimpleUploadedFile(
        "liste.csv", b"a\x00b@example.org;ok@example.org\n\x00\n", content_type="text/csv"
    )
    response = _import(client, course, upload=upload)
    assert response.status_code == 200
    html = response.content.decode()
    assert "keine gültige E-Mail-Adresse" in html and "erhält eine Einladung" in html


def test_overlong_csv_cell_is_refused_with_a_message(client, coordinator, course):
    """A cell beyond the csv module's field limit (128 KiB) raised csv.Error (a 500)."""
    client.force_login(coordinator)
    text = "x" * 140_000 + ";b@example.org"
    response = _import(client, course, addresses=text)
    assert response.status_code == 200
    assert "Zeile 1 kann nicht gelesen werden" in response.content.decode()
    assert not Invitation.objects.exists()


def test_xlsx_exports_drop_control_characters_instead_of_failing(
    client, coordinator, course, participant, trainer
):
    """Word's manual line break (vertical tab) in a title made openpyxl refuse the export;
    what is left after dropping it is still checked for formulas."""
    learning.enrol(user=participant, course=course, enrolled_by=coordinator)
    Page.objects.filter(pk=course.pk).update(title="Fachkraft\x0bLeaving Care")
    WorkshopDate.objects.create(
        course=course,
        title="\x0b=1+1",
        starts_at=timezone.now(),
        ends_at=timezone.now(),
        location="Hildesheim",
        capacity=5,
    )
    sign_in_recently(client, coordinator)
    for report, column, expected in [
        ("coordination:participation", 5, "FachkraftLeaving Care"),
        ("coordination:dates", 1, "'=1+1"),
    ]:
        response = client.get(reverse(report), {"export": "xlsx"})
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
        assert rows[1][column] == expected, rows[1]


HUGE_ID = str(2**63)  # beyond 64 bits: SQLite raised OverflowError for page lookups


def test_course_choice_beyond_64_bits_is_an_invalid_choice(client, coordinator, course, team):
    from courses.models import Enrollment
    from tests.factories import UserFactory

    person = UserFactory(team=team)
    client.force_login(coordinator)
    response = client.post(
        reverse("coordination:people"), {"course": HUGE_ID, "people": [person.pk]}, follow=True
    )
    assert "Bitte wählen Sie einen Kurs aus der Liste." in response.content.decode()
    response = client.post(
        reverse("coordination:enrol_person", args=[person.pk]), {"course": HUGE_ID}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("coordination:import"), {"course": HUGE_ID, "addresses": "a@example.org"}
    )
    assert response.status_code == 200
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auswertungen/abdeckung/",
        "/admin/auswertungen/teilnahme/",
        "/admin/zertifikate/liste/",
        "/admin/zertifikate/ausstehend/",
        "/admin/workshop_dates/",
    ],
)
def test_course_filters_beyond_64_bits_answer(client, coordinator, course, url):
    client.force_login(coordinator)
    assert client.get(url, {"course": HUGE_ID}).status_code == 200


def test_import_finds_people_whose_stored_address_has_capitals(home_page, coordinator):
    from courses.coordination.services import preview_import
    from tests.factories import UserFactory, build_course

    course = build_course(modules=1, lessons_per_module=1)
    person = UserFactory(email="Jana.Oezdemir@example.org")
    rows = preview_import(
        addresses=[(1, "jana.oezdemir@example.org")], course=course, by=coordinator
    )
    assert [(row.person, row.action) for row in rows] == [(person, "enrol")]


def test_import_reads_a_quoted_cell_with_a_line_break(home_page, coordinator):
    from courses.coordination.services import read_addresses

    # csv.writer quotes a cell that ends in a line break; pasted, it spans two lines.
    assert read_addresses(text='"person@example.org\n"\r\n') == [(1, "person@example.org")]
