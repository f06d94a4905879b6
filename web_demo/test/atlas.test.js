// The JavaScript atlas math against vectors written by core/latent.py (make_vectors.py): the
// planes' directions and grids, the stretch maps and their summaries.
// Run: npm test --prefix web_demo   (or: node --test web_demo/test/)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  atlasSummary,
  markCells,
  planeLatents,
  planeSpacing,
  planeThroughSeeds,
  randomDirections,
  randomPlane,
  stretchMap,
} from '../js/latent.js';

const { atlas } = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'));

function assertClose(actual, expected, what, tolerance) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    const scale = Math.max(1, Math.abs(expected[i]));
    assert.ok(diff <= tolerance * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

function planeOf(c) {
  return c.kind === 'seeds'
    ? planeThroughSeeds(c.seeds, 32, c.n, c.margin)
    : randomPlane(c.seed, c.plane_seed, 32, c.n, c.half_width);
}

test('planes: origin, directions, window and seed marks match Python', () => {
  assert.ok(atlas.planes.length >= 4);
  for (const c of atlas.planes) {
    const plane = planeOf(c);
    const what = JSON.stringify(c.seeds ?? [c.seed, c.plane_seed]);
    assertClose(plane.origin, c.origin, `${what} origin`, 1e-12);
    assertClose(plane.axes[0], c.axes[0], `${what} q1`, 1e-12);
    assertClose(plane.axes[1], c.axes[1], `${what} q2`, 1e-12);
    assertClose(plane.center, c.center, `${what} centre`, 1e-12);
    assertClose([plane.halfWidth, planeSpacing(plane)], [c.half_width, c.spacing], what, 1e-12);
    assertClose(plane.marks.flat(), c.marks.flat(), `${what} marks`, 1e-12);
    assertClose(markCells(plane).flat(), c.mark_cells.flat(), `${what} mark cells`, 1e-9);
  }
});

test('grids: every lattice latent matches Python to 1e-6', () => {
  for (const c of atlas.planes) {
    const lattice = planeLatents(planeOf(c), 1);
    assert.equal(lattice.length, (c.n + 2) ** 2);
    lattice.forEach((z, i) => assertClose(z, c.lattice[i], `lattice ${i}`, 1e-6));
    assert.equal(planeLatents(planeOf(c)).length, c.n ** 2);
  }
});

test('random directions are orthonormal', () => {
  const [q1, q2] = randomDirections(5);
  const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);
  assert.ok(Math.abs(dot(q1, q1) - 1) < 1e-12 && Math.abs(dot(q2, q2) - 1) < 1e-12);
  assert.ok(Math.abs(dot(q1, q2)) < 1e-12);
});

test('stretch maps and their summaries match Python', () => {
  for (const c of atlas.maps) {
    const maps = stretchMap(Float32Array.from(c.lattice), c.shape[0], c.spacing);
    for (const name of ['area', 'stretch', 'stretch_min']) {
      assertClose(maps[name], c[name], `n=${c.n} ${name}`, 1e-9);
    }
    for (const [name, k] of [['area', 3], ['stretch', 2]]) {
      const summary = atlasSummary(maps[name], k);
      const expected = c[`summary_${name}`];
      for (const key of Object.keys(expected)) {
        assertClose([summary[key]], [expected[key]], `n=${c.n} ${name} ${key}`, 1e-9);
      }
    }
    // The planted step makes cliffs, so the case cannot pass by both sides being flat.
    assert.ok(atlasSummary(maps.stretch).max_over_median > 3);
  }
});

test('bad planes are refused with a readable message, as in Python', () => {
  for (const seeds of atlas.plane_errors) {
    assert.throws(() => planeThroughSeeds(seeds), /seed/, JSON.stringify(seeds));
  }
  for (const n of atlas.bad_n) {
    assert.throws(() => randomPlane(0, 1, 32, n), /grid size N/, String(n));
  }
  assert.throws(() => stretchMap(new Float32Array(5 * 12), 5, 1), /lattice/);
});
