"""The built-in sites: a shop, a webmail and a travel agency on one local ASGI app.

Their state lives in SQLite and is rebuilt from a seed for every episode; their tasks'
verifiers read that state. See :func:`builtin_tasks`, :class:`SiteServer` and
:class:`BuiltinSetup`.
"""

from forethought.envs.sites.app import create_app
from forethought.envs.sites.catalog import all_sites, get_site
from forethought.envs.sites.episode import BuiltinSetup
from forethought.envs.sites.server import SiteServer
from forethought.envs.sites.tasks import builtin_tasks, task_ids

__all__ = [
    "BuiltinSetup",
    "SiteServer",
    "all_sites",
    "builtin_tasks",
    "create_app",
    "get_site",
    "task_ids",
]
