from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from content import page_cache
from content.blocks import RICH_TEXT_FEATURES

from ..blocks import LessonBodyBlock


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class CourseIndexPage(Page):
    """Kursübersicht: the public catalogue of courses."""

    intro = RichTextField(_("Einleitung"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("Kursübersicht")

    def get_courses(self):
        return CoursePage.objects.live().public().child_of(self).order_by("path")

    def get_view_restrictions(self):
        return page_cache.view_restrictions(self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = self.get_courses()
        return context


class CoursePage(Page):
    """Kurs: a series of modules; complete when every required module is complete."""

    class ExcusedAbsence(models.TextChoices):
        """How "entschuldigt" at a workshop date counts for completion."""

        ABSENT = "absent", _("zählt als Fehlen")
        NEUTRAL = "neutral", _("zählt nicht mit (Termin fällt aus der Rechnung)")
        ATTENDED = "attended", _("zählt als Teilnahme")

    teaser = models.TextField(_("Kurzbeschreibung"), max_length=500)
    description = RichTextField(_("Beschreibung"), features=RICH_TEXT_FEATURES, blank=True)
    target_group = RichTextField(_("Zielgruppe"), features=RICH_TEXT_FEATURES, blank=True)
    learning_objectives = models.TextField(
        _("Lernziele"), blank=True, help_text=_("Ein Lernziel pro Zeile.")
    )
    workload_units = models.PositiveSmallIntegerField(
        _("Umfang in Unterrichtseinheiten"),
        default=0,
        help_text=_("Eine Unterrichtseinheit (UE) sind 45 Minuten."),
    )
    self_enrolment = models.BooleanField(
        _("Selbst-Einschreibung erlaubt"),
        default=True,
        help_text=_("Sonst schreibt nur die Koordination Personen ein."),
    )
    workshop_min_share = models.PositiveSmallIntegerField(
        _("Mindestanteil Präsenztermine (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Zum Beispiel 80: Für den Abschluss nimmt die Person an mindestens 80 % der "
            "Präsenztermine der Reihe teil. Alternativtermine eines Moduls zählen zusammen "
            "als ein Termin. Leer: keine Mindestquote."
        ),
    )
    workshop_excused = models.CharField(
        _("Entschuldigtes Fehlen"),
        max_length=20,
        choices=ExcusedAbsence.choices,
        default=ExcusedAbsence.ABSENT,
        help_text=_("Wie „entschuldigt“ bei Präsenzterminen für den Abschluss zählt."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("teaser"),
        FieldPanel("description"),
        FieldPanel("target_group"),
        FieldPanel("learning_objectives"),
        MultiFieldPanel(
            [FieldPanel("workload_units"), FieldPanel("self_enrolment")],
            heading=_("Organisation"),
        ),
        MultiFieldPanel(
            [FieldPanel("workshop_min_share"), FieldPanel("workshop_excused")],
            heading=_("Präsenztermine"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("teaser"),
        index.SearchField("description"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = _("Kurs")
        verbose_name_plural = _("Kurse")

    def objectives(self) -> list[str]:
        return _lines(self.learning_objectives)

    def catalogue_url(self) -> str:
        """The course overview's address, without a query (courses sit right below it)."""
        return self.url.rstrip("/").rsplit("/", 1)[0] + "/"

    def get_modules(self):
        return ModulePage.objects.live().child_of(self).order_by("path")

    def get_view_restrictions(self):
        return page_cache.view_restrictions(self)

    def get_context(self, request, *args, **kwargs):
        from ..views import course_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(course_page_context(request=request, course=self))
        return context


class ModulePage(Page):
    """Modul: a group of lessons, optionally with a required workshop date."""

    intro = RichTextField(_("Einführung"), features=RICH_TEXT_FEATURES, blank=True)
    objectives_text = models.TextField(
        _("Lernziele"), blank=True, help_text=_("Ein Lernziel pro Zeile.")
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("Geschätzte Dauer (Minuten)"), default=60
    )
    required = models.BooleanField(
        _("Pflichtmodul"), default=True, help_text=_("Nötig für den Abschluss des Kurses.")
    )
    workshop_required = models.BooleanField(
        _("Präsenztermin erforderlich"),
        default=False,
        help_text=_("Das Modul ist erst abgeschlossen, wenn die Person an einem Termin teilnahm."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("objectives_text"),
        MultiFieldPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("required"),
                FieldPanel("workshop_required"),
            ],
            heading=_("Abschluss"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("Modul")
        verbose_name_plural = _("Module")

    def objectives(self) -> list[str]:
        return _lines(self.objectives_text)

    def get_course(self) -> CoursePage:
        return CoursePage.objects.parent_of(self).get()

    def get_view_restrictions(self):
        return page_cache.view_restrictions(self)

    def serve(self, request, *args, **kwargs):
        from ..access import serve_for_learners

        return serve_for_learners(self, request, super().serve, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from ..views import module_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(module_page_context(request=request, module=self))
        return context


class LessonPage(Page):
    """Lerneinheit: readable text, media, reflection questions and knowledge checks."""

    body = StreamField(LessonBodyBlock(), verbose_name=_("Inhalt"))
    reading_minutes = models.PositiveSmallIntegerField(_("Lesezeit (Minuten)"), default=10)

    content_panels = [*Page.content_panels, FieldPanel("reading_minutes"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("Lerneinheit")
        verbose_name_plural = _("Lerneinheiten")

    def knowledge_checks(self) -> dict[str, dict]:
        """The knowledge check blocks of this lesson by block id (the scoring reference)."""
        return {
            block.id: block.value for block in self.body if block.block_type == "knowledge_check"
        }

    def reflection_block_ids(self) -> set[str]:
        return {block.id for block in self.body if block.block_type == "reflection"}

    def get_view_restrictions(self):
        return page_cache.view_restrictions(self)

    def serve(self, request, *args, **kwargs):
        from ..access import serve_for_learners

        return serve_for_learners(self, request, super().serve, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from ..views import lesson_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_page_context(request=request, lesson=self))
        return context
