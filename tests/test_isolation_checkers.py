"""Misbehaving format checkers for tests/test_isolation.py, imported by the pool's workers.

The tests register them in FORMAT_CHECKERS under test-only format names; the workers find this
module because the pool is given the repository root as an extra sys.path entry.
"""
from __future__ import annotations

import os
import signal
import time

from checkers.facts import ContentFacts


def echo(data: bytes, ctx) -> tuple[list, ContentFacts]:
    """Well behaved: the text is the data, the title the worker's pid (to see reuse)."""
    facts = ContentFacts("media", text=data.decode("utf-8", "replace")[:100], title=str(os.getpid()))
    facts.word_count = len(data)
    return [], facts


def hog_memory(data: bytes, ctx):
    blocks = [bytearray(64 * 1024 * 1024) for _ in range(64)]   # 4 GiB, far above the cap
    return [], ContentFacts("media", text=str(len(blocks)))


def spin(data: bytes, ctx):
    n = 0
    while True:
        n += 1


def sleep(data: bytes, ctx):
    time.sleep(3600)
    return [], ContentFacts("media")


def exit_now(data: bytes, ctx):
    os._exit(3)


def kill_self(data: bytes, ctx):
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(10)
    return [], ContentFacts("media")


def unpicklable_result(data: bytes, ctx):
    facts = ContentFacts("media")
    facts.title = lambda: "not picklable"
    return [], facts
