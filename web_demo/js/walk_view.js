// The Walk panel: one latent path through two or more seeds (optionally starting from an
// uploaded image's VAE code, walk_start.js), made by every model side by side in the inference
// workers, with progress and a cancel; each model's column (walk_column.js) shows its frame, its
// change-per-step chart on one scale for every model (jumps red, waypoints dashed; a click on a
// bar shows that step) and its strip and downloads; the player (walk_player.js) plays and scrubs.
import { parseSeeds, seedToLatent, walk } from './latent.js';
import { bindInput, bindSelect } from './inputs.js';
import { createWalkColumn, FRAME_MS } from './walk_column.js';
import { encodeLabelledGif } from './gif.js';
import { downloadBytes } from './render.js';
import { createWalkPlayer } from './walk_player.js';
import { createWalkStart } from './walk_start.js';

const $ = (id) => document.getElementById(id);
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The walk's waypoint latents for a model of `dim` numbers: the uploaded image's code first. */
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

/** The walk in words, for the hero and the strips' files: "seed 0 → seed 42 → seed 7 · 16 steps
 * a leg, slerp". */
function walkText(state, names) {
  return `${names.join(' → ')} · ${state.steps} steps a leg, ${state.mode}`;
}

export function createWalkView(app) {
  const player = createWalkPlayer(app, showFrame);
  const columns = app.columns()
    .map((entry) => createWalkColumn(app, entry, $('walk-columns'), (step) => player.show(step, true)))
    .filter(Boolean);
  const start = createWalkStart(app);
  const fields = {
    walk: bindInput(app, $('walk-seeds'), 'walk', $('walk-error')),
    steps: bindInput(app, $('steps'), 'steps', $('steps-error')),
    mode: bindSelect(app, $('mode'), 'mode'),
  };
  let latest = 0;
  let job = null; // the engine job in flight
  let drawnPath = null; // the {walk, mode, steps, start} on screen, once its frames are drawn
  let lastMs = null;
  let lastGif = null; // the last labelled GIF made, for tests

  $('walk-cancel').addEventListener('click', cancel);
  $('walk-gif').addEventListener('click', downloadAll);
  // The charts are drawn at the size they are shown (readable text on a phone): redraw on resize.
  window.addEventListener('resize', () => showFrame(player.current));

  /** Every model's walk in one labelled GIF (GAN | VAE, the seeds and frame numbers on it). */
  async function downloadAll() {
    const drawn = columns.filter((c) => c.data);
    if (!drawn.length || !drawnPath) return;
    const trigger = $('walk-gif');
    trigger.disabled = true;
    try {
      const count = Math.min(...drawn.map((c) => c.frames));
      const seeds = player.labels.join(', ');
      const captions = Array.from({ length: count },
        (_, i) => `walk through ${seeds} | frame ${i} of ${count - 1}`);
      const bytes = await encodeLabelledGif(drawn.map((c) => ({ name: c.entry.name, data: c.data })),
        count, captions, {
          delayMs: FRAME_MS,
          onProgress: (done) => {
            $('walk-status').textContent = `GIF ${Math.round((100 * done) / count)}%`;
          },
        });
      $('walk-status').textContent = '';
      await downloadBytes(bytes, 'latentwalk-walk.gif', 'image/gif');
      lastGif = bytes;
    } catch (error) {
      app.notice(`The GIF could not be made: ${error.message}`, 'error');
    } finally {
      trigger.disabled = false;
    }
  }

  function cancel() {
    if (job !== null) app.engine.cancel(job);
  }

  function setBusy(busy) {
    $('walk-cancel').hidden = !busy;
    $('walk-progress').hidden = !busy;
  }

  /** Every column at frame `index`, their charts on the tallest step of any. */
  function showFrame(index) {
    const top = Math.max(0, ...columns.flatMap((c) => c.distances));
    columns.forEach((column) => column.showFrame(index, { top, ...player.waypoints() }));
  }

  /** Every model's frames for the walk `state` asks for: one per column, or null when
   * cancelled, or undefined when superseded or failed (the error is shown). */
  async function makeFrames(state, mine) {
    const myJob = app.engine.newJob();
    job = myJob;
    const made = {};
    const paths = columns.map((column) => {
      const { points, names } = waypointsFor(state, app.models[column.id].latentDim);
      return { path: walk(points, state.steps, state.mode), names };
    });
    const expected = paths.reduce((sum, p) => sum + p.path.length, 0);
    const onProgress = () => {
      const done = Object.values(made).reduce((a, b) => a + b, 0);
      $('walk-progress').value = done / expected;
      $('walk-status').textContent = `${done} of ${expected} images…`;
    };
    setBusy(true);
    try {
      const results = await Promise.all(columns.map(async (column, k) => {
        const result = await app.run(column.id, paths[k].path, {
          job: myJob,
          onProgress: (done) => {
            made[column.id] = done;
            onProgress();
          },
        });
        return result && result.data;
      }));
      return mine === latest ? { results, paths } : undefined;
    } catch (error) {
      if (mine === latest) {
        setBusy(false);
        job = null;
        $('walk-error').textContent = error.message;
      }
      return undefined;
    }
  }

  /** Cancelled: the link and the inputs go back to the walk on screen. */
  function keepDrawn() {
    $('walk-status').textContent = drawnPath ? 'Cancelled: the previous walk is still shown.'
      : 'Cancelled.';
    if (!drawnPath) return;
    app.remember({ ...drawnPath, frame: player.current });
    fields.walk.show(drawnPath.walk);
    fields.mode.show(drawnPath.mode);
    fields.steps.show(drawnPath.steps);
  }

  async function compute(state) {
    const mine = ++latest;
    cancel();
    $('walk-error').textContent = '';
    const started = performance.now();
    const made = await makeFrames(state, mine);
    if (made === undefined) return; // superseded (the newer walk draws) or failed (said)
    job = null;
    setBusy(false);
    const { results, paths } = made;
    if (results.some((data) => data === null)) {
      keepDrawn();
      return;
    }
    lastMs = performance.now() - started;
    const frames = paths[0].path.length;
    player.setWalk({ frames, labels: paths[0].names, steps: state.steps });
    for (const [i, column] of columns.entries()) {
      // One model at a time, each its own task: a long walk's strips never freeze the page.
      await nextTask();
      if (mine !== latest) return;
      column.setFrames(results[i], frames, walkText(state, paths[0].names));
    }
    app.hero?.setWalk(columns.map((c) => ({ id: c.id, name: c.entry.name, data: c.data,
      frames: c.frames, distances: c.distances })), walkText(state, paths[0].names));
    for (const column of columns) {
      await column.drawStrip();
      if (mine !== latest) return;
    }
    $('walk-status').textContent = `${frames} frames × ${columns.length} model` +
      `${columns.length === 1 ? '' : 's'} in ${(lastMs / 1000).toFixed(2)} s`;
    drawnPath = { walk: state.walk, mode: state.mode, steps: state.steps, start: state.start };
    if (state.frame > frames - 1) {
      app.notice(`The link's frame ${state.frame} is past this walk's last frame ` +
        `(${frames - 1}); showing the last one.`);
    }
    player.show(state.frame);
    if (player.current !== state.frame) app.remember({ frame: player.current });
  }

  return {
    async update(state, changed) {
      fields.walk.show(state.walk);
      fields.mode.show(state.mode);
      fields.steps.show(state.steps);
      start.show(state);
      const keys = ['walk', 'mode', 'steps', 'start', 'backend'];
      if (changed === null || changed.some((key) => keys.includes(key))) await compute(state);
      else if (changed.includes('frame')) player.show(state.frame);
    },
    info: () => ({
      view: 'walk',
      path: drawnPath,
      frames: player.frames,
      frame: player.current,
      playing: player.timer !== null,
      running: job !== null,
      ms: lastMs,
      labels: player.labels,
      distances: Object.fromEntries(columns.map((c) => [c.id, c.distances])),
      jumps: Object.fromEntries(columns.map((c) => [c.id, c.jumps])),
      charts: Object.fromEntries(columns.map((c) => [c.id, c.layout])),
    }),
    /** The walk's frames of one model (NHWC in [-1, 1]), for tests. */
    frames: (id) => Array.from(columns.find((c) => c.id === id)?.data ?? []),
    pause: () => player.pause(),
    /** Make the labelled GIF of every model (as its button does); resolves to its bytes. */
    gif: async () => {
      await downloadAll();
      return lastGif && Array.from(lastGif);
    },
    play: () => player.start(),
    cancel,
  };
}
