// The shipped first screen (export/site_pictures.py's sheets): tiles cut back to the models'
// NHWC floats that draw as the very bytes shipped, and a view's seeds found among them, or not.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { shippedImages, untile } from '../js/first_screen.js';
import { toBytes } from '../js/render.js';

/** An RGBA sheet of `count` size x size tiles, `columns` across, every byte a function of its
 * tile, row, column and channel. */
function sheet(count, columns, size) {
  const width = columns * size;
  const rows = Math.ceil(count / columns);
  const rgba = new Uint8ClampedArray(width * rows * size * 4);
  const byte = (n, y, x, c) => (n * 37 + y * 11 + x * 5 + c * 101) % 256;
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const at = ((Math.floor(n / columns) * size + y) * width + (n % columns) * size + x) * 4;
        for (let c = 0; c < 3; c++) rgba[at + c] = byte(n, y, x, c);
        rgba[at + 3] = 255;
      }
    }
  }
  return { rgba, width, byte };
}

test('untile gives each tile in NHWC order, and draws back to the bytes shipped', () => {
  const size = 4;
  const { rgba, width, byte } = sheet(10, 3, size);
  const data = untile(rgba, width, 10, 3, size);
  assert.equal(data.length, 10 * size * size * 3);
  const bytes = toBytes(data);
  for (let n = 0; n < 10; n++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) {
          const at = ((n * size + y) * size + x) * 3 + c;
          assert.equal(bytes[at], byte(n, y, x, c), `tile ${n}, row ${y}, column ${x}, channel ${c}`);
        }
      }
    }
  }
  assert.ok(data.every((v) => v >= -1 && v <= 1));
});

test('the shipped images of a view are found by seed, in its order; one missing seed is none', () => {
  const shipped = { seeds: [0, 1, 2, 42], data: Float32Array.from({ length: 4 * 2 }, (_, i) => i) };
  assert.deepEqual(Array.from(shippedImages(shipped, [42, 0])), [6, 7, 0, 1]);
  assert.equal(shippedImages(shipped, [42, 7]), null);
  assert.equal(shippedImages(shipped, []), null);
  assert.equal(shippedImages(undefined, [0]), null);
});
