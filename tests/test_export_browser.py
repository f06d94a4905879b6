"""Exports proven in headless Chromium: a tiny trained GAN and VAE, each weight quantization, the
known LeakyReLU trap, and the static site serving its page and models from its own origin.

One Chromium for the whole module; exports are made once and shared by the tests that need them.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from web_support import WAIT_S

from latentwalk.core.latent import seed_to_latent
from latentwalk.export.browser import chromium, serve_folder, tfjs_files
from latentwalk.export.exporter import export
from latentwalk.export.parity import THRESHOLDS, keras_outputs, measure_parity, parity_inputs
from latentwalk.export.site import VENDOR_SCRIPTS, build_site
from tests.support import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]
QUANTIZATIONS = ("none", "float16", "uint8")


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def export_of(browser, tiny_gan_run, tiny_vae_run, tmp_path_factory):
    """export_of("gan" | "vae", quantize) -> (export folder, manifests by role), made once."""
    runs, made = {"gan": tiny_gan_run, "vae": tiny_vae_run}, {}

    def get(model_id: str, quantize: str):
        if (model_id, quantize) not in made:
            out = tmp_path_factory.mktemp("exports") / f"{model_id}-{quantize}"
            made[model_id, quantize] = out, export(runs[model_id], out, quantize, browser=browser)
        return made[model_id, quantize]

    return get


def load_keras(path: Path):
    import keras

    return keras.models.load_model(path, compile=False)


def graph_ops(model_json: Path) -> set[str]:
    return {n["op"] for n in json.loads(model_json.read_text())["modelTopology"]["node"]}


def leaky_relu_slopes(model_json: Path) -> list[float]:
    """Every LeakyReLU slope in a graph model: LeakyRelu ops, and those fused into convolutions
    and matrix products by the converter (their ``leakyrelu_alpha``)."""
    nodes = json.loads(model_json.read_text())["modelTopology"]["node"]
    fused_leaky = base64.b64encode(b"LeakyRelu").decode()  # how the graph lists fused ops
    slopes = []
    for node in nodes:
        attr = node.get("attr", {})
        if node["op"] == "LeakyRelu":
            slopes.append(attr["alpha"]["f"])
        elif fused_leaky in attr.get("fused_ops", {}).get("list", {}).get("s", []):
            slopes.append(attr["leakyrelu_alpha"]["f"])
    return slopes


def check_role_folder(folder: Path, role: str, manifest: dict, quantize: str) -> None:
    """Files, sizes, quantization and parity figure of one exported role."""
    assert json.loads((folder / role / "manifest.json").read_text()) == manifest
    assert manifest["format"] == "latentwalk-manifest/1" and manifest["quantization"] == quantize
    for name, size in manifest["files"].items():
        assert (folder / role / name).stat().st_size == size
    assert manifest["total_bytes"] == sum(manifest["files"].values())
    weights = json.loads((folder / role / "model.json").read_text())["weightsManifest"]
    dtypes = {
        w.get("quantization", {}).get("dtype")
        for g in weights
        for w in g["weights"]
        if w["dtype"] == "float32"
    }
    assert dtypes == {None if quantize == "none" else quantize}
    parity = manifest["parity"]
    assert parity["backend"] == "cpu" and parity["tfjs_version"] == "4.22.0"
    assert parity["threshold"] == THRESHOLDS[quantize]
    assert 0 <= parity["max_abs_diff"] <= (THRESHOLDS[quantize] or 0.2)
    print(
        f"{role} {quantize}: max |Keras - TF.js| = {parity['max_abs_diff']:.3g}, "
        f"{manifest['total_bytes']} bytes"
    )


@pytest.mark.parametrize("quantize", QUANTIZATIONS)
def test_gan_export_matches_keras_in_chromium(export_of, tiny_gan_run, quantize):
    folder, manifests = export_of("gan", quantize)
    manifest = manifests["generator"]
    check_role_folder(folder, "generator", manifest, quantize)
    assert manifest["kind"] == "gan" and manifest["latent_dim"] == 32
    assert manifest["input_shape"] == [None, 32] and manifest["output_shape"] == [None, 32, 32, 3]
    assert manifest["training_steps"] == 20 and manifest["preset"] == "tiny"
    # The graph TF.js runs is the sub-pixel rewrite (export/subpixel.py), and the parity figure
    # above compared it with the original Keras model: no transposed convolution is left.
    assert "sub-pixel" in manifest["graph_rewrite"][0]
    ops = graph_ops(folder / "generator" / "model.json")
    assert "DepthToSpace" in ops and "Conv2DBackpropInput" not in ops
    # Test vectors, recomputed here from the run's own model and the seed mapping.
    generator = load_keras(tiny_gan_run / "generator.keras")
    for vector in manifest["test_vectors"]:
        latent = seed_to_latent(vector["seed"])
        assert np.array_equal(np.float32(vector["latent"]), latent)
        image = np.asarray(generator(latent[None], training=False))[0]
        np.testing.assert_allclose(vector["output_head"], image.ravel()[:16], atol=1e-6)
        assert vector["output_mean"] == pytest.approx(float(image.mean()), abs=1e-6)
    assert (folder / "generator" / "generator.keras").read_bytes() == (
        tiny_gan_run / "generator.keras"
    ).read_bytes()
    for name in ("config.json", "metrics.jsonl", "samples.png"):
        assert (folder / name).exists()


@pytest.mark.parametrize("quantize", QUANTIZATIONS)
def test_vae_export_matches_keras_in_chromium(export_of, tiny_vae_run, quantize):
    folder, manifests = export_of("vae", quantize)
    assert set(manifests) == {"decoder", "encoder"}
    for role, manifest in manifests.items():
        check_role_folder(folder, role, manifest, quantize)
    decoder, encoder = manifests["decoder"], manifests["encoder"]
    assert decoder["kind"] == "vae-decoder" and encoder["kind"] == "vae-encoder"
    assert "sub-pixel" in decoder["graph_rewrite"][0] and encoder["graph_rewrite"] == []
    assert "Conv2DBackpropInput" not in graph_ops(folder / "decoder" / "model.json")
    assert encoder["output_names"] == ["z_mean", "z_log_var"]
    assert encoder["output_shapes"] == [[None, 32], [None, 32]]
    model = load_keras(tiny_vae_run / "encoder.keras")
    for vector in encoder["test_vectors"]:
        h, w, c = np.meshgrid(np.arange(32), np.arange(32), np.arange(3), indexing="ij")
        image = np.float32(0.9 * np.sin(0.37 * h + 0.23 * w + 1.1 * c + 0.5 * vector["seed"]))
        np.testing.assert_array_equal(np.float32(vector["input_head"]), image.ravel()[:16])
        z_mean, z_log_var = (np.asarray(t)[0] for t in model(image[None], training=False))
        np.testing.assert_allclose(vector["outputs"]["z_mean"]["head"], z_mean[:16], atol=1e-6)
        np.testing.assert_allclose(
            vector["outputs"]["z_log_var"]["head"], z_log_var[:16], atol=1e-6
        )


def test_quantized_weights_are_smaller(export_of):
    sizes = {q: export_of("gan", q)[1]["generator"]["files"] for q in QUANTIZATIONS}
    shard = {
        q: sum(v for k, v in files.items() if k.endswith(".bin")) for q, files in sizes.items()
    }
    assert shard["none"] / shard["float16"] == pytest.approx(2, rel=0.05)
    assert shard["none"] / shard["uint8"] == pytest.approx(4, rel=0.1)


def test_parity_check_catches_a_silently_wrong_leaky_relu_slope(
    export_of, tiny_gan_run, browser, tmp_path
):
    """The known trap: TF.js running LeakyReLU with slope 0.3 where Keras used 0.2."""
    folder, _ = export_of("gan", "none")
    assert leaky_relu_slopes(folder / "generator" / "model.json") == pytest.approx([0.2] * 4)
    tampered = tmp_path / "generator"
    tampered.mkdir()
    for path in (folder / "generator").glob("group*.bin"):
        (tampered / path.name).write_bytes(path.read_bytes())
    text = (folder / "generator" / "model.json").read_text()
    for key in ('"alpha"', '"leakyrelu_alpha"'):  # LeakyRelu ops, and those fused into others
        text = text.replace(f'{key}: {{"f": 0.2}}', f'{key}: {{"f": 0.3}}')
    (tampered / "model.json").write_text(text)
    assert leaky_relu_slopes(tampered / "model.json") == pytest.approx([0.3] * 4)
    generator = load_keras(tiny_gan_run / "generator.keras")
    inputs = parity_inputs("gan", (None, 32))
    expected = keras_outputs(generator, inputs)
    assert measure_parity(expected, folder / "generator", inputs, "none", browser).passed
    wrong = measure_parity(expected, tampered, inputs, "none", browser)
    assert not wrong.passed and wrong.max_abs_diff > 1e-3


def test_the_book_slope_of_0_3_survives_a_model_file_export(browser, tmp_path):
    from latentwalk.train.config import DataConfig, make_config
    from latentwalk.train.gan import build_generator

    config = make_config("gan", "tiny", {"leaky_slope": 0.3}, DataConfig())
    build_generator(config).save(tmp_path / "book_slope.keras")
    manifests = export(tmp_path / "book_slope.keras", tmp_path / "out", "none", browser=browser)
    assert manifests["generator"]["kind"] == "gan"  # inferred from the shapes
    assert manifests["generator"]["parity"]["max_abs_diff"] <= 1e-4
    slopes = leaky_relu_slopes(tmp_path / "out" / "generator" / "model.json")
    assert slopes == pytest.approx([0.3] * 4)


def test_cli_exports_a_trained_run_and_replaces_it_only_with_force(tiny_gan_run, tmp_path):
    def run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "export",
                str(tiny_gan_run),
                "--out",
                str(tmp_path / "gan"),
                "--quantize",
                "none",
                *extra,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    assert "generator: max |Keras - TF.js|" in first.stderr and "(ok)" in first.stderr
    assert (
        json.loads((tmp_path / "gan" / "generator" / "manifest.json").read_text())["kind"] == "gan"
    )
    again = run()
    assert again.returncode == 2 and "pass --force" in again.stderr
    forced = run("--force")
    assert forced.returncode == 0, forced.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gan"]


@pytest.fixture(scope="module")
def site(export_of, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(out, gan=export_of("gan", "float16")[0], vae=export_of("vae", "float16")[0])
    return out


def test_site_holds_page_pinned_tfjs_and_models_only(site):
    files = tfjs_files()
    # Only the TF.js parts the page uses (not the whole tf.min.js), the wasm binaries (threaded
    # too) and the GIF encoder; the headers file for static hosts that honour one.
    modules = REPO / "web_demo" / "node_modules"
    vendor = {p.name for p in (site / "vendor").iterdir()}
    assert vendor == {Path(name).name for name in VENDOR_SCRIPTS} | {
        p.name for p in files.wasm_binaries
    }
    assert "tfjs-backend-wasm-threaded-simd.wasm" in vendor
    for name in VENDOR_SCRIPTS:
        assert (site / "vendor" / Path(name).name).read_bytes() == (modules / name).read_bytes()
    headers = (site / "_headers").read_text()
    assert "Cross-Origin-Opener-Policy: same-origin" in headers
    assert "Cross-Origin-Embedder-Policy: require-corp" in headers
    assert "X-Content-Type-Options: nosniff" in headers
    assert "Content-Security-Policy: default-src 'self';" in headers
    assert (site / "index.html").exists() and (site / "js" / "app.js").exists()
    for unwanted in ("node_modules", "test", "package.json", "package-lock.json"):
        assert not (site / unwanted).exists()
    assert not list(site.rglob("*.keras"))
    index = json.loads((site / "models" / "index.json").read_text())
    assert [(m["id"], m["kind"], m["path"]) for m in index["models"]] == [
        ("gan", "gan", "models/gan/generator/"),
        ("vae", "vae-decoder", "models/vae/decoder/"),
    ]
    assert index["models"][1]["encoder_path"] == "models/vae/encoder/"
    assert index["models"][0]["label"] == "DCGAN (tiny, all classes, 20 steps)"
    for path in ("gan/generator", "vae/decoder", "vae/encoder"):
        manifest = json.loads((site / "models" / path / "manifest.json").read_text())
        for name in manifest["files"]:
            assert (site / "models" / path / name).exists()


# Loads every model of index.json with the site's own tf.min.js, on the cpu and the WASM backend,
# recomputes each test vector's input in JavaScript and returns the largest output difference.
_CHECK_VECTORS_JS = """
async (backend) => {
  tf.wasm.setWasmPaths('vendor/');
  await tf.setBackend(backend); await tf.ready();
  const index = await (await fetch('models/index.json')).json();
  const paths = index.models.flatMap((m) => [m.path, m.encoder_path].filter(Boolean));
  const report = {backend: tf.getBackend()};
  for (const path of paths) {
    const manifest = await (await fetch(path + 'manifest.json')).json();
    const model = await tf.loadGraphModel(path + 'model.json');
    let worst = 0;
    for (const v of manifest.test_vectors) {
      let input;
      if (v.latent) {
        input = tf.tensor2d([v.latent]);
      } else {
        const [H, W, C] = manifest.test_input.shape, x = new Float32Array(H * W * C);
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++)
          x[(h * W + w) * C + c] = 0.9 * Math.sin(0.37 * h + 0.23 * w + 1.1 * c + 0.5 * v.seed);
        input = tf.tensor4d(x, [1, H, W, C]);
      }
      let out = model.predict(input);
      out = Array.isArray(out) ? out[0] : out;
      const values = await out.data();
      v.output_head.forEach((e, i) => { worst = Math.max(worst, Math.abs(e - values[i])); });
      tf.dispose([input, out]);
    }
    report[path] = {worst, tolerance: manifest.test_vector_tolerance};
  }
  return report;
}
"""


def test_site_models_reproduce_their_test_vectors_with_the_shipped_tfjs(site, browser):
    harness = "<!doctype html>" + "".join(
        f'<script src="vendor/{Path(name).name}"></script>'
        for name in VENDOR_SCRIPTS
        if name.endswith(".min.js")
    )
    with serve_folder(site) as base_url:
        page = browser.new_page()
        page.route(
            base_url + "parity.html",
            lambda route: route.fulfill(body=harness, content_type="text/html"),
        )
        page.goto(base_url + "parity.html")
        for backend in ("cpu", "wasm"):
            report = page.evaluate(_CHECK_VECTORS_JS, backend)
            assert report.pop("backend") == backend
            assert set(report) == {
                "models/gan/generator/",
                "models/vae/decoder/",
                "models/vae/encoder/",
            }
            for path, result in report.items():
                assert result["worst"] <= result["tolerance"], (backend, path, result)
        page.close()


def test_site_page_shows_the_keras_image_for_a_seed_without_leaving_its_origin(
    site, browser, tiny_gan_run
):
    requests, failures = [], []
    with serve_folder(site) as base_url:
        page = browser.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.on("response", lambda r: r.status >= 400 and failures.append(f"{r.status} {r.url}"))
        page.on("pageerror", lambda error: failures.append(str(error)))
        page.goto(base_url + "index.html#seed=3")
        # A locator wait, not wait_for_function: the page's CSP forbids string eval.
        single = "#generate-columns [data-model=gan]"
        # The model's own picture ("seed 3": a shipped one says so), then the self-checks,
        # which run once the first screen is live.
        caption = page.locator(f"{single} p.summary", has_text=re.compile(r"^seed 3$"))
        caption.wait_for(timeout=WAIT_S * 1000)
        page.locator(".badge").nth(1).wait_for(state="attached", timeout=WAIT_S * 1000)
        badges = page.eval_on_selector_all(
            ".badge", "els => els.map(e => [e.dataset.model, e.className, e.title])"
        )
        pixels = page.evaluate("""() => {
            const canvas = document.querySelector(
              '#generate-columns [data-model=gan] canvas.single');
            const scale = canvas.width / 32;
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.width).data;
            const out = [];
            for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++)
              out.push(data[((y * scale) * canvas.width + x * scale) * 4 + c]);
            return out;
        }""")
        page.close()
    assert not failures
    assert all(url.startswith((base_url, "data:", "blob:")) for url in requests), requests
    for path in ("models/gan/generator/", "models/vae/decoder/", "models/vae/encoder/"):
        assert base_url + path + "model.json" in requests
        assert base_url + path + "group1-shard1of1.bin" in requests
    assert sorted(b[0] for b in badges) == ["gan", "vae"]
    assert all("ok" in b[1].split() for b in badges), badges
    generator = load_keras(tiny_gan_run / "generator.keras")
    image = np.asarray(generator(seed_to_latent(3)[None], training=False))[0]
    expected = np.clip(np.round((image + 1) * 127.5), 0, 255)
    difference = np.abs(np.asarray(pixels, dtype=np.float64).reshape(32, 32, 3) - expected)
    assert difference.max() <= 2, difference.max()  # float16 weights: ~1 level of 255


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_playwrights_driver_runs_in_a_session_of_its_own(browser):
    """A terminal's Ctrl-C must not reach the driver (export/browser.py starts it so, through a
    swap of asyncio's create_subprocess_exec: this fails if Playwright stops using it)."""
    import os

    drivers = [
        pid
        for pid in _children(os.getpid())
        if b"run-driver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    assert drivers, "no Playwright driver among this process's children"
    assert all(os.getsid(pid) != os.getsid(0) for pid in drivers)
