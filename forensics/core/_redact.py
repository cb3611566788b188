"""The one URL redactor: credentials, query strings and fragments never reach a store or a page."""

from __future__ import annotations

import re

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+")


def split_url(url: str):
    """urlsplit that also checks the port and the host (ValueError when the URL is unusable)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    if not parts.hostname:
        raise ValueError("no host name")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise ValueError("contains whitespace or control characters")
    return parts


def redact_url(url: str) -> str:
    """Drop credentials, query and fragment from a URL before it is stored or shown."""
    from urllib.parse import urlunsplit

    try:
        parts = split_url(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def redact_urls_in(text: str) -> str:
    """Every URL in free text (a spec, a command line) with credentials and query removed."""
    return _URL.sub(lambda m: redact_url(m.group(0)), str(text))
