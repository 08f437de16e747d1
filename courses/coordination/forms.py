from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from ..models import CoursePage


class PageChoiceMixin:
    """A choice of pages that refuses ids beyond 64 bits instead of crashing.

    A page's primary key is the one-to-one link to Wagtail's Page, whose lookups get no
    integer-overflow handling from Django: SQLite raises OverflowError for such an id.
    """

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class PageChoiceField(PageChoiceMixin, forms.ModelChoiceField):
    pass


class PageChoiceFilterField(PageChoiceMixin, FilterModelChoiceField):
    """The same for django-filter's ModelChoiceFilter (`field_class`)."""


class CourseChoiceForm(forms.Form):
    course = PageChoiceField(
        label=_("Kurs"),
        queryset=CoursePage.objects.live().order_by("title"),
        error_messages={"invalid_choice": _("Bitte wählen Sie einen Kurs aus der Liste.")},
    )


class ImportForm(CourseChoiceForm):
    addresses = forms.CharField(
        label=_("E-Mail-Adressen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Eine oder mehrere Adressen je Zeile, getrennt durch Komma oder Semikolon."),
        max_length=200_000,
    )
    upload = forms.FileField(
        label=_("Oder eine Datei (CSV oder XLSX, höchstens 2 MB)"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("addresses") and not cleaned.get("upload"):
            raise forms.ValidationError(
                _("Bitte fügen Sie Adressen ein oder laden Sie eine Datei hoch.")
            )
        return cleaned


class SelectionForm(CourseChoiceForm):
    people = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)

    def __init__(self, *args, people_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.people_queryset = people_queryset
        self.fields["people"].choices = [
            (pk, pk) for pk in people_queryset.values_list("pk", flat=True)
        ]
        self.fields["people"].error_messages["invalid_choice"] = _(
            "Eine ausgewählte Person gehört nicht zu Ihrem Bereich."
        )
        self.fields["people"].error_messages["required"] = _(
            "Bitte wählen Sie mindestens eine Person."
        )
