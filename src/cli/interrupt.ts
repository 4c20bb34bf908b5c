/**
 * Ctrl-C and SIGTERM: remove the command's temporary files and folders and its build lock, say so, and exit with
 * the shell's code for the signal (130, 143). Destinations are only ever renamed into place whole, so what remains
 * is the previous version or nothing. Node runs the handler when the JS thread is free: a second signal while a
 * long native call holds it exits at once, and the next run sweeps what is left.
 */
import { removeInFlight } from "../core/fs/temp-registry.js";
import { ExitCode } from "./exit-codes.js";

const EXIT_CODES = { SIGINT: ExitCode.INTERRUPTED, SIGTERM: ExitCode.TERMINATED } as const;

export function installInterruptHandlers(): void {
  let interrupted = false;
  for (const [signal, code] of Object.entries(EXIT_CODES)) {
    process.on(signal, () => {
      if (!interrupted) {
        interrupted = true;
        removeInFlight();
        process.stderr.write("trtx: interrupted\n");
      }
      process.exit(code);
    });
  }
}
