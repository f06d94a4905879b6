// The Walk panel: one latent path through two or more seeds (optionally starting from an
// uploaded image's VAE code), rendered by every model side by side, with progress and a cancel
// while it is made, play / pause, a scrub slider, a strip of all frames, a chart of the image
// change per step on one scale for every model (train.latent.path_distances' measure: jumps
// show as tall red bars, waypoints as dashed lines; a click on a bar shows that step), and
// PNG strip and animated GIF downloads.
import { findJumps, parseSeeds, pathDistances, seedToLatent, walk, walkSummary } from './latent.js';
import {
  chartStepAt, downloadBytes, downloadCanvas, drawChart, drawImages, drawImagesInSlices,
} from './render.js';
import { bindInput } from './generate_view.js';
import { encodeGif } from './gif.js';
import { button, element, modelColumn } from './dom.js';

const $ = (id) => document.getElementById(id);
const FRAME_SCALE = 6;
const GIF_SCALE = 4;
const STRIP_COLUMNS = 17; // a default 16-step leg and its end frame per row
const FRAME_MS = 120; // about 8 frames a second: slow enough to see each step
const IMAGE_VALUES = 32 * 32 * 3;
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** One model's column: current frame, chart, summary line, strip and its downloads. */
function buildColumn(app, entry, view) {
  const column = modelColumn(app, entry, $('walk-columns'), 'walk-column');
  if (!column) return null;
  const frame = element('canvas', 'pixels frame');
  const chart = element('canvas', 'chart clickable');
  chart.width = 384;
  chart.height = 120;
  const summary = element('p', 'summary');
  const strip = element('canvas', 'pixels strip');
  const downloads = element('div', 'controls');
  const saveStrip = button('Download strip');
  const saveGif = button('Download GIF');
  const gifStatus = element('span', 'timing');
  downloads.append(saveStrip, saveGif, gifStatus);
  column.append(frame, chart, summary, strip, downloads);
  const state = { id: entry.id, entry, frame, chart, summary, strip, gifStatus, data: null,
    distances: [], jumps: [], layout: null };
  saveStrip.addEventListener('click', () =>
    downloadCanvas(strip, `latentwalk-${entry.id}-walk.png`)
      .catch((error) => app.notice(error.message, 'error')));
  saveGif.addEventListener('click', () => view.saveGif(state, saveGif));
  chart.addEventListener('click', (event) => {
    if (!state.layout) return;
    const box = chart.getBoundingClientRect();
    const step = chartStepAt(state.layout, ((event.clientX - box.left) * chart.width) / box.width);
    if (step >= 0) view.showFrame(step, true);
  });
  return state;
}

/** An image file -> the VAE encoder's input: its centre square scaled to 32 x 32, NHWC floats in
 * [-1, 1]; also drawn into `preview`. */
async function imageInput(file, preview) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`${file.name} is not an image this browser can read`);
  }
  const side = Math.min(bitmap.width, bitmap.height);
  const context = preview.getContext('2d', { willReadFrequently: true });
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side,
    0, 0, 32, 32);
  bitmap.close();
  const { data } = context.getImageData(0, 0, 32, 32);
  const input = new Float32Array(IMAGE_VALUES);
  for (let p = 0; p < 32 * 32; p++) {
    for (let c = 0; c < 3; c++) input[p * 3 + c] = data[p * 4 + c] / 127.5 - 1;
  }
  return input;
}

