"""Lesson-only blocks: the reflection question and the knowledge check (scored in services)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from content import blocks as content_blocks


class ReflectionBlock(blocks.StructBlock):
    prompt = blocks.TextBlock(label=_("Reflexionsfrage"), max_length=1000)

    class Meta:
        icon = "comment"
        label = _("Reflexionsfrage")
        template = "blocks/reflection_block.html"


class AnswerOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Antwort"), max_length=500)
    correct = blocks.BooleanBlock(label=_("richtig"), required=False)


class QuestionBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Frage"), max_length=1000)
    kind = blocks.ChoiceBlock(
        label=_("Art"),
        choices=[("single", _("Eine richtige Antwort")), ("multiple", _("Mehrere richtig"))],
        default="single",
    )
    answers = blocks.ListBlock(AnswerOptionBlock(), label=_("Antworten"), min_num=2)
    explanation = blocks.TextBlock(
        label=_("Erläuterung"),
        help_text=_("Wird nach dem Absenden angezeigt."),
        required=False,
    )

    def clean(self, value):
        value = super().clean(value)
        correct = sum(1 for answer in value["answers"] if answer["correct"])
        if correct == 0:
            raise StructBlockValidationError(
                non_block_errors=[ValidationError(_("Mindestens eine Antwort muss richtig sein."))]
            )
        if value["kind"] == "single" and correct != 1:
            raise StructBlockValidationError(
                non_block_errors=[
                    ValidationError(_("Bei „Eine richtige Antwort“ genau eine richtig markieren."))
                ]
            )
        return value


class KnowledgeCheckBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titel"), default="Wissenscheck", max_length=200)
    pass_mark = blocks.IntegerBlock(
        label=_("Bestehensgrenze in Prozent"), default=100, min_value=1, max_value=100
    )
    questions = blocks.ListBlock(QuestionBlock(), label=_("Fragen"), min_num=1)

    class Meta:
        icon = "help"
        label = _("Wissenscheck")
        template = "blocks/knowledge_check_block.html"


class LessonBodyBlock(blocks.StreamBlock):
    """Everything a lesson may contain; deliberately no raw HTML."""

    heading = content_blocks.HeadingBlock()
    paragraph = content_blocks.ParagraphBlock()
    image = content_blocks.ImageBlock()
    video = content_blocks.VideoBlock()
    document = content_blocks.DocumentBlock()
    info_box = content_blocks.InfoBoxBlock()
    case_vignette = content_blocks.CaseVignetteBlock()
    checklist = content_blocks.ChecklistBlock()
    accordion = content_blocks.AccordionBlock()
    reflection = ReflectionBlock()
    knowledge_check = KnowledgeCheckBlock()
