/** Fuzzing the tensor and report readers: .npy, TensorProto .pb, perf_analyzer/Polygraphy JSON, perf baselines (test/fuzz/). */
import { fuzzSuite } from "./fuzz/suite.js";

fuzzSuite("fuzz: .npy, .pb, JSON inputs and perf baselines parse or are refused with a TrtxError", ["npy", "pb", "json", "baseline"]);
