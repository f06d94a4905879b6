"""Ctrl-C and SIGTERM during an export or a site build.

A conversion or a browser check cannot be cut in half safely: TensorFlow may swallow a
KeyboardInterrupt raised inside it, and a Playwright call interrupted mid-way leaves the driver
waiting forever. So the first Ctrl-C (or SIGTERM) is only recorded, with a message, and the
export stops at the next safe point (between its phases) with ``ExportInterrupted``: the staging
folder is removed and the previous output is left untouched. A second one aborts at once: the
staging folder is removed and the process exits with code 130.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

# Staging folders being written now (export/exporter.py registers them): an abort removes them.
ACTIVE_STAGING: set[Path] = set()


def abort() -> None:
    """The second Ctrl-C: remove what is being written and leave at once. (A KeyboardInterrupt
    raised here could land inside a garbage-collector callback, where Python prints it and
    carries on.)"""
    for folder in list(ACTIVE_STAGING):
        shutil.rmtree(folder, ignore_errors=True)
    print("aborted: nothing was written", file=sys.stderr, flush=True)
    os._exit(130)


def _exit_130(signum, frame) -> None:
    os._exit(130)


class ExportInterrupted(Exception):
    """The person asked the export to stop; nothing was written."""


class StopRequests:
    """Context manager: records SIGINT / SIGTERM; ``check()`` raises at a safe point."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.requested: str | None = None
        self._previous = {}

    def __enter__(self) -> StopRequests:
        def handler(signum, frame):
            if self.requested:
                abort()
            self.requested = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
            print(
                f"{self.requested}: stopping at the next safe point; nothing will be written "
                "(send it again to abort at once)",
                file=sys.stderr,
                flush=True,
            )

        for number in self.SIGNALS:
            try:
                self._previous[number] = signal.signal(number, handler)
            except ValueError:  # not the main thread: leave the signals alone
                pass
        return self

    def __exit__(self, *exc) -> None:
        for number, previous in self._previous.items():
            # Once a stop was asked for, the process is on its way out with code 130: a second
            # Ctrl-C arriving now (after the last safe point) must not kill it by the signal
            # instead, which would exit with -2 and skip the message. Nothing is left to clean.
            signal.signal(number, _exit_130 if self.requested else previous)

    def check(self) -> None:
        if self.requested:
            raise ExportInterrupted(f"stopped by {self.requested}")


def never() -> None:
    """The check used when no StopRequests is installed (the library API)."""
