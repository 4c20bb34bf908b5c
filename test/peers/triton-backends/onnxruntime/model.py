"""A stand-in for Triton's onnxruntime backend, for the server-backed tests of trtx.

The real tritonserver here (nvidia-pytriton's build) has only the Python backend. Triton loads a "Python-based
backend" from <backend-directory>/<backend name>/model.py (core src/backend_model.cc,
TritonModel::GetBackendLibraryProperties), so this file serves every model whose config says platform
"onnxruntime_onnx" or backend "onnxruntime". Auto-complete is not told where the model lives: it reads
$TRTX_STANDIN_REPOSITORY, else the server's working directory (trtx starts the server in the repository).
Everything around it is Triton's own code: repository polling, config parsing and normalization, its validation,
schedulers (dynamic and sequence batching, ensembles), warm-up and the HTTP/gRPC frontends.

What is stand-in, and mirrors triton-inference-server/onnxruntime_backend (src/onnxruntime.cc, onnxruntime_utils.cc,
and backend's src/backend_common.cc) as read from its source — these checks cannot be confirmed by a real
onnxruntime backend here:
  * auto-complete (ModelState::AutoCompleteConfig / AutoCompleteMaxBatch / AutoCompleteIO), with the backend's
    default-max-batch-size of 4;
  * the model checks when an instance is created (ModelInstanceState constructor: expected input count,
    ValidateBooleanSequenceControl, ValidateTypedSequenceControl, ValidateInputs, ValidateOutputs, with
    CompareDimsSupported and CheckAllowedModelInput/Output);
  * the model file (ModelState::LoadModel: <version>/<default_model_filename or model.onnx>, or model.onnx inside it
    when that is a folder), `parameters` parsing (ModelState constructor, TryParseModelStringParameter with
    ParseIntValue/ParseBoolValue) and CPU execution accelerators (only "openvino" is known);
  * execution: onnxruntime (Python) on the CPU, one request at a time. GPU accelerators are not read, as the real
    backend reads them only for GPU instances and this machine has none. Batch inputs and ragged batches are not
    executed (the real backend builds them itself); loading such models is checked.
Messages keep the real backend's wording so that tests can match either.
"""

import json
import os
import re

import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils

# onnxruntime_backend's BackendConfiguration default for --backend-config=onnxruntime,default-max-batch-size.
DEFAULT_MAX_BATCH_SIZE = 4

ORT_TO_CONFIG = {
    "tensor(bool)": "TYPE_BOOL",
    "tensor(uint8)": "TYPE_UINT8",
    "tensor(uint16)": "TYPE_UINT16",
    "tensor(uint32)": "TYPE_UINT32",
    "tensor(uint64)": "TYPE_UINT64",
    "tensor(int8)": "TYPE_INT8",
    "tensor(int16)": "TYPE_INT16",
    "tensor(int32)": "TYPE_INT32",
    "tensor(int64)": "TYPE_INT64",
    "tensor(float16)": "TYPE_FP16",
    "tensor(float)": "TYPE_FP32",
    "tensor(double)": "TYPE_FP64",
    "tensor(string)": "TYPE_STRING",
    "tensor(bfloat16)": "TYPE_BF16",
}


class BackendError(Exception):
    """A load failure; Triton shows the message as the model's error."""


def model_path(repository, version, filename):
    """ModelState::LoadModel: the version folder's file, or model.onnx inside it when it is a folder."""
    path = os.path.join(repository, str(version), filename or "model.onnx")
    if os.path.isdir(path):
        path = os.path.join(path, "model.onnx")
    return path


def tensor_infos(values):
    """name -> (config type, dims with -1 for every variable dim), as the backend's InputInfos/OutputInfos."""
    infos = {}
    for v in values:
        dims = [d if isinstance(d, int) and d >= 0 else -1 for d in (v.shape or [])]
        infos[v.name] = (ORT_TO_CONFIG.get(v.type, "TYPE_INVALID"), dims)
    return infos


def shape_text(dims):
    return "[" + ",".join(str(d) for d in dims) + "]"


