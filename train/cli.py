"""Command line: ``python -m train gan ...`` and ``python -m train vae ...``.

Options are parsed here and validated once in train/config.py; any user mistake exits with code 2
and a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time
from pathlib import Path

from latentwalk.train import config as config_module
from latentwalk.train.config import ConfigError, DataConfig, GAN_PRESETS, VAE_PRESETS
from latentwalk.train.data import DataError
from latentwalk.train.evaluate import EvaluationError
from latentwalk.train.cli_quality import (
    QualityUsageError,
    add_evaluate_parser,
    add_judge_parser,
    run_evaluate,
    run_judge,
)
from latentwalk.train.run import Diverged, Interrupted, RunError

GAN_EXAMPLES = """\
examples:
  # the CPU-sized DCGAN on the CIFAR-10 frogs of a local zip (about an hour on 2 cores)
  python -m train gan --preset small --data ../shared/data/cifar10-train-jpeg.zip --class frog

  # a 50-step smoke run you can look at in a minute
  python -m train gan --preset small --data ../shared/data/cifar10-train-jpeg.zip \\
      --class frog --steps 50 --out runs/smoke

  # exactly the book's model and settings, on CIFAR-10 downloaded by Keras (slow on a CPU)
  python -m train gan --preset book --data cifar10 --class frog

  # continue an interrupted run from its last checkpoint (optionally to more steps)
  python -m train gan --resume runs/gan-small-frog --steps 8000
"""

VAE_EXAMPLES = """\
examples:
  # the VAE on the same frogs and latent size as the GAN (under 30 minutes on 2 cores)
  python -m train vae --data ../shared/data/cifar10-train-jpeg.zip --class frog

  # a weaker KL term, reached gradually
  python -m train vae --data ../shared/data/cifar10-train-jpeg.zip --class frog \\
      --beta 0.5 --kl-warmup-steps 1000

  # continue an interrupted run
  python -m train vae --resume runs/vae-small-frog
