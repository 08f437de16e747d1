"""Following an invitation link: remember it, prefill sign-up, enrol once the account exists."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from lms.accounts.views import SIGNUP_INITIAL_SESSION_KEY

from ..models import Invitation

INVITATION_SESSION_KEY = "lms_invitation_token"


def follow_invitation(request, token):
    invitation = get_object_or_404(Invitation, token=token, accepted_at__isnull=True)
    request.session[INVITATION_SESSION_KEY] = invitation.token
    request.session[SIGNUP_INITIAL_SESSION_KEY] = {
        "email": invitation.email,
        **({"organisation": invitation.organisation_id} if invitation.organisation_id else {}),
    }
    return redirect(reverse("account_signup"))


@receiver(user_signed_up)
def enrol_invited_person(sender, request, user, **kwargs):
    """Only enrols (a few rows); nothing else happens here."""
    from .services import accept_invitation

    token = request.session.pop(INVITATION_SESSION_KEY, None) if request else None
    if token:
        request.session.pop(SIGNUP_INITIAL_SESSION_KEY, None)
        accept_invitation(token=token, user=user)
