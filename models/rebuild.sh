#!/usr/bin/env bash
# Rebuild the shipped models from scratch: train the small GAN and the VAE on the CIFAR-10 frogs,
# export both (float16 TF.js + Keras copies + manifests) into models/, and redraw the README's
# figures. Usage: bash models/rebuild.sh [DATA]   (or: make models DATA=...)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/cifar10-train-jpeg.zip}
PY=${PY:-.venv/bin/python}
STAMP=$(date +%Y%m%d-%H%M%S)
GAN_RUN=runs/gan-quality-cpu-frog-$STAMP
VAE_RUN=runs/vae-small-frog-$STAMP

SECONDS=0
# The judge first: the quality-cpu preset grades itself with it every 2,000 steps.
[[ -f models/judge/judge.keras ]] || $PY -m train judge --data "$DATA" --out models/judge
$PY -m train gan --preset quality-cpu --data "$DATA" --class frog --out "$GAN_RUN"
echo "GAN trained in $((SECONDS / 60)) min"
SECONDS=0
$PY -m train vae --preset small --data "$DATA" --class frog --out "$VAE_RUN"
echo "VAE trained in $((SECONDS / 60)) min"
$PY -m export "$GAN_RUN" --out models/gan-frog --force
$PY -m export "$VAE_RUN" --out models/vae-frog --force
$PY models/make_figures.py --data "$DATA"
$PY models/make_atlas_figure.py
# Grade them with the judge: models/*/quality.json.
GRADED="models/gan-frog models/vae-frog"
[[ -d models/gan-book-frog ]] && GRADED="$GRADED models/gan-book-frog"
$PY -m train evaluate $GRADED --data "$DATA"
