import json

from allauth.core import ratelimit
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import services
from .forms import DeleteAccountForm


@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    sections = services.collect_personal_data(user=request.user)
    return render(request, "privacy/my_data.html", {"sections": sections, "now": timezone.now()})


@never_cache
@login_required
def my_data_json(request: HttpRequest) -> HttpResponse:
    data = services.export_personal_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="meine-daten-{stamp}.json"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        # Same budget as allauth's re-authentication: guessing the password here is throttled.
        limited = ratelimit.consume_or_429(request, action="reauthenticate", user=request.user)
        if limited:
            return limited
        if form.is_valid():
            user = request.user
            logout(request)
            services.delete_account(user=user)
            return redirect("privacy_account_deleted")
    return render(request, "privacy/delete_account.html", {"form": form})


def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/account_deleted.html")
