"""Seconds from a widget change to a settled page in the Streamlit app, in a real browser.

Runs `streamlit run streamlit_app/app.py` on the shipped models, opens it in headless Chromium,
and for each interaction (a Generate seed, the Walk's waypoints, the lab's waypoints) types a new
value, presses Enter and times until the section's images have changed, no element is left
stale and Streamlit's "running" indicator is gone. Prints one JSON line per interaction (median
and worst over --repeats), plus the browser console and page errors seen. Targets (issue 15): median <= 0.4 s, worst <= 0.8 s on an idle
2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from latentwalk.core.layout import CHECKOUT as REPO
from latentwalk.train.results_file import add_out_option, write_results

RUNNING = "[data-testid='stStatusWidget']"
STALE = "[data-stale='true']"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(port: int) -> subprocess.Popen:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "streamlit"),
            "run",
            str(REPO / "streamlit_app" / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,  # .streamlit/config.toml (streamlit_app/config.toml) applies, as with `make app`
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if wait_listening(process, port):
        return process
    process.kill()
    raise SystemExit("the app did not start within 60 s")


def wait_listening(process: subprocess.Popen, port: int, timeout_s: float = 60) -> bool:
    """Whether ``process`` listens on ``port`` within ``timeout_s`` (False once it has exited)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            if process.poll() is not None:
                return False
            time.sleep(0.1)
    return False


def image_sources(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.src)")


def settle(page, selector: str, before: list[str], timeout_s: float = 30) -> None:
    """Until the images have changed, no element is marked stale (left from before the change)
    and Streamlit's "running" indicator is gone."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.locator(RUNNING).count() == 0 and page.locator(STALE).count() == 0:
            now = image_sources(page, selector)
            if now and now != before:
                return
        time.sleep(0.005)
    raise TimeoutError(f"{selector} did not change within {timeout_s} s")


def idle(page, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while page.locator(RUNNING).count() and time.monotonic() < deadline:
        time.sleep(0.02)


def time_changes(page, input_label: str, values: list[str], image_selector: str) -> list[float]:
    box = page.get_by_label(input_label, exact=True)
    times = []
    for value in values:
        idle(page)
        before = image_sources(page, image_selector)
        box.fill(value)
        started = time.perf_counter()
        box.press("Enter")
        settle(page, image_selector, before)
        times.append(time.perf_counter() - started)
        page.wait_for_timeout(150)
    return times


def open_section(page, name: str) -> None:
    page.get_by_text(name, exact=True).first.click()
    page.get_by_role("heading", name=name).first.wait_for(timeout=60_000)
    idle(page)
    page.wait_for_timeout(500)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=8, help="changes per interaction")
    add_out_option(parser, "app-browser-latency.json")
    args = parser.parse_args(argv)
    from latentwalk.export.browser import chromium

    port = free_port()
    app = start_app(port)
    errors: list[str] = []
    measurements: list[dict] = []
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            # Uncaught errors in the page (e.g. a rejected promise in Streamlit's chart code)
            # are page errors, not console messages: count them too.
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_role("heading", name="Generate").wait_for(timeout=120_000)
            idle(page)
            page.wait_for_timeout(1000)
            seeds = [str(100 + i) for i in range(args.repeats)]
            walks = [f"{i}, {i + 7}" for i in range(args.repeats)]
            cases = [
                ("Generate", "Seed", seeds, "[data-testid='stImage'] img"),
                ("Walk", "Waypoint seeds (two or more, in order)", walks, "[data-testid='stImage'] img"),
                ("Discontinuity lab", "Waypoint seeds (two or more, in order)", walks,
                 "[data-testid='stImage'] img"),
            ]  # fmt: skip
            for section, label, values, selector in cases:
                open_section(page, section)
                errors.clear()
                times = time_changes(page, label, values, selector)
                measurement = {
                    "interaction": f"{section}: {label}",
                    "median_s": round(statistics.median(times), 3),
                    "worst_s": round(max(times), 3),
                    "runs": len(times),
                    "console_errors": len(errors),
                    "target": "median <= 0.4 s, worst <= 0.8 s",
                    "browser": f"headless Chromium {browser.version}",
                    "cores": os.cpu_count(),
                }
                print(json.dumps(measurement), flush=True)
                measurement["console_error_texts"] = [error[:300] for error in errors[:3]]
                measurements.append(measurement)
                for error in errors[:3]:
                    print(json.dumps({"console_error": error[:300]}), flush=True)
    finally:
        app.terminate()
        app.wait(timeout=30)
    write_results(args.out, measurements, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
