"""Every StreamField block has a template that exists and renders: a lint cannot catch this."""

import pytest
from django.template.loader import get_template
from wagtail import blocks
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from content.blocks import PageBodyBlock
from courses.blocks import LessonBodyBlock
from tests.factories import knowledge_check_block

SAMPLE_VALUES = {
    "heading": "Überschrift",
    "paragraph": "<p>Ein <strong>Text</strong></p>",
    "info_box": {"kind": "praxistipp", "title": "Tipp", "text": "<p>Früh planen.</p>"},
    "case_vignette": {"title": "Leonie, 17", "text": "<p>Leonie lebt in einer Wohngruppe.</p>"},
    "checklist": {"title": "Vor dem Auszug", "items": ["Wohnung", "Konto"]},
    "accordion": {"title": "FAQ", "items": [{"question": "Was?", "answer": "<p>Das.</p>"}]},
    "reflection": {"prompt": "Was nehmen Sie mit?"},
    "knowledge_check": knowledge_check_block(block_id="x")["value"],
}
EXPECTED_TEXT = {
    "heading": "Überschrift",
    "paragraph": "Text",
    "info_box": "Früh planen.",
    "case_vignette": "Leonie, 17",
    "checklist": "Konto",
    "accordion": "Das.",
    "reflection": "Was nehmen Sie mit?",
    "knowledge_check": "Ab wann gilt",
    "image": "Ein Flur im Jugendamt",
    "video": "Einführungsfilm",
    "document": "Handreichung",
}


@pytest.fixture
def media_values(db):
    image = Image.objects.create(title="Foto", file=get_test_image_file())
    document = Document.objects.create(title="Handreichung", file=get_test_image_file())
    return {
        "image": {"image": image.pk, "alt_text": "Ein Flur im Jugendamt", "caption": ""},
        "video": {"title": "Einführungsfilm", "embed_url": "https://vimeo.com/12345"},
        "document": {"document": document.pk, "title": "", "description": ""},
    }


@pytest.mark.parametrize(
    "stream_block", [LessonBodyBlock(), PageBodyBlock()], ids=["lesson", "page"]
)
def test_every_block_template_exists_and_renders(stream_block, media_values):
    values = {**SAMPLE_VALUES, **media_values}
    for name, child in stream_block.child_blocks.items():
        template = child.meta.template
        assert template, f"block {name} has no template"
        get_template(template)
        value = child.to_python(values[name])
        html = child.render(value, context={})
        assert EXPECTED_TEXT[name] in html, f"block {name} did not render its content"


def test_no_raw_html_block_anywhere():
    for stream_block in (LessonBodyBlock(), PageBodyBlock()):
        for child in stream_block.child_blocks.values():
            assert not isinstance(child, blocks.RawHTMLBlock)


def test_knowledge_check_html_never_contains_the_solution(media_values):
    block = LessonBodyBlock().child_blocks["knowledge_check"]
    html = block.render(block.to_python(SAMPLE_VALUES["knowledge_check"]), context={})
    assert "correct" not in html.replace("is-correct", "")
    assert "true" not in html.lower()
