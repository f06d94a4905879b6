// What the page knows about its models without running them: models/index.json -> each model's
// manifest.json (checked), and the self-check of a running model against the manifest's test
// vectors. The models themselves run in the inference workers (engine.js).
import { seedToLatent, SEED_MAPPING } from './latent.js';

// Tolerances of the self-check: latents are computed the same way on both sides (1e-6); outputs
// may differ by float16 weight rounding and backend arithmetic, hence 2e-2 on a [-1, 1] range.
export const LATENT_TOLERANCE = 1e-6;
export const OUTPUT_TOLERANCE = 2e-2;

/** An error whose message is meant for the person looking at the page. */
export class ModelError extends Error {}

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

/** models/index.json: the shipped models, their data sets and figures (datasets.js reads it). */
export async function loadIndex(url = 'models/index.json') {
  const index = await fetchJson(url, 'The model list');
  if (!Array.isArray(index.models) || index.models.length === 0) {
    throw new ModelError(`${url} lists no models.`);
  }
  return index;
}

function checkManifest(manifest, entry, kind) {
  const problems = [];
  if (manifest.format !== 'latentwalk-manifest/1') problems.push(`format ${manifest.format}`);
  if (!Number.isInteger(manifest.latent_dim)) problems.push('no latent_dim');
  if (kind !== 'vae-encoder') {
    const shape = JSON.stringify(manifest.output_shape);
    if (shape !== JSON.stringify([null, 32, 32, 3])) problems.push(`output shape ${shape}`);
  }
  if (manifest.seed_mapping && manifest.seed_mapping !== SEED_MAPPING) {
    problems.push(`seed mapping ${manifest.seed_mapping} (this page uses ${SEED_MAPPING})`);
  }
  if (problems.length) {
    const name = entry.label ?? entry.id;
    throw new ModelError(`${name}: unexpected manifest (${problems.join('; ')}).`);
  }
}

function folder(path) {
  return path.endsWith('/') ? path : `${path}/`;
}

/** An index entry with its manifest: {id, label, kind, path, url (model.json, absolute),
 * manifest, latentDim, optional, note}. */
export async function describe(entry, { path = entry.path, id = entry.id, kind } = {}) {
  const base = folder(path);
  const manifest = await fetchJson(`${base}manifest.json`, `The ${id} manifest`);
  kind ??= entry.kind ?? manifest.kind;
  checkManifest(manifest, entry, kind);
  const label = entry.label ?? entry.id;
  return {
    id,
    label: kind === 'vae-encoder' ? `${label}: encoder` : label,
    kind,
    path: base,
    url: new URL(`${base}model.json`, location.href).href,
    manifest,
    latentDim: manifest.latent_dim,
    optional: Boolean(entry.optional),
    note: entry.note ?? '',
  };
}

/** Compare this page's latents and outputs with the manifest's test vectors (written by Python
 * and Keras at export time), running the model through `generate(model, latents)`. Returns
 * {ok, checked, latentDiff, outputDiff, message}. */
export async function selfCheck(model, generate) {
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
