"""Download sizes of the exported models for each weight quantization, as one JSON object.

By default the "small" presets' generator, decoder and encoder with freshly initialised weights
(sizes depend on the architecture only). Given run folders or .keras files (the shipped models'),
their trained models instead, converted as the converter writes them (without the exporter's
sub-pixel rewrite), and with ``--parity`` also the largest |Keras - TF.js| difference measured in
headless Chromium (meaningful on trained weights only).

    python benchmarks/export_sizes.py                       # sizes of the small architectures
    python benchmarks/export_sizes.py --parity runs/gan-small-frog runs/vae-small-frog
    python benchmarks/export_sizes.py --parity models/*/*/*.keras \\
        --out benchmarks/results/export-sizes.json       # the shipped models (make benchmarks)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from latentwalk.export.browser import chromium
from latentwalk.export.convert import QUANTIZATIONS, convert_to_tfjs, model_files
from latentwalk.export.parity import keras_outputs, measure_parity, parity_inputs
from latentwalk.export.sources import find_sources, load_model
from latentwalk.train.results_file import add_out_option, write_results


def small_models() -> dict:
    from latentwalk.train.config import DataConfig, make_config
    from latentwalk.train.gan import build_generator
    from latentwalk.train.vae import build_decoder, build_encoder

    gan, vae = (
        make_config("gan", "small", {}, DataConfig()),
        make_config("vae", "small", {}, DataConfig()),
    )
    return {
        "gan-small/generator": (build_generator(gan), "gan"),
        "vae-small/decoder": (build_decoder(vae), "vae-decoder"),
        "vae-small/encoder": (build_encoder(vae), "vae-encoder"),
    }


def run_models(paths: list[Path]) -> dict:
    """The models of run folders or .keras files, named folder/model (a shipped model's file,
    models/gan-frog/generator/generator.keras, is gan-frog/generator)."""
    models = {}
    for path in paths:
        folder = path if path.is_dir() else path.parent.parent
        for source in find_sources(path).models:
            model, kind = load_model(source)
            models[f"{folder.name}/{source.path.stem}"] = (model, kind)
    return models


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "runs", nargs="*", type=Path, help="run folders or .keras files (default: small presets)"
    )
    parser.add_argument(
        "--parity", action="store_true", help="also measure max |Keras - TF.js| in Chromium"
    )
    add_out_option(parser, "export-sizes.json")
    args = parser.parse_args()
    models = run_models(args.runs) if args.runs else small_models()
    results: dict = {}
    with contextlib.ExitStack() as stack:
        browser = stack.enter_context(chromium()) if args.parity else None
        for name, (model, kind) in models.items():
            row = {"parameters": int(model.count_params())}
            for quantize in QUANTIZATIONS:
                with tempfile.TemporaryDirectory() as folder:
                    convert_to_tfjs(model, Path(folder), quantize)
                    row[f"{quantize}_bytes"] = sum(model_files(Path(folder)).values())
                    if browser is not None:
                        inputs = parity_inputs(kind, tuple(model.inputs[0].shape))
                        parity = measure_parity(
                            keras_outputs(model, inputs), Path(folder), inputs, quantize, browser
                        )
                        row[f"{quantize}_max_abs_diff"] = parity.max_abs_diff
            results[name] = row
            print(name, row, file=sys.stderr)
    print(json.dumps(results, indent=1))
    write_results(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
