"""Demo content: the site pages and (once loaded) the starter curriculum."""

from django.db import transaction

from courses.workshops.demo import create_demo_workshops

from .curriculum import load_curriculum
from .site_pages import ensure_site_pages


@transaction.atomic
def load_demo_content() -> None:
    ensure_site_pages()
    load_curriculum()
    create_demo_workshops()
