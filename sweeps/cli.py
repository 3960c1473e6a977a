"""The `oerlint` command: a thin shell over the checkers, harvesters and sweeps.

Each group of subcommands lives in its own module (cli_check, cli_harvest, cli_sweep, ...) and
registers itself on `main` when imported here.
"""
from __future__ import annotations

import importlib
import logging
import sys

import click

COMMAND_MODULES = ("sweeps.cli_check", "sweeps.cli_harvest", "sweeps.cli_sweep", "sweeps.cli_celery",
                   "sweeps.cli_api", "sweeps.cli_report")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
