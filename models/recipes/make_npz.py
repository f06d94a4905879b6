"""Pack one class of a <class>/<image> folder or zip into a .npz that ``--data`` reads.

For a machine where the zip cannot go (or decoding 5,000 JPEGs would waste its time): the
trainer's own loader reads the images, and the .npz gets them as uint8 ``x`` with labels ``y``
(the CIFAR-10 class index, or the folder name), so ``--class`` works on it as on the zip.

    python models/recipes/make_npz.py --data ../shared/data/cifar10-train-jpeg.zip --class frog \\
        --out .gpu/frogs.npz
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from latentwalk.core.datasets import LOCAL_ZIP
from latentwalk.train.config import DataConfig
from latentwalk.train.data import DataError, cifar10_class_index, load_images

EXAMPLES = f"""\
examples:
  # the 5,000 CIFAR-10 frogs, for models/recipes/gpu_book_run.sh
  python models/recipes/make_npz.py --data {LOCAL_ZIP} --class frog \\
      --out .gpu/frogs.npz
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python models/recipes/make_npz.py",
        description=__doc__.split("\n\n")[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", required=True, help="image folder or .zip laid out as <class>/")
    parser.add_argument("--class", dest="class_name", required=True, help="e.g. frog")
    parser.add_argument("--out", type=Path, required=True, help="the .npz to write")
    args = parser.parse_args(argv)
    if args.out.suffix != ".npz":
        parser.exit(2, f"{parser.prog}: error: --out must end in .npz, got {args.out}\n")
    try:
        images = load_images(DataConfig(source=args.data, class_name=args.class_name))
    except DataError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    try:
        label: int | str = cifar10_class_index(args.class_name)
    except DataError:  # not a CIFAR-10 class: the folder name is the label
        label = args.class_name
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, x=images, y=np.full(len(images), label))
    size = args.out.stat().st_size / 2**20
    print(f"{len(images)} images of class {args.class_name!r} -> {args.out} ({size:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
