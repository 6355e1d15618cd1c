#!/bin/bash
# Several parallel-ae runs side by side on one GPU for the same wall-clock budget, then each evaluated
# on the full held-out split (with baselines) and returned as weights-only checkpoints.
# Usage (repo root, data packed by `python3 -m train pack` into .traindata/all.npz):
#   MIN=7.5 SPECS="name:preset:init:batch:lr:lr_final ..." train/scripts/gpu_ab.sh OUTDIR
# init may be "-" (from scratch) or a checkpoint path (weights only, fresh optimiser).
set -u
OUTDIR=${1:-/tmp/ab-out}
MIN=${MIN:-7.5}
SPECS=${SPECS:-"small:small:-:32:5e-4:1 lrelu:lrelu:-:32:5e-4:1 no-noise:no-noise:-:32:5e-4:1 wide:wide:-:32:5e-4:1"}
export PYTHONUNBUFFERED=1
mkdir -p "$OUTDIR" /tmp/runs
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
names=()
for spec in $SPECS; do
  IFS=: read -r name preset init batch lr lrf <<< "$spec"
  names+=("$name")
  extra=()
  [ "$init" != "-" ] && extra=(--init "$init")
  python3 -m train train --preset "$preset" --data .traindata/all.npz --run "/tmp/runs/$name" --minutes "$MIN" \
    --device cuda --threads 2 --batch "$batch" --lr "$lr" --lr-final "$lrf" --gain-aug --val-minutes 1.5 \
    --checkpoint-minutes 2 --quiet "${extra[@]}" > "/tmp/runs/$name.out" 2>&1 &
done
wait
for v in "${names[@]}"; do
  tail -1 "/tmp/runs/$v.out"
  python3 -m train eval --run "/tmp/runs/$v" --checkpoint checkpoint.pt --device cuda --threads 2 \
    --out "/tmp/runs/$v/eval.json" > /dev/null &
done
wait
for v in "${names[@]}"; do
  python3 -m train slim --checkpoint "/tmp/runs/$v/checkpoint.pt" --out "$OUTDIR/w-$v.pt"
  python3 - "$v" <<'PY'
import json, sys
v = sys.argv[1]
s = json.load(open(f"/tmp/runs/{v}/eval.json"))["summary"]
for t, r in s.items():
    print(v, t, {k: (round(x["stft"], 3), round(x["logMelL1Db"], 2)) for k, x in r.items() if k != "clips"})
PY
done
tar czf "$OUTDIR/results.tar.gz" --exclude="*.pt" -C /tmp runs
ls -la "$OUTDIR"
