/** Fuzzing the text formats: config.pbtxt, YAML network definitions, YAML build configs (test/fuzz/). */
import { fuzzSuite } from "./fuzz/suite.js";

fuzzSuite("fuzz: config.pbtxt, network YAML and build YAML parse or are refused with a TrtxError", ["pbtxt", "spec", "build"]);
