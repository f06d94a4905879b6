#!/usr/bin/env bash
# Train the book's DCGAN (preset book: 10,000 steps of batch 20 on the 5,000 CIFAR-10 frogs) on a
# GPU machine with JAX (Keras's JAX backend; TensorFlow is not needed), and pack the run folder to
# bring back.
#
# Before, from the repo root on a machine with the data: the training images as a .npz, and the
# wheels the script installs on the GPU machine without a network (keras 3.15.1, the version
# that reads the .keras files back, and its needs):
#   .venv/bin/python models/recipes/make_npz.py --data ../shared/data/cifar10-train-jpeg.zip \
#       --class frog --out .gpu/frogs.npz
#   for wheel in keras==3.15.1 namex==0.1.0 optree==0.20.0; do
#     .venv/bin/python -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
#       --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl "$wheel"; done
# Then, on the GPU machine, from a copy of the repo holding .whl/ and .gpu/:
#   OUT=/path/to/results bash models/recipes/gpu_book_run.sh
#
# What it writes under $OUT:
#   gan-book-frog.tar.00, .01, ...  the run folder without checkpoints, split in 15 MiB parts
#                                   (generator.keras alone is 25 MB); join them with
#                                   cat gan-book-frog.tar.* > gan-book-frog.tar
#   gan-book-frog.sha256            sha256 of the joined tar
#   train.log                       the trainer's own output
#
# Settings (environment): STEPS (default 10000), DATA (default .gpu/frogs.npz), PRESET (default
# book; tiny for a dry run of this script on a CPU) and DEADLINE_S (default 480): seconds from
# the start of this script by which training must be done. If the speed over the first 200
# steps says STEPS would end later, training is stopped with Ctrl-C (a checkpoint is saved) and
# resumed to the step count that fits, so the run folder is complete either way (config.json
# and metrics.jsonl then say how far it got).
set -euo pipefail

STEPS="${STEPS:-10000}"
PRESET="${PRESET:-book}"
DATA="${DATA:-.gpu/frogs.npz}"
DEADLINE_S="${DEADLINE_S:-480}"
OUT="${OUT:?set OUT to the folder whose files come back}"
RUN=/tmp/gan-book-frog
LOG="$OUT/train.log"
START=$(date +%s)
elapsed() { echo $(($(date +%s) - START)); }
rm -rf "$RUN" /tmp/smoke  # an earlier run's leftovers

python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site KERAS_BACKEND=jax PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2

nvidia-smi -L || echo "no nvidia-smi: no GPU here"
python3 -c 'import jax, keras; print("jax", jax.__version__, jax.devices(), "| keras", keras.__version__, keras.backend.backend())'
test -f "$DATA" || { echo "no training data at $DATA (make it with models/recipes/make_npz.py)"; exit 2; }

echo "== smoke: tiny preset, 5 steps ($(elapsed) s)"
python3 -m train gan --preset tiny --data "$DATA" --class frog --steps 5 --out /tmp/smoke \
    > /tmp/smoke.log 2>&1 || { tail -n 40 /tmp/smoke.log; exit 1; }
ls /tmp/smoke

last_step() {  # the step of the last line of metrics.jsonl, or 0
    [[ -s "$RUN/metrics.jsonl" ]] || { echo 0; return; }
    tail -n 1 "$RUN/metrics.jsonl" | python3 -c 'import json, sys; print(json.load(sys.stdin)["step"])'
}

echo "== $PRESET preset, $STEPS steps ($(elapsed) s)"
python3 -m train gan --preset "$PRESET" --data "$DATA" --class frog --steps "$STEPS" --out "$RUN" \
    > "$LOG" 2>&1 &
TRAINER=$!
target=""     # set when training has to stop early: the step count to finish at instead
t10="" && measured="" && report=1000
while kill -0 "$TRAINER" 2>/dev/null; do
    sleep 2
    step=$(last_step)
    if [[ -z "$t10" && "$step" -ge 10 ]]; then
        t10=$(date +%s.%N)
        echo "first 10 steps (compilation included) done at $(elapsed) s"
    fi
    if [[ -z "$measured" && "$step" -ge 200 ]]; then
        measured=1
        # Wall-clock speed over steps 10-200 and when STEPS would end at it (+5% for the sample
        # grids and checkpoints every 500 steps); else the step count that fits, with a minute
        # kept for resuming (compiling again) and packing.
        read -r rate finish fit < <(python3 -c "
import time
rate = ($step - 10) / (time.time() - $t10)
finish = $(elapsed) + 1.05 * ($STEPS - $step) / rate
fit = int($step + ($DEADLINE_S - 60 - $(elapsed)) * rate / 1.05) // 500 * 500
print(f'{rate:.1f}', int(finish), max(fit, 500))")
        per_s=$(grep -o '"images_per_s": [0-9.]*' "$RUN/metrics.jsonl" | tail -n 1)
        echo "speed: $rate steps/s wall clock over steps 10-$step ($per_s inside the step);" \
            "$STEPS steps would end at about $finish s (deadline $DEADLINE_S s)"
        if [[ "$finish" -gt "$DEADLINE_S" && "$fit" -lt "$STEPS" ]]; then
            echo "too slow for $STEPS steps: stopping with Ctrl-C, then resuming to $fit steps"
            target=$fit
            kill -INT "$TRAINER"
        fi
    fi
    if [[ -z "$target" && $(elapsed) -gt "$DEADLINE_S" ]]; then
        echo "deadline reached at step $step: stopping with Ctrl-C and saving the generator"
        target=0
        kill -INT "$TRAINER"
    fi
    if ((step >= report)); then
        echo "step $step at $(elapsed) s: $(tail -n 1 "$RUN/metrics.jsonl")"
        report=$((step / 1000 * 1000 + 1000))
    fi
done
status=0 && wait "$TRAINER" || status=$?
if [[ -n "$target" && "$status" -eq 130 ]]; then
    # Resuming to a step count at or below the checkpoint's just saves generator.keras.
    stopped=$(last_step)
    python3 -m train gan --resume "$RUN" --steps $((target > stopped ? target : stopped)) \
        >> "$LOG" 2>&1 || { tail -n 40 "$LOG"; exit 1; }
elif [[ "$status" -ne 0 ]]; then
    tail -n 40 "$LOG"
    exit "$status"
fi
[[ -f "$RUN/generator.keras" ]] || { tail -n 40 "$LOG"; echo "no generator.keras"; exit 1; }
echo "== trained to step $(last_step) in $(elapsed) s"
tail -n 2 "$RUN/metrics.jsonl"

# Everything but the checkpoints (56 MB each); of the step grids, every 1000th and the last.
cd "$RUN"
grids=$(ls samples/step_*.png | awk -F'[_.]' '$2 % 1000 == 0' ; ls samples/step_*.png | tail -n 1)
tar -cf /tmp/gan-book-frog.tar config.json metrics.jsonl generator.keras tensorboard \
    samples/latest.png $(echo "$grids" | sort -u)
cd - > /dev/null
split -b 15M -d -a 2 /tmp/gan-book-frog.tar "$OUT/gan-book-frog.tar."
(cd /tmp && sha256sum gan-book-frog.tar) > "$OUT/gan-book-frog.sha256"
tar -tvf /tmp/gan-book-frog.tar
ls -l "$OUT"
echo "== done in $(elapsed) s"
