// The Generate panel: one seed drawn large by every model side by side, a grid of seeds per
// model, random seeds, sliders over the seed's latent dimensions (generate_dims.js), and PNG
// downloads. It reads and changes app.state through app.update, so the URL hash follows. It is
// the first screen: built before the models run, it shows the site's shipped pictures of its
// seeds (first_screen.js), says so, and draws live over them once the models run.
import { parseSeeds, seedToLatent } from './latent.js';
import { shippedImages } from './first_screen.js';
import { createDimSliders } from './generate_dims.js';
import { cellAt, downloadCanvas, drawImages } from './render.js';
import { bindInput } from './inputs.js';
import { element, modelColumn } from './dom.js';

const $ = (id) => document.getElementById(id);
const SINGLE_SCALE = 8;
const GRID_SCALE = 2;

/** A uint32 from the browser's CSPRNG: a fresh seed that the permalink then pins down. */
function randomSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

function buildColumn(app, entry, onPick) {
  const column = modelColumn(app, entry, $('generate-columns'), 'model-column');
  if (!column) return null;
  const single = element('canvas', 'pixels single');
  single.width = single.height = 32 * SINGLE_SCALE;
  const caption = element('p', 'summary');
  const grid = element('canvas', 'pixels grid clickable');
  const buttons = element('div', 'controls');
  const saveImage = element('button', '', 'Download image');
  const saveGrid = element('button', '', 'Download grid');
  saveImage.type = saveGrid.type = 'button';
  buttons.append(saveImage, saveGrid);
  column.append(single, caption, grid, buttons);
  // Beside the model's name while its pictures are the site's (preview), not yet its own.
  const source = element('span', 'source', ' · shipped');
  source.title = 'Drawn by this model when the site was built; it draws live once loaded.';
  source.hidden = true;
  column.querySelector('h3').append(source);
  const state = { id: entry.id, entry, node: column, single, caption, grid, source, layout: null,
    seeds: [] };
  saveImage.addEventListener('click', () =>
    downloadCanvas(single, `latentwalk-${entry.id}-seed${app.state.seed}.png`)
      .catch((error) => app.notice(error.message, 'error')));
  saveGrid.addEventListener('click', () =>
    downloadCanvas(grid, `latentwalk-${entry.id}-grid.png`)
      .catch((error) => app.notice(error.message, 'error')));
  grid.addEventListener('click', (event) => {
    if (!state.layout) return;
    // The canvas may be shown scaled by CSS; map the click back to canvas pixels.
    const box = grid.getBoundingClientRect();
    const x = ((event.clientX - box.left) * grid.width) / box.width;
    const y = ((event.clientY - box.top) * grid.height) / box.height;
    const index = cellAt(state.layout, state.seeds.length, x, y);
    if (index >= 0) onPick(state.seeds[index]);
  });
  return state;
}

