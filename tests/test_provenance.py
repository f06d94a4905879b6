"""A run folder's config.json says when and where the run trained (train/provenance.py): each
session's start, end, wall seconds, steps and outcome, with the hardware, library versions and
commit; a resume keeps the run's start and adds a session, and every reader still loads it."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from latentwalk.core import layout
from latentwalk.train import config as config_module
from latentwalk.train import run as run_module
from latentwalk.train.config import DataConfig, make_config
from latentwalk.train.provenance import Session
from tests.support import make_images, train_tiny


def provenance_of(run_dir: Path) -> dict:
    return json.loads((run_dir / layout.CONFIG).read_text())[layout.PROVENANCE]


def settings_of(run_dir: Path) -> dict:
    """config.json without its provenance: how the run was made."""
    values = json.loads((run_dir / layout.CONFIG).read_text())
    values.pop(layout.PROVENANCE)
    return values


def test_a_run_records_when_where_and_with_what_it_trained(tiny_gan_run):
    record = provenance_of(tiny_gan_run)
    (session,) = record["sessions"]
    assert session["steps"] == [0, 20] and session["outcome"] == "finished"
    assert (record["started"], record["ended"]) == (session["started"], session["ended"])
    assert record["started"] <= record["ended"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", record["started"])
    assert 0 < record["wall_seconds"] == session["wall_seconds"]
    assert {"python", "keras", "numpy"} <= set(session["versions"])
    import keras

    assert session["keras_backend"] == keras.config.backend()
    assert session["hardware"]["cpu"]["cores"] >= 1 and "gpus" in session["hardware"]
    # The checkout's commit (this suite runs in one), "+dirty" when files differ from it.
    assert session["commit"] is None or re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", session["commit"])
    assert "/" not in json.dumps(session["hardware"]) + json.dumps(session["versions"])
    assert list(json.loads((tiny_gan_run / layout.CONFIG).read_text()))[-1] == layout.PROVENANCE


def test_every_reader_still_loads_a_config_with_provenance(tiny_gan_run):
    from latentwalk.export.sources import find_sources
    from latentwalk.train.quality.evaluate import find_model

    config = config_module.load(tiny_gan_run)
    assert config.kind == "gan" and config.steps == 20
    assert find_sources(tiny_gan_run).config["kind"] == "gan"
    assert find_model(tiny_gan_run).class_name == layout.ALL_CLASSES
    label = layout.TrainedModel.from_folder("gan", tiny_gan_run).label()
    assert label == "DCGAN (tiny, all classes, 20 steps)"


@pytest.mark.slow
def test_a_resumed_run_keeps_its_start_and_adds_a_session(tiny_npz, tmp_path):
    straight = train_tiny("gan", tiny_npz, tmp_path / "straight", "--steps", "6")
    resumed = train_tiny("gan", tiny_npz, tmp_path / "resumed", "--steps", "4")
    first = provenance_of(resumed)
    from latentwalk.train.cli import main

    assert main(["gan", "--resume", str(resumed), "--steps", "6"]) == 0
    record = provenance_of(resumed)
    assert record["sessions"][0] == first["sessions"][0]
    assert [s["steps"] for s in record["sessions"]] == [[0, 4], [4, 6]]
    assert [s["outcome"] for s in record["sessions"]] == ["finished", "finished"]
    assert record["started"] == first["started"] and record["ended"] >= first["ended"]
    assert record["ended"] == record["sessions"][1]["ended"]
    total = sum(s["wall_seconds"] for s in record["sessions"])
    assert record["wall_seconds"] == pytest.approx(total, abs=0.11)
    # What compares runs' settings (and resume itself) sees the same run as trained straight.
    assert settings_of(resumed) == settings_of(straight)
    assert config_module.load(resumed) == config_module.load(straight)


def test_resuming_a_run_made_before_provenance_marks_the_earlier_steps_unrecorded(
    tiny_gan_run, tmp_path
):
    older = tmp_path / "older"
    shutil.copytree(tiny_gan_run, older)
    (older / layout.CONFIG).write_text(json.dumps(settings_of(tiny_gan_run)))
    from latentwalk.train.cli import main

    assert main(["gan", "--resume", str(older), "--steps", "22"]) == 0
    record = provenance_of(older)
    unrecorded, session = record["sessions"]
    assert unrecorded == {
        "started": None, "ended": None, "wall_seconds": None,
        "steps": [0, 20], "outcome": "unrecorded",
    }  # fmt: skip
    assert session["steps"] == [20, 22] and session["outcome"] == "finished"
    assert record["started"] is None and record["wall_seconds"] == session["wall_seconds"]


# --- the session record, on a toy task (no TensorFlow) ------------------------------------------


class _Weight:
    def __init__(self):
        self.value = np.zeros(2, np.float32)

    def numpy(self):
        return self.value.copy()


class _CountingTask:
    """A weight that grows by 1 a step; it reads config.json as each step starts, and its loss
    turns NaN at ``nan_at``."""

    def __init__(self, config, run_dir: Path, nan_at: int | None = None):
        self.config, self.run_dir, self.nan_at = config, run_dir, nan_at
        self.weight = _Weight()
        self.seen: dict[int, dict] = {}

    def variables(self):
        return {"toy": {"weight": self.weight}}

    def train_step(self, real_images, rng):
        step = int(self.weight.value[0])
        self.seen[step] = provenance_of(self.run_dir)
        self.weight.value = self.weight.value + 1
        return {"loss": float("nan") if step + 1 == self.nan_at else 1.0}

    def after_step(self, step, metrics):
        return []

    def extra_state(self):
        return {}

    def load_extra_state(self, state):
        pass

    def sample_images(self):
        return np.zeros((1, 32, 32, 3), np.float32)

    def save_final(self, run_dir):
        pass


def _toy_run(tmp_path: Path, nan_at: int | None = None) -> tuple[Path, _CountingTask]:
    config = make_config("gan", "tiny", {"steps": 9, "log_every": 1}, DataConfig("x.npz"))
    config = dataclasses.replace(config, checkpoint_every=4, sample_every=100)
    run_dir = run_module.prepare_run_dir(tmp_path / "run", resume=False)
    task = _CountingTask(config, run_dir, nan_at)
    try:
        run_module.train(task, run_dir, make_images(4), began=1_000_000_000.0)
    except run_module.Diverged:
        pass
    return run_dir, task


def test_a_running_session_is_rewritten_at_each_checkpoint(tmp_path):
    run_dir, task = _toy_run(tmp_path)
    # Before the first checkpoint: step 0, running; after it (step 4, then 8): as of then.
    for step, checkpointed in ((0, 0), (4, 4), (5, 4), (8, 8)):
        record = task.seen[step]
        assert record["ended"] is None and record["sessions"][-1]["outcome"] == "running"
        assert record["sessions"][-1]["steps"] == [0, checkpointed]
    record = provenance_of(run_dir)
    assert record["sessions"][-1]["steps"] == [0, 9]
    assert record["sessions"][-1]["outcome"] == "finished"
    # ``began`` is the session's start (the CLI passes its process's, before the data loaded).
    assert record["started"] == "2001-09-09T01:46:40+00:00"
    assert record["wall_seconds"] > 10**8


def test_a_diverged_session_says_so_and_how_far_it_got(tmp_path):
    run_dir, _ = _toy_run(tmp_path, nan_at=6)
    (session,) = provenance_of(run_dir)["sessions"]
    assert (session["outcome"], session["steps"]) == ("diverged", [0, 5])


def test_a_session_found_running_was_killed_and_keeps_its_record():
    earlier = Session(0, began=100.0).record(8)  # as its last checkpoint left it
    assert earlier["ended"] is None
    record = Session(8, earlier).record(12, "finished")
    killed, this = record["sessions"]
    assert killed == {**earlier["sessions"][0], "outcome": "killed"}
    assert this["steps"] == [8, 12] and record["started"] == killed["started"]
    assert record["wall_seconds"] == pytest.approx(killed["wall_seconds"] + this["wall_seconds"])
    # Killed after saving a checkpoint but before config.json said so: the resume starts later.
    later = Session(12, earlier).record(12, "finished")
    assert later["sessions"][0]["steps"] == [0, 12]


@pytest.mark.parametrize(
    "earlier",
    [{"sessions": "lost"}, {"sessions": [{"steps": 3}]}, {"sessions": [{"steps": [0, "a"]}]}, []],
)
def test_a_record_edited_out_of_shape_is_started_again(earlier):
    record = Session(5, earlier).record(7, "finished")
    assert [s["outcome"] for s in record["sessions"]] == ["unrecorded", "finished"]
