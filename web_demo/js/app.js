// The page's wiring: load the models (with progress and sizes), pick a backend, keep the state in
// the URL hash, and hand rendering to the Generate and Walk views. Also exposes a small test hook,
// window.latentwalk, so browser tests read latents and pixels without scraping.
import { seedToLatent } from './latent.js';
import * as models from './models.js';
import { formatBytes } from './render.js';
import { parseHash, stateToHash } from './state.js';
import { createGenerateView } from './generate_view.js';
import { createWalkView } from './walk_view.js';
import { createAtlasView } from './atlas_view.js';

const $ = (id) => document.getElementById(id);

// Every TF.js call (generation, backend switches) runs one at a time through this chain, so a
// backend switch never lands in the middle of a batch.
let chain = Promise.resolve();
function exclusive(task) {
  const result = chain.then(task);
  chain = result.catch(() => {});
  return result;
}

// `source` 'link' marks notices about the URL hash, replaced when the hash changes.
function showNotice(message, level = 'warning', source = 'page') {
  const item = document.createElement('p');
  item.className = `notice ${level}`;
  item.dataset.source = source;
  item.textContent = message;
  $('notices').append(item);
}

const app = {
  state: null,
  entries: [],
  models: {}, // id -> loaded model
  errors: {}, // id -> message, for models that failed
  checks: {}, // id -> self-check result
  views: [],
  notice: (message, level) => showNotice(message, level),
  /** Generate images for latents with one model; updates the timing line. */
  run(modelId, latents) {
    return exclusive(async () => {
      const result = await models.generate(app.models[modelId], latents);
      $('timing').textContent = `${currentBackend()} · ` +
        `${result.count} image${result.count === 1 ? '' : 's'} in ${result.ms.toFixed(1)} ms`;
      return result;
    });
  },
  /** Change part of the state: the hash follows, and the views redraw what depends on it. */
  async update(patch) {
    Object.assign(app.state, patch);
    history.replaceState(null, '', stateToHash(app.state));
    await Promise.all(app.views.map((view) => view.update(app.state, Object.keys(patch))));
  },
};

/** Ids of the models that loaded, in models/index.json order (loading finishes in any order). */
function loadedIds() {
  return app.entries.map((entry) => entry.id).filter((id) => app.models[id]);
}

function currentBackend() {
  return globalThis.tf.getBackend();
}

function progressRow(entry) {
  const row = document.createElement('div');
  row.className = 'progress-row';
  row.innerHTML = '<span class="progress-label"></span><progress max="1" value="0"></progress>' +
    '<span class="progress-text"></span>';
  row.querySelector('.progress-label').textContent = entry.label ?? entry.id;
  $('progress').append(row);
  return {
    size(bytes) {
      row.querySelector('.progress-text').textContent = `${formatBytes(bytes)} to download`;
    },
    progress(fraction) {
      row.querySelector('progress').value = fraction;
    },
    fail(message) {
      row.classList.add('failed');
      row.querySelector('.progress-text').textContent = message;
    },
  };
}

async function loadAll() {
  try {
    app.entries = await models.loadIndex();
  } catch (error) {
    const message = error instanceof models.ModelError ? error.message : String(error);
    $('loading').querySelector('h2').textContent = 'No models to show';
    showNotice(`${message} Build the site with "python -m export site --gan … --vae …" ` +
      '(see the README) and serve that folder.', 'error');
    return false;
  }
  await Promise.all(app.entries.map(async (entry) => {
    const row = progressRow(entry);
    try {
      app.models[entry.id] = await models.loadModel(entry, {
        onManifest: (manifest) => row.size(manifest.total_bytes),
        onProgress: (fraction) => row.progress(fraction),
      });
    } catch (error) {
      app.errors[entry.id] = error.message;
      row.fail(error.message);
      showNotice(`${entry.label ?? entry.id} is unavailable: ${error.message}`, 'error');
    }
  }));
  if (!loadedIds().length) {
    $('loading').querySelector('h2').textContent = 'No model could be loaded';
    return false;
  }
  return true;
}

