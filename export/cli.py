"""Command line: ``python -m export RUN_DIR_OR_MODEL --out DIR`` and ``python -m export site ...``.

Every mistake a user can fix (a wrong path, a run still training, an existing output folder, a
conversion that fails its browser check) exits with code 2 and one readable line.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

from ..core import layout
from ..core.datasets import BY_ID, DEFAULT_DATASET
from ..core.quiet import add_verbose_option, quiet
from .errors import ExportError
from .interrupts import ExportInterrupted, StopRequests
from .site_datasets import SITE_MODELS

EXPORT_DESCRIPTION = """\
Convert a trained model to a TensorFlow.js graph model and prove it in headless Chromium: the
same latents through Keras and TF.js 4.22.0 (cpu backend) must agree to 1e-4 (--quantize none)
or 1e-2 (float16); the uint8 figure is reported. Writes DIR/<role>/ (model.json, weights,
manifest.json, <role>.keras) for each model, plus the run's config.json, metrics.jsonl and
samples.png. (`python -m export site --help` builds the static web demo.)
"""

SITE_DESCRIPTION = """\
Build the static web demo: web_demo/'s page and scripts, TensorFlow.js from web_demo/node_modules
(npm ci --prefix web_demo), and the exported models with their manifests, for one data set
(--gan/--vae: the frogs) or several (--dataset, repeated), each with its measured verdict
(models/figures/tears-<id>.json from models/recipes/measure_tears.py) when there is one. The folder works
from any static file server, offline: no request leaves its origin; `python -m export serve`
also sends the cross-origin isolation headers that let the wasm backend use threads.
"""

EXPORT_EXAMPLES = """\
examples:
  # a GAN run's generator -> TF.js (float16 weights), checked in headless Chromium
  python -m export runs/gan-small-frog --out models/gan-frog

  # a VAE run's decoder and encoder, full-precision weights, replacing an older export
  python -m export runs/vae-small-frog --out models/vae-frog --quantize none --force

  # a single Keras model file (its kind is read from its shapes)
  python -m export runs/gan-small-frog/generator.keras --out /tmp/gan-export

  # then build the static site (see: python -m export site --help)
  python -m export site --gan models/gan-frog --vae models/vae-frog --out site
"""

SITE_EXAMPLES = """\
examples:
  python -m export site --gan models/gan-frog --vae models/vae-frog --out site
  python -m export serve site --port 8000    # then open http://localhost:8000/

  # the frogs, two classes and ten classes, opening on two classes (what `make site` builds)
  python -m export site --dataset frog models/gan-frog models/vae-frog \\
    --dataset frog-automobile models/gan-frog-automobile models/vae-frog-automobile \\
    --dataset cifar10 models/gan-cifar10 models/vae-cifar10 \\
    --default-dataset frog-automobile --out site --force
  python -m export serve site --port 8000         # with the headers for wasm threads
"""


def exit_interrupted(message: str) -> None:
    """Leave with code 130 at once: the staging folder is already gone, and Python's shutdown
    (seconds, with TensorFlow loaded) puts the default Ctrl-C handler back, so a second Ctrl-C
    during it would kill the process by the signal (exit -2) instead."""
    print(message, file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(130)


def build_export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m export",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXPORT_EXAMPLES,
        description=EXPORT_DESCRIPTION,
    )
    parser.add_argument(
        "source",
        type=Path,
        metavar="RUN_DIR_OR_MODEL",
        help="a run folder from `python -m train` (GAN: its generator; VAE: its decoder and "
        "encoder) or one .keras file, whose kind is inferred from its shapes: latent -> "
        "image is a generator (a VAE decoder if the model is named 'decoder'), image -> "
        "[z_mean, z_log_var] is a VAE encoder",
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="export folder to create"
    )
    parser.add_argument(
        "--quantize",
        choices=("none", "float16", "uint8"),
        default="float16",
        help="how the weights are stored (default: float16, half the download)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace DIR if it exists (only once the new export is complete)",
    )
    parser.add_argument(
        "--no-rewrite",
        dest="rewrite",
        action="store_false",
        help="export the generator's graph as Keras traces it, without turning its 2x "
        "upsamplings into sub-pixel convolutions (the same function, several times faster in "
        "TF.js's wasm backend; see export/subpixel.py)",
    )
    parser.add_argument(
        "--kind",
        choices=layout.MODEL_KINDS,
        default=None,
        help="for a single .keras file: say what it is instead of inferring it",
    )
    add_verbose_option(parser)
    return parser


def build_site_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m export site",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=SITE_EXAMPLES,
        description=SITE_DESCRIPTION,
    )
    for model_id, (_, help_text) in SITE_MODELS.items():
        parser.add_argument(f"--{model_id}", type=Path, default=None, metavar="DIR", help=help_text)
    parser.add_argument(
        "--dataset",
        dest="datasets",
        action="append",
        nargs=3,
        default=[],
        metavar=("ID", "GAN_DIR", "VAE_DIR"),
        help=f"a data set's GAN and VAE export folders; repeat for more. ID is one of "
        f"{', '.join(BY_ID)} (core/datasets.py); the page offers a choice between them",
    )
    parser.add_argument(
        "--default-dataset",
        dest="default",
        metavar="ID",
        default=None,
        help=f"the data set the page opens on (default: {DEFAULT_DATASET} when the site has "
        "it, else the first)",
    )
    parser.add_argument(
        "--figures",
        type=Path,
        default=None,
        metavar="DIR",
        help="where each data set's measured figures are, as tears-<id>.json "
        "(default: models/figures); a data set without one shows no verdict",
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar="SITE", help="site folder to create"
    )
    parser.add_argument("--force", action="store_true", help="replace SITE if it exists")
    add_verbose_option(parser)
    return parser


def site_summary(index: dict) -> str:
    """e.g. "frogs: DCGAN (...), VAE (...), verdict measured; ten classes (opens here): ...,
    no measured verdict" for the line that ends a site build."""
    parts = []
    for dataset in index["datasets"]:
        labels = [m["label"] for m in index["models"] if m["dataset"] == dataset["id"]]
        opens = " (opens here)" if dataset["id"] == index["default_dataset"] else ""
        verdict = "verdict measured" if dataset["tears"] else "no measured verdict"
        parts.append(f"{dataset['short']}{opens}: {', '.join(labels)}, {verdict}")
    return "; ".join(parts)


