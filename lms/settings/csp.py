"""Content-Security-Policy (django-csp 4)."""
