from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from courses.models import WorkshopDate, WorkshopRegistration
from lms.accounts.models import User
from lms.accounts.roles import Role

from .services import MAX_NOTE_LENGTH, RELEASE_REASON_MAX_LENGTH

Attendance = WorkshopRegistration.Attendance


def staff_for_dates():
    """People who can lead a date: trainers and coordinators."""
    return (
        User.objects.filter(
            Q(groups__name__in=[Role.TRAINER, Role.COORDINATOR]) | Q(is_superuser=True),
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


class WorkshopDateForm(WagtailAdminModelForm):
    """The admin form; a trainer who creates or edits a date is always one of its trainers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "trainers" in self.fields:
            self.fields["trainers"].queryset = staff_for_dates()
            self.fields["trainers"].widget = forms.CheckboxSelectMultiple(
                choices=self.fields["trainers"].choices
            )
            self.fields["trainers"].help_text = _(
                "Referent*innen sehen die Liste der Angemeldeten und erfassen die Anwesenheit."
            )

    def clean_trainers(self):
        trainers = list(self.cleaned_data.get("trainers") or [])
        user = self.for_user
        if user is not None and not user.is_coordinator and user not in trainers:
            trainers.append(user)
        return trainers

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        instance = self.instance
        if instance.pk:
            before = WorkshopDate.objects.get(pk=instance.pk).capacity
            registered = instance.registrations.filter(
                status=WorkshopRegistration.Status.REGISTERED
            ).count()
            if capacity < before and capacity < registered:
                raise forms.ValidationError(
                    _(
                        "Für diesen Termin sind bereits %(count)s Personen angemeldet. Die Zahl "
                        "der Plätze kann nicht darunter sinken."
                    ),
                    params={"count": registered},
                    code="below_registered",
                )
        return capacity


class CancelDateForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Absage (geht an alle Angemeldeten)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )


class RosterForm(forms.Form):
    """One radio group (anwesend / entschuldigt / abwesend) and one note per person."""

    def __init__(self, *args, registrations, **kwargs):
        super().__init__(*args, **kwargs)
        self.registrations = list(registrations)
        for registration in self.registrations:
            self.fields[f"attendance_{registration.pk}"] = forms.ChoiceField(
                label=registration.user.get_full_name(),
                choices=Attendance.choices,
                required=False,
                widget=forms.RadioSelect,
                initial=registration.attendance,
            )
            self.fields[f"note_{registration.pk}"] = forms.CharField(
                label=_("Notiz"),
                max_length=MAX_NOTE_LENGTH,
                required=False,
                initial=registration.attendance_note,
            )

    def rows(self):
        return [
            {
                "registration": registration,
                "attendance": self[f"attendance_{registration.pk}"],
                "note": self[f"note_{registration.pk}"],
            }
            for registration in self.registrations
        ]

    def marks(self) -> dict[int, tuple[str, str]]:
        return {
            registration.pk: (
                self.cleaned_data[f"attendance_{registration.pk}"],
                self.cleaned_data[f"note_{registration.pk}"],
            )
            for registration in self.registrations
        }


class ReleasePlaceForm(forms.Form):
    """Koordination's reason for taking a person off a date (sent to them by e-mail)."""

    reason = forms.CharField(
        label=_("Grund"),
        help_text=_("Die Person erhält diesen Text mit der Stornierung per E-Mail."),
        max_length=RELEASE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Bitte geben Sie einen Grund an.")},
    )
