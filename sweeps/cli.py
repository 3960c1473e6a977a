"""The `oerlint` command: a thin shell over the checkers, harvesters and sweeps.

Each group of subcommands lives in its own module (cli_check, cli_harvest, cli_sweep, ...) and
registers itself on `main` when imported here.
"""
from __future__ import annotations

import importlib
import logging
import re
import sys
from types import TracebackType

import click

COMMAND_MODULES = ("sweeps.cli_check", "sweeps.cli_harvest", "sweeps.cli_sweep", "sweeps.cli_celery",
                   "sweeps.cli_api", "sweeps.cli_report")


class DatabaseError(click.ClickException):
    """The database cannot be reached or named: one line and exit status 2, like an I/O error."""
    exit_code = 2


# Errors raised while SQLAlchemy turns the URL into an engine (a bad port, a missing driver)
# arrive as plain ValueError or ImportError; these modules tell them apart from other bugs.
_URL_MODULES = ("sqlalchemy.engine.create", "sqlalchemy.engine.url")


def _raised_in(tb: TracebackType | None, modules: tuple[str, ...]) -> bool:
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__") in modules:
            return True
        tb = tb.tb_next
    return False


def _database_reason(exc: BaseException) -> str | None:
    """Why the database failed, in one line, or None when `exc` is not a database error."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None:        # SQLAlchemy never imported: no database was touched
        return None
    if isinstance(exc, sa_exc.NoSuchModuleError):
        text = f"unknown kind of database ({exc})"
    elif isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
        text = str(exc.orig)  # the driver's words, without the statement and its parameters
    elif isinstance(exc, sa_exc.SQLAlchemyError):
        text = str(exc).split("(Background on this error")[0]
    elif isinstance(exc, ImportError) and _raised_in(exc.__traceback__, _URL_MODULES):
        text = f"its driver is not installed ({exc})"
    elif isinstance(exc, ValueError) and _raised_in(exc.__traceback__, _URL_MODULES):
        text = f"malformed URL ({exc})"
    else:
        return None
    return " ".join(text.split())[:300]


def _shown_database_url() -> tuple[str, str | None]:
    """The database URL without its password (and the password, to scrub it from messages)."""
    from sqlalchemy.engine import make_url

    from store.db import database_url, redact_url
    try:
        url = database_url()
    except OSError:           # the data directory cannot be created
        return "the SQLite database in the data directory", None
    try:
        password = make_url(url).password
    except Exception:         # unparsable: shown without user, password and query
        return re.sub(r"//[^/]*@", "//***@", url.split("?")[0]), None
    # A password of a few characters is not scrubbed: it would mangle words of the message.
    return redact_url(url), str(password) if password and len(str(password)) >= 4 else None


class OneLineUsageCommand(click.Command):
    """Usage errors (`--worst 0`, a missing argument, a bad `--format`) as one line, like every
    other error: click would print the usage and a hint on two more lines."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            # Without a context click prints only "Error: ..."; the exit status stays 2.
            raise click.UsageError(f"{exc.format_message()} (see `oerlint {self.name} --help`)") from None


class OerlintGroup(click.Group):
    """The command group; a database error in any command ends as one line, not a traceback;
    every command's usage errors are one line too."""

    command_class = OneLineUsageCommand

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            reason = _database_reason(exc)
            if reason is None:
                raise
            url, password = _shown_database_url()
            if password:
                reason = reason.replace(password, "***")
            raise DatabaseError(f"cannot use the database {url}: {reason}") from None


@click.group(cls=OerlintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """oerlint: accessibility and licence checks for open educational resources."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


for _module in COMMAND_MODULES:
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as exc:  # a command group not built yet
        if exc.name != _module:
            raise
