// All of the page's TensorFlow.js runs here, in classic Web Workers, so the page's main thread
// only draws. The page (engine.js) starts one or more of these; each starts its backend, loads
// every model, turns batches of latents into images and streams each batch back as soon as it is
// made.
//
// Messages in (each answered in order, one at a time, except 'cancel' and 'memory'):
//   {type: 'init', backend, threads, vendor}  start a backend (the wasm binary compiles now)
//   {type: 'load', models: [{id, url}]}  url: a model.json's URL; the downloads start at once,
//       beside an 'init' still running (answers {type: 'loaded', failed})
//   {type: 'probe', model, candidates}    time a batch on each backend; keep the fastest
//   {type: 'backend', name}
//   {type: 'run', task, job, model, input, shape, outputs}
//       input: a flat Float32Array of shape `shape`; outputs: output node names (default: the
//       model's first output). Streams {type: 'batch', task, start, count, data: [Float32Array
//       per output]} per batch of BATCH_SIZE, then {type: 'done', task, ms}.
//   {type: 'cancel', job}       cancels that job (its remaining batches) and nothing else
//   {type: 'memory'}            answers {type: 'memory', numTensors}
// Messages out: {type: 'loading', id, fraction} | {type: 'ready', ...} | {type: 'loaded', ...} |
//   {type: 'batch', ...} | {type: 'done', ...} | {type: 'cancelled', task} |
//   {type: 'error', task, message}

// The es2017 builds need no regenerator runtime (so no eval under the page's CSP). Core, the
// graph-model converter and the wasm backend come first; the cpu and webgl backends (half a MB
// of script to parse) only when a backend switch, the probe or a fallback asks for them.
importScripts(
  '../vendor/tf-core.es2017.min.js',
  '../vendor/tf-converter.es2017.min.js',
  '../vendor/tf-backend-wasm.es2017.min.js',
);
const LATER = { cpu: '../vendor/tf-backend-cpu.es2017.min.js',
  webgl: '../vendor/tf-backend-webgl.es2017.min.js' };

const BATCH_SIZE = 64;
const models = {};
const cancelled = new Set(); // job ids
let chain = Promise.resolve();

/** Run message handlers one after another: a backend switch never lands inside a batch. */
function serial(task) {
  const result = chain.then(task);
  chain = result.catch(() => {});
  return result;
}

async function useBackend(name) {
  let ok = false;
  try {
    if (LATER[name] && !tf.findBackendFactory(name)) importScripts(LATER[name]);
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (error) {
    throw new Error(`the ${name} backend is not available here: ${error.message}`);
  }
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`the ${name} backend is not available in this browser`);
  }
  return name;
}

/** Run one batch through a model; returns the wanted outputs as Float32Arrays. */
async function execute(model, input, shape, outputs) {
  const results = tf.tidy(() => {
    const x = tf.tensor(input, shape, 'float32');
    const out = outputs ? model.execute(x, outputs) : model.execute(x);
    return Array.isArray(out) ? out : [out];
  });
  try {
    return await Promise.all(results.map((tensor) => tensor.data()));
  } finally {
    tf.dispose(results);
  }
}

function warm(model) {
  const shape = model.inputs[0].shape.map((d) => (d === -1 || d === null ? 1 : d));
  const size = shape.reduce((a, b) => a * b, 1);
  return execute(model, new Float32Array(size), shape);
}

async function init({ backend, threads, vendor }) {
  // The wasm binaries' folder and the thread count are fixed before the backend first starts.
  tf.wasm.setWasmPaths(vendor);
  // Threads need cross-origin isolation (SharedArrayBuffer); the page decides how many, so
  // that workers x threads never exceeds the cores. One thread needs no threaded binary (nor
  // its pthread worker).
  if (self.crossOriginIsolated && threads > 1) tf.wasm.setThreadsCount(threads);
  else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  let name = null;
  for (const candidate of [backend, 'wasm', 'cpu']) {
    try {
      name = await useBackend(candidate);
      break;
    } catch {
      // the next one
    }
  }
  if (!name) throw new Error('no TensorFlow.js backend could start in this browser');
  return {
    backend: name,
    version: tf.version_core,
    threads: name === 'wasm' ? tf.wasm.getThreadsCount?.() ?? 1 : 1,
    isolated: Boolean(self.crossOriginIsolated),
  };
}

