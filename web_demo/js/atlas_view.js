// The Atlas panel: an N x N grid over a plane through latent space, every model's images there
// and its stretch map (how much the image changes per unit move at each cell), on one colour
// scale. The images are made in the inference workers (engine.js, one per core, with progress and a
// cancel), so the page never freezes; the maps are train/latent.py's math, twinned in latent.js.
import {
  atlasSummary,
  markCells,
  median,
  parseSeeds,
  percentile,
  planeLatents,
  planeSpacing,
  planeThroughSeeds,
  randomPlane,
  stretchMap,
} from './latent.js';
import { downloadCanvas, drawColourBar, drawImages, drawMap } from './render.js';
import { bindInput } from './generate_view.js';
import { element, modelColumn } from './dom.js';

const $ = (id) => document.getElementById(id);
const IMAGE_VALUES = 32 * 32 * 3;
const MAP_PIXELS = 480; // the side of a grid and of a map on screen, whatever N is
const CLIFF_K = 3;
const FLOOR = 1e-3; // as streamlit_app/atlas.py: zero change shows as 1/1000 of the median
const MEASURE_WORDS = { area: 'area magnification √det(JᵀJ)', stretch: 'largest singular value' };

/** log10(value / median), floored like the app's maps. */
function relativeLog(values) {
  const middle = median(values);
  return Float64Array.from(values, (v) => Math.log10(middle > 0 ? Math.max(v / middle, FLOOR) : FLOOR));
}

/** One colour range for every model: lowest 1st percentile to highest maximum, holding ±0.5. */
function sharedDomain(logs) {
  const lo = Math.min(-0.5, ...logs.map((l) => percentile(l, 1)));
  const hi = Math.max(0.5, ...logs.map((l) => Math.max(...l)));
  return [lo, hi];
}

/** The plane a state asks for; throws an Error whose message is for the person. */
export function planeOf(state, latentDim) {
  const seeds = parseSeeds(state.pseeds, 3);
  if (state.plane === 'seeds') return planeThroughSeeds(seeds, latentDim, state.n);
  if (seeds.length !== 2) {
    throw new Error('a random plane takes two seeds: the centre and the directions\' seed, e.g. "0,1"');
  }
  return randomPlane(seeds[0], seeds[1], latentDim, state.n);
}

function buildColumn(app, entry, onPick) {
  const column = modelColumn(app, entry, $('atlas-columns'), 'atlas-column');
  if (!column) return null;
  const grid = element('canvas', 'pixels atlas-grid clickable');
  const map = element('canvas', 'atlas-map clickable');
  const summary = element('p', 'summary');
  const pair = element('div', 'atlas-pair');
  pair.append(grid, map);
  column.append(pair, summary);
  const state = { id: entry.id, entry, grid, map, summary, layout: null };
  for (const canvas of [grid, map]) {
    canvas.addEventListener('click', (event) => {
      if (!state.layout) return;
      const rect = canvas.getBoundingClientRect();
      const cell = rect.width / state.layout.n;
      const row = Math.floor((event.clientY - rect.top) / cell);
      const col = Math.floor((event.clientX - rect.left) / cell);
      if (row >= 0 && col >= 0 && row < state.layout.n && col < state.layout.n) onPick([row, col]);
    });
  }
  return state;
}

