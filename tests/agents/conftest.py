"""Shared set-up for the agent tests: built-in tasks and agents with plugged-in roles."""

from __future__ import annotations

import pytest

from forethought.envs.suites import load_tasks
from forethought.envs.types import Task


@pytest.fixture
def runs_home(tmp_path, monkeypatch):
    """Runs (traces, checkpoints, site databases) go to a temporary FORETHOUGHT_HOME; the
    model cache stays where it is."""
    from forethought import settings

    models = settings.models_dir()
    monkeypatch.setenv("FORETHOUGHT_HOME", str(tmp_path))
    monkeypatch.setattr(settings, "models_dir", lambda: models)
    return tmp_path


def builtin_task(task_id: str, **changes) -> Task:
    task = load_tasks("builtin", ids=[task_id])[0]
    return task.model_copy(update=changes)


def order_page_task() -> Task:
    """shop.cancel-order-1, started on the order's own page (its id read from the db)."""
    from forethought.envs.sites import SiteServer
    from forethought.envs.sites.tasks import task_seed

    task = builtin_task("shop.cancel-order-1")
    with SiteServer(seed=task_seed(task, 0)) as server:
        conn = server.connect()
        try:
            row = conn.execute(
                "SELECT o.number FROM shop_orders o JOIN shop_order_items i ON i.order_id = o.id"
                " JOIN shop_products p ON p.id = i.product_id"
                " WHERE o.status = 'processing' AND p.name = ?",
                (task.goal.split("order for the ", 1)[1].rstrip("."),),
            ).fetchone()
        finally:
            conn.close()
    return task.model_copy(update={"start_url": f"/shop/orders/{row[0]}"})
