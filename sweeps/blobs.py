"""Content-addressed cache of fetched content, so a new ruleset re-checks without downloading."""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path


class BlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def get(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except OSError:
            return None

    def put_file(self, src: Path, sha256: str) -> Path:
        """Move (or copy) a fetched temp file into the store under its hash; idempotent."""
        dest = self.path(sha256)
        if dest.is_file():
            Path(src).unlink(missing_ok=True)
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        # one temporary name per process and thread: two threads storing the same content
        # (shared files are common) must not move their copies onto each other's
        tmp = dest.with_name(f"{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            shutil.move(str(src), tmp)
        except OSError:
            shutil.copyfile(src, tmp)
        os.replace(tmp, dest)  # atomic: concurrent writers of the same hash agree
        return dest

    def put_bytes(self, data: bytes) -> tuple[str, Path]:
        sha = hashlib.sha256(data).hexdigest()
        if not self.has(sha):
            fd, name = tempfile.mkstemp(dir=self.root)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            self.put_file(Path(name), sha)
        return sha, self.path(sha)
