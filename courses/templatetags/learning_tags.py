from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """`{{ mapping|lookup:key }}`: a dict entry by a variable key, or None."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def feedback_for(attempt, index):
    """The stored feedback of one question in an attempt (see services.score_knowledge_check)."""
    if attempt is None:
        return None
    try:
        return attempt.answers["feedback"][index]
    except (KeyError, IndexError, TypeError):
        return None
