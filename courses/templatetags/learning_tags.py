from django import template
from wagtail.templatetags.wagtailcore_tags import pageurl

from content import page_cache

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


@register.simple_tag(takes_context=True)
def page_link(context, page):
    """The page's address: precomputed for pages of a course outline, else `{% pageurl %}`."""
    link = getattr(page, "link", None)
    if link is not None:
        return link
    return pageurl(context, page)


INTERACTIVE_TEMPLATES = {
    "knowledge_check": "blocks/knowledge_check_block.html",
    "reflection": "blocks/reflection_block.html",
}


@register.simple_tag(takes_context=True)
def interactive_block(context, block):
    """A knowledge check or reflection question of the lesson in `page`, for the reader.

    The markup depends on the person only through what is in the cache key: whether they are
    enrolled and, for a check, the score of a passed attempt. A just-submitted attempt (with
    feedback on each answer) and a saved note (personal text) are rendered for the request
    and never cached.
    """
    request = context.get("request")
    page = context.get("page")
    enrolled = bool(context.get("enrollment"))
    key = None
    if block.block_type == "knowledge_check":
        shown = context.get("shown_attempt")
        if shown is None or shown.block_id != block.id:
            latest = (context.get("latest_attempts") or {}).get(block.id)
            passed_score = latest.score if latest is not None and latest.passed else None
            key = ("check", page.pk, block.id, enrolled, passed_score)
    elif not (enrolled and block.id in (context.get("reflection_answers") or {})):
        key = ("reflection", page.pk, block.id, enrolled)
    block_template = context.template.engine.get_template(INTERACTIVE_TEMPLATES[block.block_type])

    def render(**extra):
        with context.push(value=block.value, block_id=block.id, **extra):
            return block_template.render(context)

    if key is None or not page_cache.shareable(request, page):
        return render()
    html = page_cache.cached(
        key, lambda: render(csrf_token=page_cache.CSRF_PLACEHOLDER), request=request
    )
    return page_cache.with_csrf_token(html, context)
