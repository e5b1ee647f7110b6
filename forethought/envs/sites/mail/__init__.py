"""Quillpost: a webmail with folders, search, thread view, compose, send and delete."""

from forethought.envs.sites.base import Site
from forethought.envs.sites.mail.data import SCHEMA, seed
from forethought.envs.sites.mail.tasks import TEMPLATES
from forethought.envs.sites.mail.views import ROUTES

SITE = Site("mail", "Quillpost", SCHEMA, seed, ROUTES, TEMPLATES)
