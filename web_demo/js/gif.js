// The walk as an animated GIF, with gifenc (vendored into the site by the build). Encoding runs
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
  const gif = GIFEncoder();
  let sliceStart = performance.now();
  for (let i = 0; i < count; i++) {
    const pixels = rgba(data, i * side * side * 3, side, scale);
    const palette = quantize(pixels, 256);
    gif.writeFrame(applyPalette(pixels, palette), side * scale, side * scale,
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
