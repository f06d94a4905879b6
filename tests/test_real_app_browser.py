"""The app's Real images section in Chromium on the shipped frog models (issue 30): an upload is
projected into the GAN through the real file widget, the walk is drawn, and its link keeps the
upload's codes, so a reload walks from the same place without the image."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from app_support import WAIT_MS, settle
from PIL import Image

from latentwalk.export.browser import CHROMIUM
from tests.support import REPO

ARTIFACTS = REPO / "tests" / "artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
    pytest.mark.skipif(
        not (REPO / "models" / "figures" / "real-frog.json").is_file(),
        reason="needs the shipped models and their held-out images",
    ),
]


@pytest.fixture(scope="module")
def running_app(shipped_app):
    """The shipped models' server (conftest.py), shared with the other modules."""
    return shipped_app


@pytest.fixture
def page(running_app):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(WAIT_MS)
        yield page
        browser.close()


def _query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_an_upload_walks_and_its_link_keeps_the_codes(running_app, page, tmp_path):
    picture = tmp_path / "mine.png"
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(40, 220, (40, 56, 3), dtype=np.uint8)).save(picture)
    page.goto(f"{running_app}/?section=real&dataset=frog&rfrom=0&rto=upload&rsteps=6")
    page.get_by_text("Choose or upload both images.").wait_for()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(picture))
    page.get_by_text("GAN: from its code for one image").first.wait_for()
    settle(page)
    query = _query(page)
    assert query["rto"] == "upload" and query["rfrom"] == "0"
    gan, vae = query["rtoz"].split(";")
    assert len(gan.split(",")) == 32 and len(vae.split(",")) == 32
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "app_real_upload.png"))
    page.goto(page.url)  # a reload from the link: no image, its codes
    page.get_by_text("GAN: from its code for one image").first.wait_for()
    settle(page)
    assert _query(page)["rtoz"] == query["rtoz"]
    assert page.get_by_text("Choose or upload both images.").count() == 0
