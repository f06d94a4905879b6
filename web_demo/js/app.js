// The page's wiring: start the inference workers and their backend at once (engine.js; no
// TensorFlow.js on this thread; the person's choice, else the one a probe found fastest here
// before, else wasm), read the model list (the data set in the link, else the site's default:
// its verdict goes up first) and that data set's manifests (sizes shown while loading), show
// the first screen (the Generate panel, with the pictures the site shipped for its seeds) while
// the models load, then hand drawing to the Generate, Walk, Atlas, measure and tears views, and
// only then probe the backends (a first visit) and verify every model. The state is kept in
// the URL hash. window.latentwalk is a small hook for browser tests and benchmarks (test_hook.js).
import * as models from './models.js';
import { Engine, EngineError } from './engine.js';
import { formatBytes } from './render.js';
import { showNotice } from './dom.js';
import { parseHash } from './state.js';
import { createHashWriter } from './hash_writer.js';
import { loadModels } from './loading_view.js';
import { chooseDataset, modelsOf, readIndex } from './datasets.js';
import { createVerdictView } from './verdict_view.js';
import { createMeasureView } from './measure_view.js';
import { createGenerateView } from './generate_view.js';
import { createWalkView } from './walk_view.js';
import { createHeroView } from './hero_view.js';
import { createAtlasView } from './atlas_view.js';
import { createRealView } from './real_view.js';
import { createTearsView } from './tears_view.js';
import { testHook } from './test_hook.js';
import { loadShipped } from './first_screen.js';
import { rememberProbe, rememberedProbe, startingBackend } from './backend_choice.js';
import { bindCopyLink } from './share.js';

const $ = (id) => document.getElementById(id);
let showVerdict;
const verdictShown = new Promise((resolve) => { showVerdict = resolve; });
// The models named as a person would: the recipe (e.g. "DCGAN (small, frog, 8000 steps)") is the
// title of each column's name and is listed in Details.
const NAMES = { gan: 'GAN', vae: 'VAE', book: 'the book\'s GAN' };

const app = {
  state: null,
  hash: createHashWriter(() => app.state), // the state in the link (hash_writer.js)
  engine: null,
  site: null, // models/index.json, read by datasets.js
  dataset: null, // the data set on show: {id, label, short, tears}
  verdict: null, // the first screen's verdict (verdict_view.js)
  hero: null, // the walk playing under it, every model in step (hero_view.js)
  tears: null, // resolves when the tears found are drawn (tears_view.js)
  entries: [], // models/index.json's models of that data set
  described: {}, // id -> model description (models.describe), every listed model
  models: {}, // id -> description, for the models running in the workers
  errors: {}, // id -> message, for models that failed
  checks: {}, // id -> self-check result
  probe: null, // {backend, times, cached}
  shipping: null, // resolves to `shipped`, once read (loadShipped)
  shipped: {}, // id -> the site's pictures of the default view's seeds (first_screen.js)
  generate: null, // the Generate view: the first screen, up before the models run
  started: false, // whether the views draw with the models (before: the first screen only)
  pictures: {}, // 'shipped' / 'live' -> ms after navigation of the first such Generate image
  views: [],
  notice: (message, level) => showNotice(message, level),
  /** Images for latents from one model (see Engine.generate); updates the timing line.
   * Resolves to {data, count, ms}, or null when the job was cancelled. */
  async run(modelId, latents, options = {}) {
    const result = await app.engine.generate(modelId, latents, options);
    if (result) {
      $('timing').textContent = `${app.engine.backend} · ${result.count} image` +
        `${result.count === 1 ? '' : 's'} in ${result.ms.toFixed(1)} ms`;
    }
    return result;
  },
  /** The index entries the views show a column for (the book GAN only when asked for), with
   * their labels; app.models / app.errors say whether each is running or why not. */
  columns() {
    return app.entries.filter((entry) => !entry.optional || app.state.book === 'on')
      .map((entry) => {
        const label = app.described[entry.id]?.label ?? entry.label ?? entry.id;
        return { ...entry, label, name: NAMES[entry.id] ?? label };
      });
  },
  /** The generator models on show, in models/index.json order (the book GAN when asked for). */
  shown() {
    return Object.values(app.described)
      .filter((model) => model.kind !== 'vae-encoder' && app.models[model.id])
      .filter((model) => !model.optional || app.state?.book === 'on')
      .map((model) => model.id);
  },
  /** Every model's Generate image is on screen: the site's shipped one, or the models' own
   * ('live'). The first of each is marked (latentwalk:shipped-picture, latentwalk:live-picture)
   * for the test hook and benchmarks/first_picture.py. */
  pictured(source) {
    if (app.pictures[source] !== undefined) return;
    app.pictures[source] = performance.mark(`latentwalk:${source}-picture`).startTime;
    if (source === 'live') $('loading').hidden = true;
  },
  /** Record a change that needs no redraw (the walk's frame while scrubbing). */
  remember(patch) {
    Object.assign(app.state, patch);
    app.hash.write();
  },
  /** Change part of the state: the hash follows, and the views redraw what depends on it
   * (while the models load, the first screen shows what the site shipped of it). */
  async update(patch) {
    const changed = Object.keys(patch).filter((key) => app.state[key] !== patch[key]);
    Object.assign(app.state, patch);
    app.hash.write();
    if (!app.started) {
      app.generate?.preview(app.state); // every view draws the whole state once they start
      return;
    }
    if (changed.includes('backend')) await switchBackend(app.state.backend);
    await Promise.all(app.views.map((view) => view.update(app.state, Object.keys(patch))));
  },
};

