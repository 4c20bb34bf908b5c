"""Throughput of torchvision's ResNet-50 in PyTorch on the GPU, as a reference for `trtx perf --ep cuda`.

Random weights (same architecture as trtx's resnet50 template). For each batch size and mode, a warm-up, then
timed queries for about --seconds; prints one JSON object per line. Two ways of timing:
  host:     the input starts in host memory and the output is copied back (what onnxruntime-node does per run)
  resident: the input is already on the GPU and the output stays there (how PyTorch is usually benchmarked)
Modes: eager fp32, eager fp16, compile fp16 (torch.compile, default mode, one compile per batch size).

  python3 scripts/torch-perf.py --batches 1,8,32,128 --compile-batches 32,128 --seconds 3
"""
import argparse
import json
import time

import torch
import torchvision


def timed(fn, seconds):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    n = 0
    start = time.perf_counter()
    while True:
        fn()
        n += 1
        if n % 5 == 0:
            torch.cuda.synchronize()
            elapsed = time.perf_counter() - start
            if elapsed >= seconds and n >= 10:
                return n, elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="1,8,32,128")
    ap.add_argument("--compile-batches", default="32,128")
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    torch.backends.cudnn.benchmark = True
    base = torchvision.models.resnet50().eval().cuda()
    models = {"eager_fp32": base, "eager_fp16": torchvision.models.resnet50().eval().cuda().half()}
    compiled = torch.compile(models["eager_fp16"])
    batches = [int(b) for b in args.batches.split(",")]
    compile_batches = [int(b) for b in args.compile_batches.split(",")]
    with torch.inference_mode():
        for batch in batches:
            for mode, model in [*models.items(), ("compile_fp16", compiled)]:
                if mode == "compile_fp16" and batch not in compile_batches:
                    continue
                dtype = torch.float16 if mode.endswith("fp16") else torch.float32
                host = torch.randn(batch, 3, 224, 224).to(dtype)
                resident = host.cuda()
                t0 = time.perf_counter()
                model(resident)
                torch.cuda.synchronize()
                first_s = time.perf_counter() - t0
                for timing, fn in [("resident", lambda: model(resident)), ("host", lambda: model(host.cuda()).cpu())]:
                    n, elapsed = timed(fn, args.seconds)
                    print(json.dumps({"mode": mode, "timing": timing, "batch": batch, "queries": n, "seconds": elapsed, "images_per_s": batch * n / elapsed, "first_s": first_s}), flush=True)


if __name__ == "__main__":
    main()
