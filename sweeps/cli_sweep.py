"""`oerlint sweep` and `oerlint status`: run sweeps and show what they found."""
from __future__ import annotations

import json
import sys

import click
from sqlalchemy import func, select
from tqdm import tqdm

from sweeps.cli import main


def _load(sources_file: str | None):
    from harvester.sources import SourcesError, load_sources
    try:
        return load_sources(sources_file)
    except SourcesError as exc:
        raise click.UsageError("\n".join([f"{exc.path}:"] + [f"  {p}" for p in exc.problems]))


def _summary_line(name: str, summary: dict) -> str:
    if summary.get("status") == "skipped":
        return f"{name}: skipped ({summary['reason']})"
    keys = ("harvested", "new", "updated", "deleted", "checked", "rechecked", "unchanged",
            "downloads", "errors", "skipped", "lost_pages")
    parts = ", ".join(f"{k} {summary.get(k, 0)}" for k in keys)
    line = f"{name}: sweep {summary['sweep']} {summary['status']}: {parts}"
    reconciliation = summary.get("reconciliation") or {}
    if reconciliation.get("problem"):
        line += f"\n  deletion reconciliation: {reconciliation['problem']}"
    elif reconciliation:
        line += (f"\n  deletion reconciliation ({reconciliation['kind']}): deleted_by_reconciliation "
                 f"{summary.get('deleted_by_reconciliation', 0)} of {reconciliation.get('live', 0)} live")
    if reconciliation.get("courses_problem"):
        line += f"\n  deletion reconciliation: {reconciliation['courses_problem']}"
    if summary.get("suspicious"):
        line += f"\n  SUSPICIOUS: {summary['suspicious']}"
    if summary.get("harvest_failed"):
        line += f"\n  harvest failed: {summary['harvest_failed']}"
    return line


@main.command()
@click.argument("source", required=False)
@click.option("--all", "all_sources", is_flag=True, help="Sweep every configured source in turn.")
@click.option("--sources", "sources_file", help="sources.yaml (default: $OERLINT_SOURCES or ./sources.yaml).")
@click.option("--full", is_flag=True, help="Harvest everything again instead of from the checkpoint.")
@click.option("--limit", type=int, help="Stop the harvest after N records.")
@click.option("--threads", type=int, default=4, show_default=True, help="Download/check threads.")
@click.option("--json", "as_json", is_flag=True, help="Print the summaries as JSON.")
def sweep(source, all_sources, sources_file, full, limit, threads, as_json):
    """Harvest SOURCE, check what is new or changed, score it and store the results."""
    from harvester.sources import find_source
    from sweeps.executors import run
    sources = _load(sources_file)
    if all_sources == bool(source):
        raise click.UsageError("name one SOURCE or give --all")
    try:
        chosen = sources if all_sources else [find_source(sources, source)]
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0]))
    summaries = {}
    for src in chosen:
        bars = {"harvested": tqdm(desc=f"{src.name} harvested", unit=" rec", file=sys.stderr,
                                  disable=None, position=0),
                "processed": tqdm(desc=f"{src.name} checked", unit=" res", file=sys.stderr,
                                  disable=None, position=1)}
        try:
            summary = run(src, full=full, limit=limit, threads=threads,
                          progress=lambda kind, n: bars[kind].update(n))
        finally:
            for bar in bars.values():
                bar.close()
        summaries[src.name] = summary
        if not as_json:
            click.echo(_summary_line(src.name, summary))
    if as_json:
        click.echo(json.dumps(summaries, indent=2, default=str))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--last", type=int, default=3, show_default=True, help="Sweeps shown per source.")
def status(as_json, last):
    """Sources, their last sweeps and counts; suspicious sweeps stand out."""
    from store.db import session
    from store.models import Resource, Result, Source, Sweep
    out = []
    with session() as s:
        for src in s.scalars(select(Source).order_by(Source.name)):
            active = s.scalar(select(func.count()).select_from(Resource).where(
                Resource.source_id == src.id, Resource.deleted.is_(False)))
            mean = s.scalar(select(func.avg(Result.accessibility)).join(
                Resource, Resource.current_result_id == Result.id).where(Resource.source_id == src.id))
            sweeps = s.scalars(select(Sweep).where(Sweep.source_id == src.id)
                               .order_by(Sweep.id.desc()).limit(last)).all()
            out.append({"source": src.name, "kind": src.kind, "schedule": src.schedule,
                        "resources": active, "mean_accessibility": None if mean is None else round(mean),
                        "sweeps": [{"id": w.id, "status": w.status, "trigger": w.trigger,
                                    "started_at": w.started_at.isoformat(timespec="seconds"),
                                    "finished_at": w.finished_at.isoformat(timespec="seconds") if w.finished_at else None,
                                    "suspicious": w.suspicious_reason, "error": w.error,
                                    "counts": {k: v for k, v in (w.counts or {}).items() if k != "lease_holder"}}
                                   for w in sweeps]})
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    if not out:
        click.echo("No sources swept yet: run `oerlint sweep SOURCE`.")
    for src in out:
        mean = "-" if src["mean_accessibility"] is None else src["mean_accessibility"]
        click.echo(f"{src['source']} [{src['kind']}] schedule={src['schedule'] or '-'} "
                   f"resources={src['resources']} mean accessibility={mean}")
        for w in src["sweeps"]:
            c = w["counts"]
            flag = "  SUSPICIOUS: " + w["suspicious"] if w["suspicious"] else ""
            click.echo(f"  sweep {w['id']} {w['status']} {w['started_at']} harvested={c.get('harvested', 0)} "
                       f"checked={c.get('checked', 0)} unchanged={c.get('unchanged', 0)} "
                       f"deleted={c.get('deleted', 0) + c.get('deleted_by_reconciliation', 0)} "
                       f"errors={c.get('errors', 0)}{flag}")
            if w["error"]:
                click.echo(f"    error: {w['error']}")
