"""Milliseconds to generate a batch of images in the web demo, per model x backend x batch size,
measured in headless Chromium on the real page (web_demo/ built into a site with the models).

Each figure is the median of --runs timed batches after --warmup untimed ones; a batch is timed
from the input tensor to the pixels back in JavaScript (``await output.data()``), which is what a
person waits for. Prints one JSON line per measurement; a backend that cannot start in this
browser gets one line saying so.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_GAN = REPO / "models" / "gan-frog"
DEFAULT_VAE = REPO / "models" / "vae-frog"
BACKENDS = ("wasm", "webgl", "cpu")

EXAMPLES = """\
examples:
  # the shipped models (models/gan-frog, models/vae-frog), every backend, batches of 1 and 64
  python benchmarks/browser_latency.py

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
    from export.errors import ExportError
    from export.site import build_site

    site = folder / "site"
    try:
        build_site(site, gan=present.get("gan"), vae=present.get("vae"))
    except ExportError as error:
        raise UsageError(str(error)) from None
    return site


def measure(page, model_id: str, batch: int, runs: int, warmup: int) -> list[float]:
    timings = page.evaluate(
        """async ({modelId, batch, runs, warmup}) => {
            const times = [];
            for (let i = 0; i < warmup + runs; i++) {
                const ms = await window.latentwalk.time(modelId, batch);
                if (i >= warmup) times.push(ms);
            }
            return times;
        }""",
        {"modelId": model_id, "batch": batch, "runs": runs, "warmup": warmup},
    )
    return [float(t) for t in timings]


def run_benchmark(site: Path, args: argparse.Namespace) -> list[dict]:
    from export.browser import chromium, serve_folder

    if not (site / "index.html").exists():
        raise UsageError(
            f"{site} is not a built site (no index.html): build one with "
            "python -m export site --gan DIR --vae DIR --out SITE"
        )
    lines = []
    with serve_folder(site) as base_url, chromium() as browser:
        page = browser.new_page()
        page.goto(base_url + "index.html#grid=0&steps=1&walk=0,1")  # a light page to time beside
        page.wait_for_load_state()
        ready = page.evaluate("window.latentwalk.ready")
        if not ready.get("ok"):
            raise UsageError(f"the demo in {site} did not start: {ready}")
        labels = {
            m["id"]: m["label"]
            for m in json.loads((site / "models" / "index.json").read_text())["models"]
        }
        common = {
            "browser": f"headless Chromium {browser.version}",
            "tfjs": page.evaluate("window.latentwalk.tf.version.tfjs"),
        }
        for backend in args.backends:
            try:
                page.evaluate("name => window.latentwalk.setBackend(name)", backend)
            except Exception as error:  # Playwright wraps the page's Error
                line = {
                    "backend": backend,
                    "available": False,
                    "error": str(error).splitlines()[0],
                    **common,
                }
                print(json.dumps(line), flush=True)
                lines.append(line)
                continue
            for model_id in ready["models"]:
                for batch in args.batches:
                    times = measure(page, model_id, batch, args.runs, args.warmup)
                    median = statistics.median(times)
                    line = {
                        "model": model_id,
                        "label": labels.get(model_id),
                        "backend": backend,
                        "batch": batch,
                        "ms_median": round(median, 2),
                        "ms_min": round(min(times), 2),
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
            run_benchmark(Path(site), args)
    except UsageError as error:
        print(f"browser_latency: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
