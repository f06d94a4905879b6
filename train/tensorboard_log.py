"""TensorBoard scalars on either Keras backend.

On the TensorFlow backend they go through ``tf.summary``. A JAX machine may have no TensorFlow at
all, and importing it next to JAX only costs time and memory, so there the ``tensorboard``
package alone writes the same event-file format (TFRecord-framed ``Event`` protos with
``simple_value`` scalars, which TensorBoard reads as it reads ``tf.summary`` scalars). Without
that package either, scalars are skipped with one warning: metrics.jsonl holds them all anyway.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path

log = logging.getLogger(__name__)


class TensorFlowScalars:
    def __init__(self, folder: Path):
        import tensorflow as tf

        self._tf = tf
        self._writer = tf.summary.create_file_writer(str(folder))

    def write(self, step: int, scalars: dict[str, float]) -> None:
        with self._writer.as_default():
            for key, value in scalars.items():
                self._tf.summary.scalar(key, value, step=step)

    def close(self) -> None:
        self._writer.flush()


class EventFileScalars:
    """Writes an ``events.out.tfevents.*`` file with the tensorboard package, no TensorFlow."""

    def __init__(self, folder: Path):
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter

        self._event, self._summary = event_pb2.Event, summary_pb2.Summary
        folder.mkdir(parents=True, exist_ok=True)
        # Named as tf.summary names them, so a resumed run adds a file rather than overwriting.
        name = f"events.out.tfevents.{time.time():.0f}.{socket.gethostname()}.{os.getpid()}.jax"
        self._records = RecordWriter(open(folder / name, "wb"))
        self._append(self._event(wall_time=time.time(), file_version="brain.Event:2"))

    def _append(self, event) -> None:
        self._records.write(event.SerializeToString())
        self._records.flush()  # a few records per logged step; readable while training

    def write(self, step: int, scalars: dict[str, float]) -> None:
        values = [self._summary.Value(tag=key, simple_value=v) for key, v in scalars.items()]
        summary = self._summary(value=values)
        self._append(self._event(wall_time=time.time(), step=step, summary=summary))

    def close(self) -> None:
        self._records.close()


class NoScalars:
    def write(self, step: int, scalars: dict[str, float]) -> None:
        pass

    def close(self) -> None:
        pass


def open_scalars(folder: Path) -> TensorFlowScalars | EventFileScalars | NoScalars:
    """The scalar writer for the active Keras backend (see the module docstring)."""
    import keras

    if keras.backend.backend() == "tensorflow":
        return TensorFlowScalars(folder)
    try:
        return EventFileScalars(folder)
    # Not only ImportError: a tensorboard whose protobuf does not match fails on import with
    # other errors, and scalars are not worth stopping a training run for.
    except Exception as error:  # noqa: BLE001
        log.warning(
            "TensorBoard scalars are off: the tensorboard package cannot write them (%s: %s); "
            "metrics.jsonl still has every logged value",
            type(error).__name__,
            error,
        )
        return NoScalars()
