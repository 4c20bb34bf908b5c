/** Fuzzing the text formats: config.pbtxt, YAML network definitions, YAML build configs, deployment folders (test/fuzz/). */
import { fuzzSuite } from "./fuzz/suite.js";

fuzzSuite("fuzz: config.pbtxt, network YAML, build YAML and deployment folders parse or are refused with a TrtxError", ["pbtxt", "spec", "build", "deploy"]);
