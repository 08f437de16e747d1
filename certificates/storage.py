"""Where certificate PDFs are kept: outside MEDIA_ROOT, so no web server ever serves them.

Downloads go through a view that checks who asks. The folder is `CERTIFICATES_ROOT` (read when
used, so tests can point it elsewhere); without that setting, `var/certificates` in the project.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def certificates_root() -> Path:
    configured = getattr(settings, "CERTIFICATES_ROOT", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "certificates"


class CertificateStorage(FileSystemStorage):
    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(certificates_root())

    @property
    def location(self):
        return str(certificates_root().resolve())

    def url(self, name):
        raise NotImplementedError("Certificate PDFs have no public URL; use the download view.")

    def deconstruct(self):
        return ("certificates.storage.CertificateStorage", (), {})
