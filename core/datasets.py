"""The data sets the shipped model pairs are trained on, defined once: their ids, the classes
(as ``--class`` takes them), the words the front ends use, and the model folders under models/.

frogs is the book's setting (one class, roughly one connected mode); the two far-apart classes
were chosen by the judge (models/recipes/choose_pair.py: largest Fréchet distance between the classes'
real images in judge features among the candidates); ten classes is the classic unconditional
DCGAN-on-CIFAR-10 setting.
"""

from __future__ import annotations

from dataclasses import dataclass

# The real CIFAR-10 (all ten classes, JPEGs in a zip: ../shared/data/README.md) beside a checkout,
# relative to it: every script's default --data and every example's.
LOCAL_ZIP = "../shared/data/cifar10-train-jpeg.zip"


@dataclass(frozen=True)
class Dataset:
    id: str  # in folder names, URLs and permalinks
    classes: str  # the trainer's --class: one name, several joined by commas, or "all"
    label: str  # "On {label}, ..." in the verdict; the app's and the page's choice
    short: str  # a chart's or a menu's word

    @property
    def gan(self) -> str:
        """The GAN's folder under models/."""
        return f"gan-{self.id}"

    @property
    def vae(self) -> str:
        return f"vae-{self.id}"

    @property
    def tears(self) -> str:
        """The measured figures (models/recipes/measure_tears.py) under models/figures/."""
        return f"tears-{self.id}.json"


DATASETS = (
    Dataset("frog", "frog", "frogs (one class)", "frogs"),
    Dataset("frog-automobile", "frog,automobile", "two classes (frog, automobile)", "two classes"),
    Dataset("cifar10", "all", "all ten CIFAR-10 classes", "ten classes"),
)
BY_ID = {dataset.id: dataset for dataset in DATASETS}
BY_CLASSES = {dataset.classes: dataset for dataset in DATASETS}


def dataset_of(class_name: str | None) -> Dataset | None:
    """The shipped data set a model trained on ``class_name`` (as config.json or a manifest
    records it: "frog", "frog,automobile", "all") belongs to; None for any other."""
    if class_name is None:
        return None
    return BY_CLASSES.get(str(class_name))


# The data set both front ends open on: frogs while their measured verdict is clear, else the
# first data set whose verdict is (models/figures/tears-<id>.json says; measured on 2026-12-03:
# frogs "barely", two classes "barely", ten classes "clear"). tests/test_verdict_table.py checks
# this choice against the stored figures.
DEFAULT_DATASET = "cifar10"
