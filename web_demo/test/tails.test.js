// "Measure here, in pixels" against core/tearing.py (vectors.json, make_vectors.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { seedToLatent, slerp } from '../js/latent.js';
import {
  hillTailIndex, pathSteps, randomPathLatents, rmsPixelSteps, tailStatistics,
} from '../js/tails.js';

const { tails } = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'));

function close(actual, expected, what, tolerance = 1e-9) {
  const diff = Math.abs(actual - expected);
  assert.ok(diff <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

test('per-step pixel change is core/tearing.py\'s rms_steps over pixel_judge', () => {
  const count = tails.frames.shape[0];
  const steps = rmsPixelSteps(Float32Array.from(tails.frames.frames), count);
  assert.equal(steps.length, count - 1);
  steps.forEach((s, i) => close(s, tails.rms_steps[i], `step ${i}`, 1e-6));
  assert.equal(steps[3], 0); // two equal frames
});

test('tail statistics are core/tearing.py\'s', () => {
  for (const { name, values, figures } of tails.statistics) {
    const mine = tailStatistics(values);
    assert.deepEqual(Object.keys(mine), Object.keys(figures), name);
    for (const key of Object.keys(figures)) close(mine[key], figures[key], `${name} ${key}`);
  }
});

test('a few steps have no tail index, and all-zero steps no ratios', () => {
  assert.ok(Number.isNaN(hillTailIndex([1, 2])));
  const zeros = tailStatistics([0, 0, 0, 0]);
  assert.equal(zeros.p999_over_median, Infinity);
  assert.ok(Number.isNaN(zeros.top1_share));
});

test('random paths run between seed pairs, and their steps are cut per path', () => {
  const latents = randomPathLatents(2, 4, 8);
  assert.equal(latents.length, 2 * 5 * 8);
  const [a, b] = [seedToLatent(2, 8), seedToLatent(3, 8)];
  assert.deepEqual(latents.subarray(5 * 8, 6 * 8), slerp(a, b, 0));
  assert.deepEqual(latents.subarray(7 * 8, 8 * 8), slerp(a, b, 0.5));
  // Two paths of two steps over 1-value "images": no step joins the two paths.
  const images = Float32Array.from([-1, 0, 1, 1, 1, -1]);
  assert.deepEqual(Array.from(pathSteps(images, 2, 2)), [0.5, 0.5, 0, 1]);
});
