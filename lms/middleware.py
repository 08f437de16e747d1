from csp.constants import SELF
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """German unless the person chose English with the language switch (a cookie).

    The browser's Accept-Language is deliberately ignored: staff share PCs with all kinds of
    browser settings, and the county's platform is German first.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PrivateNoStoreMiddleware:
    """Pages for a signed-in person carry personal data: never keep them in any cache.

    Responses that set their own Cache-Control (downloads, the admin) keep it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the platform's two exceptions (docs/security.md).

    - The Wagtail admin (/admin/) gets CONTENT_SECURITY_POLICY_ADMIN: Wagtail 8 still starts its
      choosers and date pickers with inline scripts.
    - Previews (Wagtail's dummy requests) and responses that allow same-origin framing (Wagtail
      sets X-Frame-Options: SAMEORIGIN on its preview views) may be framed by our own pages.
    """

    ADMIN_PREFIX = "/admin/"

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        replace = {}
        is_preview = getattr(request, "is_dummy", False)
        if request.path_info.startswith(self.ADMIN_PREFIX) and not is_preview:
            replace.update(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        if is_preview or response.get("X-Frame-Options") == "SAMEORIGIN":
            replace["frame-ancestors"] = [SELF]
        parts.replace = {**replace, **(parts.replace or {})}
        return parts
