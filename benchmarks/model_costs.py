"""What each preset's networks cost: parameters, multiply-adds an image, and for data-parallel
training the gradient bytes exchanged and the arithmetic per step, on paper.

Counts the convolutions and dense layers (2 FLOP a multiply-add; batch norm, activations and
upsampling copies are left out). A training step of batch B, as the trainer runs it: the
generator forward and backward (3x forward) on B latents, the discriminator forward and backward
on 2B images, and the discriminator forward and backward to its inputs (2x forward) on B; without
``--shared-fakes`` (the book's loop) the generator runs forward once more. A ring all-reduce
moves 2(N-1)/N of the gradients through each device. The speed-ups assume perfect splitting of
the compute and no overlap with communication, from a measured step time on one GPU: the book
GAN's, the median of its logged training speed on an H100 (models/gan-book-frog/metrics.jsonl).

    python benchmarks/model_costs.py [--out benchmarks/results/model-costs.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

from latentwalk.core.layout import CHECKOUT as REPO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras

from latentwalk.train.config import DataConfig, make_config
from latentwalk.train.gan import build_discriminator, build_generator
from latentwalk.train.results_file import add_out_option, write_results
from latentwalk.train.vae import build_decoder, build_encoder

# Bytes per second each way, as sold.
LINKS = {
    "NVLink 4 (450 GB/s)": 450e9,
    "PCIe 4.0 x16 (25 GB/s)": 25e9,
    "100 GbE (12.5 GB/s)": 12.5e9,
    "10 GbE (1.25 GB/s)": 1.25e9,
}
DEVICES = (2, 4, 8)


def multiply_adds(model: keras.Model) -> int:
    """Multiply-adds of the convolutions and dense layers of ``model``, per image."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2DTranspose):
            _, height, width, channels = layer.input.shape
            total += height * width * channels * layer.filters * _kernel_area(layer)
        elif isinstance(layer, keras.layers.Conv2D):
            _, height, width, _ = layer.output.shape
            total += height * width * layer.input.shape[-1] * layer.filters * _kernel_area(layer)
        elif isinstance(layer, keras.layers.Dense):
            total += layer.input.shape[-1] * layer.units
    return total


def _kernel_area(layer) -> int:
    return layer.kernel_size[0] * layer.kernel_size[1]


def trainable(model: keras.Model) -> int:
    return sum(int(keras.ops.size(v)) for v in model.trainable_weights)


def network(model: keras.Model) -> dict:
    macs = multiply_adds(model)
    return {
        "parameters": int(model.count_params()),
        "trainable_parameters": trainable(model),
        "multiply_adds_per_image": macs,
        "mflop_per_image": round(2 * macs / 1e6, 2),
    }


def data_parallel(config, generator: dict, discriminator: dict, step_ms: float | None) -> dict:
    """Gradient bytes, FLOP a step and, given one device's step time, speed-ups on paper."""
    batch = config.batch_size
    g_flop, d_flop = (
        2 * generator["multiply_adds_per_image"],
        2 * discriminator["multiply_adds_per_image"],
    )
    step_flop = batch * g_flop * 3 + 2 * batch * d_flop * 3 + batch * d_flop * 2
    if not config.shared_fakes:
        step_flop += batch * g_flop
    gradients = generator["trainable_parameters"] + discriminator["trainable_parameters"]
    gradient_bytes = 4 * gradients  # float32, under mixed bfloat16 too
    out = {
        "batch_size": batch,
        "shared_fakes": config.shared_fakes,
        "gradients": gradients,
        "gradient_mb": round(gradient_bytes / 1e6, 2),
        "gflop_per_step": round(step_flop / 1e9, 1),
        "flop_per_byte_exchanged": round(step_flop / gradient_bytes),
        "one_gpu_step_ms": step_ms,
        "devices": {},
    }
    for n in DEVICES:
        moved = 2 * (n - 1) / n * gradient_bytes
        row = {"all_reduce_mb_per_device": round(moved / 1e6, 2)}
        for link, bandwidth in LINKS.items():
            seconds = moved / bandwidth
            entry = {"all_reduce_ms": round(1000 * seconds, 3)}
            if step_ms is not None:
                entry["speedup"] = round(step_ms / (step_ms / n + 1000 * seconds), 2)
            row[link] = entry
        if step_ms is not None:
            row["compute_ms_per_device"] = round(step_ms / n, 3)
        out["devices"][str(n)] = row
    return out


def logged_step_ms(run: Path) -> float | None:
    """Milliseconds a step from a run's median logged images/s (training steps only)."""
    metrics, config = run / "metrics.jsonl", run / "config.json"
    if not metrics.exists():
        return None
    with metrics.open() as lines:
        rates = [row["images_per_s"] for row in map(json.loads, lines) if "images_per_s" in row]
    batch = json.loads(config.read_text())["batch_size"]
    return round(1000 * batch / statistics.median(rates), 3) if rates else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n")[-1],
    )
    add_out_option(parser, "model-costs.json")
    args = parser.parse_args(argv)
    data = DataConfig()
    gan = {
        preset: make_config("gan", preset, {}, data) for preset in ("small", "quality-cpu", "book")
    }
    vae = make_config("vae", "small", {}, data)
    networks = {
        f"{preset} generator": network(build_generator(config)) for preset, config in gan.items()
    }
    networks |= {
        f"{preset} discriminator": network(build_discriminator(gan[preset]))
        for preset in ("small", "book")
    }
    networks["vae decoder"] = network(build_decoder(vae))
    networks["vae encoder"] = network(build_encoder(vae))
    shipped = networks["quality-cpu generator"]["multiply_adds_per_image"]
    results = {
        "networks": networks,
        # The shipped GAN (models/gan-frog) is the quality-cpu preset's generator.
        "book_generator_cost_over_shipped": round(
            networks["book generator"]["multiply_adds_per_image"] / shipped, 1
        ),
        "data_parallel": {
            "small": data_parallel(
                gan["small"], networks["small generator"], networks["small discriminator"], None
            ),
            "book": data_parallel(
                gan["book"],
                networks["book generator"],
                networks["book discriminator"],
                logged_step_ms(REPO / "models" / "gan-book-frog"),
            ),
        },
    }
    print(json.dumps(results, indent=1))
    write_results(args.out, results, argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
