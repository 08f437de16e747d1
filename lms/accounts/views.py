from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import services
from .forms import ProfileForm


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            user=request.user,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            organisation=form.cleaned_data["organisation"],
            team=form.cleaned_data["team"],
        )
        messages.success(request, _("Ihre Angaben wurden gespeichert."))
        return redirect("account_profile")
    return render(request, "account/profile.html", {"form": form})


class SignupView(allauth_views.SignupView):
    """allauth's sign-up, prefilled from an invitation the person followed (see session)."""

    def get_initial(self):
        initial = super().get_initial()
        initial.update(self.request.session.get(SIGNUP_INITIAL_SESSION_KEY, {}))
        return initial


SIGNUP_INITIAL_SESSION_KEY = "lms_signup_initial"
