"""`oerlint harvest SOURCE` and `oerlint sources`.

`harvest` writes one ResourceRecord.to_dict() per line (JSONL) and keeps, under --state:
  <source>.json          the harvester's checkpoint, the output file and its length at that
                         checkpoint, the run number: a killed harvest resumes from it, and the
                         output is cut back to that length first, so no line is written twice;
  <source>.seen.sqlite   every (identifier, datestamp) written, with its run: on disk, so memory
                         stays flat. It decides the summary's words: "new" (identifier never seen),
                         "updated" (seen with another datestamp), "unchanged" (seen with this
                         datestamp in an earlier run, e.g. with --since), and it keeps a run's
                         output free of repeats (a record already written in this run is skipped).
A run ends when the harvest reaches the end of the list; the next run is incremental from the
largest datestamp received.
"""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from pathlib import Path

import click
from tqdm import tqdm

from sweeps.cli import main

DEFAULT_STATE = Path("oerlint-data") / "state"


def _load_sources(sources_file: str | None):
    from harvester.sources import SourcesError, load_sources
    try:
        return load_sources(sources_file)
    except SourcesError as exc:
        click.echo(f"{exc.path}: {len(exc.problems)} problem(s)", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(2)


@main.command()
@click.option("--sources", "sources_file", help="sources.yaml (default: $OERLINT_SOURCES or ./sources.yaml).")
def sources(sources_file):
    """List the configured sources and check them; exit 2 with every problem when invalid."""
    from harvester.sources import sources_path
    configured = _load_sources(sources_file)
    click.echo(f"{sources_path(sources_file)}: {len(configured)} source(s), all valid")
    for source in configured:
        click.echo("  " + source.describe())
        env = source.options.get("token_env")
        if env and not os.environ.get(env):
            click.echo(f"    note: environment variable {env} is not set here", err=True)


@main.command()
@click.argument("source")
@click.option("--since", help="Harvest records changed since DATE (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ), "
                              "instead of going on from the saved state.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after N records (resume later).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="JSONL file, appended to "
              "(default: standard output).")
@click.option("--sources", "sources_file", help="sources.yaml (default: $OERLINT_SOURCES or ./sources.yaml).")
@click.option("--state", "state_dir", type=click.Path(file_okay=False), default=str(DEFAULT_STATE),
              show_default=True, help="Directory for checkpoints and the seen-index.")
@click.option("--raw-dir", type=click.Path(file_okay=False),
              help="Where malformed pages are kept (default: raw/ next to the state directory).")
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Read timeout per request, seconds.")
def harvest(source, since, limit, output, sources_file, state_dir, raw_dir, timeout):
    """Harvest SOURCE into JSONL, resuming a killed run; print a summary (new, updated, deleted...).

    Exit status: 0 when complete, 1 when requests failed or pages were lost, 2 for a bad command
    or configuration.
    """
    from harvester import open_harvester
    from harvester.oai import parse_datestamp
    from harvester.sources import find_source

    if since and parse_datestamp(since) is None:
        raise click.BadParameter("expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", param_hint="--since")
    try:
        src = find_source(_load_sources(sources_file), source)
    except KeyError as exc:
        click.echo(f"Error: {exc.args[0]}", err=True)
        raise SystemExit(2)

    run = HarvestRun(src.name, Path(state_dir), output, fresh=bool(since))
    extra = {}
    if src.kind == "oai":
        extra["raw_dir"] = raw_dir or str(Path(state_dir).parent / "raw")
        if timeout:
            extra["timeout"] = (min(10.0, timeout), timeout)
    harvester = open_harvester(src, checkpoint=run.checkpoint, since=since, limit=limit,
                               on_checkpoint=run.on_checkpoint, **extra)
    bar = tqdm(desc=f"harvest {src.name}", unit=" rec", file=sys.stderr, disable=None, dynamic_ncols=True)
    received = 0
    try:
        for record in harvester:
            run.write(record)
            received += 1
            bar.update(1)
        stats = harvester.stats
        # an OAI checkpoint says itself whether the list was finished; for other kinds: no error, no limit
        run.finish(complete=(run.checkpoint or {}).get(
            "complete", not stats.errors and (limit is None or received < limit)))
    finally:
        bar.close()
        run.close()
    click.echo(run.summary(stats), err=True)
    if stats.errors or stats.lost_pages:
        raise SystemExit(1)


class HarvestRun:
    """The output file, the state file and the seen-index of one source's harvest."""

    def __init__(self, name: str, state_dir: Path, output: str | None, *, fresh: bool):
        state_dir.mkdir(parents=True, exist_ok=True)
        self.state_path = state_dir / f"{name}.json"
        self.name = name
        state = self._read_state()
        self.resuming = bool(state) and not state.get("complete") and not fresh
        self.checkpoint = state.get("checkpoint")
        self.run = state.get("run", 0) if self.resuming else state.get("run", 0) + 1
        self.seq = state.get("seq", 0) if self.resuming else 0
        self.counts = dict(state.get("counts", {})) if self.resuming else {}
        for key in ("new", "updated", "unchanged", "deleted", "repeated"):
            self.counts.setdefault(key, 0)
        self.output_path = str(Path(output).resolve()) if output else None
        self.notes: list[str] = []
        self.complete = False
        self.offset = state.get("offset") if self.resuming else None

        self.db = sqlite3.connect(state_dir / f"{name}.seen.sqlite")
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (identifier TEXT NOT NULL, datestamp TEXT NOT NULL,"
                        " run INTEGER NOT NULL, seq INTEGER NOT NULL, deleted INTEGER NOT NULL,"
                        " PRIMARY KEY (identifier, datestamp))")
        if self.resuming:   # rows written after the last checkpoint belong to records about to come again
            self.db.execute("DELETE FROM seen WHERE run = ? AND seq > ?", (self.run, self.seq))
            self.db.commit()

        if self.output_path:
            self.out = open(self.output_path, "ab")
            if self.resuming and state.get("output") == self.output_path and state.get("offset") is not None:
                if self.out.tell() > state["offset"]:
                    self.out.truncate(state["offset"])   # lines past the checkpoint come again
                    self.out.seek(state["offset"])
            elif self.resuming and state.get("output"):
                self.notes.append(f"resumed a run whose earlier records are in {state['output']}")
        else:
            self.out = sys.stdout.buffer

    def _read_state(self) -> dict:
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"cannot read state file {self.state_path}: {exc}")

    def write(self, record) -> None:
        ds = record.datestamp or ""
        rows = self.db.execute("SELECT datestamp, run FROM seen WHERE identifier = ?",
                               (record.identifier,)).fetchall()
        same = next((r for r in rows if r[0] == ds), None)
        if same is not None and same[1] == self.run:
            self.counts["repeated"] += 1      # the server sent it again after a restart
            return
        if record.deleted:
            self.counts["deleted"] += 1
        elif same is not None:
            self.counts["unchanged"] += 1
        elif rows:
            self.counts["updated"] += 1
        else:
            self.counts["new"] += 1
        self.db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?, ?)",
                        (record.identifier, ds, self.run, self.seq + 1, int(record.deleted)))
        self.out.write(json.dumps(record.to_dict(), ensure_ascii=False).encode("utf-8") + b"\n")

    def on_checkpoint(self, checkpoint: dict) -> None:
        self.out.flush()
        offset = None
        if self.output_path:
            os.fsync(self.out.fileno())
            offset = self.out.tell()
        self.seq += 1
        self.db.commit()                 # before the state: a resume deletes rows past its seq
        self.checkpoint = checkpoint
        self.offset = offset
        self.complete = bool(checkpoint.get("complete"))
        self._save()

    def _save(self) -> None:
        state = {"source": self.name, "run": self.run, "seq": self.seq, "checkpoint": self.checkpoint,
                 "output": self.output_path, "offset": self.offset, "complete": self.complete,
                 "counts": self.counts, "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        tmp = self.state_path.with_suffix(".json.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(state, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.state_path)

    def finish(self, complete: bool) -> None:
        """Mark the run finished (the next harvest starts a new, incremental run) or not."""
        self.complete = complete
        self._save()

    def close(self) -> None:
        self.out.flush()
        if self.output_path:
            self.out.close()
        self.db.commit()
        self.db.close()

    def summary(self, stats) -> str:
        c = self.counts
        lines = [f"harvest {self.name} (run {self.run}{', resumed' if self.resuming else ''}): "
                 f"new {c['new']}, updated {c['updated']}, unchanged {c['unchanged']}, deleted {c['deleted']}, "
                 f"skipped {stats.skipped + c['repeated']}, errors {stats.errors}, "
                 f"lost pages {stats.lost_pages} (records lost {stats.lost_records}), retries {stats.retries}"]
        for reason, n in sorted(stats.skipped_reasons.items()):
            lines.append(f"  skipped {n}: {reason}")
        if c["repeated"]:
            lines.append(f"  skipped {c['repeated']}: already written in this run")
        lines += [f"  {m}" for m in stats.messages + self.notes]
        if not self.complete:
            lines.append(f"  not finished: the next `oerlint harvest {self.name}` resumes from the checkpoint")
        return "\n".join(lines)
