"""TensorBoard scalars, written by tensorboardX on either Keras backend.

tensorboardX writes TensorBoard's event files without TensorFlow, so a JAX machine with no
TensorFlow writes the same files as a TensorFlow one. Its ``SummaryWriter`` hands events to a
background thread, and once a write fails there (a full disk) that thread is gone and the next
writes block forever; so the events are written here, in the training loop's own thread, with
tensorboardX's ``EventsWriter`` and summaries: a failed write is an ``OSError`` the loop reports
like any other (run.train). Each logged step is flushed, so TensorBoard sees it while training.

If tensorboardX cannot be loaded or the file cannot be made, scalars are skipped with one warning:
metrics.jsonl holds them all anyway.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)

_files_opened = itertools.count()


class EventFileScalars:
    """An ``events.out.tfevents.*`` file in ``folder``, a new one each time (a resumed run adds
    a file beside the earlier ones, never over them)."""

    def __init__(self, folder: Path):
        from tensorboardX.event_file_writer import EventsWriter
        from tensorboardX.proto.event_pb2 import Event
        from tensorboardX.summary import scalar

        self._event, self._scalar = Event, scalar
        folder.mkdir(parents=True, exist_ok=True)
        # tensorboardX names the file by the second and the host: the process and a count make
        # it unique, so a run resumed within the same second does not overwrite the first file.
        suffix = f".{os.getpid()}.{next(_files_opened)}"
        self._writer = EventsWriter(str(folder / "events"), filename_suffix=suffix)

    def write(self, step: int, scalars: dict[str, float]) -> None:
        for key, value in scalars.items():
            event = self._event(wall_time=time.time(), step=step, summary=self._scalar(key, value))
            self._writer.write_event(event)
        self._writer.flush()

    def close(self) -> None:
        try:
            self._writer.close()
        except OSError:  # a failed write was already raised by write(); do not hide that error
            pass


class NoScalars:
    def write(self, step: int, scalars: dict[str, float]) -> None:
        pass

    def close(self) -> None:
        pass


def open_scalars(folder: Path) -> EventFileScalars | NoScalars:
    """The scalar writer for ``folder`` (see the module docstring)."""
    try:
        return EventFileScalars(folder)
    # Not only ImportError: a tensorboardX whose protobuf does not match fails on import with
    # other errors, and scalars are not worth stopping a training run for.
    except Exception as error:
        log.warning(
            "TensorBoard scalars are off: tensorboardX cannot write them (%s: %s); "
            "metrics.jsonl still has every logged value",
            type(error).__name__,
            error,
        )
        return NoScalars()