"""


class UsageError(Exception):
    pass


def _common_options(parser: argparse.ArgumentParser, presets: dict) -> None:
    add = parser.add_argument
    add(
        "--preset",
        default=None,
        choices=sorted(presets),
        help="starting settings (default: small); other options override them",
    )
    add(
        "--data",
        default=None,
        help="'cifar10' (downloaded by Keras), an image folder or .zip laid out as "
        "<class>/<image>, or a .npz with 'x' (and 'y') arrays (default: cifar10)",
    )
    add(
        "--class",
        dest="class_name",
        default=None,
        help="CIFAR-10 class name or index, or the folder name in a <class>/<image> layout "
        "(default: frog; 'all' for every image)",
    )
    add("--max-images", type=int, default=None, help="use at most this many images")
    add(
        "--out",
        type=Path,
        default=None,
        help="run folder to create (default: runs/<kind>-<preset>-<class>-<time>)",
    )
    add(
        "--resume",
        type=Path,
        default=None,
        metavar="RUN_DIR",
        help="continue RUN_DIR from its last checkpoint, with its saved settings",
    )
    add("--steps", type=int, default=None, help="total training steps")
    add("--batch-size", type=int, default=None)
    add("--latent-dim", type=int, default=None, help="latent vector size (default: 32)")
    add("--seed", type=int, default=None, help="random seed; the same seed repeats a CPU run")
    add("--sample-every", type=int, default=None, help="write a sample grid every N steps")
    add("--checkpoint-every", type=int, default=None, help="save a checkpoint every N steps")
    add("--log-every", type=int, default=None, help="append to metrics.jsonl every N steps")
    add(
        "--eval-every",
        type=int,
        default=None,
        help="every N steps, grade 1,000 samples with the judge (KID, class rate) into "
        "metrics.jsonl and TensorBoard (default: 0, never)",
    )
    add("--judge", default=None, help="judge folder for --eval-every (default: models/judge)")
    add(
        "--jit",
        dest="jit_compile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="compile the TensorFlow training step with XLA (default: off, slower on the 2-core "
        "CPU we measured; the JAX backend always compiles)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m train",
        description="Train the DCGAN of Deep Learning with Python (section 8.5), or a VAE with "
        "the same latent size on the same images.",
    )
    commands = parser.add_subparsers(dest="kind", required=True, metavar="{gan,vae,judge,evaluate}")
    formatter = argparse.RawDescriptionHelpFormatter

    gan = commands.add_parser(
        "gan",
        help="train the DCGAN",
        epilog=GAN_EXAMPLES,
        formatter_class=formatter,
        description="Train the DCGAN; writes a run folder with config.json,"
        " checkpoints, sample grids, metrics.jsonl, TensorBoard"
        " scalars and generator.keras.",
    )
    _common_options(gan, GAN_PRESETS)
    add = gan.add_argument
    add("--optimizer", choices=("rmsprop", "adam"), default=None)
    add(
        "--precision",
        choices=("float32", "mixed_bfloat16"),
        default=None,
        help="compute precision (default: float32); mixed_bfloat16 is faster on CPUs with AMX "
        "and on GPUs; the saved generator is float32 either way",
    )
    add("--d-learning-rate", type=float, default=None, help="discriminator learning rate")
    add("--g-learning-rate", type=float, default=None, help="generator learning rate")
    add("--clipvalue", type=float, default=None, help="clip gradients to +-this value")
    add("--label-noise", type=float, default=None, help="label noise amplitude (book: 0.05)")
    add("--dropout", type=float, default=None, help="discriminator dropout (book: 0.4)")
    add(
        "--auto-balance",
        action="store_const",
        const=True,
        default=None,
        help="when the discriminator dominates, halve its learning rate and raise its dropout",
    )
    add(
        "--upsample",
        choices=("transpose", "subpixel", "resize"),
        default=None,
        help="generator upsampling (small/tiny): transposed conv (default), sub-pixel conv, or "
        "nearest resize + conv",
    )
    add("--generator-width", type=int, default=None, help="generator channels after projection")
    add(
        "--spectral-norm",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="spectral normalisation in the discriminator",
    )
    add("--loss", choices=("bce", "hinge"), default=None, help="adversarial loss (default: bce)")
    add(
        "--diffaugment",
        default=None,
        metavar="POLICY",
        help="augment the discriminator's inputs: translation, cutout and/or color, e.g. "
        "'translation,cutout,color' (default: none)",
    )
    add("--ema-decay", type=float, default=None, help="EMA of generator weights (default: off)")
    add(
        "--balance-window",
        type=int,
        default=None,
        help="steps per window when checking whether the discriminator dominates",
    )

    vae = commands.add_parser(
        "vae",
        help="train the VAE",
        epilog=VAE_EXAMPLES,
        formatter_class=formatter,
        description="Train a convolutional VAE; writes the same run folder "
        "as the GAN trainer, with decoder.keras and "
        "encoder.keras.",
    )
    _common_options(vae, VAE_PRESETS)
    add = vae.add_argument
    add("--learning-rate", type=float, default=None)
    add("--beta", type=float, default=None, help="weight of the KL term (default: 1)")
    add(
        "--kl-warmup-steps",
        type=int,
        default=None,
        help="steps over which the KL weight ramps up from 0 to beta",
    )
    add_judge_parser(commands, formatter)
    add_evaluate_parser(commands, formatter)
    return parser


OPTION_FIELDS = {
    "gan": (
        "steps",
        "batch_size",
        "latent_dim",
        "seed",
        "sample_every",
        "checkpoint_every",
        "log_every",
        "eval_every",
        "judge",
        "jit_compile",
        "precision",
        "optimizer",
        "d_learning_rate",
        "g_learning_rate",
        "clipvalue",
        "label_noise",
        "dropout",
        "auto_balance",
        "balance_window",
        "upsample",
        "generator_width",
        "spectral_norm",
        "loss",
        "diffaugment",
        "ema_decay",
    ),
    "vae": (
        "steps",
        "batch_size",
        "latent_dim",
        "seed",
        "sample_every",
        "checkpoint_every",
        "log_every",
        "eval_every",
        "judge",
        "jit_compile",
        "learning_rate",
        "beta",
        "kl_warmup_steps",
    ),
}


# What --resume may change: how long to train and how the step is compiled. Everything else
# (the model, the data, the optimizer, the batches) must stay as the checkpoint was made.
RESUME_MAY_CHANGE = ("steps", "jit_compile")
NOT_ON_RESUME = ("preset", "data", "class_name", "max_images", "out")


def _refuse_changes_on_resume(args: argparse.Namespace) -> None:
    given = [
        name
        for name in (*NOT_ON_RESUME, *OPTION_FIELDS[args.kind])
        if name not in RESUME_MAY_CHANGE and getattr(args, name, None) is not None
    ]
    if given:
        options = ", ".join(
            "--" + ("class" if n == "class_name" else n.replace("_", "-")) for n in given
        )
        raise UsageError(
            f"--resume continues {args.resume} with the settings it was started with, so "
            f"{options} cannot be given (only --steps and --jit/--no-jit may change); start a "
            "new run with --out to train with other settings"
        )


def resolve(args: argparse.Namespace):
    """The config and run folder the arguments ask for."""
    if args.resume is not None:
        if not (args.resume / "config.json").exists():
            raise UsageError(f"cannot resume {args.resume}: no config.json there")
        _refuse_changes_on_resume(args)
        config = config_module.load(args.resume)
        if config.kind != args.kind:
            raise UsageError(f"{args.resume} is a {config.kind} run, not a {args.kind} run")
        runtime = {key: getattr(args, key) for key in RESUME_MAY_CHANGE}
        runtime = {key: value for key, value in runtime.items() if value is not None}
        if runtime:
            config = dataclasses.replace(config, **runtime)
            config_module.validate(config)
        return config, args.resume
    class_name = args.class_name or "frog"
    class_name = None if class_name == "all" else class_name
    data = DataConfig(
        source=args.data or "cifar10", class_name=class_name, max_images=args.max_images
    )
    overrides = {name: getattr(args, name) for name in OPTION_FIELDS[args.kind]}
    preset = args.preset or "small"
    config = config_module.make_config(args.kind, preset, overrides, data)
    out = args.out or Path("runs") / (
        f"{args.kind}-{preset}-{class_name or 'all'}-{time.strftime('%Y%m%d-%H%M%S')}"
    )
    return config, out


def make_task(config, images):
    if config.kind == "gan":
        from latentwalk.train.gan_task import GANTask

        return GANTask(config)
    from latentwalk.train.vae import VAETask

    return VAETask(config, images)


def make_probe(config, images):
    """The judge's quick check for --eval-every, or None."""
    if not config.eval_every:
        return None
    from latentwalk.train.evaluate import Judge, QualityProbe

    judge = Judge(config.judge)
    return QualityProbe(judge, images, config.data.class_name, config.latent_dim, seed=config.seed)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.kind in ("judge", "evaluate"):
        try:
            return run_judge(args) if args.kind == "judge" else run_evaluate(args)
        except (QualityUsageError, ConfigError, DataError, EvaluationError) as error:
            parser.exit(2, f"{parser.prog} {args.kind}: error: {error}\n")
    try:
        config, run_dir = resolve(args)
        from latentwalk.train.data import load_images
        from latentwalk.train.run import check_run_dir, prepare_run_dir, train

        # Nothing is written until the data has loaded: a mistyped path leaves no empty run.
        check_run_dir(run_dir, resume=args.resume is not None)
        images = load_images(config.data)
        probe = make_probe(config, images)  # a missing judge stops us before anything is written
        run_dir = prepare_run_dir(run_dir, resume=args.resume is not None)
        print(
            f"{len(images)} training images from {config.data.source}; run folder: {run_dir}",
            file=sys.stderr,
        )
        task = make_task(config, images)
        train(task, run_dir, images, resume=args.resume is not None, probe=probe)
    except (UsageError, ConfigError, DataError, RunError, EvaluationError) as error:
        parser.exit(2, f"{parser.prog} {args.kind}: error: {error}\n")
    except Diverged as error:
        parser.exit(1, f"{parser.prog} {args.kind}: error: {error}\n")
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog} {args.kind}: aborted without saving this step\n")
    except Interrupted as stop:
        print(
            f"Stopped at step {stop.step}. Continue with: "
            f"python -m train {args.kind} --resume {run_dir}",
            file=sys.stderr,
        )
        return 130
    print(f"Done: {run_dir}", file=sys.stderr)
    return 0
