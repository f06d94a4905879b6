#!/usr/bin/env bash
# Rebuild the shipped models from scratch: for every data set of core/datasets.py (frogs, the
# two far-apart classes, all ten classes) train the GAN (quality-cpu recipe) and the VAE (small
# preset), export both (float16 TF.js + Keras copies + manifests) into models/gan-<id> and
# models/vae-<id>, grade them with the judge, measure where they tear, and redraw the README's
# figures. Usage: bash models/recipes/rebuild.sh [DATA] [DATASET...]   (or: make models DATA=...)
# About 25-55 min per GAN and 10-15 min per VAE on 2 CPU cores (see docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data/cifar10-train-jpeg.zip}
shift || true
PY=${PY:-.venv/bin/python}
STAMP=$(date +%Y%m%d-%H%M%S)

# id<TAB>classes for each data set, from the one table that defines them.
mapfile -t TABLE < <($PY -c 'from latentwalk.core.datasets import DATASETS
for d in DATASETS: print(f"{d.id}\t{d.classes}")')
WANTED=("$@")

# The judge first: the quality-cpu preset grades itself with it every 2,000 steps.
[[ -f models/judge/judge.keras ]] || $PY -m train judge --data "$DATA" --out models/judge

GRADED=()
for row in "${TABLE[@]}"; do
  id=${row%%$'\t'*}
  classes=${row#*$'\t'}
  if ((${#WANTED[@]})) && [[ ! " ${WANTED[*]} " == *" $id "* ]]; then
    continue
  fi
  gan_run=runs/gan-quality-cpu-$id-$STAMP
  vae_run=runs/vae-small-$id-$STAMP
  SECONDS=0
  $PY -m train gan --preset quality-cpu --data "$DATA" --class "$classes" --out "$gan_run"
  echo "$id: GAN trained in $((SECONDS / 60)) min"
  SECONDS=0
  $PY -m train vae --preset small --data "$DATA" --class "$classes" --out "$vae_run"
  echo "$id: VAE trained in $((SECONDS / 60)) min"
  $PY -m export "$gan_run" --out "models/gan-$id" --force
  $PY -m export "$vae_run" --out "models/vae-$id" --force
  GRADED+=("models/gan-$id" "models/vae-$id")
  $PY models/recipes/measure_tears.py "$id" --data "$DATA"
done

$PY models/recipes/make_figures.py --data "$DATA"
$PY models/recipes/make_atlas_figure.py
# Grade them with the judge: models/*/quality.json (rewritten: these are new models).
[[ -d models/gan-book-frog ]] && GRADED+=(models/gan-book-frog)
$PY -m train evaluate "${GRADED[@]}" --data "$DATA" --write-shipped
