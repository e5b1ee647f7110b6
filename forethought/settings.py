"""What every room may read: the version, the default models and the home folder.

The home folder is ``$FORETHOUGHT_HOME`` (default ``~/.cache/forethought``). It holds the
model cache (``models/``), the runs with their traces (``runs/``) and server logs
(``logs/``). Paths are read from the environment at call time, never at import.
"""

from __future__ import annotations

import os
from pathlib import Path

__version__ = "0.1.0"

#: The model every role uses by default (demo, solve, eval).
DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct"
#: The small model tests and benchmarks use, for speed.
TEST_MODEL = "qwen2.5-coder-0.5b-instruct"


def home() -> Path:
    """``$FORETHOUGHT_HOME``, default ``~/.cache/forethought``."""
    return Path(os.environ.get("FORETHOUGHT_HOME") or Path.home() / ".cache" / "forethought")


def models_dir() -> Path:
    """Where pulled, verified model files live."""
    return home() / "models"


def runs_dir() -> Path:
    """Where runs keep their folders (trace, checkpoints, site databases)."""
    return home() / "runs"


def logs_dir() -> Path:
    """Where started servers write their logs."""
    return home() / "logs"
