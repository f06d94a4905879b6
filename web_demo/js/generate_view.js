// The Generate panel: one seed drawn large, a grid of seeds, a model choice, random seeds and PNG
// downloads. It reads and changes app.state through app.update, so the URL hash follows.
import { parseSeeds, seedToLatent } from './latent.js';
import { cellAt, downloadCanvas, drawImages } from './render.js';
import { checkValue } from './state.js';

const $ = (id) => document.getElementById(id);
const SINGLE_SCALE = 8;
const GRID_SCALE = 2;

/** A uint32 from the browser's CSPRNG: a fresh seed that the permalink then pins down. */
function randomSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** Wire an input to one state key: validate on change, show the error beside it, or update. */
export function bindInput(app, input, key, errorSpan) {
  input.addEventListener('change', () => {
    const { value, error } = checkValue(key, input.value);
    input.setAttribute('aria-invalid', String(Boolean(error)));
    errorSpan.textContent = error ?? '';
    if (!error) app.update({ [key]: value });
  });
}

export function createGenerateView(app) {
  const single = $('single');
  const gridCanvas = $('grid-canvas');
  const radios = [...document.querySelectorAll('input[name="model"]')];
  let gridSeeds = [];
  let gridLayout = null;
  let drawn = { single: null, grid: null }; // what is on the canvases, for the test hook
  // Per canvas, the number of the latest request: a slower, older answer is dropped.
  const latest = { single: 0, grid: 0 };

  for (const radio of radios) {
    radio.disabled = !app.models[radio.value];
    radio.parentElement.title = radio.disabled ? app.errors[radio.value] ?? 'not shipped' : '';
    radio.addEventListener('change', () => radio.checked && app.update({ model: radio.value }));
  }
  bindInput(app, $('seed'), 'seed', $('seed-error'));
  bindInput(app, $('grid'), 'grid', $('grid-error'));
  $('random').addEventListener('click', () => {
    const seed = randomSeed();
    $('seed').value = String(seed);
    app.update({ seed });
  });
  gridCanvas.addEventListener('click', (event) => {
    if (!gridLayout) return;
    // The canvas may be shown scaled by CSS; map the click back to canvas pixels.
    const box = gridCanvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) * gridCanvas.width) / box.width;
    const y = ((event.clientY - box.top) * gridCanvas.height) / box.height;
    const index = cellAt(gridLayout, gridSeeds.length, x, y);
    if (index >= 0) {
      $('seed').value = String(gridSeeds[index]);
      app.update({ seed: gridSeeds[index] });
    }
  });
  $('download-image').addEventListener('click', () =>
    downloadCanvas(single, `latentwalk-${app.state.model}-seed${app.state.seed}.png`)
      .catch((error) => app.notice(error.message, 'error')));
  $('download-grid').addEventListener('click', () =>
    downloadCanvas(gridCanvas, `latentwalk-${app.state.model}-grid.png`)
      .catch((error) => app.notice(error.message, 'error')));

  async function drawSingle(state) {
    const mine = ++latest.single;
    const model = app.models[state.model];
    const { data } = await app.run(state.model, [seedToLatent(state.seed, model.latentDim)]);
    if (mine !== latest.single) return;
    drawImages(single, data, 1, { scale: SINGLE_SCALE, padding: 0 });
    $('single-caption').textContent = `${model.label}, seed ${state.seed}`;
    drawn.single = { model: state.model, seed: state.seed, backend: globalThis.tf.getBackend() };
  }

  async function drawGrid(state) {
    const mine = ++latest.grid;
    const model = app.models[state.model];
    const seeds = parseSeeds(state.grid, 256);
    const { data } = await app.run(state.model, seeds.map((s) => seedToLatent(s, model.latentDim)));
    if (mine !== latest.grid) return;
    gridSeeds = seeds;
    gridLayout = drawImages(gridCanvas, data, seeds.length, { scale: GRID_SCALE, padding: 2 });
    drawn.grid = { model: state.model, seeds, layout: gridLayout };
  }

  return {
    /** Redraw what `changed` keys affect (null: everything). */
    async update(state, changed) {
      const all = changed === null || changed.includes('model') || changed.includes('backend');
      // Inputs show the state, so a permalink or the hash restores them too.
      $('seed').value = String(state.seed);
      $('grid').value = state.grid;
      for (const radio of radios) radio.checked = radio.value === state.model;
      const jobs = [];
      if (all || changed.includes('seed')) jobs.push(drawSingle(state));
      if (all || changed.includes('grid')) jobs.push(drawGrid(state));
      await Promise.all(jobs);
    },
    info: () => ({ view: 'generate', ...structuredClone(drawn) }),
  };
}
