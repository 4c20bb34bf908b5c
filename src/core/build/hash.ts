/** SHA-256 of files and of build inputs, streamed so that multi-GB weights never sit in memory at once. */
import { createHash, type Hash } from "node:crypto";
import fs from "node:fs";

const CHUNK = 1 << 22;

export function hashFileInto(hash: Hash, file: string): void {
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let n; (n = fs.readSync(fd, buf, 0, CHUNK, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

export function sha256File(file: string): string {
  const hash = createHash("sha256");
  hashFileInto(hash, file);
  return hash.digest("hex");
}
