"""The navigation guard: requests and navigations outside a task's origins are blocked.

It rules on requests in the route handler of :class:`~forethought.envs.firewall.WriteFirewall`
(which installs both), and on what ``goto`` may open (:meth:`NavigationGuard.refuse_goto`).
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Route

__all__ = ["NavigationGuard", "dead_end_proxy", "origin_of"]

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
#: Schemes of requests that never leave the machine (a page's inline image, its own blob,
#: a blank frame, Chromium's error page). Not for ``goto``: see ``refuse_goto``.
_LOCAL_SCHEMES = {"data", "blob", "about", "chrome-error"}
#: What ``goto`` may open: these schemes on the allowed origins (file: under an allowed
#: prefix), and these pages.
_GOTO_SCHEMES = {"http", "https", "file"}
_GOTO_PAGES = {"about:blank"}


#: Where a context sends every connection to a host it may not reach: a closed port on
#: this machine, so no byte leaves (see :func:`dead_end_proxy`).
DEAD_END = "http://127.0.0.1:9"


def dead_end_proxy(allowed: list[str]) -> dict[str, str] | None:
    """A proxy setting that sends every connection to a host outside ``allowed`` into
    :data:`DEAD_END`. The route handler aborts such requests, but Chromium opens the TCP
    connection (a preconnect) before asking it, and follows a redirect's next hop without
    asking it at all; with this, neither reaches the foreign host. ``None`` when no
    http(s) origin is allowed (file pages, or no restriction at all)."""
    hosts = []
    for entry in allowed:
        parts = urlsplit(entry if "://" in entry else f"https://{entry}")
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc:
            hosts.append(parts.netloc.lower())
    if not hosts:
        return None
    # ``<-loopback>`` drops Chromium's implicit bypass of loopback: another port on this
    # machine is another origin.
    return {"server": DEAD_END, "bypass": ",".join(["<-loopback>", *dict.fromkeys(hosts)])}


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
    local files, URL prefixes (``file:///srv/tasks/``). Main-frame navigations (a new
    tab's too) are aborted as ``aborted`` so the page stays where it was; other requests
    as ``blockedbyclient``.
    """

    allowed: list[str]
    blocked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rules = [_Rule.parse(entry) for entry in self.allowed]
        self._what: dict[str, str] = {}

    def allows(self, url: str) -> bool:
        """Whether a request to ``url`` may leave (or stay on) the machine."""
        scheme = urlsplit(url).scheme.lower()
        if scheme in _LOCAL_SCHEMES:
            return True
        return any(rule.allows(url) for rule in self._rules)

    def refuse_goto(self, url: str) -> str | None:
        """Why ``goto(url)`` may not even be tried, or ``None``: it may open http(s) and
        file: URLs (then :meth:`allows` rules on the origin) and ``about:blank``, never a
        ``javascript:``, ``data:``, ``view-source:``, ``blob:`` or ``chrome:`` URL."""
        if url in _GOTO_PAGES:
            return None
        scheme = urlsplit(url).scheme.lower()
        if scheme in _GOTO_SCHEMES:
            return None
        shown = url if len(url) <= 60 else url[:59] + "…"
        allowed = ", ".join(self.allowed) or "none"
        what = f"a {scheme}: URL" if scheme else "a relative URL on this page"
        return (
            f"goto({shown}) refused: {what} cannot be opened; goto opens only http(s) "
            f"pages on the allowed origins ({allowed}) and about:blank"
        )

    def explain(self, url: str) -> str:
        allowed = ", ".join(self.allowed) or "none"
        what = self._what.get(url, "navigation")
        return f"blocked {what} to {url} (outside the allowed origins: {allowed})"

    def record(self, url: str, what: str = "navigation") -> None:
        """Log a block: ``what`` names it in :meth:`explain` (``navigation``, ``a new
        tab's navigation``, ``a WebSocket``, ``a redirect``)."""
        self._what[url] = what
        self.blocked.append(url)
        log.info("%s", self.explain(url))

    async def install(self, context: BrowserContext) -> None:
        """Guard ``context`` on its own (the browser env installs it through its
        :class:`~forethought.envs.firewall.WriteFirewall` instead)."""
        await context.route(lambda url: not self.allows(url), self.handle)

    async def handle(self, route: Route) -> None:
        """Record and abort a request this guard does not allow."""
        request = route.request
        main_frame, popup = request.is_navigation_request(), False
        if main_frame:
            try:
                main_frame = request.frame.parent_frame is None
            except Exception:  # a new tab's first navigation: its frame does not exist yet
                popup = True
        self.record(request.url, "a new tab's navigation" if popup else "navigation")
        await route.abort("aborted" if main_frame else "blockedbyclient")