export function createGenerateView(app) {
  const columns = app.columns().map((entry) => buildColumn(app, entry, pickSeed)).filter(Boolean);
  const dim = app.models[columns[0]?.id]?.latentDim ?? 32;
  const sliders = createDimSliders(app, dim);
  // What is on the canvases, for the test hook; `live`: drawn by the models (else shipped).
  const drawn = { single: null, grid: null };
  let live = false; // whether the models run: from then on, nothing shipped is drawn
  // Per canvas kind, the latest request: a newer one cancels the older one's remaining batches.
  const latest = { single: 0, grid: 0 };
  const jobs = { single: null, grid: null };

  const fields = {
    seed: bindInput(app, $('seed'), 'seed', $('seed-error')),
    grid: bindInput(app, $('grid'), 'grid', $('grid-error')),
  };
  $('random').addEventListener('click', () => app.update({ seed: randomSeed(), dims: '' }));
  $('dims-reset').addEventListener('click', () => app.update({ dims: '' }));
  $('generate-cancel').addEventListener('click', () => {
    if (jobs.grid !== null) app.engine.cancel(jobs.grid);
  });

  function pickSeed(seed) {
    app.update({ seed, dims: '' });
  }

  /** Every model's images for `latents`, as one job (a newer request of the same kind cancels
   * it). Resolves to one data array per column (null where cancelled or failed), or to null
   * when a newer request superseded this one. */
  async function runAll(kind, latents, onProgress = () => {}) {
    const mine = ++latest[kind];
    if (jobs[kind] !== null) app.engine.cancel(jobs[kind]);
    const job = app.engine.newJob();
    jobs[kind] = job;
    const done = {};
    const progress = (id) => (count) => {
      done[id] = count;
      onProgress(Object.values(done).reduce((a, b) => a + b, 0) / (latents.length * columns.length));
    };
    const results = await Promise.all(columns.map((column) =>
      app.run(column.id, latents, { job, onProgress: progress(column.id) }).then(
        (result) => result?.data ?? null,
        (error) => {
          app.notice(`${column.entry.name}: ${error.message}`, 'error');
          return null;
        },
      )));
    if (mine !== latest[kind]) return null;
    jobs[kind] = null;
    return results;
  }

  async function drawSingle(state) {
    const z = sliders.latentOf(state);
    const results = await runAll('single', [z]);
    if (!results) return;
    columns.forEach((column, k) => {
      if (!results[k]) return;
      drawImages(column.single, results[k], 1, { scale: SINGLE_SCALE, padding: 0 });
      column.source.hidden = true;
      column.caption.textContent = `seed ${state.seed}${state.dims ? ', edited' : ''}`;
    });
    sliders.show(z);
    drawn.single = { seed: state.seed, dims: state.dims, models: columns.map((c) => c.id),
      backend: app.engine.backend, live: true };
    app.pictured?.('live');
  }

  async function drawGrid(state) {
    const seeds = parseSeeds(state.grid, 256);
    const latents = seeds.map((s) => seedToLatent(s, dim));
    const progress = $('generate-progress');
    // Big grids (or a slow model) show their progress and can be cancelled.
    const big = seeds.length >= 64 || columns.some((column) => app.models[column.id].optional);
    progress.hidden = $('generate-cancel').hidden = !big;
    progress.value = 0;
    const results = await runAll('grid', latents, (fraction) => { progress.value = fraction; });
    if (!results) return; // superseded: the newer grid draws and hides the bar
    progress.hidden = $('generate-cancel').hidden = true;
    if (results.some((data) => data === null)) {
      // Cancelled (or failed): every grid stays as it was, and the link and the box go back to
      // the grid on screen, so the columns never show different seeds.
      if (drawn.grid) {
        app.remember({ grid: drawn.grid.text });
        fields.grid.show(drawn.grid.text);
      }
      return;
    }
    columns.forEach((column, k) => {
      column.seeds = seeds;
      column.layout = drawImages(column.grid, results[k], seeds.length,
        { scale: GRID_SCALE, padding: 2 });
    });
    drawn.grid = { seeds, text: state.grid, layout: columns[0]?.layout ?? null,
      models: columns.map((c) => c.id), live: true };
  }

  /** Before the models run: the shipped pictures of the state's seeds where the site has them
   * (none for an edited latent), each caption saying so; otherwise a caption saying the model
   * draws it once loaded. Returns whether every column's single image is a shipped one. */
  function preview(state) {
    const seeds = parseSeeds(state.grid, 256);
    let all = columns.length > 0;
    columns.forEach((column) => {
      const shipped = app.shipped?.[column.id];
      const single = state.dims ? null : shippedImages(shipped, [state.seed]);
      column.source.hidden = !single;
      if (single) {
        drawImages(column.single, single, 1, { scale: SINGLE_SCALE, padding: 0 });
        column.caption.textContent = `seed ${state.seed} · shipped with the site, live in a moment`;
      } else {
        // Cleared: no other seed's picture stays under this seed's caption.
        const { width, height } = column.single;
        column.single.getContext('2d', { willReadFrequently: true }).clearRect(0, 0, width, height);
        column.caption.textContent = `seed ${state.seed} · drawn once the model has loaded`;
        all = false;
      }
      const grid = shippedImages(shipped, seeds);
      if (grid) {
        column.seeds = seeds;
        column.layout = drawImages(column.grid, grid, seeds.length,
          { scale: GRID_SCALE, padding: 2 });
      }
    });
    fields.seed.show(state.seed);
    fields.grid.show(state.grid);
    if (all) {
      drawn.single = { seed: state.seed, dims: state.dims, models: columns.map((c) => c.id),
        backend: null, live: false };
    }
    return all;
  }

  return {
    /** Before the models run (app.js): the shipped pictures of the state's seeds, where the
     * site has them; app.pictured('shipped') once every column shows one. */
    preview(state) {
      if (!live && preview(state)) app.pictured?.('shipped');
    },
    /** A model that could not load after all: its column says why, and is no longer drawn. */
    drop(id, message) {
      const column = columns.find((c) => c.id === id);
      if (!column) return;
      columns.splice(columns.indexOf(column), 1);
      column.node.replaceChildren(column.node.firstChild,
        element('p', 'column-error', `Not available: ${message}`));
    },
    /** Redraw what `changed` keys affect (null: everything). */
    async update(state, changed) {
      live = true;
      const all = changed === null || changed.includes('backend');
      // Inputs show the state, so a permalink or the hash restores them too.
      fields.seed.show(state.seed);
      fields.grid.show(state.grid);
      if (state.dims) $('dims-panel').open = true; // a link with edits shows them
      const work = [];
      if (all || changed.includes('seed') || changed.includes('dims')) work.push(drawSingle(state));
      if (all || changed.includes('grid')) work.push(drawGrid(state));
      await Promise.all(work);
    },
    info: () => ({ view: 'generate', ...structuredClone(drawn) }),
  };
}
