"""Command line: ``python -m train gan ...`` and ``python -m train vae ...``.

Options are parsed here (the trainers' settings, one option per config field, are made from the
fields in train/config.py) and validated once there; any user mistake exits with code 2 and a
one-line message, never a traceback. TensorFlow's start-up noise stays hidden unless --verbose.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path

from ..core import layout
from ..core.datasets import LOCAL_ZIP
from ..core.quiet import add_verbose_option, quiet
from . import config as config_module
from .config import (
    GAN_PRESETS,
    VAE_PRESETS,
    ConfigError,
    DataConfig,
    GANConfig,
    VAEConfig,
    add_config_options,
    config_options,
    option_flag,
)
from .data import DataError
from .project_cli import ProjectError, add_project_parser, run_project
from .quality.cli import (
    QualityUsageError,
    add_evaluate_parser,
    add_judge_parser,
    run_evaluate,
    run_judge,
)
from .quality.evaluate import EvaluationError
from .run import Diverged, Interrupted, RunError

GAN_EXAMPLES = f"""\
examples:
  # the CPU-sized DCGAN on the CIFAR-10 frogs of a local zip (about half an hour on 2 cores)
  python -m train gan --preset small --data {LOCAL_ZIP} --class frog

  # a 50-step smoke run you can look at in a minute
  python -m train gan --preset small --data {LOCAL_ZIP} \\
      --class frog --steps 50 --out runs/smoke

  # exactly the book's model and settings, on CIFAR-10 downloaded by Keras (slow on a CPU)
  python -m train gan --preset book --data cifar10 --class frog

  # continue an interrupted run from its last checkpoint (optionally to more steps)
  python -m train gan --resume runs/gan-small-frog --steps 8000

  # data-parallel on the 4 GPUs of this machine (64 images a step, 16 on each)
  python -m train gan --preset small --data {LOCAL_ZIP} \\
      --class frog --devices 4

  # on two machines, the same line on each but its --process-id (0 writes the run folder)
  python -m train gan --preset small --data {LOCAL_ZIP} \\
      --class frog --devices auto --cluster 10.0.0.1:1234,10.0.0.2:1234 --process-id 0
"""

VAE_EXAMPLES = f"""\
examples:
  # the VAE on the same frogs and latent size as the GAN (about 10 minutes on 2 cores)
  python -m train vae --data {LOCAL_ZIP} --class frog

  # a weaker KL term, reached gradually
  python -m train vae --data {LOCAL_ZIP} --class frog \\
      --beta 0.5 --kl-warmup-steps 1000

  # continue an interrupted run
  python -m train vae --resume runs/vae-small-frog
