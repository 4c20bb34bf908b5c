#!/usr/bin/env python3
"""Makes ONNX Runtime's own INT8 and FP16 versions of a float32 model, for comparing trtx's against them.

    python3 scripts/ort-reference-quantizers.py model.onnx OUT_DIR [--samples 16] [--seed 1] [--also NAME=PATH]...

Writes OUT_DIR/ort_int8.onnx (onnxruntime.quantization.quantize_static: QDQ, uint8 activations, int8
per-channel weights, MinMax calibration on seeded uniform [0,1) data — the data trtx's `--calib random` draws)
and OUT_DIR/ort_fp16.onnx (onnxruntime.transformers.float16.convert_float_to_float16, keep_io_types=True),
then prints a JSON line with each model's CPU throughput (2 intra-op threads) and its cosine similarity to the
float32 model on held-out inputs. `--also trtx_int8=bundle/model.onnx` measures other models (trtx's) the same
way in the same run, for side-by-side ratios. Needs onnx, onnxruntime and numpy.
"""
import argparse
import json
import os
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.transformers.float16 import convert_float_to_float16


def input_shapes(model_path):
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    return {i.name: [d if isinstance(d, int) and d > 0 else 1 for d in i.shape] for i in session.get_inputs()}


class RandomReader(CalibrationDataReader):
    def __init__(self, shapes, samples, seed):
        rng = np.random.default_rng(seed)
        self.items = iter([{n: rng.random(s, dtype=np.float32) for n, s in shapes.items()} for _ in range(samples)])

    def get_next(self):
        return next(self.items, None)


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def throughput(path, feeds, seconds=3.0):
    s = session(path)
    for _ in range(5):
        s.run(None, feeds)
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        s.run(None, feeds)
        runs += 1
    batch = next(iter(feeds.values())).shape[0]
    return runs * batch / (time.perf_counter() - start)


def cosine(a, b):
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--also", action="append", default=[], help="NAME=PATH of another model to measure")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    shapes = input_shapes(args.model)
    int8 = os.path.join(args.out, "ort_int8.onnx")
    quantize_static(args.model, int8, RandomReader(shapes, args.samples, args.seed), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True)
    fp16 = os.path.join(args.out, "ort_fp16.onnx")
    onnx.save(convert_float_to_float16(onnx.load(args.model), keep_io_types=True), fp16)
    rng = np.random.default_rng(args.seed + 1000)
    feeds = {n: rng.random([args.batch] + s[1:], dtype=np.float32) for n, s in shapes.items()}
    reference = session(args.model).run(None, feeds)[0]
    report = {"fp32_per_s": throughput(args.model, feeds)}
    others = [tuple(a.split("=", 1)) for a in args.also]
    for name, path in [("ort_int8", int8), ("ort_fp16", fp16), *others]:
        out = session(path).run(None, feeds)[0]
        report[name] = {"path": path, "cosine": cosine(out, reference), "per_s_cpu": throughput(path, feeds)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
