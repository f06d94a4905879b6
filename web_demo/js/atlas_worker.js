// The atlas's inference, off the page's main thread: a classic Web Worker that loads TF.js and
// the graph models, and turns batches of latents into images, posting progress after each batch.
// The page starts one worker per core (tfjs-wasm without cross-origin isolation runs one thread
// per worker) and gives each a share of every model's images, so all cores stay busy.
//
// Messages in:  {type: 'load', models: [{id, url}], backend}   url: a model.json's absolute URL
//               {type: 'run', task, job, model, latents, count, dim}  latents: flat Float32Array
//               {type: 'cancel', job}      cancels that job and every earlier one (ids grow)
// Messages out: {type: 'loaded', backend} | {type: 'progress', task, done, total}
//               {type: 'done', task, data, ms} (data: Float32Array of NHWC images, transferred)
//               {type: 'cancelled', task} | {type: 'error', task, message}

// As in tf-preload.js: declare the global TF.js's bundled runtime assigns, before loading it.
self.regeneratorRuntime = self.regeneratorRuntime || undefined;
importScripts('../vendor/tf.min.js', '../vendor/tf-backend-wasm.min.js');

const BATCH_SIZE = 64;
const IMAGE_VALUES = 32 * 32 * 3;
const models = {};
let cancelledUpTo = 0;

tf.wasm.setWasmPaths(new URL('../vendor/', self.location.href).href);

async function useBackend(wanted) {
  for (const name of [wanted, 'wasm', 'cpu']) {
    try {
      if ((await tf.setBackend(name)) && tf.getBackend() === name) return name;
    } catch {
      // try the next one
    }
  }
  throw new Error('no TensorFlow.js backend could start in the worker');
}

async function load({ models: wanted, backend }) {
  const name = await useBackend(backend);
  for (const { id, url } of wanted) {
    const model = await tf.loadGraphModel(url);
    const dim = model.inputs[0].shape[1];
    tf.tidy(() => model.execute(tf.zeros([1, dim]))).dispose(); // compile the kernels once
    models[id] = model;
  }
  return name;
}

// Yield to the worker's event loop, so a 'cancel' message can be read between two batches
// (awaiting an already-settled promise would not let it in).
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

async function run({ task, job, model: id, latents, count, dim }) {
  const model = models[id];
  if (!model) throw new Error(`the worker has no model ${id}`);
  const data = new Float32Array(count * IMAGE_VALUES);
  const started = performance.now();
  for (let start = 0; start < count; start += BATCH_SIZE) {
    await nextTask();
    if (job <= cancelledUpTo) {
      self.postMessage({ type: 'cancelled', task });
      return;
    }
    const size = Math.min(BATCH_SIZE, count - start);
    const batch = latents.subarray(start * dim, (start + size) * dim);
    const output = tf.tidy(() => {
      const result = model.execute(tf.tensor2d(batch, [size, dim]));
      return Array.isArray(result) ? result[0] : result;
    });
    try {
      data.set(await output.data(), start * IMAGE_VALUES);
    } finally {
      output.dispose();
    }
    self.postMessage({ type: 'progress', task, done: start + size, total: count });
  }
  self.postMessage({ type: 'done', task, data, ms: performance.now() - started }, [data.buffer]);
}

self.onmessage = async ({ data: message }) => {
  try {
    if (message.type === 'load') {
      self.postMessage({ type: 'loaded', backend: await load(message) });
    } else if (message.type === 'run') {
      await run(message);
    } else if (message.type === 'cancel') {
      cancelledUpTo = Math.max(cancelledUpTo, message.job);
    }
  } catch (error) {
    self.postMessage({ type: 'error', task: message.task, message: String(error?.message ?? error) });
  }
};
