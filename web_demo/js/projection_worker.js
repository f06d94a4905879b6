// The GAN's code for a real image, found in this Web Worker (the page's main thread only draws):
// the twin of core/projection.py. Adam on z from several starts (the page sends them: the
// latents of seeds seed..seed+restarts-1, as Python's are), the loss
//     mean((G(z) - x)^2) + priorWeight * (|z|^2 / d - 1)^2      pixels in [-1, 1]
// with the learning rate ramped down by a cosine over the last quarter of the steps; the start
// with the lowest final loss is kept.
//
// The GAN's graph model was written for inference: its convolutions are fused with their bias
// and LeakyReLU (TF.js has no gradient for a fused LeakyReLU) and its sub-pixel upsampling uses
// DepthToSpace and StridedSlice (no gradients registered in TF.js 4.22). So the graph is split
// back into plain ops before loading, and those two gradients are registered here.
//
// Messages in:  {type: 'project', task, url, vendor, target: Float32Array(32*32*3) in [-1, 1],
//                starts: Float32Array(restarts * d), settings: {steps, learningRate,
//                priorWeight}, report: steps between progress messages}
// Messages out: {type: 'progress', task, step, steps, loss} | {type: 'done', task, latent,
//                image, pixelError, loss, ms, backend} | {type: 'error', task, message}
// Cancel: the page terminates the worker.

const RAMP_DOWN = 0.25; // core/projection.py's

/** core/projection.py's _ramp_down: the learning rate's factor at `progress` (0..1). */
function rampDown(progress) {
  const left = (1 - progress) / RAMP_DOWN;
  return left >= 1 ? 1 : 0.5 - 0.5 * Math.cos(Math.PI * Math.max(left, 0));
}

const FUSED = { _FusedConv2D: 'Conv2D', _FusedMatMul: 'MatMul' };
const FUSION_ATTRS = ['fused_ops', 'leakyrelu_alpha', 'num_args', 'epsilon', 'TArgs',
  'num_host_args'];
const decode = (text) => (typeof atob === 'function' ? atob(text) :
  Buffer.from(text, 'base64').toString());

/** A converted graph's nodes with every fused convolution or matrix product split into the op,
 * BiasAdd and its activation (LeakyRelu, Relu), under the fused node's name. */
function unfuseNodes(nodes) {
  const out = [];
  for (const node of nodes) {
    const plain = FUSED[node.op];
    if (!plain) {
      out.push(node);
      continue;
    }
    // The plain op keeps the convolution's own attributes; the fusion's go.
    const attr = { ...node.attr };
    const { fused_ops: fusedOps, leakyrelu_alpha: alpha } = attr;
    for (const key of FUSION_ATTRS) delete attr[key];
    const ops = (fusedOps?.list?.s ?? []).map(decode);
    const [x, weights, bias] = node.input;
    let last = `${node.name}/unfused_${plain}`;
    out.push({ name: last, op: plain, input: [x, weights], attr });
    for (const [k, op] of ops.entries()) {
      const name = k === ops.length - 1 ? node.name : `${node.name}/unfused_${op}`;
      if (op === 'BiasAdd') {
        out.push({ name, op, input: [last, bias], attr: { T: attr.T } });
      } else if (op === 'LeakyRelu') {
        out.push({ name, op, input: [last], attr: { T: attr.T, alpha: alpha ?? { f: 0.2 } } });
      } else if (op === 'Relu' || op === 'Tanh' || op === 'Sigmoid') {
        out.push({ name, op, input: [last], attr: { T: attr.T } });
      } else {
        throw new Error(`cannot take the gradient of a ${node.op} fused with ${op}`);
      }
      last = name;
    }
  }
  return out;
}

/** Gradients TF.js 4.22 lacks, for the sub-pixel upsampling: DepthToSpace's is SpaceToDepth
 * (a reshape and transpose, NHWC with TF's DCR order), a plain StridedSlice's is the padding
 * of dy back to the input's shape. */
function registerGradients(tf) {
  tf.registerGradient({
    kernelName: 'DepthToSpace',
    gradFunc: (dy, _saved, { blockSize: b }) => ({
      x: () => {
        const [n, h, w, c] = dy.shape;
        return dy.reshape([n, h / b, b, w / b, b, c]).transpose([0, 1, 3, 2, 4, 5])
          .reshape([n, h / b, w / b, b * b * c]);
      },
    }),
  });
  tf.registerGradient({
    kernelName: 'StridedSlice',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const { begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask,
          shrinkAxisMask } = attrs;
        if (ellipsisMask || newAxisMask || shrinkAxisMask || strides.some((s) => s !== 1)) {
          throw new Error('only a plain strided slice (steps of 1, no masks but begin/end) ' +
            'has a gradient here');
        }
        const paddings = x.shape.map((size, axis) => {
          const at = (value) => (value < 0 ? value + size : Math.min(value, size));
          const from = axis >= begin.length || beginMask & (1 << axis) ? 0 : at(begin[axis]);
          const to = axis >= end.length || endMask & (1 << axis) ? size : at(end[axis]);
          return [from, size - to];
        });
        return tf.pad(dy, paddings);
      },
    }),
  });
}

