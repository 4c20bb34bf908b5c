/**
 * The ABI facts the ORT C-API bridge relies on: for each OrtApi function trtx calls, its slot in
 * `struct OrtApi` (a table of function pointers, one per slot, in declaration order) and a koffi prototype.
 *
 * Where the indices come from. OrtApi only ever grows at the end: a slot that shipped in API version N keeps
 * its index in every later version. The slots were counted (written down here by hand, not generated) from
 * the table that defines the ABI, `static constexpr OrtApi ort_api_1_to_25` in
 * microsoft/onnxruntime onnxruntime/core/session/onnxruntime_c_api.cc @ 003d03582b884c750c3b8832dde0a9a9cd1c7670
 * (a 1.25 development commit), and checked against its static_asserts, which pin the last slot of every
 * version (ReleaseCustomOpDomain 101, ReleaseModelMetadata 118, ... SynchronizeBoundOutputs 203,
 * SessionOptionsAppendExecutionProvider_MIGraphX 209, GetBuildInfoString 254). The signatures were read in
 * include/onnxruntime/core/session/onnxruntime_c_api.h @ 0017800f6539412b364502d8b59c11463a6411e6
 * (ORT_API_VERSION 13), which declares every function below except GetBuildInfoString. The 1.29.0 release
 * itself (commit 2e2543fbe9fae542f921d47a72d21d5a4ef0b710) was not available to read; every function used
 * here is from API versions 1-11 (and 15 for GetBuildInfoString), a prefix that 1.29 shares by the
 * append-only rule, and test/ort-bridge.test.ts checks the indices by calling them, including
 * GetBuildInfoString (slot 254), which names the build's commit.
 *
 * Prototype conventions (koffi syntax): every ORT object is an opaque pointer (a BigInt in koffi 3, null for
 * NULL); C enums are `int` on the platforms trtx supports and are declared as aliases of it. Out-parameters
 * are marked `_Out_`/`_Inout_` so koffi copies them back into single-element JS arrays. Where ORT hands back
 * memory the caller must free (`char**` names, the `OrtValue***` array of bound outputs) the parameter is
 * declared `void**` instead, so the raw pointer comes back and can be given to AllocatorFree; koffi would
 * otherwise turn a `char*` into a JS string and lose the pointer (a leak per call). Same ABI either way.
 */

/** Where the facts in this file were counted from; shown by the self-test and in bug reports. */
export const ORT_C_API_SOURCE = {
  repository: "microsoft/onnxruntime",
  table: "onnxruntime/core/session/onnxruntime_c_api.cc",
  tableCommit: "003d03582b884c750c3b8832dde0a9a9cd1c7670",
  header: "include/onnxruntime/core/session/onnxruntime_c_api.h",
  headerCommit: "0017800f6539412b364502d8b59c11463a6411e6",
  /** The onnxruntime-node 1.29.0 library reports this commit in GetBuildInfoString (first 10 digits). */
  releaseCommit: "2e2543fbe9fae542f921d47a72d21d5a4ef0b710",
} as const;

/**
 * ORT_API_VERSION of the 1.29 headers: ORT numbers API versions after its minor release (1.25 ships
 * ort_api_1_to_25), and GetApi accepts versions 1..ORT_API_VERSION of the library it is asked. The test
 * checks that the 1.29.0 library accepts 29 and refuses 30.
 */
export const ORT_API_VERSION = 29;

/** ORT objects the prototypes name; all are handled as opaque pointers. */
export const OPAQUE_TYPES = [
  "OrtStatus",
  "OrtEnv",
  "OrtSession",
  "OrtSessionOptions",
  "OrtRunOptions",
  "OrtMemoryInfo",
  "OrtValue",
  "OrtTypeInfo",
  "OrtTensorTypeAndShapeInfo",
  "OrtAllocator",
  "OrtIoBinding",
  "OrtCUDAProviderOptionsV2",
  "OrtTensorRTProviderOptionsV2",
] as const;

