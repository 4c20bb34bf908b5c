/** Fuzzing the ONNX readers: sniff, the streaming scanner, describeModelFile, loadModel, external data (test/fuzz/). */
import { fuzzSuite } from "./fuzz/suite.js";

fuzzSuite("fuzz: ONNX models and their external data parse or are refused with a TrtxError", ["onnx"]);
