"""Shared fixtures for the environment tests (the browser ones are in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """A folder for a test's local HTML pages (served as file:// URLs)."""
    return tmp_path
