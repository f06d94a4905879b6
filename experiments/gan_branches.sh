#!/usr/bin/env bash
# Same-trajectory ablation on a CPU: branch one GAN run at a checkpoint and train each branch on
# with one setting changed, then grade every branch with the judge. Up to the branch step they
# share every weight, so the judge's differences are the settings' alone (a CPU run is
# repeatable). This is how the late-training options of the quality-cpu recipe were judged
# (docs/experiments.md): from step 16,000 of an 18,000-step quality-cpu run, 6,000 more steps
# each. Every branch keeps the base run's settings except --steps, --lr-decay, --top-k,
# --pr-lambda and --pr-start, which it sets itself (the base run's own values are dropped).
#
# Usage: bash experiments/gan_branches.sh BASE_RUN [AT_STEP] [STEPS] [BRANCH...]
#   BASE_RUN  a GAN run folder holding checkpoints/ckpt-<AT_STEP>.npz (checkpoints keep the last
#             three: copy the one you need aside while the base run trains)
#   AT_STEP   the branch point (default 16000); STEPS the branches' total (default 22000)
#   BRANCH    which branches (default: constant lr-decay lr-decay-top-k-0.5 lr-decay-top-k-0.25;
#             also pr-lambda-2, pr-lambda-4, pr-lambda-8, pr-lambda-16: --pr-lambda from AT_STEP)
# Settings (environment): DATA (default ../shared/data/cifar10-train-jpeg.zip), OUT (default
# runs/branches), PY (default .venv/bin/python). Writes OUT/<branch>/ and OUT/quality.json.
set -euo pipefail

BASE="${1:?usage: bash experiments/gan_branches.sh BASE_RUN [AT_STEP] [STEPS]}"
AT="${2:-16000}"
STEPS="${3:-22000}"
DATA="${DATA:-../shared/data/cifar10-train-jpeg.zip}"
OUT="${OUT:-runs/branches}"
PY="${PY:-.venv/bin/python}"
CHECKPOINT="$BASE/checkpoints/$(printf 'ckpt-%07d.npz' "$AT")"
[[ -f "$CHECKPOINT" ]] || { echo "no checkpoint at step $AT: $CHECKPOINT" >&2; exit 2; }

# branch name -> config.json changes (JSON); --lr-decay's fraction starts the decay at AT_STEP.
DECAY=$($PY -c "print(($STEPS - $AT) / $STEPS)")
START=$($PY -c "print($AT / $STEPS)")
declare -A BRANCHES=(
    [constant]="{}"
    [lr-decay]="{\"lr_decay\": $DECAY}"
    [lr-decay-top-k-0.5]="{\"lr_decay\": $DECAY, \"top_k\": 0.5}"
    [lr-decay-top-k-0.25]="{\"lr_decay\": $DECAY, \"top_k\": 0.25}"
)
for lambda in 2 4 8 16; do
    BRANCHES[pr-lambda-$lambda]="{\"pr_lambda\": $lambda, \"pr_start\": $START}"
done
shift $(($# < 3 ? $# : 3))
NAMES=("$@")
[[ ${#NAMES[@]} -gt 0 ]] || NAMES=(constant lr-decay lr-decay-top-k-0.5 lr-decay-top-k-0.25)
for name in "${NAMES[@]}"; do
    [[ -n "${BRANCHES[$name]:-}" ]] || { echo "unknown branch $name: ${!BRANCHES[*]}" >&2; exit 2; }
done
mkdir -p "$OUT"
GRADED=()
for name in "${NAMES[@]}"; do
    run="$OUT/$name"
    if [[ ! -f "$run/generator.keras" ]]; then
        rm -rf "$run" && mkdir -p "$run/checkpoints"
        cp "$CHECKPOINT" "$run/checkpoints/"
        # The base run's metrics up to the branch point; the resume drops any later lines.
        cp "$BASE/metrics.jsonl" "$run/"
        $PY - "$BASE/config.json" "$run/config.json" "$STEPS" "${BRANCHES[$name]}" <<'EOF'
import json
import sys

source, target, steps, changes = sys.argv[1:]
config = json.load(open(source))
# Branched past the first quarter of the steps, a branch skips --top-k's ramp: the final
# fraction from its first step.
config.update(
    {
        "steps": int(steps),
        "lr_decay": 0.0,
        "top_k": 1.0,
        "pr_lambda": 1.0,
        "pr_start": 0.0,
        **json.loads(changes),
    }
)
json.dump(config, open(target, "w"), indent=2)
EOF
        echo "== $name: from step $AT to $STEPS with ${BRANCHES[$name]}"
        SECONDS=0
        $PY -m train gan --resume "$run"
        echo "$name trained in $((SECONDS / 60)) min $((SECONDS % 60)) s"
    fi
    GRADED+=("$run")
done
$PY -m train evaluate "${GRADED[@]}" --data "$DATA" --json "$OUT/quality.json"
