#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm ci` through the prepare script).
import { installInterruptHandlers } from "../dist/src/cli/interrupt.js";
import { main } from "../dist/src/cli/main.js";

// A reader that stops early (`trtx inspect m.onnx | head`) is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
installInterruptHandlers();
process.exitCode = await main(process.argv.slice(2));
