"""Headless Chromium and a local static server, for anything that must be proven in a browser.

The exporter's parity check uses it, and so can the web demo's tests and benchmarks:

    from .browser import chromium, serve_folder, tfjs_files

    with serve_folder(site_dir) as base_url, chromium() as browser:
        page = browser.new_page()
        page.goto(base_url + "index.html")

- ``serve_folder(path)``: context manager; serves ``path`` on ``127.0.0.1`` (a free port, a
  background thread, no request logging) and gives its base URL, ending in "/".
- ``chromium()``: context manager giving a Playwright ``Browser`` (headless Debian Chromium at
  ``CHROMIUM`` or $LATENTWALK_CHROMIUM, started with flags that stop it from calling home).
- ``tfjs_files()``: where the pinned TensorFlow.js files are (``tf.min.js``, the WASM backend),
  checked against ``TFJS_VERSION``; ``node_modules_dir()`` is the folder they come from
  (``web_demo/node_modules`` unless $LATENTWALK_NODE_MODULES says otherwise).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.layout import CHECKOUT
from .errors import ExportError

CHROMIUM = "/usr/bin/chromium"
TFJS_VERSION = "4.22.0"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@dataclass(frozen=True)
class TfjsFiles:
    tf_min_js: Path  # @tensorflow/tfjs/dist/tf.min.js
    wasm_backend_js: Path  # @tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js
    wasm_binaries: tuple[Path, ...]  # the backend's *.wasm files
    version: str


def node_modules_dir() -> Path:
    return Path(os.environ.get("LATENTWALK_NODE_MODULES", CHECKOUT / "web_demo" / "node_modules"))


def tfjs_files() -> TfjsFiles:
    """The pinned TensorFlow.js build, or an ExportError that says how to install it."""
    modules = node_modules_dir()
    install = (
        "install it with: npm ci --prefix web_demo (in a source checkout), or point "
        "LATENTWALK_NODE_MODULES at a folder where `npm install` put the web demo's packages "
        "(web_demo/package.json)"
    )
    tfjs = modules / "@tensorflow" / "tfjs"
    wasm = modules / "@tensorflow" / "tfjs-backend-wasm"
    for package in (tfjs, wasm):
        manifest = package / "package.json"
        if not manifest.exists():
            raise ExportError(f"TensorFlow.js is not installed ({package} is missing): {install}")
        version = json.loads(manifest.read_text()).get("version")
        if version != TFJS_VERSION:
            raise ExportError(
                f"{package.name} {version} is installed, but the exporter is pinned "
                f"to {TFJS_VERSION}: {install}"
            )
    files = TfjsFiles(
        tf_min_js=tfjs / "dist" / "tf.min.js",
        wasm_backend_js=wasm / "dist" / "tf-backend-wasm.min.js",
        wasm_binaries=tuple(sorted((wasm / "dist").glob("*.wasm"))),
        version=TFJS_VERSION,
    )
    missing = [p for p in (files.tf_min_js, files.wasm_backend_js) if not p.exists()]
    if missing or not files.wasm_binaries:
        raise ExportError(f"the TensorFlow.js install in {modules} is incomplete: {install}")
    return files


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    # .wasm must be served as application/wasm or the WASM backend falls back to a slow path.
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
    }

    # No "SimpleHTTP/0.6 Python/3.11.x" in the Server header.
    server_version = "latentwalk"
    sys_version = ""

    def log_message(self, format: str, *args) -> None:
        pass

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()


# Every response: no MIME sniffing, and a policy that lets the page load only from its own
# origin. TensorFlow.js 4.22 evaluates strings at load ("'unsafe-eval' is not an allowed source"
# without it: tf.min.js stops), tfjs-wasm compiles WebAssembly ('wasm-unsafe-eval'), its threads
# are blob: workers that importScripts blob: scripts, and the page draws data: and blob: images and inline styles. Every browser
# test runs the page (and the export's parity check) under it.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' blob: 'unsafe-eval' 'wasm-unsafe-eval'",
            "worker-src 'self' blob:",
            "img-src 'self' data: blob:",
            "style-src 'self' 'unsafe-inline'",
            "connect-src 'self' data: blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    ),
}


class _SiteHandler(_QuietHandler):
    """`export serve`'s: only files inside the site (a symbolic link pointing out of it is not
    followed), no folder listings, and a bad path is a 400, not a traceback in the log."""

    def translate_path(self, path: str) -> str:
        translated = super().translate_path(path)
        root = Path(self.directory).resolve()
        try:
            resolved = Path(translated).resolve()
        except (OSError, ValueError):
            return str(root / ".missing")
        if resolved != root and root not in resolved.parents:
            return str(root / ".missing")  # outside the site: answered as missing (404)
        return translated

    def list_directory(self, path):
        self.send_error(404, "No listing")
        return None

    def send_head(self):
        try:
            return super().send_head()
        except ValueError:  # e.g. an embedded NUL byte (/%00)
            self.send_error(400, "Bad path")
            return None


# What the site's _headers file asks static hosts for: cross-origin isolation, which lets
# tfjs-wasm use threads (SharedArrayBuffer). Everything the site loads is same-origin.
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}


class _IsolatedHandler(_SiteHandler):
    def end_headers(self) -> None:
        for name, value in ISOLATION_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()


@contextlib.contextmanager
def serve_folder(path: Path | str, isolated: bool = False, port: int = 0) -> Iterator[str]:
    """Serve ``path`` over HTTP on 127.0.0.1 while the block runs; yields the base URL.
    ``isolated`` (what `export serve` uses) adds the cross-origin isolation headers (see
    ISOLATION_HEADERS) and serves only what is inside ``path`` (_SiteHandler); without it,
    symbolic links out of the folder are followed (the parity check's page links its files)."""
    folder = Path(path)
    if not folder.is_dir():
        raise ExportError(f"cannot serve {folder}: it is not a folder")
    handler_class = _IsolatedHandler if isolated else _QuietHandler
    handler = functools.partial(handler_class, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def chromium(executable: str | None = None) -> Iterator[object]:
    """A headless Chromium (Playwright ``Browser``), closed when the block ends."""
    executable = executable or os.environ.get("LATENTWALK_CHROMIUM", CHROMIUM)
    if not Path(executable).exists():
        raise ExportError(
            f"Chromium is not at {executable}: install it (apt-get install "
            "chromium) or set LATENTWALK_CHROMIUM to its path"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ExportError("Playwright is not installed: pip install playwright==1.52.0") from None
    with _driver_in_own_session():
        manager = sync_playwright()
        playwright = manager.__enter__()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except BaseException:
        manager.__exit__(None, None, None)
        raise
    try:
        yield browser
    except KeyboardInterrupt:
        # Interrupted inside a Playwright call, the driver may never answer again: closing would
        # wait forever. Leave it; it ends (and takes Chromium with it) when this process does.
        raise
    except BaseException:
        _close(browser, manager)
        raise
    else:
        _close(browser, manager)


def _close(browser, manager) -> None:
    try:
        browser.close()
    finally:
        manager.__exit__(None, None, None)


@contextlib.contextmanager
def _driver_in_own_session():
    """Start Playwright's driver in a session of its own. A Ctrl-C in a terminal signals the
    whole foreground process group: the driver would die with it, and the next call (the
    export's clean stop, or closing the browser) would fail or hang. Chromium itself is already
    started detached by the driver.

    Playwright offers no option for how its driver is started, so this swaps asyncio's
    create_subprocess_exec (which it uses) for the call only: the one private reach in export/,
    and tests/test_export_browser.py fails if the driver stops landing in a session of its own."""
    import asyncio

    original = asyncio.create_subprocess_exec

    def spawn(*args, **kwargs):
        kwargs.setdefault("start_new_session", True)
        return original(*args, **kwargs)

    asyncio.create_subprocess_exec = spawn
    try:
        yield
    finally:
        asyncio.create_subprocess_exec = original