/** Start downloading models (model.json and weights; no backend needed): {id: promise of
 * the model's artifacts, or of the download's error}. */
function download({ task, models: wanted }) {
  return Object.fromEntries(wanted.map(({ id, url }) => {
    const source = tf.io.http(url, {
      onProgress: (fraction) => self.postMessage({ type: 'loading', task, id, fraction }),
    });
    const artifacts = source.load();
    artifacts.catch(() => {}); // read (and reported) by load()
    return [id, artifacts];
  }));
}

/** Build (and warm up) the downloaded models, in the order asked; returns {id: message} for
 * those that failed. */
async function load({ models: wanted }, downloads) {
  const failed = {}; // one model failing leaves the others usable
  for (const { id, url } of wanted) {
    try {
      const artifacts = await downloads[id];
      models[id] = await tf.loadGraphModel({ load: async () => artifacts });
      await warm(models[id]); // compile the kernels before the person asks for anything
    } catch (error) {
      delete models[id];
      failed[id] = `the model (${url.split('/').slice(-3).join('/')}) failed to load: ` +
        `${error.message}`;
    }
  }
  return failed;
}

/** Milliseconds for a batch of 16 of `model` on each candidate backend (after a warm-up);
 * switches to the fastest. Backends that cannot start are left out. */
async function probe({ model: id, candidates }) {
  const model = models[id];
  const dim = model.inputs[0].shape[1];
  const input = new Float32Array(16 * dim).map((_, i) => Math.sin(i));
  const times = {};
  for (const name of candidates) {
    try {
      await useBackend(name);
      await warm(model);
      await execute(model, input, [16, dim]);
      const started = performance.now();
      await execute(model, input, [16, dim]);
      times[name] = performance.now() - started;
    } catch {
      // not available here
    }
  }
  const ranked = Object.keys(times).sort((a, b) => times[a] - times[b]);
  const best = ranked[0] ?? 'cpu';
  await useBackend(best);
  return { backend: best, times };
}

// Yield to the worker's event loop, so a 'cancel' message can be read between two batches.
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

async function run({ task, job, model: id, input, shape, outputs }) {
  const model = models[id];
  if (!model) throw new Error(`the worker has no model ${id}`);
  const [count, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  const started = performance.now();
  for (let start = 0; start < count; start += BATCH_SIZE) {
    await nextTask();
    if (cancelled.has(job)) {
      self.postMessage({ type: 'cancelled', task });
      return;
    }
    const n = Math.min(BATCH_SIZE, count - start);
    const batch = input.slice(start * size, (start + n) * size);
    const data = await execute(model, batch, [n, ...rest], outputs);
    self.postMessage({ type: 'batch', task, start, count: n, data },
      data.map((array) => array.buffer));
  }
  self.postMessage({ type: 'done', task, ms: performance.now() - started });
}

self.onmessage = ({ data: message }) => {
  const reply = (body) => self.postMessage({ task: message.task, ...body });
  const fail = (error) => reply({ type: 'error', message: String(error?.message ?? error) });
  switch (message.type) {
    case 'cancel':
      cancelled.add(message.job);
      return;
    case 'memory':
      reply({ type: 'memory', numTensors: tf.memory().numTensors });
      return;
    case 'init':
      serial(() => init(message)).then((info) => reply({ type: 'ready', ...info }), fail);
      return;
    case 'load': {
      const downloads = download(message); // now, not after the messages before it
      serial(() => load(message, downloads)).then((failed) => reply({ type: 'loaded', failed }),
        fail);
      return;
    }
    case 'probe':
      serial(() => probe(message)).then((info) => reply({ type: 'probed', ...info }), fail);
      return;
    case 'backend':
      serial(() => useBackend(message.name))
        .then((backend) => reply({ type: 'backend', backend }), fail);
      return;
    case 'run':
      serial(() => run(message)).catch(fail);
      return;
    default:
      fail(new Error(`unknown message ${message.type}`));
  }
};
