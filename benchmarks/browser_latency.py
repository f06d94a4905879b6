"""Milliseconds to generate a batch of images in the web demo, per model x backend x batch size,
measured in headless Chromium on the real page (web_demo/ built into a site with the models).

A batch is timed on the page's main thread from the request to the pixels back from the
inference workers, which is what a person waits for: on one worker ("workers": 1) and on all the
page's workers (one per core). With --compare-graphs the same Keras models are also exported
as Keras traces them (``--no-rewrite``: transposed convolutions, upsampling + convolution) and
timed in the same run, interleaved, beside the exporter's sub-pixel rewrite.

Each figure is the median of --runs timed batches after --warmup untimed ones. Prints one JSON
line per measurement; a backend that cannot start in this browser gets one line saying so.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
from pathlib import Path

from latentwalk.core.layout import CHECKOUT as REPO
from latentwalk.train.results_file import add_out_option, write_results

DEFAULT_GAN = REPO / "models" / "gan-frog"
DEFAULT_VAE = REPO / "models" / "vae-frog"
BACKENDS = ("wasm", "webgl", "cpu")

EXAMPLES = """\
examples:
  # the shipped models (models/gan-frog, models/vae-frog), every backend, batches of 1 and 64
  python benchmarks/browser_latency.py

  # before/after the export's sub-pixel rewrite, wasm, one run (builds both sites)
  python benchmarks/browser_latency.py --compare-graphs --backends wasm

  # a site you built yourself, wasm only, more runs
  python -m export site --gan models/gan-frog --vae models/vae-frog --out site
  python benchmarks/browser_latency.py --site site --backends wasm --runs 20
"""


class UsageError(Exception):
    pass


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/browser_latency.py",
        description=__doc__.split("\n\n")[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--site",
        type=Path,
        default=None,
        help="a built site folder (default: build one in a temporary folder "
        "from models/gan-frog and models/vae-frog)",
    )
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated, from wasm, webgl, cpu (default: all three)",
    )
    parser.add_argument("--batches", default="1,64", help="batch sizes (default: 1,64)")
    parser.add_argument("--runs", type=int, default=10, help="timed batches each (default: 10)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed batches first (default: 3)")
    parser.add_argument(
        "--compare-graphs",
        action="store_true",
        help="also time the shipped models exported without the sub-pixel rewrite",
    )
    add_out_option(parser, "browser-latency.json")
    args = parser.parse_args(argv)
    try:
        args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
        args.batches = [int(b) for b in args.batches.split(",") if b.strip()]
    except ValueError:
        parser.error(f"--batches must be whole numbers like 1,64, not {args.batches!r}")
    unknown = sorted(set(args.backends) - set(BACKENDS))
    if unknown or not args.backends:
        parser.error(f"unknown backend(s) {unknown}: use {', '.join(BACKENDS)}")
    if not args.batches or min(args.batches) < 1 or max(args.batches) > 1024:
        parser.error("--batches must be between 1 and 1024")
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    return args


def build_default_site(folder: Path) -> Path:
    present = {
        name: path
        for name, path in (("gan", DEFAULT_GAN), ("vae", DEFAULT_VAE))
        if (path / "manifest.json").exists() or any(path.glob("*/manifest.json"))
    }
    if not present:
        raise UsageError(
            f"no shipped models at {DEFAULT_GAN.relative_to(REPO)} or "
            f"{DEFAULT_VAE.relative_to(REPO)}: export trained runs there first (python -m export "
            "RUN_DIR --out models/gan-frog), or pass --site SITE"
        )
    from latentwalk.export.errors import ExportError
    from latentwalk.export.site import build_site

    site = folder / "site"
    try:
        build_site(site, gan=present.get("gan"), vae=present.get("vae"))
    except ExportError as error:
        raise UsageError(str(error)) from None
    return site


def build_traced_site(folder: Path) -> Path:
    """The shipped models' Keras copies exported as Keras traces them (no sub-pixel rewrite)."""
    from latentwalk.export.browser import chromium
    from latentwalk.export.exporter import export
    from latentwalk.export.site import build_site

    exports = folder / "traced"
    with chromium() as browser:
        for source, out, kind in (
            (DEFAULT_GAN / "generator" / "generator.keras", "gan", "gan"),
            (DEFAULT_VAE / "decoder" / "decoder.keras", "vae", "vae-decoder"),
            (DEFAULT_VAE / "encoder" / "encoder.keras", "encoder", "vae-encoder"),
        ):
            export(source, exports / out, kind=kind, browser=browser, rewrite=False)
    (exports / "encoder" / "encoder").rename(exports / "vae" / "encoder")
    site = folder / "site-traced"
    build_site(site, gan=exports / "gan", vae=exports / "vae")
    return site


