#!/usr/bin/env bash
# The GPU checks and benchmarks behind docs/benchmarks.md ("On a GPU"), in one run on a machine with a CUDA GPU.
#
#   OUT=artifacts/cuda BUDGET=540 bash benchmarks/cuda_suite.sh
#   OUT=... BUDGET=420 PARTS="tests train" bash benchmarks/cuda_suite.sh; OUT=... PARTS=fid ...   # two calls
#   OUT=... BUDGET=... RESUME=path/to/snapshot.pt bash benchmarks/cuda_suite.sh   # also train that run on
#
# Writes $OUT/cuda_suite.log (everything printed). With RESUME, that run trains on for MINUTES (default 2) with
# CUDA graphs, its newest snapshot is split into $OUT/snap.part-* (join with cat) and measured.
# Each step has its own time limit and no step starts after $BUDGET seconds, so the run fits a short GPU lease;
# a step that fails or times out is reported and the next one runs. PARTS picks and orders the groups of steps
# (default "tests train fid infer"): their limits add up to more than one 10-minute call, so a lease can run
# them as two calls back to back (the machine is handed back after 30 s idle). PYTHON picks the interpreter (default
# python3); the repository goes on PYTHONPATH, nothing is installed. DEVICE=cpu (BENCH=0) dry-runs the plumbing.
set -u
OUT=${OUT:-artifacts/cuda}
BUDGET=${BUDGET:-540}
PY=${PYTHON:-python3}
DEV=${DEVICE:-cuda}
mkdir -p "$OUT"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore
start=$(date +%s)

step() {  # step NAME LIMIT_S COMMAND...: run with a time limit, print its exit status and wall time
    local name=$1 limit=$2; shift 2
    local used=$(($(date +%s) - start))
    if ((used + 15 > BUDGET)); then echo "== $name: not started (budget of ${BUDGET} s used)"; return; fi
    ((limit > BUDGET - used)) && limit=$((BUDGET - used))
    echo "== $name (limit ${limit} s): $*"
    local t0 rc
    t0=$(date +%s%N)
    timeout -k 5 "$limit" "$@"
    rc=$?
    echo "-- $name: exit $rc, $((($(date +%s%N) - t0) / 1000000)) ms"
    return $rc
}

TT="$PY benchmarks/train_throughput.py --config ffhq-1024 --resolution 1024 --batch 8 --device $DEV"
INF="$PY benchmarks/inference_throughput.py --config ffhq-1024 --device $DEV"

train_on() {  # RESUME's run: 2 minutes more on this GPU, its metrics, the snapshot split into parts in $OUT
    step "toyfaces cache" 60 $PY -m stylegan_edu data toyfaces --workers 16
    mkdir -p /tmp/gpu_run && cp "$RESUME" /tmp/gpu_run/
    local TRAIN="$PY -m stylegan_edu train --out /tmp/gpu_run --resume auto --device $DEV --no-progress"
    step "train on (resume, cuda graphs)" 150 $TRAIN --cuda-graphs --minutes ${MINUTES:-2} ||
        step "train on (resume, eager)" 100 $TRAIN --minutes 1.2
    local snap
    snap=$(ls /tmp/gpu_run/snapshot-*.pt | tail -n 1)
    cp /tmp/gpu_run/log.jsonl "$OUT/train_log.jsonl"
    cp "$(ls /tmp/gpu_run/samples-*.png | tail -n 1)" "$OUT/train_samples.png"
    split -b 15M "$snap" "$OUT/snap.part-" && basename "$snap" > "$OUT/snap.name"
    step "metrics on $snap" 60 $PY -m stylegan_edu metrics --ckpt "$snap" --metrics fid,pr,attrs --num 10000 \
        --real-floor --device $DEV --no-progress
}

tests() {
    step info 20 bash -c "nvidia-smi -L; $PY -c 'import torch; print(torch.__version__, torch.cuda.get_device_name())'"
    step cuda-tests 200 $PY -m pytest -q -rs -p no:cacheprovider --durations=5 tests/test_cuda.py \
        tests/test_metrics_math.py -k cuda
}

train() {  # training at 1024 px, batch 8, R1 every step (the official setting); the unmet target's setting first
    # G and D compiled outside the R1 pass (stylegan_edu/train/compiled_step.py); the warm-up steps compile
    step "train bf16 channels_last compile" 240 $TT --amp bf16 --channels-last --compile --steps 6 --warmup 3
    step "train bf16 channels_last cuda-graphs" 45 $TT --amp bf16 --channels-last --cuda-graphs --steps 6
    step "train fp32 eager" 45 $TT --amp none --steps 6
    step "train bf16 channels_last eager + profile" 60 $TT --amp bf16 --channels-last --steps 6 --profile 30
}

fid() {  # FID-50k at 1024 px: 50,000 JPEG reals prepared first (untimed), then the whole FID timed
    local FIDENV="env STYLEGAN_EDU_CACHE=/tmp/fid50k"
    step "FID-50k: prepare the reals (untimed)" 90 $FIDENV $PY benchmarks/fid50k.py --prepare-only --prepare-workers 16
    step "FID-50k: compiled bf16 G, fresh Inception, 14 decoding workers" 300 $FIDENV $PY benchmarks/fid50k.py \
        --device $DEV --compile --amp bf16 --workers 14
}

infer() {  # G inference at 1024 px
    step "G compiled fp32 (equality with eager)" 150 $INF --batch 16 --amp none --compile default --iters 5
    step "G compiled bf16 channels_last" 150 $INF --batch 64 --amp bf16 --channels-last --compile default
    step "G compiled reduce-overhead bf16 channels_last" 150 $INF --batch 64 --amp bf16 --channels-last \
        --compile reduce-overhead
}

{
  if [ "${BENCH:-1}" = 1 ]; then  # BENCH=0: only the RESUME part (a dry run of its plumbing)
    for group in ${PARTS:-tests train fid infer}; do
      case $group in
        tests | train | fid | infer) $group ;;
        *) echo "== unknown group $group (tests, train, fid, infer)" ;;
      esac
    done
  fi
  [ -n "${RESUME:-}" ] && train_on
  echo "== total $(($(date +%s) - start)) s"
} 2>&1 | tee "$OUT/cuda_suite.log"
