"""A real OpenID Connect provider for the SSO tests: django-oidc-provider on loopback.

A separate, tiny Django project (its own settings, database and cookies), started by
`tests/accounts/oidc_fixtures.py` in a subprocess with `python -m tests.accounts.oidc_provider`.
It is never part of the LMS.
"""
