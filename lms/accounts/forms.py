from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm

from .models import Organisation, Team, User, check_team_in_organisation
from .validators import validate_person_name


class GroupedTeamIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for team in self.queryset:
            groups.setdefault(team.organisation.name, []).append(self.choice(team))
        yield from groups.items()


class TeamChoiceField(forms.ModelChoiceField):
    """Teams grouped by organisation, so the choice works without JavaScript."""

    iterator = GroupedTeamIterator

    def __init__(self, **kwargs):
        super().__init__(queryset=Team.objects.select_related("organisation"), **kwargs)

    def label_from_instance(self, obj: Team) -> str:
        return obj.name


class ProfileFieldsMixin(forms.Form):
    first_name = forms.CharField(
        label=_("Vorname"),
        max_length=100,
        validators=[validate_person_name],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nachname"),
        max_length=100,
        validators=[validate_person_name],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        help_text=_("So erscheint Ihr Name auf Zertifikaten."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        empty_label=_("Bitte wählen"),
        error_messages={"invalid_choice": _("Bitte wählen Sie eine Organisation aus der Liste.")},
    )
    team = TeamChoiceField(
        label=_("Team / Bezirk"),
        empty_label=_("Bitte wählen"),
        help_text=_("Beim Jugendamt Ihr Bezirk oder Team, beim freien Träger Ihre Einrichtung."),
        error_messages={"invalid_choice": _("Bitte wählen Sie ein Team aus der Liste.")},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organisation") and cleaned.get("team"):
            try:
                check_team_in_organisation(
                    organisation=cleaned["organisation"], team=cleaned["team"]
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class ProfileSignupForm(ProfileFieldsMixin):
    """Extra fields on allauth's sign-up form; the adapter stores them."""

    field_order = ["first_name", "last_name", "organisation", "team"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields.get("email")  # allauth's field, added by its subclass of this form
        max_length = User._meta.get_field("email").max_length
        if email is not None and (email.max_length or max_length + 1) > max_length:
            # Django's e-mail form field takes addresses of up to 320 characters; allauth cuts
            # the address to the column's 254 characters when it saves the user, so the account
            # would silently get another address.
            email.max_length = max_length
            email.validators.append(validators.MaxLengthValidator(max_length))
            email.widget.attrs["maxlength"] = str(max_length)

    def signup(self, request, user):
        """allauth calls this after saving; the adapter has already stored the profile."""


class ProfileForm(ProfileFieldsMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "organisation", "team"]


class WagtailUserEditForm(UserEditForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all(), required=False
    )
    team = TeamChoiceField(label=_("Team / Bezirk"), required=False)

    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | {"organisation", "team"}


class WagtailUserCreationForm(UserCreationForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all(), required=False
    )
    team = TeamChoiceField(label=_("Team / Bezirk"), required=False)

    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | {"organisation", "team"}
