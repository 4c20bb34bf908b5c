import fs from "node:fs";

/** trtx's own version, from its package.json (two folders above dist/src/core). */
export const TRTX_VERSION: string = JSON.parse(
  fs.readFileSync(new URL("../../../package.json", import.meta.url), "utf8"),
).version;
