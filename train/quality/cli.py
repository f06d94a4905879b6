"""Command line for quality: ``python -m train judge ...`` and ``python -m train evaluate ...``.

As in train/cli.py, every user mistake exits with code 2 and a one-line message, never a
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import warnings
from pathlib import Path

from ...core import layout
from ...core.datasets import LOCAL_ZIP
from ...core.quiet import add_verbose_option
from . import quality_file

JUDGE_EXAMPLES = f"""\
examples:
  # the shipped judge: all ten CIFAR-10 classes of the local zip (about 18 minutes on 2 cores)
  python -m train judge --data {LOCAL_ZIP} --out models/judge

  # a quick look at the recipe on a fifth of the data
  python -m train judge --data {LOCAL_ZIP} --max-images 10000 \\
      --epochs 4 --out runs/judge-quick
"""

EVALUATE_EXAMPLES = """\
examples:
  # the shipped models against the real frogs, with the shipped judge
  python -m train evaluate models/gan-frog models/vae-frog

  # a run folder, fewer samples, and the JSON somewhere else
  python -m train evaluate runs/gan-small-frog --samples 2000 --json runs/gan-quality.json

  # the real-image floor alone (held-out frogs against the judge's training frogs)
  python -m train evaluate --real-only --class frog

  # the truncation trick: precision and recall at lower latent temperatures
  python -m train evaluate models/gan-frog --temperature 1 0.9 0.8 --json runs/temperature.json

  # after retraining a shipped model: write its new figures into models/gan-frog/quality.json
  python -m train evaluate models/gan-frog --write-shipped
