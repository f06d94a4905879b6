// The page's side of projection_worker.js: finds the GAN's code for a real image in a Web Worker
// of its own (the inference workers stay free to draw walks), with progress and Cancel. The
// starts are the latents of seeds seed..seed+restarts-1, as core/projection.py's are, so the
// page and Python start from the same points. No DOM here.
import { seedsToLatents } from './latent.js';

// core/projection.py's ProjectionSettings defaults (tests/test_structure.py holds them equal).
export const PROJECTION_DEFAULTS = Object.freeze({
  steps: 200,
  restarts: 4,
  learningRate: 0.05,
  priorWeight: 1e-3,
  seed: 0,
});

export class ProjectionCancelled extends Error {
  constructor() {
    super('The projection was cancelled.');
  }
}

/** The flat starts for `restarts` starts of a `dim`-sized latent from `seed`. */
export function projectionStarts(seed, restarts, dim) {
  const seeds = Array.from({ length: restarts }, (_, k) => (seed + k) % 2 ** 32);
  const starts = new Float32Array(restarts * dim);
  seedsToLatents(seeds, dim).forEach((latent, k) => starts.set(latent, k * dim));
  return starts;
}

export class Projector {
  constructor() {
    this.worker = null;
    this.pending = null; // {reject}
    this.nextTask = 0;
  }

  /** The GAN's code for `target` (Float32Array of 32*32*3 in [-1, 1], NHWC): resolves to
   * {latent, image, pixelError, loss, ms, backend}; `onProgress(step, steps, loss)`. One
   * projection at a time: a new one cancels the one running. */
  project(modelUrl, target, dim, settings = {}, onProgress = () => {}) {
    this.cancel();
    const chosen = { ...PROJECTION_DEFAULTS, ...settings };
    if (!this.worker) {
      this.worker = new Worker(new URL('./projection_worker.js', import.meta.url));
    }
    const task = ++this.nextTask;
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      this.pending = { reject };
      worker.onmessage = ({ data }) => {
        if (data.task !== task) return;
        if (data.type === 'progress') {
          onProgress(data.step, data.steps, data.loss);
          return;
        }
        this.pending = null;
        if (data.type === 'done') resolve(data);
        else reject(new Error(`The projection failed: ${data.message}`));
      };
      worker.onerror = (event) => {
        event.preventDefault();
        this.pending = null;
        this.worker = null;
        reject(new Error(`The projection worker failed: ${event.message ?? 'it did not start'}`));
      };
      worker.postMessage({
        type: 'project',
        task,
        url: new URL(modelUrl, document.baseURI).href,
        vendor: new URL('../vendor/', import.meta.url).href,
        target,
        starts: projectionStarts(chosen.seed, chosen.restarts, dim),
        settings: { steps: chosen.steps, learningRate: chosen.learningRate,
          priorWeight: chosen.priorWeight },
      });
    });
  }

  /** Stop the running projection at once (its worker is ended; the next starts a new one). */
  cancel() {
    if (!this.pending) return;
    this.worker.terminate();
    this.worker = null;
    const { reject } = this.pending;
    this.pending = null;
    reject(new ProjectionCancelled());
  }
}
