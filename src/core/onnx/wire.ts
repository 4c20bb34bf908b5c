/**
 * A protobuf wire-format reader over random-access bytes. It reads through a small window, so a field can be
 * skipped by moving the position: a 1 GB initializer's raw_data is never read, which is what lets
 * `inspect` describe any model in milliseconds and a few MB of memory.
 */
import fs from "node:fs";

/** Random-access bytes: a file read on demand, or a buffer already in memory. */
export interface ByteSource {
  readonly size: number;
  /** Bytes actually read from the underlying storage (lets tests prove that weights are skipped). */
  readonly bytesRead: number;
  read(position: number, length: number): Uint8Array;
}

export class FileSource implements ByteSource {
  bytesRead = 0;
  private constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  static open(path: string): FileSource {
    const fd = fs.openSync(path, "r");
    return new FileSource(fd, fs.fstatSync(fd).size);
  }

  read(position: number, length: number): Uint8Array {
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, out, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    this.bytesRead += done;
    return done === length ? out : out.subarray(0, done);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

export class BufferSource implements ByteSource {
  bytesRead = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  read(position: number, length: number): Uint8Array {
    const out = this.bytes.subarray(position, position + length);
    this.bytesRead += out.length;
    return out;
  }
}

/** The wire is malformed; `offset` is the byte where reading failed. */
export class WireError extends Error {
  override name = "WireError";
  constructor(
    message: string,
    readonly offset: number,
    readonly truncated: boolean,
  ) {
    super(message);
  }
}

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

const WINDOW = 64 * 1024;
const MAX_SAFE = 2 ** 53;

export class WireReader {
  pos: number;
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;

  constructor(
    private readonly src: ByteSource,
    start = 0,
  ) {
    this.pos = start;
  }

  private byte(): number {
    const i = this.pos - this.windowStart;
    if (i < 0 || i >= this.window.length) {
      if (this.pos >= this.src.size) throw this.truncated(1);
      this.windowStart = this.pos;
      this.window = this.src.read(this.pos, Math.min(WINDOW, this.src.size - this.pos));
      this.pos++;
      return this.window[0]!;
    }
    this.pos++;
    return this.window[i]!;
  }

  private truncated(need: number): WireError {
    return new WireError(
      `needs ${need} more byte(s) at offset ${this.pos} but the data ends at ${this.src.size}`,
      this.pos,
      true,
    );
  }

  /** An unsigned varint that must fit a JS number exactly (tags, lengths, enums, small counts). */
  uint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (result >= MAX_SAFE) throw new WireError(`varint ${result} is too large at offset ${this.pos}`, this.pos, false);
        return result;
      }
      scale *= 128;
    }
    throw new WireError(`varint longer than 10 bytes at offset ${this.pos}`, this.pos, false);
  }

  /** A varint read as a signed 64-bit integer (int64 fields such as dims, where -1 is 10 bytes on the wire). */
  int64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw new WireError(`varint longer than 10 bytes at offset ${this.pos}`, this.pos, false);
  }

  /** Reads a tag; returns [field number, wire type]. */
  tag(): [number, number] {
    const t = this.uint();
    const field = Math.floor(t / 8);
    if (field === 0) throw new WireError(`field number 0 at offset ${this.pos}`, this.pos, false);
    return [field, t & 7];
  }

  /** Reads a length prefix and checks that the payload fits inside `end`. Returns the payload's end. */
  lengthPrefixed(end: number): number {
    const len = this.uint();
    const payloadEnd = this.pos + len;
    if (payloadEnd > end) {
      if (payloadEnd > this.src.size) throw this.truncated(payloadEnd - this.src.size);
      throw new WireError(`a field of ${len} bytes at offset ${this.pos} overruns its message (ends at ${end})`, this.pos, false);
    }
    return payloadEnd;
  }

  bytes(length: number): Uint8Array {
    if (this.pos + length > this.src.size) throw this.truncated(this.pos + length - this.src.size);
    const i = this.pos - this.windowStart;
    if (i >= 0 && i + length <= this.window.length) {
      this.pos += length;
      return this.window.subarray(i, i + length);
    }
    const out = this.src.read(this.pos, length);
    this.pos += length;
    return out;
  }

  string(end: number): string {
    const stop = this.lengthPrefixed(end);
    return Buffer.from(this.bytes(stop - this.pos)).toString("utf8");
  }

  /** Skips one field's value of the given wire type, never reading a length-delimited payload. */
  skip(wireType: number, end: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.int64();
        return;
      case WireType.I64:
        this.seek(this.pos + 8, end);
        return;
      case WireType.LEN:
        this.pos = this.lengthPrefixed(end);
        return;
      case WireType.I32:
        this.seek(this.pos + 4, end);
        return;
      default:
        throw new WireError(`unsupported wire type ${wireType} at offset ${this.pos}`, this.pos, false);
    }
  }

  private seek(to: number, end: number): void {
    if (to > this.src.size) throw this.truncated(to - this.src.size);
    if (to > end) throw new WireError(`a fixed-width field overruns its message at offset ${this.pos}`, this.pos, false);
    this.pos = to;
  }

  /** Reads a repeated int64 field given either packed (LEN) or one value per tag. */
  int64s(wireType: number, end: number, into: bigint[]): void {
    if (wireType === WireType.LEN) {
      const stop = this.lengthPrefixed(end);
      while (this.pos < stop) into.push(this.int64());
      if (this.pos !== stop) throw new WireError(`packed varints overrun at offset ${this.pos}`, this.pos, false);
    } else if (wireType === WireType.VARINT) {
      into.push(this.int64());
    } else {
      throw new WireError(`int64 field has wire type ${wireType} at offset ${this.pos}`, this.pos, false);
    }
  }
}
