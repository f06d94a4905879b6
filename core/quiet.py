"""Quiet command lines: the person's own progress and messages, not TensorFlow's start-up noise.

What each line needs (TensorFlow 2.19, tried one by one):

- TensorFlow's own C++ log (``2026-... E external/.../cuda_platform.cc] failed call to cuInit``,
  ``cuda_fft.cc] Unable to register cuFFT factory``, the oneDNN notice): ``TF_CPP_MIN_LOG_LEVEL=3``
  in the environment before TensorFlow is imported.
- The lines in Abseil's format (``E0000 00:00:... cuda_dnn.cc] Unable to register cuDNN``,
  ``W0000 ... computation placer already registered``, grappler's ``remapper failed``, the
  converter's ``I0000 ... Starting new session``) and the notice ``WARNING: All log messages
  before absl::InitializeLog() is called are written to STDERR``: no variable reaches them (not
  TF_CPP_MIN_LOG_LEVEL, GLOG_minloglevel or ABSL_MIN_LOG_LEVEL), as Abseil writes everything to
  stderr until a C++ main calls absl::InitializeLog(). So stderr (file descriptor 2) goes
  through a pipe to a small relay process that drops those lines and passes on the rest at once
  (progress bars included). A fatal line (``F0000 ...``) still gets through; the relay outlives a
  crash, so the last words of one are never lost.
- Keras's UserWarnings (``The structure of `inputs` doesn't match``): a warnings filter on the
  libraries' modules; the project's own warnings stay.

``--verbose`` skips all of it.
"""

from __future__ import annotations

import os
import re
import sys

VERBOSE_HELP = "show TensorFlow's own log lines and library warnings too (hidden by default)"


def add_verbose_option(parser) -> None:
    """Every command's --verbose (``quiet(verbose=args.verbose)`` reads it)."""
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)


# Abseil's format: severity and date, time, thread, file:line], e.g.
#   W0000 00:00:1795780491.068433    1538 computation_placer.cc:177] computation placer ...
# Info, warning and error only (F, fatal, always gets through). Not anchored at a line start: a
# progress bar's line has no newline before it.
ABSL_LINE = re.compile(
    rb"[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^\s\]]+:\d+\] [^\n]*\n"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to "
    rb"STDERR\n"
)
# The start of such a line whose end has not arrived yet.
ABSL_START = re.compile(rb"[IWE]\d{4} \d\d:\d\d:\d+\.\d+ |WARNING: All log messages before absl")

# Warnings raised inside these packages are theirs, not the person's.
LIBRARIES = (
    r"(keras|tf_keras|tensorflow\w*|jax|jaxlib|absl|ydf|google\.protobuf|h5py|ml_dtypes)(\.|$)"
)

_relay = None
# What the relay ignores: a signal meant for the person's process must not take its stderr away.
RELAY_IGNORES = ("SIGINT", "SIGTERM", "SIGHUP")  # names: resolved where signal is imported


def quiet(verbose: bool = False) -> None:
    """Hide TensorFlow's noise for the rest of this process (nothing if ``verbose``).

    Call it before TensorFlow is imported; calling it again does nothing more.
    """
    if verbose:
        return
    import logging
    import warnings

    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    warnings.filterwarnings("ignore", module=LIBRARIES)
    for name in ("tensorflow", "absl", "jax"):
        logging.getLogger(name).setLevel(logging.ERROR)
    _filter_stderr()


def strip_noise(data: bytes) -> tuple[bytes, bytes]:
    """``data`` without Abseil's lines: (what to write now, what to hold for more input)."""
    data = ABSL_LINE.sub(b"", data)
    tail = data[data.rfind(b"\n") + 1 :]
    start = ABSL_START.search(tail)
    if start is None:
        return data, b""
    cut = len(data) - len(tail) + start.start()
    return data[:cut], data[cut:]


def _filter_stderr() -> None:
    """Send file descriptor 2 through the relay, when this process's stderr is the real one.

    Not when Python's stderr was replaced (pytest's capture, a caller's redirect): whoever did
    that reads what is written, and a process-wide pipe would only get in the way.
    """
    global _relay
    if _relay is not None or os.name != "posix" or not sys.executable:
        return
    if sys.stderr is None or sys.stderr is not sys.__stderr__:
        return
    import atexit
    import signal
    import subprocess
    import threading

    try:
        if sys.stderr.fileno() != 2:
            return
        sys.stderr.flush()
        original = os.dup(2)
    except (AttributeError, OSError, ValueError):
        return
    read_end, write_end = os.pipe()
    # Ctrl-C goes to the whole foreground process group, and `kill -TERM -PGID` (a service
    # manager, a container stop) too: the relay ignores both (an ignored signal stays ignored
    # across exec), so it stays to pass on what this process says as it stops. It ends when the
    # pipe closes, i.e. when this process (and any child holding its stderr) is gone.
    # Signal handlers can be set only from the main thread (Streamlit runs the app in another):
    # there the relay gets a process group of its own instead, which neither reaches.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {
        number: signal.signal(number, signal.SIG_IGN)
        for number in (getattr(signal, name) for name in RELAY_IGNORES)
        if main_thread
    }
    try:
        relay = subprocess.Popen(
            [sys.executable, "-I", "-S", __file__],
            stdin=read_end,
            stdout=original,
            stderr=original,
            close_fds=True,
            process_group=None if main_thread else 0,
        )
    except OSError:
        os.close(read_end)
        os.close(write_end)
        os.close(original)
        return
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    os.close(read_end)
    if os.isatty(original):
        # tqdm sizes its bar from the terminal, which a pipe is not: tell it the size instead.
        size = os.get_terminal_size(original)
        os.environ.setdefault("COLUMNS", str(size.columns))
        os.environ.setdefault("LINES", str(size.lines))
    os.dup2(write_end, 2)
    os.close(write_end)
    _relay = relay
    atexit.register(_stop_filter, relay, original, os.fstat(2).st_ino)


def _stop_filter(relay, original: int, pipe: int) -> None:
    """At exit: close this process's end of the pipe and let the relay write what is left."""
    import subprocess

    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    try:
        if os.fstat(2).st_ino == pipe:  # still ours (nobody put another stderr in place)
            os.dup2(original, 2)
    except OSError:
        pass
    try:
        relay.wait(timeout=2)  # longer only if a child process still holds the pipe
    except subprocess.TimeoutExpired:
        pass


def _relay_main() -> None:
    """The relay: standard input (the pipe) to standard output (the real stderr), filtered."""
    import select
    import signal

    for name in RELAY_IGNORES:
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    sink_ok = True

    def write(data: bytes) -> None:
        nonlocal sink_ok
        while data and sink_ok:
            try:
                data = data[os.write(1, data) :]
            except OSError:  # the terminal is gone: keep reading, so the writer never blocks
                sink_ok = False

    held = b""
    while True:
        # A held partial line waits a moment for its end, then goes out as it is.
        if held and not select.select([0], [], [], 0.2)[0]:
            write(held)
            held = b""
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            write(held)
            return
        out, held = strip_noise(held + chunk)
        write(out)


if __name__ == "__main__":
    _relay_main()
