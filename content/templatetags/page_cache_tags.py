"""`{% fragment %}`: markup rendered once and kept in the content cache (content/page_cache.py)."""

from django import template

from content import page_cache

register = template.Library()

# Fragments that show no page content (header, footer) don't need the content version.
CONTENT_INDEPENDENT = "no-content"


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, vary_on, template_name, with_content):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on
        self.template_name = template_name
        self.with_content = with_content

    def render(self, context):
        request = context.get("request")
        page = context.get("page") if self.with_content else None
        if not page_cache.shareable(request, page):
            return self.nodelist.render(context)
        key = (
            "fragment",
            self.template_name,
            self.name,
            *(var.resolve(context) for var in self.vary_on),
        )

        def build():
            with context.push(csrf_token=page_cache.CSRF_PLACEHOLDER):
                return self.nodelist.render(context)

        version = None if self.with_content else CONTENT_INDEPENDENT
        html = page_cache.cached(key, build, request=request, version=version)
        return page_cache.with_csrf_token(html, context)


@register.tag
def fragment(parser, token):
    """`{% fragment "name" var … %}…{% endfragment %}`: rendered once per content version,
    language and the values of the listed variables, in this worker process.

    Only for markup that is the same for everybody given those values: never put anything
    personal (progress, answers, names, messages) inside, nor a CSP nonce. `{% csrf_token %}`
    inside is fine: each person gets their own token put in when the fragment is served.
    Previews (drafts) are never cached, nor fragments of a `page` that wasn't routed through
    the content cache.

    `{% fragment "name" var … content=False %}` is for markup that shows no page content
    (a header, a footer): it is kept across content versions and needs no version lookup.
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("fragment needs a name")
    with_content = True
    if bits[-1] == "content=False":
        with_content = False
        bits = bits[:-1]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(
        nodelist,
        bits[1].strip("\"'"),
        [parser.compile_filter(bit) for bit in bits[2:]],
        getattr(parser.origin, "name", None),
        with_content,
    )
