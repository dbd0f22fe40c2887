#!/usr/bin/env bash
# The GPU checks and benchmarks behind docs/benchmarks.md, in one run on a machine with a CUDA GPU and PyTorch.
#
#   OUT=artifacts/cuda BUDGET=420 bash benchmarks/cuda_suite.sh
#
# Writes $OUT/cuda_suite.log (everything printed), $OUT/train_log.jsonl and $OUT/train_samples.png (a short
# CUDA training run). Each step has its own time limit, and no step starts after $BUDGET seconds, so the run
# fits a short GPU lease; a step that fails or times out is reported and the next one runs.
# PYTHON picks the interpreter (default python3); the repository is put on PYTHONPATH, nothing is installed.
set -u
OUT=${OUT:-artifacts/cuda}
BUDGET=${BUDGET:-420}
PY=${PYTHON:-python3}
DEV=${DEVICE:-cuda}  # cpu only for a dry run of this script
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
}

{
    step info 30 bash -c "nvidia-smi -L; $PY -c 'import torch; print(torch.__version__, torch.cuda.get_device_name())'"
    step cuda-tests 90 $PY -m pytest -q -p no:cacheprovider tests/test_metrics_math.py tests/test_cuda.py -k cuda
    for amp in none bf16 fp16; do
        step "networks ffhq-1024 amp=$amp" 60 $PY benchmarks/networks.py --config ffhq-1024 --batch 8 --device $DEV --amp $amp
    done
    step "networks ffhq-1024 amp=bf16 channels_last" 60 \
        $PY benchmarks/networks.py --config ffhq-1024 --batch 8 --device $DEV --amp bf16 --channels-last
    step "FID generated side, ffhq-1024 + Inception" 120 \
        $PY benchmarks/fid_throughput.py --device $DEV --num 5000 --batch 64
    step "toyfaces cache" 60 $PY -m stylegan_edu data toyfaces --workers 16
    step "train toy-64 on cuda, 1 min" 110 \
        $PY -m stylegan_edu train --config toy-64 --device $DEV --minutes 1 --out /tmp/cuda_run --no-progress
    cp /tmp/cuda_run/log.jsonl "$OUT/train_log.jsonl" 2>/dev/null
    cp "$(ls /tmp/cuda_run/samples-*.png 2>/dev/null | tail -n 1)" "$OUT/train_samples.png" 2>/dev/null
    step "torchrun (NCCL) toy-64, 0.3 min" 90 $PY -m torch.distributed.run --standalone --nproc_per_node 1 \
        -m stylegan_edu train --config toy-64 --minutes 0.3 --out /tmp/cuda_ddp --no-progress
    step "train throughput toy-64 at 64 px (preset)" 60 \
        $PY benchmarks/train_throughput.py --config toy-64 --resolution 64 --batch 32 --device $DEV
    step "train throughput ffhq-1024 at 1024 px, bf16" 90 $PY benchmarks/train_throughput.py --config ffhq-1024 \
        --resolution 1024 --batch 8 --device $DEV --amp bf16 --steps 4 --warmup 2
    step "metrics, shipped model, toy features" 150 $PY benchmarks/metrics_runtime.py \
        --metrics fid,kid,pr,ppl_wend,ppl_zend,ls --num 10000 --device $DEV --batch 256
    echo "== total $(($(date +%s) - start)) s"
} 2>&1 | tee "$OUT/cuda_suite.log"
