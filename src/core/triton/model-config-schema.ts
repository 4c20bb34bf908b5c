/**
 * Triton's ModelConfig message tree (triton-inference-server/common, protobuf/model_config.proto, package
 * `inference`) as a protobufjs JSON descriptor for `Root.fromJSON`. A TypeScript module rather than a shipped
 * .proto so it needs no file lookup at runtime. Field names, numbers, types, labels, oneofs and enum values are
 * Triton's; the key order of every `fields` object is the .proto's declaration order, which the renderer
 * prints in (as protobuf's TextFormat does).
 *
 * The tree is the newest proto's. Two fields are newer than Triton 2.51.0 (r24.10), whose parser refuses them as
 * unknown fields (checked against the real 2.51.0 server and the descriptor compiled into its libtritonserver):
 * `ModelConfig.model_metrics` (first in v2.52.0) and `ModelEnsembling.max_inflight_requests` (first in v2.63.0).
 */
import type { INamespace } from "protobufjs";

interface FieldJson {
  type: string;
  id: number;
  rule?: "repeated";
  keyType?: string;
}

const f = (type: string, id: number): FieldJson => ({ type, id });
const rep = (type: string, id: number): FieldJson => ({ type, id, rule: "repeated" });
const map = (keyType: string, type: string, id: number): FieldJson => ({ keyType, type, id });
const oneof = (...names: string[]) => ({ oneof: names });

