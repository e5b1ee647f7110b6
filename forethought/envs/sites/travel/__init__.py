"""Wayfarer Travel: flight and hotel search, booking, and cancelling bookings."""

from forethought.envs.sites.base import Site
from forethought.envs.sites.travel.data import SCHEMA, seed
from forethought.envs.sites.travel.tasks import TEMPLATES
from forethought.envs.sites.travel.views import ROUTES

SITE = Site("travel", "Wayfarer Travel", SCHEMA, seed, ROUTES, TEMPLATES)
