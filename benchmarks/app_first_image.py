"""Seconds to the Streamlit app's first image in a real browser, cold and warm (issue 31).

Cold: from starting `streamlit run streamlit_app/app.py` on the shipped models (Python start,
imports, TensorFlow, the models' loading included) to the first generated image shown in headless
Chromium. Warm: the same server, its models cached (st.cache_resource), each of --repeats fresh
browser contexts from navigation to the first image. Targets: cold <= 6 s, warm <= 2 s on 2
idle cores. Prints one JSON object.

    python benchmarks/app_first_image.py [--repeats 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from app_browser_latency import free_port, start_app

from latentwalk.train.results_file import add_out_option, write_results

FIRST_IMAGE = (
    "() => [...document.querySelectorAll(\"[data-testid='stImage'] img\")]"
    ".some((img) => img.complete && img.naturalWidth > 0)"
)


def first_image_seconds(browser, url: str, started: float, timeout_s: float = 120) -> float:
    """Seconds from ``started`` (time.monotonic) to a generated image shown, in a fresh context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(FIRST_IMAGE, timeout=timeout_s * 1000, polling=20)
        return time.monotonic() - started
    finally:
        context.close()


def summary(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 2), "worst": round(max(values), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="warm loads, each a new context")
    add_out_option(parser, "app-first-image.json")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    from latentwalk.export.browser import chromium

    with chromium() as browser:  # Chromium first: its start is no part of the app's time
        version = browser.version
        port = free_port()
        started = time.monotonic()
        app = start_app(port)
        try:
            url = f"http://127.0.0.1:{port}/"
            cold = first_image_seconds(browser, url, started)
            warm = []
            for _ in range(args.repeats):
                warm.append(first_image_seconds(browser, url, time.monotonic()))
        finally:
            app.terminate()
            app.wait(timeout=30)
    results = {
        "cold_s": round(cold, 2),
        "warm_s": summary(warm),
        "warm_runs": [round(value, 2) for value in warm],
        "targets": "cold <= 6 s (Python start included), warm <= 2 s",
        "browser": f"headless Chromium {version}",
    }
    print(json.dumps(results, indent=1))
    write_results(args.out, results, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