/** C enums the prototypes name; each is an `int` in the ABI. */
export const ENUM_TYPES = [
  "OrtErrorCode",
  "OrtLoggingLevel",
  "GraphOptimizationLevel",
  "ONNXTensorElementDataType",
  "ONNXType",
  "OrtAllocatorType",
  "OrtMemType",
] as const;

/** `struct OrtApiBase`, returned by the library's only exported symbol, `const OrtApiBase* OrtGetApiBase(void)`. */
export const ORT_API_BASE = {
  GetApi: { index: 0, proto: "const void* GetApi(uint32_t version)" },
  GetVersionString: { index: 1, proto: "const char* GetVersionString(void)" },
} as const;

export interface OrtApiEntry {
  /** Slot in `struct OrtApi` (pointer-sized entries). */
  readonly index: number;
  /** koffi prototype; the function name in it is the OrtApi member's. */
  readonly proto: string;
  /** The API version that added the slot (for documentation; all are <= ORT_API_VERSION). */
  readonly since: number;
}

const S = "OrtStatus*";

/** The OrtApi functions trtx declares, by member name. Ordered by slot. */
export const ORT_API = {
  // --- version 1 ---
  CreateStatus: { index: 0, since: 1, proto: `${S} CreateStatus(OrtErrorCode code, const char* msg)` },
  GetErrorCode: { index: 1, since: 1, proto: "OrtErrorCode GetErrorCode(const OrtStatus* status)" },
  GetErrorMessage: { index: 2, since: 1, proto: "const char* GetErrorMessage(const OrtStatus* status)" },
  CreateEnv: { index: 3, since: 1, proto: `${S} CreateEnv(OrtLoggingLevel log_severity_level, const char* logid, _Out_ OrtEnv** out)` },
  CreateSession: { index: 7, since: 1, proto: `${S} CreateSession(const OrtEnv* env, const char* model_path, const OrtSessionOptions* options, _Out_ OrtSession** out)` },
  CreateSessionFromArray: { index: 8, since: 1, proto: `${S} CreateSessionFromArray(const OrtEnv* env, const void* model_data, size_t model_data_length, const OrtSessionOptions* options, _Out_ OrtSession** out)` },
  Run: { index: 9, since: 1, proto: `${S} Run(OrtSession* session, const OrtRunOptions* run_options, const char** input_names, OrtValue** inputs, size_t input_len, const char** output_names, size_t output_names_len, _Inout_ OrtValue** outputs)` },
  CreateSessionOptions: { index: 10, since: 1, proto: `${S} CreateSessionOptions(_Out_ OrtSessionOptions** options)` },
  EnableProfiling: { index: 14, since: 1, proto: `${S} EnableProfiling(OrtSessionOptions* options, const char* profile_file_prefix)` },
  SetSessionGraphOptimizationLevel: { index: 23, since: 1, proto: `${S} SetSessionGraphOptimizationLevel(OrtSessionOptions* options, GraphOptimizationLevel graph_optimization_level)` },
  SetIntraOpNumThreads: { index: 24, since: 1, proto: `${S} SetIntraOpNumThreads(OrtSessionOptions* options, int intra_op_num_threads)` },
  SetInterOpNumThreads: { index: 25, since: 1, proto: `${S} SetInterOpNumThreads(OrtSessionOptions* options, int inter_op_num_threads)` },
  SessionGetInputCount: { index: 30, since: 1, proto: `${S} SessionGetInputCount(const OrtSession* session, _Out_ size_t* out)` },
  SessionGetOutputCount: { index: 31, since: 1, proto: `${S} SessionGetOutputCount(const OrtSession* session, _Out_ size_t* out)` },
  SessionGetInputTypeInfo: { index: 33, since: 1, proto: `${S} SessionGetInputTypeInfo(const OrtSession* session, size_t index, _Out_ OrtTypeInfo** type_info)` },
  SessionGetOutputTypeInfo: { index: 34, since: 1, proto: `${S} SessionGetOutputTypeInfo(const OrtSession* session, size_t index, _Out_ OrtTypeInfo** type_info)` },
  // C: char** value, allocated with `allocator` (see the conventions above).
  SessionGetInputName: { index: 36, since: 1, proto: `${S} SessionGetInputName(const OrtSession* session, size_t index, OrtAllocator* allocator, _Out_ void** value)` },
  SessionGetOutputName: { index: 37, since: 1, proto: `${S} SessionGetOutputName(const OrtSession* session, size_t index, OrtAllocator* allocator, _Out_ void** value)` },
  CreateRunOptions: { index: 39, since: 1, proto: `${S} CreateRunOptions(_Out_ OrtRunOptions** out)` },
  CreateTensorAsOrtValue: { index: 48, since: 1, proto: `${S} CreateTensorAsOrtValue(OrtAllocator* allocator, const int64_t* shape, size_t shape_len, ONNXTensorElementDataType type, _Out_ OrtValue** out)` },
  CreateTensorWithDataAsOrtValue: { index: 49, since: 1, proto: `${S} CreateTensorWithDataAsOrtValue(const OrtMemoryInfo* info, void* p_data, size_t p_data_len, const int64_t* shape, size_t shape_len, ONNXTensorElementDataType type, _Out_ OrtValue** out)` },
  IsTensor: { index: 50, since: 1, proto: `${S} IsTensor(const OrtValue* value, _Out_ int* out)` },
  GetTensorMutableData: { index: 51, since: 1, proto: `${S} GetTensorMutableData(OrtValue* value, _Out_ void** out)` },
  // The TensorTypeAndShapeInfo it returns belongs to the TypeInfo: not released separately.
  CastTypeInfoToTensorInfo: { index: 55, since: 1, proto: `${S} CastTypeInfoToTensorInfo(const OrtTypeInfo* type_info, _Out_ OrtTensorTypeAndShapeInfo** out)` },
  GetOnnxTypeFromTypeInfo: { index: 56, since: 1, proto: `${S} GetOnnxTypeFromTypeInfo(const OrtTypeInfo* type_info, _Out_ ONNXType* out)` },
  GetTensorElementType: { index: 60, since: 1, proto: `${S} GetTensorElementType(const OrtTensorTypeAndShapeInfo* info, _Out_ ONNXTensorElementDataType* out)` },
  GetDimensionsCount: { index: 61, since: 1, proto: `${S} GetDimensionsCount(const OrtTensorTypeAndShapeInfo* info, _Out_ size_t* out)` },
  // dim_values: a BigInt64Array of dim_values_length, written by ORT.
  GetDimensions: { index: 62, since: 1, proto: `${S} GetDimensions(const OrtTensorTypeAndShapeInfo* info, int64_t* dim_values, size_t dim_values_length)` },
  GetTensorShapeElementCount: { index: 64, since: 1, proto: `${S} GetTensorShapeElementCount(const OrtTensorTypeAndShapeInfo* info, _Out_ size_t* out)` },
  GetTensorTypeAndShape: { index: 65, since: 1, proto: `${S} GetTensorTypeAndShape(const OrtValue* value, _Out_ OrtTensorTypeAndShapeInfo** out)` },
  GetValueType: { index: 67, since: 1, proto: `${S} GetValueType(const OrtValue* value, _Out_ ONNXType* out)` },
  CreateMemoryInfo: { index: 68, since: 1, proto: `${S} CreateMemoryInfo(const char* name, OrtAllocatorType type, int id, OrtMemType mem_type, _Out_ OrtMemoryInfo** out)` },
  CreateCpuMemoryInfo: { index: 69, since: 1, proto: `${S} CreateCpuMemoryInfo(OrtAllocatorType type, OrtMemType mem_type, _Out_ OrtMemoryInfo** out)` },
  AllocatorAlloc: { index: 75, since: 1, proto: `${S} AllocatorAlloc(OrtAllocator* ort_allocator, size_t size, _Out_ void** out)` },
  AllocatorFree: { index: 76, since: 1, proto: `${S} AllocatorFree(OrtAllocator* ort_allocator, void* p)` },
  // The default allocator is ORT's, process-wide: never released.
  GetAllocatorWithDefaultOptions: { index: 78, since: 1, proto: `${S} GetAllocatorWithDefaultOptions(_Out_ OrtAllocator** out)` },
  ReleaseEnv: { index: 92, since: 1, proto: "void ReleaseEnv(OrtEnv* input)" },
  ReleaseStatus: { index: 93, since: 1, proto: "void ReleaseStatus(OrtStatus* input)" },
  ReleaseMemoryInfo: { index: 94, since: 1, proto: "void ReleaseMemoryInfo(OrtMemoryInfo* input)" },
  ReleaseSession: { index: 95, since: 1, proto: "void ReleaseSession(OrtSession* input)" },
  ReleaseValue: { index: 96, since: 1, proto: "void ReleaseValue(OrtValue* input)" },
  ReleaseRunOptions: { index: 97, since: 1, proto: "void ReleaseRunOptions(OrtRunOptions* input)" },
  ReleaseTypeInfo: { index: 98, since: 1, proto: "void ReleaseTypeInfo(OrtTypeInfo* input)" },
  ReleaseTensorTypeAndShapeInfo: { index: 99, since: 1, proto: "void ReleaseTensorTypeAndShapeInfo(OrtTensorTypeAndShapeInfo* input)" },
  ReleaseSessionOptions: { index: 100, since: 1, proto: "void ReleaseSessionOptions(OrtSessionOptions* input)" },
  // --- version 5 ---
  AddSessionConfigEntry: { index: 130, since: 5, proto: `${S} AddSessionConfigEntry(OrtSessionOptions* options, const char* config_key, const char* config_value)` },
  CreateAllocator: { index: 131, since: 5, proto: `${S} CreateAllocator(const OrtSession* session, const OrtMemoryInfo* mem_info, _Out_ OrtAllocator** out)` },
  ReleaseAllocator: { index: 132, since: 5, proto: "void ReleaseAllocator(OrtAllocator* input)" },
  RunWithBinding: { index: 133, since: 5, proto: `${S} RunWithBinding(OrtSession* session, const OrtRunOptions* run_options, const OrtIoBinding* binding_ptr)` },
  CreateIoBinding: { index: 134, since: 5, proto: `${S} CreateIoBinding(OrtSession* session, _Out_ OrtIoBinding** out)` },
  ReleaseIoBinding: { index: 135, since: 5, proto: "void ReleaseIoBinding(OrtIoBinding* input)" },
  BindInput: { index: 136, since: 5, proto: `${S} BindInput(OrtIoBinding* binding_ptr, const char* name, const OrtValue* val_ptr)` },
  BindOutput: { index: 137, since: 5, proto: `${S} BindOutput(OrtIoBinding* binding_ptr, const char* name, const OrtValue* val_ptr)` },
  BindOutputToDevice: { index: 138, since: 5, proto: `${S} BindOutputToDevice(OrtIoBinding* binding_ptr, const char* name, const OrtMemoryInfo* mem_info_ptr)` },
  // C: OrtValue*** output, an array of output_count values allocated with `allocator`: release each value,
  // then AllocatorFree the array.
  GetBoundOutputValues: { index: 140, since: 5, proto: `${S} GetBoundOutputValues(const OrtIoBinding* binding_ptr, OrtAllocator* allocator, _Out_ void** output, _Out_ size_t* output_count)` },
  // --- version 9 ---
  SessionOptionsAppendExecutionProvider_TensorRT_V2: { index: 170, since: 9, proto: `${S} SessionOptionsAppendExecutionProvider_TensorRT_V2(OrtSessionOptions* options, const OrtTensorRTProviderOptionsV2* tensorrt_options)` },
  CreateTensorRTProviderOptions: { index: 171, since: 9, proto: `${S} CreateTensorRTProviderOptions(_Out_ OrtTensorRTProviderOptionsV2** out)` },
  UpdateTensorRTProviderOptions: { index: 172, since: 9, proto: `${S} UpdateTensorRTProviderOptions(OrtTensorRTProviderOptionsV2* tensorrt_options, const char** provider_options_keys, const char** provider_options_values, size_t num_keys)` },
  // C: char** ptr, allocated with `allocator`.
  GetTensorRTProviderOptionsAsString: { index: 173, since: 9, proto: `${S} GetTensorRTProviderOptionsAsString(const OrtTensorRTProviderOptionsV2* tensorrt_options, OrtAllocator* allocator, _Out_ void** ptr)` },
  ReleaseTensorRTProviderOptions: { index: 174, since: 9, proto: "void ReleaseTensorRTProviderOptions(OrtTensorRTProviderOptionsV2* input)" },
  // --- version 10 ---
  SynchronizeBoundInputs: { index: 202, since: 10, proto: `${S} SynchronizeBoundInputs(OrtIoBinding* binding_ptr)` },
  SynchronizeBoundOutputs: { index: 203, since: 10, proto: `${S} SynchronizeBoundOutputs(OrtIoBinding* binding_ptr)` },
  // --- version 11 ---
  SessionOptionsAppendExecutionProvider_CUDA_V2: { index: 204, since: 11, proto: `${S} SessionOptionsAppendExecutionProvider_CUDA_V2(OrtSessionOptions* options, const OrtCUDAProviderOptionsV2* cuda_options)` },
  CreateCUDAProviderOptions: { index: 205, since: 11, proto: `${S} CreateCUDAProviderOptions(_Out_ OrtCUDAProviderOptionsV2** out)` },
  UpdateCUDAProviderOptions: { index: 206, since: 11, proto: `${S} UpdateCUDAProviderOptions(OrtCUDAProviderOptionsV2* cuda_options, const char** provider_options_keys, const char** provider_options_values, size_t num_keys)` },
  // C: char** ptr, allocated with `allocator`.
  GetCUDAProviderOptionsAsString: { index: 207, since: 11, proto: `${S} GetCUDAProviderOptionsAsString(const OrtCUDAProviderOptionsV2* cuda_options, OrtAllocator* allocator, _Out_ void** ptr)` },
  ReleaseCUDAProviderOptions: { index: 208, since: 11, proto: "void ReleaseCUDAProviderOptions(OrtCUDAProviderOptionsV2* input)" },
  // --- version 15 --- (used as a deep check of the count: the static_assert pins it to 254)
  GetBuildInfoString: { index: 254, since: 15, proto: "const char* GetBuildInfoString(void)" },
} as const satisfies Record<string, OrtApiEntry>;

