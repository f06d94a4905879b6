"""Data sets of several classes (``--class frog,automobile``): loading, refusing bad class lists
with one line, the judge's class rate over the set, and evaluate's real images joined per class."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from latentwalk.core import metrics
from latentwalk.train.cli import main as train_main
from latentwalk.train.config import DataConfig
from latentwalk.train.data import DataError, class_list, load_images
from tests.support import make_images


def _zip(tmp_path, counts: dict[str, int]):
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for seed, (name, count) in enumerate(counts.items()):
            for index, image in enumerate(make_images(count, seed=seed)):
                path = tmp_path / "image.png"
                Image.fromarray(image).save(path)
                out.write(path, f"train/{name}/{index:04d}.png")
    return archive


def test_class_lists_name_cifar10_indices_and_refuse_repeats_and_gaps():
    assert class_list(None) is None
    assert class_list("frog") == ["frog"]
    assert class_list(" frog , 1 ") == ["frog", "automobile"]
    with pytest.raises(DataError, match="names frog twice"):
        class_list("frog,6")
    with pytest.raises(DataError, match="empty class name"):
        class_list("frog,")


def test_several_classes_load_from_a_zip_a_folder_and_an_npz(tmp_path):
    archive = _zip(tmp_path, {"frog": 4, "automobile": 3, "truck": 5})
    assert len(load_images(DataConfig(str(archive), "frog,automobile"))) == 7
    assert len(load_images(DataConfig(str(archive), "6,9"))) == 9  # frog and truck by index
    images = make_images(10)
    np.savez(tmp_path / "a.npz", x=images, y=np.array([6, 1, 9, 6, 1, 9, 6, 1, 9, 6]))
    loaded = load_images(DataConfig(str(tmp_path / "a.npz"), "frog,automobile"))
    assert len(loaded) == 7


def test_max_images_keeps_every_class_of_a_set(tmp_path):
    archive = _zip(tmp_path, {"frog": 20, "automobile": 20})
    loaded = load_images(DataConfig(str(archive), "frog,automobile", max_images=10))
    frogs = load_images(DataConfig(str(archive), "frog"))
    from_frogs = sum(any(np.array_equal(image, frog) for frog in frogs) for image in loaded)
    assert len(loaded) == 10 and 0 < from_frogs < 10


def test_a_class_of_the_set_that_has_no_images_is_named(tmp_path):
    archive = _zip(tmp_path, {"frog": 4})
    with pytest.raises(DataError, match="no usable images of class 'truk'"):
        load_images(DataConfig(str(archive), "frog,truk"))


@pytest.mark.parametrize(
    ("classes", "message"),
    [("frog,frog", "names frog twice"), ("frog,truk", "of class 'truk'")],
)
def test_the_trainer_refuses_bad_class_lists_in_one_line(tmp_path, capsys, classes, message):
    archive = _zip(tmp_path, {"frog": 4, "automobile": 4})
    with pytest.raises(SystemExit) as exit_info:
        train_main(["gan", "--preset", "tiny", "--data", str(archive), "--class", classes,
                    "--steps", "1", "--out", str(tmp_path / "run")])  # fmt: skip
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "Traceback" not in error and len(error.splitlines()) == 1
    assert not (tmp_path / "run" / "generator.keras").exists()


def test_class_rate_counts_any_class_of_the_set():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.5, 0.4, 0.1]])
    sets = metrics.Sets(
        fake=np.zeros((4, 2)), real=np.zeros((4, 2)), fake_probabilities=probabilities,
        class_index=(0, 1),
    )  # fmt: skip
    rate = metrics.compute(sets, ("class_rate",))
    assert rate["class_rate"] == 0.75
    assert rate["class_confidence"] == pytest.approx(np.mean([0.9, 0.9, 0.2, 0.9]))
    one = metrics.compute(
        metrics.Sets(np.zeros((4, 2)), np.zeros((4, 2)), probabilities, class_index=1),
        ("class_rate",),
    )
    assert one["class_rate"] == 0.25


def test_evaluate_joins_the_real_images_of_each_class(
    tiny_gan_run, tiny_judge, two_class_npz, tmp_path, capsys
):
    from latentwalk.train.cli import main

    out = tmp_path / "quality.json"
    code = main(["evaluate", str(tiny_gan_run), "--judge", str(tiny_judge), "--data",
                 str(two_class_npz), "--class", "0,1", "--samples", "32", "--json", str(out)])  # fmt: skip
    assert code == 0
    payload = json.loads(out.read_text())
    (result,) = payload["models"]
    assert result["class_name"] == "airplane,automobile"
    assert result["real_images"] == 216  # 2 x (120 less 12 held out)
    assert payload["real"][0]["samples"] == 24
    assert 0 <= result["class_rate"] <= 1
