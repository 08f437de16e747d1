from pathlib import Path

import yaml
from wagtail.models import Page

from content.curriculum import CURRICULUM_DIR, load_curriculum
from courses.models import CoursePage, LessonPage, ModulePage


def test_curriculum_files_have_six_modules_with_substantive_lessons():
    module_files = sorted(CURRICULUM_DIR.glob("[0-9][0-9]-*.yaml"))
    assert len(module_files) >= 6
    for path in module_files:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert 2 <= len(spec["lessons"]) <= 4, path.name
        for lesson in spec["lessons"]:
            kinds = {block["type"] for block in lesson["body"]}
            assert kinds & {"knowledge_check", "reflection"}, lesson["slug"]
            words = sum(
                len(str(block["value"]).split())
                for block in lesson["body"]
                if block["type"] not in {"knowledge_check", "reflection"}
            )
            assert words >= 300, f"{lesson['slug']} has only {words} words"


def test_loader_builds_the_course_tree(home_page):
    report = load_curriculum()

    course = CoursePage.objects.get(slug="fachkraft-leaving-care")
    assert course.live and course.workload_units > 0
    assert ModulePage.objects.child_of(course).count() == 6
    assert LessonPage.objects.descendant_of(course).count() >= 12
    assert report.created


def test_loader_is_idempotent(home_page):
    load_curriculum()
    count = Page.objects.count()
    revisions = {p.pk: p.latest_revision_id for p in Page.objects.all()}

    report = load_curriculum()

    assert Page.objects.count() == count
    assert not report.created and not report.updated
    assert {p.pk: p.latest_revision_id for p in Page.objects.all()} == revisions


def test_changed_text_becomes_a_new_revision_and_added_pages_stay(home_page, tmp_path):
    for path in CURRICULUM_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    load_curriculum(tmp_path)
    module = ModulePage.objects.get(slug="wegbegleitung")
    trainer_lesson = module.add_child(
        instance=LessonPage(title="Eigene Ergänzung", body=[("heading", "Von uns")])
    )
    first = LessonPage.objects.descendant_of(module).exclude(pk=trainer_lesson.pk).first()
    revisions_before = first.revisions.count()
    spec_path = next(Path(tmp_path).glob("06-*.yaml"))
    spec_path.write_text(
        spec_path.read_text(encoding="utf-8").replace(first.title, first.title + " (neu)"),
        encoding="utf-8",
    )

    report = load_curriculum(tmp_path)

    first.refresh_from_db()
    assert first.title.endswith("(neu)")
    assert first.revisions.count() == revisions_before + 1
    assert LessonPage.objects.filter(pk=trainer_lesson.pk).exists()
    assert len(report.updated) == 1


def test_loader_leaves_pages_edited_by_a_trainer(home_page, trainer, tmp_path):
    for path in CURRICULUM_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    load_curriculum(tmp_path)
    lesson = LessonPage.objects.get(slug="wer-sind-careleaver")
    lesson.title = "Von der Referentin überarbeitet"
    lesson.save_revision(user=trainer).publish()
    spec_path = next(Path(tmp_path).glob("01-*.yaml"))
    spec_path.write_text(
        spec_path.read_text(encoding="utf-8").replace("Wer sind Careleaver", "Careleaver"),
        encoding="utf-8",
    )

    report = load_curriculum(tmp_path)

    lesson.refresh_from_db()
    assert lesson.title == "Von der Referentin überarbeitet"
    assert report.skipped_edited == ["Lerneinheit Careleaver*innen?"]
