#!/usr/bin/env bash
# Train the GAN ablation variants side by side on one GPU (Keras's JAX backend), for the judge to
# grade afterwards. Back here, unpack the parts and grade every variant into the results file
# (docs/experiments.md shows the table):
#   for part in part-*.tar; do tar -xf "$part" -C runs/ablation; done
#   .venv/bin/python -m train evaluate runs/ablation/*/generator.keras \
#       --data ../shared/data/cifar10-train-jpeg.zip \
#       --json benchmarks/results/gan-ablation-h200-8000-steps.json
#   cp times.jsonl benchmarks/results/gan-ablation-h200-8000-steps-times.jsonl
# The steps/s of the same variants on a CPU: benchmarks/ablation_speed.py.
#
# Every variant: the small preset's settings, the same seed, data and number of steps; each adds
# one technique to the previous one (or swaps one). They run as parallel processes: the small
# GAN's step leaves a big GPU mostly idle, so they barely slow each other.
#
# Prepare here (see models/recipes/gpu_book_run.sh for the wheels), then run it on the GPU machine
# from the repo root with .whl and .gpu carried:
#   .venv/bin/python models/recipes/make_npz.py --data ../shared/data/cifar10-train-jpeg.zip \
#       --class frog --out .gpu/frogs.npz
#
# Comes back under $OUT (the device tool returns at most 8 files of at most 16 MiB): part-N.tar,
# each two run folders without checkpoints (every folder with its train.log), and times.jsonl.
# Settings (environment): STEPS (default 8000), DATA (default .gpu/frogs.npz), PRESET (default
# small; tiny for a dry run of this script on a CPU).
set -euo pipefail

STEPS="${STEPS:-8000}"
PRESET="${PRESET:-small}"
DATA="${DATA:-.gpu/frogs.npz}"
OUT="${OUT:?set OUT to the folder whose files come back}"
RUNS=/tmp/ablation
rm -rf "$RUNS" && mkdir -p "$RUNS"

if [[ -d .whl ]]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site
fi
export KERAS_BACKEND="${KERAS_BACKEND:-jax}" PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # several processes share the GPU

SUBPIXEL="--upsample subpixel --generator-width 160"
AUGMENT="--diffaugment translation,cutout,color"
declare -A VARIANTS=(
    [a-baseline]=""
    [b-subpixel]="$SUBPIXEL"
    [c-resize]="--upsample resize --generator-width 160"
    [d-subpixel-diffaug]="$SUBPIXEL $AUGMENT"
    [e-subpixel-diffaug-ema]="$SUBPIXEL $AUGMENT --ema-decay 0.999"
    [f-subpixel-diffaug-sn-hinge]="$SUBPIXEL $AUGMENT --spectral-norm --loss hinge"
    [g-subpixel-diffaug-sn-hinge-ema]="$SUBPIXEL $AUGMENT --spectral-norm --loss hinge --ema-decay 0.999"
    [h-subpixel-diffaug-ema-ttur]="$SUBPIXEL $AUGMENT --ema-decay 0.999 --d-learning-rate 4e-4 --g-learning-rate 1e-4"
)

START=$(date +%s)
for name in "${!VARIANTS[@]}"; do
    # shellcheck disable=SC2086  # the options are meant to split into words
    ( began=$(date +%s)
      python3 -m train gan --preset "$PRESET" --data "$DATA" --class frog --steps "$STEPS" \
          --sample-every 1000 --checkpoint-every 4000 ${VARIANTS[$name]} --out "$RUNS/$name" \
          > "$RUNS/$name.log" 2>&1
      mv "$RUNS/$name.log" "$RUNS/$name/train.log"
      echo "{\"variant\": \"$name\", \"seconds\": $(( $(date +%s) - began ))}" >> "$OUT/times.jsonl"
    ) &
done
wait
echo "all variants done in $(( $(date +%s) - START )) s"
mapfile -t names < <(printf '%s\n' "${!VARIANTS[@]}" | sort)
for ((i = 0; i < ${#names[@]}; i += 2)); do
    tar -C "$RUNS" --exclude checkpoints --exclude tensorboard -cf "$OUT/part-$((i / 2)).tar" \
        "${names[@]:i:2}"
done
ls -la "$OUT"
