from django import template

from ..models import Certificate

register = template.Library()


@register.simple_tag
def certificates_for(user):
    """The learner's own certificates for the dashboard (nothing for anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return Certificate.objects.held_by(user, limit=20)