/** Adam on every start at once (each row its own problem, as in Python); returns the kept
 * start's latent, image and loss. `onStep(step, loss)` after each step. */
async function project(tf, model, target, starts, settings, onStep) {
  const { steps, learningRate, priorWeight } = settings;
  const dim = model.inputs[0].shape[1];
  const count = starts.length / dim;
  const x = tf.tensor(target, [1, 32, 32, 3]);
  const rows = (z) => {
    const images = model.execute(z);
    const pixels = tf.mean(tf.square(tf.sub(images, x)), [1, 2, 3]);
    const norm = tf.div(tf.sum(tf.square(z), 1), dim);
    return tf.add(pixels, tf.mul(priorWeight, tf.square(tf.sub(norm, 1))));
  };
  const gradient = tf.valueAndGrad((z) => tf.sum(rows(z)));
  let z = tf.tensor(starts, [count, dim]);
  let first = tf.zerosLike(z);
  let second = tf.zerosLike(z);
  const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
  for (let step = 1; step <= steps; step++) {
    const rate = learningRate * rampDown(step / steps);
    const next = tf.tidy(() => {
      const { value, grad } = gradient(z);
      const m = tf.add(tf.mul(beta1, first), tf.mul(1 - beta1, grad));
      const v = tf.add(tf.mul(beta2, second), tf.mul(1 - beta2, tf.square(grad)));
      const mHat = tf.div(m, 1 - beta1 ** step);
      const vHat = tf.div(v, 1 - beta2 ** step);
      const moved = tf.sub(z, tf.mul(rate, tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon))));
      return { z: moved, m, v, loss: tf.div(value, count) };
    });
    tf.dispose([z, first, second]);
    ({ z, m: first, v: second } = next);
    const loss = await next.loss.data();
    next.loss.dispose();
    onStep(step, loss[0]);
  }
  const final = tf.tidy(() => rows(z));
  const losses = await final.data();
  final.dispose();
  const best = losses.indexOf(Math.min(...losses));
  const latent = tf.tidy(() => z.slice([best, 0], [1, dim]));
  const image = tf.tidy(() => model.execute(latent));
  const [latentData, imageData] = await Promise.all([latent.data(), image.data()]);
  let squares = 0;
  for (let i = 0; i < imageData.length; i++) squares += ((imageData[i] - target[i]) / 2) ** 2;
  tf.dispose([z, first, second, latent, image, x]);
  return { latent: latentData, image: imageData, loss: losses[best],
    pixelError: Math.sqrt(squares / imageData.length) };
}

/** The graph model at `url`, its fused ops split, ready for gradients. */
async function loadForGradients(tf, url) {
  const artifacts = await tf.io.http(url).load();
  const topology = { ...artifacts.modelTopology, node: unfuseNodes(artifacts.modelTopology.node) };
  return tf.loadGraphModel({ load: async () => ({ ...artifacts, modelTopology: topology }) });
}

if (typeof importScripts === 'function') {
  const loaded = {}; // url -> promise of the model
  let ready = null;
  self.onmessage = async ({ data: message }) => {
    const reply = (body, transfer = []) => self.postMessage({ task: message.task, ...body },
      transfer);
    try {
      if (message.type !== 'project') throw new Error(`unknown message ${message.type}`);
      if (!ready) {
        // The whole TensorFlow.js bundle: tf-core's own build registers no gradients.
        importScripts(`${message.vendor}tf.es2017.min.js`,
          `${message.vendor}tf-backend-wasm.es2017.min.js`);
        tf.wasm.setWasmPaths(message.vendor);
        // One thread: at one image's size a second one did not help (8.1 s with two threads,
        // 7.9 s with one, on 2 cores), and it needs no threaded binary nor isolation.
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        registerGradients(tf);
        ready = tf.setBackend('wasm').then((ok) => (ok ? 'wasm' : null)).catch(() => null)
          .then(async (name) => {
            if (name) return name;
            await tf.setBackend('cpu'); // in the bundle
            return 'cpu';
          });
      }
      const backend = await ready;
      loaded[message.url] ??= loadForGradients(tf, message.url);
      const model = await loaded[message.url];
      const started = performance.now();
      const every = message.report ?? 10;
      const result = await project(tf, model, message.target, message.starts, message.settings,
        (step, loss) => {
          if (step % every === 0 || step === message.settings.steps) {
            reply({ type: 'progress', step, steps: message.settings.steps, loss });
          }
        });
      reply({ type: 'done', ...result, ms: performance.now() - started, backend },
        [result.latent.buffer, result.image.buffer]);
    } catch (error) {
      reply({ type: 'error', message: String(error?.message ?? error) });
    }
  };
} else if (typeof module === 'object') {
  module.exports = { rampDown, unfuseNodes, registerGradients, project, loadForGradients };
}
