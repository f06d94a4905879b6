"""Time to first picture on the web demo: cold loads of a built site, each in a fresh browser
context (no cache, no remembered backend probe: a first visit), served by `python -m export
serve` on this machine and opened in headless Chromium.

Per load, in milliseconds after navigation: "first", when every model's Generate image is on
screen (the site's shipped picture, or the models' own where none was shipped); "live", when the
models themselves have drawn it; "ready", when the page has started (every view drawn, the
backend probe and the self-checks done). The page marks the first two itself
(latentwalk:shipped-picture, latentwalk:live-picture; web_demo/js/app.js); for a page older than
those marks, which drew only live pictures, both are its ready time. Prints one JSON line per
load, then the median and worst of each. Targets (issue 31): first <= 500 ms, live <= 2000 ms,
median of 5 cold loads on 2 idle cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app_browser_latency import free_port, wait_listening
from browser_latency import UsageError

from latentwalk.core.layout import CHECKOUT as REPO
from latentwalk.train.results_file import add_out_option, write_results

SHIPPED = REPO / "models"
VIEWPORT = {"width": 1280, "height": 720}
WAIT_S = 120.0

EXAMPLES = """\
examples:
  # the shipped models (every data set in models/ with a GAN and a VAE export), 5 cold loads
  python benchmarks/first_picture.py

  # a site you built, a permalink the site shipped no pictures for, 10 loads
  python -m export site --gan models/gan-frog --vae models/vae-frog --out site
  python benchmarks/first_picture.py --site site --hash '#seed=1000' --loads 10
"""

# The time the page's start-up resolves, caught as app.js sets window.latentwalk (no polling).
READY_AT = """(() => {
  let hook;
  Object.defineProperty(window, 'latentwalk', {
    configurable: true,
    get: () => hook,
    set: (value) => {
      hook = value;
      value.ready.then(() => { window.__latentwalkReadyMs = performance.now(); });
    },
  });
})();"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/first_picture.py",
        description=__doc__.split("\n\n")[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--site",
        type=Path,
        default=None,
        help="a built site folder (default: build one in a temporary folder from every data "
        "set's shipped models in models/, as make site does)",
    )
    parser.add_argument("--loads", type=int, default=5, help="cold loads (default: 5)")
    parser.add_argument(
        "--hash", default="", help="the link's state, e.g. '#seed=1000' (default: none)"
    )
    add_out_option(parser, "first-picture.json")
    args = parser.parse_args(argv)
    if not 1 <= args.loads <= 100:
        parser.error("--loads must be between 1 and 100")
    if args.hash and not args.hash.startswith("#"):
        parser.error(f"--hash must start with '#', like '#seed=1000', not {args.hash!r}")
    return args


def build_shipped_site(folder: Path) -> Path:
    """The site `make site` builds: every data set with models/gan-<id> and models/vae-<id>."""
    from latentwalk.core.datasets import DATASETS
    from latentwalk.export.errors import ExportError
    from latentwalk.export.site import build_site

    datasets = [
        (d.id, SHIPPED / f"gan-{d.id}", SHIPPED / f"vae-{d.id}")
        for d in DATASETS
        if (SHIPPED / f"gan-{d.id}" / "generator" / "model.json").exists()
        and (SHIPPED / f"vae-{d.id}" / "decoder" / "model.json").exists()
    ]
    if not datasets:
        raise UsageError("no shipped models in models/ (gan-<id>, vae-<id>): pass --site SITE")
    site = folder / "site"
    try:
        build_site(site, datasets=datasets)
    except ExportError as error:
        raise UsageError(str(error)) from None
    return site


def serve(site: Path) -> tuple[subprocess.Popen, str]:
    """`python -m export serve SITE` on a free port; returns the process and the base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "export", "serve", str(site), "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if wait_listening(process, port):
        return process, f"http://127.0.0.1:{port}/"
    process.kill()
    raise UsageError(f"python -m export serve {site} did not start")


def cold_load(browser, url: str) -> dict:
    """One load in a fresh context: {first_ms, live_ms, ready_ms, shipped}."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(READY_AT)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        deadline = time.monotonic() + WAIT_S
        while page.evaluate("window.__latentwalkReadyMs === undefined"):
            if time.monotonic() > deadline or errors:
                raise UsageError(f"the page did not start within {WAIT_S:.0f} s: {errors}")
            page.wait_for_timeout(50)
        started = page.evaluate("window.latentwalk.ready")
        if not started.get("ok"):
            raise UsageError(f"the page did not start: {started}")
        ready = page.evaluate("window.__latentwalkReadyMs")
        pictures = page.evaluate("window.latentwalk.pictures") or {}
        live = pictures.get("live", ready)
        shipped = pictures.get("shipped")
        first = min(live, shipped) if shipped is not None else live
        return {
            "first_ms": round(first, 1),
            "live_ms": round(live, 1),
            "ready_ms": round(ready, 1),
            "shipped": shipped is not None,
            "backend": started.get("backend"),
        }
    finally:
        context.close()


def summary(loads: list[dict]) -> dict:
    figures = {}
    for key in ("first_ms", "live_ms", "ready_ms"):
        values = [load[key] for load in loads]
        figures[key] = {"median": round(statistics.median(values), 1), "worst": max(values)}
    return figures


def run_benchmark(site: Path, args: argparse.Namespace) -> dict:
    if not (site / "index.html").exists():
        raise UsageError(
            f"{site} is not a built site (no index.html): build one with "
            "python -m export site --gan DIR --vae DIR --out SITE"
        )
    from latentwalk.export.browser import chromium

    process, base_url = serve(site)
    try:
        with chromium() as browser:
            loads = []
            for _ in range(args.loads):
                load = cold_load(browser, f"{base_url}index.html{args.hash}")
                print(json.dumps(load), flush=True)
                loads.append(load)
            common = {"browser": f"headless Chromium {browser.version}"}
    finally:
        process.terminate()
        process.wait(timeout=30)
    result = {
        "loads": args.loads,
        "hash": args.hash,
        "viewport": VIEWPORT,
        **common,
        **summary(loads),
        "each": loads,
    }
    print(json.dumps({key: result[key] for key in ("first_ms", "live_ms", "ready_ms")}))
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="latentwalk-bench-") as folder:
            site = args.site if args.site is not None else build_shipped_site(Path(folder))
            result = run_benchmark(Path(site), args)
    except UsageError as error:
        print(f"first_picture: error: {error}", file=sys.stderr)
        return 2
    write_results(args.out, result, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
