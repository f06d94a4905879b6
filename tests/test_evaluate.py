"""The judge and `python -m train evaluate`, end to end on tiny models and data the tests make,
and the shipped judge on the real CIFAR-10 frogs (when ../shared/data is present, as in CI)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageFilter

from latentwalk.train.cli import main
from tests.support import REPO, train_tiny

SHARED_ZIP = REPO.parent / "shared" / "data" / "cifar10-train-jpeg.zip"
SHIPPED_JUDGE = REPO / "models" / "judge"


def evaluate(*args: str) -> int:
    return main(["evaluate", *args])


def test_the_judge_folder_describes_itself(tiny_judge):
    config = json.loads((tiny_judge / "config.json").read_text())
    assert (tiny_judge / "judge.keras").is_file()
    assert config["class_names"][:2] == ["airplane", "automobile"]  # integer labels 0-9
    assert config["split"]["heldout_images"] == 24 and config["split"]["train_images"] == 216
    assert 0.0 <= config["heldout_accuracy"] <= 1.0
    assert set(config["heldout_accuracy_by_class"]) == set(config["class_names"])
    assert len(config["data"]["images_sha256"]) == 64
    assert config["recipe"]["preset"] == "tiny" and len(config["history"]) == 2


def test_the_judge_refuses_to_overwrite_without_force(tiny_judge, two_class_npz, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["judge", "--preset", "tiny", "--data", str(two_class_npz), "--out", str(tiny_judge)])
    assert exit_info.value.code == 2
    assert "--force" in capsys.readouterr().err


def test_evaluate_grades_a_tiny_gan_and_the_real_floor(
    tiny_gan_run, tiny_judge, two_class_npz, tmp_path, capsys
):
    out = tmp_path / "quality.json"
    code = evaluate(
        str(tiny_gan_run), "--judge", str(tiny_judge), "--data", str(two_class_npz),
        "--class", "0", "--samples", "64", "--json", str(out),
    )  # fmt: skip
    assert code == 0
    table = capsys.readouterr().out
    assert "gan" in table and "real held-out airplane" in table and "FID" in table
    assert "coverage (real-like)" in table
    payload = json.loads(out.read_text())
    (result,) = payload["models"]
    keys = "fid kid kid_std precision recall density coverage coverage_expected class_rate"
    for key in [*keys.split(), "nn_distance_p1"]:
        assert np.isfinite(result[key]), key
    assert result["samples"] == 64 and result["real_images"] == 108  # 120 frogs less 12 held out
    floor = payload["real"][0]
    assert floor["samples"] == 12 and floor["split_matches_judge"] is True
    # A 20-step GAN is far from the real images; the held-out real images are not.
    assert result["fid"] > floor["fid"]


def test_a_judge_with_its_class_names_swapped_is_refused_before_grading(
    tiny_gan_run, tiny_judge, two_class_npz, tmp_path, capsys
):
    import shutil

    swapped = tmp_path / "judge-swapped"
    shutil.copytree(tiny_judge, swapped)
    config = json.loads((swapped / "config.json").read_text())
    names = config["class_names"]
    config["class_names"] = [names[1], names[0], *names[2:]]
    (swapped / "config.json").write_text(json.dumps(config))
    with pytest.raises(SystemExit) as exit_info:
        evaluate(
            str(tiny_gan_run), "--judge", str(swapped), "--data", str(two_class_npz),
            "--class", names[0], "--samples", "64", "--json", str(tmp_path / "q.json"),
        )  # fmt: skip
    assert exit_info.value.code == 2
    message = one_line_error(capsys)
    assert f"real held-out {names[0]} images '{names[0]}'" in message
    assert "class list does not match its weights" in message
    assert not (tmp_path / "q.json").exists()


def test_evaluate_reads_a_vae_run_and_writes_quality_json_beside_it(
    tiny_vae_run, tiny_judge, two_class_npz
):
    code = evaluate(
        str(tiny_vae_run), "--judge", str(tiny_judge), "--data", str(two_class_npz),
        "--class", "1", "--samples", "32",
    )  # fmt: skip
    assert code == 0
    written = json.loads((tiny_vae_run / "quality.json").read_text())
    assert written["kind"] == "vae-decoder" and written["class_name"] == "automobile"
    assert written["real_floor"]["samples"] == 12


def test_generate_scales_the_prior_latents_by_the_temperature():
    import keras

    from latentwalk.train.quality.evaluate import generate

    inputs = keras.Input((4,))
    image = keras.layers.Reshape((32, 32, 3))(
        keras.layers.Dense(32 * 32 * 3, activation="tanh")(inputs)
    )
    network = keras.Model(inputs, image)
    latents = np.random.default_rng(7).standard_normal((6, 4)).astype(np.float32)
    for temperature in (1.0, 0.5):
        expected = keras.ops.convert_to_numpy(network(latents * np.float32(temperature)))
        got = generate(network, 6, seed=7, batch_size=4, temperature=temperature)
        np.testing.assert_allclose(got, expected, atol=1e-6)


def _linear_generator(scale: float):
    import keras

    inputs = keras.Input((4,))
    dense = keras.layers.Dense(32 * 32 * 3, kernel_initializer="ones", name="dense_internal")
    image = keras.layers.Reshape((32, 32, 3))(dense(inputs))
    network = keras.Model(inputs, image, name="functional_7")
    network.layers[1].set_weights(
        [np.full((4, 32 * 32 * 3), scale, np.float32), np.zeros(32 * 32 * 3, np.float32)]
    )
    return network


def test_a_generator_outside_minus_one_to_one_is_graded_with_a_warning_naming_it():
    from latentwalk.train.quality.evaluate import generate

    with pytest.warns(UserWarning, match=r"gan-wide draws values up to .* outside the \[-1, 1\]"):
        generate(_linear_generator(5.0), 8, name="gan-wide")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generate(_linear_generator(0.01), 8, name="gan-calm")  # in range: no warning


def test_a_nan_generator_is_named_by_its_file_not_keras_internal_name():
    from latentwalk.train.quality.evaluate import EvaluationError, generate

    with pytest.raises(EvaluationError, match="^gan-broken made non-finite images"):
        generate(_linear_generator(float("nan")), 8, name="gan-broken")


def test_evaluate_prints_a_warning_as_one_line_without_a_source_path(capsys):
    import warnings

    from latentwalk.train.quality.cli import warnings_as_lines

    with warnings_as_lines():
        warnings.warn("the frog images are not the ones the judge was trained on", stacklevel=1)
    err = capsys.readouterr().err
    assert err == "warning: the frog images are not the ones the judge was trained on\n"


def test_evaluate_grades_each_temperature_into_the_json(
    tiny_gan_run, tiny_judge, two_class_npz, tmp_path, capsys
):
    out = tmp_path / "temperature.json"
    code = evaluate(
        str(tiny_gan_run), "--judge", str(tiny_judge), "--data", str(two_class_npz),
        "--class", "0", "--samples", "64", "--temperature", "1", "0.25", "--json", str(out),
    )  # fmt: skip
    assert code == 0
    table = capsys.readouterr().out
    assert "gan T=1 " in table and "gan T=0.25 " in table
    prior, cold = json.loads(out.read_text())["models"]
    assert (prior["temperature"], cold["temperature"]) == (1.0, 0.25)
    assert prior["samples"] == cold["samples"] == 64
    # A quarter of the latent spread: the samples crowd together, so they cover less (recall) and
    # sit further from the real images' spread (FID).
    assert cold["fid"] != prior["fid"] and cold["recall"] <= prior["recall"]
    assert not (tiny_gan_run / "quality.json").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--temperature", "0"], "must be positive"),
        (["--temperature", "nan"], "must be positive"),
        (["--temperature", "0.8"], "needs --json"),
        # ran out of memory after grading the real images, with a traceback
        (["--samples", "10000000000"], "--samples must be from 10 to 50,000"),
        (["--samples", "9"], "--samples must be from 10 to 50,000"),
    ],
)
def test_bad_temperatures_and_counts_are_one_line_errors(
    tiny_gan_run, tiny_judge, two_class_npz, extra, message, capsys
):
    with pytest.raises(SystemExit) as exit_info:
        evaluate(str(tiny_gan_run), "--judge", str(tiny_judge), "--data", str(two_class_npz),
                 "--class", "0", "--samples", "16", *extra)  # fmt: skip
    assert exit_info.value.code == 2
    assert message in one_line_error(capsys)


def test_training_with_eval_every_logs_kid_precision_recall_and_class_rate(
    tiny_npz, tiny_judge, tmp_path
):
    run = train_tiny("gan", tiny_npz, tmp_path / "run", "--eval-every", "10", "--judge",
                     str(tiny_judge))  # fmt: skip
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    graded = [r for r in records if "eval_kid" in r]
    assert [r["step"] for r in graded] == [10, 20]
    assert all(r["eval_samples"] == 1000 and np.isfinite(r["eval_kid"]) for r in graded)
    assert all(0 <= r["eval_precision"] <= 1 and 0 <= r["eval_recall"] <= 1 for r in graded)
    assert "eval_class_rate" not in graded[0]  # --class all: no class to count votes for


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    return err.splitlines()[-1]


def test_a_missing_judge_says_to_run_make_judge(tiny_gan_run, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        evaluate(str(tiny_gan_run), "--judge", str(tmp_path / "nowhere"))
    assert exit_info.value.code == 2
    assert "make judge" in one_line_error(capsys)


def test_a_bad_model_path_is_a_one_line_error(tiny_judge, capsys):
    with pytest.raises(SystemExit) as exit_info:
        evaluate("no/such/model", "--judge", str(tiny_judge))
    assert exit_info.value.code == 2
    assert "does not exist" in one_line_error(capsys)


def test_a_model_of_the_wrong_shape_is_a_one_line_error(
    tiny_judge, two_class_npz, tmp_path, capsys
):
    import keras

    inputs = keras.Input((10,))
    keras.Model(inputs, keras.layers.Dense(4)(inputs)).save(tmp_path / "generator.keras")
    with pytest.raises(SystemExit) as exit_info:
        evaluate(str(tmp_path), "--judge", str(tiny_judge), "--data", str(two_class_npz),
                 "--class", "0")  # fmt: skip
    assert exit_info.value.code == 2
    assert "(None, 32, 32, 3)" in one_line_error(capsys)


# The shipped judge on real frogs ------------------------------------------------------------

# The real images are not in the checkout: CI and the README's setup put them beside it.
needs_real_data = pytest.mark.skipif(
    not SHARED_ZIP.exists(),
    reason="needs the real CIFAR-10 images: ../shared/data/cifar10-train-jpeg.zip (beside the "
    "checkout, as in CI) is missing",
)


@pytest.fixture(scope="module")
def frogs():
    from latentwalk.train.quality.evaluate import Judge, real_split

    judge = Judge(SHIPPED_JUDGE)
    return judge, real_split(judge, str(SHARED_ZIP), "frog")


def to_uint8(images: np.ndarray) -> np.ndarray:
    return np.clip(np.round(images), 0, 255).astype(np.uint8)


def test_the_shipped_judge_meets_its_accuracy_target():
    config = json.loads((SHIPPED_JUDGE / "config.json").read_text())
    assert config["heldout_accuracy"] >= 0.85
    assert config["split"]["heldout_images"] == 5000


@needs_real_data
def test_the_shipped_judge_calls_real_training_frogs_frogs(frogs):
    judge, split = frogs
    _, probabilities = judge(split.train)
    assert np.mean(np.argmax(probabilities, axis=1) == judge.class_index("frog")) >= 0.8


@needs_real_data
def test_judge_fid_is_zero_on_itself_and_grows_with_noise_and_blur(frogs):
    from latentwalk.core.metrics import frechet_distance, kernel_inception_distance

    judge, split = frogs
    reference = judge.features(split.train[:2000])
    assert frechet_distance(reference, reference) == pytest.approx(0.0, abs=1e-6)
    mean, std = kernel_inception_distance(reference[:1000], reference[1000:], 50, 500)
    assert abs(mean) <= 2 * std + 1e-9
    pictures = split.train[2000:2500]  # FID's bias at 500 images is the same at every level
    rng = np.random.default_rng(0)
    noisy = [
        judge.features(to_uint8(pictures + rng.normal(0, sigma, pictures.shape)))
        for sigma in (0, 8, 16, 32, 64)
    ]
    noise_fids = [frechet_distance(reference, features) for features in noisy]
    assert noise_fids == sorted(noise_fids), noise_fids
    blurred = [
        judge.features(
            np.stack(
                [
                    np.asarray(Image.fromarray(p).filter(ImageFilter.GaussianBlur(r)))
                    for p in pictures
                ]
            )
        )
        for r in (0, 0.6, 1.0, 1.5, 2.5)
    ]
    blur_fids = [frechet_distance(reference, features) for features in blurred]
    assert blur_fids == sorted(blur_fids), blur_fids
    assert noise_fids[-1] > 5 * noise_fids[0] and blur_fids[-1] > 5 * blur_fids[0]


def test_ctrl_c_while_training_the_judge_leaves_nothing_behind(
    two_class_npz, tmp_path, monkeypatch, capsys
):
    import latentwalk.train.quality.judge

    calls = []
    real_augment = latentwalk.train.quality.judge.augment

    def augment_then_interrupt(images, rng):
        calls.append(1)
        if len(calls) == 2:  # Ctrl-C in the second epoch
            raise KeyboardInterrupt
        return real_augment(images, rng)

    monkeypatch.setattr(latentwalk.train.quality.judge, "augment", augment_then_interrupt)
    out = tmp_path / "judge"
    code = main(["judge", "--preset", "tiny", "--data", str(two_class_npz), "--out", str(out)])
    assert code == 130
    assert "nothing was written" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", ["config", "model"])
def test_a_damaged_judge_is_a_one_line_error(damage, tiny_judge, tiny_gan_run, tmp_path, capsys):
    import shutil

    broken = tmp_path / "judge"
    shutil.copytree(tiny_judge, broken)
    if damage == "config":
        (broken / "config.json").write_text("{not json")
    else:
        (broken / "judge.keras").write_bytes(b"garbage")
    with pytest.raises(SystemExit) as exit_info:
        evaluate(str(tiny_gan_run), "--judge", str(broken))
    assert exit_info.value.code == 2
    assert "make judge" in one_line_error(capsys)
