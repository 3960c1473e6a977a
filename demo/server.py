"""The demo repository on 127.0.0.1: OAI-PMH and the resources' files from one ThreadingHTTPServer.

The OAI-PMH verbs are answered by the third-party `oaipmh` BatchingServer through
demo/oai_repository.py (resumption tokens with cursor/completeListSize); this module adds the demo
corpus as its records and serves the files under `/records/<i>/files/<name>` with ETag,
Last-Modified and 304 answers to conditional GETs. It counts what it served (`stats`), and can
change, corrupt or delete resources between sweeps.

    with DemoServer(300) as server:
        server.url        # the OAI-PMH base URL, http://127.0.0.1:PORT/oai
        server.change(5)  # resource 5 gets a new body, ETag and datestamp
"""
from __future__ import annotations

import email.utils
import re
import time
from collections import Counter
from datetime import timedelta
from urllib.parse import urlsplit

from oaipmh import common

from demo.corpus import MEDIA_TYPES, DemoResource, body_of, describe, etag, make_corpus, record_fields
from demo.oai_repository import OAIRepository, RepositoryHandler, StoredRecord

FILE_PATH = re.compile(r"^/records/(\d+)/files/([^/?#]+)$")
LAST_MODIFIED = email.utils.formatdate(1704096000, usegmt=True)   # 2024-01-01 08:00 UTC


class _DemoHandler(RepositoryHandler):
    owner: "DemoServer"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path.endswith("/oai"):
            with self.owner._lock:
                self.owner.stats["oai"] += 1
            return super().do_GET()
        status, headers, body = self.owner.file_response(parts.path, self.headers)
        self.send(status, headers, body, write_body=status != 304)


class DemoServer(OAIRepository):
    """The demo corpus as an OAI-PMH repository (oai_dc, set `oer`) that serves its files."""
    handler = _DemoHandler

    def __init__(self, n: int, *, batch_size: int = 200, **kw):
        # kw: what Identify says (deleted_record, granularity), as for OAIRepository
        self.resources: list[DemoResource] = make_corpus(n)
        self.stats: Counter = Counter()   # oai, get (200 with a body), not_modified (304), missing
        self.served: Counter = Counter()  # file path -> bodies sent
        self._clock = max((r.datestamp for r in self.resources), default=None)
        self.file_delay = 0.0             # seconds before each file answer (a slow repository)
        self.gone: set[int] = set()       # resources removed without a trace (see remove)
        super().__init__([], metadata=self._metadata, batch_size=batch_size, **kw)

    def load(self, records=None) -> None:
        """The repository holds `resources` as they are now."""
        super().load([StoredRecord(r.identifier, r.datestamp, ["oer"], r.deleted, r.number)
                      for r in self.resources if r.number not in self.gone])

    def _metadata(self, rec: StoredRecord, base_url: str) -> common.Metadata:
        return common.Metadata(None, record_fields(self.resources[rec.number], self.root))

    @property
    def root(self) -> str:
        return self.url.rsplit("/", 1)[0]

    # -- changing the repository between sweeps ------------------------------------------------
    def _touch(self, res: DemoResource) -> None:
        self._clock += timedelta(minutes=1)
        res.datestamp = self._clock

    def change(self, number: int) -> None:
        """Resource `number` moves to its next revision: new body, ETag and datestamp."""
        old = self.resources[number]
        new = describe(number, old.revision + 1)
        new.deleted, new.corrupt = old.deleted, old.corrupt
        self.resources[number] = new
        self._touch(new)
        self.load()

    def corrupt(self, number: int) -> None:
        """Resource `number`'s file becomes a truncated PDF (a changed record, so it is fetched)."""
        res = self.resources[number]
        res.corrupt = True
        res.revision += 1
        self._touch(res)
        self.load()

    def delete(self, number: int) -> None:
        res = self.resources[number]
        res.deleted = True
        self._touch(res)
        self.load()

    def remove(self, number: int) -> None:
        """Resource `number` disappears without a deleted header, as in a repository whose
        Identify says deletedRecord `no`: only a whole listing shows it is gone."""
        self.gone.add(number)
        self.load()

    def reset_stats(self) -> None:
        self.stats.clear()
        self.served.clear()

    # -- files -----------------------------------------------------------------------------------
    def file_response(self, path: str, headers) -> tuple[int, dict[str, str], bytes]:
        if self.file_delay:
            time.sleep(self.file_delay)
        match = FILE_PATH.match(path)
        res = None
        if match and int(match.group(1)) < len(self.resources):
            res = self.resources[int(match.group(1))]
        f = next((f for f in res.files if f.name == match.group(2)), None) if res and not res.deleted else None
        if f is None:
            with self._lock:
                self.stats["missing"] += 1
            return 404, {"Content-Type": "text/plain"}, b"not found"
        body = body_of(res, f)
        tag = etag(res, f, body)
        out = {"ETag": tag, "Last-Modified": LAST_MODIFIED,
               "Content-Type": MEDIA_TYPES.get(f.kind, "application/octet-stream")}
        if headers.get("If-None-Match") == tag:
            with self._lock:
                self.stats["not_modified"] += 1
            return 304, out, b""
        with self._lock:
            self.stats["get"] += 1
            self.served[path] += 1
        return 200, out, body


def sources_yaml(url: str, name: str = "demo", schedule: str | None = None, **options) -> str:
    """A sources.yaml naming the demo repository (private addresses allowed: it is on 127.0.0.1)."""
    lines = ["sources:", f"  - name: {name}", "    institution: oerlint demo", "    kind: oai",
             f"    base_url: {url}", "    allow_private: true", "    max_concurrency: 8"]
    if schedule:
        lines.append(f'    schedule: "{schedule}"')
    for key, value in options.items():
        lines.append(f"    {key}: {value}")
    return "\n".join(lines) + "\n"



def main(argv: list[str] | None = None) -> None:
    """Serve a corpus until killed: `python -m demo.server --resources 10000` prints the URL."""
    import argparse
    parser = argparse.ArgumentParser(description="Serve the generated demo repository on 127.0.0.1.")
    parser.add_argument("--resources", type=int, default=300)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args(argv)
    DemoServer(args.resources, batch_size=args.batch).serve_until_interrupted()


if __name__ == "__main__":
    main()
