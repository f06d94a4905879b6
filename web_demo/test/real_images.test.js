// The real-image walk's pure parts: codes in links, the default pair; and the projection
// worker's graph rewrite and gradients, on the shipped GAN in Node's CPU backend.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import vm from 'node:vm';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';

import { codesText, defaultPair, parseCodes } from '../js/real_images.js';
import { projectionStarts } from '../js/projector.js';
import { seedToLatent } from '../js/latent.js';

const worker = { exports: {} };
vm.runInNewContext(fs.readFileSync(new URL('../js/projection_worker.js', import.meta.url), 'utf8'),
  { module: worker, Math, Error, Buffer, performance, Promise });
const { unfuseNodes, registerGradients, rampDown } = worker.exports;

test('codes survive the link to four decimals, and a wrong size is no code', () => {
  const gan = seedToLatent(3);
  const back = parseCodes(codesText(gan, null), 32);
  assert.ok(back.GAN.every((v, i) => Math.abs(v - gan[i]) < 5e-5));
  assert.equal(back.VAE, null);
  assert.equal(parseCodes('1,2;3', 32), null);
  assert.equal(parseCodes('', 32), null);
});

test('the default pair crosses the classes when there are two', () => {
  assert.deepEqual(defaultPair(['frog', 'frog', 'automobile']), [0, 2]);
  assert.deepEqual(defaultPair(['frog', 'frog']), [0, 1]);
});

test('the starts are seed, seed + 1, ... latents, as core/projection.py', () => {
  const starts = projectionStarts(7, 2, 32);
  assert.deepEqual(Array.from(starts.subarray(32)), Array.from(seedToLatent(8)));
});

test('the learning rate ramps down over the last quarter only', () => {
  assert.equal(rampDown(0.5), 1);
  assert.equal(rampDown(0.75), 1);
  assert.ok(Math.abs(rampDown(0.875) - 0.5) < 1e-12);
  assert.equal(rampDown(1), 0);
});

const dir = new URL('../../models/gan-frog/generator/', import.meta.url);
test('the unfused GAN draws what the fused one does, and its gradient is the slope',
  { skip: !fs.existsSync(new URL('model.json', dir)) && 'no shipped GAN' }, async () => {
    await tf.setBackend('cpu');
    registerGradients(tf);
    const model = JSON.parse(fs.readFileSync(new URL('model.json', dir)));
    const data = Buffer.concat(model.weightsManifest.flatMap((g) => g.paths)
      .map((p) => fs.readFileSync(new URL(p, dir))));
    const load = (nodes) => tf.loadGraphModel(tf.io.fromMemory({
      modelTopology: { ...model.modelTopology, node: nodes },
      weightSpecs: model.weightsManifest.flatMap((g) => g.weights),
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }));
    const fused = await load(model.modelTopology.node);
    const plain = await load(unfuseNodes(model.modelTopology.node));
    const ops = new Set(unfuseNodes(model.modelTopology.node).map((n) => n.op));
    assert.ok(!ops.has('_FusedConv2D') && !ops.has('_FusedMatMul') && ops.has('LeakyRelu'));
    const z = tf.tensor([seedToLatent(1), seedToLatent(2)]);
    const apart = (await tf.max(tf.abs(tf.sub(fused.execute(z), plain.execute(z)))).data())[0];
    assert.ok(apart < 1e-5, apart);
    const target = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 2);
    const loss = (v) => tf.sum(tf.mean(tf.square(tf.sub(plain.execute(v), target)), [1, 2, 3]));
    const grad = await tf.grad(loss)(z).data();
    for (const index of [0, 17, 40, 63]) {
      const bump = tf.buffer([2, 32]);
      bump.values[index] = 1e-2;
      const step = bump.toTensor();
      const slope = ((await loss(z.add(step)).data())[0] - (await loss(z.sub(step)).data())[0]) / 2e-2;
      assert.ok(Math.abs(slope - grad[index]) < 0.05 * Math.abs(slope) + 2e-4, `${index}: ${slope} vs ${grad[index]}`);
    }
  });
