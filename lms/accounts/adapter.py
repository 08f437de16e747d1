from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import services
from .models import User
from .reauthentication import count_sign_in_as_confirmation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        profile = form.cleaned_data
        user.organisation = profile.get("organisation")
        user.team = profile.get("team")
        if commit:
            services.register_account(user=user)
        return user

    def clean_email(self, email):
        email = super().clean_email(email)
        if len(email) > User._meta.get_field("email").max_length:
            raise ValidationError(_("Die E-Mail-Adresse ist zu lang (höchstens 254 Zeichen)."))
        return email

    def login(self, request, user):
        super().login(request, user)
        count_sign_in_as_confirmation(request)
