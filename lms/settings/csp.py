"""Content-Security-Policy (django-csp 4). Why each directive is what it is: docs/security.md.

Two policies:

- CONTENT_SECURITY_POLICY, for everything the platform serves: no inline script or style at
  all, nothing from other hosts except the two video players a lesson embeds after a click,
  and no framing (`frame-ancestors 'none'`).
- CONTENT_SECURITY_POLICY_ADMIN, for the Wagtail admin under /admin/ only (applied by
  lms.middleware.ContentSecurityPolicyMiddleware): Wagtail 8 still initialises its chooser and
  date widgets with inline <script> elements and Draftail adds <style> elements, so the admin
  needs 'unsafe-inline' for scripts and styles, and 'self' as a frame source for its preview
  panel. Previews themselves are rendered with the site policy (framed only by our own pages).

Hosts that depend on the deployment come from the environment:

- images on S3-compatible storage (AWS_STORAGE_BUCKET_NAME, see production.py): their origin
  is derived from AWS_S3_CUSTOM_DOMAIN / AWS_S3_ENDPOINT_URL / the bucket name, or set
  explicitly with CSP_MEDIA_ORIGINS (comma-separated origins);
- single sign-on: the login form posts to the platform, which redirects to the identity
  provider, and Chromium checks form-action on that redirect, so the providers' origins (from
  sso.py) are allowed form targets; CSP_FORM_ACTION_ORIGINS adds more (e.g. an authorisation
  endpoint on another host than the issuer).
"""

from urllib.parse import urlsplit

from csp.constants import NONE, SELF, UNSAFE_INLINE
from environs import Env

from . import sso

__all__ = ["CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_ADMIN"]

# The only third-party origins any page may load, and only into an iframe after a click on
# "Video laden und abspielen": what content.blocks.privacy_friendly_embed_url produces.
VIDEO_PLAYER_ORIGINS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]


def origin(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an absolute URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def media_origins(env: Env) -> list[str]:
    """Where images and uploaded files are loaded from when they live in an S3 bucket."""
    explicit = env.list("CSP_MEDIA_ORIGINS", default=[])
    if explicit:
        return [origin(url) for url in explicit]
    bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not bucket:
        return []  # MEDIA_ROOT on local disk, served by the platform itself
    domain = env.str("AWS_S3_CUSTOM_DOMAIN", default="")
    if domain:
        return [f"https://{domain}"]
    endpoint = env.str("AWS_S3_ENDPOINT_URL", default="")
    if endpoint:
        parts = urlsplit(endpoint)
        # path-style (endpoint/bucket/key) and virtual-hosted style (bucket.endpoint/key)
        return [origin(endpoint), f"{parts.scheme}://{bucket}.{parts.netloc}"]
    region = env.str("AWS_S3_REGION_NAME", default="")
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins


def sso_origins(providers: dict, env: Env) -> list[str]:
    """Identity providers the login form may end up at (after the platform's redirect)."""
    origins = []
    for app in providers.get("openid_connect", {}).get("APPS", []):
        origins.append(origin(app["settings"]["server_url"]))
    for app in providers.get("saml", {}).get("APPS", []):
        idp = app["settings"]["idp"]
        origins += [origin(idp[key]) for key in ("sso_url", "metadata_url") if idp.get(key)]
    origins += [origin(url) for url in env.list("CSP_FORM_ACTION_ORIGINS", default=[])]
    return list(dict.fromkeys(origins))


def site_directives(*, media: list[str], sso: list[str]) -> dict:
    return {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the QR code of the authenticator-app setup (allauth.mfa)
        "img-src": [SELF, "data:", *media],
        "media-src": [SELF, *media],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": list(VIDEO_PLAYER_ORIGINS),
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF, *sso],
        "frame-ancestors": [NONE],
    }


def admin_directives(site: dict) -> dict:
    return {
        **site,
        # Wagtail 8: `new PageChooser(…)`, `initDateChooser(…)` inline (wagtail#12406, #12940).
        "script-src": [SELF, UNSAFE_INLINE],
        # Draftail's list-nesting <style> elements.
        "style-src": [SELF, UNSAFE_INLINE],
        # blob: for the thumbnails of images chosen for upload, before they are sent.
        "img-src": [*site["img-src"], "blob:"],
        # The preview panel frames the preview (same origin); videos play only on the site.
        "frame-src": [SELF],
    }


_env = Env()
_site = site_directives(
    media=media_origins(_env),
    sso=sso_origins(getattr(sso, "SOCIALACCOUNT_PROVIDERS", {}), _env),
)
CONTENT_SECURITY_POLICY = {"DIRECTIVES": _site}
CONTENT_SECURITY_POLICY_ADMIN = {"DIRECTIVES": admin_directives(_site)}
