"""`oerlint worker` and `oerlint beat`: the Celery processes (needs OERLINT_BROKER_URL)."""
from __future__ import annotations

import click

from sweeps.cli import main


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--concurrency", "-c", type=int, default=2, show_default=True,
              help="Threads per worker; parsing runs in the isolated process pool.")
@click.option("--queues", "-Q", default="harvest,check", show_default=True)
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(concurrency, queues, loglevel, celery_args):
    """Start a Celery worker for harvest and check tasks."""
    import os

    from sweeps.tasks import app
    # A node name of its own: RabbitMQ refuses a second worker with the same name (its control
    # queue is exclusive), and Redis would mix up their replies.
    name = [] if any(a in ("-n", "--hostname") or a.startswith("--hostname=") for a in celery_args) \
        else ["--hostname", f"oerlint-{os.getpid()}@%h"]
    # Threads, not prefork: prefork children are daemonic and could not start the isolated
    # parsing processes that keep a hostile file from taking the worker down.
    app.worker_main(["worker", "--pool", "threads", "--concurrency", str(concurrency),
                     "--queues", queues, "--loglevel", loglevel, *name, *celery_args])


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def beat(loglevel, celery_args):
    """Start Celery beat: every minute it starts the sources whose cron schedule is due."""
    from store.db import data_dir
    from sweeps.tasks import app
    app.start(["beat", "--loglevel", loglevel, "--schedule", str(data_dir() / "celerybeat-schedule"),
               *celery_args])