export const MODEL_CONFIG_SCHEMA: INamespace = {
  nested: {
    inference: {
      nested: {
        DataType: {
          values: {
            TYPE_INVALID: 0, TYPE_BOOL: 1, TYPE_UINT8: 2, TYPE_UINT16: 3, TYPE_UINT32: 4, TYPE_UINT64: 5,
            TYPE_INT8: 6, TYPE_INT16: 7, TYPE_INT32: 8, TYPE_INT64: 9, TYPE_FP16: 10, TYPE_FP32: 11,
            TYPE_FP64: 12, TYPE_STRING: 13, TYPE_BF16: 14,
          },
        },
        ModelRateLimiter: {
          fields: { resources: rep("Resource", 1), priority: f("uint32", 2) },
          nested: {
            Resource: { fields: { name: f("string", 1), global: f("bool", 2), count: f("uint32", 3) } },
          },
        },
        ModelInstanceGroup: {
          fields: {
            name: f("string", 1),
            kind: f("Kind", 4),
            count: f("int32", 2),
            rate_limiter: f("ModelRateLimiter", 6),
            gpus: rep("int32", 3),
            secondary_devices: rep("SecondaryDevice", 8),
            profile: rep("string", 5),
            passive: f("bool", 7),
            host_policy: f("string", 9),
          },
          nested: {
            Kind: { values: { KIND_AUTO: 0, KIND_GPU: 1, KIND_CPU: 2, KIND_MODEL: 3 } },
            SecondaryDevice: {
              fields: { kind: f("SecondaryDeviceKind", 1), device_id: f("int64", 2) },
              nested: { SecondaryDeviceKind: { values: { KIND_NVDLA: 0 } } },
            },
          },
        },
        ModelTensorReshape: { fields: { shape: rep("int64", 1) } },
        ModelInput: {
          fields: {
            name: f("string", 1),
            data_type: f("DataType", 2),
            format: f("Format", 3),
            dims: rep("int64", 4),
            reshape: f("ModelTensorReshape", 5),
            is_shape_tensor: f("bool", 6),
            allow_ragged_batch: f("bool", 7),
            optional: f("bool", 8),
            is_non_linear_format_io: f("bool", 9),
          },
          nested: { Format: { values: { FORMAT_NONE: 0, FORMAT_NHWC: 1, FORMAT_NCHW: 2 } } },
        },
        ModelOutput: {
          fields: {
            name: f("string", 1),
            data_type: f("DataType", 2),
            dims: rep("int64", 3),
            reshape: f("ModelTensorReshape", 5),
            label_filename: f("string", 4),
            is_shape_tensor: f("bool", 6),
            is_non_linear_format_io: f("bool", 7),
          },
        },
        BatchInput: {
          fields: {
            kind: f("Kind", 1),
            target_name: rep("string", 2),
            data_type: f("DataType", 3),
            source_input: rep("string", 4),
          },
          nested: {
            Kind: {
              values: {
                BATCH_ELEMENT_COUNT: 0, BATCH_ACCUMULATED_ELEMENT_COUNT: 1,
                BATCH_ACCUMULATED_ELEMENT_COUNT_WITH_ZERO: 2, BATCH_MAX_ELEMENT_COUNT_AS_SHAPE: 3,
                BATCH_ITEM_SHAPE: 4, BATCH_ITEM_SHAPE_FLATTEN: 5,
              },
            },
          },
        },
        BatchOutput: {
          fields: { target_name: rep("string", 1), kind: f("Kind", 2), source_input: rep("string", 3) },
          nested: { Kind: { values: { BATCH_SCATTER_WITH_INPUT_SHAPE: 0 } } },
        },
        ModelVersionPolicy: {
          oneofs: { policy_choice: oneof("latest", "all", "specific") },
          fields: { latest: f("Latest", 1), all: f("All", 2), specific: f("Specific", 3) },
          nested: {
            Latest: { fields: { num_versions: f("uint32", 1) } },
            All: { fields: {} },
            Specific: { fields: { versions: rep("int64", 1) } },
          },
        },
        ModelOptimizationPolicy: {
          fields: {
            graph: f("Graph", 1),
            priority: f("ModelPriority", 2),
            cuda: f("Cuda", 3),
            execution_accelerators: f("ExecutionAccelerators", 4),
            input_pinned_memory: f("PinnedMemoryBuffer", 5),
            output_pinned_memory: f("PinnedMemoryBuffer", 6),
            gather_kernel_buffer_threshold: f("uint32", 7),
            eager_batching: f("bool", 8),
          },
          nested: {
            Graph: { fields: { level: f("int32", 1) } },
            ModelPriority: { values: { PRIORITY_DEFAULT: 0, PRIORITY_MAX: 1, PRIORITY_MIN: 2 } },
            Cuda: {
              fields: {
                graphs: f("bool", 1),
                busy_wait_events: f("bool", 2),
                graph_spec: rep("GraphSpec", 3),
                output_copy_stream: f("bool", 4),
              },
              nested: {
                GraphSpec: {
                  fields: {
                    batch_size: f("int32", 1),
                    input: map("string", "Shape", 2),
                    graph_lower_bound: f("LowerBound", 3),
                  },
                  nested: {
                    Shape: { fields: { dim: rep("int64", 1) } },
                    LowerBound: { fields: { batch_size: f("int32", 1), input: map("string", "Shape", 2) } },
                  },
                },
              },
            },
            ExecutionAccelerators: {
              fields: {
                gpu_execution_accelerator: rep("Accelerator", 1),
                cpu_execution_accelerator: rep("Accelerator", 2),
              },
              nested: {
                Accelerator: { fields: { name: f("string", 1), parameters: map("string", "string", 2) } },
              },
            },
            PinnedMemoryBuffer: { fields: { enable: f("bool", 1) } },
          },
        },
        ModelQueuePolicy: {
          fields: {
            timeout_action: f("TimeoutAction", 1),
            default_timeout_microseconds: f("uint64", 2),
            allow_timeout_override: f("bool", 3),
            max_queue_size: f("uint32", 4),
          },
          nested: { TimeoutAction: { values: { REJECT: 0, DELAY: 1 } } },
        },
        ModelDynamicBatching: {
          fields: {
            preferred_batch_size: rep("int32", 1),
            max_queue_delay_microseconds: f("uint64", 2),
            preserve_ordering: f("bool", 3),
            priority_levels: f("uint64", 4),
            default_priority_level: f("uint64", 5),
            default_queue_policy: f("ModelQueuePolicy", 6),
            priority_queue_policy: map("uint64", "ModelQueuePolicy", 7),
          },
        },
        ModelSequenceBatching: {
          oneofs: { strategy_choice: oneof("direct", "oldest") },
          fields: {
            direct: f("StrategyDirect", 3),
            oldest: f("StrategyOldest", 4),
            max_sequence_idle_microseconds: f("uint64", 1),
            control_input: rep("ControlInput", 2),
            state: rep("State", 5),
            iterative_sequence: f("bool", 6),
          },
          nested: {
            Control: {
              fields: {
                kind: f("Kind", 1),
                int32_false_true: rep("int32", 2),
                fp32_false_true: rep("float", 3),
                bool_false_true: rep("bool", 5),
                data_type: f("DataType", 4),
              },
              nested: {
                Kind: {
                  values: {
                    CONTROL_SEQUENCE_START: 0, CONTROL_SEQUENCE_READY: 1, CONTROL_SEQUENCE_END: 2,
                    CONTROL_SEQUENCE_CORRID: 3,
                  },
                },
              },
            },
            ControlInput: { fields: { name: f("string", 1), control: rep("Control", 2) } },
            InitialState: {
              oneofs: { state_data: oneof("zero_data", "data_file") },
              fields: {
                data_type: f("DataType", 1),
                dims: rep("int64", 2),
                zero_data: f("bool", 3),
                data_file: f("string", 4),
                name: f("string", 5),
              },
            },
            State: {
              fields: {
                input_name: f("string", 1),
                output_name: f("string", 2),
                data_type: f("DataType", 3),
                dims: rep("int64", 4),
                initial_state: rep("InitialState", 5),
                use_same_buffer_for_input_output: f("bool", 6),
                use_growable_memory: f("bool", 7),
              },
            },
            StrategyDirect: {
              fields: { max_queue_delay_microseconds: f("uint64", 1), minimum_slot_utilization: f("float", 2) },
            },
            StrategyOldest: {
              fields: {
                max_candidate_sequences: f("int32", 1),
                preferred_batch_size: rep("int32", 2),
                max_queue_delay_microseconds: f("uint64", 3),
                preserve_ordering: f("bool", 4),
              },
            },
          },
        },
        ModelEnsembling: {
          fields: { step: rep("Step", 1), max_inflight_requests: f("uint32", 2) },
          nested: {
            Step: {
              fields: {
                model_name: f("string", 1),
                model_version: f("int64", 2),
                input_map: map("string", "string", 3),
                output_map: map("string", "string", 4),
                model_namespace: f("string", 5),
              },
            },
          },
        },
        ModelParameter: { fields: { string_value: f("string", 1) } },
        ModelWarmup: {
          fields: {
            name: f("string", 1),
            batch_size: f("uint32", 2),
            inputs: map("string", "Input", 3),
            count: f("uint32", 4),
          },
          nested: {
            Input: {
              oneofs: { input_data_type: oneof("zero_data", "random_data", "input_data_file") },
              fields: {
                data_type: f("DataType", 1),
                dims: rep("int64", 2),
                zero_data: f("bool", 3),
                random_data: f("bool", 4),
                input_data_file: f("string", 5),
              },
            },
          },
        },
        ModelOperations: { fields: { op_library_filename: rep("string", 1) } },
        ModelTransactionPolicy: { fields: { decoupled: f("bool", 1) } },
        ModelRepositoryAgents: {
          fields: { agents: rep("Agent", 1) },
          nested: { Agent: { fields: { name: f("string", 1), parameters: map("string", "string", 2) } } },
        },
        ModelResponseCache: { fields: { enable: f("bool", 1) } },
        ModelMetrics: {
          fields: { metric_control: rep("MetricControl", 1) },
          nested: {
            MetricControl: {
              oneofs: { metric_options: oneof("histogram_options") },
              fields: { metric_identifier: f("MetricIdentifier", 1), histogram_options: f("HistogramOptions", 2) },
              nested: {
                MetricIdentifier: { fields: { family: f("string", 1) } },
                HistogramOptions: { fields: { buckets: rep("double", 1) } },
              },
            },
          },
        },
        ModelConfig: {
          oneofs: { scheduling_choice: oneof("dynamic_batching", "sequence_batching", "ensemble_scheduling") },
          fields: {
            name: f("string", 1),
            platform: f("string", 2),
            backend: f("string", 17),
            runtime: f("string", 25),
            version_policy: f("ModelVersionPolicy", 3),
            max_batch_size: f("int32", 4),
            input: rep("ModelInput", 5),
            output: rep("ModelOutput", 6),
            batch_input: rep("BatchInput", 20),
            batch_output: rep("BatchOutput", 21),
            optimization: f("ModelOptimizationPolicy", 12),
            dynamic_batching: f("ModelDynamicBatching", 11),
            sequence_batching: f("ModelSequenceBatching", 13),
            ensemble_scheduling: f("ModelEnsembling", 15),
            instance_group: rep("ModelInstanceGroup", 7),
            default_model_filename: f("string", 8),
            cc_model_filenames: map("string", "string", 9),
            metric_tags: map("string", "string", 10),
            parameters: map("string", "ModelParameter", 14),
            model_warmup: rep("ModelWarmup", 16),
            model_operations: f("ModelOperations", 18),
            model_transaction_policy: f("ModelTransactionPolicy", 19),
            model_repository_agents: f("ModelRepositoryAgents", 23),
            response_cache: f("ModelResponseCache", 24),
            model_metrics: f("ModelMetrics", 26),
          },
        },
      },
    },
  },
};
