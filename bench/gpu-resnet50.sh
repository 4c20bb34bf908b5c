#!/usr/bin/env bash
# ResNet-50 on a GPU: trtx perf with the stock session and through the ORT C-API bridge (provider options,
# GPU-resident I/O), beside PyTorch eager and torch.compile in the same run: the commands behind BENCHMARKS.md's
# "trtx perf --ep cuda on ResNet-50" (its figures came from these commands run in separate calls, 3 s per point).
#
#   bash bench/gpu-resnet50.sh [OUT_DIR]      (needs a working CUDA provider: trtx doctor; torch for the last step)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-bench-gpu-results}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
trtx() { node "$root/bin/trtx.js" "$@"; }
cd "$work"
trtx export --template resnet50 -o r50.onnx > /dev/null
trtx build --onnx r50.onnx --fp16 --io-fp16 --ep cuda --saveEngine r50_fp16io.trtx --json > "$out/build-fp16io.json"
common=(--ep cuda -b 1,32,128 --duration 2 --warmUp 300 --json)
perf() { name=$1; shift; trtx perf "$@" > "$out/$name.json" 2> "$out/$name.err"; echo "$name: exit $?"; }
perf fp32-stock --onnx r50.onnx "${common[@]}"
perf fp32-no-copies --onnx r50.onnx "${common[@]}" --no-data-transfers
perf fp16-stock --loadEngine r50_fp16io.trtx "${common[@]}"
perf fp16-no-copies --loadEngine r50_fp16io.trtx "${common[@]}" --no-data-transfers
perf fp16-nhwc --loadEngine r50_fp16io.trtx "${common[@]}" --ep-option prefer_nhwc=1
perf fp16-nhwc-no-copies --loadEngine r50_fp16io.trtx "${common[@]}" --ep-option prefer_nhwc=1 --no-data-transfers
perf fp16-graph-no-copies --loadEngine r50_fp16io.trtx "${common[@]}" --ep-option enable_cuda_graph=1 --no-data-transfers
perf fp16-nhwc-graph-no-copies --loadEngine r50_fp16io.trtx "${common[@]}" --ep-option prefer_nhwc=1 --ep-option enable_cuda_graph=1 --no-data-transfers
perf fp16-nhwc-concurrency --loadEngine r50_fp16io.trtx --ep cuda -b 128,256 --concurrency 1,2,4 --duration 2 --json --ep-option prefer_nhwc=1
perf fp16-profile --loadEngine r50_fp16io.trtx --ep cuda -b 1,32,128 --duration 2 --json --profile
python3 "$root/scripts/torch-perf.py" --batches 1,32,128 --compile-batches 1,32,128 --seconds 2 > "$out/torch.jsonl" 2> "$out/torch.err"
echo "torch: exit $?; results in $out"
