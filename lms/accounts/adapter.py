from allauth.account.adapter import DefaultAccountAdapter

from . import services
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

    def login(self, request, user):
        super().login(request, user)
        count_sign_in_as_confirmation(request)
