"""One inference request to a running Triton over HTTP and over gRPC, with NVIDIA's own client (tritonclient).

Reads a JSON spec on stdin: {"http": "127.0.0.1:PORT", "grpc": "127.0.0.1:PORT", "model": NAME,
"inputs": {NAME: FILE.npy}, "outputs": [NAME], "out": DIR, "sequence": {"id": N, "start": bool, "end": bool}?}.
A sequence is sent as sequence N over HTTP and as sequence N + 1 over gRPC, so that each protocol has its own.
Writes DIR/<protocol>/<index>.npy for each output, in the order given, and prints {"http": [...], "grpc": [...]}
(the files). A failed request exits 1 with the server's message on stderr.
"""
import json
import os
import sys

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException, np_to_triton_dtype


def request(module, url, spec, binary, sequence_offset):
    client = module.InferenceServerClient(url)
    inputs = []
    for name, file in spec["inputs"].items():
        value = np.load(file, allow_pickle=True)
        tensor = module.InferInput(name, list(value.shape), np_to_triton_dtype(value.dtype))
        if binary:
            tensor.set_data_from_numpy(value, binary_data=True)
        else:
            tensor.set_data_from_numpy(value)
        inputs.append(tensor)
    outputs = [module.InferRequestedOutput(name) for name in spec["outputs"]]
    sequence = spec.get("sequence")
    extra = {} if sequence is None else {
        "sequence_id": sequence["id"] + sequence_offset, "sequence_start": sequence["start"], "sequence_end": sequence["end"]}
    return client.infer(spec["model"], inputs, outputs=outputs, **extra)


def main():
    spec = json.load(sys.stdin)
    written = {}
    for protocol, module, binary, offset in (("http", httpclient, True, 0), ("grpc", grpcclient, False, 1)):
        try:
            result = request(module, spec[protocol], spec, binary, offset)
        except InferenceServerException as e:
            print(f"{protocol}: {e.message()}", file=sys.stderr)
            sys.exit(1)
        folder = os.path.join(spec["out"], protocol)
        os.makedirs(folder, exist_ok=True)
        written[protocol] = []
        for index, name in enumerate(spec["outputs"]):
            file = os.path.join(folder, f"{index}.npy")
            np.save(file, result.as_numpy(name))
            written[protocol].append(file)
    print(json.dumps(written))


if __name__ == "__main__":
    main()
