import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

application = get_wsgi_application()

# Load the URLconf (and with it every view module) now rather than on the first request, then
# move everything loaded so far out of the garbage collector's reach: these objects live as long
# as the process, and every collection would otherwise scan them again (fewer, shorter pauses).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
gc.freeze()
