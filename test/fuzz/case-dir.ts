/**
 * A scratch folder for parsers that read files: `root/m/` holds the case (a model and its external data, a .pb and
 * its data file, a JSON or YAML file), and `root/outside.bin` is a file outside it that no case may read.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export class CaseDir {
  readonly root: string;
  readonly dir: string;
  readonly outside: string;

  constructor() {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), "trtx-fuzz-"));
    this.dir = path.join(this.root, "m");
    this.outside = path.join(this.root, "outside.bin");
    fs.writeFileSync(this.outside, new Uint8Array(1 << 16).fill(0x5a));
    fs.mkdirSync(this.dir);
    process.on("exit", () => fs.rmSync(this.root, { recursive: true, force: true }));
  }

  /** Empties the case folder and writes `files` into it (a value of null makes a folder); returns the first file's path. */
  reset(files: Record<string, Uint8Array | string | null>): string {
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir);
    for (const [name, data] of Object.entries(files)) {
      const file = path.join(this.dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      if (data === null) fs.mkdirSync(file, { recursive: true });
      else fs.writeFileSync(file, data);
    }
    return path.join(this.dir, Object.keys(files)[0]!);
  }

  /** A location as a case writes it, with @OUTSIDE@ standing for the absolute path of the file outside. */
  location(text: string): string {
    return text.replace("@OUTSIDE@", this.outside);
  }
}

let shared: CaseDir | undefined;
export const caseDir = () => (shared ??= new CaseDir());
