"""The built-in sites, in a fixed order."""

from __future__ import annotations

from functools import cache

from forethought.envs.sites.base import Site


@cache
def all_sites() -> tuple[Site, ...]:
    from forethought.envs.sites import mail, shop, travel

    return (shop.SITE, mail.SITE, travel.SITE)


def get_site(name: str) -> Site:
    for site in all_sites():
        if site.name == name:
            return site
    valid = ", ".join(s.name for s in all_sites())
    raise KeyError(f"unknown built-in site {name!r}; valid: {valid}")
