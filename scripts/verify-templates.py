#!/usr/bin/env python3
"""Checks trtx's built-in templates against the reference implementations they claim to be.

For each exported template: the ONNX initializers are loaded into the reference PyTorch model as its
state_dict (strict: every key and shape must match), both run on the same input (torch eval mode against
onnxruntime on the trtx model), and the reference's own torch.onnx.export is compared by I/O and op counts.
Needs torch, torchvision, transformers, onnx and onnxruntime. Usage:

    python3 scripts/verify-templates.py DIR      # DIR holds <template>.onnx files written by trtx export
"""
import collections
import contextlib
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper


def reference(name):
    import torchvision
    if name == "resnet18":
        return torchvision.models.resnet18(), {"input": (2, 3, 224, 224)}
    if name == "resnet50":
        return torchvision.models.resnet50(), {"input": (2, 3, 224, 224)}
    if name == "mobilenet_v2":
        return torchvision.models.mobilenet_v2(), {"input": (2, 3, 224, 224)}
    if name == "bert-tiny":
        from transformers import BertConfig, BertModel
        config = BertConfig(vocab_size=30522, hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                            intermediate_size=512, max_position_embeddings=512, type_vocab_size=2,
                            layer_norm_eps=1e-12, hidden_act="gelu", attn_implementation="eager")
        return BertModel(config, add_pooling_layer=True), {"input_ids": (2, 9), "attention_mask": (2, 9)}
    raise KeyError(name)


def op_counts(model):
    return dict(sorted(collections.Counter(n.op_type for n in model.graph.node).items()))


def io(model):
    def dims(v):
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
    inits = {i.name for i in model.graph.initializer}
    return {"inputs": {v.name: dims(v) for v in model.graph.input if v.name not in inits},
            "outputs": {v.name: dims(v) for v in model.graph.output}}


def feeds_for(shapes):
    rng = np.random.default_rng(0)
    feeds = {}
    for name, shape in shapes.items():
        if name == "input_ids":
            feeds[name] = rng.integers(0, 30522, size=shape, dtype=np.int64)
        elif name == "attention_mask":
            mask = np.ones(shape, dtype=np.int64)
            mask[1, -3:] = 0  # padding on the second sequence
            feeds[name] = mask
        else:
            feeds[name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def verify(name, path, workdir):
    ours = onnx.load(path)
    module, shapes = reference(name)
    module.eval()
    state = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in ours.graph.initializer
             if "/" not in i.name}  # names with "/" are graph constants, not weights
    expected = {k for k in module.state_dict() if not k.endswith("num_batches_tracked") and k != "embeddings.position_ids"
                and k != "embeddings.token_type_ids"}
    missing = sorted(expected - state.keys())
    unexpected = sorted(state.keys() - expected)
    shape_mismatch = sorted(k for k in expected & state.keys() if tuple(module.state_dict()[k].shape) != tuple(state[k].shape))
    module.load_state_dict(state, strict=False)
    feeds = feeds_for(shapes)
    with torch.no_grad():
        args = {k: torch.from_numpy(v) for k, v in feeds.items()}
        if name == "bert-tiny":
            out = module(**args)
            torch_out = {"last_hidden_state": out.last_hidden_state.numpy(), "pooler_output": out.pooler_output.numpy()}
        else:
            torch_out = {"output": module(args["input"]).numpy()}
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    ort_out = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
    errors = {}
    for k, ref in torch_out.items():
        got = ort_out[k]
        if name == "bert-tiny" and k == "last_hidden_state":
            keep = feeds["attention_mask"].astype(bool)  # padded positions are undefined in both
            ref, got = ref[keep], got[keep]
        errors[k] = {"max_abs": float(np.max(np.abs(ref - got))), "ref_max_abs": float(np.max(np.abs(ref)))}
    theirs_path = os.path.join(workdir, f"{name}.torch.onnx")
    example = tuple(torch.from_numpy(v) for v in feeds.values())
    export_kwargs = dict(input_names=list(feeds), output_names=list(torch_out), opset_version=17,
                         dynamic_axes={n: {0: "batch"} for n in list(feeds) + list(torch_out)})
    try:
        torch.onnx.export(module, example, theirs_path, dynamo=False, **export_kwargs)
        exporter = "torchscript"
    except TypeError:  # a torch without dynamo=, or a model the TorchScript exporter cannot take
        torch.onnx.export(module, example, theirs_path, **export_kwargs)
        exporter = "dynamo"
    theirs = onnx.load(theirs_path)
    return {
        "template": name,
        "parameters": {"trtx": int(sum(np.prod(state[k].shape) for k in state if k in expected and "running" not in k)),
                       "reference": int(sum(p.numel() for p in module.parameters()))},
        "state_dict": {"missing": missing, "unexpected": unexpected, "shape_mismatch": shape_mismatch},
        "outputs_vs_torch": errors,
        "io": {"trtx": io(ours), "torch.onnx.export": io(theirs)},
        "exporter": exporter,
        "ops": {"trtx": op_counts(ours), "torch.onnx.export": op_counts(theirs)},
        "torch": torch.__version__,
    }


def main():
    workdir = sys.argv[1]
    results = []
    # torch's exporters print progress on stdout; keep stdout for the JSON report.
    with contextlib.redirect_stdout(sys.stderr):
        for name in ["resnet18", "resnet50", "mobilenet_v2", "bert-tiny"]:
            path = os.path.join(workdir, f"{name}.onnx")
            if os.path.exists(path):
                results.append(verify(name, path, workdir))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
