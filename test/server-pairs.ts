/**
 * Paired rule cases for the real Triton server (test/server-pairs.test.ts): each case is one or more model folders.
 * A case with `rule` is a config Triton refuses, and `trtx repo validate` must report that rule for the loaded model;
 * a case without `rule` is the corrected twin, which must load READY in the server and have no findings (warnings
 * aside). All cases go into one repository, so model folder names must be unique across cases: prefix them with
 * the case's name.
 */

/** A file of a model folder: its text, its bytes (an ONNX model built in the case file), or a fixture (fixtures/NAME) copied in. */
export type PairFile = string | Uint8Array | { fixture: string };

export interface PairCase {
  /** Unique; also the prefix of every model folder of the case. */
  name: string;
  /** The validate rule id the refused config must produce; absent: the config loads and validates clean. */
  rule?: string;
  /** Model folders: folder name → (path inside the folder → file), e.g. { "config.pbtxt": "...", "1/model.onnx": { fixture: "mlp_dynbatch.onnx" } }. */
  models: Record<string, Record<string, PairFile>>;
  /** The model to load (default: the first folder); loading an ensemble loads its composing models. */
  load?: string;
  /**
   * Whose rule decides: "triton" when the server's own code (core, schedulers, warm-up) refuses the model, "stand-in"
   * when the refusal comes from test/peers/triton-backends/onnxruntime/model.py mirroring onnxruntime_backend (its
   * model checks), which no real onnxruntime backend here can confirm.
   */
  judge: "triton" | "stand-in";
  /** Optional: a fragment of the server's error message that shows the refusal has the intended cause. */
  serverSays?: RegExp;
}