export type OrtApiName = keyof typeof ORT_API;

/** ONNXTensorElementDataType (values 0-16; later releases append more, none of which trtx uses). */
export const ONNXTensorElementDataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

export const ONNXType = { UNKNOWN: 0, TENSOR: 1, SEQUENCE: 2, MAP: 3, OPAQUE: 4, SPARSETENSOR: 5, OPTIONAL: 6 } as const;

export const OrtLoggingLevel = { VERBOSE: 0, INFO: 1, WARNING: 2, ERROR: 3, FATAL: 4 } as const;

export const GraphOptimizationLevel = { DISABLE_ALL: 0, ENABLE_BASIC: 1, ENABLE_EXTENDED: 2, ENABLE_ALL: 99 } as const;

export const OrtAllocatorType = { Invalid: -1, Device: 0, Arena: 1 } as const;

/** OrtMemTypeCPU is an alias of CPUOutput (-1). */
export const OrtMemType = { CPUInput: -2, CPUOutput: -1, CPU: -1, Default: 0 } as const;

/** OrtErrorCode values by name, as ORT prints them; index = value. Later releases may append codes. */
export const ORT_ERROR_CODE_NAMES = [
  "ORT_OK",
  "ORT_FAIL",
  "ORT_INVALID_ARGUMENT",
  "ORT_NO_SUCHFILE",
  "ORT_NO_MODEL",
  "ORT_ENGINE_ERROR",
  "ORT_RUNTIME_EXCEPTION",
  "ORT_INVALID_PROTOBUF",
  "ORT_MODEL_LOADED",
  "ORT_NOT_IMPLEMENTED",
  "ORT_INVALID_GRAPH",
  "ORT_EP_FAIL",
] as const;

export function ortErrorCodeName(code: number): string {
  return ORT_ERROR_CODE_NAMES[code] ?? `ORT_ERROR_${code}`;
}