def build_serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m export serve",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve a built site on this machine with the cross-origin isolation "
        "headers its _headers file asks for (Cross-Origin-Opener-Policy and "
        "-Embedder-Policy), so TensorFlow.js's wasm backend may use threads.",
        epilog="example:\n  python -m export serve site --port 8000   # then open "
        "http://localhost:8000/",
    )
    parser.add_argument("site", type=Path, metavar="SITE", help="a folder from `export site`")
    parser.add_argument(
        "--port",
        type=port_number,
        default=8000,
        help="0 to 65535 (0: any free port; default: 8000)",
    )
    return parser


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(text)


def disk_error(error: OSError, out: Path) -> str:
    return f"cannot write {layout.os_error_words(error)}; nothing was written ({out} is as it was)"


def _serve_main(argv: list[str]) -> int:
    parser = build_serve_parser()
    args = parser.parse_args(argv)
    from .browser import serve_folder

    if not (args.site / "index.html").exists():
        parser.exit(2, f"{parser.prog}: error: {args.site} is not a built site (no index.html)\n")
    try:
        with serve_folder(args.site, isolated=True, port=args.port) as url:
            print(f"Serving {args.site} at {url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
            threading.Event().wait()
    except OSError as error:
        parser.exit(2, f"{parser.prog}: error: cannot serve on port {args.port}: {error}\n")
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["site"]:
        return _site_main(argv[1:])
    if argv[:1] == ["serve"]:
        return _serve_main(argv[1:])
    parser = build_export_parser()
    args = parser.parse_args(argv)
    quiet(args.verbose)  # before anything imports TensorFlow
    from .exporter import export

    try:
        with StopRequests() as stop:
            manifests = export(
                args.source,
                args.out,
                quantize=args.quantize,
                force=args.force,
                kind=args.kind,
                rewrite=args.rewrite,
                log=lambda message: print(message, file=sys.stderr, flush=True),
                stop=stop.check,
            )
    except ExportError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    except OSError as error:  # a full or read-only disk, say: the old export stays
        parser.exit(2, f"{parser.prog}: error: {disk_error(error, args.out)}\n")
    except ExportInterrupted as error:
        exit_interrupted(f"{parser.prog}: {error}: nothing was written ({args.out} is as it was)")
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: aborted: nothing was written\n")
    if stop.requested:
        print(f"({stop.requested} came as the export was moved into place: it is complete)")
    for role, manifest in manifests.items():
        print(
            f"{role}: {manifest['total_bytes']:,} bytes, max |Keras - TF.js| "
            f"{manifest['parity']['max_abs_diff']:.3g}",
            file=sys.stderr,
        )
    print(f"Done: {args.out}", file=sys.stderr)
    return 0


def _site_main(argv: list[str]) -> int:
    parser = build_site_parser()
    args = parser.parse_args(argv)
    quiet(args.verbose)
    from .site import build_site
    from .site_datasets import FIGURES

    try:
        with StopRequests() as stop:
            index = build_site(
                args.out,
                **{model_id: getattr(args, model_id) for model_id in SITE_MODELS},
                force=args.force,
                stop=stop.check,
                datasets=[(d, Path(g), Path(v)) for d, g, v in args.datasets],
                default=args.default,
                figures=FIGURES if args.figures is None else args.figures,
            )
    except ExportError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    except OSError as error:  # a full or read-only disk, say: the old export stays
        parser.exit(2, f"{parser.prog}: error: {disk_error(error, args.out)}\n")
    except ExportInterrupted as error:
        exit_interrupted(f"{parser.prog}: {error}: nothing was written ({args.out} is as it was)")
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: aborted: nothing was written\n")
    print(
        f"Done: {args.out} ({site_summary(index)}); serve it with: python -m export serve "
        f"{args.out} (any static server works; this one sends the cross-origin isolation "
        "headers that let the wasm backend use threads)",
        file=sys.stderr,
    )
    return 0
