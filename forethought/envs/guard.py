"""The navigation guard: requests and navigations outside a task's origins are blocked."""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Route

__all__ = ["NavigationGuard", "origin_of"]

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
#: Schemes that never leave the machine.
_LOCAL_SCHEMES = {"data", "blob", "about", "javascript", "chrome-error"}


def origin_of(url: str) -> str:
    """``https://a.b:8443/x?y`` -> ``https://a.b:8443``; file URLs give their directory."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return urljoin(url, ".")
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an absolute URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class _Rule:
    scheme: str
    host: str  # may hold a * wildcard
    port: int | None
    prefix: str | None = None  # for file: URLs

    @classmethod
    def parse(cls, entry: str) -> _Rule:
        entry = entry.strip()
        if entry.startswith("file:"):
            return cls("file", "", None, prefix=entry)
        parts = urlsplit(entry if "://" in entry else f"https://{entry}")
        if not parts.hostname:
            raise ValueError(f"allowed origin {entry!r} has no host")
        scheme = parts.scheme.lower()
        return cls(scheme, parts.hostname.lower(), parts.port or _DEFAULT_PORTS.get(scheme))

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if self.prefix is not None:
            return url.startswith(self.prefix)
        scheme = parts.scheme.lower()
        if (
            scheme != self.scheme
            and {scheme, self.scheme} != {"ws", "http"}
            and {
                scheme,
                self.scheme,
            }
            != {"wss", "https"}
        ):
            return False
        host = (parts.hostname or "").lower()
        if not fnmatch.fnmatchcase(host, self.host):
            return False
        try:
            port = parts.port or _DEFAULT_PORTS.get(scheme)
        except ValueError:
            return False
        return self.port is None or port == self.port


@dataclass
class NavigationGuard:
    """Blocks every request whose URL is outside ``allowed`` and logs it in ``blocked``.

    Entries are origins (``http://127.0.0.1:8000``, ``https://*.example.com``) or, for
    local files, URL prefixes (``file:///srv/tasks/``). Main-frame navigations are aborted
    as ``aborted`` so the page stays where it was; other requests as ``blockedbyclient``.
    """

    allowed: list[str]
    blocked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rules = [_Rule.parse(entry) for entry in self.allowed]

    def allows(self, url: str) -> bool:
        scheme = urlsplit(url).scheme.lower()
        if scheme in _LOCAL_SCHEMES:
            return True
        return any(rule.allows(url) for rule in self._rules)

    def explain(self, url: str) -> str:
        allowed = ", ".join(self.allowed) or "none"
        return f"blocked navigation to {url} (outside the allowed origins: {allowed})"

    def record(self, url: str) -> None:
        self.blocked.append(url)
        log.info("%s", self.explain(url))

    async def install(self, context: BrowserContext) -> None:
        await context.route(lambda url: not self.allows(url), self._handle)

    async def _handle(self, route: Route) -> None:
        request = route.request
        self.record(request.url)
        main_frame = request.is_navigation_request() and request.frame.parent_frame is None
        await route.abort("aborted" if main_frame else "blockedbyclient")