def time_once(page, model_id: str, batch: int, workers: int | None) -> float:
    return float(
        page.evaluate("([m, n, w]) => window.latentwalk.time(m, n, w)", [model_id, batch, workers])
    )


def run_benchmark(sites: list[Path], args: argparse.Namespace) -> list[dict]:
    for site in sites:
        if not (site / "index.html").exists():
            raise UsageError(
                f"{site} is not a built site (no index.html): build one with "
                "python -m export site --gan DIR --vae DIR --out SITE"
            )
    from latentwalk.export.browser import chromium, serve_folder

    lines = []
    with contextlib.ExitStack() as stack:
        browser = stack.enter_context(chromium())
        pages = {}
        for site in sites:
            base_url = stack.enter_context(serve_folder(site))
            page = browser.new_page()
            page.goto(base_url + "index.html#grid=0&steps=1&walk=0,1&backend=wasm")
            ready = page.evaluate("window.latentwalk.ready")
            if not ready.get("ok"):
                raise UsageError(f"the demo in {site} did not start: {ready}")
            index = json.loads((site / "models" / "index.json").read_text())["models"]
            manifests = {
                m["id"]: json.loads((site / m["path"] / "manifest.json").read_text()) for m in index
            }
            pages[site] = (page, ready["models"], {m["id"]: m["label"] for m in index}, manifests)
        first = next(iter(pages.values()))[0]
        common = {
            "browser": f"headless Chromium {browser.version}",
            "tfjs": first.evaluate("window.latentwalk.info().version"),
            "cores": first.evaluate("navigator.hardwareConcurrency"),
        }
        for backend in args.backends:
            available = [
                page.evaluate("name => window.latentwalk.setBackend(name)", backend) == backend
                for page, *_ in pages.values()
            ]
            if not all(available):
                line = {"backend": backend, "available": False, **common}
                print(json.dumps(line), flush=True)
                lines.append(line)
                continue
            for model_id in next(iter(pages.values()))[1]:
                for batch in args.batches:
                    lines += measure_interleaved(pages, model_id, backend, batch, args, common)
    return lines


def measure_interleaved(pages, model_id, backend, batch, args, common) -> list[dict]:
    """Every site x worker count for one model, backend and batch size, timed in turns."""
    variants = []
    for page, _, labels, manifests in pages.values():
        workers = page.evaluate("window.latentwalk.info().workers")
        rewrite = manifests[model_id].get("graph_rewrite") or []
        graph = "sub-pixel rewrite" if any("sub-pixel" in n for n in rewrite) else "as traced"
        for count in sorted({1, workers}):
            variants.append((page, labels.get(model_id), graph, count))
    times = {k: [] for k in range(len(variants))}
    for round_ in range(args.warmup + args.runs):
        for k, (page, _, _, count) in enumerate(variants):
            ms = time_once(page, model_id, batch, count)
            if round_ >= args.warmup:
                times[k].append(ms)
    lines = []
    for k, (_, label, graph, count) in enumerate(variants):
        median = statistics.median(times[k])
        line = {
            "model": model_id,
            "label": label,
            "graph": graph,
            "workers": count,
            "backend": backend,
            "batch": batch,
            "ms_median": round(median, 2),
            "ms_min": round(min(times[k]), 2),
            "ms_per_image": round(median / batch, 3),
            "runs": args.runs,
            **common,
        }
        print(json.dumps(line), flush=True)
        lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="latentwalk-bench-") as folder:
            site = args.site if args.site is not None else build_default_site(Path(folder))
            sites = [Path(site)]
            if args.compare_graphs:
                sites.append(build_traced_site(Path(folder)))
            lines = run_benchmark(sites, args)
    except UsageError as error:
        print(f"browser_latency: error: {error}", file=sys.stderr)
        return 2
    write_results(args.out, lines, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
