"""The client's address, for the login throttle (django-axes).

Without a proxy in front, the address is the connection's (REMOTE_ADDR). Behind one, every
request comes from the proxy, so five failed logins by anyone would lock out everyone. With
TRUSTED_PROXY_COUNT = n, the address is the n-th entry of X-Forwarded-For counted from the
right: each trusted proxy appends the address it received the request from, and whatever stands
further left was written by the client and may be forged. A request that did not come through
the proxies (no header, too few entries, or not an address) keeps its connection's address.

Written here rather than with django-ipware: its `proxy_count` wants the header to hold exactly
that many proxies plus the client, which a single nginx (appending only the client) never sends.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [entry for entry in entries if entry]
    if len(entries) < count:
        return remote
    try:
        return str(ipaddress.ip_address(entries[-count]))
    except ValueError:
        return remote
