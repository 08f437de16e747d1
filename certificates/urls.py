from django.urls import path, re_path

from . import views

# Verification codes are URL-safe base64 (letters, digits, "-" and "_").
CODE = r"(?P<code>[A-Za-z0-9_-]{16,64})"

urlpatterns = [
    re_path(rf"^verify/{CODE}/$", views.verify, name="certificate_verify"),
    re_path(rf"^verify/{CODE}\.json$", views.verify_json, name="certificate_verify_json"),
    path("zertifikate/", views.my_certificates, name="my_certificates"),
    path("zertifikate/<int:pk>/pdf/", views.download, name="certificate_download"),
]