export function createAtlasView(app) {
  const $error = $('atlas-error');
  const columns = app.columns().map((entry) => buildColumn(app, entry, pick)).filter(Boolean);
  const done = {}; // model id -> images made so far by the running job
  let expected = 0; // images the running job makes
  let latest = 0;
  let running = null; // the job id in flight
  let drawn = null; // {plane, n, measure, results} on screen
  let picked = null;
  let lastMs = null;

  $('atlas-plane').addEventListener('change', () => {
    const plane = $('atlas-plane').value;
    app.update({ plane, pseeds: plane === 'seeds' ? '0,1,2' : '0,1' });
  });
  $('atlas-measure').addEventListener('change', () => app.update({ measure: $('atlas-measure').value }));
  bindInput(app, $('atlas-seeds'), 'pseeds', $error);
  bindInput(app, $('atlas-n'), 'n', $error);
  if (columns.length === 1) {
    const only = columns[0].entry.label ?? columns[0].id;
    $('atlas-columns').before(element('p', 'notice warning', `Only ${only} is available here, ` +
      'so the atlas shows it alone: the side-by-side comparison needs both the GAN and the VAE.'));
  }
  $('atlas-run').addEventListener('click', () => app.update({ atlas: 'on' }));
  $('atlas-cancel').addEventListener('click', cancel);
  $('atlas-download').addEventListener('click', () => {
    if (!drawn) return;
    const canvas = composite();
    downloadCanvas(canvas, 'latentwalk-atlas.png').catch((error) => app.notice(error.message, 'error'));
  });

  function onProgress() {
    const total = Object.values(done).reduce((a, b) => a + b, 0);
    $('atlas-progress').value = total / Math.max(1, expected);
    $('atlas-status').textContent = `${total} of ${expected} images`;
  }

  function cancel() {
    if (running !== null) app.engine.cancel(running);
  }

  function setBusy(busy) {
    $('atlas-cancel').hidden = !busy;
    $('atlas-progress').hidden = !busy;
    $('atlas-run').disabled = busy;
  }

  async function compute(state) {
    const mine = ++latest;
    if (running !== null) cancel();
    $error.textContent = '';
    let plane;
    try {
      plane = planeOf(state, app.models[columns[0].id].latentDim);
    } catch (error) {
      $error.textContent = error.message;
      return;
    }
    const lattice = planeLatents(plane, 1);
    const dim = lattice[0].length;
    const count = lattice.length;
    const started = performance.now();
    const job = app.engine.newJob();
    running = job;
    setBusy(true);
    expected = count * columns.length;
    columns.forEach((column) => { done[column.id] = 0; });
    onProgress();
    let results;
    try {
      const flat = new Float32Array(count * dim);
      lattice.forEach((z, i) => flat.set(z, i * dim));
      results = await Promise.all(columns.map(async (column) => {
        const result = await app.engine.run(column.id, flat, [count, dim], {
          job,
          onProgress: (made) => {
            done[column.id] = made;
            onProgress();
          },
        });
        return result && result.outputs[0];
      }));
    } catch (error) {
      if (mine === latest) {
        $error.textContent = error.message;
        running = null;
        setBusy(false);
      }
      return;
    }
    if (mine !== latest) return; // superseded by a newer request, which draws
    if (results.some((r) => r === null)) {
      running = null;
      setBusy(false);
      $('atlas-status').textContent = 'Cancelled.';
      return;
    }
    const spacing = planeSpacing(plane);
    const mapped = {};
    for (const [i, column] of columns.entries()) {
      // One model's map per task, so the page stays responsive between them.
      await new Promise((resolve) => setTimeout(resolve, 0));
      mapped[column.id] = { lattice: results[i], maps: stretchMap(results[i], count, spacing) };
    }
    if (mine !== latest) return;
    drawn = { plane, n: plane.n, measure: state.measure, results: mapped };
    running = null;
    setBusy(false);
    lastMs = performance.now() - started;
    picked = [Math.floor(plane.n / 2), Math.floor(plane.n / 2)];
    await drawAll(() => new Promise((resolve) => setTimeout(resolve, 0)));
    $('atlas-status').textContent = `${plane.n} × ${plane.n} atlas of ${columns.length} ` +
      `model${columns.length === 1 ? '' : 's'} (${count * columns.length} images, ` +
      `${app.engine.size} worker${app.engine.size === 1 ? '' : 's'}) in ` +
      `${(lastMs / 1000).toFixed(1)} s`;
  }

  /** The inner n x n images of a model's lattice, as one flat array. */
  function cellImages(lattice, n) {
    const side = n + 2;
    const out = new Float32Array(n * n * IMAGE_VALUES);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const from = ((i + 1) * side + (j + 1)) * IMAGE_VALUES;
        out.set(lattice.subarray(from, from + IMAGE_VALUES), (i * n + j) * IMAGE_VALUES);
      }
    }
    return out;
  }

  /** Draw the atlas on screen; `between` runs between two models (the first draw after a
   * computation yields there, so no main-thread task is long). */
  async function drawAll(between = () => {}) {
    if (!drawn) return;
    const { plane, n, measure, results } = drawn;
    const logs = Object.fromEntries(columns.map((c) => [c.id, relativeLog(results[c.id].maps[measure])]));
    const domain = sharedDomain(Object.values(logs));
    const marks = markCells(plane);
    const labels = plane.kind === 'seeds' ? plane.seeds.map(String) : [String(plane.seeds[0])];
    const cell = Math.max(2, Math.floor(MAP_PIXELS / n));
    for (const column of columns) {
      await between();
      const result = results[column.id];
      result.images ??= cellImages(result.lattice, n);
      drawImages(column.grid, result.images, n * n, { columns: n, scale: 1, padding: 0 });
      column.grid.style.width = `${n * cell}px`;
      drawMap(column.map, logs[column.id], n, domain, { cell, marks, labels, picked });
      column.layout = { n };
      const summary = atlasSummary(result.maps[measure], CLIFF_K);
      const cliffs = summary.cliff_share > 0
        ? `${(100 * summary.cliff_share).toFixed(0)}% of the plane above ${CLIFF_K}× its median`
        : `no cell above ${CLIFF_K}× its median`;
      column.summary.textContent = `${cliffs} · p99 ${summary.p99_over_median.toFixed(2)}× and ` +
        `max ${summary.max_over_median.toFixed(2)}× the median`;
      column.summary.dataset.summary = JSON.stringify(summary);
    }
    drawColourBar($('atlas-bar'), domain);
    $('atlas-scale').textContent = `${MEASURE_WORDS[measure]} / the model's own median, log ` +
      'colour scale shared by the maps';
    showPicked();
  }

  function draw() {
    drawAll();
  }

  function pick(cell) {
    picked = cell;
    draw();
  }

  function showPicked() {
    const { n, plane, results } = drawn;
    const [row, col] = picked;
    const images = new Float32Array(columns.length * IMAGE_VALUES);
    columns.forEach((column, k) => {
      const from = (row * n + col) * IMAGE_VALUES;
      images.set(results[column.id].images.subarray(from, from + IMAGE_VALUES), k * IMAGE_VALUES);
    });
    drawImages($('atlas-cell'), images, columns.length, { columns: columns.length, scale: 5, padding: 2 });
    const h = planeSpacing(plane);
    const x = plane.center[0] - plane.halfWidth + (col + 0.5) * h;
    const y = plane.center[1] - plane.halfWidth + (row + 0.5) * h;
    $('atlas-cell-caption').textContent = `${columns.map((c) => c.entry.label ?? c.id).join(' | ')}` +
      ` at row ${row}, column ${col} (plane coordinates ${x.toFixed(2)}, ${y.toFixed(2)})`;
  }

  /** Grids and maps of every model and the colour bar in one canvas, for the download. */
  function composite() {
    const width = Math.max(...columns.map((c) => c.grid.width + c.map.width + 16));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = columns.reduce((sum, c) => sum + Math.max(c.grid.height, c.map.height) + 24, 0) + 36;
    const context = canvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = '#111';
    context.font = '13px system-ui, sans-serif';
    let top = 0;
    for (const column of columns) {
      context.fillText(column.entry.label ?? column.id, 0, top + 14);
      context.drawImage(column.grid, 0, top + 20);
      context.drawImage(column.map, column.grid.width + 16, top + 20);
      top += Math.max(column.grid.height, column.map.height) + 24;
    }
    context.drawImage($('atlas-bar'), 0, top + 4);
    return canvas;
  }

  return {
    async update(state, changed) {
      $('atlas-plane').value = state.plane;
      $('atlas-seeds').value = state.pseeds;
      $('atlas-n').value = String(state.n);
      $('atlas-measure').value = state.measure;
      $('atlas-seeds-label').textContent = state.plane === 'seeds'
        ? 'Three seeds'
        : 'Centre seed, directions\' seed';
      if (state.atlas !== 'on' || !columns.length) return;
      const keys = ['plane', 'pseeds', 'n', 'atlas', 'backend'];
      if (changed === null || changed.some((key) => keys.includes(key))) {
        await compute(state);
      } else if (changed.includes('measure') && drawn) {
        drawn.measure = state.measure;
        draw();
      }
    },
    info: () => ({
      view: 'atlas',
      running: running !== null,
      ms: lastMs,
      n: drawn?.n ?? null,
      measure: drawn?.measure ?? null,
      picked,
      plane: drawn && {
        kind: drawn.plane.kind,
        seeds: drawn.plane.seeds,
        axes: drawn.plane.axes.map((a) => Array.from(a)),
        center: drawn.plane.center,
        halfWidth: drawn.plane.halfWidth,
      },
      maps: drawn && Object.fromEntries(Object.entries(drawn.results).map(([id, r]) => [
        id, { area: Array.from(r.maps.area), stretch: Array.from(r.maps.stretch) },
      ])),
    }),
    /** The images at the cells (row-major, NHWC, [-1, 1]) of one model, for tests. */
    images: (id) => (drawn ? Array.from(drawn.results[id].images) : null),
    cancel,
    pick,
  };
}