"""

MAX_SAMPLES = 50_000  # evaluate --samples: the papers' FID-50k; memory grows with it


class QualityUsageError(Exception):
    pass


PRIOR = (1.0,)  # the temperatures evaluate grades unless told: the prior N(0, I) alone


def add_judge_parser(commands, formatter) -> None:
    from ..config import JUDGE_PRESETS, JudgeConfig, add_config_options

    judge = commands.add_parser(
        "judge",
        help="train the CIFAR-10 judge network used to grade models",
        epilog=JUDGE_EXAMPLES,
        formatter_class=formatter,
        description="Train the in-domain judge: a CIFAR-10 classifier on all classes, with a "
        "fixed 10% of each class held out. Writes judge.keras, config.json (recipe, held-out "
        "and per-class accuracy, data hashes) and history.jsonl into --out.",
    )
    add_config_options(judge, JudgeConfig, JUDGE_PRESETS)
    add = judge.add_argument
    add("--out", type=Path, default=Path("models/judge"), help="(default: %(default)s)")
    add("--force", action="store_true", help="replace --out if it already holds a judge")
    add_verbose_option(judge)


def run_judge(args: argparse.Namespace) -> int:
    from ..config import JudgeConfig, config_options, make_judge_config
    from ..data import load_labelled_images
    from .judge import JudgeInterrupted, train_judge

    out = args.out
    if out.exists() and not out.is_dir():
        raise QualityUsageError(f"--out {out} is a file, not a folder")
    if out.exists() and any(out.iterdir()) and not args.force:
        what = "a judge" if (out / layout.JUDGE_MODEL).exists() else "files"
        raise QualityUsageError(
            f"{out} already holds {what}: pass --force to replace it, or choose another --out"
        )
    fields = config_options(JudgeConfig)
    overrides = {item.name: getattr(args, item.name) for item in fields if item.name != "preset"}
    config = make_judge_config(args.preset or JudgeConfig.preset, overrides)
    data = config.data_source
    images, labels, class_names = load_labelled_images(data, config.max_images)
    if len(class_names) < 2:
        raise QualityUsageError(f"{data} has one class only: a judge needs two or more")
    print(
        f"{len(images)} images in {len(class_names)} classes from {data}; judge folder: {out}",
        file=sys.stderr,
    )
    data_file = Path(data) if Path(data).is_file() else None
    try:
        summary = train_judge(config, images, labels, class_names, out, data_file)
    except JudgeInterrupted:
        print(f"Stopped: nothing was written to {out}.", file=sys.stderr)
        return 130
    except ValueError as error:
        raise QualityUsageError(str(error)) from None
    except OSError as error:
        raise QualityUsageError(
            f"cannot write the judge ({layout.os_error_words(error)}): nothing was written "
            f"({out} is as it was)"
        ) from None
    scored = [item for item in summary["heldout_accuracy_by_class"].items() if item[1] is not None]
    worst = min(scored, key=lambda item: item[1])
    print(
        f"Done: {out} — held-out accuracy {summary['heldout_accuracy']:.2%} "
        f"({summary['split']['heldout_images']} images; weakest class {worst[0]} "
        f"{worst[1]:.1%}) in {summary['training_seconds'] / 60:.1f} min",
        file=sys.stderr,
    )
    return 0


def add_evaluate_parser(commands, formatter) -> None:
    evaluate = commands.add_parser(
        "evaluate",
        help="grade generators and VAE decoders with the judge (FID, KID, precision, recall)",
        epilog=EVALUATE_EXAMPLES,
        formatter_class=formatter,
        description="Grade each MODEL (run folder, shipped or export folder, or .keras file) "
        "with the judge: FID, KID, precision/recall, class rate and nearest-training-image "
        "distances of prior samples against the real images of the model's class, beside the "
        "same figures for the judge's held-out real images. Prints a table; writes "
        "quality.json into each model's folder (or everything into --json). A shipped model's "
        "quality.json (under models/, tracked) is written only where it is missing or with "
        "--write-shipped: otherwise it is left as it is, and the log says whether the new "
        "figures agree with it within their noise or which ones moved.",
    )
    add = evaluate.add_argument
    add("models", nargs="*", type=Path, metavar="MODEL")
    add("--judge", type=Path, default=None, help="judge folder (default: models/judge)")
    add(
        "--samples",
        type=int,
        default=5000,
        help=f"samples per model (default: %(default)s, at most {MAX_SAMPLES:,})",
    )
    add("--data", default=None, help="real images (default: the model's training data)")
    add("--class", dest="class_name", default=None, help="class (default: the model's)")
    add(
        "--seed",
        type=int,
        default=0,
        help="seed of the latents and KID subsets (default: %(default)s)",
    )
    add(
        "--temperature",
        type=float,
        nargs="+",
        default=list(PRIOR),
        metavar="T",
        help="grade latents from N(0, T² I) as well as, or instead of, the prior (1): below 1, "
        "the truncation trick, which trades recall for precision; several values grade each "
        "model at each (needs --json; default: 1, the prior alone)",
    )
    add(
        "--json",
        type=Path,
        default=None,
        metavar="FILE",
        help="write all results to this one file instead (checked before grading starts)",
    )
    add(
        "--write-shipped",
        action="store_true",
        help="rewrite a shipped model's quality.json (models/*/quality.json) with the new "
        "figures, even when they differ from it only by float noise; without this it is left "
        "as it is",
    )
    add("--real-only", action="store_true", help="grade the real held-out images only")
    add_verbose_option(evaluate)


def _data_source(model, args, judge) -> str:
    candidates = [
        args.data,
        model.data_source if model else None,
        judge.config["recipe"].get("data_source"),
    ]
    for source in candidates:
        if source and (source.lower() in ("cifar10", "cifar-10") or Path(source).exists()):
            return source
    named = args.data or (model.data_source if model else None)
    raise QualityUsageError(
        f"cannot find the real images{f' ({named})' if named else ''}: pass --data with the "
        "CIFAR-10 zip, folder or .npz the model was trained on"
    )


@contextlib.contextmanager
def warnings_as_lines():
    """Python warnings raised while grading (a judge trained on other images, a generator
    outside [-1, 1]) as one line each, ``warning: ...``, once each: not Python's form with a
    source path and line."""

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"warning: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("default", UserWarning)
        warnings.showwarning = show
        yield


def run_evaluate(args: argparse.Namespace) -> int:
    with warnings_as_lines():
        return _run_evaluate(args)


def _run_evaluate(args: argparse.Namespace) -> int:
    import json

    from .evaluate import (
        Judge,
        evaluate_model,
        find_model,
        format_table,
        real_floor,
        real_split,
    )

    if not args.models and not args.real_only:
        raise QualityUsageError("name at least one MODEL folder (or pass --real-only)")
    if not 10 <= args.samples <= MAX_SAMPLES:
        raise QualityUsageError(
            f"--samples must be from 10 to {MAX_SAMPLES:,} (FID-50k, the papers' count; the "
            "distances to the real images grow with it)"
        )
    temperatures = tuple(dict.fromkeys(args.temperature))
    if not all(math.isfinite(t) and t > 0 for t in temperatures):
        raise QualityUsageError("--temperature must be positive (1 is the prior)")
    if temperatures != PRIOR and args.json is None:
        raise QualityUsageError(
            "--temperature other than 1 needs --json: a model's quality.json holds its prior's "
            "grades"
        )
    # Every path checked before any work: grading takes minutes, a mistyped path none.
    if args.json is not None and (reason := quality_file.unwritable(args.json)) is not None:
        raise QualityUsageError(f"--json {args.json} {reason}")
    models = [find_model(path) for path in args.models]
    if args.json is None:
        _check_quality_targets(models, args.write_shipped)
    judge = Judge(args.judge)
    splits, floors, rows, results = {}, {}, [], []

    def split_for(model):
        class_name = args.class_name or (model.class_name if model else None)
        if class_name is None:
            raise QualityUsageError(
                f"{model.name if model else 'the real images'}: no class known; pass --class"
            )
        source = _data_source(model, args, judge)
        key = (source, class_name)
        if key not in splits:
            splits[key] = real_split(judge, source, class_name)
            floors[key] = real_floor(judge, splits[key])
        return key

    for model in models:
        key = split_for(model)
        graded = evaluate_model(judge, model, splits[key], args.samples, args.seed, temperatures)
        for result in graded:
            result.update(data=key[0], class_name=splits[key].class_name, real_floor=floors[key])
            result["path"] = quality_file.shown(model.path)
            results.append(result)
            name = (
                model.name if temperatures == PRIOR else f"{model.name} T={result['temperature']:g}"
            )
            rows.append((name, result))
    if args.real_only or not models:
        split_for(None)
    for key, split in splits.items():
        rows.append((f"real held-out {split.class_name}", floors[key]))
    print(format_table(rows))
    judge_info = {
        "folder": quality_file.shown(judge.folder),
        "heldout_accuracy": judge.config.get("heldout_accuracy"),
        "feature_dim": judge.feature_dim,
    }
    if args.json is not None:
        floors_out = [
            {"data": key[0], "class_name": split.class_name, **floors[key]}
            for key, split in splits.items()
        ]
        payload = {"judge": judge_info, "models": results, "real": floors_out}
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(payload, indent=2) + "\n")
        except OSError as error:
            raise QualityUsageError(f"cannot write --json {args.json} ({_reason(error)})") from None
        print(f"wrote {args.json}", file=sys.stderr)
    else:
        for model, result in zip(models, results, strict=True):
            target = quality_file.quality_path(model.path)
            try:
                said = quality_file.write(
                    target, {"judge": judge_info, **result}, args.write_shipped
                )
            except OSError as error:
                raise QualityUsageError(
                    f"cannot write {target} ({_reason(error)}): pass --json with a writable path"
                ) from None
            print(said, file=sys.stderr)
    return 0


def _check_quality_targets(models, write_shipped: bool) -> None:
    """Each model's quality.json can be written where it will be (a shipped one that exists is
    written only with --write-shipped)."""
    for model in models:
        target = quality_file.quality_path(model.path)
        kept = quality_file.is_shipped(target) and target.is_file() and not write_shipped
        if not kept and (reason := quality_file.unwritable(target)) is not None:
            raise QualityUsageError(
                f"cannot write {target} ({reason}): pass --json with a writable path"
            )


_reason = layout.os_reason
