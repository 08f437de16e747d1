import pytest
from django.core.exceptions import ValidationError
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.test.utils import WagtailPageTestCase

from content.models import HomePage, StandardPage
from courses.blocks import LessonBodyBlock
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from tests.conftest import ensure_site
from tests.factories import build_course


class TestPageTypeRules(WagtailPageTestCase):
    def test_course_tree_parent_child_rules(self):
        self.assertAllowedParentPageTypes(CourseIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(CoursePage, {CourseIndexPage})
        self.assertAllowedParentPageTypes(ModulePage, {CoursePage})
        self.assertAllowedParentPageTypes(LessonPage, {ModulePage})
        self.assertAllowedSubpageTypes(LessonPage, set())
        self.assertAllowedSubpageTypes(ModulePage, {LessonPage})

    def test_lesson_cannot_be_created_under_a_course(self):
        self.assertCanNotCreateAt(CoursePage, LessonPage)
        self.assertCanNotCreateAt(HomePage, ModulePage)
        self.assertCanCreateAt(ModulePage, LessonPage)

    def test_site_pages_live_under_the_home_page(self):
        self.assertCanCreateAt(HomePage, StandardPage)
        self.assertCanNotCreateAt(CourseIndexPage, StandardPage)

    def test_course_pages_are_routable_and_render(self):
        ensure_site()
        course = build_course(modules=1, lessons_per_module=1)
        self.assertPageIsRoutable(course)
        self.assertPageIsRenderable(course)
        self.assertPageIsRoutable(course.get_parent().specific)


def test_invalid_placement_is_refused_by_wagtail(home_page):
    course = build_course(modules=1, lessons_per_module=1)
    assert not LessonPage.can_create_at(course)
    assert not ModulePage.can_create_at(home_page)


def _lesson_body(raw):
    block = LessonBodyBlock()
    return block.clean(block.to_python(raw))


def test_image_without_alt_text_cannot_be_saved(db):
    image = Image.objects.create(title="Foto", file=get_test_image_file())
    with pytest.raises(ValidationError):
        _lesson_body(
            [{"type": "image", "value": {"image": image.pk, "alt_text": "", "caption": ""}}]
        )
    assert _lesson_body(
        [{"type": "image", "value": {"image": image.pk, "alt_text": "Ein Flur", "caption": ""}}]
    )


def _check(answers, kind="single"):
    return [
        {
            "type": "knowledge_check",
            "value": {
                "title": "Wissenscheck",
                "pass_mark": 100,
                "questions": [
                    {"text": "Frage?", "kind": kind, "explanation": "", "answers": answers}
                ],
            },
        }
    ]


def test_knowledge_check_without_correct_answer_cannot_be_saved(db):
    wrong_only = [{"text": "a", "correct": False}, {"text": "b", "correct": False}]
    with pytest.raises(ValidationError):
        _lesson_body(_check(wrong_only))


def test_single_choice_needs_exactly_one_correct_answer(db):
    two_right = [{"text": "a", "correct": True}, {"text": "b", "correct": True}]
    with pytest.raises(ValidationError):
        _lesson_body(_check(two_right))
    assert _lesson_body(_check(two_right, kind="multiple"))


def test_video_accepts_only_privacy_friendly_providers(db):
    with pytest.raises(ValidationError):
        _lesson_body(
            [{"type": "video", "value": {"title": "Film", "embed_url": "https://evil.example/v"}}]
        )
    body = _lesson_body(
        [
            {
                "type": "video",
                "value": {"title": "Film", "embed_url": "https://www.youtube.com/watch?v=abcdefgh"},
            }
        ]
    )
    html = body[0].render()
    assert "youtube-nocookie.com/embed/abcdefgh" in html
    assert "<iframe" not in html  # loads only after a click