async function checkModels() {
  const badges = $('badges');
  badges.replaceChildren();
  for (const model of loadedIds().map((id) => app.models[id])) {
    await exclusive(() => models.warmUp(model));
    const check = await exclusive(() => models.selfCheck(model));
    app.checks[model.id] = check;
    const badge = document.createElement('span');
    badge.className = `badge ${check.ok ? 'ok' : 'warn'}`;
    badge.dataset.model = model.id;
    badge.textContent = `${model.label} ${check.ok ? 'verified ✓' : 'unverified ⚠'}`;
    badge.title = check.message;
    badges.append(badge);
    if (!check.ok) showNotice(`${model.label}: ${check.message}.`, 'warning');
  }
}

async function setupBackend() {
  const select = $('backend');
  select.value = await exclusive(() => models.useDefaultBackend());
  select.addEventListener('change', async () => {
    const wanted = select.value;
    try {
      await exclusive(() => models.useBackend(wanted));
      await checkModels();
      await Promise.all(app.views.map((view) => view.update(app.state, ['backend'])));
    } catch (error) {
      showNotice(error.message, 'error');
      select.value = currentBackend();
    }
  });
}

function applyHash() {
  const { state, notices } = parseHash(location.hash);
  if (!app.models[state.model]) {
    const fallback = loadedIds()[0];
    if (location.hash.includes('model=')) {
      notices.push(`The ${state.model} model is not available here; showing ${fallback}.`);
    }
    state.model = fallback;
  }
  notices.forEach((message) => showNotice(message, 'warning', 'link'));
  return state;
}

async function boot() {
  await setupBackend();
  if (!(await loadAll())) return { ok: false, errors: app.errors };
  await checkModels();
  app.state = applyHash();
  history.replaceState(null, '', stateToHash(app.state));
  $('loading').hidden = true;
  $('main').hidden = false;
  app.views = [createGenerateView(app), createWalkView(app), createAtlasView(app)];
  await Promise.all(app.views.map((view) => view.update(app.state, null)));
  window.addEventListener('hashchange', () => {
    document.querySelectorAll('.notice[data-source=link]').forEach((notice) => notice.remove());
    app.update(applyHash());
  });
  return { ok: true, models: loadedIds(), errors: app.errors };
}

const ready = boot().catch((error) => {
  console.error(error);
  showNotice(`The demo failed to start: ${error.message}`, 'error');
  return { ok: false, error: error.message, errors: app.errors };
});

window.latentwalk = {
  ready,
  tf: globalThis.tf,
  get state() {
    return app.state && { ...app.state };
  },
  get checks() {
    return app.checks;
  },
  latent: (seed, dim = 32) => Array.from(seedToLatent(seed, dim)),
  numTensors: () => models.numTensors(),
  backend: () => currentBackend(),
  setBackend: async (name) => {
    $('backend').value = name;
    await exclusive(() => models.useBackend(name));
    return currentBackend();
  },
  /** Raw model outputs for seeds: {data: number[] NHWC in [-1, 1], ms}. */
  generate: async (modelId, seeds) => {
    const model = app.models[modelId];
    const latents = seeds.map((s) => seedToLatent(s, model.latentDim));
    const { data, ms } = await app.run(modelId, latents);
    return { data: Array.from(data), ms };
  },
  /** Milliseconds for one batch of `size` images (seeds 0..size-1), without returning pixels. */
  time: async (modelId, size) => {
    const model = app.models[modelId];
    const latents = Array.from({ length: size }, (_, s) => seedToLatent(s, model.latentDim));
    return (await app.run(modelId, latents)).ms;
  },
  views: () => app.views.map((view) => view.info?.()),
  /** The atlas on screen: its images for one model (row-major NHWC), and the cell picker. */
  atlasImages: (modelId) => app.views[2]?.images(modelId),
  atlasPick: (row, column) => app.views[2]?.pick([row, column]),
};