"""


class UsageError(Exception):
    pass


def _run_options(parser: argparse.ArgumentParser) -> None:
    """The options that are not config fields: the data, the run folder, resuming, --verbose."""
    add = parser.add_argument
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
        "(default: frog; several joined by commas, e.g. frog,truck; 'all' for every image)",
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
    cluster = parser.add_argument_group(
        "several machines",
        "data-parallel over machines (one process each, same command but --process-id); "
        "without these options, Keras's KERAS_DISTRIBUTION_JOB_ADDRESSES, "
        "KERAS_DISTRIBUTION_PROCESS_ID or TensorFlow's TF_CONFIG are read if set",
    )
    cluster.add_argument(
        "--cluster",
        default=None,
        metavar="HOST:PORT,...",
        help="every process's address, process 0's first (JAX: process 0's is the "
        "coordinator; TensorFlow: each worker's own)",
    )
    cluster.add_argument(
        "--process-id",
        type=int,
        default=None,
        metavar="I",
        help="this process's place in --cluster, from 0; process 0 writes the run folder",
    )
    add_verbose_option(parser)


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
    _run_options(gan)
    add_config_options(gan, GANConfig, GAN_PRESETS)

    vae = commands.add_parser(
        "vae",
        help="train the VAE",
        epilog=VAE_EXAMPLES,
        formatter_class=formatter,
        description="Train a convolutional VAE; writes the same run folder "
        "as the GAN trainer, with decoder.keras and "
        "encoder.keras.",
    )
    _run_options(vae)
    add_config_options(vae, VAEConfig, VAE_PRESETS)
    add_judge_parser(commands, formatter)
    add_evaluate_parser(commands, formatter)
    add_project_parser(commands, formatter)
    return parser


CONFIGS = {"gan": GANConfig, "vae": VAEConfig}

# What --resume may change: how long to train, how the step is compiled and on how many devices
# (a checkpoint holds plain arrays). Everything else (the model, the data, the optimizer, the
# batches) must stay as the checkpoint was made.
RESUME_MAY_CHANGE = ("steps", "jit_compile", "devices")
NOT_ON_RESUME = {
    "data": "--data",
    "class_name": "--class",
    "max_images": "--max-images",
    "out": "--out",
}


def _refuse_changes_on_resume(args: argparse.Namespace) -> None:
    flags = {item.name: option_flag(item) for item in config_options(CONFIGS[args.kind])}
    given = [
        flag
        for name, flag in {**NOT_ON_RESUME, **flags}.items()
        if name not in RESUME_MAY_CHANGE and getattr(args, name, None) is not None
    ]
    if given:
        raise UsageError(
            f"--resume continues {args.resume} with the settings it was started with, so "
            f"{', '.join(given)} cannot be given (only --steps, --jit/--no-jit and --devices may "
            "change); start a new run with --out to train with other settings"
        )


def resolve(args: argparse.Namespace):
    """The config and run folder the arguments ask for."""
    if args.resume is not None:
        if not (args.resume / layout.CONFIG).exists():
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
    fields = config_options(CONFIGS[args.kind])
    overrides = {item.name: getattr(args, item.name) for item in fields if item.name != "preset"}
    preset = args.preset or CONFIGS[args.kind].preset
    config = config_module.make_config(args.kind, preset, overrides, data)
    out = args.out or Path("runs") / (
        f"{args.kind}-{preset}-{(class_name or 'all').replace(',', '+')}-{time.strftime('%Y%m%d-%H%M%S')}"
    )
    return config, out


def make_task(config, images, replicas=None):
    if config.kind == "gan":
        from .gan_task import GANTask

        return GANTask(config, replicas)
    from .vae import VAETask

    return VAETask(config, images, replicas)


def make_probe(config, images):
    """The judge's quick check for --eval-every, or None."""
    if not config.eval_every:
        return None
    from .quality.evaluate import Judge, QualityProbe

    judge = Judge(config.judge)
    return QualityProbe(judge, images, config.data.class_name, config.latent_dim, seed=config.seed)


def main(argv: list[str] | None = None) -> int:
    began = time.time()  # the session's start in config.json: loading the data is part of it
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet(args.verbose)  # before anything imports TensorFlow
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.kind in ("judge", "evaluate", "project"):
        runner = {"judge": run_judge, "evaluate": run_evaluate, "project": run_project}
        try:
            return runner[args.kind](args)
        except (QualityUsageError, ConfigError, DataError, EvaluationError, ProjectError) as error:
            parser.exit(2, f"{parser.prog} {args.kind}: error: {error}\n")
    lock = None
    try:
        config, run_dir = resolve(args)
        from .cluster import cluster_from
        from .data import load_images
        from .parallel import prepare
        from .run import RunLock, check_run_dir, prepare_run_dir, train

        lock = RunLock()  # the run folder's owner from here to the end of training

        # Before TensorFlow or JAX runs anything: devices are set up and machines join first.
        cluster = cluster_from(args.cluster, args.process_id)
        replicas = prepare(config.devices, cluster, config.batch_size, config.jit_compile)
        # Nothing is written until the data has loaded: a mistyped path leaves no empty run.
        # Only process 0 (the chief) touches the run folder.
        if cluster.chief:
            check_run_dir(run_dir, resume=args.resume is not None)
            if args.resume is not None:  # a live run is refused before the data loads
                lock.acquire(run_dir)
        images = load_images(config.data)
        probe = make_probe(config, images)  # a missing judge stops us before anything is written
        if cluster.chief:
            run_dir = prepare_run_dir(run_dir, resume=args.resume is not None)
            lock.acquire(run_dir)
            if lock.took_over:
                print(
                    f"{run_dir}: its last trainer ({lock.took_over}) was stopped without "
                    "finishing; taking the run over",
                    file=sys.stderr,
                )
        where = f"; {replicas.describe()}" if replicas is not None else ""
        print(
            f"{len(images)} training images from {config.data.source}; run folder: "
            f"{run_dir}{where}",
            file=sys.stderr,
        )
        task = make_task(config, images, replicas)
        if getattr(task.config, "precision_detected", ""):
            print(
                f"precision: {task.config.precision} ({task.config.precision_detected})",
                file=sys.stderr,
            )
        train(
            task,
            run_dir,
            images,
            resume=args.resume is not None,
            probe=probe,
            chief=cluster.chief,
            began=began,
        )
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
    finally:
        if lock is not None:
            lock.release()
    print(f"Done: {run_dir}", file=sys.stderr)
    return 0