def compare_dims(model, tensor, model_shape, dims, max_batch_size, exact):
    """onnxruntime_utils.cc CompareDimsSupported: inputs compared loosely (a config may fix a variable dim)."""
    if max_batch_size > 0:
        if len(model_shape) == 0 or model_shape[0] != -1:
            raise BackendError(
                f"model '{model}', tensor '{tensor}': for the model to support batching the shape should have at "
                f"least 1 dimension and the first dimension must be -1; but shape expected by the model is "
                f"{shape_text(model_shape)}")
        full = [-1] + list(dims)
        ok = len(model_shape) == len(full) and all(
            m == f for m, f in zip(model_shape, full) if exact or m != -1)
        if not ok:
            raise BackendError(
                f"model '{model}', tensor '{tensor}': the model expects {len(model_shape)} dimensions (shape "
                f"{shape_text(model_shape)}) but the model configuration specifies {len(full)} dimensions (an "
                f"initial batch dimension because max_batch_size > 0 followed by the explicit tensor shape, making "
                f"complete shape {shape_text(full)})")
    else:
        ok = len(model_shape) == len(dims) and all(m == d for m, d in zip(model_shape, dims) if exact or m != -1)
        if not ok:
            raise BackendError(
                f"model '{model}', tensor '{tensor}': the model expects {len(model_shape)} dimensions (shape "
                f"{shape_text(model_shape)}) but the model configuration specifies {len(dims)} dimensions (shape "
                f"{shape_text(dims)})")


def config_dims(io):
    reshape = io.get("reshape")
    return [int(d) for d in (reshape.get("shape", []) if reshape is not None else io.get("dims", []))]


def check_scalar(model, name, dims):
    """ValidateInputs/ValidateOutputs: a rank-0 model tensor may only be given as 1s."""
    if any(d != 1 for d in dims):
        raise BackendError(
            f"unable to load model '{model}', scalar tensor '{name}', should only provide 1 in the model "
            f"configuration when the model doesn't support batching. Model configuration provided: "
            f"{shape_text(dims)}.")


def control_tensors(sequence_batching):
    """The control inputs the sequence batcher feeds, by kind (backend_common.cc Get*SequenceControlProperties)."""
    found = {}
    for control_input in sequence_batching.get("control_input", []):
        for control in control_input.get("control", []):
            kind = control.get("kind", "CONTROL_SEQUENCE_START")
            if kind in ("CONTROL_SEQUENCE_START", "CONTROL_SEQUENCE_END", "CONTROL_SEQUENCE_READY"):
                if control.get("int32_false_true"):
                    dtype = "TYPE_INT32"
                elif control.get("fp32_false_true"):
                    dtype = "TYPE_FP32"
                else:
                    dtype = "TYPE_BOOL"
            else:
                dtype = control.get("data_type", "TYPE_INVALID")
            found[kind] = (control_input["name"], dtype)
    return found


def parse_int(value):
    """ParseIntValue is std::stoi: leading digits are enough, none is an error."""
    m = re.match(r"\s*[+-]?\d+", value)
    if m is None:
        raise BackendError(f"failed to convert '{value}' to integral number")
    return int(m.group(0))


def parse_bool(value):
    """ParseBoolValue."""
    lower = value.lower()
    if lower in ("true", "on", "1"):
        return True
    if lower in ("false", "off", "0"):
        return False
    raise BackendError(f"failed to convert '{value}' to boolean")


def session_options(config):
    """ModelState constructor: the `parameters` it parses, and how it refuses them."""
    params = {k: v.get("string_value", "") for k, v in config.get("parameters", {}).items()}
    options = ort.SessionOptions()
    mode = parse_int(params["execution_mode"]) if "execution_mode" in params else 0
    if mode not in (0, 1):
        raise BackendError(
            f"Invalid configuration value provided. Expected values for  execution_mode are 0 or 1 but got {mode} .")
    for key, option in (("intra_op_thread_count", "intra_op_num_threads"), ("inter_op_thread_count", "inter_op_num_threads")):
        if key in params:
            count = parse_int(params[key])
            if count > 0:
                setattr(options, option, count)
    for key in ("enable_mem_arena", "enable_mem_pattern"):
        if key in params:
            parse_bool(params[key])
    # ORT's own threads are capped here: the tests run many models on two cores.
    if "intra_op_thread_count" not in params:
        options.intra_op_num_threads = 1
    return options


def check_cpu_accelerators(config):
    """ModelState::LoadModel: CPU instances know only "openvino" (which this stand-in does not run)."""
    accelerators = config.get("optimization", {}).get("execution_accelerators", {})
    for accelerator in accelerators.get("cpu_execution_accelerator", []):
        if accelerator.get("name") != "openvino":
            raise BackendError(f"unknown Execution Accelerator '{accelerator.get('name', '')}' is requested")


