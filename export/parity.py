"""The parity check: the same inputs through Keras and through TF.js in headless Chromium.

A conversion is only trusted when a browser proves it: tensorflowjs can write models that load
without error and still compute something else (Keras 3 LeakyReLU slopes silently replaced by
TF.js's default 0.3 is the known case). So every export runs ``PARITY_SEEDS`` through both and
fails when the largest absolute difference exceeds the threshold for its weight quantization.

TF.js runs on its ``cpu`` backend: plain float32 JavaScript, deterministic and the same on every
machine, so the figure measures the conversion, not a GPU's arithmetic.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.calls import input_former
from ..core.latent import seeds_to_latents
from .browser import chromium, serve_folder, tfjs_files
from .errors import ExportError

PARITY_SEEDS = tuple(range(8))
# Largest |Keras - TF.js| allowed per quantization; uint8 is measured and reported, not enforced.
THRESHOLDS: dict[str, float | None] = {"none": 1e-4, "float16": 1e-2, "uint8": None}
BACKEND = "cpu"

# The encoder's deterministic test input, recomputable in JavaScript from the seed alone.
ENCODER_INPUT_FORMULA = (
    "x[h, w, c] = float32(0.9 * sin(0.37 * h + 0.23 * w + 1.1 * c + 0.5 * seed))"
)

_HARNESS = """<!doctype html>
<meta charset="utf-8"><title>latentwalk parity</title>
<script src="tf.min.js"></script>
"""

# Runs one model on one batch; returns every output as a flat array (NHWC order for images).
_RUN_MODEL_JS = """
async ({modelUrl, shape, values, backend}) => {
  await tf.setBackend(backend);
  await tf.ready();
  const model = await tf.loadGraphModel(modelUrl);
  const input = tf.tensor(values, shape, "float32");
  let outputs = model.predict(input);
  if (!Array.isArray(outputs)) outputs = [outputs];
  const results = [];
  for (const output of outputs) {
    results.push({shape: output.shape, values: Array.from(await output.data())});
  }
  tf.dispose([input, ...outputs]);
  model.dispose();
  return {outputs: results, version: tf.version.tfjs, backend: tf.getBackend()};
}
"""


@dataclass(frozen=True)
class ParityResult:
    max_abs_diff: float
    mean_abs_diff: float
    threshold: float | None
    num_inputs: int
    tfjs_version: str
    backend: str

    @property
    def passed(self) -> bool:
        return self.threshold is None or self.max_abs_diff <= self.threshold


def encoder_test_image(seed: int, shape: tuple[int, int, int] = (32, 32, 3)) -> np.ndarray:
    """The encoder's test input for ``seed`` (see ``ENCODER_INPUT_FORMULA``), values in [-0.9, 0.9]."""
    h, w, c = np.meshgrid(*(np.arange(n, dtype=np.float64) for n in shape), indexing="ij")
    return (0.9 * np.sin(0.37 * h + 0.23 * w + 1.1 * c + 0.5 * seed)).astype(np.float32)


def parity_inputs(kind: str, input_shape: tuple, seeds=PARITY_SEEDS) -> np.ndarray:
    """Latents from the documented seed mapping, or the encoder's formula images."""
    if kind == "vae-encoder":
        return np.stack([encoder_test_image(s, tuple(input_shape[1:])) for s in seeds])
    return seeds_to_latents(list(seeds), int(input_shape[1]))


def keras_outputs(model, inputs: np.ndarray) -> list[np.ndarray]:
    outputs = model(input_former(model)(inputs), training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [np.asarray(output, dtype=np.float32) for output in outputs]


def tfjs_outputs(model_dir: Path, inputs: np.ndarray, browser=None) -> tuple[list, str, str]:
    """Run the TF.js graph model in ``model_dir`` on ``inputs`` in Chromium.

    Returns (outputs as float32 arrays, the TF.js version the page loaded, the backend used).
    ``browser`` may be a Playwright Browser to reuse; otherwise one is started and closed.
    """
    if browser is None:
        with chromium() as own_browser:
            return tfjs_outputs(model_dir, inputs, own_browser)
    with tempfile.TemporaryDirectory(prefix="latentwalk-parity-") as folder:
        root = Path(folder)
        (root / "index.html").write_text(_HARNESS)
        os.symlink(tfjs_files().tf_min_js, root / "tf.min.js")
        os.symlink(Path(model_dir).resolve(), root / "model")
        with serve_folder(root) as base_url:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            try:
                page.goto(base_url + "index.html")
                result = page.evaluate(
                    _RUN_MODEL_JS,
                    {
                        "modelUrl": base_url + "model/model.json",
                        "shape": list(inputs.shape),
                        "values": inputs.astype(np.float32).ravel().tolist(),
                        "backend": BACKEND,
                    },
                )
            except KeyboardInterrupt:
                # Interrupted inside a Playwright call: the driver may never answer again, and
                # page.close() would wait for it forever (export/browser.py explains).
                raise
            except Exception as error:  # Playwright wraps every JS failure in its own Error
                page.close()
                details = "; ".join(errors + [str(error).splitlines()[0]])
                raise ExportError(
                    f"TF.js could not run the converted model in Chromium: {details}"
                ) from None
            page.close()
    outputs = [
        np.asarray(o["values"], dtype=np.float32).reshape(o["shape"]) for o in result["outputs"]
    ]
    return outputs, result["version"], result["backend"]


def measure_parity(
    expected: list[np.ndarray], model_dir: Path, inputs: np.ndarray, quantize: str, browser=None
) -> ParityResult:
    """Compare Keras's ``expected`` outputs for ``inputs`` with TF.js's; every output counts."""
    actual, version, backend = tfjs_outputs(model_dir, inputs, browser)
    if len(actual) != len(expected) or any(
        a.shape != e.shape for a, e in zip(actual, expected, strict=True)
    ):
        raise ExportError(
            f"TF.js gives outputs of shapes {[a.shape for a in actual]}, Keras "
            f"{[e.shape for e in expected]}: the conversion changed the model's outputs"
        )
    differences = np.concatenate(
        [np.abs(a - e).ravel() for a, e in zip(actual, expected, strict=True)]
    )
    return ParityResult(
        max_abs_diff=float(differences.max()),
        mean_abs_diff=float(differences.mean()),
        threshold=THRESHOLDS[quantize],
        num_inputs=len(inputs),
        tfjs_version=version,
        backend=backend,
    )
