// The hero's chart: each model's steps over its own median, one axis, the jump line at
// JUMP_FACTOR, jumps where a step is above it, and nothing drawn for a constant walk.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { JUMP_FACTOR } from '../js/latent.js';
import { heroChart, ticks } from '../js/hero_chart.js';

const GAN = { name: 'GAN', colour: 'red', distances: [0.1, 0.1, 0.1, 0.9, 0.1] }; // one jump
const VAE = { name: 'VAE', colour: 'blue', distances: [0.02, 0.03, 0.02, 0.03, 0.02] }; // smooth

test('each model is drawn over its own median step, with its jumps', () => {
  const chart = heroChart([GAN, VAE], { width: 480, height: 200 });
  assert.deepEqual(chart.lines.map((l) => [l.name, l.jumps]), [['GAN', [3]], ['VAE', []]]);
  assert.equal(chart.threshold.value, JUMP_FACTOR);
  assert.ok(chart.top >= 9, 'the tallest step (9x its median) fits');
  const ys = (line) => line.points.split(' ').map((p) => Number(p.split(',')[1]));
  const gan = ys(chart.lines[0]);
  assert.ok(gan[3] < chart.threshold.y && gan[0] > chart.threshold.y, 'the jump is above the line');
  assert.ok(ys(chart.lines[1]).every((y) => y > chart.threshold.y), 'the smooth walk stays below');
  // Every point inside the plot.
  for (const line of chart.lines) {
    for (const point of line.points.split(' ')) {
      const [x, y] = point.split(',').map(Number);
      assert.ok(x >= chart.plot.left && x <= chart.plot.right && y >= chart.plot.top &&
        y <= chart.plot.bottom, point);
    }
  }
});

test('a constant walk has no line, and an empty chart still has its jump line', () => {
  const chart = heroChart([{ name: 'GAN', colour: 'red', distances: [0, 0, 0] }, VAE]);
  assert.deepEqual(chart.lines.map((l) => l.name), ['VAE']);
  const empty = heroChart([]);
  assert.deepEqual(empty.lines, []);
  assert.ok(empty.top > JUMP_FACTOR);
});

test('ticks are round numbers from 0', () => {
  assert.deepEqual(ticks(10, 4), [0, 2.5, 5, 7.5, 10]);
  assert.deepEqual(ticks(63, 4), [0, 20, 40, 60]);
  assert.deepEqual(ticks(0), [0]);
});
