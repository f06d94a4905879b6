// The JavaScript latent math against vectors written by core/latent.py (make_vectors.py).
// Run: npm test --prefix web_demo   (or: node --test web_demo/test/)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  findJumps,
  lerp,
  mulberry32,
  parseSeeds,
  pathDistances,
  SEED_MAPPING,
  seedToLatent,
  slerp,
  walk,
  walkSummary,
} from '../js/latent.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'));
const TOLERANCE = 1e-6;

function assertClose(actual, expected, what, tolerance = TOLERANCE) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    assert.ok(diff <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (diff ${diff})`);
  }
}

test('both sides name the same seed mapping', () => {
  assert.equal(SEED_MAPPING, vectors.seed_mapping);
});

test('mulberry32 draws are bit-identical to Python', () => {
  for (const { seed, draws } of vectors.mulberry32) {
    assert.deepEqual(mulberry32(seed, draws.length), draws, `seed ${seed}`);
  }
});

test('seed -> latent matches Python to 1e-6 (seed 42 included)', () => {
  assert.ok(vectors.latents.some((c) => c.seed === 42));
  for (const { seed, latent_dim: dim, latent } of [...vectors.latents, ...vectors.odd_dims]) {
    const z = seedToLatent(seed, dim);
    assert.ok(z instanceof Float32Array);
    assertClose(z, latent, `seed ${seed} dim ${dim}`);
  }
});

test('different seeds give different latents', () => {
  const a = seedToLatent(41);
  const b = seedToLatent(42);
  assert.ok(a.some((v, i) => v !== b[i]));
});

test('lerp and slerp match Python at every t', () => {
  for (const c of vectors.interpolations) {
    c.t.forEach((t, i) => {
      assertClose(lerp(c.z0, c.z1, t), c.lerp[i], `${c.name} lerp t=${t}`);
      assertClose(slerp(c.z0, c.z1, t), c.slerp[i], `${c.name} slerp t=${t}`);
    });
  }
});

test('walks through waypoints match Python', () => {
  for (const c of vectors.walks) {
    const frames = walk(seedsOf(c.seeds), c.steps, c.mode);
    assert.equal(frames.length, c.frames.length, `${c.mode} steps=${c.steps}: frame count`);
    frames.forEach((z, i) => assertClose(z, c.frames[i], `${c.mode} steps=${c.steps} frame ${i}`));
  }
});

test('walk rejects bad arguments with readable errors', () => {
  const z = seedsOf([1, 2]);
  assert.throws(() => walk(z.slice(0, 1), 4), /at least two waypoints/);
  assert.throws(() => walk(z, 0), /steps must be at least 1/);
  assert.throws(() => walk(z, 4, 'cubic'), /unknown interpolation/);
});

test('path distances match Python (clipping and still frames included)', () => {
  for (const c of vectors.path_distances) {
    const distances = pathDistances(Float32Array.from(c.frames), c.shape[0]);
    assertClose(distances, c.distances, c.name, 1e-9);
  }
});

test('jumps are the same indices as Python', () => {
  for (const c of vectors.jumps) {
    assert.deepEqual(findJumps(c.distances, c.k), c.jumps, `${c.distances} k=${c.k}`);
  }
});

test('walk summary flags the one big step', () => {
  const summary = walkSummary([0.01, 0.01, 0.2, 0.01]);
  assert.deepEqual(summary.jumps, [2]);
  assert.ok(Math.abs(summary.max_over_median - 20) < 1e-9);
});

test('parseSeeds reads the same seeds as Python', () => {
  for (const { text, seeds } of vectors.parse_seeds) {
    assert.deepEqual(parseSeeds(text), seeds, JSON.stringify(text));
  }
});

test('parseSeeds rejects what Python rejects, with a message', () => {
  for (const text of vectors.parse_seeds_errors) {
    assert.throws(() => parseSeeds(text), /seeds/, JSON.stringify(text));
  }
});

test('parseSeeds refuses a huge range without expanding it', () => {
  const started = Date.now();
  assert.throws(() => parseSeeds('0-4294967295'), /too many seeds/);
  assert.ok(Date.now() - started < 100);
});

function seedsOf(seeds) {
  return seeds.map((s) => seedToLatent(s));
}
