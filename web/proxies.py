"""X-Forwarded-* headers, believed only when a configured proxy (web.trusted_proxies) sent them."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")


class TrustedProxies:
    """WSGI middleware: Werkzeug's ProxyFix (one hop) for requests from a trusted proxy.

    From anyone else the X-Forwarded-* headers are removed, so the client address that the
    login throttle and the audit log see is the connection's own.
    """

    def __init__(self, app: Any, networks: Iterable[Network]) -> None:
        self.app = app
        self.networks = list(networks)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)

    def is_trusted(self, address: str | None) -> bool:
        """True when `address` (REMOTE_ADDR) is one of the trusted proxies."""
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Serve the request with the forwarded headers applied, or removed."""
        if self.networks and self.is_trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        for key in FORWARDED:
            environ.pop(key, None)
        return self.app(environ, start_response)