class TritonPythonModel:
    @staticmethod
    def auto_complete_config(auto_complete_model_config):
        """ModelState::AutoCompleteConfig: nothing when the config lists inputs (or batch inputs) and outputs."""
        config = auto_complete_model_config.as_dict()
        input_count = len(config.get("input", [])) + len(config.get("batch_input", []))
        output_count = len(config.get("output", []))
        if input_count > 0 and output_count > 0:
            return auto_complete_model_config
        # The Python backend does not tell auto-complete where the model lives; whoever starts the server does.
        repository = os.environ.get("TRTX_STANDIN_REPOSITORY", os.getcwd())
        model_dir = os.path.join(repository, config["name"])
        versions = sorted(int(v) for v in os.listdir(model_dir) if re.fullmatch(r"0|[1-9]\d*", v))
        if not versions:
            raise BackendError(f"no version folder for '{config['name']}' under {repository}")
        session = ort.InferenceSession(model_path(model_dir, versions[-1], config.get("default_model_filename")),
                                       providers=["CPUExecutionProvider"])
        inputs = tensor_infos(session.get_inputs())
        outputs = tensor_infos(session.get_outputs())
        # AutoCompleteMaxBatch: batching when every input and output has a variable first dim.
        batchable = all(len(d) > 0 and d[0] == -1 for _, d in list(inputs.values()) + list(outputs.values()))
        max_batch_size = config.get("max_batch_size", 0)
        if batchable:
            if max_batch_size == 0:
                max_batch_size = DEFAULT_MAX_BATCH_SIZE
                auto_complete_model_config.set_max_batch_size(max_batch_size)
            if max_batch_size > 1 and "sequence_batching" not in config and "dynamic_batching" not in config:
                auto_complete_model_config.set_dynamic_batching()
        elif max_batch_size != 0:
            raise BackendError(
                f"autofill failed for model '{config['name']}': model does not support batching while non-zero "
                f"max_batch_size is specified")
        # AutoCompleteIO: dims without the batch dim; an empty shape becomes [1], reshaped to [] only when batched.
        for key, infos in (("input", inputs), ("output", outputs)):
            if (input_count if key == "input" else output_count) > 0:
                continue
            entries = []
            for name, (dtype, dims) in infos.items():
                entry = {"name": name, "data_type": dtype, "dims": dims[1:] if max_batch_size > 0 else dims}
                if not entry["dims"]:
                    entry["dims"] = [1]
                    if max_batch_size > 0:
                        entry["reshape"] = {"shape": []}
                entries.append(entry)
            config[key] = entries
        return auto_complete_model_config

    def initialize(self, args):
        config = json.loads(args["model_config"])
        self.name = config["name"]
        self.max_batch_size = config.get("max_batch_size", 0)
        model_dir = args["model_repository"]
        check_cpu_accelerators(config)
        path = model_path(model_dir, args["model_version"], config.get("default_model_filename"))
        if not os.path.exists(path):
            raise BackendError(f"unable to find '{path}' for model '{self.name}'")
        self.session = ort.InferenceSession(path, session_options(config), providers=["CPUExecutionProvider"])
        self.model_inputs = tensor_infos(self.session.get_inputs())
        self.model_outputs = tensor_infos(self.session.get_outputs())
        overridable = tensor_infos(self.session.get_overridable_initializers())
        self.validate(config, overridable)
        sequence = config.get("sequence_batching", {})
        self.feeds = [io["name"] for io in config.get("input", [])]
        self.feeds += [name for name, _ in control_tensors(sequence).values()]
        self.feeds += [state["input_name"] for state in sequence.get("state", [])]
        self.fetches = [io["name"] for io in config.get("output", [])]
        self.fetches += [state["output_name"] for state in sequence.get("state", [])]
        self.output_dims = {io["name"]: config_dims(io) for io in config.get("output", [])}

    def validate(self, config, overridable):
        """The ModelInstanceState constructor's checks, in its order."""
        name = self.name
        inputs = config.get("input", [])
        expected = sum(1 for io in inputs if not io.get("optional", False)) + len(config.get("batch_input", []))
        sequence = config.get("sequence_batching")
        if sequence is not None:
            # ValidateBooleanSequenceControl / ValidateTypedSequenceControl: a model input of dims [1] and the type.
            for kind, (tensor, dtype) in control_tensors(sequence).items():
                info = self.model_inputs.get(tensor)
                if info is None:
                    raise BackendError(
                        f"configuration specified sequence control '{tensor}', but model does not provide that input")
                debatched = info[1][1:] if self.max_batch_size > 0 else info[1]
                if debatched != [1]:
                    raise BackendError(
                        f"unable to load model '{name}', sequence control '{tensor}' in model has dims "
                        f"{shape_text(debatched)} but dims [1] is expected")
                if info[0] != dtype:
                    raise BackendError(
                        f"unable to load model '{name}', sequence control '{tensor}', the model expects data-type "
                        f"{info[0]} but the model configuration specifies data-type {dtype}")
                expected += 1
            expected += len(sequence.get("state", []))
        if len(self.model_inputs) != expected:
            raise BackendError(
                f"unable to load model '{name}', configuration expects {expected} inputs, model provides "
                f"{len(self.model_inputs)}")
        allowed_inputs = {**self.model_inputs, **overridable}
        for io in inputs:
            io_name = io["name"]
            optional = io.get("optional", False)
            if optional and self.max_batch_size != 0:
                raise BackendError(
                    f"unable to load model '{name}', optional input '{io_name}' is not supported for models that "
                    f"support batching")
            if io_name not in allowed_inputs:
                raise BackendError(
                    f"unexpected inference input '{io_name}', allowed inputs are: {', '.join(sorted(allowed_inputs))}")
            model_type, model_shape = allowed_inputs[io_name]
            if io.get("data_type") != model_type:
                raise BackendError(
                    f"unable to load model '{name}', configuration expects datatype {io.get('data_type')} for input "
                    f"'{io_name}', model provides {model_type}")
            dims = config_dims(io)
            ragged = io.get("allow_ragged_batch", False)
            if optional and ragged:
                raise BackendError(
                    f"unable to load model '{name}', configuration expects model provides input with shape [-1] for "
                    f"ragged input '{io_name}', which is not supported for optional input")
            if ragged:
                if model_shape != [-1]:
                    raise BackendError(
                        f"unable to load model '{name}', configuration expects model provides input with shape [-1]  "
                        f"for ragged input '{io_name}', model provides {shape_text(model_shape)}")
            elif model_shape:
                compare_dims(name, io_name, model_shape, dims, self.max_batch_size, exact=False)
            else:
                check_scalar(name, io_name, dims)
        batch_outputs = {t for bo in config.get("batch_output", []) for t in bo.get("target_name", [])}
        for io in config.get("output", []):
            io_name = io["name"]
            if io_name not in self.model_outputs:
                raise BackendError(
                    f"unexpected inference output '{io_name}', allowed outputs are: "
                    f"{', '.join(sorted(self.model_outputs))}")
            model_type, model_shape = self.model_outputs[io_name]
            if io.get("data_type") != model_type:
                raise BackendError(
                    f"unable to load model '{name}', configuration expects datatype {io.get('data_type')} for output "
                    f"'{io_name}', model provides {model_type}")
            if io_name in batch_outputs:
                continue
            if model_shape:
                compare_dims(name, io_name, model_shape, config_dims(io), self.max_batch_size, exact=True)
            else:
                check_scalar(name, io_name, config_dims(io))
        for state in (sequence or {}).get("state", []):
            state_name = state.get("output_name", "")
            if state_name not in self.model_outputs:
                raise BackendError(
                    f"unexpected inference output '{state_name}', allowed outputs are: "
                    f"{', '.join(sorted(self.model_outputs))}")
            if state.get("data_type") != self.model_outputs[state_name][0]:
                raise BackendError(
                    f"unable to load model '{name}', configuration expects datatype {state.get('data_type')} for "
                    f"output state '{state_name}', model provides {self.model_outputs[state_name][0]}")

    def execute(self, requests):
        # onnxruntime.cc ProcessRequests: the requests run as one batch (dim 0 of each request's first input when the
        # model batches, 1 a request otherwise), which may not exceed max_batch_size; if it does, all of them fail.
        if self.max_batch_size > 0 and self.feeds:
            total = 0
            for request in requests:
                first = pb_utils.get_input_tensor_by_name(request, self.feeds[0])
                total += first.as_numpy().shape[0] if first is not None else 0
        else:
            total = len(requests)
        if total != 1 and total > self.max_batch_size:
            error = pb_utils.TritonError(f"batch size {total} for '{self.name}', max allowed is {self.max_batch_size}")
            return [pb_utils.InferenceResponse(error=error) for _ in requests]
        responses = []
        for request in requests:
            try:
                outputs = self.run(request)
                responses.append(pb_utils.InferenceResponse(outputs))
            except Exception as e:  # the request fails, the model stays loaded, as in the real backend
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(str(e))))
        return responses

    def run(self, request):
        feeds = {}
        for name in self.feeds:
            tensor = pb_utils.get_input_tensor_by_name(request, name)
            if tensor is None:  # an optional input left out
                continue
            value = tensor.as_numpy()
            if value.dtype == np.object_:
                value = np.array([v.decode() if isinstance(v, bytes) else v for v in value.flat],
                                 dtype=object).reshape(value.shape)
            model_dims = self.model_inputs.get(name, (None, None))[1]
            if model_dims == []:  # a scalar the config gives as [1]
                value = value.reshape(())
            feeds[name] = value
        results = self.session.run(self.fetches, feeds)
        tensors = []
        for name, value in zip(self.fetches, results):
            value = np.asarray(value)
            if value.ndim == 0:  # the real backend answers a scalar output with the config's dims
                value = value.reshape(self.output_dims.get(name) or [1])
            if value.dtype.kind in ("U", "O"):
                value = np.array([str(v).encode() for v in value.flat], dtype=object).reshape(value.shape)
            tensors.append(pb_utils.Tensor(name, value))
        return tensors
