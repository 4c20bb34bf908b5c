import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { DataFormatError, UsageError } from "../src/core/errors.js";
import { fromFloat16Bits } from "../src/core/tensor/float16.js";
import { decodeImage, imagenetOptions, preprocessImagenet, type RgbImage } from "../src/core/tensor/image.js";
import { loadTensorFile } from "../src/core/tensor/load.js";
import { tempDir } from "./helpers.js";

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const norm = (v: number, c: number) => Math.fround((v / 255 - MEAN[c]!) / STD[c]!);

/** An RGBA PNG whose pixel (x, y) is pixel(x, y). */
function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number?]): Buffer {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      image.data.set([r, g, b, a], (y * width + x) * 4);
    }
  return PNG.sync.write(image);
}

/** Channel c at (y, x) of a [1,3,H,W] tensor. */
const at = (t: { dims: number[]; data: unknown }, c: number, y: number, x: number) => (t.data as Float32Array)[(c * t.dims[2]! + y) * t.dims[3]! + x]!;

test("a uniform PNG becomes [1,3,224,224] float32 with the normalised colour everywhere", () => {
  const t = preprocessImagenet(decodeImage(png(300, 400, () => [124, 116, 104]), "u.png"));
  assert.equal(t.dtype, "float32");
  assert.deepEqual(t.dims, [1, 3, 224, 224]);
  // By hand: (124/255 − 0.485)/0.229 = 0.0055655, (116/255 − 0.456)/0.224 = −0.0049020, (104/255 − 0.406)/0.225 = 0.0081917.
  const expected = [0.0055655, -0.004902, 0.0081917];
  for (let c = 0; c < 3; c++) {
    for (const [y, x] of [[0, 0], [111, 57], [223, 223]] as const) assert.ok(Math.abs(at(t, c, y, x) - expected[c]!) < 1e-6, `channel ${c}: ${at(t, c, y, x)}`);
  }
});

test("a 256×256 image is not resampled, only centre-cropped at (16, 16)", () => {
  const image = decodeImage(png(256, 256, (x, y) => [x, y, (x + y) % 256]), "g.png");
  const t = preprocessImagenet(image, { size: 224, resize: 256 });
  for (const [y, x] of [[0, 0], [0, 223], [100, 7], [223, 223]] as const) {
    assert.equal(at(t, 0, y, x), norm(x + 16, 0));
    assert.equal(at(t, 1, y, x), norm(y + 16, 1));
    assert.equal(at(t, 2, y, x), norm((x + y + 32) % 256, 2));
  }
  // 257 wide: the crop offset 16.5 rounds half to even (Python's round in torchvision's CenterCrop), to 16.
  const wide = preprocessImagenet(decodeImage(png(257, 256, (x) => [x % 256, 0, 0]), "w.png"));
  assert.equal(at(wide, 0, 5, 0), norm(16, 0));
});

test("shrinking uses PIL's bilinear filter, widened by the scale", () => {
  // 8×4 red ramp 0, 10, ..., 70 halved to 4×2. By hand, with PIL's taps (support 2 at scale 2):
  // out0 = (0·.75 + 10·.75 + 20·.25)/1.75, out1 = (10·.25 + 20·.75 + 30·.75 + 40·.25)/2, out2 likewise, out3 = (50·.25 + 60·.75 + 70·.75)/1.75.
  const t = preprocessImagenet(decodeImage(png(8, 4, (x) => [10 * x, 0, 0]), "r.png"), { size: [2, 4], resize: 2 });
  assert.deepEqual(t.dims, [1, 3, 2, 4]);
  const expected = [12.5 / 1.75, 25, 45, 110 / 1.75];
  for (let y = 0; y < 2; y++) expected.forEach((v, x) => assert.ok(Math.abs(at(t, 0, y, x) - norm(v, 0)) < 1e-6, `x=${x}: ${at(t, 0, y, x)} vs ${norm(v, 0)}`));
});

test("grayscale is replicated and alpha dropped", () => {
  const gray = new PNG({ width: 4, height: 4, colorType: 0, inputColorType: 0 });
  gray.data = Buffer.alloc(16, 200);
  const g = decodeImage(PNG.sync.write(gray, { colorType: 0, inputColorType: 0 }), "gray.png");
  assert.deepEqual([...g.data.subarray(0, 6)], [200, 200, 200, 200, 200, 200]);
  const gt = preprocessImagenet(g, { size: 4, resize: 4 });
  for (let c = 0; c < 3; c++) assert.equal(at(gt, c, 1, 2), norm(200, c));
  const clear = decodeImage(png(2, 2, () => [10, 200, 30, 0]), "clear.png");
  assert.deepEqual(clear, { width: 2, height: 2, data: new Uint8Array([10, 200, 30, 10, 200, 30, 10, 200, 30, 10, 200, 30]) });
});

