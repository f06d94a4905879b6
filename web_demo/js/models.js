// Model loading and inference: models/index.json -> manifest.json -> TF.js graph model, backends,
// batched generation that frees every tensor, and the self-check against the manifest's test
// vectors. `tf` is the global set by <script src="vendor/tf.min.js">.
import { seedToLatent, SEED_MAPPING } from './latent.js';

const tf = globalThis.tf;
export const BACKENDS = ['wasm', 'webgl', 'cpu'];
export const BATCH_SIZE = 64;
// Tolerances of the self-check: latents are computed the same way on both sides (1e-6); outputs
// may differ by float16 weight rounding and backend arithmetic, hence 2e-2 on a [-1, 1] range.
export const LATENT_TOLERANCE = 1e-6;
export const OUTPUT_TOLERANCE = 2e-2;

/** An error whose message is meant for the person looking at the page. */
export class ModelError extends Error {}

if (tf?.wasm) {
  // Must happen before the wasm backend first initialises; the site ships the .wasm files there.
  tf.wasm.setWasmPaths('vendor/');
}

async function fetchJson(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ModelError(`Could not fetch ${what} (${url}): ${error.message}.`);
  }
  if (!response.ok) {
    throw new ModelError(`${what} is missing: ${url} answered ${response.status}.`);
  }
  try {
    return await response.json();
  } catch {
    throw new ModelError(`${what} (${url}) is not valid JSON.`);
  }
}

/** The list of shipped models, from models/index.json. */
export async function loadIndex(url = 'models/index.json') {
  if (!tf) throw new ModelError('TensorFlow.js (vendor/tf.min.js) did not load.');
  const index = await fetchJson(url, 'The model list');
  if (!Array.isArray(index.models) || index.models.length === 0) {
    throw new ModelError(`${url} lists no models.`);
  }
  return index.models;
}

function checkManifest(manifest, entry) {
  const problems = [];
  if (manifest.format !== 'latentwalk-manifest/1') problems.push(`format ${manifest.format}`);
  if (!Number.isInteger(manifest.latent_dim)) problems.push('no latent_dim');
  const shape = JSON.stringify(manifest.output_shape);
  if (shape !== JSON.stringify([null, 32, 32, 3])) problems.push(`output shape ${shape}`);
  if (manifest.seed_mapping && manifest.seed_mapping !== SEED_MAPPING) {
    problems.push(`seed mapping ${manifest.seed_mapping} (this page uses ${SEED_MAPPING})`);
  }
  if (problems.length) {
    const name = entry.label ?? entry.id;
    throw new ModelError(`${name}: unexpected manifest (${problems.join('; ')}).`);
  }
}

/** Fetch the manifest, then the graph model with progress callbacks (fraction 0..1). */
export async function loadModel(entry, { onManifest = () => {}, onProgress = () => {} } = {}) {
  const path = entry.path.endsWith('/') ? entry.path : `${entry.path}/`;
  const manifest = await fetchJson(`${path}manifest.json`, `The ${entry.id} manifest`);
  checkManifest(manifest, entry);
  onManifest(manifest);
  let graph;
  try {
    graph = await tf.loadGraphModel(`${path}model.json`, { onProgress });
  } catch (error) {
    throw new ModelError(`The ${entry.id} model (${path}model.json) failed to load: ` +
      `${error.message}`);
  }
  return {
    id: entry.id,
    label: entry.label ?? entry.id,
    kind: entry.kind ?? manifest.kind,
    path,
    manifest,
    graph,
    latentDim: manifest.latent_dim,
  };
}

/** Run the model on latents (an array of Float32Arrays), in batches of BATCH_SIZE.
 * Returns {data: Float32Array of NHWC images in [-1, 1], count, ms}. */
export async function generate(model, latents) {
  const count = latents.length;
  const dim = model.latentDim;
  const size = 32 * 32 * 3;
  const data = new Float32Array(count * size);
  const started = performance.now();
  for (let start = 0; start < count; start += BATCH_SIZE) {
    const batch = latents.slice(start, start + BATCH_SIZE);
    const flat = new Float32Array(batch.length * dim);
    batch.forEach((z, i) => flat.set(z, i * dim));
    // tidy frees the input and every intermediate; only the output survives, freed below.
    const output = tf.tidy(() => {
      const result = model.graph.execute(tf.tensor2d(flat, [batch.length, dim]));
      return Array.isArray(result) ? result[0] : result;
    });
    try {
      data.set(await output.data(), start * size);
    } finally {
      output.dispose();
    }
  }
  return { data, count, ms: performance.now() - started };
}

/** One tiny batch so shaders / kernels are compiled before the person asks for anything. */
export async function warmUp(model) {
  const { ms } = await generate(model, [new Float32Array(model.latentDim)]);
  return ms;
}

/** Compare this page's latents and outputs with the manifest's test vectors (written by Python
 * and Keras at export time). Returns {ok, checked, latentDiff, outputDiff, message}. */
export async function selfCheck(model) {
  const vectors = model.manifest.test_vectors ?? [];
  if (!vectors.length) {
    return { ok: false, checked: 0, message: 'the manifest has no test vectors to check' };
  }
  const latents = vectors.map((v) => seedToLatent(v.seed, model.latentDim));
  let latentDiff = 0;
  vectors.forEach((v, i) => {
    (v.latent ?? []).forEach((x, j) => {
      latentDiff = Math.max(latentDiff, Math.abs(x - latents[i][j]));
    });
  });
  const { data } = await generate(model, latents);
  const size = data.length / latents.length;
  let outputDiff = 0;
  vectors.forEach((v, i) => {
    (v.output_head ?? []).forEach((x, j) => {
      outputDiff = Math.max(outputDiff, Math.abs(x - data[i * size + j]));
    });
  });
  // A uint8 export's manifest allows more (twice its measured difference); never less than ours.
  const tolerance = Math.max(OUTPUT_TOLERANCE, model.manifest.test_vector_tolerance ?? 0);
  const ok = latentDiff <= LATENT_TOLERANCE && outputDiff <= tolerance;
  const numbers = `latent diff ${latentDiff.toExponential(1)}, ` +
    `output diff ${outputDiff.toExponential(1)} on ${vectors.length} seeds`;
  return {
    ok,
    checked: vectors.length,
    latentDiff,
    outputDiff,
    message: ok ? `matches Keras (${numbers})` : `differs from Keras (${numbers})`,
  };
}

/** Switch the TF.js backend; resolves to the backend actually in use. */
export async function useBackend(name) {
  if (!BACKENDS.includes(name)) throw new ModelError(`unknown backend ${name}`);
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (error) {
    throw new ModelError(`The ${name} backend is not available here: ${error.message}`);
  }
  if (!ok || tf.getBackend() !== name) {
    throw new ModelError(`The ${name} backend is not available in this browser.`);
  }
  return tf.getBackend();
}

/** The default backend: wasm (fast on CPUs, exact), else cpu. webgl is selectable by hand. */
export async function useDefaultBackend() {
  for (const name of ['wasm', 'cpu']) {
    try {
      return await useBackend(name);
    } catch (error) {
      console.warn(error.message);
    }
  }
  throw new ModelError('No TensorFlow.js backend could start in this browser.');
}

export function numTensors() {
  return tf.memory().numTensors;
}
