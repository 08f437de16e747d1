from django.contrib.auth.views import redirect_to_login
from wagtail import hooks


@hooks.register("before_serve_document")
def documents_only_for_signed_in_people(document, request):
    """Course material is for the participants of the series, not for the public web."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None
