"""The sites' SQLite state: one file per server, rebuilt from a seed for every episode."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from forethought.envs.sites.base import Site


def connect(path: Path | str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextmanager
def opened(path: Path | str) -> Iterator[sqlite3.Connection]:
    """A connection that commits on success, rolls back on error and always closes."""
    conn = connect(path)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def site_rng(site: str, seed: int) -> random.Random:
    """The random stream a site's data comes from; a string seed is stable across runs."""
    return random.Random(f"forethought:{site}:{seed}")


def populate(conn: sqlite3.Connection, sites: Iterable[Site], seed: int) -> None:
    """Create every site's tables in ``conn`` and fill them with data drawn from ``seed``."""
    for site in sites:
        conn.executescript(site.schema)
        site.seed(conn, site_rng(site.name, seed))
    conn.commit()


def build(path: Path, sites: Iterable[Site], seed: int) -> None:
    """Write a fresh database for ``seed`` and swap it in atomically.

    Request handlers open a connection per request, so swapping the file is safe
    between episodes.
    """
    tmp = path.with_name(path.name + ".building")
    tmp.unlink(missing_ok=True)
    conn = connect(tmp)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # a scratch file until it is swapped in
        conn.execute("PRAGMA journal_mode = MEMORY")
        populate(conn, sites, seed)
    finally:
        conn.close()
    os.replace(tmp, path)


def restore(snapshot: Path, path: Path) -> None:
    """Swap a copy of a built ``snapshot`` in at ``path`` (much faster than building)."""
    tmp = path.with_name(path.name + ".restoring")
    shutil.copyfile(snapshot, tmp)
    os.replace(tmp, path)


def in_memory(sites: Iterable[Site], seed: int) -> sqlite3.Connection:
    """The data of ``seed`` in memory, to instantiate task goals without a server."""
    conn = connect(":memory:")
    populate(conn, sites, seed)
    return conn
