// The page's side of the inference workers (engine_worker.js): it starts them, splits each
// request across them (every core busy, the main thread free to draw), streams the batches back
// with progress, and cancels. Nothing here touches TensorFlow.js.

export const BACKENDS = ['wasm', 'webgl', 'cpu'];

/** An error whose message is meant for the person looking at the page. */
export class EngineError extends Error {}

/** How many wasm threads a worker uses and how many workers to start, so that workers x threads
 * stays within the cores. Threads need cross-origin isolation; tfjs-wasm's own default is half
 * the logical cores, at most 4. */
export function plan(cores = navigator.hardwareConcurrency || 1,
  isolated = Boolean(globalThis.crossOriginIsolated)) {
  const threads = isolated ? Math.max(1, Math.min(4, Math.floor(cores / 2))) : 1;
  const workers = Math.max(1, Math.min(4, Math.floor(cores / threads)));
  return { workers, threads };
}

function startWorker(url) {
  const worker = new Worker(url);
  const tasks = new Map(); // task id -> {resolve, reject, onBatch, onLoading}
  let broken = null;
  worker.onmessage = ({ data: message }) => {
    const task = tasks.get(message.task);
    if (!task) return;
    if (message.type === 'batch') task.onBatch?.(message);
    else if (message.type === 'loading') task.onLoading?.(message);
    else {
      tasks.delete(message.task);
      if (message.type === 'error') task.reject(new EngineError(message.message));
      else task.resolve(message);
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    broken = new EngineError(`The inference worker failed: ${event.message ?? 'it did not start'}`);
    tasks.forEach((task) => task.reject(broken));
    tasks.clear();
  };
  let nextTask = 0;
  return {
    /** Post a message; resolves with the worker's final answer to it. */
    ask(message, handlers = {}, transfer = []) {
      if (broken) return Promise.reject(broken);
      const task = ++nextTask;
      return new Promise((resolve, reject) => {
        tasks.set(task, { resolve, reject, ...handlers });
        worker.postMessage({ ...message, task }, transfer);
      });
    },
    tell: (message) => worker.postMessage(message),
    terminate: () => worker.terminate(),
  };
}

export class Engine {
  constructor({ workers, threads } = plan()) {
    this.size = workers;
    this.threads = threads;
    this.workers = [];
    this.lastJob = 0;
    this.info = null;
  }

  /** Start the workers and their backend (before any model is known: the wasm binary compiles
   * while the page reads its model list). Resolves to {backend, version, threads, isolated}. */
  async start({ backend = 'wasm' } = {}) {
    const url = new URL('./engine_worker.js', import.meta.url);
    const vendor = new URL('../vendor/', import.meta.url).href;
    this.workers = Array.from({ length: this.size }, () => startWorker(url));
    const answers = await Promise.all(this.workers.map((worker) => worker.ask(
      { type: 'init', backend, threads: this.threads, vendor })));
    this.info = answers[0];
    return this.info;
  }

  /** Load `models` ([{id, url}], absolute model.json URLs) into every worker: each starts its
   * downloads at once, even while its backend is still starting. `onLoading(id, fraction)`
   * reports the first worker's download progress. Resolves to {id: message} for those that
   * failed. */
  async load(models, { onLoading = () => {} } = {}) {
    const answers = await Promise.all(this.workers.map((worker, k) => worker.ask(
      { type: 'load', models },
      k === 0 ? { onLoading: ({ id, fraction }) => onLoading(id, fraction) } : {},
    )));
    return answers[0].failed;
  }

  /** Time each candidate backend on the first worker, then move every worker to the fastest.
   * Resolves to {backend, times: {name: ms}}. */
  async probe(modelId, candidates = ['wasm', 'webgl']) {
    const [first, ...rest] = this.workers;
    const result = await first.ask({ type: 'probe', model: modelId, candidates });
    await Promise.all(rest.map((worker) => worker.ask({ type: 'backend', name: result.backend })));
    this.info = { ...this.info, backend: result.backend };
    return result;
  }

  async setBackend(name) {
    if (!BACKENDS.includes(name)) throw new EngineError(`unknown backend ${name}`);
    const answers = await Promise.all(this.workers.map((w) => w.ask({ type: 'backend', name })));
    this.info = { ...this.info, backend: answers[0].backend };
    return this.info.backend;
  }

  get backend() {
    return this.info?.backend ?? null;
  }

  /** A new job id: pass it to run() to be able to cancel(job) between two batches. */
  newJob() {
    return ++this.lastJob;
  }

  cancel(job) {
    this.workers.forEach((worker) => worker.tell({ type: 'cancel', job }));
  }

  /** Run `input` (flat Float32Array of `shape`, first axis the count) through a model, split
   * across the workers. `onBatch(start, count, outputs)` receives each batch as it arrives and
   * `onProgress(done, total)` the count so far. Resolves to {outputs: [Float32Array], count,
   * ms} or to null when the job was cancelled. `workers` limits how many workers share it. */
  async run(modelId, input, shape, {
    job = this.newJob(), outputs, onBatch, onProgress, workers = this.workers.length,
  } = {}) {
    const [count, ...rest] = shape;
    const size = rest.reduce((a, b) => a * b, 1);
    const share = Math.ceil(count / Math.max(1, Math.min(workers, this.workers.length)));
    const started = performance.now();
    const results = [];
    let done = 0;
    const receive = (offset) => ({ start, count: n, data }) => {
      data.forEach((array, k) => {
        results[k] ??= new Float32Array((array.length / n) * count);
        results[k].set(array, (offset + start) * (array.length / n));
      });
      done += n;
      onBatch?.(offset + start, n, data);
      onProgress?.(done, count);
    };
    const answers = await Promise.all(this.workers.map((worker, k) => {
      const from = Math.min(count, k * share);
      const n = Math.min(count, from + share) - from;
      if (n === 0) return null;
      const part = input.slice(from * size, (from + n) * size);
      return worker.ask(
        { type: 'run', job, model: modelId, input: part, shape: [n, ...rest], outputs },
        { onBatch: receive(from) },
        [part.buffer],
      );
    }));
    if (answers.some((answer) => answer?.type === 'cancelled')) return null;
    return { outputs: results, count, ms: performance.now() - started };
  }

  /** Images for latents (an array of Float32Arrays): {data (NHWC in [-1, 1]), count, ms} or
   * null when cancelled. */
  async generate(modelId, latents, options = {}) {
    const dim = latents[0]?.length ?? 0;
    const flat = new Float32Array(latents.length * dim);
    latents.forEach((z, i) => flat.set(z, i * dim));
    const result = await this.run(modelId, flat, [latents.length, dim], options);
    return result && { data: result.outputs[0], count: result.count, ms: result.ms };
  }

  /** Live tensors in each worker (a leak shows as a growing number). */
  memory() {
    return Promise.all(this.workers.map((w) => w.ask({ type: 'memory' }).then((m) => m.numTensors)));
  }
}
