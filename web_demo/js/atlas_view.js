// The Atlas panel: an N x N grid over a plane through latent space, every model's images there
// and its stretch map (how much the image changes per unit move at each cell), on one colour
// scale, each model a column (atlas_column.js). The images are made in the inference workers
// (engine.js, one per core, with progress and a cancel), so the page never freezes; the maps are
// core/latent.py's math, twinned in latent.js. The picked cell is in the link (state `cell`).
import {
  markCells, median, parseSeeds, percentile, planeLatents, planeSpacing, planeThroughSeeds,
  randomPlane, stretchMap,
} from './latent.js';
import { drawColourBar, drawImages } from './render.js';
import { bindInput, bindSelect } from './inputs.js';
import { element } from './dom.js';
import { createAtlasColumn } from './atlas_column.js';
import { MEASURE_WORDS, downloadAtlas } from './atlas_download.js';

const AUTO_MAP_DELAY_MS = 400; // after the panel comes into view
const $ = (id) => document.getElementById(id);
const IMAGE_VALUES = 32 * 32 * 3;
const FLOOR = 1e-3; // as streamlit_app/atlas.py: zero change shows as 1/1000 of the median
const NO_MAP_YET = 'Map a plane first: the download is its grids and maps.';
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

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

/** The link's cell ("row,column") on an n x n grid, or the centre when it has none there. */
function cellOf(text, n) {
  const [row, col] = String(text).split(',').map(Number);
  return text && row < n && col < n ? [row, col] : [Math.floor(n / 2), Math.floor(n / 2)];
}