/** Another data set: every panel's models change, so reload the page on the new link (the
 * models come from the browser's cache; the rest of the state is in the link). An uploaded
 * image's code belongs to the other data set's VAE, so it is dropped. */
function switchDataset(id) {
  Object.assign(app.state, { dataset: id, start: '' });
  app.hash.now();
  location.reload();
}

/** The data set the link asks for (or the site's default, with a notice when the site lacks
 * it), its verdict on screen without waiting for the models, and its models' index entries. */
function chooseFromIndex(index) {
  app.site = readIndex(index);
  const { dataset, notice } = chooseDataset(app.site, app.state.dataset);
  if (notice) showNotice(notice, 'warning', 'link');
  app.dataset = dataset;
  app.state.dataset = dataset.id;
  app.verdict = createVerdictView(app.site, dataset, switchDataset);
  app.verdict.ready.then(showVerdict);
  return modelsOf(app.site, dataset.id);
}

/** Index and manifests (and, beside the manifests, the shipped pictures: app.shipping); the
 * models to start with (optional ones wait until asked for). */
async function describeAll() {
  let entries;
  try {
    entries = chooseFromIndex(await models.loadIndex());
  } catch (error) {
    $('loading').querySelector('h2').textContent = 'No models to show';
    $('verdict').hidden = $('evidence').hidden = true;
    showVerdict(null);
    showNotice(`${error.message} Build the site with "python -m export site --gan … --vae …" ` +
      '(see the README) and serve that folder.', 'error');
    return false;
  }
  app.entries = entries;
  app.shipping = loadShipped(entries.filter((entry) => !entry.optional));
  await Promise.all(entries.map(async (entry) => {
    try {
      app.described[entry.id] = await models.describe(entry);
      if (entry.encoder_path) {
        const id = `${entry.id}-encoder`;
        app.described[id] = await models.describe(entry,
          { path: entry.encoder_path, id, kind: 'vae-encoder' });
      }
    } catch (error) {
      app.errors[entry.id] = error.message;
      showNotice(`${entry.label ?? entry.id} is unavailable: ${error.message}`, 'error');
    }
  }));
  // index.json order, whatever order the manifests arrived in.
  const order = entries.flatMap((entry) => [entry.id, `${entry.id}-encoder`]);
  app.described = Object.fromEntries(order.filter((id) => app.described[id])
    .map((id) => [id, app.described[id]]));
  return true;
}

/** Load `list` into the workers `started` (engine.start's promise), marking each model running
 * (app.models) or failed (app.errors; the first screen drops its column). */
async function startModels(list, started) {
  const { loaded, failed } = await loadModels(app.engine, list, started);
  for (const [id, message] of Object.entries(failed)) {
    app.errors[id] = message;
    delete app.models[id];
    app.generate?.drop(id, message);
  }
  Object.assign(app.models, loaded);
}

/** The fastest backend for the first model, remembered for a while in this browser. */
async function chooseBackend() {
  const first = app.shown()[0];
  const cached = rememberedProbe();
  if (cached) {
    app.probe = { ...cached, cached: true };
    if (cached.backend !== app.engine.backend) await app.engine.setBackend(cached.backend);
    return;
  }
  const result = await app.engine.probe(first);
  app.probe = { ...result, cached: false };
  rememberProbe(result);
}

async function switchBackend(wanted) {
  try {
    if (wanted === 'auto') await chooseBackend();
    else await app.engine.setBackend(wanted);
  } catch (error) {
    showNotice(`${error.message}; staying on ${app.engine.backend}.`, 'error');
  }
  $('backend').value = wanted;
  $('backend-used').textContent = wanted === 'auto' ? `(${app.engine.backend})` : '';
  await checkModels(app.shown());
}

async function checkModels(ids) {
  for (const id of ids) {
    const model = app.models[id];
    const check = await models.selfCheck(model, (m, latents) => app.engine.generate(m.id, latents));
    app.checks[id] = check;
    document.querySelector(`.badge[data-model="${id}"]`)?.remove();
    const badge = document.createElement('span');
    badge.className = `badge ${check.ok ? 'ok' : 'warn'}`;
    badge.dataset.model = id;
    badge.textContent = `${NAMES[id] ?? model.label} ${check.ok ? 'verified ✓' : 'unverified ⚠'}`;
    badge.title = check.message;
    $('badges').append(badge);
    if (!check.ok) {
      showNotice(`${NAMES[id] ?? model.label}: ${check.message}.`, 'warning');
      $('details').open = true; // a failed check is not a detail: its badge shows
    }
  }
}