test("a JPEG decodes to its colour (within JPEG's rounding)", () => {
  const rgba = Buffer.alloc(64 * 48 * 4);
  for (let p = 0; p < 64 * 48; p++) rgba.set([200, 60, 90, 255], p * 4);
  const image: RgbImage = decodeImage(jpeg.encode({ width: 64, height: 48, data: rgba }, 100).data, "c.jpg");
  assert.equal(image.width, 64);
  assert.equal(image.height, 48);
  const t = preprocessImagenet(image);
  assert.deepEqual(t.dims, [1, 3, 224, 224]);
  [200, 60, 90].forEach((v, c) => assert.ok(Math.abs(at(t, c, 100, 100) - norm(v, c)) < 3 / 255 / STD[c]!, `channel ${c}`));
});

test("other input sizes: the shorter side is resized as 256 is to 224, then cropped to the model's H×W", () => {
  assert.deepEqual(imagenetOptions(224, 224), { size: [224, 224], resize: 256 });
  assert.deepEqual(imagenetOptions(299, 299), { size: [299, 299], resize: 342 });
  assert.deepEqual(imagenetOptions(224, 448), { size: [224, 448], resize: 512 });
  const image = decodeImage(png(500, 400, (x, y) => [x % 256, y % 256, 0]), "p.png");
  assert.deepEqual(preprocessImagenet(image, imagenetOptions(299, 299)).dims, [1, 3, 299, 299]);
  assert.deepEqual(preprocessImagenet(decodeImage(png(64, 48, () => [0, 0, 0]), "s.png"), imagenetOptions(224, 448)).dims, [1, 3, 224, 448]);
  assert.throws(() => preprocessImagenet(image, { size: 300, resize: 256 }), (e) => e instanceof UsageError && /300×300 crop does not fit/.test(e.message));
});

test("files that are not images, or broken ones, are refused on one line", () => {
  const oneLine = (pattern: RegExp) => (e: unknown) => e instanceof DataFormatError && pattern.test(e.message) && !e.message.includes("\n");
  assert.throws(() => decodeImage(Buffer.from("GIF89a..."), "a.gif"), oneLine(/a\.gif is not a PNG or JPEG image/));
  const good = png(16, 16, () => [1, 2, 3]);
  assert.throws(() => decodeImage(good.subarray(0, 40), "cut.png"), oneLine(/cut\.png does not decode as PNG \(/));
  const jpg = jpeg.encode({ width: 16, height: 16, data: Buffer.alloc(16 * 16 * 4) }, 90).data;
  assert.throws(() => decodeImage(Buffer.concat([jpg.subarray(0, 3), Buffer.alloc(20)]), "bad.jpg"), oneLine(/bad\.jpg does not decode as JPEG \(/));
});

test("loadTensorFile: images need --preprocess imagenet and take the model's size and float type", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "cat.png");
  fs.writeFileSync(file, png(120, 90, () => [124, 116, 104]));
  assert.throws(() => loadTensorFile(file, { dtype: "float32" }), (e) => e instanceof UsageError && /cat\.png is an image: pass --preprocess imagenet/.test(e.message));
  const f32 = loadTensorFile(file, { dtype: "float32", preprocess: "imagenet", imageSize: [112, 96] });
  assert.deepEqual([f32.dtype, f32.dims], ["float32", [1, 3, 112, 96]]);
  const f16 = loadTensorFile(file, { dtype: "float16", preprocess: "imagenet" });
  assert.deepEqual([f16.dtype, f16.dims], ["float16", [1, 3, 224, 224]]);
  assert.ok(Math.abs(fromFloat16Bits((f16.data as Uint16Array)[0]!) - 0.0055655) < 1e-4);
  // The extension does not matter: the signature tells.
  const renamed = path.join(dir, "cat.data");
  fs.copyFileSync(file, renamed);
  assert.deepEqual(loadTensorFile(renamed, { preprocess: "imagenet" }).dims, [1, 3, 224, 224]);
});
