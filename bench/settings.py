"""Production settings plus the bare comparison view; used by bench.pages_bench only."""

from lms.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The verification page allows 30 requests per IP and minute; the load generator is one IP.
# The limiter still runs (its cache round trips stay in the figures), it just never says no.
CERTIFICATE_VERIFY_RATE = (10**9, 60)
