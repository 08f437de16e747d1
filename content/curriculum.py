"""Loads the starter curriculum (content/curriculum/*.yaml) into the Wagtail page tree.

Idempotent: pages are found by slug; changed text becomes a new published revision; pages that
trainers added are never touched, and pages a trainer has edited since the last load are left
as they are (reported as skipped), so the loader never overwrites someone's work.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from courses.blocks import LessonBodyBlock
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from lms.accounts.roles import Role

from .models import HomePage

CURRICULUM_DIR = Path(__file__).resolve().parent / "curriculum"
COURSE_COLLECTION = "Kursmaterial"
ID_NAMESPACE = uuid.UUID("6f1c9d1e-1c3b-4d0e-9a53-2f7e0c7a4b11")

TRAINER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
TRAINER_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped_edited: list[str] = field(default_factory=list)


def _stable_id(*parts: object) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, ":".join(str(part) for part in parts)))


def _list_items(values: list, *key: object) -> list[dict]:
    return [
        {"type": "item", "value": value, "id": _stable_id(*key, index)}
        for index, value in enumerate(values)
    ]


def lesson_stream(lesson_key: str, blocks: list[dict]) -> list[dict]:
    """YAML blocks → StreamField raw data with ids that stay the same on every load."""
    stream = []
    for index, block in enumerate(blocks):
        kind, value = block["type"], block["value"]
        key = (lesson_key, index)
        if kind == "checklist" or kind == "accordion":
            value = {**value, "items": _list_items(value["items"], *key, "items")}
        elif kind == "knowledge_check":
            questions = [
                {**question, "answers": _list_items(question["answers"], *key, "q", q_index)}
                for q_index, question in enumerate(value["questions"])
            ]
            value = {**value, "questions": _list_items(questions, *key, "questions")}
        stream.append({"type": kind, "value": value, "id": _stable_id(*key)})
    return stream


def _normalised_body(raw: list[dict]) -> str:
    block = LessonBodyBlock()
    return json.dumps(block.get_prep_value(block.to_python(raw)), sort_keys=True)


def _edited_by_a_person(page: Page) -> bool:
    latest = page.latest_revision
    return latest is not None and latest.user_id is not None


def _upsert(parent: Page, model, slug: str, fields: dict, report: LoadReport, label: str):
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, **fields)
        parent.add_child(instance=page)
        page.save_revision().publish()
        report.created.append(label)
        return page
    changed = {}
    for name, value in fields.items():
        current = getattr(page, name)
        if name == "body":
            if _normalised_body(value) != _normalised_body(list(current.raw_data)):
                changed[name] = value
        elif current != value:
            changed[name] = value
    if not changed:
        report.unchanged.append(label)
        return page
    if _edited_by_a_person(page):
        report.skipped_edited.append(label)
        return page
    for name, value in changed.items():
        setattr(page, name, value)
    page.save_revision().publish()
    report.updated.append(label)
    return page


def ensure_course_index() -> CourseIndexPage:
    index = CourseIndexPage.objects.first()
    if index is None:
        home = HomePage.objects.get()
        index = CourseIndexPage(
            title="Kurse",
            slug="kurse",
            intro="<p>Die Kurse der Fortbildungsreihe „Fachkraft Leaving Care“.</p>",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    grant_trainer_permissions(index)
    return index


def grant_trainer_permissions(index: CourseIndexPage) -> None:
    """Referent*innen edit and publish the course tree and use the course media collection."""
    trainers = Group.objects.get(name=Role.TRAINER)
    for codename in TRAINER_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=trainers,
            page=index,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=COURSE_COLLECTION).first()
    if collection is None:
        collection = root.add_child(name=COURSE_COLLECTION)
    for app_label, codename in TRAINER_COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=trainers,
            collection=collection,
            permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
        )


@transaction.atomic
def load_curriculum(directory: Path = CURRICULUM_DIR) -> LoadReport:
    report = LoadReport()
    index = ensure_course_index()
    spec = yaml.safe_load((directory / "course.yaml").read_text(encoding="utf-8"))
    course = _upsert(
        index,
        CoursePage,
        spec["slug"],
        {
            "title": spec["title"],
            "teaser": spec["teaser"].strip(),
            "description": spec["description"].strip(),
            "target_group": spec["target_group"].strip(),
            "learning_objectives": "\n".join(spec["learning_objectives"]),
            "workload_units": spec["workload_units"],
            "self_enrolment": spec["self_enrolment"],
        },
        report,
        f"Kurs {spec['title']}",
    )
    for module_file in sorted(directory.glob("[0-9][0-9]-*.yaml")):
        module_spec = yaml.safe_load(module_file.read_text(encoding="utf-8"))
        module = _upsert(
            course,
            ModulePage,
            module_spec["slug"],
            {
                "title": module_spec["title"],
                "intro": module_spec["intro"].strip(),
                "objectives_text": "\n".join(module_spec["objectives"]),
                "estimated_minutes": module_spec["estimated_minutes"],
                "required": module_spec["required"],
                "workshop_required": module_spec["workshop_required"],
            },
            report,
            f"Modul {module_spec['title']}",
        )
        for lesson_spec in module_spec["lessons"]:
            key = f"{module_spec['slug']}/{lesson_spec['slug']}"
            _upsert(
                module,
                LessonPage,
                lesson_spec["slug"],
                {
                    "title": lesson_spec["title"],
                    "reading_minutes": lesson_spec["reading_minutes"],
                    "body": lesson_stream(key, lesson_spec["body"]),
                },
                report,
                f"Lerneinheit {lesson_spec['title']}",
            )
    return report
