"""Larkspur Market: a shop with search, product pages, cart, coupons, checkout and orders."""

from forethought.envs.sites.base import Site
from forethought.envs.sites.shop.data import SCHEMA, seed
from forethought.envs.sites.shop.tasks import TEMPLATES
from forethought.envs.sites.shop.views import ROUTES

SITE = Site("shop", "Larkspur Market", SCHEMA, seed, ROUTES, TEMPLATES)
