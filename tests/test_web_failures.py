"""The web demo when things go wrong (a bad link, a missing model, no models at all), and the
browser latency benchmark, in headless Chromium on sites built from the tiny trained runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from web_support import REPO, canvas_pixels, open_demo, views, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_bad_hash_gives_notices_and_defaults(page, base_url):
    long_key = "k" * 100_000
    result = open_demo(
        page, base_url, hash_=f"#seed=abc&steps=999&backend=nope&mode=zigzag&x=1&{long_key}=2"
    )
    assert result["ok"]
    notices = page.locator(".notice").all_inner_texts()
    for key in ("seed", "steps", "backend", "mode", '"x"', '"kkkk'):
        assert any(key in text for text in notices), (key, notices)
    # A long unknown key is shortened: the page stays as wide as the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1200
    state = page.evaluate("window.latentwalk.state")
    assert (state["seed"], state["steps"], state["backend"], state["mode"]) == (
        42,
        16,
        "auto",
        "slerp",
    )
    # Notices can be dismissed.
    count = page.locator(".notice").count()
    page.locator(".notice .dismiss").first.click()
    assert page.locator(".notice").count() == count - 1
    assert views(page)["generate"]["single"]["seed"] == 42  # and the page still draws
    page.fill("#steps", "0")
    page.press("#steps", "Enter")
    assert "1 to 64" in page.inner_text("#steps-error")
    assert page.evaluate("window.latentwalk.state")["steps"] == 16


def test_missing_model_gives_a_clear_message_and_the_rest_works(page, base_url):
    result = open_demo(page, base_url, site="no-vae")
    assert result["ok"] and result["models"] == ["gan"] and "vae" in result["errors"]
    notices = " ".join(page.locator(".notice").all_inner_texts())
    assert "unavailable" in notices and "model.json" in notices
    assert "Not available" in page.inner_text("#generate-columns [data-model=vae]")
    assert "Not available" in page.inner_text("#walk-columns [data-model=vae]")
    assert canvas_pixels(page, "#generate-columns [data-model=gan] canvas.single").std() > 1


def test_no_models_at_all_is_a_message_not_a_blank_page(page, base_url):
    result = open_demo(page, base_url, site="no-index")
    assert not result["ok"]
    assert page.inner_text("#loading h2") == "No models to show"
    assert "python -m export site" in page.inner_text("#notices")


def test_latency_benchmark_prints_one_json_line_per_measurement(sites):
    command = [
        sys.executable,
        str(REPO / "benchmarks" / "browser_latency.py"),
        "--site",
        str(sites / "site"),
        "--backends",
        "wasm,cpu",
        "--batches",
        "1,3",
        "--runs",
        "2",
        "--warmup",
        "1",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {(x["model"], x["backend"], x["batch"]) for x in lines} == {
        (m, b, n) for m in ("gan", "vae") for b in ("wasm", "cpu") for n in (1, 3)
    }
    assert all(x["ms_median"] > 0 and x["runs"] == 2 and x["tfjs"] == "4.22.0" for x in lines)


def test_model_that_disagrees_with_its_manifest_is_flagged(page, base_url):
    result = open_demo(page, base_url, site="tampered")
    assert result["ok"]
    checks = page.evaluate("window.latentwalk.checks")
    assert not checks["gan"]["ok"] and checks["vae"]["ok"]
    assert 0.4 < checks["gan"]["outputDiff"] < 0.6 and checks["gan"]["latentDiff"] == 0
    assert "unverified" in page.inner_text(".badge[data-model=gan]")
    assert "differs from Keras" in page.inner_text("#notices")


def test_opened_as_a_file_it_says_to_serve_it(page, sites):
    page.goto((sites / "site" / "index.html").as_uri())
    wait_until(page, "() => document.querySelector('#loading h2').textContent.includes('file')")
    assert "python -m http.server" in page.inner_text("#notices")
