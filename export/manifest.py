"""manifest.json: what a converted model is, where it came from, and how a page checks itself.

Written beside each model.json (format "latentwalk-manifest/1"). The test vectors hold, for seeds
``TEST_SEEDS``, the input (the latent from the documented seed mapping, or the encoder's formula
image) and the leading values and means of the Keras float32 output; a page recomputes the input,
runs the model and compares within ``test_vector_tolerance``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core import layout
from ..core.latent import SEED_MAPPING
from .convert import graph_signature, model_files
from .parity import ENCODER_INPUT_FORMULA, PARITY_SEEDS, ParityResult
from .sources import ExportSource

FORMAT = "latentwalk-manifest/1"
TEST_SEEDS = (0, 1, 2, 3)
HEAD = 16  # leading output values kept per test vector


def _floats(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float32).ravel()]


def _summary(output: np.ndarray) -> dict:
    return {
        "head": _floats(output.ravel()[:HEAD]),
        "mean": float(np.mean(output)),
        "abs_mean": float(np.mean(np.abs(output))),
    }


def test_vectors(
    kind: str, inputs: np.ndarray, outputs: list[np.ndarray], output_names: list[str]
) -> list[dict]:
    """Vectors for TEST_SEEDS; ``inputs``/``outputs`` are the parity batch (PARITY_SEEDS)."""
    vectors = []
    for seed in TEST_SEEDS:
        row = PARITY_SEEDS.index(seed)
        first = _summary(outputs[0][row])
        vector: dict = {"seed": seed}
        if kind == "vae-encoder":
            vector["input_head"] = _floats(inputs[row].ravel()[:HEAD])
        else:
            vector["latent"] = _floats(inputs[row])
        vector.update(
            output_head=first["head"], output_mean=first["mean"], output_abs_mean=first["abs_mean"]
        )
        if len(outputs) > 1:
            vector["outputs"] = {
                name: _summary(output[row])
                for name, output in zip(output_names, outputs, strict=True)
            }
        vectors.append(vector)
    return vectors


def tolerance(parity: ParityResult) -> float:
    """What a page should allow when checking test vectors on its own backend.

    The parity threshold where there is one; for uint8 (no threshold) twice the measured
    difference, at least 0.05, since WebGL and WASM round differently from the cpu backend.
    """
    if parity.threshold is not None:
        return parity.threshold
    return float(max(0.05, 2 * parity.max_abs_diff))


def build_manifest(
    *,
    kind: str,
    role: str,
    model,
    model_dir: Path,
    source: ExportSource,
    quantize: str,
    parity: ParityResult,
    inputs: np.ndarray,
    outputs: list[np.ndarray],
    rewrite_notes: list[str] = (),
) -> dict:
    input_shape = [None if d is None else int(d) for d in model.inputs[0].shape]
    output_shapes = [[None if d is None else int(d) for d in o.shape] for o in model.outputs]
    output_names = ["z_mean", "z_log_var"] if kind == "vae-encoder" else ["image"]
    input_name, output_nodes = graph_signature(model_dir)
    files = model_files(model_dir)
    data = source.config.get("data") or {}
    latent_dim = input_shape[1] if kind != "vae-encoder" else output_shapes[0][1]
    manifest: dict = {
        "format": FORMAT,
        "kind": kind,
        "role": role,
        "latent_dim": latent_dim,
        "input_shape": input_shape,
    }
    if kind == "vae-encoder":
        manifest["output_shapes"] = output_shapes
        manifest["input_range"] = [-1, 1]
    else:
        manifest["output_shape"] = output_shapes[0]
        manifest["output_range"] = [-1, 1]
    manifest.update(
        {
            "model_format": "tfjs-graph-model",
            "input_name": input_name,
            "output_names": output_names,  # in the order model.predict returns them
            "output_nodes": output_nodes,  # the same outputs, as model.execute names them
            "dataset": Path(str(data["source"])).name if data.get("source") else None,
            "class_name": layout.trained_class(source.config),
            "preset": source.config.get("preset"),
            "training_steps": source.training_steps,
            "run": source.run_dir.name if source.run_dir else None,
            "quantization": quantize,
            # How the graph differs from the Keras model's layers (export/subpixel.py).
            "graph_rewrite": list(rewrite_notes),
            "files": files,
            "total_bytes": sum(files.values()),
            "parity": {
                "max_abs_diff": parity.max_abs_diff,
                "mean_abs_diff": parity.mean_abs_diff,
                "threshold": parity.threshold,
                "backend": parity.backend,
                "num_inputs": parity.num_inputs,
                "tfjs_version": parity.tfjs_version,
            },
            "seed_mapping": SEED_MAPPING,
        }
    )
    if kind == "vae-encoder":
        manifest["test_input"] = {
            "formula": ENCODER_INPUT_FORMULA,
            "shape": input_shape[1:],
            "layout": "NHWC, one image per seed",
        }
    else:
        manifest["parity"]["num_latents"] = parity.num_inputs
    manifest["test_vector_tolerance"] = tolerance(parity)
    manifest["test_vectors"] = test_vectors(kind, inputs, outputs, output_names)
    return manifest