export function createAtlasView(app) {
  const $error = $('atlas-error');
  const columns = app.columns()
    .map((entry) => createAtlasColumn(app, entry, $('atlas-columns'), pick)).filter(Boolean);
  const fields = {
    pseeds: bindInput(app, $('atlas-seeds'), 'pseeds', $error),
    n: bindInput(app, $('atlas-n'), 'n', $error),
    measure: bindSelect(app, $('atlas-measure'), 'measure'),
  };
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
  if (columns.length === 1) {
    const only = columns[0].entry.name;
    $('atlas-columns').before(element('p', 'notice warning', `Only ${only} is available here, ` +
      'so the atlas shows it alone: the side-by-side comparison needs both the GAN and the VAE.'));
  }
  $('atlas-run').addEventListener('click', () => app.update({ atlas: 'on' }));
  // Opened is seen, on a page that scrolls: the first time the panel comes into view with no
  // map asked for, it maps the link's plane by itself (the default 24 x 24 takes about a
  // second), so nobody meets an empty atlas; unless the person is already at its controls
  // (their own change comes first).
  let touched = false;
  $('atlas').addEventListener('focusin', () => { touched = true; });
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    observer.disconnect();
    setTimeout(() => {
      if (!touched && app.state.atlas !== 'on') app.update({ atlas: 'on' });
    }, AUTO_MAP_DELAY_MS);
  }, { threshold: 0.2 });
  observer.observe($('atlas'));
  $('atlas-cancel').addEventListener('click', cancel);
  const download = $('atlas-download');
  download.disabled = true; // until a map is drawn: there is nothing to save
  download.title = NO_MAP_YET;
  $('atlas-scale').textContent = NO_MAP_YET;
  download.addEventListener('click', () => {
    if (drawn) downloadAtlas(app, columns, drawn);
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

  /** Every model's images on the plane's lattice (one job, with progress): one array per
   * column, null where cancelled; throws what the engine throws. */
  async function makeImages(lattice, job) {
    const dim = lattice[0].length;
    const count = lattice.length;
    const flat = new Float32Array(count * dim);
    lattice.forEach((z, i) => flat.set(z, i * dim));
    expected = count * columns.length;
    columns.forEach((column) => { done[column.id] = 0; });
    onProgress();
    return Promise.all(columns.map(async (column) => {
      const result = await app.engine.run(column.id, flat, [count, dim], {
        job,
        onProgress: (made) => {
          done[column.id] = made;
          onProgress();
        },
      });
      return result && result.outputs[0];
    }));
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
    const started = performance.now();
    running = app.engine.newJob();
    setBusy(true);
    let results;
    try {
      results = await makeImages(lattice, running);
    } catch (error) {
      if (mine === latest) {
        $error.textContent = error.message;
        running = null;
        setBusy(false);
      }
      return;
    }
    if (mine !== latest) return; // superseded by a newer request, which draws
    running = null;
    if (results.some((r) => r === null)) {
      setBusy(false);
      $('atlas-status').textContent = 'Cancelled.';
      return;
    }
    const spacing = planeSpacing(plane);
    const mapped = {};
    for (const [i, column] of columns.entries()) {
      // One model's map per task, so the page stays responsive between them.
      await nextTask();
      mapped[column.id] = { lattice: results[i], maps: stretchMap(results[i], lattice.length, spacing) };
    }
    if (mine !== latest) return;
    drawn = { plane, n: plane.n, measure: state.measure, results: mapped };
    setBusy(false);
    lastMs = performance.now() - started;
    picked = cellOf(state.cell, plane.n);
    if (state.cell && picked.join(',') !== state.cell) app.remember({ cell: '' }); // off this grid
    await drawAll(nextTask);
    download.disabled = false;
    download.title = '';
    $('atlas-status').textContent = `${plane.n} × ${plane.n} atlas of ${columns.length} ` +
      `model${columns.length === 1 ? '' : 's'} (${lattice.length * columns.length} images, ` +
      `${app.engine.size} worker${app.engine.size === 1 ? '' : 's'}) in ` +
      `${(lastMs / 1000).toFixed(1)} s`;
  }

  /** Draw the atlas on screen; `between` runs between two models (the first draw after a
   * computation yields there, so no main-thread task is long). */
  async function drawAll(between = () => {}) {
    if (!drawn) return;
    const { plane, measure, results } = drawn;
    const logs = Object.fromEntries(columns.map((c) => [c.id, relativeLog(results[c.id].maps[measure])]));
    const domain = sharedDomain(Object.values(logs));
    const marks = markCells(plane);
    const labels = plane.kind === 'seeds' ? plane.seeds.map(String) : [String(plane.seeds[0])];
    for (const column of columns) {
      await between();
      column.draw(results[column.id], { plane, measure, logs: logs[column.id], domain, marks,
        labels, picked });
    }
    drawColourBar($('atlas-bar'), domain);
    drawn.domain = domain;
    $('atlas-scale').textContent = `${MEASURE_WORDS[measure]} / the model's own median, log ` +
      'colour scale shared by the maps';
    showPicked();
  }

  /** Show cell [row, column] large; the link keeps it. */
  function pick(cell) {
    picked = cell;
    app.remember({ cell: cell.join(',') });
    drawAll();
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
    $('atlas-cell-caption').textContent = `${columns.map((c) => c.entry.name).join(' | ')}` +
      ` at row ${row}, column ${col} (plane coordinates ${x.toFixed(2)}, ${y.toFixed(2)})`;
  }

  return {
    async update(state, changed) {
      $('atlas-plane').value = state.plane;
      fields.pseeds.show(state.pseeds);
      fields.n.show(state.n);
      fields.measure.show(state.measure);
      $('atlas-seeds-label').textContent = state.plane === 'seeds'
        ? 'Three seeds'
        : 'Centre seed, directions\' seed';
      if (state.atlas !== 'on' || !columns.length) return;
      const keys = ['plane', 'pseeds', 'n', 'atlas', 'backend'];
      if (changed === null || changed.some((key) => keys.includes(key))) {
        await compute(state);
      } else if (drawn && changed.includes('measure')) {
        drawn.measure = state.measure;
        await drawAll();
      } else if (drawn && changed.includes('cell')) {
        picked = cellOf(state.cell, drawn.n);
        await drawAll();
      }
    },
    info: () => ({
      view: 'atlas',
      running: running !== null,
      ms: lastMs,
      n: drawn?.n ?? null,
      measure: drawn?.measure ?? null,
      picked,
      mapFont: columns[0]?.mapFont ?? null, // the maps' labels, in canvas pixels
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
