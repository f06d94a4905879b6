"""Keras model -> TF.js graph model, through a TensorFlow SavedModel.

Why this route: tensorflowjs 4.22 writes Keras 3 *layers* models that TF.js rejects
(``InputLayer ... batchInputShape``), and once that is patched TF.js ignores the saved LeakyReLU
slope (it assumes 0.3, Keras 3 uses 0.2), so the images come out wrong without any error. A graph
model is a frozen TensorFlow graph: each LeakyRelu op carries its own ``alpha``, and what runs in
the browser is what Keras traced. The parity check (export/parity.py) still proves it every time.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

from ..core import layout
from .errors import ExportError

QUANTIZATIONS = ("none", "float16", "uint8")


def _converter():
    # tensorflowjs imports tensorflow-decision-forests, which prints an advert on import (and
    # tries IPython when stdout is not a terminal, which fails where IPython is not installed).
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    from tensorflowjs.converters import tf_saved_model_conversion_v2

    return tf_saved_model_conversion_v2


def convert_to_tfjs(model, out_dir: Path, quantize: str = "float16") -> None:
    """Write ``model`` as a TF.js graph model (model.json + weight shards) into ``out_dir``.

    ``quantize`` stores the weights as float16 or affine uint8 (dequantized to float32 when the
    page loads them): smaller downloads, slightly different images.
    """
    if quantize not in QUANTIZATIONS:
        raise ExportError(
            f"unknown quantization {quantize!r}: choose from {', '.join(QUANTIZATIONS)}"
        )
    converter = _converter()
    with tempfile.TemporaryDirectory(prefix="latentwalk-savedmodel-") as folder:
        saved_model = Path(folder) / "saved_model"
        # Inference mode is traced here: BatchNormalization uses its moving statistics and
        # dropout is off, exactly what model(x, training=False) computes.
        import tensorflow as tf

        try:
            model.export(str(saved_model), format="tf_saved_model", verbose=False)
        except tf.errors.OpError as error:  # e.g. ResourceExhaustedError: the disk is full
            raise ExportError(
                f"cannot write {model.name}'s SavedModel into {folder} (the temporary folder): "
                f"{error.message}; nothing was written"
            ) from None
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                converter.convert_tf_saved_model(
                    str(saved_model),
                    str(out_dir),
                    quantization_dtype_map={} if quantize == "none" else {quantize: True},
                    # One shard for these small models: one request, one file to ship.
                    weight_shard_size_bytes=64 * 1024 * 1024,
                )
        except ValueError as error:  # e.g. an op TF.js does not support
            raise ExportError(f"tensorflowjs cannot convert {model.name}: {error}") from None


def graph_signature(model_dir: Path) -> tuple[str, list[str]]:
    """The graph model's input name and output node names, as ``model.execute`` takes them."""
    signature = json.loads((Path(model_dir) / layout.TFJS_MODEL).read_text())["signature"]
    inputs = list(signature["inputs"])
    if len(inputs) != 1:
        raise ExportError(f"the converted model has inputs {inputs}; expected exactly one")
    return inputs[0], [output["name"] for output in signature["outputs"].values()]


def model_files(model_dir: Path) -> dict[str, int]:
    """model.json and its weight shards, with their sizes in bytes."""
    model_json = json.loads((Path(model_dir) / layout.TFJS_MODEL).read_text())
    names = [layout.TFJS_MODEL] + [
        path for group in model_json["weightsManifest"] for path in group["paths"]
    ]
    return {name: (Path(model_dir) / name).stat().st_size for name in names}
