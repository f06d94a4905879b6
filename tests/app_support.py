"""Helpers for the app's browser tests: a `streamlit run` server on chosen models, and waits for
the app to finish a run. (The page's browser helpers: web_support.py.)"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from web_support import WAIT_S

from latentwalk.streamlit_app import models as discovery
from tests.support import REPO

# Every wait is for a condition, with room for busy cores (a training run beside the suite).
WAIT_MS = int(WAIT_S * 1000)
SERVER_LOGS: dict[str, Path] = {}  # each running app's log, by its URL


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def app_server(folder: Path, models: list[Path] | None) -> Iterator[str]:
    """`streamlit run` in ``folder`` on ``models`` (None: the shipped models/ only); yields its
    URL once it listens, and stops it after."""
    port = _free_port()
    env = dict(os.environ)
    if models is not None:
        env[discovery.ENV_VAR] = os.pathsep.join(map(str, models))
    log = open(folder / "streamlit.log", "w")  # noqa: SIM115 - the server's, closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "streamlit_app" / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (folder / "streamlit.log").read_text()
                assert time.monotonic() < deadline, "the app did not start listening"
                time.sleep(0.5)
        url = f"http://127.0.0.1:{port}"
        SERVER_LOGS[url] = folder / "streamlit.log"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


# Streamlit writes its script's run state on the app's root for tests ("running",
# "rerunRequested", "notRunning", ...): done is neither of the first two, and no status widget.
RUN_DONE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app ? app.getAttribute('data-test-script-state') : null;
  return state !== 'running' && state !== 'rerunRequested'
    && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


def settle(page) -> None:
    """Wait until Streamlit has finished the current run (the run state the app writes for tests,
    and its status widget gone). The checks after it wait for what they expect too: a rerun may
    start late on busy cores. (Fixed waits of 0.5 s before and after cost the app's browser
    tests over a minute; the run state answers as soon as the run ends.)"""
    # The interaction's rerun request reaches the state; a slider sends its value only after
    # Streamlit's 200 ms debounce.
    page.wait_for_timeout(300)
    page.wait_for_function(RUN_DONE, timeout=WAIT_MS)
    page.wait_for_timeout(150)
