"""The baseline for bench.pages_bench: a Django view rendering a template, without the database.

The response goes through the same middleware as every page; the template is compiled once and
rendered without a request, so no context processor (and no session or user lookup) runs.
`size` is the number of bytes to produce, taken from the page it is compared with.
"""

from functools import lru_cache

from django.http import HttpRequest, HttpResponse
from django.template import engines

TEMPLATE = engines["django"].from_string(
    """<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><title>{{ title }} – Fachkraft Leaving Care</title></head>
<body>
<header><nav>
{% for link in links %}<a href="{{ link.url }}">{{ link.label }}</a> {% endfor %}
</nav></header>
<main><h1>{{ title }}</h1>
{% for paragraph in paragraphs %}<p class="text">{{ paragraph }}</p>
{% endfor %}</main>
</body>
</html>
"""
)
PARAGRAPH = (
    "Junge Menschen verlassen die stationäre Jugendhilfe oft abrupt; eine verlässliche "
    "Übergangsbegleitung plant früh, beteiligt sie & hält Kontakt über das Hilfeende hinaus."
)
LINKS = [
    {"url": "/", "label": "Start"},
    {"url": "/kurse/", "label": "Kurse"},
    {"url": "/lernbereich/", "label": "Mein Lernbereich"},
]


@lru_cache(maxsize=32)
def paragraphs_for(size: int) -> tuple[str, ...]:
    per_paragraph = len(PARAGRAPH.encode()) + len('<p class="text"></p>\n') + 4  # "&amp;"
    return (PARAGRAPH,) * max(1, (size - 400) // per_paragraph)


def bare_page(request: HttpRequest, size: int) -> HttpResponse:
    html = TEMPLATE.render(
        {"title": "Lerneinheit", "links": LINKS, "paragraphs": paragraphs_for(size)}
    )
    return HttpResponse(html)
