// The first screen before the models run: the pictures `python -m export site` drew with the same
// models for the default view's seeds (export/site_pictures.py: one PNG per model, 8 x 8 tiles of
// 32 x 32, listed in models/index.json as first_screen {path, seeds, columns}). The Generate
// panel shows them at once, saying they are shipped, and draws live over them when its models
// run. untile and shippedImages take no DOM (Node tests them).
import { parseSeeds } from './latent.js';

const SIZE = 32;

/** RGBA bytes of a sheet `width` pixels wide -> the first `count` tiles as NHWC floats in the
 * models' [-1, 1] (so they draw through the same drawImages as a model's output, to the byte). */
export function untile(rgba, width, count, columns, size = SIZE) {
  const data = new Float32Array(count * size * size * 3);
  let out = 0;
  for (let n = 0; n < count; n++) {
    const top = Math.floor(n / columns) * size;
    const left = (n % columns) * size;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const pixel = ((top + y) * width + left + x) * 4;
        for (let c = 0; c < 3; c++) data[out++] = rgba[pixel + c] / 127.5 - 1;
      }
    }
  }
  return data;
}

/** A model's shipped images of `seeds` ({seeds, data} from loadShipped), as one NHWC array;
 * null when any of them was not shipped. */
export function shippedImages(shipped, seeds) {
  if (!shipped || !seeds.length) return null;
  const size = shipped.data.length / shipped.seeds.length;
  const data = new Float32Array(seeds.length * size);
  for (const [k, seed] of seeds.entries()) {
    const index = shipped.seeds.indexOf(seed);
    if (index < 0) return null;
    data.set(shipped.data.subarray(index * size, (index + 1) * size), k * size);
  }
  return data;
}

async function readSheet({ path, seeds: text, columns }) {
  const seeds = parseSeeds(text);
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  // The bytes as the model made them: no colour management, no premultiplied alpha.
  const bitmap = await createImageBitmap(await response.blob(),
    { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
  return { seeds, data: untile(data, bitmap.width, seeds.length, columns) };
}

/** The shipped pictures of index entries that have them: {id: {seeds, data}}. One that cannot
 * be read is left out (its model draws live, a moment later), with a line in the console. */
export async function loadShipped(entries) {
  const shipped = {};
  await Promise.all(entries.filter((entry) => entry.first_screen).map(async (entry) => {
    try {
      shipped[entry.id] = await readSheet(entry.first_screen);
    } catch (error) {
      console.warn(`${entry.id}: no shipped first screen (${error.message}); drawn live`);
    }
  }));
  return shipped;
}