/** Details: each model's name and the recipe it was trained with. */
function listRecipes() {
  for (const entry of app.columns()) {
    const item = document.createElement('li');
    item.textContent = `${entry.name}: ${entry.label}${entry.note ? ` — ${entry.note}` : ''}`;
    $('recipes').append(item);
  }
}

function applyHash() {
  const { state, notices } = parseHash(location.hash);
  notices.forEach((message) => showNotice(message, 'warning', 'link'));
  return state;
}

/** The first screen while the models load: the Generate panel, its columns for the models
 * about to run, with the site's shipped pictures of the state's seeds. */
async function showFirstScreen(list) {
  app.models = Object.fromEntries(list.map((model) => [model.id, model])); // until one fails
  $('main').hidden = false;
  app.generate = createGenerateView(app);
  app.views = [app.generate]; // the others join once the models run
  app.shipped = await app.shipping;
  if (!app.started) app.generate.preview(app.state);
}

async function boot() {
  app.state = applyHash();
  app.engine = new Engine();
  // First of all: the workers and their backend (the wasm binary compiles meanwhile).
  const started = app.engine.start({ backend: startingBackend(app.state.backend) });
  started.catch(() => {}); // awaited with the models
  if (!(await describeAll())) return { ok: false, errors: app.errors };
  const first = Object.values(app.described)
    .filter((model) => !model.optional || app.state.book === 'on');
  if (!first.length) {
    $('loading').querySelector('h2').textContent = 'No model could be loaded';
    return { ok: false, errors: app.errors };
  }
  const loading = startModels(first, started);
  loading.catch(() => {}); // awaited below
  await showFirstScreen(first);
  try {
    await loading;
  } catch (error) {
    $('loading').querySelector('h2').textContent = 'The models could not start';
    $('main').hidden = true;
    throw error;
  }
  if (!app.shown().length) {
    $('loading').querySelector('h2').textContent = 'No model could be loaded';
    $('main').hidden = true;
    return { ok: false, errors: app.errors };
  }
  $('backend').addEventListener('change', () => app.update({ backend: $('backend').value }));
  if (app.state.backend !== 'auto' && app.engine.backend !== app.state.backend) {
    showNotice(`The ${app.state.backend} backend is not available here; using ` +
      `${app.engine.backend}.`, 'warning', 'link');
  }
  $('backend').value = app.state.backend;
  const book = Object.values(app.described).find((model) => model.optional);
  $('book-choice').hidden = !book;
  if (!book && app.state.book === 'on') {
    showNotice('This site has no book GAN: the link\'s book=on is ignored.', 'warning', 'link');
  }
  $('book').checked = app.state.book === 'on';
  if (book) $('book-choice').title = `${book.label}: ${book.note} (a ${formatBytes(book.manifest.total_bytes)} download)`;
  // Showing or hiding a model changes every panel's columns: reload the page on the new link
  // (the models come from the browser's cache; nothing else is lost, the state is in the link).
  $('book').addEventListener('change', () => {
    app.state.book = $('book').checked ? 'on' : 'off';
    app.hash.now();
    location.reload();
  });
  app.hash.now();
  listRecipes();
  bindCopyLink(app.hash.link);
  app.hero = createHeroView();
  // The real-image walk last: tests and benchmarks find the others by their place.
  app.views = [app.generate, createWalkView(app), createAtlasView(app), createMeasureView(app),
    createRealView(app)];
  $('walk').hidden = $('real').hidden = $('atlas').hidden = false;
  app.started = true;
  await Promise.all(app.views.map((view) => view.update(app.state, null)));
  $('loading').hidden = true;
  // Only with the views drawn: a first visit's backend probe (it may move the workers to a
  // faster backend for what comes next), and every model's self-check.
  if (app.state.backend === 'auto') await switchBackend('auto');
  else await checkModels(app.shown());
  // The tears the search found, drawn by the models (below the first screen: not awaited).
  app.tears = app.verdict.ready.then(() => createTearsView(app, app.verdict.figures()).ready);
  window.addEventListener('hashchange', () => {
    document.querySelectorAll('.notice[data-source=link]').forEach((notice) => notice.remove());
    const state = applyHash();
    if (chooseDataset(app.site, state.dataset).dataset.id !== app.dataset.id) {
      location.reload();
      return;
    }
    app.update({ ...state, dataset: app.dataset.id });
  });
  const shown = app.shown();
  return { ok: true, models: shown, errors: app.errors, backend: app.engine.backend };
}

const ready = boot().catch((error) => {
  console.error(error);
  const message = error instanceof EngineError ? error.message : `${error.message}`;
  showNotice(`The demo failed to start: ${message}`, 'error');
  showVerdict(app.verdict ? app.verdict.ready : null); // a no-op when it is already shown
  return { ok: false, error: message, errors: app.errors };
});

window.latentwalk = testHook(app, ready, verdictShown);
