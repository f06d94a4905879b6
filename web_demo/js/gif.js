// The walk as an animated GIF (one model's, or every model's side by side and labelled), with gifenc (vendored into the site by the build). Encoding runs
// in slices of a few frames between which the page gets the main thread back, so a 961-frame GIF
// never freezes it.
import { GIFEncoder, applyPalette, quantize } from '../vendor/gifenc.esm.js';
import { toByte } from './render.js';

const SLICE_MS = 20;
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** One frame (32 x 32 x 3 floats in [-1, 1]) as RGBA bytes, each pixel a scale x scale block. */
function rgba(data, offset, side, scale) {
  const out = new Uint8Array(side * scale * side * scale * 4);
  const width = side * scale;
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      const source = offset + ((Math.floor(y / scale) * side) + Math.floor(x / scale)) * 3;
      const target = (y * width + x) * 4;
      out[target] = toByte(data[source]);
      out[target + 1] = toByte(data[source + 1]);
      out[target + 2] = toByte(data[source + 2]);
      out[target + 3] = 255;
    }
  }
  return out;
}

/** `count` NHWC frames -> GIF bytes (looping, `delayMs` a frame, a palette per frame). */
export async function encodeGif(data, count, { scale = 4, delayMs = 120, onProgress = () => {} } = {}) {
  const side = Math.round(Math.sqrt(data.length / count / 3));
  return encodeFrames(count, side * scale, side * scale,
    (i) => rgba(data, i * side * side * 3, side, scale), { delayMs, onProgress });
}

/** A looping GIF of `count` frames of `width` x `height`, frame i's RGBA bytes from
 * `pixelsOf(i)`, a palette per frame, in slices between which the page gets its thread back. */
async function encodeFrames(count, width, height, pixelsOf, { delayMs, onProgress }) {
  const gif = GIFEncoder();
  let sliceStart = performance.now();
  for (let i = 0; i < count; i++) {
    const pixels = pixelsOf(i);
    const palette = quantize(pixels, 256);
    gif.writeFrame(applyPalette(pixels, palette), width, height,
      { palette, delay: delayMs, repeat: 0 });
    if (performance.now() - sliceStart > SLICE_MS) {
      onProgress(i + 1);
      await nextTask();
      sliceStart = performance.now();
    }
  }
  gif.finish();
  onProgress(count);
  return gif.bytes();
}

const LABEL_ROW = 18; // CSS pixels of a line of the labels' 13 px font, with a little room
const PADDING = 4;

/** The walk of every model side by side as one GIF that reads on its own: each model's name
 * above its frames and `captions[i]` (the seeds and the frame number) under frame i. `models`:
 * [{name, data}] (NHWC in [-1, 1], `count` frames each). Drawn on a canvas for the text, then
 * encoded like encodeGif. */
export async function encodeLabelledGif(models, count, captions,
  { scale = 4, delayMs = 120, onProgress = () => {} } = {}) {
  const side = Math.round(Math.sqrt(models[0].data.length / count / 3));
  const tile = side * scale;
  const width = models.length * (tile + PADDING) + PADDING;
  const height = LABEL_ROW + tile + LABEL_ROW + 2 * PADDING;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.font = '13px sans-serif';
  context.textBaseline = 'top';
  return encodeFrames(count, width, height, (i) => {
    context.fillStyle = '#fff';
    context.fillRect(0, 0, width, height);
    models.forEach(({ name, data }, k) => {
      const left = PADDING + k * (tile + PADDING);
      context.fillStyle = '#141414';
      context.fillText(name, left, 2);
      const pixels = rgba(data, i * side * side * 3, side, scale);
      context.putImageData(new ImageData(new Uint8ClampedArray(pixels.buffer), tile, tile),
        left, LABEL_ROW + PADDING);
    });
    context.fillStyle = '#3c3c3c';
    context.fillText(captions[i] ?? '', PADDING, LABEL_ROW + tile + 2 * PADDING);
    return context.getImageData(0, 0, width, height).data;
  }, { delayMs, onProgress });
}
