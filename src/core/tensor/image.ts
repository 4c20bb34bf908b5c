/**
 * Images as model input: PNG and JPEG decoding (pngjs, jpeg-js) and the ImageNet preprocessing that
 * torchvision's classification models were trained with — Resize(256) with PIL's bilinear filter,
 * CenterCrop(224), ToTensor, Normalize(mean, std) — as a [1,3,H,W] float32 tensor.
 */
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { DataFormatError, UsageError } from "../errors.js";
import type { HostTensor } from "./host-tensor.js";

/** 8-bit RGB, row-major and interleaved (alpha dropped, grayscale replicated to three channels). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface ImagenetOptions {
  /** The crop: a side for a square, or [height, width]. */
  size: number | [number, number];
  /** The length the shorter side is resized to before cropping. */
  resize: number;
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isImage(bytes: Uint8Array): boolean {
  return isPng(bytes) || isJpeg(bytes);
}

const isPng = (b: Uint8Array) => PNG_MAGIC.every((m, i) => b[i] === m);
const isJpeg = (b: Uint8Array) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

export function decodeImage(bytes: Uint8Array, label: string): RgbImage {
  if (!isImage(bytes)) throw new DataFormatError(`${label} is not a PNG or JPEG image`, { hint: "convert it to PNG or JPEG" });
  let rgba: { width: number; height: number; data: Uint8Array };
  try {
    // Both decoders give RGBA whatever the file holds (gray, palette, 16-bit PNG rescaled to 8 bits).
    rgba = isPng(bytes) ? PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) : jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  } catch (e) {
    // jpeg-js throws plain strings as well as Errors.
    const why = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    throw new DataFormatError(`${label} does not decode as ${isPng(bytes) ? "PNG" : "JPEG"} (${why})`, { hint: "the image is truncated or damaged" });
  }
  const { width, height } = rgba;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    data[p * 3] = rgba.data[p * 4]!;
    data[p * 3 + 1] = rgba.data[p * 4 + 1]!;
    data[p * 3 + 2] = rgba.data[p * 4 + 2]!;
  }
  return { width, height, data };
}

/** The options for a model input [N,3,H,W]: crop H×W after resizing as 256 is to 224, enough to cover both sides. */
export function imagenetOptions(height: number, width: number): ImagenetOptions {
  return { size: [height, width], resize: Math.round((Math.max(height, width) * 256) / 224) };
}

export function preprocessImagenet(image: RgbImage, options: ImagenetOptions = { size: 224, resize: 256 }): HostTensor {
  const [cropH, cropW] = typeof options.size === "number" ? [options.size, options.size] : options.size;
  if (![cropH, cropW, options.resize].every((n) => Number.isInteger(n) && n > 0)) {
    throw new UsageError(`image preprocessing needs positive integer sizes, not crop ${cropH}×${cropW} after resize ${options.resize}`);
  }
  // torchvision's Resize(int): the shorter side becomes `resize`, the longer one keeps the ratio, truncated.
  const short = Math.min(image.width, image.height);
  const long = Math.max(image.width, image.height);
  const scaledLong = Math.floor((options.resize * long) / short);
  const [outW, outH] = image.width <= image.height ? [options.resize, scaledLong] : [scaledLong, options.resize];
  if (cropH > outH || cropW > outW) {
    throw new UsageError(`a ${cropH}×${cropW} crop does not fit the image resized to ${outW}×${outH}`, { hint: "resize the shorter side to at least the larger crop side" });
  }
  // CenterCrop rounds the offset with Python's round (half to even).
  const top = roundHalfEven((outH - cropH) / 2);
  const left = roundHalfEven((outW - cropW) / 2);
  const pixels = resizeRegion(image, outW, outH, left, top, cropW, cropH);

  const plane = cropH * cropW;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[c * plane + p] = (pixels[p * 3 + c]! / 255 - MEAN[c]!) / STD[c]!;
  }
  return { dtype: "float32", dims: [1, 3, cropH, cropW], data: out };
}

/**
 * The region [left, left+w) × [top, top+h) of the image resized to outW×outH, in 0..255 floats. Resizing is
 * PIL's bilinear resample (a triangle filter widened by the scale when shrinking, so it also antialiases),
 * separable: rows first, then columns; only the region's pixels are computed.
 */
function resizeRegion(image: RgbImage, outW: number, outH: number, left: number, top: number, w: number, h: number): Float64Array {
  const xs = filterTaps(image.width, outW, left, w);
  const ys = filterTaps(image.height, outH, top, h);
  // Only the input rows that the region's vertical taps read.
  const first = ys[0]!.start;
  const last = Math.max(...ys.map((t) => t.start + t.weights.length));
  const rows = new Float64Array((last - first) * w * 3);
  for (let y = first; y < last; y++) {
    for (let x = 0; x < w; x++) {
      const { start, weights } = xs[x]!;
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += weights[k]! * image.data[(y * image.width + start + k) * 3 + c]!;
        rows[((y - first) * w + x) * 3 + c] = sum;
      }
    }
  }
  const out = new Float64Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    const { start, weights } = ys[y]!;
    for (let i = 0; i < w * 3; i++) {
      let sum = 0;
      for (let k = 0; k < weights.length; k++) sum += weights[k]! * rows[(start - first + k) * w * 3 + i]!;
      out[y * w * 3 + i] = sum;
    }
  }
  return out;
}

/** For outputs from..from+count of a resize inSize → outSize: the first input index and normalised weights (PIL's precompute_coeffs). */
function filterTaps(inSize: number, outSize: number, from: number, count: number): { start: number; weights: number[] }[] {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const taps: { start: number; weights: number[] }[] = [];
  for (let o = from; o < from + count; o++) {
    const center = (o + 0.5) * scale;
    const start = Math.max(0, Math.trunc(center - support + 0.5));
    const end = Math.min(inSize, Math.trunc(center + support + 0.5));
    const weights: number[] = [];
    for (let i = start; i < end; i++) weights.push(Math.max(0, 1 - Math.abs((i - center + 0.5) / filterScale)));
    const total = weights.reduce((a, b) => a + b, 0);
    taps.push({ start, weights: weights.map((v) => v / total) });
  }
  return taps;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