export function createWalkView(app) {
  const view = {};
  const columns = app.columns().map((entry) => buildColumn(app, entry, view)).filter(Boolean);
  const scrub = $('scrub');
  const play = $('play');
  const encoder = app.models['vae-encoder']; // index.json's VAE entry's encoder_path
  let frameCount = 0;
  let current = 0;
  let timer = null;
  let labels = []; // the waypoints' names: seeds, or "your image"
  let steps = 1;
  let latest = 0;
  let job = null; // the engine job in flight
  let drawnPath = null; // the {walk, mode, steps, start} on screen, once its frames are drawn
  let lastMs = null;

  bindInput(app, $('walk-seeds'), 'walk', $('walk-error'));
  bindInput(app, $('steps'), 'steps', $('steps-error'));
  $('mode').addEventListener('change', () => app.update({ mode: $('mode').value }));
  scrub.addEventListener('input', () => showFrame(Number(scrub.value)));
  scrub.addEventListener('change', () => app.remember({ frame: current }));
  play.addEventListener('click', () => (timer ? pause() : start()));
  $('walk-cancel').addEventListener('click', cancel);
  $('walk-image').disabled = !encoder;
  $('walk-image').title = encoder ? '' : 'needs the VAE encoder, which this site does not have';
  $('walk-image').addEventListener('change', () => upload($('walk-image').files[0]));
  $('walk-start-clear').addEventListener('click', () => {
    $('walk-image').value = '';
    $('walk-image-preview').hidden = true;
    app.update({ start: '' });
  });

  function start() {
    if (frameCount < 2) return;
    play.textContent = 'Pause';
    play.setAttribute('aria-pressed', 'true');
    timer = setInterval(() => showFrame((current + 1) % frameCount), FRAME_MS);
  }

  function pause() {
    clearInterval(timer);
    timer = null;
    play.textContent = 'Play';
    play.setAttribute('aria-pressed', 'false');
    app.remember({ frame: current });
  }

  function cancel() {
    if (job !== null) app.engine.cancel(job);
  }

  function setBusy(busy) {
    $('walk-cancel').hidden = !busy;
    $('walk-progress').hidden = !busy;
  }

  function showFrame(index, remember = false) {
    if (!frameCount) return;
    current = Math.max(0, Math.min(frameCount - 1, index));
    scrub.value = String(current);
    const leg = Math.min(Math.floor(current / steps), labels.length - 2);
    const t = (current - leg * steps) / steps;
    $('frame-label').textContent = `frame ${current + 1} of ${frameCount} · ` +
      `${labels[leg]} → ${labels[leg + 1]}, t = ${t.toFixed(2)}`;
    const top = Math.max(0, ...columns.flatMap((c) => c.distances));
    const waypoints = labels.slice(1, -1).map((_, k) => (k + 1) * steps);
    for (const column of columns) {
      if (!column.data) continue;
      drawImages(column.frame, column.data.subarray(current * IMAGE_VALUES, (current + 1) * IMAGE_VALUES),
        1, { scale: FRAME_SCALE, padding: 0 });
      // Step i is the change from frame i to frame i + 1; outline the one leaving this frame.
      column.layout = drawChart(column.chart, column.distances, {
        jumps: column.jumps,
        current: Math.min(current, frameCount - 2),
        top,
        waypoints,
        labels: labels.slice(1, -1),
      });
    }
    if (remember) app.remember({ frame: current });
  }
  view.showFrame = showFrame;

  /** The walk's waypoint latents for one model: the uploaded image's code first, if any. */
  function waypointsFor(state, dim) {
    const seeds = parseSeeds(state.walk, 16);
    const points = seeds.map((s) => seedToLatent(s, dim));
    const names = seeds.map((s) => `seed ${s}`);
    const startLatent = state.start ? Float32Array.from(state.start.split(',').map(Number)) : null;
    if (startLatent && startLatent.length === dim) {
      points.unshift(startLatent);
      names.unshift('your image');
    }
    return { points, names };
  }

  async function compute(state) {
    const mine = ++latest;
    cancel();
    const myJob = app.engine.newJob();
    job = myJob;
    $('walk-error').textContent = '';
    const total = {};
    let expected = 0;
    const paths = columns.map((column) => {
      const { points, names } = waypointsFor(state, app.models[column.id].latentDim);
      const path = walk(points, state.steps, state.mode);
      expected += path.length;
      return { path, names };
    });
    const onProgress = () => {
      const done = Object.values(total).reduce((a, b) => a + b, 0);
      $('walk-progress').value = done / expected;
      $('walk-status').textContent = `${done} of ${expected} images…`;
    };
    const started = performance.now();
    setBusy(true);
    let results;
    try {
      results = await Promise.all(columns.map(async (column, k) => {
        const result = await app.run(column.id, paths[k].path, {
          job: myJob,
          onProgress: (done) => {
            total[column.id] = done;
            onProgress();
          },
        });
        return result && result.data;
      }));
    } catch (error) {
      if (mine === latest) {
        setBusy(false);
        job = null;
        $('walk-error').textContent = error.message;
      }
      return;
    }
    if (mine !== latest) return; // the person changed the walk meanwhile; that one draws
    job = null;
    setBusy(false);
    if (results.some((data) => data === null)) {
      $('walk-status').textContent = drawnPath ? 'Cancelled: the previous walk is still shown.'
        : 'Cancelled.';
      if (drawnPath) {
        // The link and the inputs go back to the walk on screen.
        app.remember({ ...drawnPath, frame: current });
        $('walk-seeds').value = drawnPath.walk;
        $('mode').value = drawnPath.mode;
        $('steps').value = String(drawnPath.steps);
      }
      return;
    }
    lastMs = performance.now() - started;
    labels = paths[0].names;
    steps = state.steps;
    frameCount = paths[0].path.length;
    for (const [i, column] of columns.entries()) {
      // One model at a time, each its own task: a long walk's strips never freeze the page.
      await nextTask();
      if (mine !== latest) return;
      column.data = results[i];
      column.distances = pathDistances(column.data, frameCount);
      column.jumps = findJumps(column.distances);
      const summary = walkSummary(column.distances);
      column.summary.textContent = `path length ${summary.length.toExponential(2)} · largest ` +
        `step ${summary.max_over_median.toFixed(1)}× the median · ` +
        `${summary.jumps.length} jump${summary.jumps.length === 1 ? '' : 's'}`;
    }
    for (const column of columns) {
      await drawImagesInSlices(column.strip, column.data, frameCount,
        { columns: Math.min(frameCount, STRIP_COLUMNS), scale: 1, padding: 1 });
      if (mine !== latest) return;
    }
    $('walk-status').textContent = `${frameCount} frames × ${columns.length} model` +
      `${columns.length === 1 ? '' : 's'} in ${(lastMs / 1000).toFixed(2)} s`;
    drawnPath = { walk: state.walk, mode: state.mode, steps: state.steps, start: state.start };
    scrub.max = String(frameCount - 1);
    if (state.frame > frameCount - 1) {
      app.notice(`The link's frame ${state.frame} is past this walk's last frame ` +
        `(${frameCount - 1}); showing the last one.`);
    }
    showFrame(state.frame);
    if (current !== state.frame) app.remember({ frame: current });
  }

  async function upload(file) {
    if (!file) return;
    $('walk-image-error').textContent = '';
    try {
      const input = await imageInput(file, $('walk-image-preview'));
      $('walk-image-preview').hidden = false;
      const result = await app.engine.run(encoder.id, input, [1, 32, 32, 3],
        { outputs: encoder.manifest.output_nodes });
      const mean = result.outputs[0];
      await app.update({ start: Array.from(mean, (v) => Number(v.toFixed(4))).join(','), frame: 0 });
    } catch (error) {
      $('walk-image-error').textContent = error.message;
    }
  }

  view.saveGif = async (column, trigger) => {
    if (!column.data) return;
    trigger.disabled = true;
    try {
      const bytes = await encodeGif(column.data, frameCount, {
        scale: GIF_SCALE,
        delayMs: FRAME_MS,
        onProgress: (done) => {
          column.gifStatus.textContent = `GIF ${Math.round((100 * done) / frameCount)}%`;
        },
      });
      column.gifStatus.textContent = '';
      view.lastGif = { model: column.id, bytes };
      await downloadBytes(bytes, `latentwalk-${column.id}-walk.gif`, 'image/gif');
    } catch (error) {
      app.notice(`The GIF could not be made: ${error.message}`, 'error');
    } finally {
      trigger.disabled = false;
    }
  };

  return {
    async update(state, changed) {
      $('walk-seeds').value = state.walk;
      $('mode').value = state.mode;
      $('steps').value = String(state.steps);
      $('walk-start').textContent = state.start
        ? 'The walk starts at your image\'s VAE code (the VAE column\'s first frame is its ' +
          'reconstruction).'
        : '';
      $('walk-start-clear').hidden = !state.start;
      const keys = ['walk', 'mode', 'steps', 'start', 'backend'];
      if (changed === null || changed.some((key) => keys.includes(key))) await compute(state);
      else if (changed.includes('frame')) showFrame(state.frame);
    },
    info: () => ({
      view: 'walk',
      path: drawnPath,
      frames: frameCount,
      frame: current,
      playing: timer !== null,
      running: job !== null,
      ms: lastMs,
      labels,
      distances: Object.fromEntries(columns.map((c) => [c.id, c.distances])),
      jumps: Object.fromEntries(columns.map((c) => [c.id, c.jumps])),
    }),
    /** The walk's frames of one model (NHWC in [-1, 1]) and the last GIF made, for tests. */
    frames: (id) => Array.from(columns.find((c) => c.id === id)?.data ?? []),
    lastGif: () => (view.lastGif ? Array.from(view.lastGif.bytes) : null),
    pause,
    play: start,
    cancel,
  };
}
