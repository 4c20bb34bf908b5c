/**
 * A scratch folder for parsers that read files: `root/m/` holds the case (a model and its external data, a .pb and
 * its data file, a JSON or YAML file), and `root/outside.bin` is a file outside it that no case may read.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** A named pipe: opening it for reading blocks until a writer comes, so a parser must never open one. */
export const FIFO = Symbol("fifo");
export type CaseEntry = Uint8Array | string | null | typeof FIFO | { link: string };

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
    process.on("exit", () => this.remove());
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  /**
   * Makes the case folder hold exactly `files` (a value of null makes a folder, FIFO a named pipe, { link } a symbolic
   * link); returns the first file's path. Consecutive cases mostly write the same names, so only what differs is
   * removed or created.
   */
  reset(files: Record<string, CaseEntry>): string {
    const wanted = new Set(Object.keys(files).map((f) => f.split("/")[0]!));
    for (const entry of fs.readdirSync(this.dir)) if (!wanted.has(entry)) fs.rmSync(path.join(this.dir, entry), { recursive: true, force: true });
    for (const [name, data] of Object.entries(files)) {
      const file = path.join(this.dir, name);
      let existing = fs.lstatSync(file, { throwIfNoEntry: false });
      if (data === FIFO || (typeof data === "object" && data !== null && "link" in data)) {
        const same = data === FIFO ? existing?.isFIFO() : existing?.isSymbolicLink() && fs.readlinkSync(file) === data.link;
        if (same) continue;
        if (existing) fs.rmSync(file, { recursive: true, force: true });
        if (data === FIFO) execFileSync("mkfifo", [file]);
        else fs.symlinkSync(data.link, file);
        continue;
      }
      if (existing?.isFIFO() || existing?.isSymbolicLink()) {
        fs.rmSync(file);
        existing = undefined;
      }
      const isDir = existing?.isDirectory();
      if (data === null) {
        if (isDir === false) fs.rmSync(file);
        fs.mkdirSync(file, { recursive: true });
        continue;
      }
      if (isDir) fs.rmSync(file, { recursive: true });
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, data);
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
/** Removes the scratch folder (a worker that is terminated never sees its "exit" event). */
export function removeCaseDir(): void {
  shared?.remove();
  shared = undefined;
}
