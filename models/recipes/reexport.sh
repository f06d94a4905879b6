#!/usr/bin/env bash
# Export the shipped models again from their own Keras copies, without retraining: for when the
# exporter changes (e.g. its graph rewrite). Each export folder holds what a run folder needs
# (config.json, metrics.jsonl, samples.png, <role>/<role>.keras); this lays them out as a run
# folder in a temporary place and runs `python -m export` on it.
# Usage: bash models/recipes/reexport.sh [EXPORT_DIR[:OUT_DIR] ...]   (default: models/gan-frog
# models/vae-frog, each in place); e.g. models/gan-book-frog:models/gan-book-frog-web writes the
# book GAN's TF.js export beside its Keras-only folder (what `make book-web` does).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[[ $# -gt 0 ]] || set -- models/gan-frog models/vae-frog
for pair in "$@"; do
  export_dir=${pair%%:*}
  out=${pair#*:}
  name=$(basename "$export_dir")
  run="$WORK/$name"
  mkdir -p "$run/samples"
  cp "$export_dir/config.json" "$run/"
  if [[ -f "$export_dir/metrics.jsonl" ]]; then cp "$export_dir/metrics.jsonl" "$run/"; fi
  if [[ -f "$export_dir/samples.png" ]]; then cp "$export_dir/samples.png" "$run/samples/latest.png"; fi
  cp "$export_dir"/*/*.keras "$run/"
  # quality.json is the judge's verdict on the Keras model, which does not change: keep it.
  if [[ -f "$export_dir/quality.json" ]]; then cp "$export_dir/quality.json" "$WORK/$name.quality.json"; fi
  $PY -m export "$run" --out "$out" --force
  if [[ -f "$WORK/$name.quality.json" ]]; then cp "$WORK/$name.quality.json" "$out/quality.json"; fi
done
