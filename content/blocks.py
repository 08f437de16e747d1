"""StreamField blocks shared by site pages and lessons. There is deliberately no raw-HTML block."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "document-link"]

_YOUTUBE = re.compile(r"(?:youtube\.com/(?:watch\?v=|embed/)|youtu\.be/)([\w-]{6,})")
_VIMEO = re.compile(r"vimeo\.com/(?:video/)?(\d+)")


def privacy_friendly_embed_url(url: str) -> str | None:
    """The no-cookie player address for YouTube and Vimeo links, None for anything else."""
    if match := _YOUTUBE.search(url):
        return f"https://www.youtube-nocookie.com/embed/{match[1]}"
    if match := _VIMEO.search(url):
        return f"https://player.vimeo.com/video/{match[1]}?dnt=1"
    return None


class HeadingBlock(blocks.CharBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    class Meta:
        icon = "title"
        label = _("Zwischenüberschrift")
        template = "blocks/heading_block.html"
        form_classname = "title"


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Text")
        template = "blocks/paragraph_block.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Bild"))
    alt_text = blocks.CharBlock(
        label=_("Alternativtext"),
        max_length=300,
        help_text=_("Beschreibt, was das Bild zeigt – für Menschen, die es nicht sehen können."),
    )
    caption = blocks.CharBlock(label=_("Bildunterschrift"), required=False, max_length=300)

    class Meta:
        icon = "image"
        label = _("Bild")
        template = "blocks/image_block.html"


class VideoBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titel"), max_length=200)
    video_file = DocumentChooserBlock(
        label=_("Hochgeladene Videodatei"), required=False, help_text=_("z. B. MP4")
    )
    embed_url = blocks.URLBlock(
        label=_("Oder: YouTube- bzw. Vimeo-Adresse"),
        required=False,
        help_text=_("Wird erst nach einem Klick geladen (Datenschutz)."),
    )
    transcript = ParagraphBlock(label=_("Transkript oder Beschreibung"), required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "blocks/video_block.html"

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("video_file")) == bool(value.get("embed_url")):
            raise StructBlockValidationError(
                non_block_errors=[
                    ValidationError(_("Bitte genau eines angeben: Videodatei oder Video-Adresse."))
                ]
            )
        if value.get("embed_url") and not privacy_friendly_embed_url(value["embed_url"]):
            raise StructBlockValidationError(
                block_errors={
                    "embed_url": ValidationError(_("Bitte eine YouTube- oder Vimeo-Adresse."))
                }
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        if value.get("embed_url"):
            context["embed_src"] = privacy_friendly_embed_url(value["embed_url"])
        return context


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Dokument"))
    title = blocks.CharBlock(label=_("Linktext"), required=False, max_length=200)
    description = blocks.TextBlock(label=_("Beschreibung"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Dokument zum Herunterladen")
        template = "blocks/document_block.html"


class InfoBoxBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Art"),
        choices=[
            ("merksatz", _("Merksatz")),
            ("praxistipp", _("Praxistipp")),
            ("achtung", _("Achtung")),
        ],
        default="merksatz",
    )
    title = blocks.CharBlock(label=_("Titel"), required=False, max_length=200)
    text = ParagraphBlock(label=_("Text"))

    class Meta:
        icon = "info-circle"
        label = _("Infokasten")
        template = "blocks/info_box_block.html"


class CaseVignetteBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titel"), max_length=200)
    text = ParagraphBlock(label=_("Fallbeschreibung"))

    class Meta:
        icon = "user"
        label = _("Fallbeispiel")
        template = "blocks/case_vignette_block.html"


class ChecklistBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titel"), max_length=200)
    items = blocks.ListBlock(blocks.CharBlock(max_length=500), label=_("Punkte"), min_num=1)

    class Meta:
        icon = "tasks"
        label = _("Checkliste")
        template = "blocks/checklist_block.html"


class AccordionItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Frage oder Überschrift"), max_length=300)
    answer = ParagraphBlock(label=_("Antwort"))


class AccordionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titel"), required=False, max_length=200)
    items = blocks.ListBlock(AccordionItemBlock(), label=_("Einträge"), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("Aufklappbereich / FAQ")
        template = "blocks/accordion_block.html"


class PageBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    document = DocumentBlock()
    info_box = InfoBoxBlock()
    accordion = AccordionBlock()
