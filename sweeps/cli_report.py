"""`oerlint report`: the stored current results of a source (or one resource), as a report.

The results come from the store, not from a new check: each current result row is turned back
into a CheckResult and handed to the same renderers `oerlint check` uses (reports/).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from reports import FORMATS, render
from sweeps.cli import main


class ReportError(click.ClickException):
    """Nothing to report (an unknown source or resource): one line and exit status 2."""
    exit_code = 2


def stored_results(source: str, resource: str | None = None, worst: int | None = None) -> list:
    """CheckResults rebuilt from the current results of `source`'s live resources, by identifier
    (or the `worst` N, lowest accessibility score first)."""
    from checkers.engine import CheckResult
    from checkers.findings import Finding
    from store.db import session
    from store.models import Resource, Result, Source
    query = (select(Resource.identifier, Result).join(Result, Result.id == Resource.current_result_id)
             .join(Source, Source.id == Resource.source_id)
             .where(Source.name == source, Resource.deleted.is_(False)))
    if resource:
        query = query.where(Resource.identifier == resource)
    if worst:
        query = query.order_by(Result.accessibility.asc().nulls_last(), Result.overall.asc().nulls_last(),
                               Resource.identifier).limit(worst)
    else:
        query = query.order_by(Resource.identifier)
    with session() as s:
        rows = s.execute(query).all()
        return [CheckResult(resource=identifier, media_type=row.media_type or "application/octet-stream",
                            checked_at=row.checked_at.isoformat(timespec="seconds"),
                            ruleset_version=row.ruleset_version,
                            findings=[Finding.from_dict(f) for f in row.findings or []],
                            scores=row.scores or {}) for identifier, row in rows]


def nothing_to_report(source: str, resource: str | None) -> str:
    """Why `stored_results` came back empty, in one line: no such source, no such resource, or
    a source that has no checked live resource (never swept, or every record deleted)."""
    from store.db import session
    from store.models import Resource, Source
    with session() as s:
        names = s.scalars(select(Source.name).order_by(Source.name)).all()
        if source not in names:
            known = ", ".join(names) if names else "none yet; run `oerlint sweep SOURCE` first"
            return f"unknown source {source!r} (stored sources: {known})"
        if resource:
            row = s.execute(select(Resource.deleted, Resource.current_result_id)
                            .join(Source, Source.id == Resource.source_id).where(Source.name == source, Resource.identifier == resource)).first()
    if not resource:
        return f"source {source!r} has no checked live resources: run `oerlint sweep {source}`"
    if row is None:
        return (f"source {source!r} has no resource {resource!r} "
                f"(`oerlint report {source} --format csv` lists the identifiers)")
    if row.deleted:
        return f"resource {resource!r} of source {source!r} was deleted from the repository"
    return f"resource {resource!r} of source {source!r} has not been checked yet: run `oerlint sweep {source}`"


@main.command()
@click.argument("source")
@click.option("--resource", help="Only this resource (its identifier, as `oerlint report --format csv` lists).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option("--worst", type=click.IntRange(min=1), metavar="N",
              help="Only the N resources with the lowest accessibility scores.")
@click.option("--show-passed", is_flag=True, help="Also list the rules that passed.")
def report(source, resource, fmt, output, worst, show_passed):
    """Report the stored results of SOURCE's last sweeps (no new check, no download)."""
    results = stored_results(source, resource, worst)
    if not results:
        raise ReportError(nothing_to_report(source, resource))
    color = fmt == "text" and output is None and sys.stdout.isatty()
    text = render(results, fmt, many=not resource, color=color, show_passed=show_passed)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise ReportError(f"--output {output}: cannot write ({exc.strerror or exc})") from None
        click.echo(f"{len(results)} results written to {output}", err=True)
    else:
        click.echo(text, nl=False, color=color)
