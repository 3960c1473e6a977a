"""`make demo`: a generated repository on 127.0.0.1, swept, its status shown and reported in HTML.

Everything goes to oerlint-data/demo/ (sources.yaml, the SQLite database, cached files,
report.html), which is emptied first, so the demo starts from scratch every time.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

RESOURCES = 300


def run(argv: list[str]) -> int:
    from sweeps.cli import main
    try:
        main(argv, standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def demo(resources: int = RESOURCES) -> int:
    from demo.server import DemoServer, sources_yaml

    home = Path("oerlint-data") / "demo"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    os.environ.update({"OERLINT_DATA_DIR": str(home), "OERLINT_SOURCES": str(home / "sources.yaml")})
    os.environ.pop("OERLINT_DATABASE_URL", None)
    os.environ.pop("OERLINT_BROKER_URL", None)       # the demo runs in this process
    with DemoServer(resources) as server:
        (home / "sources.yaml").write_text(sources_yaml(server.url, schedule="0 2 * * *"))
        print(f"Demo repository: {resources} resources (HTML, PDF, PPTX, DOCX, video, metadata only) "
              f"at {server.url}\n", flush=True)
        print("== oerlint sweep demo", flush=True)
        code = run(["sweep", "demo"])
        print(f"   (the repository served {server.stats['get']} files)\n", flush=True)
        server.reset_stats()
        for n in (1, 2, 3):
            server.change(n)
        print("== three resources change; oerlint sweep demo again (incremental, conditional GETs)",
              flush=True)
        code = code or run(["sweep", "demo"])
        print(f"   (the repository served {server.stats['get']} files)\n", flush=True)
        print("== oerlint status", flush=True)
        code = code or run(["status"])
        report = home / "report.html"
        print(f"\n== oerlint report demo --format html --output {report}", flush=True)
        code = code or run(["report", "demo", "--format", "html", "--output", str(report)])
    if code == 0:
        print(f"\nThe HTML report is at {report.resolve()}\n"
              f"Try: OERLINT_DATA_DIR={home} .venv/bin/oerlint report demo --worst 5")
    return code


if __name__ == "__main__":
    sys.exit(demo(int(sys.argv[1]) if len(sys.argv) > 1 else RESOURCES))
