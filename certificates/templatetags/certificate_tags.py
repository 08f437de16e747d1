from django import template

from .. import caching

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_certificates(context):
    """The learner's own certificates for the dashboard (nothing for anonymous visitors)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return caching.dashboard_section(request=request, user=request.user)
